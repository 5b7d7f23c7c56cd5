"""The one error handler: log with the exception, tell admins (rarely), keep the bot alive.

A network failure (the connection or Telegram's servers, bot/core/neterrors.py) is not a bug:
one WARNING line naming the Bot API method, no traceback, no admin alert. Outbox messages are
retried by delivery; a direct call a handler made (an answer, an edit) is not repeated.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import Ctx
from bot.core.i18n import t
from bot.core.neterrors import describe, is_network_error, method_of

log = logging.getLogger(__name__)


async def on_error(update: object, context: Ctx) -> None:
    """Log the failure; tell the person something went wrong, and the admins once in a while."""
    error = context.error
    if error is not None and is_network_error(error):
        where = f"update {update.update_id}" if isinstance(update, Update) else "background work"
        log.warning(
            "network error in %s while handling %s (%s): not retried",
            method_of(error) or "a Bot API call",
            where,
            describe(error),
        )
        return
    log.error("error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(t(context.lang, "start.error"))
        except Exception:  # the error path must never raise
            log.debug("could not tell the user about the error", exc_info=True)
    if error is not None:
        # The exception's type and message only: never a traceback with URLs (they hold the token).
        await context.bot_data.alerts.tell("handler", f"{type(error).__name__}: {error}")
