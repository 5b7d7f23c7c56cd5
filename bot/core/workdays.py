"""Work days and work hours: the Chinese public-holiday calendar (with 调休 make-up days) where
`chinese_calendar` knows the year, Monday–Friday otherwise, corrected by the configured extra dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from chinese_calendar import Holiday
from chinese_calendar import constants as _cn

from bot.core.config import Settings

# The package raises for years it has no data for; we fall back to Monday–Friday there instead.
_CN_HOLIDAYS: frozenset[date] = frozenset(_cn.holidays)
_CN_WORKDAYS: frozenset[date] = frozenset(_cn.workdays)
CN_FIRST_YEAR: int = min(d.year for d in _CN_HOLIDAYS)
CN_LAST_YEAR: int = max(d.year for d in _CN_HOLIDAYS)

# No realistic calendar has a year without a work day; the bound only stops a runaway loop.
_MAX_SCAN_DAYS = 3660

# The public holidays by chinese_calendar's names (`Holiday` values), in calendar order.
HOLIDAYS: tuple[str, ...] = (
    Holiday.new_years_day.value,
    Holiday.spring_festival.value,
    Holiday.tomb_sweeping_day.value,
    Holiday.labour_day.value,
    Holiday.dragon_boat_festival.value,
    Holiday.mid_autumn_festival.value,
    Holiday.national_day.value,
)
# Days tagged with one holiday no more than this far apart belong to one break (2025's National
# Day has Mid-autumn Festival's day in the middle of it).
_SAME_BREAK_GAP = timedelta(days=3)
# How far a holiday's edge can lie from its days off (a weekend or two of make-up work days).
_EDGE_REACH = timedelta(days=31)


class HolidayUnknownError(LookupError):
    """The holiday calendar has no days off for `holiday` in `year` (not published yet)."""

    def __init__(self, holiday: str | None, year: int) -> None:
        super().__init__(f"{holiday or 'holiday'} {year}")
        self.holiday = holiday
        self.year = year


@cache
def holiday_breaks(holiday: str | None = None) -> tuple[tuple[date, date], ...]:
    """The first and last day of every break of `holiday` (None: of any public holiday) that
    chinese_calendar knows, in date order. A break is a run of the days it tags with the holiday.
    """
    days = sorted(d for d, name in _cn.holidays.items() if holiday is None or name == holiday)
    breaks: list[tuple[date, date]] = []
    for d in days:
        if breaks and d - breaks[-1][1] <= _SAME_BREAK_GAP:
            breaks[-1] = (breaks[-1][0], d)
        else:
            breaks.append((d, d))
    return tuple(breaks)


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Which days are work days and which hours are work hours, in one zone."""

    use_cn: bool = True
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    workday_start: time = time(9, 0)
    workday_end: time = time(18, 0)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    @staticmethod
    def from_settings(settings: Settings) -> WorkCalendar:
        """The calendar the settings describe (cached: settings are frozen and hashable)."""
        return _calendar_for(settings)

    # --- days -------------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        """True on a work day; an extra holiday beats an extra work day given for the same date."""
        if d in self.extra_holidays:
            return False
        if d in self.extra_workdays:
            return True
        if self.use_cn and CN_FIRST_YEAR <= d.year <= CN_LAST_YEAR:
            return d in _CN_WORKDAYS or (d.weekday() < 5 and d not in _CN_HOLIDAYS)
        return d.weekday() < 5

    def next_workday(self, d: date) -> date:
        """The first work day strictly after `d`."""
        day = d
        for _ in range(_MAX_SCAN_DAYS):
            day += timedelta(days=1)
            if self.is_workday(day):
                return day
        return d + timedelta(days=1)

    def workday_on_or_after(self, d: date) -> date:
        """`d` if it is a work day, else the next one."""
        return d if self.is_workday(d) else self.next_workday(d)

    def previous_workday(self, d: date) -> date:
        """The last work day strictly before `d`."""
        day = d
        for _ in range(_MAX_SCAN_DAYS):
            day -= timedelta(days=1)
            if self.is_workday(day):
                return day
        return d - timedelta(days=1)

    # --- public holidays --------------------------------------------------------------------

    def holiday_edge(self, holiday: str | None, *, after: bool, on_or_after: date) -> date:
        """The last work day before the days off of `holiday` (None: of any public holiday)
        begin, or (`after`) the first work day once they are over: the first such day on or
        after `on_or_after`.

        Days off are read from this calendar, so the weekend next to a break and the configured
        extra dates count. Raises HolidayUnknownError, naming the year the answer would be in,
        when chinese_calendar has no data that far (its schedule is published a year at a time)
        or the calendar does not use the Chinese holidays at all (OFFICEBOT_HOLIDAYS=none).
        """
        if self.use_cn:
            for first, last in holiday_breaks(holiday):
                if last < on_or_after - _EDGE_REACH:
                    continue  # long over: its edges cannot be on or after `on_or_after`
                edge = self.next_workday(last) if after else self.previous_workday(first)
                if edge >= on_or_after:
                    return edge
        # The holiday comes this year unless its season is already over.
        last_month = _LAST_MONTH.get(holiday, 10) if holiday is not None else 10
        year = on_or_after.year + (1 if on_or_after.month > last_month else 0)
        raise HolidayUnknownError(holiday, max(year, CN_LAST_YEAR + 1) if self.use_cn else year)

    # --- hours ------------------------------------------------------------------------------

    def _at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz)

    def is_work_time(self, dt: datetime, settings: Settings | None = None) -> bool:
        """True when `dt` falls on a work day within [work-day start, work-day end).

        Hours are read in `settings.tz` (if given) or this calendar's zone.
        """
        start, end, tz = self.workday_start, self.workday_end, self.tz
        if settings is not None:
            start, end, tz = settings.workday_start, settings.workday_end, settings.tz
        local = dt.astimezone(tz)
        if not self.is_workday(local.date()):
            return False
        wall = local.time().replace(tzinfo=None)
        return start <= wall < end

    def next_work_start(self, dt: datetime) -> datetime:
        """`dt` itself during work hours, else the next work-day start after it."""
        local = dt.astimezone(self.tz)
        if self.is_work_time(local):
            return local
        d = local.date()
        if self.is_workday(d) and local < self._at(d, self.workday_start):
            return self._at(d, self.workday_start)
        return self._at(self.next_workday(d), self.workday_start)

    def add_work_minutes(self, dt: datetime, minutes: int) -> datetime:
        """The moment `minutes` of work time after `dt` (only work hours on work days count).

        Arithmetic is done in UTC so an hour is an hour across a DST change.
        """
        if minutes <= 0:
            return dt.astimezone(self.tz)
        current = self.next_work_start(dt)
        remaining = timedelta(minutes=minutes)
        for _ in range(_MAX_SCAN_DAYS):
            day_end = self._at(current.date(), self.workday_end)
            available = day_end.astimezone(UTC) - current.astimezone(UTC)
            if remaining <= available:
                return (current.astimezone(UTC) + remaining).astimezone(self.tz)
            remaining -= available
            current = self.next_work_start(day_end)
        return current


# The latest month each holiday's days off can reach (National Day's ends by 8 October).
_LAST_MONTH: dict[str, int] = {
    Holiday.new_years_day.value: 1,
    Holiday.spring_festival.value: 2,
    Holiday.tomb_sweeping_day.value: 4,
    Holiday.labour_day.value: 5,
    Holiday.dragon_boat_festival.value: 6,
    Holiday.mid_autumn_festival.value: 10,
    Holiday.national_day.value: 10,
}


@lru_cache(maxsize=64)
def _calendar_for(settings: Settings) -> WorkCalendar:
    return WorkCalendar(
        use_cn=settings.holidays == "cn",
        extra_holidays=settings.extra_holidays,
        extra_workdays=settings.extra_workdays,
        workday_start=settings.workday_start,
        workday_end=settings.workday_end,
        tz=settings.tz,
    )
