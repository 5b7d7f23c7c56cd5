"""Recurring tasks: the next occurrence of an RRULE, and the rule said in words.

The time of day lives in the first due (the RRULE has no BYHOUR): occurrences keep its wall
clock in its zone across DST. Work-day rules (BYDAY=MO,TU,WE,TH,FR) follow the work calendar:
public holidays are skipped and make-up work days (调休 Saturdays) are included.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dateutil.rrule import rrule, rrulestr

from bot.core.config import Lang
from bot.core.i18n import normalize_lang, t_plain
from bot.core.workdays import WorkCalendar

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WORKDAY_CODES = frozenset(_DAY_CODES[:5])
# A calendar may skip many days in a row (Spring Festival); a year covers any real gap.
_MAX_DAYS = 400


def _parts(rule: str) -> dict[str, str]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts: dict[str, str] = {}
    for part in text.split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            parts[key.strip().upper()] = value.strip().upper()
    return parts


def is_workday_rule(rule: str) -> bool:
    """True for 'every work day': weekly, interval 1, exactly Monday to Friday, no other filter."""
    parts = _parts(rule)
    return (
        parts.get("FREQ") == "WEEKLY"
        and parts.get("INTERVAL", "1") == "1"
        and set(parts.get("BYDAY", "").split(",")) == _WORKDAY_CODES
        and not (set(parts) - {"FREQ", "INTERVAL", "BYDAY", "WKST"})
    )


def next_occurrence(
    rule: str, first_due: datetime, after: datetime, calendar: WorkCalendar
) -> datetime | None:
    """The first occurrence strictly after `after` (None when the rule has run out).

    `first_due` is the first occurrence and gives the zone and the wall-clock time of day.
    """
    tz = first_due.tzinfo
    if tz is None:
        raise ValueError("first_due must be timezone-aware")
    if after < first_due:
        after_local = first_due - timedelta(microseconds=1)
        after_local = after_local.astimezone(tz)
    else:
        after_local = after.astimezone(tz)
    if is_workday_rule(rule):
        return _next_workday_occurrence(first_due, after_local, calendar)
    start = first_due.replace(tzinfo=None)
    recurrence = rrulestr(_strip_prefix(rule), dtstart=start)
    if not isinstance(recurrence, rrule):
        return None
    wall_after = after_local.replace(tzinfo=None)
    # Wall-clock times: compare naive local times, then attach the zone (keeps 09:00 at 09:00).
    candidate = recurrence.after(wall_after, inc=False)
    for _ in range(_MAX_DAYS):
        if candidate is None:
            return None
        moment = candidate.replace(tzinfo=tz)
        if moment > after:
            return moment
        candidate = recurrence.after(candidate, inc=False)
    return None


def _strip_prefix(rule: str) -> str:
    text = rule.strip()
    return text[6:] if text.upper().startswith("RRULE:") else text


def _next_workday_occurrence(
    first_due: datetime, after: datetime, calendar: WorkCalendar
) -> datetime | None:
    tz = first_due.tzinfo
    tod = first_due.timetz().replace(tzinfo=None)
    day: date = max(after.date(), first_due.date())
    for _ in range(_MAX_DAYS):
        if calendar.is_workday(day):
            moment = datetime.combine(day, tod, tzinfo=tz)
            if moment > after and moment >= first_due:
                return moment
        day += timedelta(days=1)
    return None


def _nth(n: int, lang: Lang) -> str:
    """15 → "15th" in English, "15" in Chinese (the catalog decides the shape)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return t_plain(lang, f"parsing.rec.nth.{suffix}", n=n)


def _day_list(codes: list[str], lang: Lang) -> str:
    names = [t_plain(lang, f"parsing.rec.day.{code.lower()}") for code in codes]
    if len(names) <= 1:
        return "".join(names)
    sep = t_plain(lang, "parsing.rec.list_sep")
    last = t_plain(lang, "parsing.rec.list_last")
    return sep.join(names[:-1]) + last + names[-1]


def describe_recurrence(rule: str, lang: str | None = None) -> str:
    """The rule in words: 每周五 / every Friday, 每个工作日, 每月15号, 隔周二 …

    Rules the parser does not write fall back to the RRULE text itself.
    """
    language = normalize_lang(lang)
    parts = _parts(rule)
    freq = parts.get("FREQ")
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return rule
    days = [code[-2:] for code in parts.get("BYDAY", "").split(",") if code]
    if any(code not in _DAY_CODES for code in days):
        return rule
    days.sort(key=_DAY_CODES.index)
    monthday = parts.get("BYMONTHDAY")
    extra = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "WKST"}
    if extra:
        return rule
    if freq == "DAILY" and not days and not monthday:
        if interval == 1:
            return t_plain(language, "parsing.rec.daily")
        return t_plain(language, "parsing.rec.every_n_days", n=interval)
    if freq == "WEEKLY" and not monthday:
        return _describe_weekly(days, interval, language) or rule
    if freq == "MONTHLY" and interval == 1 and not days:
        return _describe_monthly(monthday, language) or rule
    if freq == "YEARLY" and interval == 1 and not days and not monthday:
        return t_plain(language, "parsing.rec.yearly")
    return rule


def _describe_weekly(days: list[str], interval: int, language: Lang) -> str | None:
    if not days:
        return t_plain(language, "parsing.rec.weekly_any") if interval == 1 else None
    if interval == 1 and set(days) == _WORKDAY_CODES:
        return t_plain(language, "parsing.rec.workdays")
    listed = _day_list(days, language)
    if interval == 1:
        return t_plain(language, "parsing.rec.weekly", days=listed)
    if interval == 2:
        return t_plain(language, "parsing.rec.biweekly", days=listed)
    return t_plain(language, "parsing.rec.every_n_weeks", n=interval, days=listed)


def _describe_monthly(monthday: str | None, language: Lang) -> str | None:
    if monthday is None:
        return t_plain(language, "parsing.rec.monthly_any")
    try:
        day = int(monthday)
    except ValueError:
        return None
    if day == -1:
        return t_plain(language, "parsing.rec.monthly_last")
    if 1 <= day <= 31:
        return t_plain(language, "parsing.rec.monthly_day", day=_nth(day, language))
    return None
