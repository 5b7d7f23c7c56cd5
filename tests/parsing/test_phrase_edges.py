"""Date, clock and recurrence phrases at their edges: a phrase that is no date after all, one
that is a date gone wrong, and the rarer phrases the corpus does not have."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.config import Settings
from bot.parsing import ParseError, parse_assignment, repeat, when
from bot.parsing.scan import split_branches

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = Settings()
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)  # next month has 30 days


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "title", "due", "rule"),
    [
        # No date or time after all: the words stay in the title.
        pytest.param("0分钟后开会", "0分钟后开会", None, None, id="zh-zero-minutes"),
        pytest.param("0小时后开会", "0小时后开会", None, None, id="zh-zero-hours"),
        pytest.param("0个工作日内交报告", "0个工作日内交报告", None, None, id="zh-zero-workdays"),
        pytest.param("13月上旬开会", "13月上旬开会", None, None, id="zh-xun-month-13"),
        pytest.param("13月底交报告", "13月底交报告", None, None, id="zh-month-end-13"),
        pytest.param("0月内交报告", "0月内交报告", None, None, id="zh-month-0"),
        pytest.param("32号开会", "32号开会", None, None, id="zh-day-32"),
        pytest.param("the 32nd meeting", "the 32nd meeting", None, None, id="en-the-32nd"),
        pytest.param(
            "in 0 business days send the report",
            "in 0 business days send the report",
            None,
            None,
            id="en-zero-business-days",
        ),
        pytest.param(
            "in 0 hours send the report",
            "in 0 hours send the report",
            None,
            None,
            id="en-zero-hours",
        ),
        pytest.param("三点60分开会", "三点60分开会", None, None, id="zh-minute-60"),
        pytest.param("25点开会", "25点开会", None, None, id="zh-hour-25"),
        pytest.param("13pm meeting", "13pm meeting", None, None, id="en-13pm"),
        pytest.param("24:30 meeting", "24:30 meeting", None, None, id="en-24-30"),
        pytest.param("12:60 meeting", "12:60 meeting", None, None, id="en-minute-60"),
        pytest.param("at 25 meeting", "at 25 meeting", None, None, id="en-at-25"),
        pytest.param("快一点交报告", "快一点交报告", None, None, id="zh-a-little"),
        pytest.param("sat meeting", "sat meeting", None, None, id="en-sat-a-word"),
        pytest.param("每月32号开会", "每月32号开会", None, None, id="zh-monthly-day-32"),
        # The rarer phrases.
        pytest.param("一刻钟后开会", "开会", at(2026, 11, 27, 10, 15), None, id="zh-quarter-hour"),
        pytest.param("半小时后开会", "开会", at(2026, 11, 27, 10, 30), None, id="zh-half-hour"),
        pytest.param(
            "end of next week send the report",
            "send the report",
            at(2026, 12, 4, 18),
            None,
            id="en-end-of-next-week",
        ),
        pytest.param("三点零五分开会", "开会", at(2026, 11, 27, 15, 5), None, id="zh-minute-05"),
        pytest.param("24点开会", "开会", at(2026, 11, 28, 0), None, id="zh-hour-24"),
        pytest.param("3.30pm meeting", "meeting", at(2026, 11, 27, 15, 30), None, id="en-3.30pm"),
        pytest.param(
            "twelve o'clock meeting", "meeting", at(2026, 11, 27, 12), None, id="en-oclock-word"
        ),
        pytest.param("by sat meeting", "meeting", at(2026, 11, 28, 18), None, id="en-by-sat"),
        pytest.param("meet Sun", "meet", at(2026, 11, 29, 18), None, id="en-capital-sun"),
        pytest.param(
            "report on mondays and fridays",
            "report",
            at(2026, 11, 27, 18),
            "FREQ=WEEKLY;BYDAY=MO,FR",
            id="en-on-mondays-and-fridays",
        ),
        pytest.param(
            "report on the 5th of every month",
            "report",
            at(2026, 12, 5, 18),
            "FREQ=MONTHLY;BYMONTHDAY=5",
            id="en-the-5th-of-every-month",
        ),
        pytest.param(
            "every year review the budget",
            "review the budget",
            at(2026, 11, 27, 18),
            "FREQ=YEARLY",
            id="en-every-year",
        ),
        pytest.param(
            "每月提醒我交报告", "交报告", at(2026, 11, 28, 9), "FREQ=MONTHLY", id="zh-monthly"
        ),
        pytest.param(
            "每周提醒我交周报", "交周报", at(2026, 11, 28, 9), "FREQ=WEEKLY", id="zh-weekly"
        ),
        pytest.param("每年提醒我体检", "体检", at(2026, 11, 28, 9), "FREQ=YEARLY", id="zh-yearly"),
    ],
)
def test_phrase_edges(text: str, title: str, due: datetime | None, rule: str | None) -> None:
    parsed = parse_assignment(text, now=FRIDAY, settings=SETTINGS)
    assert (parsed.title, parsed.due, parsed.recurrence) == (title, due, rule)


@pytest.mark.parametrize(
    ("text", "now", "phrase"),
    [
        pytest.param("下个月32号交报告", FRIDAY, "下个月32号", id="zh-next-month-32"),
        pytest.param("下个月31号交报告", MARCH, "下个月31号", id="zh-next-month-no-31st"),
        pytest.param("2026年2月30日交报告", FRIDAY, "2026年2月30日", id="zh-feb-30"),
        pytest.param(
            "next month on the 35th send the report",
            FRIDAY,
            "next month on the 35th",
            id="en-next-month-35th",
        ),
        pytest.param("2026-02-30 send the report", FRIDAY, "2026-02-30", id="iso-feb-30"),
    ],
)
def test_dates_gone_wrong_are_errors(text: str, now: datetime, phrase: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_assignment(text, now=now, settings=SETTINGS)
    assert (info.value.key, info.value.values) == ("parsing.bad_date", {"date": phrase})


_OUTER_NAME = re.compile(r"\(\?P<(\w+)>")


def _branch_names(*patterns: str) -> list[str]:
    names = []
    for pattern in patterns:
        for branch in split_branches(pattern):
            m = _OUTER_NAME.match(branch.removeprefix("(?<![a-z0-9_])"))
            assert m is not None, branch[:40]
            names.append(m.group(1))
    return names


def test_every_phrase_has_exactly_one_reader() -> None:
    """A branch added to a pattern without a reader would silently never match anything."""
    dates = [
        *when._DURATIONS,
        *when._FIXED_DATES,
        *when._DATE_READERS,
    ]
    assert sorted(dates) == sorted(_branch_names(when._DATE_ZH, when._DATE_EN))
    assert sorted(when._CLOCK_READERS) == sorted(
        set(_branch_names(when._TIME_ZH, when._TIME_EN)) - {"eod", "sod", "pod", "eod_en", "pod_en"}
    )
    repeats = [*repeat._FIXED_REPEATS, *repeat._REPEAT_READERS]
    assert sorted(repeats) == sorted(_branch_names(repeat._REPEAT_ZH, repeat._REPEAT_EN))
