"""The Excel exports (pure): periods, which tasks a period holds, rows and counts; workbooks
read back with openpyxl."""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from bot.reports import export
from bot.reports.models import Collection, Item, ItemKind, Member, MemberState
from bot.tasks.models import Assignee, Priority, Status, Task, TaskEvent

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, tzinfo=SH)  # a Monday


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        pytest.param(
            "", datetime(2026, 11, 1, tzinfo=SH), datetime(2026, 12, 1, tzinfo=SH), id="default"
        ),
        pytest.param(
            "本月",
            datetime(2026, 11, 1, tzinfo=SH),
            datetime(2026, 12, 1, tzinfo=SH),
            id="this-month",
        ),
        pytest.param(
            "上月",
            datetime(2026, 10, 1, tzinfo=SH),
            datetime(2026, 11, 1, tzinfo=SH),
            id="last-month",
        ),
        pytest.param(
            "last month",
            datetime(2026, 10, 1, tzinfo=SH),
            datetime(2026, 11, 1, tzinfo=SH),
            id="en",
        ),
        pytest.param(
            "本周",
            datetime(2026, 11, 30, tzinfo=SH),
            datetime(2026, 12, 7, tzinfo=SH),
            id="this-week",
        ),
        pytest.param(
            "上周",
            datetime(2026, 11, 23, tzinfo=SH),
            datetime(2026, 11, 30, tzinfo=SH),
            id="last-week",
        ),
        pytest.param(
            "2026-12",
            datetime(2026, 12, 1, tzinfo=SH),
            datetime(2027, 1, 1, tzinfo=SH),
            id="december",
        ),
        pytest.param(
            "2025年3月",
            datetime(2025, 3, 1, tzinfo=SH),
            datetime(2025, 4, 1, tzinfo=SH),
            id="zh-month",
        ),
    ],
)
def test_periods_are_read_in_the_readers_zone(text: str, start: datetime, end: datetime) -> None:
    period = export.period_of(text, NOW, SH)
    assert period is not None and (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["明年", "2026-13", "1999-01", "tasks"])
def test_anything_else_is_no_period(text: str) -> None:
    assert export.period_of(text, NOW, SH) is None


def test_labels_and_file_names() -> None:
    month = export.period_of("本月", NOW, SH)
    week = export.period_of("本周", NOW, SH)
    assert month is not None and week is not None
    assert (month.label("zh"), month.slug) == ("2026年11月", "2026-11")
    assert (week.label("zh"), week.slug) == ("11月30日–12月6日", "2026-W49")


def _task(number: int, **changes: object) -> Task:
    task = Task(
        number=number,
        space="g-100",
        chat_id=-100,
        title=f"任务{number}",
        assigner=10,
        assignees=(Assignee(user_id=11),),
        created_at=NOW,
        updated_at=NOW,
    )
    from dataclasses import replace

    return replace(task, **changes)  # type: ignore[arg-type]


def test_a_period_holds_what_was_made_due_or_finished_in_it() -> None:
    november = export.period_of("本月", NOW, SH)
    assert november is not None
    october = NOW - timedelta(days=40)
    assert export.in_period(_task(1), november)
    assert export.in_period(_task(2, created_at=october, due=NOW), november)
    assert export.in_period(
        _task(3, created_at=october, status=Status.DONE, updated_at=NOW), november
    )
    assert not export.in_period(_task(4, created_at=october, updated_at=NOW), november)  # open, old


def _names(uid: int | None, username: str | None) -> str:
    return {10: "李主任", 11: "张三", 12: "王五"}.get(uid or 0, f"@{username}")


def test_a_row_per_task_with_its_notes_and_state() -> None:
    done_at = NOW + timedelta(hours=2)
    tasks = [
        _task(
            2,
            status=Status.DONE,
            priority=Priority.URGENT,
            assignees=(Assignee(user_id=11, done_at=done_at),),
            events=(
                TaskEvent(NOW, 11, "reported", "一半了"),
                TaskEvent(done_at, 11, "done", "已交"),
            ),
        ),
        _task(1, due=NOW - timedelta(hours=1), assignees=(Assignee(username="qian"),)),
    ]
    rows = export.task_rows(tasks, _names, NOW, SH, "zh")
    assert [r[0] for r in rows] == [1, 2]
    assert rows[0][3] == "@qian" and rows[0][7] == "待办（逾期）"
    assert rows[1][6:] == [
        "紧急",
        "已完成",
        done_at.replace(tzinfo=None),
        "张三 汇报：一半了\n张三 完成：已交",
    ]


def test_counts_per_person() -> None:
    tasks = [
        _task(1, status=Status.DONE, assignees=(Assignee(user_id=11, done_at=NOW),)),
        _task(2, due=NOW - timedelta(hours=1)),
        _task(3, status=Status.CANNOT),
        _task(4, status=Status.CANCELLED),
        _task(5, assigner=11, assignees=(Assignee(user_id=11),)),  # a note to oneself
    ]
    counts = export.person_counts(tasks, NOW)
    assert vars(counts[11]) == {
        "assigned": 4,
        "done": 1,
        "open": 2,
        "overdue": 1,
        "cannot": 1,
        "handed_out": 0,
    }
    assert counts[10].handed_out == 3
    rows = export.count_rows(counts, _names)
    assert rows[0] == ["张三", 4, 1, 2, 1, 1, 0]


def test_a_tally_lists_people_as_counting_the_tasks_in_their_places_would() -> None:
    """Tasks added out of order, each with its place: the same people in the same order as
    `person_counts` of the tasks in place order (count_rows keeps that order among ties)."""
    tasks = [
        _task(1, assigner=12, assignees=(Assignee(user_id=13),)),
        _task(2, assignees=(Assignee(user_id=14), Assignee(username="newbie"))),
        _task(3, status=Status.CANCELLED, assigner=15, assignees=(Assignee(user_id=16),)),
        _task(4, assigner=17, assignees=(Assignee(user_id=17),)),
        _task(5),
    ]
    places: list[export.Place] = [(0, 3, 0.0, 0), (1, 0, 5.0, 9), (0, 1, 0.0, 0), (1, 0, 2.0, 7)]
    places.append((1, 2, 1.0, 1))
    tally = export.Tally()
    for i in (4, 1, 3, 0, 2):
        tally.add(tasks[i], NOW, places[i])
    in_order = [t for _, t in sorted(zip(places, tasks, strict=True), key=lambda pt: pt[0])]
    expected = export.person_counts(in_order, NOW)
    assert [(k, vars(c)) for k, c in tally.in_order().items()] == [
        (k, vars(c)) for k, c in expected.items()
    ]
    assert list(expected) == [12, 13, 17, 10, 14, "@newbie", 11]


def test_the_tasks_workbook_reads_back() -> None:
    rows = export.task_rows([_task(1, due=NOW)], _names, NOW, SH, "en")
    content = export.tasks_workbook(rows, [["Zhang", 1, 0, 1, 0, 0, 0]], "en", "Office tasks")
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Tasks", "By person"]
    header, first = list(book["Tasks"].iter_rows(values_only=True))
    assert header[0] == "No." and first[:6] == (
        1,
        "任务1",
        "李主任",
        "张三",
        NOW.replace(tzinfo=None),
        NOW.replace(tzinfo=None),
    )
    assert book["Tasks"]["E2"].number_format == "yyyy-mm-dd hh:mm"
    assert book.properties.title == "Office tasks"


@pytest.fixture
def apart(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every tasks workbook made in the child process, its rows sent three at a time; the
    process stopped afterwards."""
    monkeypatch.setattr(export, "APART_FROM", 1)
    monkeypatch.setattr(export, "_CHUNK", 3)
    try:
        yield
    finally:
        export.close_workbooks()
    assert multiprocessing.active_children() == []


def _sheets(content: bytes) -> tuple[str | None, dict[str, list[tuple[object, ...]]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}
    return book.properties.title, cells


def _seven_rows() -> list[list[object]]:
    tasks = [_task(n, due=NOW + timedelta(hours=n)) for n in range(1, 8)]
    return export.task_rows(tasks, _names, NOW, SH, "zh")


@pytest.mark.usefixtures("apart")
def test_a_big_tasks_workbook_made_in_the_child_process_is_the_same_workbook() -> None:
    rows = [tuple(row) for row in _seven_rows()]
    counts = [["张三", 7, 0, 7, 0, 0, 0]]
    made = export.tasks_workbook_apart(rows, counts, "zh", "办公室的任务")
    assert export._pool is not None  # it was made over there
    assert _sheets(made) == _sheets(export.tasks_workbook(rows, counts, "zh", "办公室的任务"))
    assert len(_sheets(made)[1]["任务"]) == 1 + 7


@pytest.mark.usefixtures("apart")
def test_a_dead_child_process_leaves_the_workbook_to_the_thread() -> None:
    rows = _seven_rows()
    export.start_workbooks()
    assert export._pool is not None
    for process in list(export._pool._processes.values()):
        process.kill()
        process.join()
    made = export.tasks_workbook_apart(rows, [], "en", "Office tasks")
    assert _sheets(made) == _sheets(export.tasks_workbook(rows, [], "en", "Office tasks"))
    assert export._pool is None  # a new one starts with the next big workbook


def test_a_small_tasks_workbook_is_made_in_the_callers_thread() -> None:
    assert len(_seven_rows()) < export.APART_FROM
    export.tasks_workbook_apart(_seven_rows(), [], "en", "Office tasks")
    assert export._pool is None


def test_the_collection_workbook_reads_back() -> None:
    c = Collection(
        number=3,
        space="g-100",
        chat_id=-100,
        sender=10,
        title="交总结",
        created_at=NOW,
        due=NOW + timedelta(days=4),
        members=(
            Member(
                "张三",
                11,
                "zhang",
                "138",
                MemberState.SUBMITTED,
                items=(Item(ItemKind.TEXT, NOW, "正文"), Item(ItemKind.PHOTO, NOW, "现场", "P1")),
                answered_at=NOW,
            ),
            Member("王五", 12, state=MemberState.DECLINED, reason="出差"),
        ),
    )
    book = openpyxl.load_workbook(io.BytesIO(export.collection_workbook(c, SH, "zh")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1] == (
        "张三",
        "@zhang",
        "138",
        "已交",
        NOW.replace(tzinfo=None),
        "正文\n\n现场",
        "照片",
        None,
    )
    assert rows[2][:4] == ("王五", None, None, "办不了") and rows[2][7] == "出差"
