"""What /settings offers and how a typed value reads: time zones, digest times (pure)."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.reminders.digest import parse_clock

COMMON_ZONES: tuple[str, ...] = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)
DIGEST_CHOICES: tuple[str, ...] = ("07:30", "08:00", "08:30", "09:00")
DIGEST_OFF = "off"
_OFF_WORDS = frozenset({"off", "关", "关闭"})
# Place names people type instead of zone names.
_PLACES = {
    "北京": "Asia/Shanghai",
    "上海": "Asia/Shanghai",
    "中国": "Asia/Shanghai",
    "香港": "Asia/Hong_Kong",
    "台北": "Asia/Taipei",
    "东京": "Asia/Tokyo",
    "新加坡": "Asia/Singapore",
    "伦敦": "Europe/London",
    "柏林": "Europe/Berlin",
    "巴黎": "Europe/Paris",
    "纽约": "America/New_York",
    "洛杉矶": "America/Los_Angeles",
}


@cache
def _zones_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def warm_zones() -> None:
    """Read the system's zone list once (it takes a moment), before the first question."""
    _zones_by_lower()


def resolve_zone(text: str) -> str | None:
    """An IANA zone name (any case), or a known place name → the zone; else None."""
    raw = text.strip()
    if not raw:
        return None
    if raw in _PLACES:
        return _PLACES[raw]
    name = _zones_by_lower().get(raw.replace(" ", "_").lower())
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def read_digest_time(text: str) -> str | None:
    """What Person.digest_time becomes: "HH:MM" (8:30, 08:30, 0830) or "off"; None if unreadable."""
    if text.strip().lower() in _OFF_WORDS:
        return DIGEST_OFF
    clock = parse_clock(text)
    return clock.strftime("%H:%M") if clock is not None else None


_SETTING_WORDS = {
    "lang": ("lang", "language", "语言"),
    "tz": ("tz", "zone", "timezone", "时区"),
    "digest": ("digest", "早报"),
}


def setting_named(word: str) -> str | None:
    """`/settings <word> <value>`: which setting the word names ("lang", "tz", "digest")."""
    low = word.lower()
    return next((name for name, words in _SETTING_WORDS.items() if low in words), None)
