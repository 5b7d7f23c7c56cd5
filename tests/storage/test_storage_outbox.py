"""The outbox write path: delivery's marks go to an append-only log, one fsync per batch; the
shard keeps only live entries; a crash anywhere loses no entry and re-sends at most a batch."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from storage_helpers import NOW, make_entry, make_task

import storage.outlog
from bot.core.clock import ManualClock
from bot.core.models import OutboxEntry
from storage import CorruptDataFile, Database


def sent(entry: OutboxEntry, message_id: int, at: object = NOW) -> OutboxEntry:
    return replace(
        entry,
        sent_at=at,
        sent_chat_id=entry.to_user,
        sent_message_id=message_id,
        attempts=entry.attempts + 1,
    )


def shard_outbox(data_dir: Path, space: str = "g-100") -> dict[str, dict[str, object]]:
    """The outbox table of a shard file, by entry id."""
    data = orjson.loads((data_dir / "spaces" / f"{space}.json").read_bytes())
    return {doc["id"]: doc for doc in data.get("outbox", {}).values()}


def log_lines(data_dir: Path) -> list[dict[str, object]]:
    return [
        orjson.loads(line)
        for path in sorted((data_dir / "outbox").glob("marks-*.jsonl"))
        for line in path.read_bytes().splitlines()
    ]


def store(db: Database, *entries: OutboxEntry) -> None:
    by_space: dict[str, list[OutboxEntry]] = {}
    for e in entries:
        by_space.setdefault(e.space, []).append(e)
    for space, group in by_space.items():
        with db.transaction(space) as tx:
            for e in group:
                tx.put_outbox(e)


def test_a_batch_of_marks_is_one_append_and_rewrites_no_shard(
    db: Database, data_dir: Path, replaces: list[Path], fsyncs: list[int]
) -> None:
    entries = [make_entry(f"e{i}", to_user=10 + i) for i in range(30)]
    private = make_entry("p", space="p7", to_user=7)
    store(db, *entries, private, make_entry("warm", to_user=1))
    db.mark_outbox(sent(make_entry("warm", to_user=1), 1))  # the day's file exists now
    replaces.clear()
    fsyncs.clear()

    db.mark_outbox_many([sent(e, 100 + i) for i, e in enumerate([*entries, private])])

    assert replaces == []  # neither shard is rewritten
    assert len(fsyncs) == 1  # one append, one fsync, for 31 entries in two shards
    assert db.pending_outbox() == []
    assert len(log_lines(data_dir)) == 1 + 31


def test_mark_outbox_is_a_batch_of_one(db: Database, replaces: list[Path]) -> None:
    store(db, make_entry("e"))
    replaces.clear()

    db.mark_outbox(sent(make_entry("e"), 5))

    assert replaces == []
    found = db.get_outbox("e")
    assert found is not None
    assert found.sent_message_id == 5


def test_sent_entries_leave_the_shard_yet_are_found(
    db: Database, data_dir: Path, view: Callable[[Database], Database]
) -> None:
    store(db, make_entry("a"), make_entry("b"))
    db.mark_outbox_many([sent(make_entry("a"), 11)])
    with db.transaction("g-100") as tx:  # any later write of the shard drops it from the file
        tx.put_task(make_task(1))

    assert set(shard_outbox(data_dir)) == {"b"}
    db = view(db)
    assert db.get_outbox("a") == sent(make_entry("a"), 11)
    assert [e.id for e in db.pending_outbox()] == ["b"]


def test_a_mark_counts_although_the_shard_file_still_says_pending(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    """The state a crash right after the log append leaves: the log wins."""
    store(db, make_entry("a"), make_entry("b"))
    db.mark_outbox_many([sent(make_entry("a"), 11), sent(make_entry("b"), 12)])
    db.close()
    assert shard_outbox(data_dir)["a"]["sent_at"] is None  # the shard file lags behind

    db = open_db()

    assert db.pending_outbox() == []
    assert db.get_outbox("b") == sent(make_entry("b"), 12)


def test_live_marks_stay_in_the_shard(
    db: Database, data_dir: Path, view: Callable[[Database], Database]
) -> None:
    retry = replace(make_entry("retry"), attempts=1, not_before=NOW + timedelta(seconds=30))
    held = replace(make_entry("held", to_user=3), failed="unreachable", attempts=1)
    store(db, make_entry("retry"), make_entry("held", to_user=3), make_entry("gone", to_user=4))
    db.mark_outbox_many([retry, held, replace(make_entry("gone", to_user=4), failed="forbidden")])
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))

    stored = shard_outbox(data_dir)
    assert set(stored) == {"retry", "held"}
    assert stored["held"]["failed"] == "unreachable"
    assert stored["retry"]["attempts"] == 1
    db = view(db)
    assert db.pending_outbox() == [retry]
    assert db.held_outbox(3) == [held]
    assert db.get_outbox("gone") == replace(make_entry("gone", to_user=4), failed="forbidden")


def test_a_held_entry_released_and_sent(db: Database, view: Callable[[Database], Database]) -> None:
    store(db, make_entry("h"))
    held = replace(make_entry("h"), failed="unreachable", attempts=1)
    db.mark_outbox(held)
    db = view(db)
    assert db.held_outbox(2) == [held]

    released = replace(held, failed=None)
    db.mark_outbox(released)
    assert db.held_outbox(2) == []
    assert db.pending_outbox() == [released]
    db.mark_outbox(sent(released, 9))

    assert view(db).get_outbox("h") == sent(released, 9)


def test_a_later_transaction_beats_an_older_mark(
    db: Database, open_db: Callable[[], Database]
) -> None:
    store(db, make_entry("e"))
    held = replace(make_entry("e"), failed="unreachable")
    db.mark_outbox(held)
    superseded = replace(held, failed="superseded")
    with db.transaction("g-100") as tx:  # what notices do to retire a held entry
        tx.put_outbox(superseded)
    db.close()

    assert open_db().get_outbox("e") == superseded


def test_new_or_moved_entries_go_through_their_shard(db: Database, replaces: list[Path]) -> None:
    store(db, make_entry("moving"))
    replaces.clear()

    db.mark_outbox_many([make_entry("new", sent_at=NOW), make_entry("moving", space="p2")])

    assert sorted(p.name for p in replaces) == ["g-100.json", "g-100.json", "p2.json"]
    assert db.get_outbox("new") == make_entry("new", sent_at=NOW)
    assert [e.space for e in db.pending_outbox()] == ["p2"]


def test_a_batch_with_an_unstorable_entry_writes_nothing(db: Database, data_dir: Path) -> None:
    store(db, make_entry("a"), make_entry("b"))
    before = log_lines(data_dir)

    with pytest.raises(TypeError, match=r"OutboxEntry\.params"):
        db.mark_outbox_many([sent(make_entry("a"), 1), make_entry("b", params={"x": {1, 2}})])

    assert log_lines(data_dir) == before
    assert [e.id for e in db.pending_outbox()] == ["a", "b"]


def test_marks_inside_a_transaction_are_refused(db: Database) -> None:
    store(db, make_entry("a"))
    with pytest.raises(RuntimeError, match="nest"), db.transaction("g-100"):
        db.mark_outbox(sent(make_entry("a"), 1))


def test_the_last_copy_of_an_id_in_a_batch_wins(
    db: Database, view: Callable[[Database], Database]
) -> None:
    store(db, make_entry("a"))
    db.mark_outbox_many([sent(make_entry("a"), 1), sent(make_entry("a"), 2)])

    found = view(db).get_outbox("a")
    assert found is not None
    assert found.sent_message_id == 2


def test_a_failed_log_append_leaves_the_entries_pending(
    db: Database, open_db: Callable[[], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash (or a full disk) between the send and its mark: sent again, never lost."""
    store(db, make_entry("a"), make_entry("b"))

    def full(path: Path, data: bytes) -> int:
        assert path.name.startswith("marks-") and data.count(b"\n") == 2  # one line an entry
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.outlog, "append_durable", full)
    with pytest.raises(OSError, match="No space"):
        db.mark_outbox_many([sent(make_entry("a"), 1), sent(make_entry("b"), 2)])

    assert [e.id for e in db.pending_outbox()] == ["a", "b"]
    monkeypatch.undo()
    db.close()
    assert [e.id for e in open_db().pending_outbox()] == ["a", "b"]


def test_a_torn_log_line_re_sends_only_that_entry(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    store(db, make_entry("a"), make_entry("b"))
    db.mark_outbox_many([sent(make_entry("a"), 1), sent(make_entry("b"), 2)])
    db.close()
    path = next((data_dir / "outbox").glob("marks-*.jsonl"))
    whole = path.read_bytes()
    first_end = whole.index(b"\n") + 1
    path.write_bytes(whole[: first_end + 40])  # the second line was torn by a crash

    db = open_db()

    assert db.get_outbox("a") == sent(make_entry("a"), 1)
    assert [e.id for e in db.pending_outbox()] == ["b"]  # to be sent again
    assert path.read_bytes() == whole[:first_end]  # cut, so the next append starts clean
    db.mark_outbox(sent(make_entry("b"), 3))
    db.close()
    assert open_db().pending_outbox() == []


def test_a_bad_line_inside_the_log_stops_open(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    store(db, make_entry("a"), make_entry("b"))
    db.mark_outbox(sent(make_entry("a"), 1))
    db.mark_outbox(sent(make_entry("b"), 2))
    db.close()
    path = next((data_dir / "outbox").glob("marks-*.jsonl"))
    lines = path.read_bytes().splitlines(keepends=True)
    broken = b"{oops}\n" + lines[1]
    path.write_bytes(broken)

    with pytest.raises(CorruptDataFile, match=r"marks-.*\.jsonl"):
        open_db()
    assert path.read_bytes() == broken


def test_a_failed_shard_write_keeps_the_marks(
    db: Database, monkeypatch: pytest.MonkeyPatch, open_db: Callable[[], Database]
) -> None:
    store(db, make_entry("a"), make_entry("b"), make_entry("h", to_user=5))
    held = replace(make_entry("h", to_user=5), failed="unreachable")
    db.mark_outbox_many([sent(make_entry("a"), 1), held])

    def fail_inside() -> None:
        with db.transaction("g-100") as tx:
            tx.put_task(make_task(1))
            tx.table("notes").insert({"n": 1})
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        fail_inside()

    def broken(path: Path, data: bytes) -> None:
        assert path.name == "g-100.json" and b'"tasks"' in data  # the transaction's shard
        raise OSError(5, "I/O error")

    monkeypatch.setattr(storage.database, "atomic_write", broken)
    with pytest.raises(OSError, match="I/O"), db.transaction("g-100") as tx:
        tx.put_task(make_task(2))
    monkeypatch.undo()

    def check(seen: Database) -> None:
        assert seen.get_outbox("a") == sent(make_entry("a"), 1)
        assert [e.id for e in seen.pending_outbox()] == ["b"]
        assert seen.held_outbox(5) == [held]
        assert seen.live_tasks() == []

    check(db)
    db.close()
    check(open_db())


def test_the_log_is_pruned_by_age_but_held_entries_stay(
    db: Database, data_dir: Path, open_db: Callable[[], Database], clock: ManualClock
) -> None:
    retry = replace(make_entry("retry"), attempts=3)
    held = replace(make_entry("held", to_user=3), failed="unreachable", attempts=1)
    store(db, make_entry("old"), make_entry("retry"), make_entry("held", to_user=3))
    db.mark_outbox_many([sent(make_entry("old"), 1), retry, held])
    day = next((data_dir / "outbox").glob("marks-*.jsonl"))
    db.close()
    assert shard_outbox(data_dir)["held"]["failed"] is None  # only the log knows yet

    clock.advance(timedelta(days=1))
    db = open_db()
    assert db.get_outbox("old") is not None  # kept SENT_OUTBOX_KEEP (two days) at least
    assert day.exists()
    db.close()

    clock.advance(timedelta(days=2))
    db = open_db()

    assert not day.exists()
    assert db.get_outbox("old") is None
    assert db.pending_outbox() == [retry]  # its newest state survived the file
    assert db.held_outbox(3) == [held]  # held ones are never pruned until released
    db.close()
    assert shard_outbox(data_dir)["held"]["failed"] == "unreachable"
    db = open_db()
    assert db.held_outbox(3) == [held]
    assert db.get_outbox("old") is None


def test_the_log_is_pruned_while_running(
    db: Database, data_dir: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(db, make_entry("old"), make_entry("new"))
    db.mark_outbox(sent(make_entry("old"), 1))
    clock.advance(timedelta(days=3))
    monkeypatch.setattr(storage.database, "HOUSEKEEPING_EVERY", 0.0)

    db.mark_outbox(sent(make_entry("new"), 2, at=clock.now()))

    assert db.get_outbox("old") is None
    assert db.get_outbox("new") is not None
    assert [p.name for p in (data_dir / "outbox").iterdir()] == [
        f"marks-{storage.outlog.day_of(clock.now())}.jsonl"
    ]


def test_a_notice_to_200_writes_little(
    db: Database, data_dir: Path, replaces: list[Path], fsyncs: list[int]
) -> None:
    """The figures of bench/outbox_bench.py, as a test: writes per notice, not per message."""
    entries = [
        make_entry(f"n:{uid}", to_user=uid, params={"text": "x" * 300}) for uid in range(200)
    ]
    with db.transaction("g-100") as tx:
        for e in entries:
            tx.put_outbox(e)
    for start in range(0, 200, 30):
        db.mark_outbox_many([sent(e, 1000 + i) for i, e in enumerate(entries[start : start + 30])])

    assert len(replaces) == 1  # the transaction that created them
    assert len(fsyncs) <= 2 + 7 + 1  # shard (file, dir), 7 appends, the new day file's dir
    assert db.pending_outbox() == []
    written = sum(p.stat().st_size for p in (data_dir / "outbox").iterdir())
    assert written < 200 * 1024


def test_a_shard_written_before_revisions_still_works(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    """Data directories of earlier versions: outbox documents without `_rev`, sent ones inside."""
    store(db, make_entry("pending"), make_entry("sent", sent_at=NOW))
    db.close()
    shard = data_dir / "spaces" / "g-100.json"
    data = orjson.loads(shard.read_bytes())
    for doc in data["outbox"].values():
        del doc["_rev"]
    shard.write_bytes(orjson.dumps(data))

    db = open_db()
    assert db.get_outbox("sent") == make_entry("sent", sent_at=NOW)
    db.mark_outbox(sent(make_entry("pending"), 4))
    db.close()

    assert open_db().get_outbox("pending") == sent(make_entry("pending"), 4)


def test_a_failed_append_leaves_no_half_line(
    db: Database, data_dir: Path, open_db: Callable[[], Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    store(db, make_entry("a"), make_entry("b"))
    db.mark_outbox(sent(make_entry("a"), 1))
    path = next((data_dir / "outbox").glob("marks-*.jsonl"))
    size = path.stat().st_size
    real = os.write

    def part_then_full(fd: int, data: bytes | memoryview) -> int:
        real(fd, bytes(data[:20]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", part_then_full)
    with pytest.raises(OSError, match="No space"):
        db.mark_outbox(sent(make_entry("b"), 2))
    monkeypatch.undo()

    assert path.stat().st_size == size
    assert [e.id for e in db.pending_outbox()] == ["b"]
    db.mark_outbox(sent(make_entry("b"), 3))
    db.close()
    db = open_db()  # no bad line inside the log
    assert db.pending_outbox() == []
    assert db.get_outbox("b") == sent(make_entry("b"), 3)
