"""Transactions: one durable write per shard, nothing at all on failure, exactly-once ids."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from storage_helpers import NOW, make_entry, make_task

import storage.database
from bot.core.clock import ManualClock
from bot.people.models import Person, Workspace
from storage import Database


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_several_changes_make_one_file_write(
    db: Database, replaces: list[Path], fsyncs: list[int]
) -> None:
    with db.transaction("g-100", update_id=10) as tx:
        tx.put_task(make_task(1))
        tx.put_task(make_task(2))
        tx.put_task(replace(make_task(1), title="renamed"))
        tx.put_outbox(make_entry("a"))
        tx.put_outbox(make_entry("b"))
        tx.table("notes").insert({"text": "hello"})
        tx.table("notes").insert({"text": "again"})

    assert replaces == [db._dir / "spaces" / "g-100.json"]  # type: ignore[attr-defined]
    assert len(fsyncs) == 2  # the temp file, then its directory


def test_an_exception_writes_nothing_and_leaves_memory_as_it_was(
    db: Database, data_dir: Path
) -> None:
    with db.transaction("g-100", update_id=1) as tx:
        tx.put_task(make_task(1))
        tx.table("notes").insert({"text": "kept"})
    before = snapshot(data_dir)

    def change_then_fail() -> None:
        with db.transaction("g-100", update_id=2) as tx:
            tx.put_task(replace(make_task(1), title="changed"))
            tx.put_task(make_task(2))
            tx.put_person(Person(user_id=9))
            tx.table("notes").insert({"text": "lost"})
            tx.table("notes").truncate()
            raise KeyError("boom")

    with pytest.raises(KeyError):
        change_then_fail()

    assert snapshot(data_dir) == before
    assert db.get_task(1) == make_task(1)
    assert db.get_task(2) is None
    assert db.get_person(9) is None
    assert not db.applied(2)
    assert [d["text"] for d in db.shard_table("g-100", "notes").all()] == ["kept"]


def test_a_value_that_cannot_be_written_fails_the_whole_transaction(
    db: Database, data_dir: Path
) -> None:
    before = snapshot(data_dir)

    def write_a_set() -> None:
        with db.transaction("g-100") as tx:
            tx.put_person(Person(user_id=9))
            tx.table("notes").insert({"bad": {1, 2}})  # a set is not JSON

    with pytest.raises(TypeError):
        write_a_set()

    assert snapshot(data_dir) == before
    assert db.get_person(9) is None
    assert db.shard_table("g-100", "notes").all() == []


def test_a_failed_disk_write_rolls_memory_back(
    db: Database, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))

    def full_disk(src: object, dst: object) -> None:
        assert Path(dst).name == "g-100.json" and Path(src).parent == Path(dst).parent
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)

    def change() -> None:
        with db.transaction("g-100", update_id=5) as tx:
            tx.put_task(replace(make_task(1), title="changed"))
            tx.table("notes").insert({"x": 1})

    with pytest.raises(OSError, match="No space"):
        change()
    monkeypatch.undo()

    assert db.get_task(1) == make_task(1)
    assert not db.applied(5)
    assert db.shard_table("g-100", "notes").all() == []
    assert not [p for p in (data_dir / "spaces").iterdir() if p.name.endswith(".tmp")]


def test_transactions_do_not_nest(db: Database) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))
        with pytest.raises(RuntimeError, match="nest"):
            db.transaction("g-200").__enter__()

    assert db.get_task(1) == make_task(1)


def test_a_finished_transaction_cannot_be_used(db: Database) -> None:
    with db.transaction("g-100") as tx:
        pass

    with pytest.raises(RuntimeError, match="finished"):
        tx.put_task(make_task(1))


@pytest.mark.parametrize("name", ["tasks", "outbox", "applied"])
def test_the_database_tables_are_not_handed_out(db: Database, name: str) -> None:
    with db.transaction("g-100") as tx, pytest.raises(ValueError, match="belongs to the Database"):
        tx.table(name)
    with pytest.raises(ValueError, match="belongs to the Database"):
        db.shard_table("g-100", name)


@pytest.mark.parametrize("space", ["x1", "g", "g-1.json", "../p1", "p1/../g2"])
def test_a_bad_space_is_refused(db: Database, space: str) -> None:
    with pytest.raises(ValueError, match="bad space"):
        db.transaction(space).__enter__()


def test_a_write_outside_a_transaction_is_written_at_once(
    db: Database, open_db: Callable[[], Database]
) -> None:
    db.shard_table("g-100", "notes").insert({"text": "direct"})
    db.close()

    assert open_db().shard_table("g-100", "notes").all() == [{"text": "direct"}]


def test_applied_update_ids_survive_a_reopen(
    db: Database, view: Callable[[Database], Database]
) -> None:
    with db.transaction("g-100", update_id=41) as tx:
        tx.put_task(make_task(1))
    with db.transaction("p7", update_id=42):
        pass  # nothing but the id: still recorded

    db = view(db)

    assert db.applied(41)
    assert db.applied(42)
    assert not db.applied(43)


def test_applied_ids_are_pruned_to_the_newest(
    db: Database, view: Callable[[Database], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.database, "APPLIED_KEEP", 20)
    for update_id in range(1, 24):  # the 23rd goes past 20 + 10 %: pruned back to 20
        with db.transaction("g-100", update_id=update_id):
            pass

    db = view(db)

    assert [i for i in range(30) if db.applied(i)] == list(range(4, 24))


def test_people_and_workspaces(db: Database, view: Callable[[Database], Database]) -> None:
    db.put_person(Person(user_id=5, username="Alice"))
    db.put_person(Person(user_id=6, username="bob"))
    db.put_person(Person(user_id=5, username="Alicia"))  # renamed: the old name is free again
    db.put_workspace(Workspace(chat_id=-100, title="Ops", members=(5, 6)))

    db = view(db)

    assert db.find_person("@ALICIA") == Person(user_id=5, username="Alicia")
    assert db.find_person("alice") is None
    assert db.find_person("Bob") == Person(user_id=6, username="bob")
    assert [p.user_id for p in db.people()] == [5, 6]
    assert db.get_workspace(-100) == Workspace(chat_id=-100, title="Ops", members=(5, 6))
    assert db.workspaces() == [Workspace(chat_id=-100, title="Ops", members=(5, 6))]


def test_people_go_to_their_own_file_first(db: Database, replaces: list[Path]) -> None:
    with db.transaction("g-100", update_id=3) as tx:
        tx.put_task(make_task(1))
        tx.put_person(Person(user_id=5))

    assert [p.name for p in replaces] == ["people.json", "g-100.json"]


def test_outbox_pending_oldest_first_then_marked(
    db: Database, view: Callable[[Database], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_outbox(make_entry("late", created_at=NOW + timedelta(minutes=5)))
        tx.put_outbox(make_entry("early", created_at=NOW))
    with db.transaction("p2") as tx:
        tx.put_outbox(make_entry("private", space="p2", created_at=NOW + timedelta(minutes=1)))
    db.mark_outbox(replace(make_entry("early"), sent_at=NOW, sent_message_id=1))

    db = view(db)

    assert [e.id for e in db.pending_outbox()] == ["private", "late"]
    sent = db.get_outbox("early")
    assert sent is not None
    assert sent.sent_message_id == 1
    assert db.get_outbox("nope") is None


def test_sent_entries_are_pruned_after_two_days(
    open_db: Callable[[], Database], clock: ManualClock
) -> None:
    db = open_db()
    with db.transaction("g-100") as tx:
        tx.put_outbox(make_entry("sent", sent_at=NOW))
        tx.put_outbox(make_entry("failed", failed="blocked"))
        tx.put_outbox(make_entry("held", failed="unreachable"))
        tx.put_outbox(make_entry("waiting"))
    db.close()
    clock.advance(timedelta(days=3))

    db = open_db()
    db.mark_outbox(make_entry("fresh", sent_at=clock.now()))

    assert db.get_outbox("sent") is None
    assert db.get_outbox("failed") is None
    assert db.get_outbox("waiting") is not None
    assert db.get_outbox("held") is not None  # kept until the person is reachable
    assert db.get_outbox("fresh") is not None
    db.close()
    assert open_db().get_outbox("sent") is None


def test_an_entry_can_move_to_another_space(
    db: Database, view: Callable[[Database], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_outbox(make_entry("e"))
    db.mark_outbox(make_entry("e", space="p2"))

    db = view(db)

    assert db.get_outbox("e") == make_entry("e", space="p2")
    assert [e.space for e in db.pending_outbox()] == ["p2"]


def test_spaces_lists_the_shards_on_disk(
    db: Database, view: Callable[[Database], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))
    with db.transaction("p2") as tx:
        tx.put_task(make_task(2, space="p2", chat_id=2))
    db.shard_table("g-999", "notes")  # only read: no file

    assert view(db).spaces() == ["g-100", "p2"]


def test_entries_held_for_an_unreachable_person(
    db: Database, view: Callable[[Database], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_outbox(make_entry("h2", failed="unreachable", created_at=NOW + timedelta(seconds=1)))
        tx.put_outbox(make_entry("h1", failed="unreachable"))
        tx.put_outbox(make_entry("other", failed="unreachable", to_user=3))
        tx.put_outbox(make_entry("blocked", failed="blocked"))

    db = view(db)
    assert [e.id for e in db.held_outbox(2)] == ["h1", "h2"]
    db.mark_outbox(make_entry("h1"))  # released: pending again

    assert [e.id for e in db.held_outbox(2)] == ["h2"]
    assert [e.id for e in db.pending_outbox()] == ["h1"]


def test_threads_may_share_the_database(db: Database, view: Callable[[Database], Database]) -> None:
    def worker(space: str, first: int) -> None:
        for number in range(first, first + 15):
            with db.transaction(space, update_id=number) as tx:
                tx.put_task(make_task(number, space=space, chat_id=int(space[1:])))
                tx.table("notes").insert({"n": number})

    threads = [
        threading.Thread(target=worker, args=(space, first))
        for space, first in (("g-1", 100), ("g-2", 200), ("g-1", 300))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    db = view(db)

    assert len(db.live_tasks()) == 45
    assert len(db.shard_table("g-1", "notes").all()) == 30
    assert all(db.applied(t.number) for t in db.live_tasks())
