"""Recurrence phrases → RFC 5545 RRULE strings (spec/parsing.md "Recurrence")."""

from __future__ import annotations

import re
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


def _repeat_for(m: re.Match[str]) -> Repeat | None:
    name = m.lastgroup
    g = m.group
    if name in ("wk", "en_wk"):
        return Repeat(WORKDAYS_RULE, workdays=True)
    if name == "biwk":
        return _weekly(_zh_days(g("bi_days")), 2)
    if name == "wd":
        return _weekly(_zh_days(g("wd_days")))
    if name == "md":
        day = to_int(g("md_d"))
        return None if day is None else _monthly(day)
    if name in ("mend", "en_mend"):
        return _monthly(-1)
    if name in ("daily", "en_daily"):
        return Repeat("FREQ=DAILY")
    if name == "en_dpod":
        pod = g("en_pod")
        return Repeat("FREQ=DAILY", pod="evening" if pod == "night" else pod)
    if name in ("wkly", "en_wkly"):
        return Repeat("FREQ=WEEKLY")
    if name in ("mthly", "en_mthly"):
        return Repeat("FREQ=MONTHLY")
    if name in ("yearly", "en_yearly"):
        return Repeat("FREQ=YEARLY")
    if name == "en_biwk":
        return _weekly(_en_days(g("en_bi_days")), 2)
    if name == "en_wd":
        return _weekly(_en_days(g("en_wd_days")))
    if name == "en_wdp":
        return _weekly(_en_days(g("en_wdp_days")))
    if name == "en_md":
        return _monthly(int(g("en_md_d")))
    if name == "en_md2":
        return _monthly(int(g("en_md2_d")))
    return None


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
