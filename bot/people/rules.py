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
