"""Offline simulation of the Telegram Bot API (a local fake server for tests and the simulator)."""
