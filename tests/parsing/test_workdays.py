"""Work days (chinese-calendar, 调休, fallback, extras) and work hours across DST."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.config import Settings
from bot.core.workdays import (
    CN_LAST_YEAR,
    HOLIDAYS,
    HolidayUnknownError,
    WorkCalendar,
    holiday_breaks,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
CN = WorkCalendar.from_settings(Settings())


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 10, 1), False, id="national-day-thursday-is-off"),
        pytest.param(date(2026, 10, 7), False, id="national-day-week-wednesday-is-off"),
        pytest.param(date(2026, 10, 8), True, id="back-to-work-thursday"),
        pytest.param(date(2026, 10, 10), True, id="make-up-saturday-is-a-work-day"),
        pytest.param(date(2026, 9, 20), True, id="make-up-sunday-is-a-work-day"),
        pytest.param(date(2026, 10, 11), False, id="ordinary-sunday"),
        pytest.param(date(2026, 11, 27), True, id="ordinary-friday"),
        pytest.param(date(2028, 1, 3), True, id="unknown-year-monday"),
        pytest.param(date(2028, 1, 1), False, id="unknown-year-saturday"),
        pytest.param(date(2028, 10, 2), True, id="unknown-year-national-day-falls-back-to-mon-fri"),
    ],
)
def test_is_workday_with_the_chinese_calendar(day: date, expected: bool) -> None:
    assert CN.is_workday(day) is expected


def test_the_package_range_is_read_from_the_package() -> None:
    assert CN_LAST_YEAR >= 2026
    assert CN_LAST_YEAR < 2028  # the fallback test above relies on 2028 being unknown


def test_holidays_none_is_monday_to_friday() -> None:
    plain = WorkCalendar.from_settings(Settings(holidays="none"))
    assert plain.is_workday(date(2026, 10, 1))
    assert not plain.is_workday(date(2026, 10, 10))


def test_extra_dates_correct_the_calendar() -> None:
    extra = WorkCalendar.from_settings(
        Settings(
            extra_holidays=frozenset({date(2026, 11, 27), date(2028, 1, 3)}),
            extra_workdays=frozenset({date(2026, 11, 28), date(2028, 1, 1)}),
        )
    )
    assert not extra.is_workday(date(2026, 11, 27))
    assert extra.is_workday(date(2026, 11, 28))
    assert not extra.is_workday(date(2028, 1, 3))
    assert extra.is_workday(date(2028, 1, 1))
    assert extra.next_workday(date(2026, 11, 26)) == date(2026, 11, 28)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 9, 30), date(2026, 10, 8), id="over-national-day"),
        pytest.param(date(2026, 10, 9), date(2026, 10, 10), id="onto-the-make-up-saturday"),
        pytest.param(date(2026, 11, 27), date(2026, 11, 30), id="over-a-weekend"),
        pytest.param(date(2027, 12, 31), date(2028, 1, 3), id="into-an-unknown-year"),
    ],
)
def test_next_workday_is_strictly_after(day: date, expected: date) -> None:
    assert CN.next_workday(day) == expected


def test_from_settings_is_cached() -> None:
    settings = Settings()
    assert WorkCalendar.from_settings(settings) is WorkCalendar.from_settings(settings)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI), True, id="start-counts"),
        pytest.param(datetime(2026, 11, 27, 17, 59, tzinfo=SHANGHAI), True, id="last-minute"),
        pytest.param(datetime(2026, 11, 27, 18, 0, tzinfo=SHANGHAI), False, id="end-does-not"),
        pytest.param(datetime(2026, 11, 27, 8, 59, tzinfo=SHANGHAI), False, id="before-start"),
        pytest.param(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), False, id="saturday"),
        pytest.param(datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI), True, id="make-up-saturday"),
        pytest.param(datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("UTC")), True, id="other-zone"),
    ],
)
def test_is_work_time(moment: datetime, expected: bool) -> None:
    assert CN.is_work_time(moment) is expected
    assert CN.is_work_time(moment, Settings()) is expected


def test_next_work_start() -> None:
    inside = datetime(2026, 11, 27, 10, 30, tzinfo=SHANGHAI)
    assert CN.next_work_start(inside) == inside
    early = datetime(2026, 11, 27, 7, 0, tzinfo=SHANGHAI)
    assert CN.next_work_start(early) == datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=SHANGHAI)
    assert CN.next_work_start(friday_evening) == datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    before_holiday = datetime(2026, 9, 30, 19, 0, tzinfo=SHANGHAI)
    assert CN.next_work_start(before_holiday) == datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)


def test_add_work_minutes_counts_only_work_hours() -> None:
    start = datetime(2026, 11, 27, 17, 30, tzinfo=SHANGHAI)
    assert CN.add_work_minutes(start, 60) == datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)
    assert CN.add_work_minutes(start, 30) == datetime(2026, 11, 27, 18, 0, tzinfo=SHANGHAI)
    assert CN.add_work_minutes(start, 0) == start
    night = datetime(2026, 11, 26, 22, 0, tzinfo=SHANGHAI)
    # 9 work hours a day: 600 minutes from Thursday night is Friday's 540 + Monday's 60.
    assert CN.add_work_minutes(night, 600) == datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    assert CN.add_work_minutes(datetime(2026, 9, 30, 17, 0, tzinfo=SHANGHAI), 120) == datetime(
        2026, 10, 8, 10, 0, tzinfo=SHANGHAI
    )


BERLIN_CAL = WorkCalendar.from_settings(
    Settings(tz=BERLIN, holidays="none", workday_start=time(8, 30), workday_end=time(17, 0))
)


def test_add_work_minutes_across_spring_forward() -> None:
    friday = datetime(2026, 3, 27, 16, 0, tzinfo=BERLIN)  # DST starts Sunday 2026-03-29
    result = BERLIN_CAL.add_work_minutes(friday, 120)
    assert result == datetime(2026, 3, 30, 9, 30, tzinfo=BERLIN)
    assert result.utcoffset() != friday.utcoffset()
    assert result.isoformat() == "2026-03-30T09:30:00+02:00"


def test_add_work_minutes_across_fall_back() -> None:
    friday = datetime(2026, 10, 23, 16, 30, tzinfo=BERLIN)  # DST ends Sunday 2026-10-25
    result = BERLIN_CAL.add_work_minutes(friday, 60)
    assert result.isoformat() == "2026-10-26T09:00:00+01:00"


def test_next_work_start_across_dst_keeps_the_wall_clock() -> None:
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    assert BERLIN_CAL.next_work_start(saturday).isoformat() == "2026-03-30T08:30:00+02:00"
    utc_input = datetime(2026, 3, 27, 20, 0, tzinfo=ZoneInfo("UTC"))
    assert BERLIN_CAL.next_work_start(utc_input).isoformat() == "2026-03-30T08:30:00+02:00"


# --- public holidays (issue #16) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("holiday", "after", "on_or_after", "expected"),
    [
        pytest.param("National Day", False, date(2026, 9, 1), date(2026, 9, 30), id="nd-before"),
        pytest.param("National Day", True, date(2026, 9, 1), date(2026, 10, 8), id="nd-after"),
        pytest.param(
            "Spring Festival",
            False,
            date(2026, 1, 5),
            date(2026, 2, 14),
            id="sf-before-make-up-sat",
        ),
        pytest.param(
            "New Year's Day", True, date(2025, 12, 15), date(2026, 1, 4), id="ny-after-make-up-sun"
        ),
        pytest.param(
            "Mid-autumn Festival", True, date(2025, 9, 1), date(2025, 10, 9), id="ma-inside-nd-2025"
        ),
        pytest.param(None, True, date(2026, 9, 20), date(2026, 9, 28), id="any-holiday-after"),
        pytest.param(None, False, date(2026, 9, 29), date(2026, 9, 30), id="any-next-is-nd"),
        pytest.param(
            "National Day", True, date(2026, 10, 3), date(2026, 10, 8), id="asked-during-break"
        ),
    ],
)
def test_holiday_edges_come_from_the_calendar(
    holiday: str | None, after: bool, on_or_after: date, expected: date
) -> None:
    assert CN.holiday_edge(holiday, after=after, on_or_after=on_or_after) == expected


def test_a_holiday_past_the_data_names_the_year_it_would_be_in() -> None:
    with pytest.raises(HolidayUnknownError) as info:
        CN.holiday_edge("National Day", after=False, on_or_after=date(CN_LAST_YEAR, 11, 1))
    assert info.value.year == CN_LAST_YEAR + 1
    with pytest.raises(HolidayUnknownError) as later:
        CN.holiday_edge("New Year's Day", after=False, on_or_after=date(2028, 3, 1))
    assert later.value.year == 2029


def test_no_holiday_calendar_knows_no_holiday() -> None:
    plain = WorkCalendar.from_settings(Settings(holidays="none"))
    with pytest.raises(HolidayUnknownError):
        plain.holiday_edge("National Day", after=False, on_or_after=date(2026, 9, 1))


def test_breaks_merge_days_a_few_apart_and_previous_workday_skips_days_off() -> None:
    assert (date(2025, 10, 1), date(2025, 10, 8)) in holiday_breaks("National Day")
    assert all(a <= b for a, b in holiday_breaks(None))
    assert CN.previous_workday(date(2026, 10, 1)) == date(2026, 9, 30)
    assert CN.previous_workday(date(2026, 2, 15)) == date(2026, 2, 14)  # make-up Saturday
    assert set(HOLIDAYS) <= {name for _, name in _cn_names()}


def _cn_names() -> list[tuple[date, str]]:
    from chinese_calendar import constants

    return list(constants.holidays.items())
