"""Durable files under a data directory: atomic writes, the directory lock, backups, and the
in-memory TinyDB storage whose writes the Database turns into one atomic file write."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

from storage.errors import DataDirLocked

TMP_SUFFIX = ".tmp"
Data = dict[str, dict[str, Any]]


# --- files ------------------------------------------------------------------------------------


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tmp_path(path: Path) -> Path:
    # Hidden, unique and recognisable: open() deletes every leftover `*.tmp`.
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace `path` by `data` so that a crash leaves the old or the new bytes, never a mix.

    Write a temp file beside it, flush, fsync, rename over it, fsync the directory.
    `durable=False` skips both fsyncs (backups: a torn one is skipped when chosen).
    """
    tmp = _tmp_path(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        fsync_dir(path.parent)


def append_durable(path: Path, data: bytes) -> int:
    """Append `data` to `path` and fsync it; return the offset it starts at.

    If the write or the fsync fails (a full disk), the file is cut back to where it was, so
    no half line stays in front of the next append."""
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        offset = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, offset)
            raise
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)
    return offset


def remove_temp_files(*dirs: Path) -> list[Path]:
    """Delete temp files a crashed writer left behind; return what was removed."""
    removed = []
    for d in dirs:
        if not d.is_dir():
            continue
        for entry in os.scandir(d):
            if entry.is_file() and entry.name.endswith(TMP_SUFFIX):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def dumps(data: object) -> bytes:
    return orjson.dumps(data)


def loads(data: bytes) -> Any:
    return orjson.loads(data)


# --- the lock ---------------------------------------------------------------------------------


class DirLock:
    """An exclusive, non-blocking flock on `<data_dir>/.lock`, held while the fd is open.

    flock belongs to the open file description, so a second DirLock on the same directory fails
    even inside the same process; the kernel drops it when the process dies.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / ".lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise DataDirLocked(self.path.parent) from exc
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


# --- backups ----------------------------------------------------------------------------------


class Backups:
    """Rolling copies of good shard bytes: `backups/<shard>.<UTC timestamp>.json`, newest N kept."""

    def __init__(self, directory: Path, keep: int) -> None:
        self.dir = directory
        self.keep = keep
        self._names: dict[str, list[str]] = {}  # shard -> backup file names, oldest first

    def scan(self) -> None:
        self._names.clear()
        if not self.dir.is_dir():
            return
        for entry in os.scandir(self.dir):
            parts = entry.name.split(".")
            if len(parts) == 3 and parts[2] == "json" and entry.is_file():
                self._names.setdefault(parts[0], []).append(entry.name)
        for names in self._names.values():
            names.sort()

    def newest_good(self, shard: str) -> Path | None:
        """The newest backup of `shard` that parses (an unsynced one may be torn after a crash)."""
        for name in reversed(self._names.get(shard, [])):
            path = self.dir / name
            try:
                loads(path.read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue
            return path
        return None

    def same_as_newest(self, shard: str, data: bytes) -> bool:
        names = self._names.get(shard)
        if not names:
            return False
        path = self.dir / names[-1]
        try:
            return path.stat().st_size == len(data) and path.read_bytes() == data
        except OSError:
            return False

    def make(self, shard: str, data: bytes, now: datetime) -> Path:
        names = self._names.setdefault(shard, [])
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{shard}.{stamp}.json"
        if names and name <= names[-1]:
            # Two backups in one microsecond, or a clock that went back: stay ordered and unique.
            name = f"{shard}.{names[-1].split('.')[1]}x.json"
        # Not fsynced: backups are a safety net, and newest_good() skips a torn one.
        atomic_write(self.dir / name, data, durable=False)
        names.append(name)
        while len(names) > self.keep:
            with contextlib.suppress(FileNotFoundError):
                (self.dir / names.pop(0)).unlink()
        return self.dir / name


# --- TinyDB -----------------------------------------------------------------------------------


class ShardStorage(Storage):
    """TinyDB storage over data held in memory.

    `read()` hands TinyDB the live structure (no parse per read); `write()` only reports that
    this shard changed: the owner decides whether to write the file now or at the end of a
    transaction.
    """

    def __init__(self, data: Data, on_write: Callable[[], None]) -> None:
        self.data = data
        self._on_write = on_write

    def read(self) -> Data:
        return self.data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.data = data
        self._on_write()


class ShardDB(TinyDB):
    """A TinyDB over a ShardStorage that can forget cached query results after a rollback."""

    def clear_query_caches(self) -> None:
        for table in self._tables.values():
            table.clear_cache()


def open_shard_db(storage: ShardStorage) -> ShardDB:
    return ShardDB(storage=_given(storage))


def _given(storage: ShardStorage) -> Callable[[], ShardStorage]:
    # TinyDB builds its storage from a class; hand it a factory for the instance we already have.
    return lambda: storage
