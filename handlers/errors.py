"""The one error handler: log with the exception, keep the bot alive."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import Ctx
from bot.i18n import t
from handlers.common import reply_lang

log = logging.getLogger(__name__)


async def on_error(update: object, context: Ctx) -> None:
    """Log the failure; tell the person something went wrong if we know who it was."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(t(reply_lang(update, context), "start.error"))
        except Exception:
            log.debug("could not tell the user about the error", exc_info=True)
