"""The one error handler: log with the exception, tell admins (rarely), keep the bot alive."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import Ctx
from bot.core.i18n import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: Ctx) -> None:
    """Log the failure; tell the person something went wrong, and the admins once in a while."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(t(context.lang, "start.error"))
        except Exception:  # the error path must never raise
            log.debug("could not tell the user about the error", exc_info=True)
    if context.error is not None:
        # The exception's type and message only: never a traceback with URLs (they hold the token).
        await context.bot_data.alerts.tell(
            "handler", f"{type(context.error).__name__}: {context.error}"
        )
