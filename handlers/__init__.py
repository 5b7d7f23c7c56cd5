"""Telegram glue: one module per feature, all wired here in an order that matters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.core.feature import Feature
from handlers import errors, people


def register(app: Application[Any, Any, Any, Any, Any, Any], features: Sequence[Feature]) -> None:
    """Wire every feature's handlers. Lower groups run first; in a group the first match wins."""
    # Groups -3..-1: before any feature, for every update — allowlist, exactly-once, who is who.
    app.add_handler(TypeHandler(Update, people.pre_allowlist), group=-3)
    app.add_handler(TypeHandler(Update, people.pre_exactly_once), group=-2)
    app.add_handler(TypeHandler(Update, people.pre_track), group=-1)

    # Group 0: each feature's commands, buttons and precise message handlers, in the
    # composition root's order; then the catch-all plain-text handlers, so they never shadow
    # a command or another feature.
    for feature in features:
        app.add_handlers(list(feature.handlers))
    for feature in features:
        app.add_handlers(list(feature.catch_all))
    # Later groups run as well, after group 0 (e.g. a second reader of /export).
    for feature in features:
        for group, handlers in sorted(feature.later.items()):
            app.add_handlers(list(handlers), group=group)

    app.add_error_handler(errors.on_error)
