"""Before any feature: allowlist, exactly-once, and remembering who is who and where.

People and groups are learnt from every update; a person with a username who becomes known
binds the tasks that waited for that @username.
"""

from __future__ import annotations

import logging

from telegram import Chat, Update, User
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import Ctx
from bot.people.service import SeenChat, SeenUser

log = logging.getLogger(__name__)


async def pre_allowlist(update: Update, context: Ctx) -> None:
    """With OFFICEBOT_ALLOWED_CHATS set, answer only there and in their members' private chats."""
    data = context.bot_data
    allowed = data.settings.allowed_chats
    chat = update.effective_chat
    if allowed is None or chat is None:
        return
    if chat.id in allowed:
        return
    user = update.effective_user
    if chat.type == Chat.PRIVATE and user is not None:
        person = data.db.get_person(user.id)
        if person is not None and set(person.chats) & allowed:
            return
        for group in allowed:
            try:
                member = await context.bot.get_chat_member(group, user.id)
            except TelegramError:  # not a member there, or no access: a plain "no"
                continue
            if member.status not in ("left", "kicked"):
                return
    log.info("ignoring update %s from chat %s (not allowed)", update.update_id, chat.id)
    raise ApplicationHandlerStop


async def pre_exactly_once(update: Update, context: Ctx) -> None:
    """An update whose change is already stored (re-delivered after a crash) is skipped."""
    if context.bot_data.db.applied(update.update_id):
        log.info("update %s was already applied; skipping", update.update_id)
        raise ApplicationHandlerStop


def _seen(user: User) -> SeenUser:
    return SeenUser(
        user_id=user.id,
        username=user.username,
        first_name=user.first_name or "",
        last_name=user.last_name or "",
        language_code=user.language_code,
        is_bot=user.is_bot,
    )


async def pre_track(update: Update, context: Ctx) -> None:
    """Remember the person and the group; bind tasks that waited for this @username."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot:
        return
    msg = update.effective_message
    others: list[User] = []
    if msg is not None:
        others = list(msg.new_chat_members or ())
        others += [e.user for e in msg.entities or () if e.user is not None]
    tracked = context.services.people.track(
        _seen(user),
        SeenChat(chat.id, chat.type == Chat.PRIVATE, chat.title or "") if chat else None,
        has_message=msg is not None,
        others=[_seen(u) for u in others],
    )
    context.remember_person(tracked.person)
    if tracked.entries:
        await context.bot_data.delivery.send(tracked.entries)
