"""Recurrence phrases → RFC 5545 RRULE strings (spec/parsing.md "Recurrence")."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bot.parsing.numbers import SMALL, to_int
from bot.parsing.scan import Family, Scan
from bot.parsing.when import EN_DAYS, en_weekday, extend, zh_weekday

BYDAY_CODES: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WORKDAYS_RULE: Final = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"

_E = r"(?![a-z0-9_])"
_ZH_DAY = "[一二三四五六日天1-7]"
_ZH_DAYS = rf"{_ZH_DAY}(?:\s*(?:[、,和及与至到~-]|以及)?\s*(?:周|星期|礼拜)?{_ZH_DAY})*"
_EN_DAYS_LIST = (
    rf"(?:{EN_DAYS})s?(?:\s*(?:,|&|/|and|,\s*and)\s*(?:{EN_DAYS})s?(?![a-z0-9_]))*(?![a-z0-9_])"
)

_REPEAT_ZH: Final = (
    r"(?P<wk>每个工作日|每一个工作日|工作日每天|每工作日|每逢工作日)"
    rf"|(?P<biwk>(?:隔周|每隔一周|每两周|每二周|每隔两周|双周)(?:的)?(?:周|星期|礼拜)?(?P<bi_days>{_ZH_DAYS}))"
    rf"|(?P<wd>每(?:一)?个?(?:周|星期|礼拜)(?P<wd_days>{_ZH_DAYS}))"
    rf"|(?P<md>每(?:一)?个?月(?:的)?(?P<md_d>{SMALL})[号日])"
    r"|(?P<mend>每(?:一)?个?月(?:的)?(?:月底|月末|底|末|最后一天))"
    r"|(?P<daily>每天|每日|天天|每一天)"
    r"|(?P<wkly>每(?:一)?个?(?:周|星期|礼拜))"
    r"|(?P<mthly>每(?:一)?个?月)"
    r"|(?P<yearly>每年)"
)
_REPEAT_EN: Final = (
    r"(?P<en_wk>(?:every|each)\s+(?:weekday|workday|working\s+day|business\s+day|work\s+day)"
    rf"|(?:on\s+)?weekdays){_E}"
    r"|(?P<en_biwk>(?:every\s+other|every\s+second|(?:every\s+(?:2|two)\s+weeks|biweekly|fortnightly)"
    rf"\s+on)\s+(?P<en_bi_days>{_EN_DAYS_LIST}))"
    rf"|(?P<en_wd>(?:every|each)\s+(?P<en_wd_days>{_EN_DAYS_LIST}))"
    r"|(?P<en_wdp>on\s+(?P<en_wdp_days>(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
    r"(?:\s*(?:,|&|and|,\s*and)\s*(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays))*)"
    rf"{_E})"
    r"|(?P<en_md>(?:(?:every|each)\s+month\s+on\s+the|monthly\s+on\s+the)\s+(?P<en_md_d>[0-9]{1,2})"
    rf"(?:st|nd|rd|th)?{_E})"
    rf"|(?P<en_md2>(?:on\s+)?the\s+(?P<en_md2_d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+of\s+(?:every|each)\s+month{_E})"
    r"|(?P<en_mend>(?:(?:at\s+|on\s+)?the\s+)?(?:end\s+of\s+(?:every|each)\s+month"
    r"|last\s+day\s+of\s+(?:every|each|the)\s+month|(?:every|each)\s+month[- ]end"
    rf"|monthly\s+on\s+the\s+last\s+day){_E})"
    rf"|(?P<en_daily>(?:every\s*day|daily|each\s+day){_E})"
    rf"|(?P<en_dpod>(?:every|each)\s+(?P<en_pod>morning|afternoon|evening|night){_E})"
    rf"|(?P<en_wkly>(?:every\s+week|weekly|each\s+week){_E})"
    rf"|(?P<en_mthly>(?:every\s+month|monthly|each\s+month){_E})"
    rf"|(?P<en_yearly>(?:every\s+year|yearly|annually){_E})"
)
_REPEATS: Final = Family(
    zh_first="每隔工双天",
    zh_needs=("每", "隔", "天天", "双周"),
    # every, each, weekdays / mondays… ("days"), biweekly, fortnightly, daily, weekly, monthly,
    # yearly, annually, "last day of the month": each English phrase has one of these.
    needs=(
        *("每", "隔", "天天", "双周"),
        *("every", "each", "days", "weekly", "fortnightly", "daily", "monthly", "yearly"),
        *("annually", "last"),
    ),
    zh=_REPEAT_ZH,
    en=_REPEAT_EN,
    en_first={
        "en_wk": "every each on weekdays",
        "en_biwk": "every biweekly fortnightly",
        "en_wd": "every each",
        "en_wdp": "on",
        "en_md": "every each monthly",
        "en_md2": "on the",
        "en_mend": "at on the end last every each monthly",
        "en_daily": "every everyday daily each",
        "en_dpod": "every each",
        "en_wkly": "every weekly each",
        "en_mthly": "every monthly each",
        "en_yearly": "every yearly annually",
    },
)
_ZH_DAY_RE: Final = re.compile(rf"({_ZH_DAY})(?:\s*(?:至|到|~|-)\s*(?:周|星期|礼拜)?({_ZH_DAY}))?")
_EN_DAY_RE: Final = re.compile(rf"(?<![a-z])({EN_DAYS})")


@dataclass(frozen=True, slots=True)
class Repeat:
    """A recurrence phrase: the RRULE and what the first-occurrence search needs."""

    rule: str
    weekdays: frozenset[int] | None = None
    monthday: int | None = None
    workdays: bool = False
    pod: str | None = None  # "every morning" also names a part of the day


def _zh_days(raw: str) -> list[int]:
    days: set[int] = set()
    for m in _ZH_DAY_RE.finditer(raw):
        first = zh_weekday(m.group(1))
        last = zh_weekday(m.group(2)) if m.group(2) else first
        if last < first:
            last = first
        days.update(range(first, last + 1))
    return sorted(days)


def _en_days(raw: str) -> list[int]:
    return sorted({en_weekday(m.group(1)) for m in _EN_DAY_RE.finditer(raw)})


def _weekly(days: list[int], interval: int = 1) -> Repeat:
    if interval == 1 and days == [0, 1, 2, 3, 4]:
        return Repeat(WORKDAYS_RULE, frozenset(days))
    parts = ["FREQ=WEEKLY"]
    if interval != 1:
        parts.append(f"INTERVAL={interval}")
    parts.append("BYDAY=" + ",".join(BYDAY_CODES[d] for d in days))
    return Repeat(";".join(parts), frozenset(days))


def _monthly(day: int) -> Repeat | None:
    if day != -1 and not 1 <= day <= 31:
        return None
    return Repeat(f"FREQ=MONTHLY;BYMONTHDAY={day}", monthday=day)


def _zh_monthday(m: re.Match[str]) -> Repeat | None:
    """每月5号, 每个月的十五日."""
    day = to_int(m.group("md_d"))
    return None if day is None else _monthly(day)


def _every_part_of_day(m: re.Match[str]) -> Repeat:
    """every morning, each evening: daily, and the part of the day ("night" is the evening)."""
    pod = m.group("en_pod")
    return Repeat("FREQ=DAILY", pod="evening" if pod == "night" else pod)


# A Repeat is immutable: the phrases that always mean the same rule share one.
_WORKDAYS: Final = Repeat(WORKDAYS_RULE, workdays=True)
_MONTH_END: Final = Repeat("FREQ=MONTHLY;BYMONTHDAY=-1", monthday=-1)
_DAILY: Final = Repeat("FREQ=DAILY")
_WEEKLY: Final = Repeat("FREQ=WEEKLY")
_MONTHLY: Final = Repeat("FREQ=MONTHLY")
_YEARLY: Final = Repeat("FREQ=YEARLY")
_FIXED_REPEATS: Final[dict[str, Repeat]] = {
    "wk": _WORKDAYS,
    "en_wk": _WORKDAYS,
    "mend": _MONTH_END,
    "en_mend": _MONTH_END,
    "daily": _DAILY,
    "en_daily": _DAILY,
    "wkly": _WEEKLY,
    "en_wkly": _WEEKLY,
    "mthly": _MONTHLY,
    "en_mthly": _MONTHLY,
    "yearly": _YEARLY,
    "en_yearly": _YEARLY,
}
# The phrases read from their words: the days of the week, the day of the month.
_REPEAT_READERS: Final[dict[str, Callable[[re.Match[str]], Repeat | None]]] = {
    "biwk": lambda m: _weekly(_zh_days(m.group("bi_days")), 2),
    "wd": lambda m: _weekly(_zh_days(m.group("wd_days"))),
    "md": _zh_monthday,
    "en_biwk": lambda m: _weekly(_en_days(m.group("en_bi_days")), 2),
    "en_wd": lambda m: _weekly(_en_days(m.group("en_wd_days"))),
    "en_wdp": lambda m: _weekly(_en_days(m.group("en_wdp_days"))),
    "en_md": lambda m: _monthly(int(m.group("en_md_d"))),
    "en_md2": lambda m: _monthly(int(m.group("en_md2_d"))),
    "en_dpod": _every_part_of_day,
}


def _repeat_for(m: re.Match[str]) -> Repeat | None:
    name = m.lastgroup or ""
    fixed = _FIXED_REPEATS.get(name)
    if fixed is not None:
        return fixed
    reader = _REPEAT_READERS.get(name)
    return None if reader is None else reader(m)


def take_repeat(scan: Scan) -> Repeat | None:
    """Find and cut the most specific recurrence phrase.

    "submit the weekly report every Friday": "every Friday" (BYDAY) beats the bare "weekly",
    which then stays in the title as the adjective it is.
    """
    best: tuple[re.Match[str], Repeat] | None = None
    for m in _REPEATS.finditer(scan):
        found = _repeat_for(m)
        if found is not None and (best is None or len(found.rule) > len(best[1].rule)):
            best = (m, found)
    if best is None:
        return None
    m, found = best
    if found.rule == WORKDAYS_RULE:
        found = Repeat(WORKDAYS_RULE, workdays=True, pod=found.pod)
    if m.group() in _ADJECTIVES and _NOUN_AFTER.match(scan.work, m.end()):
        # "daily standup", "weekly report": the rule is meant, and the words name the task.
        return found
    scan.cut(*extend(scan, m.start(), m.end()))
    return found


_ADJECTIVES: Final = frozenset({"daily", "weekly", "monthly", "yearly", "annual"})
_NOUN_AFTER: Final = re.compile(
    r"\s+(?!(?:on|at|by|from|starting|until|till|in|for|before|and|or|please|pls)(?![a-z]))[a-z]"
)
