"""Who a person is to the bot: their language, zone and how to name them (pure)."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from bot.core.config import Lang, Settings
from bot.core.i18n import Safe, normalize_lang
from bot.people.models import Person, Workspace


def lang_of(person: Person | None, settings: Settings) -> Lang:
    """Chosen in /settings, else Telegram's language, else OFFICEBOT_LANG."""
    if person is None:
        return settings.lang
    if person.language:
        return normalize_lang(person.language, settings.lang)
    return normalize_lang(person.telegram_language, settings.lang)


def group_lang(ws: Workspace | None, settings: Settings) -> Lang:
    if ws is not None and ws.language:
        return normalize_lang(ws.language, settings.lang)
    return settings.lang


def tz_of(person: Person | None, settings: Settings) -> ZoneInfo:
    if person is not None and person.tz:
        try:
            return ZoneInfo(person.tz)
        except (KeyError, ValueError):
            pass
    return settings.tz


def mention(person: Person | None, user_id: int, fallback: str = "") -> Safe:
    """An HTML mention that notifies the person even without a username."""
    name = person.display_name if person is not None else (fallback or str(user_id))
    return Safe(f'<a href="tg://user?id={user_id}">{html.escape(name, quote=False)}</a>')


def name_of(person: Person | None, user_id: int | None = None, username: str | None = None) -> str:
    """Plain display name (escaped later by t())."""
    if person is not None:
        return person.display_name
    if username:
        return f"@{username}"
    return str(user_id) if user_id is not None else "?"


# ----- who is not a person ----------------------------------------------------------------------
#: Telegram's stand-ins for a message sent as a chat rather than as someone: the anonymous group
#: admin (GroupAnonymousBot), a channel speaking in a group (Channel_Bot), and the service
#: account that forwards a linked channel's posts. None of them is a person the bot may store.
ANONYMOUS_ADMIN_ID = 1087968824
CHANNEL_BOT_ID = 136817688
TELEGRAM_SERVICE_ID = 777000
STAND_IN_IDS = frozenset({ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID, TELEGRAM_SERVICE_ID})


def is_stand_in(user_id: int | None) -> bool:
    """Is this "user" one of Telegram's stand-ins for a chat (never a person)?"""
    return user_id in STAND_IN_IDS


def sent_as_chat(*, from_id: int | None, sender_chat_id: int | None, group: bool) -> bool:
    """A group message sent on behalf of a chat (an anonymous admin, a channel): nobody to act as."""
    if not group:
        return False
    return sender_chat_id is not None or from_id is None or is_stand_in(from_id)


# ----- group membership -------------------------------------------------------------------------
_MEMBER_STATUSES = frozenset({"member", "administrator", "creator"})


def counts_as_member(status: str, *, is_member: bool = False) -> bool:
    """Telegram's chat-member status → still in the group (a restricted member who stayed is)."""
    if status in _MEMBER_STATUSES:
        return True
    return status == "restricted" and is_member


def asks_the_bot(text: str, *, bot_username: str, replies_to_bot: bool) -> bool:
    """Is this message meant for the bot: a command (not one for another bot), a reply to the
    bot, or a mention of it?"""
    if replies_to_bot:
        return True
    words = text.split(maxsplit=1)
    first = words[0] if words else ""
    name = bot_username.lower()
    if first.startswith("/") and len(first) > 1:
        _, at, addressee = first.partition("@")
        return not at or addressee.lower() == name
    return bool(name) and f"@{name}" in text.lower()
