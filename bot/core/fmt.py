"""Dates, times and labels as people read them (spec/conversations.md: formats). Pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from bot.core.config import Lang
from bot.core.i18n import t
from bot.tasks.models import Priority

_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_when(when: datetime, lang: Lang, tz: tzinfo, now: datetime | None = None) -> str:
    """zh `12月1日 周二 15:00`, en `Tue 1 Dec 15:00`; today/tomorrow named before the time."""
    local = when.astimezone(tz)
    clock = local.strftime("%H:%M")
    if now is not None:
        days = (local.date() - now.astimezone(tz).date()).days
        if days == 0:
            return f"{t(lang, 'fmt.today')} {clock}"
        if days == 1:
            return f"{t(lang, 'fmt.tomorrow')} {clock}"
    wd = local.weekday()
    if lang == "zh":
        year = (
            f"{local.year}年" if now is not None and local.year != now.astimezone(tz).year else ""
        )
        return f"{year}{local.month}月{local.day}日 周{_ZH_WEEKDAYS[wd]} {clock}"
    year = f" {local.year}" if now is not None and local.year != now.astimezone(tz).year else ""
    return f"{_EN_WEEKDAYS[wd]} {local.day} {_EN_MONTHS[local.month - 1]}{year} {clock}"


def format_date(when: datetime, lang: Lang, tz: tzinfo) -> str:
    local = when.astimezone(tz)
    if lang == "zh":
        return f"{local.month}月{local.day}日 周{_ZH_WEEKDAYS[local.weekday()]}"
    return f"{_EN_WEEKDAYS[local.weekday()]} {local.day} {_EN_MONTHS[local.month - 1]}"


def join_names(names: Iterable[str], lang: Lang) -> str:
    """A list of names as the language writes one (张三、王五 / Zhang San, Wang Wu)."""
    return t(lang, "fmt.list_sep").join(names)


def priority_label(priority: Priority, lang: Lang) -> str:
    """The 轻重缓急 scale as people say it: 🔴 紧急, 🟠 较急, (normal: nothing), 🟢 不急;
    en Urgent / Soon / Low."""
    return t(lang, f"fmt.priority_{priority.value}")


def priority_name(priority: Priority, lang: Lang) -> str:
    """The label in a sentence that says from what to what: normal is named (普通 / Normal)."""
    return priority_label(priority, lang) or t(lang, "fmt.priority_normal_named")
