"""What survives a crash, a bad file or a second process: the files themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from storage_helpers import make_task

from bot.core.clock import ManualClock
from bot.people.models import Person
from bot.tasks.models import Status
from storage import CorruptDataFile, Database, DataDirLocked

REPO = Path(__file__).resolve().parents[2]


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(b'{"tasks": {"1": {"number": 1', id="truncated"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(b'{"tasks": {"1": {"number": "one"}}}', id="bad-task"),
        pytest.param(b"\x00" * 64, id="zeros"),
    ],
)
def test_a_corrupt_shard_stops_open_and_is_left_alone(
    db: Database, data_dir: Path, open_db: Callable[[], Database], garbage: bytes
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))
    db.close()
    shard = data_dir / "spaces" / "g-100.json"
    shard.write_bytes(garbage)

    with pytest.raises(CorruptDataFile) as caught:
        open_db()

    error = caught.value
    assert error.path == shard
    assert error.newest_backup is not None
    assert error.newest_backup.parent == data_dir / "backups"
    assert error.newest_backup.name.startswith("g-100.")
    assert str(shard) in str(error)
    assert str(error.newest_backup) in str(error)
    assert orjson.loads(error.newest_backup.read_bytes())["tasks"]["1"]["number"] == 1
    assert shard.read_bytes() == garbage


def test_a_corrupt_people_file_without_backup_says_so(
    data_dir: Path, open_db: Callable[[], Database]
) -> None:
    data_dir.mkdir()
    (data_dir / "people.json").write_bytes(b"{not json")

    with pytest.raises(CorruptDataFile, match="Newest good backup: none") as caught:
        open_db()

    assert caught.value.path == data_dir / "people.json"
    assert caught.value.newest_backup is None


def test_a_torn_backup_is_not_offered(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))
    db.close()
    good = sorted((data_dir / "backups").glob("g-100.*"))[-1]
    (data_dir / "backups" / "g-100.29990101T000000000000Z.json").write_bytes(b'{"tas')
    (data_dir / "spaces" / "g-100.json").write_bytes(b"{")

    with pytest.raises(CorruptDataFile) as caught:
        open_db()

    assert caught.value.newest_backup == good


def test_a_failed_open_releases_the_lock(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    db.close()
    (data_dir / "people.json").write_bytes(b"{")
    with pytest.raises(CorruptDataFile):
        open_db()
    (data_dir / "people.json").write_bytes(b"{}")

    open_db()


def test_backups_roll_and_keep_the_newest(
    data_dir: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.database

    monkeypatch.setattr(storage.database, "HOUSEKEEPING_EVERY", 0.0)  # back up on every write
    with Database(data_dir, keep_backups=3, clock=clock) as db:
        for i in range(1, 7):
            db.put_person(Person(user_id=i))

    backups = sorted(p.name for p in (data_dir / "backups").glob("people.*"))
    assert len(backups) == 3
    newest = orjson.loads((data_dir / "backups" / backups[-1]).read_bytes())
    assert sorted(newest["people"]) == ["1", "2", "3", "4", "5", "6"]


def test_open_makes_a_backup_only_when_something_changed(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    db.put_person(Person(user_id=1))
    db.close()
    open_db().close()
    first = sorted((data_dir / "backups").glob("people.*"))
    open_db().close()

    assert sorted((data_dir / "backups").glob("people.*")) == first


def test_leftover_temp_files_are_removed_at_open(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    db.close()
    leftovers = [
        data_dir / ".people.json.123.abcd.tmp",
        data_dir / "spaces" / ".g-1.json.9.ff.tmp",
        data_dir / "backups" / ".people.x.json.9.ff.tmp",
    ]
    for path in leftovers:
        path.write_bytes(b"half")

    open_db()

    assert not [p for p in leftovers if p.exists()]


def archive_one_task(db: Database, data_dir: Path) -> Path:
    """Task 1 finished (its archive line written), the Database closed: the archive file."""
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1, status=Status.DONE))
    db.close()
    return data_dir / "archive" / "2025-03.jsonl"


def test_a_torn_archive_line_is_ignored_and_cut(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    archive = archive_one_task(db, data_dir)
    whole = archive.read_bytes()
    archive.write_bytes(whole + b'{"seq": 9, "task": {"number": 2, "ti')

    db = open_db()

    assert db.get_task(1) == make_task(1, status=Status.DONE)
    assert db.get_task(2) is None
    assert archive.read_bytes() == whole
    with db.transaction("g-100") as tx:  # appends start on a clean line
        tx.put_task(make_task(3, status=Status.DONE))
    db.close()
    assert open_db().get_task(3) == make_task(3, status=Status.DONE)


def test_a_torn_line_of_zeros_is_cut_too(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    archive = archive_one_task(db, data_dir)
    whole = archive.read_bytes()
    archive.write_bytes(whole + b"\x00" * 40 + b"\n")  # power loss: size grew, data did not

    assert open_db().get_task(1) == make_task(1, status=Status.DONE)
    assert archive.read_bytes() == whole


def test_a_bad_line_inside_the_archive_stops_open(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1, status=Status.DONE))
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(2, status=Status.DONE))
    db.close()
    archive = data_dir / "archive" / "2025-03.jsonl"
    second = archive.read_bytes().splitlines(keepends=True)[1]
    broken = b"{oops}\n" + second
    archive.write_bytes(broken)

    with pytest.raises(CorruptDataFile, match=r"2025-03\.jsonl"):
        open_db()
    assert archive.read_bytes() == broken


@pytest.mark.usefixtures("db")  # open on data_dir: it holds the lock
def test_a_second_database_on_the_same_directory_is_refused(data_dir: Path) -> None:
    other = Database(data_dir)

    with pytest.raises(DataDirLocked) as caught:
        other.open()

    assert caught.value.path == data_dir


def test_close_releases_the_directory(db: Database, open_db: Callable[[], Database]) -> None:
    db.close()
    db.close()  # twice is fine

    open_db()


def test_another_process_is_refused_while_the_directory_is_held(
    db: Database, data_dir: Path
) -> None:
    code = (
        "import sys; from pathlib import Path; from storage import Database, DataDirLocked\n"
        "try:\n"
        "    Database(Path(sys.argv[1])).open()\n"
        "except DataDirLocked as e:\n"
        "    print('locked', e.path)\n"
    )

    held = run_python(code, str(data_dir))
    db.close()
    free = run_python(code, str(data_dir))

    assert held.stdout.strip() == f"locked {data_dir}", held.stderr
    assert free.returncode == 0, free.stderr
    assert free.stdout == ""


def test_a_killed_owner_leaves_the_directory_free(
    data_dir: Path, open_db: Callable[[], Database]
) -> None:
    code = (
        "import os, sys; from pathlib import Path; from storage import Database\n"
        "Database(Path(sys.argv[1])).open()\n"
        "os._exit(0)  # no close(): the kernel drops the lock with the process\n"
    )

    assert run_python(code, str(data_dir)).returncode == 0
    open_db()


def test_recent_window_follows_the_clock(
    db: Database, open_db: Callable[[], Database], clock: ManualClock
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1, status=Status.DONE))
    db.close()
    clock.advance(timedelta(days=30))

    db = open_db()

    assert 1 not in db._archive.recent  # type: ignore[attr-defined]
    assert db.finished_tasks(user_id=2, since=clock.now() - timedelta(days=31)) == [
        make_task(1, status=Status.DONE)
    ]


def test_files_are_plain_json(db: Database, data_dir: Path) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))

    for path in data_dir.rglob("*.json"):
        orjson.loads(path.read_bytes())
    assert os.listdir(data_dir / "spaces") == ["g-100.json"]
