"""Telegram glue for the settings feature (being built)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Wire this feature's handlers (before the catch-all)."""
