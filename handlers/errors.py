"""The one error handler: log with the exception, tell admins (rarely), keep the bot alive."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Update

from bot.context import Ctx
from bot.core.i18n import t
from handlers.common import reply_lang

log = logging.getLogger(__name__)

# Admins hear about failures at most this often, so a broken loop cannot flood them.
ADMIN_NOTICE_EVERY = timedelta(minutes=10)
_last_admin_notice: dict[str, datetime] = {}


async def on_error(update: object, context: Ctx) -> None:
    """Log the failure; tell the person something went wrong, and the admins once in a while."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(t(reply_lang(update, context), "start.error"))
        except Exception:  # the error path must never raise
            log.debug("could not tell the user about the error", exc_info=True)
    await _tell_admins(context)


async def _tell_admins(context: Ctx) -> None:
    data = context.bot_data
    admins = getattr(data, "settings", None) and data.settings.admins
    if not admins or context.error is None:
        return
    now = data.clock.now()
    last = _last_admin_notice.get("any")
    if last is not None and now - last < ADMIN_NOTICE_EVERY:
        return
    _last_admin_notice["any"] = now
    # The exception's type and message only: never a traceback with URLs (they hold the token).
    what = f"{type(context.error).__name__}: {str(context.error)[:300]}"
    for admin in sorted(admins):
        try:
            await context.bot.send_message(
                admin, t(data.settings.lang, "start.admin_error", what=what)
            )
        except Exception:  # an unreachable admin is not another error
            log.debug("could not notify admin %s", admin, exc_info=True)
