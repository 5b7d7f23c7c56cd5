"""Factories for storage tests: a manual clock, a Database on tmp_path, records; counters of
the durable file operations (os.replace, os.fsync)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from storage_helpers import NOW

from bot.core.clock import ManualClock
from storage import Database


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def open_db(data_dir: Path, clock: ManualClock) -> Iterator[Callable[[], Database]]:
    """Open a Database on data_dir; everything opened is closed at teardown."""
    opened: list[Database] = []

    def factory() -> Database:
        db = Database(data_dir, clock=clock)
        db.open()
        opened.append(db)
        return db

    yield factory
    for db in opened:
        db.close()


@pytest.fixture
def db(open_db: Callable[[], Database]) -> Database:
    return open_db()


@pytest.fixture(params=["live", "reopened"])
def view(
    request: pytest.FixtureRequest, open_db: Callable[[], Database]
) -> Callable[[Database], Database]:
    """Read through the same Database, or through a fresh one that rebuilt its indexes from
    the files: both must answer alike (TinyDB-tests style parametrisation)."""

    def see(db: Database) -> Database:
        if request.param == "live":
            return db
        db.close()
        return open_db()

    return see


@pytest.fixture
def replaces(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every os.replace onto a data file (backups excluded): one per durable shard write."""
    seen: list[Path] = []
    real = os.replace

    def counting(src: str | Path, dst: str | Path) -> None:
        if Path(dst).parent.name != "backups":
            seen.append(Path(dst))
        real(src, dst)

    monkeypatch.setattr(os, "replace", counting)
    return seen


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every os.fsync (of a file or a directory), by file descriptor."""
    seen: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        seen.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return seen
