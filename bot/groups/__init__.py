"""Telegram groups as offices have them: topics, upgrades to supergroups, people leaving, edits."""
