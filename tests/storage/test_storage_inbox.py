"""The durable inbox: fetched updates survive a crash until done; the file stays small."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from storage import CorruptDataFile, Database, DataDirLocked
from storage.inbox import Inbox

REPO = Path(__file__).resolve().parents[2]


def update(uid: int) -> dict[str, Any]:
    return {
        "update_id": uid,
        "message": {"message_id": uid * 10, "chat": {"id": -100}, "text": f"收到 {uid}"},
    }


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "inbox.jsonl"


@pytest.fixture
def open_inbox(path: Path) -> Iterator[Callable[..., Inbox]]:
    opened: list[Inbox] = []

    def factory(**options: Any) -> Inbox:
        inbox = Inbox(path, **options)
        opened.append(inbox)
        return inbox

    yield factory
    for inbox in opened:
        inbox.close()


def ids(inbox: Inbox) -> list[int]:
    return [u["update_id"] for u in inbox.pending()]


def test_appended_updates_are_pending_in_order_until_done(
    open_inbox: Callable[..., Inbox],
) -> None:
    inbox = open_inbox()
    assert inbox.pending() == []
    assert inbox.last_update_id() is None

    inbox.append([update(12), update(10)])
    inbox.append([update(11)])
    inbox.mark_done([10, 99])  # an id never stored is ignored

    assert inbox.pending() == [update(11), update(12)]
    assert inbox.last_update_id() == 12
    inbox.close()
    reopened = open_inbox()
    assert reopened.pending() == [update(11), update(12)]
    assert reopened.last_update_id() == 12


def test_an_update_already_stored_is_ignored(open_inbox: Callable[..., Inbox]) -> None:
    inbox = open_inbox()
    inbox.append([update(1), update(2)])
    inbox.mark_done([1])

    inbox.append([update(1), update(2), {**update(3), "x": 1}, update(3)])

    assert inbox.pending() == [update(2), {**update(3), "x": 1}]
    inbox.close()
    assert ids(open_inbox()) == [2, 3]


def test_append_is_one_fsync_and_mark_done_none(
    open_inbox: Callable[..., Inbox], fsyncs: list[int]
) -> None:
    inbox = open_inbox()
    fsyncs.clear()

    inbox.append([update(i) for i in range(1, 101)])
    assert len(fsyncs) == 1
    inbox.mark_done(range(1, 51))
    inbox.append([update(5)])  # nothing new: nothing written
    assert len(fsyncs) == 1


def test_a_bad_update_stores_nothing(open_inbox: Callable[..., Inbox], path: Path) -> None:
    inbox = open_inbox()
    size = path.stat().st_size

    with pytest.raises(ValueError, match="update_id"):
        inbox.append([update(1), {"message": {}}])
    with pytest.raises(TypeError):
        inbox.append([update(2), {"update_id": 3, "x": {1, 2}}])

    assert inbox.pending() == []
    assert path.stat().st_size == size


def test_compaction_once_everything_is_done(open_inbox: Callable[..., Inbox], path: Path) -> None:
    inbox = open_inbox(compact_bytes=2000)
    for uid in range(1, 61):
        inbox.append([update(uid)])
        inbox.mark_done([uid])
        assert path.stat().st_size < 2000 + 400  # never more than the threshold and a line

    assert inbox.pending() == []
    inbox.append([update(60), update(59)])  # a late duplicate of a compacted id
    assert inbox.pending() == []
    inbox.close()
    reopened = open_inbox(compact_bytes=2000)
    assert reopened.last_update_id() == 60
    assert reopened.pending() == []


def test_the_file_stays_bounded_while_one_update_is_stuck(
    open_inbox: Callable[..., Inbox], path: Path
) -> None:
    inbox = open_inbox(compact_bytes=1000, max_bytes=4000)
    inbox.append([update(1)])  # never done (say its handler keeps failing)
    for uid in range(2, 200):
        inbox.append([update(uid)])
        inbox.mark_done([uid])
        assert path.stat().st_size < 4000 + 400

    assert ids(inbox) == [1]
    inbox.close()
    assert ids(open_inbox()) == [1]


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(b'{"update_id": 3, "mess', id="no-newline"),
        pytest.param(b"\x00" * 40 + b"\n", id="zeros"),
        pytest.param(b'{"done": [1, 2', id="torn-done"),
    ],
)
def test_a_torn_last_line_is_ignored_and_cut(
    open_inbox: Callable[..., Inbox], path: Path, tail: bytes
) -> None:
    inbox = open_inbox()
    inbox.append([update(1), update(2)])
    inbox.close()
    whole = path.read_bytes()
    path.write_bytes(whole + tail)

    reopened = open_inbox()

    assert ids(reopened) == [1, 2]
    assert reopened.truncated
    assert path.read_bytes() == whole
    reopened.append([update(3)])  # appends start on a clean line
    reopened.close()
    assert ids(open_inbox()) == [1, 2, 3]


def test_a_bad_line_inside_stops_open_and_is_left_alone(
    open_inbox: Callable[..., Inbox], path: Path
) -> None:
    inbox = open_inbox()
    inbox.append([update(1)])
    inbox.append([update(2)])
    inbox.close()
    lines = path.read_bytes().splitlines(keepends=True)
    broken = b"".join([lines[0], b"{oops}\n", *lines[1:]])
    path.write_bytes(broken)

    with pytest.raises(CorruptDataFile, match=r"inbox\.jsonl"):
        open_inbox()
    assert path.read_bytes() == broken


def test_a_failed_write_leaves_no_half_line(
    open_inbox: Callable[..., Inbox], path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = open_inbox()
    inbox.append([update(1)])
    size = path.stat().st_size
    real = os.write

    def short_then_full(fd: int, data: bytes | memoryview) -> int:
        real(fd, bytes(data[:7]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", short_then_full)
    with pytest.raises(OSError, match="No space"):
        inbox.append([update(2)])
    monkeypatch.undo()

    assert path.stat().st_size == size
    assert ids(inbox) == [1]
    inbox.append([update(3)])
    inbox.close()
    assert ids(open_inbox()) == [1, 3]


def test_standalone_it_locks_its_directory(open_inbox: Callable[..., Inbox], path: Path) -> None:
    open_inbox()

    with pytest.raises(DataDirLocked):
        Inbox(path)


def test_the_database_opens_one_in_its_data_directory(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    db.inbox.append([update(7), update(8)])
    db.inbox.mark_done([7])
    assert (data_dir / "inbox.jsonl").exists()
    with pytest.raises(DataDirLocked):
        Inbox(data_dir / "inbox.jsonl")  # the Database's directory lock covers it
    db.close()
    with pytest.raises(RuntimeError, match="not open"):
        _ = db.inbox

    again = open_db()
    assert ids(again.inbox) == [8]
    assert again.inbox.last_update_id() == 8


def test_leftover_compaction_temp_files_are_removed(
    open_inbox: Callable[..., Inbox], path: Path
) -> None:
    inbox = open_inbox()
    inbox.close()
    leftover = path.with_name(f".{path.name}.123.abcd.tmp")
    leftover.write_bytes(b"half")

    open_inbox()

    assert not leftover.exists()


# --- kill -9 --------------------------------------------------------------------------------

# The child appends batches of updates and reports each batch only after append() returned;
# it reports ids before marking them done; compaction thresholds are tiny, so kills land in
# compactions too.
CHILD = """
import random
import sys
from pathlib import Path

from storage.inbox import Inbox

path, seed = Path(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
inbox = Inbox(path, compact_bytes=3000, max_bytes=12000)
last = inbox.last_update_id() or 0
print("start", last, flush=True)
while True:
    batch = list(range(last + 1, last + 1 + rng.randint(1, 12)))
    last = batch[-1]
    inbox.append([{"update_id": u, "message": {"text": "m" * (u % 50)}} for u in batch])
    print("appended", *batch, flush=True)
    pending = [u["update_id"] for u in inbox.pending()]
    done = [u for u in pending if rng.random() < 0.8]
    print("done", *done, flush=True)
    inbox.mark_done(done)
"""


@pytest.mark.slow
def test_kill_9_while_appending_loses_no_returned_append(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    path = tmp_path / "inbox.jsonl"
    appended: set[int] = set()
    maybe_done: set[int] = set()
    for round_ in range(8):
        with subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(rng.randrange(10**9))],
            cwd=REPO,
            bufsize=0,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as child:
            assert child.stdout is not None
            first = child.stdout.readline()
            assert first.startswith(b"start"), child.stderr.read() if child.stderr else ""
            time.sleep(rng.uniform(0.02, 0.3))
            child.send_signal(signal.SIGKILL)
            rest, _ = child.communicate()
            assert child.returncode == -signal.SIGKILL
        for line in (first + rest).decode().splitlines(keepends=True):
            if not line.endswith("\n"):
                continue  # cut by the kill: not reported
            kind, *values = line.split()
            if kind == "appended":
                appended.update(int(v) for v in values)
            elif kind == "done":
                maybe_done.update(int(v) for v in values)

        where = f"seed {seed}, round {round_}"
        with Inbox(path, compact_bytes=3000, max_bytes=12000) as inbox:  # never an error
            pending = inbox.pending()
            pending_ids = {u["update_id"] for u in pending}
            lost = appended - pending_ids - maybe_done
            assert not lost, f"{where}: lost {sorted(lost)}"
            for u in pending:  # whole and as appended
                assert u == {
                    "update_id": u["update_id"],
                    "message": {"text": "m" * (u["update_id"] % 50)},
                }
            assert [u["update_id"] for u in pending] == sorted(pending_ids)
            last = inbox.last_update_id()
            assert last is not None and last >= max(appended), where
        assert path.stat().st_size < 12000 + 4000, where  # bounded (a batch beyond max_bytes)
        for line in path.read_bytes().splitlines():
            orjson.loads(line)
    assert len(appended) > 50, f"seed {seed}: the child hardly ran"
