"""ReportFiles against a real data directory: whose tasks each file holds (live and archived),
who may have which calendar, and the weekly pictures of a person and of a group."""

from __future__ import annotations

import io
import multiprocessing
import threading
from collections.abc import Iterable, Iterator
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
from bot.reports import export
from bot.reports.export import period_of
from bot.reports.files import Meeting, ReportFiles, Scope
from bot.reports.rules import ReportRefused
from bot.tasks.models import Assignee, Status, Task
from storage import Database

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 12, tzinfo=SH)  # Wednesday noon
GROUP = -100
LEADER, ZHANG, WANG, OUTSIDER = 10, 11, 12, 13
NAMES = {LEADER: "李主任", ZHANG: "张三", WANG: "王五", OUTSIDER: "路人"}
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
    for uid, name in NAMES.items():
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


def test_my_calendar_holds_the_meetings_ahead_as_their_notices_calendar_has_them(
    world: World,
) -> None:
    world.put(_task(1, due=NOW + timedelta(days=1)))
    file = world.files.my_calendar(ZHANG, [], meetings=[MEETING])
    assert file.count == 2
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(file.content).walk("VEVENT")}
    assert set(events) == {"task-1@officebot", "notice-1@officebot"}
    own = icalendar.Calendar.from_ical(world.files.notice_calendar(1, ZHANG).content)
    (alone,) = own.walk("VEVENT")
    meeting = events["notice-1@officebot"]
    for key in ("SUMMARY", "DESCRIPTION", "DTSTART", "DTEND"):
        assert meeting[key].to_ical() == alone[key].to_ical(), key
    assert meeting.walk("VALARM")[0].decoded("trigger") == -timedelta(minutes=30)


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


def _done(number: int, at: datetime, **changes: object) -> Task:
    people = changes.pop("assignees", (Assignee(user_id=ZHANG, done_at=at),))
    return _task(
        number, status=Status.DONE, assignees=people, created_at=at, updated_at=at, **changes
    )


def _archive_of_two_months(world: World) -> None:
    """Finished tasks from three weeks ago (read from their lines after a restart) and from
    this week (kept in memory), in the group and in private, of different people."""
    old, recent = NOW - timedelta(days=21), NOW - timedelta(days=1)
    world.put(
        _done(1, old),
        _done(
            2,
            old - timedelta(hours=1),
            assigner=WANG,
            assignees=(Assignee(user_id=WANG, done_at=old - timedelta(hours=1)),),
        ),
        _done(3, old, space=f"p{LEADER}", chat_id=LEADER),
        _done(4, recent + timedelta(hours=2)),
        _done(5, recent + timedelta(hours=1), assignees=(Assignee(user_id=WANG, done_at=recent),)),
        _done(6, recent, space=f"p{ZHANG}", chat_id=ZHANG, assigner=ZHANG),
        _done(7, NOW - timedelta(days=60)),  # before every `since` below
    )
    world.db.close()
    world.db.open()  # as after a restart: only the recent ones are in memory


def test_finished_since_holds_what_finished_tasks_does_of_a_chat_or_a_person(
    world: World,
) -> None:
    _archive_of_two_months(world)
    since = NOW - timedelta(days=30)

    def numbers(tasks: Iterable[Task]) -> list[int]:
        return sorted(t.number for t in tasks)

    for uid in (LEADER, ZHANG, WANG, OUTSIDER):
        assert numbers(world.db.finished_since(since, user_id=uid)) == numbers(
            world.db.finished_tasks(user_id=uid, since=since)
        )
    assert numbers(world.db.finished_since(since, chat_id=GROUP)) == [1, 2, 4, 5]
    assert numbers(world.db.finished_since(since, chat_id=GROUP, user_id=WANG)) == [2, 5]
    assert numbers(world.db.finished_since(since)) == [1, 2, 3, 4, 5, 6]
    assert numbers(world.db.finished_since(NOW - timedelta(days=2), chat_id=GROUP)) == [4, 5]
    full = {t.number: t for t in world.db.finished_since(since)}
    assert all(full[n] == world.db.get_task(n) for n in full)


def test_finished_since_reads_the_archive_without_the_databases_lock(world: World) -> None:
    """What to read is noted at the call; the lines are read and parsed while another thread
    (a handler) holds the lock, and a task reopened meanwhile is read as it was."""
    _archive_of_two_months(world)
    tasks = world.db.finished_since(NOW - timedelta(days=30), chat_id=GROUP)
    world.put(_task(1, title="重新打开"))  # live again: the noted line still reads
    held, release = threading.Event(), threading.Event()

    def handler() -> None:
        with world.db._lock:  # the Database's lock, as every read and write takes it
            held.set()
            release.wait(10)

    holder = threading.Thread(target=handler)
    holder.start()
    try:
        assert held.wait(10)
        read: list[Task] = []
        reader = threading.Thread(target=lambda: read.extend(tasks))
        reader.start()
        reader.join(10)
        assert not reader.is_alive()
    finally:
        release.set()
        holder.join(10)
    assert sorted((t.number, t.title, t.status) for t in read) == [
        (1, "任务1", Status.DONE),
        (2, "任务2", Status.DONE),
        (4, "任务4", Status.DONE),
        (5, "任务5", Status.DONE),
    ]


def test_an_export_lists_live_tasks_then_each_members_finished_ones_by_when(
    world: World,
) -> None:
    _archive_of_two_months(world)
    made = NOW - timedelta(days=5)  # in November
    world.put(
        _task(8, created_at=made, due=NOW + timedelta(days=1)),  # due this week
        _task(9, created_at=made, assignees=(Assignee(user_id=WANG),)),
    )
    period = period_of("2026-11", NOW, SH)
    assert period is not None
    group = world.files.task_scope(LEADER, GROUP)
    # The live ones; then the finished ones of the leader (the first member) by when they
    # finished, then 王五's (task 2 finished before task 1, but the leader had no part in it);
    # task 7 (October) is not in November.
    assert [t.number for t in world.files.tasks_of(group, period)] == [8, 9, 1, 2]
    week = period_of("本周", NOW, SH)
    assert week is not None
    assert [t.number for t in world.files.tasks_of(group, week)] == [8, 5, 4]
    wang = world.files.task_scope(WANG, WANG)
    assert [t.number for t in world.files.tasks_of(wang, period)] == [9, 2]
    zhang = world.files.task_scope(ZHANG, ZHANG)
    assert [t.number for t in world.files.tasks_of(zhang, week)] == [8, 6, 4]


def test_an_exports_sheets_follow_the_order_of_its_tasks(world: World) -> None:
    """Rows by number; the people as counting the tasks in `tasks_of`'s order meets them."""
    _archive_of_two_months(world)
    world.put(
        _task(8, assigner=ZHANG, assignees=(Assignee(user_id=WANG),)),
        _task(9, assignees=(Assignee(user_id=LEADER),)),
    )
    week = period_of("本周", NOW, SH)
    assert week is not None
    scope = world.files.task_scope(LEADER, GROUP)
    tasks = list(world.files.tasks_of(scope, week))
    book = openpyxl.load_workbook(
        io.BytesIO(world.files.tasks_workbook(scope, week, "zh", SH).content)
    )
    numbers = [r[0] for r in book["任务"].iter_rows(min_row=2, values_only=True)]
    assert numbers == sorted(t.number for t in tasks) == [4, 5, 8, 9]
    people = [r[0] for r in book["按人统计"].iter_rows(min_row=2, values_only=True)]
    counts = export.person_counts(tasks, NOW)
    assert people == [row[0] for row in export.count_rows(counts, lambda u, _: NAMES[u])]
    assert people == ["王五", "张三", "李主任"]  # 张三 and 李主任 have one each: 张三 came first


def test_a_big_export_is_made_in_the_child_process_the_same(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _archive_of_two_months(world)
    world.put(_task(8, assigner=ZHANG, assignees=(Assignee(user_id=WANG),)), _task(9))
    week = period_of("本周", NOW, SH)
    assert week is not None
    scope = world.files.task_scope(LEADER, GROUP)

    def sheets(content: bytes) -> list[list[tuple[object, ...]]]:
        book = openpyxl.load_workbook(io.BytesIO(content))
        return [list(ws.iter_rows(values_only=True)) for ws in book.worksheets]

    here = world.files.tasks_workbook(scope, week, "zh", SH)
    monkeypatch.setattr(export, "APART_FROM", 2)  # started at the second row read
    try:
        there = world.files.tasks_workbook(scope, week, "zh", SH)
        assert export._pool is not None
    finally:
        export.close_workbooks()
    assert multiprocessing.active_children() == []
    assert (
        (there.filename, there.count) == (here.filename, here.count) == ("tasks-2026-W49.xlsx", 4)
    )
    assert sheets(there.content) == sheets(here.content)
