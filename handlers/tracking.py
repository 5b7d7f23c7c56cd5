"""Before any feature: allowlist, exactly-once, and remembering who is who and where.

People and groups are learnt from every update; a person with a username who becomes known
binds the tasks that waited for that @username.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Chat, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import Ctx
from bot.people.models import Person, Workspace
from handlers.common import data_of

log = logging.getLogger(__name__)


async def pre_allowlist(update: Update, context: Ctx) -> None:
    """With OFFICEBOT_ALLOWED_CHATS set, answer only there and in their members' private chats."""
    data = data_of(context)
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
    if data_of(context).db.applied(update.update_id):
        log.info("update %s was already applied; skipping", update.update_id)
        raise ApplicationHandlerStop


async def pre_track(update: Update, context: Ctx) -> None:
    """Remember the person and the group; bind tasks that waited for this @username."""
    data = data_of(context)
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot:
        return
    now = data.clock.now()
    db = data.db
    old = db.get_person(user.id)
    person = old or Person(user_id=user.id)
    person = replace(
        person,
        username=user.username,
        first_name=user.first_name or "",
        last_name=user.last_name or "",
        telegram_language=user.language_code,
    )
    started_now = False
    if chat is not None and chat.type == Chat.PRIVATE and update.effective_message is not None:
        started_now = not person.started or person.blocked
        person = replace(person, started=True, blocked=False)
    if chat is not None and chat.type != Chat.PRIVATE and chat.id not in person.chats:
        person = replace(person, chats=(*person.chats, chat.id))
    if person != old:
        db.put_person(replace(person, updated_at=now))
    if chat is not None and chat.type != Chat.PRIVATE:
        ws = db.get_workspace(chat.id) or Workspace(chat_id=chat.id)
        new_ws = replace(ws, title=chat.title or ws.title)
        if user.id not in new_ws.members:
            new_ws = replace(new_ws, members=(*new_ws.members, user.id))
        if new_ws != ws or db.get_workspace(chat.id) is None:
            db.put_workspace(replace(new_ws, updated_at=now))
    msg = update.effective_message
    if msg is not None and chat is not None and chat.type != Chat.PRIVATE:
        _learn_members(update, context)
    entries = []
    if (
        old is None
        or (old.username or "").lower() != (user.username or "").lower()
        or set(person.chats) != set(old.chats)
    ):
        entries += data.tasks.bind_person(person)
    if started_now:
        entries += data.delivery.release_held(user.id)
    if entries:
        await data.delivery.send(entries)


def _learn_members(update: Update, context: Ctx) -> None:
    """New chat members and people mentioned without a username become known."""
    data = data_of(context)
    msg = update.effective_message
    chat = update.effective_chat
    if msg is None or chat is None:
        return
    users = list(msg.new_chat_members or ())
    for entity in msg.entities or ():
        if entity.user is not None:
            users.append(entity.user)
    if not users:
        return
    db = data.db
    ws = db.get_workspace(chat.id) or Workspace(chat_id=chat.id, title=chat.title or "")
    members = list(ws.members)
    for u in users:
        if u.is_bot:
            continue
        if db.get_person(u.id) is None:
            db.put_person(
                Person(
                    user_id=u.id,
                    username=u.username,
                    first_name=u.first_name or "",
                    last_name=u.last_name or "",
                    telegram_language=u.language_code,
                    chats=(chat.id,),
                )
            )
        if u.id not in members:
            members.append(u.id)
    if tuple(members) != ws.members:
        db.put_workspace(replace(ws, members=tuple(members)))
