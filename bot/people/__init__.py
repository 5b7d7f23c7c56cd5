"""People and groups: languages, time zones, settings."""
