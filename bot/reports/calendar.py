"""Calendar files (pure): a task's deadline, a meeting, a collection's deadline as iCalendar
events with the reader's time zone and an alarm (icalendar).

A task's alarm comes as long before its deadline as its reminder does (its remind_before, else
the default lead for its priority: bot/reminders/rules.py); a meeting's as long before as the
notice's own meeting reminder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

import icalendar

from bot.core.workdays import WorkCalendar
from bot.notices.rules import MEETING_LEAD
from bot.reminders.rules import POLICY, lead_minutes
from bot.tasks.models import Task

PRODID = "-//officebot//reports//ZH"
UID_DOMAIN = "officebot"
#: How long a deadline or a meeting stands in the calendar.
DEADLINE_LENGTH = timedelta(minutes=30)
MEETING_LENGTH = timedelta(hours=1)
#: A collection's deadline: reminded as long before as its last call to those missing.
COLLECT_LEAD = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Event:
    """One calendar event: `uid` keeps it the same event when the file is imported again."""

    uid: str
    summary: str
    start: datetime
    length: timedelta
    description: str = ""
    alarm_before: timedelta | None = None


def alarm_lead(task: Task, calendar: WorkCalendar) -> timedelta:
    """Before the deadline: the task's remind_before (0: at the deadline), else the lead the
    reminders use for its priority; a plain date without a clock time gets the normal lead."""
    if task.remind_before is not None:
        return timedelta(minutes=max(task.remind_before, 0))
    minutes = lead_minutes(task, calendar)
    return timedelta(minutes=minutes if minutes is not None else POLICY.normal_before)


def task_event(task: Task, calendar: WorkCalendar, summary: str, description: str) -> Event:
    assert task.due is not None
    return Event(
        uid=f"task-{task.number}@{UID_DOMAIN}",
        summary=summary,
        start=task.due,
        length=DEADLINE_LENGTH,
        description=description,
        alarm_before=alarm_lead(task, calendar),
    )


def meeting_event(number: int, start: datetime, summary: str, description: str) -> Event:
    return Event(
        uid=f"notice-{number}@{UID_DOMAIN}",
        summary=summary,
        start=start,
        length=MEETING_LENGTH,
        description=description,
        alarm_before=MEETING_LEAD,
    )


def collect_event(number: int, due: datetime, summary: str, description: str) -> Event:
    return Event(
        uid=f"collect-{number}@{UID_DOMAIN}",
        summary=summary,
        start=due,
        length=DEADLINE_LENGTH,
        description=description,
        alarm_before=COLLECT_LEAD,
    )


def ics(events: Iterable[Event], tz: tzinfo, now: datetime, name: str) -> bytes:
    """A VCALENDAR with one VEVENT each (times in `tz`, its VTIMEZONE included), each with a
    display alarm."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = now.astimezone(tz)
    for e in events:
        ev = icalendar.Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", stamp)
        ev.add("summary", e.summary)
        start = e.start.astimezone(tz)
        ev.add("dtstart", start)
        ev.add("dtend", start + e.length)
        if e.description:
            ev.add("description", e.description)
        if e.alarm_before is not None:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", e.summary)
            alarm.add("trigger", -e.alarm_before)
            ev.add_component(alarm)
        cal.add_component(ev)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
