"""Shared machinery: clock, settings, i18n, outbox, delivery, rate limits, work days, rendering."""
