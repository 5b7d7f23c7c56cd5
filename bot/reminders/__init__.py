"""Reminders, nags, escalations, morning digests and the weekly summary."""
