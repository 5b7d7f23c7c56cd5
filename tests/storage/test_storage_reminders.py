"""The scheduler's state in TinyDB (storage/reminders.py): digest marks, and each put is one
write with its outbox entries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import ManualClock
from bot.core.models import OutboxEntry
from bot.reminders.store import DigestMarks, ReminderStateStore
from bot.tasks.models import Assignee, Task, TaskEvent
from storage import Database, MappingError
from storage.reminders import DIGEST_TABLE, ReminderTables, marks_from_doc, marks_to_doc

NOW = datetime(2026, 11, 30, 10, tzinfo=timezone(timedelta(hours=8)))


class Dir:
    """A data directory that can be reopened (a restart)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = self._open()

    def _open(self) -> Database:
        db = Database(self.path, clock=ManualClock(NOW))
        db.open()
        return db

    def reopen(self) -> ReminderTables:
        self.db.close()
        self.db = self._open()
        return ReminderTables(self.db)


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Dir]:
    d = Dir(tmp_path / "data")
    try:
        yield d
    finally:
        d.db.close()


def entry(entry_id: str, space: str, to_user: int = 7) -> OutboxEntry:
    return OutboxEntry(
        id=entry_id, space=space, created_at=NOW, template="digest", params={}, to_user=to_user
    )


def task(number: int, **changes: Any) -> Task:
    base = Task(
        number=number,
        space="g-100",
        chat_id=-100,
        title=f"task {number}",
        assigner=1,
        assignees=(Assignee(user_id=7),),
        created_at=NOW,
        events=(TaskEvent(at=NOW, actor=1, action="created"),),
        updated_at=NOW,
    )
    return replace(base, **changes)


def test_it_is_a_reminder_state_store(data: Dir) -> None:
    store: ReminderStateStore = ReminderTables(data.db)
    assert store.personal_space(7) == "p7"


def test_marks_are_none_until_something_was_sent(data: Dir) -> None:
    assert ReminderTables(data.db).get_marks(7) == DigestMarks(7)


def test_marks_and_their_entries_survive_a_restart_together(data: Dir) -> None:
    marks = DigestMarks(7, day=date(2026, 12, 1), week="2026-W49")
    ReminderTables(data.db).put_marks(marks, [entry("digest:7:2026-12-01", "p7")])
    store = data.reopen()
    assert store.get_marks(7) == marks
    assert [e.id for e in data.db.pending_outbox()] == ["digest:7:2026-12-01"]
    assert data.db.shard_table("p7", DIGEST_TABLE).get(doc_id=1) == {
        "day": "2026-12-01",
        "week": "2026-W49",
    }


def test_a_later_day_keeps_the_week_already_recorded(data: Dir) -> None:
    store = ReminderTables(data.db)
    store.put_marks(DigestMarks(7, week="2026-W49"), [])
    store.put_marks(DigestMarks(7, day=date(2026, 12, 2), week="2026-W49"), [])
    assert data.reopen().get_marks(7) == DigestMarks(7, date(2026, 12, 2), "2026-W49")


def test_tasks_and_entries_of_a_space_are_one_write(data: Dir) -> None:
    store = ReminderTables(data.db)
    stated = task(1, reminder_state={"due": None, "sent": {"nag:7": NOW.isoformat()}})
    spawned = task(2)
    store.put_tasks("g-100", [stated, spawned], [entry("r1:nag:7:0", "g-100")])
    data.reopen()
    first = data.db.get_task(1)
    assert first is not None and first.reminder_state == stated.reminder_state
    assert data.db.get_task(2) is not None
    assert [e.id for e in data.db.pending_outbox()] == ["r1:nag:7:0"]


def test_a_failed_write_leaves_nothing(data: Dir) -> None:
    store = ReminderTables(data.db)
    with pytest.raises(ValueError):  # the entry names no valid space: nothing is written
        store.put_tasks("g-100", [task(1)], [entry("bad", "nowhere")])
    assert data.db.get_task(1) is None and data.db.pending_outbox() == []


def test_an_entry_asked_for_is_recorded_with_its_update(data: Dir) -> None:
    ReminderTables(data.db).put_entries(7, [entry("digest:7:now:55", "p7")], update_id=55)
    data.reopen()
    assert data.db.applied(55)
    assert [e.id for e in data.db.pending_outbox()] == ["digest:7:now:55"]


@pytest.mark.parametrize(
    ("doc", "marks"),
    [
        pytest.param(None, DigestMarks(7), id="no-document"),
        pytest.param({}, DigestMarks(7), id="empty"),
        pytest.param({"day": "2026-12-01"}, DigestMarks(7, date(2026, 12, 1)), id="day-only"),
        pytest.param({"week": "2026-W49"}, DigestMarks(7, None, "2026-W49"), id="week-only"),
    ],
)
def test_marks_read_from_a_document(doc: object, marks: DigestMarks) -> None:
    assert marks_from_doc(7, doc) == marks
    assert marks_from_doc(7, marks_to_doc(marks)) == marks


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({"day": "yesterday"}, id="bad-day"),
        pytest.param({"week": 49}, id="bad-week"),
    ],
)
def test_a_garbled_document_is_a_mapping_error(doc: object) -> None:
    with pytest.raises(MappingError):
        marks_from_doc(7, doc)
