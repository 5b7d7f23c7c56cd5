"""Recurring tasks: the next occurrence (work calendar, DST) and the rule in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.config import Settings
from bot.core.recurrence import describe_recurrence, is_workday_rule, next_occurrence
from bot.core.workdays import WorkCalendar
from bot.parsing import parse_assignment

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
CN = WorkCalendar.from_settings(Settings())
WORKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def at(*args: int, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("rule", "first", "after", "expected"),
    [
        pytest.param(
            "FREQ=DAILY", at(2026, 11, 27, 9), at(2026, 11, 27, 9), at(2026, 11, 28, 9), id="daily"
        ),
        pytest.param(
            "FREQ=WEEKLY;BYDAY=FR",
            at(2026, 11, 27, 16),
            at(2026, 11, 27, 16),
            at(2026, 12, 4, 16),
            id="weekly",
        ),
        pytest.param(
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            at(2026, 11, 30, 9),
            at(2026, 11, 30, 9),
            at(2026, 12, 2, 9),
            id="mwf",
        ),
        pytest.param(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            at(2026, 3, 10, 15),
            at(2026, 3, 10, 15),
            at(2026, 3, 24, 15),
            id="every-other",
        ),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=15",
            at(2026, 12, 15, 18),
            at(2026, 12, 15, 18),
            at(2027, 1, 15, 18),
            id="monthly",
        ),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            at(2026, 11, 30, 18),
            at(2026, 12, 1, 0),
            at(2026, 12, 31, 18),
            id="month-end",
        ),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            at(2026, 11, 30, 18),
            at(2027, 1, 31, 18),
            at(2027, 2, 28, 18),
            id="month-end-february",
        ),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=31",
            at(2026, 12, 31, 18),
            at(2026, 12, 31, 18),
            at(2027, 1, 31, 18),
            id="31st",
        ),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=31",
            at(2026, 12, 31, 18),
            at(2027, 1, 31, 18),
            at(2027, 3, 31, 18),
            id="31st-skips-february",
        ),
        pytest.param(
            "FREQ=DAILY",
            at(2026, 11, 27, 9),
            at(2026, 11, 1, 0),
            at(2026, 11, 27, 9),
            id="before-first-is-first",
        ),
    ],
)
def test_next_occurrence(rule: str, first: datetime, after: datetime, expected: datetime) -> None:
    assert next_occurrence(rule, first, after, CN) == expected


def test_workday_rule_skips_national_day_and_includes_the_make_up_saturday() -> None:
    first = at(2026, 9, 30, 9)
    assert next_occurrence(WORKDAYS, first, first, CN) == at(2026, 10, 8, 9)
    assert next_occurrence(WORKDAYS, first, at(2026, 10, 9, 9), CN) == at(2026, 10, 10, 9)
    assert next_occurrence(WORKDAYS, first, at(2026, 10, 10, 9), CN) == at(2026, 10, 12, 9)


def test_workday_rule_uses_extra_dates() -> None:
    cal = WorkCalendar.from_settings(Settings(extra_holidays=frozenset({at(2026, 11, 30).date()})))
    first = at(2026, 11, 27, 9)
    assert next_occurrence(WORKDAYS, first, first, cal) == at(2026, 12, 1, 9)


def test_daily_keeps_the_wall_clock_across_dst() -> None:
    first = at(2026, 3, 28, 9, tz=BERLIN)
    nxt = next_occurrence("FREQ=DAILY", first, first, CN)
    assert nxt is not None
    assert nxt.isoformat() == "2026-03-29T09:00:00+02:00"
    assert nxt.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=23)  # a short day


def test_a_rule_that_runs_out_gives_none() -> None:
    first = at(2026, 11, 27, 9)
    assert next_occurrence("FREQ=DAILY;COUNT=2", first, at(2026, 11, 28, 9), CN) is None


def test_is_workday_rule() -> None:
    assert is_workday_rule(WORKDAYS)
    assert is_workday_rule("RRULE:FREQ=WEEKLY;BYDAY=FR,MO,TU,WE,TH")
    assert not is_workday_rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR")
    assert not is_workday_rule("FREQ=WEEKLY;BYDAY=MO,WE,FR")


@pytest.mark.parametrize(
    ("rule", "zh", "en"),
    [
        pytest.param("FREQ=DAILY", "每天", "every day", id="daily"),
        pytest.param(WORKDAYS, "每个工作日", "every work day", id="workdays"),
        pytest.param("FREQ=WEEKLY;BYDAY=FR", "每周五", "every Friday", id="friday"),
        pytest.param("FREQ=WEEKLY;BYDAY=SU", "每周日", "every Sunday", id="sunday"),
        pytest.param(
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            "每周一、三、五",
            "every Monday, Wednesday and Friday",
            id="mwf",
        ),
        pytest.param(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "隔周二", "every other Tuesday", id="every-other"
        ),
        pytest.param(
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU",
            "每3周的周二",
            "every 3 weeks on Tuesday",
            id="every-3-weeks",
        ),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=15", "每月15号", "monthly on the 15th", id="monthly-15"
        ),
        pytest.param("FREQ=MONTHLY;BYMONTHDAY=1", "每月1号", "monthly on the 1st", id="monthly-1"),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=22", "每月22号", "monthly on the 22nd", id="monthly-22"
        ),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=11", "每月11号", "monthly on the 11th", id="monthly-11"
        ),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            "每月最后一天",
            "on the last day of every month",
            id="month-end",
        ),
        pytest.param("FREQ=WEEKLY", "每周", "every week", id="weekly"),
        pytest.param("FREQ=MONTHLY", "每月", "every month", id="monthly"),
        pytest.param("FREQ=YEARLY", "每年", "every year", id="yearly"),
        pytest.param("FREQ=HOURLY", "FREQ=HOURLY", "FREQ=HOURLY", id="unknown-falls-back"),
    ],
)
def test_describe_recurrence(rule: str, zh: str, en: str) -> None:
    assert describe_recurrence(rule, "zh") == zh
    assert describe_recurrence(rule, "en") == en


@pytest.mark.parametrize(
    "text",
    [
        "每周五下午4点前交周报",
        "每个工作日9点打卡",
        "隔周二下午3点开会",
        "每月最后一天交考勤",
        "每月31号对账",
    ],
)
def test_parsed_due_is_an_occurrence_of_its_rule(text: str) -> None:
    now = at(2026, 11, 27, 10)
    parsed = parse_assignment(text, now=now, settings=Settings())
    assert parsed.recurrence is not None and parsed.due is not None
    nxt = next_occurrence(parsed.recurrence, parsed.due, parsed.due, CN)
    assert nxt is not None and nxt > parsed.due
    assert nxt.time() == parsed.due.time()
