"""The durable inbox: Telegram updates fetched but not yet processed, `<data_dir>/inbox.jsonl`.

Polling appends a fetched batch (durable, ONE fsync) before it confirms the batch to Telegram
(the next getUpdates offset), and marks updates done once processed; after a crash, what is
still pending is processed again, so an update that was fetched is never dropped. Marking done
is cheap (one unsynced write): after a crash a done update may come back from `pending()`, and
the Database's exactly-once update-id log makes reprocessing it safe.

The file is JSON Lines, append-only between compactions:

    {"inbox": 1, "last": 812, "done": [801, ...]}   header: first line of a (re)written file
    {"update_id": 813, "message": {...}}             a stored update, as Telegram sent it
    {"done": [813, 814]}                             these are processed

`last` is the highest update_id ever stored; `done` in the header lists the most recent done
ids a compaction dropped (so a late duplicate of one is still ignored). The file is rewritten
(atomically, durably) with just its header and the pending updates when everything stored is
done and the file passed `compact_bytes`, or whatever is pending once it passed `max_bytes`:
it never grows without bound. A torn last line (kill -9 or power loss mid-write) is cut at
open, never an error; a bad line inside the file raises CorruptDataFile and leaves it alone.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from storage.engine import TMP_SUFFIX, DirLock, atomic_write
from storage.jsonlines import WholeLines

COMPACT_BYTES = 256 * 1024
MAX_BYTES = 8 * 1024 * 1024
KEEP_DONE = 1000  # done ids remembered across a compaction, to ignore late duplicates


class Inbox:
    """Open (and, standalone, lock the directory of) `path`; load what it holds."""

    def __init__(
        self,
        path: Path,
        *,
        lock: bool = True,
        compact_bytes: int = COMPACT_BYTES,
        max_bytes: int = MAX_BYTES,
        keep_done: int = KEEP_DONE,
    ) -> None:
        self.path = Path(path)
        self.compact_bytes = compact_bytes
        self.max_bytes = max(max_bytes, compact_bytes)
        self.keep_done = keep_done
        self.truncated = False  # a torn tail was cut at open (for logs and tests)
        self._lock = threading.Lock()
        self._pending: dict[int, dict[str, Any]] = {}
        self._stored: set[int] = set()  # ids the file holds (pending or done) or lists as done
        self._done: dict[int, None] = {}  # recently done ids, oldest first (bounded)
        self._last: int | None = None
        self._size = 0
        self._fd: int | None = None
        self._dirlock: DirLock | None = None
        if lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            dirlock = DirLock(self.path.parent)
            dirlock.acquire()
            self._dirlock = dirlock
        try:
            self._open()
        except BaseException:
            self._release()
            raise

    # --- the interface polling codes against --------------------------------------------------

    def append(self, updates: Sequence[Mapping[str, Any]]) -> None:
        """Store these updates durably (ONE fsync) before returning; an update_id already
        stored, or repeated in `updates`, is ignored. Raises (storing none of them) for an
        update without an int update_id or that JSON cannot hold."""
        with self._lock:
            fd = self._require_open()
            fresh: dict[int, dict[str, Any]] = {}
            for update in updates:
                uid = update.get("update_id")
                if not isinstance(uid, int) or isinstance(uid, bool):
                    raise ValueError(f"update without an int update_id: {uid!r}")
                if uid not in self._stored and uid not in fresh:
                    fresh[uid] = dict(update)
            if not fresh:
                return
            data = b"".join(orjson.dumps(u) + b"\n" for u in fresh.values())
            self._write(fd, data, sync=True)
            for uid, update in fresh.items():
                self._pending[uid] = update
                self._stored.add(uid)
                self._last = uid if self._last is None else max(self._last, uid)

    def mark_done(self, update_ids: Iterable[int]) -> None:
        """These updates are processed. One unsynced write (a crash may forget it: the update
        then comes back from `pending()`); now and then a compaction (durable)."""
        with self._lock:
            fd = self._require_open()
            done = [uid for uid in dict.fromkeys(update_ids) if uid in self._pending]
            if not done:
                return
            self._write(fd, orjson.dumps({"done": done}) + b"\n", sync=False)
            for uid in done:
                del self._pending[uid]
                self._remember_done(uid)
            if (not self._pending and self._size > self.compact_bytes) or (
                self._size > self.max_bytes
            ):
                self._compact()

    def pending(self) -> list[dict[str, Any]]:
        """Stored and not done, in update_id order (copies)."""
        with self._lock:
            return [dict(self._pending[uid]) for uid in sorted(self._pending)]

    def last_update_id(self) -> int | None:
        """The highest update_id ever stored (the next getUpdates offset is this + 1)."""
        with self._lock:
            return self._last

    def close(self) -> None:
        with self._lock:
            if self._fd is None:
                return
            try:
                if not self._pending and self._size > self.compact_bytes:
                    self._compact()
            finally:
                os.close(self._fd)
                self._fd = None
                self._release()

    def __enter__(self) -> Inbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def size(self) -> int:
        """Bytes in the file now."""
        return self._size

    # --- the file -----------------------------------------------------------------------------

    def _require_open(self) -> int:
        if self._fd is None:
            raise RuntimeError("inbox is closed")
        return self._fd

    def _release(self) -> None:
        if self._dirlock is not None:
            self._dirlock.release()
            self._dirlock = None

    def _open(self) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        prefix = f".{self.path.name}."
        for entry in os.scandir(directory):
            if entry.name.startswith(prefix) and entry.name.endswith(TMP_SUFFIX):
                os.unlink(entry.path)  # a compaction a crash interrupted
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = None
        if data is None:
            atomic_write(self.path, self._header())  # so that append() fsyncs once, not twice
            self._size = len(self._header())
        else:
            self._size = self._load(data)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def _load(self, data: bytes) -> int:
        lines = WholeLines(self.path, data, lambda line: self._apply(orjson.loads(line)))
        for _ in lines:
            pass  # each line is applied as it is parsed
        if lines.cut:
            self.truncated = True
        return lines.end

    def _apply(self, doc: Any) -> None:
        """One line, read at open (TypeError / ValueError if it is not one of ours)."""
        if not isinstance(doc, dict):
            raise ValueError("inbox line is not an object")
        if "update_id" in doc:
            uid = doc["update_id"]
            if not isinstance(uid, int) or isinstance(uid, bool):
                raise ValueError(f"bad update_id {uid!r}")
            if uid not in self._stored:
                self._pending[uid] = doc
                self._stored.add(uid)
                self._last = uid if self._last is None else max(self._last, uid)
        elif "inbox" in doc:
            last = doc.get("last")
            if last is not None:
                (last_int,) = _ints([last])
                self._last = last_int if self._last is None else max(self._last, last_int)
            for uid in _ints(doc.get("done", [])):
                self._stored.add(uid)
                self._remember_done(uid)
        elif "done" in doc:
            for uid in _ints(doc["done"]):
                if self._pending.pop(uid, None) is not None:
                    self._remember_done(uid)
        else:
            raise ValueError("unknown inbox line")

    def _remember_done(self, uid: int) -> None:
        self._done.pop(uid, None)
        self._done[uid] = None
        while len(self._done) > self.keep_done:
            del self._done[next(iter(self._done))]

    def _header(self) -> bytes:
        return orjson.dumps({"inbox": 1, "last": self._last, "done": list(self._done)}) + b"\n"

    def _write(self, fd: int, data: bytes, *, sync: bool) -> None:
        """Append whole lines; on a failure cut the file back, so no half line stays."""
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._size)
            raise
        self._size += len(data)

    def _compact(self) -> None:
        """Rewrite the file as its header and the pending updates (atomic and durable)."""
        assert self._fd is not None
        data = self._header() + b"".join(
            orjson.dumps(self._pending[uid]) + b"\n" for uid in sorted(self._pending)
        )
        atomic_write(self.path, data)
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self._size = len(data)
        self._stored = set(self._pending) | set(self._done)


def _ints(values: Any) -> list[int]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise ValueError(f"expected a list of ints, got {values!r}")
    return values


__all__ = ["Inbox"]
