"""Editing a message the bot sent earlier so that it shows something new (the tracking messages
of notices and collections): one place that knows which failures end the matter and which are
worth another try."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.config import Lang
from bot.core.delivery import keyboard
from bot.core.render import Rendered

log = logging.getLogger(__name__)


async def edit_shown(
    bot: Bot, *, chat_id: int, message_id: int, rendered: Rendered, lang: Lang, what: str
) -> bool:
    """Edit the message to show `rendered` (its buttons labelled in `lang`; `what` names it in
    the log, e.g. "tracking of notice 3").

    True: the message shows it now, or needs no edit: it already did ("not modified"), or it
    cannot be edited at all (gone, too old, a blocked bot). False: not now (network, flood):
    try again later."""
    markup = keyboard(rendered, lang)
    try:
        await bot.edit_message_text(
            rendered.text,
            chat_id=chat_id,
            message_id=message_id,
            # An edit carries an inline keyboard or none (never a ForceReply).
            reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
        )
    except BadRequest as exc:
        if "not modified" not in (exc.message or "").lower():
            log.warning("%s not edited: %s", what, exc.message)
    except Forbidden:
        log.info("%s not edited: the bot is blocked", what)
    except TelegramError as exc:  # network, flood: a later try
        log.info("%s not edited now: %s", what, exc)
        return False
    return True


__all__ = ["edit_shown"]
