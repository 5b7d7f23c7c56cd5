"""Work calendars in each person's own zone: work hours, quiet hours and days read locally."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.core.config import Settings
from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.people.rules import tz_of
from bot.reminders.store import Records


class Zones:
    """The office calendar moved into a person's zone (one copy per zone, made once)."""

    def __init__(self, records: Records, settings: Settings, calendar: WorkCalendar) -> None:
        self._records = records
        self._settings = settings
        self.calendar = calendar
        self._calendars: dict[str, WorkCalendar] = {}

    def tz(self, person: Person | None) -> ZoneInfo:
        return tz_of(person, self._settings)

    def of(self, person: Person | None) -> WorkCalendar:
        """The work calendar in this person's zone."""
        zone = tz_of(person, self._settings)
        cal = self._calendars.get(zone.key)
        if cal is None:
            cal = replace(self.calendar, tz=zone)
            self._calendars[zone.key] = cal
        return cal

    def of_user(self, user_id: int) -> WorkCalendar:
        """The work calendar in the zone of the person with this id (`rules.CalendarFor`)."""
        return self.of(self._records.get_person(user_id))


__all__ = ["Zones"]
