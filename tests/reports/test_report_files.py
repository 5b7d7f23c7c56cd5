"""ReportFiles against a real data directory: whose tasks each file holds (live and archived),
who may have which calendar, and the weekly pictures of a person and of a group."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import openpyxl
import pytest
from PIL import Image

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.workdays import WorkCalendar
from bot.people.models import Person, Workspace
from bot.reports.export import period_of
from bot.reports.files import Meeting, ReportFiles, Scope
from bot.reports.rules import ReportRefused
from bot.tasks.models import Assignee, Status, Task
from storage import Database

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 12, tzinfo=SH)  # Wednesday noon
GROUP = -100
LEADER, ZHANG, WANG, OUTSIDER = 10, 11, 12, 13
MEETING = Meeting(
    1, datetime(2026, 12, 3, 9, tzinfo=SH), "明天上午9点开预算会", LEADER, GROUP, frozenset({ZHANG})
)


@dataclass
class World:
    db: Database
    files: ReportFiles

    def put(self, *tasks: Task) -> None:
        for task in tasks:
            with self.db.transaction(task.space) as tx:
                tx.put_task(task)


def _task(number: int, **changes: object) -> Task:
    from dataclasses import replace

    task = Task(
        number=number,
        space=f"g{GROUP}",
        chat_id=GROUP,
        title=f"任务{number}",
        assigner=LEADER,
        assignees=(Assignee(user_id=ZHANG),),
        created_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1),
    )
    return replace(task, **changes)  # type: ignore[arg-type]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = ManualClock(NOW)
    settings = Settings(data_dir=tmp_path)
    db = Database(tmp_path / "data", clock=clock)
    db.open()
    for uid, name in ((LEADER, "李主任"), (ZHANG, "张三"), (WANG, "王五"), (OUTSIDER, "路人")):
        db.put_person(Person(user_id=uid, first_name=name, started=True))
    db.put_workspace(Workspace(chat_id=GROUP, title="办公室", members=(LEADER, ZHANG, WANG)))
    files = ReportFiles(
        db,
        clock,
        settings,
        WorkCalendar.from_settings(settings),
        meeting_of=lambda n: MEETING if n == 1 else None,
    )
    try:
        yield World(db, files)
    finally:
        db.close()


def test_a_groups_export_holds_its_live_and_archived_tasks_for_members_only(world: World) -> None:
    done_at = NOW - timedelta(hours=3)
    world.put(
        _task(1),
        _task(
            2,
            status=Status.DONE,
            assignees=(Assignee(user_id=WANG, done_at=done_at),),
            updated_at=done_at,
        ),
        _task(3, space=f"p{LEADER}", chat_id=LEADER),  # a private task: not the group's
    )
    scope = world.files.task_scope(ZHANG, GROUP)
    assert scope == Scope(GROUP, ZHANG, "办公室")
    period = period_of("本周", NOW, SH)
    assert period is not None
    assert sorted(t.number for t in world.files.tasks_of(scope, period)) == [1, 2]
    file = world.files.tasks_workbook(scope, period, "zh", SH)
    assert (file.filename, file.count) == ("tasks-2026-W49.xlsx", 2)
    rows = list(
        openpyxl.load_workbook(io.BytesIO(file.content))["任务"].iter_rows(
            min_row=2, values_only=True
        )
    )
    assert [(r[0], r[3], r[7]) for r in rows] == [(1, "张三", "待办"), (2, "王五", "已完成")]
    with pytest.raises(ReportRefused, match="not_member"):
        world.files.task_scope(OUTSIDER, GROUP)


def test_a_private_export_holds_mine_and_what_i_assigned(world: World) -> None:
    world.put(_task(1), _task(2, assigner=WANG, assignees=(Assignee(user_id=WANG),)))
    period = period_of("本月", NOW, SH)
    assert period is not None
    mine = world.files.task_scope(ZHANG, ZHANG)
    assert [t.number for t in world.files.tasks_of(mine, period)] == [1]
    leader = world.files.task_scope(LEADER, LEADER)
    assert [t.number for t in world.files.tasks_of(leader, period)] == [1]
    outsider = world.files.task_scope(OUTSIDER, OUTSIDER)
    assert list(world.files.tasks_of(outsider, period)) == []


def test_a_tasks_calendar_is_for_its_people_when_it_has_a_due_time(world: World) -> None:
    world.put(_task(1, due=NOW + timedelta(days=1)), _task(2))
    cal = icalendar.Calendar.from_ical(world.files.task_calendar(1, ZHANG).content)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == ["task-1@officebot"]
    assert world.files.task_calendar(1, LEADER).count == 1
    for number, user, key in (
        (1, OUTSIDER, "not_yours"),
        (2, ZHANG, "no_due_task"),
        (9, ZHANG, "unknown_task"),
    ):
        with pytest.raises(ReportRefused) as refused:
            world.files.task_calendar(number, user)
        assert refused.value.key == key


def test_a_meetings_calendar_is_for_its_sender_recipients_and_group(world: World) -> None:
    for user in (LEADER, ZHANG, WANG):
        event = icalendar.Calendar.from_ical(world.files.notice_calendar(1, user).content).walk(
            "VEVENT"
        )[0]
        assert event.decoded("dtstart") == MEETING.start
    with pytest.raises(ReportRefused, match="not_yours_notice"):
        world.files.notice_calendar(1, OUTSIDER)
    with pytest.raises(ReportRefused, match="no_meeting"):
        world.files.notice_calendar(2, LEADER)


def test_my_calendar_holds_my_open_deadlines(world: World) -> None:
    world.put(
        _task(1, due=NOW + timedelta(days=1)),
        _task(
            2,
            due=NOW + timedelta(days=2),
            status=Status.DONE,
            assignees=(Assignee(user_id=ZHANG, done_at=NOW),),
        ),
        _task(3),
    )
    file = world.files.my_calendar(ZHANG, [])
    assert file.count == 1 and file.filename == "officebot.ics"


def test_the_weekly_pictures_of_a_person_and_of_a_group(world: World) -> None:
    world.put(
        _task(1, due=NOW - timedelta(hours=1)),
        _task(2, due=NOW + timedelta(days=1), assigner=ZHANG),
        _task(
            3,
            assignees=(Assignee(user_id=WANG, done_at=NOW - timedelta(hours=1)),),
            status=Status.DONE,
        ),
    )
    picture = world.files.person_picture(ZHANG)
    assert picture.title == "本周任务 · 张三" and picture.subtitle == "11月30日 周一 – 12月6日 周日"
    by_day, by_assigner = picture.panels
    assert [(b.label, b.open, b.overdue) for b in by_day.bars if b.total] == [
        ("周三", 0, 1),
        ("周四", 1, 0),
    ]
    assert {b.label for b in by_assigner.bars} == {"自己", "李主任"}
    group = world.files.group_picture(GROUP)
    assert [(b.label, b.done, b.open, b.overdue) for b in group.panels[0].bars] == [
        ("张三", 0, 1, 1),
        ("王五", 1, 0, 0),
    ]
    for png in (world.files.person_chart(ZHANG), world.files.group_chart(GROUP)):
        assert Image.open(io.BytesIO(png)).format == "PNG"
