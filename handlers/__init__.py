"""Telegram glue: one module per feature, all wired here in an order that matters."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, TypeHandler

from handlers import directory, errors, notices, reminders, settings, start, tasks, tracking


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Wire every handler. Lower groups run first; within a group the first match wins."""
    # Group -3..-1: before any feature, for every update — allowlist, exactly-once, who is who.
    app.add_handler(TypeHandler(Update, tracking.pre_allowlist), group=-3)
    app.add_handler(TypeHandler(Update, tracking.pre_exactly_once), group=-2)
    app.add_handler(TypeHandler(Update, tracking.pre_track), group=-1)

    # Group 0: commands and buttons, each feature's own; then replies to the bot's prompts;
    # the catch-all plain-text capture goes last so it never shadows a command.
    app.add_handler(CommandHandler("start", start.cmd_start))
    app.add_handler(CommandHandler("help", start.cmd_help))
    tasks.register(app)
    reminders.register(app)  # /digest, /week; due work joins the tick loop
    settings.register(app)  # /settings: language, time zone
    directory.register(app)  # /contact, /roster, /docs, /template, files and contact cards
    notices.register(app)  # /notify, /notices, confirmations
    tasks.register_catch_all(app)

    app.add_error_handler(errors.on_error)
