"""Calendar files (pure): the alarm lead of a task, and the .ics parsed back with icalendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.core.config import Settings
from bot.core.workdays import WorkCalendar
from bot.reports import calendar as ical
from bot.tasks.models import Assignee, Kind, Priority, Task

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 30, 10, tzinfo=SH)
CAL = WorkCalendar.from_settings(Settings(data_dir=Path("/nonexistent")))
TASK = Task(
    number=12,
    space="g-100",
    chat_id=-100,
    title="交季度总结",
    assigner=10,
    assignees=(Assignee(user_id=11),),
    created_at=NOW,
    due=datetime(2026, 12, 4, 15, tzinfo=SH),
)


@pytest.mark.parametrize(
    ("changes", "minutes"),
    [
        pytest.param({"remind_before": 45}, 45, id="its-own-lead"),
        pytest.param({"remind_before": 0}, 0, id="at-the-deadline"),
        pytest.param({"priority": Priority.URGENT}, 15, id="urgent"),
        pytest.param({"priority": Priority.HIGH}, 60, id="important"),
        pytest.param({}, 60, id="normal-with-a-clock-time"),
        pytest.param({"due": datetime(2026, 12, 4, 18, tzinfo=SH)}, 60, id="a-date-only"),
        pytest.param({"kind": Kind.REMINDER}, 60, id="a-reminder"),
    ],
)
def test_the_alarm_comes_as_early_as_the_tasks_reminder(
    changes: dict[str, object], minutes: int
) -> None:
    task = replace(TASK, **changes)  # type: ignore[arg-type]
    assert ical.alarm_lead(task, CAL) == timedelta(minutes=minutes)


def test_the_file_has_the_zone_the_event_and_its_alarm() -> None:
    event = ical.task_event(
        replace(TASK, priority=Priority.URGENT), CAL, "截止：#12 交季度总结", "任务 #12"
    )
    content = ical.ics([event], BERLIN, NOW, "我的截止时间")
    cal = icalendar.Calendar.from_ical(content)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    [vevent] = cal.walk("VEVENT")
    start = vevent.decoded("dtstart")
    assert start == TASK.due and str(start.tzinfo) == "Europe/Berlin"
    assert vevent.decoded("dtend") - start == ical.DEADLINE_LENGTH
    assert (
        str(vevent["UID"]) == "task-12@officebot"
        and str(vevent["SUMMARY"]) == "截止：#12 交季度总结"
    )
    [alarm] = vevent.walk("VALARM")
    assert (str(alarm["ACTION"]), alarm.decoded("trigger")) == ("DISPLAY", -timedelta(minutes=15))
    assert str(cal["X-WR-CALNAME"]) == "我的截止时间"


def test_a_meeting_lasts_an_hour_with_the_notices_lead() -> None:
    start = datetime(2026, 12, 1, 9, tzinfo=SH)
    [vevent] = icalendar.Calendar.from_ical(
        ical.ics([ical.meeting_event(3, start, "会议：预算会", "")], SH, NOW, "x")
    ).walk("VEVENT")
    assert vevent.decoded("dtend") - vevent.decoded("dtstart") == timedelta(hours=1)
    assert vevent.walk("VALARM")[0].decoded("trigger") == -timedelta(minutes=30)


def test_an_empty_calendar_is_still_a_calendar() -> None:
    cal = icalendar.Calendar.from_ical(ical.ics([], SH, NOW, "x"))
    assert cal.walk("VEVENT") == []
