"""Reading the append-only JSON Lines files (the archive, the outbox log, the inbox).

They are written by appending whole lines, so after a crash (kill -9, power loss mid-write) the
only damage there can be is a torn tail: the last line cut short, or not ended by its newline.
That tail is cut at open, never an error, so the next append starts clean. A bad line with a
good one after it is not a crash's doing: CorruptDataFile, and the file is left as it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import orjson

from storage.engine import fsync_dir
from storage.errors import CorruptDataFile, MappingError

_T = TypeVar("_T")

# What a line that is not one of ours raises while it is parsed (orjson.JSONDecodeError and
# MappingError are ValueErrors).
LINE_ERRORS = (TypeError, ValueError)


class WholeLines(Generic[_T]):
    """The whole, good lines of `data` (the bytes of `path`), parsed, in file order.

    Iterate once: each line is parsed by `parse` and yielded as (offset, length with its
    newline, parsed value) as it is reached. A line `parse` refuses (LINE_ERRORS) is acceptable
    only at the end (a torn write); one followed by a good line raises CorruptDataFile. Once
    the lines are all read, a torn tail is cut from the file (and `cut` says so); `end` is
    where the good lines end.
    """

    def __init__(self, path: Path, data: bytes, parse: Callable[[bytes], _T]) -> None:
        self.path = path
        self.data = data
        self.parse = parse
        self.end = 0
        self.cut = False

    def __iter__(self) -> Iterator[tuple[int, int, _T]]:
        data = self.data
        pending_error: str | None = None
        pos = 0
        while pos < len(data):
            end = data.find(b"\n", pos)
            if end < 0:
                break  # no newline: a torn append
            try:
                value = self.parse(data[pos:end])
            except LINE_ERRORS as exc:
                # Only acceptable as the last line (a torn write); decided once we see more.
                if pending_error is None:
                    pending_error = f"line at byte {pos}: {exc}"
                pos = end + 1
                continue
            if pending_error is not None:
                raise CorruptDataFile(self.path, None, pending_error)
            yield pos, end + 1 - pos, value
            pos = end + 1
            self.end = pos
        if self.end < len(data):
            self._cut_tail()

    def _cut_tail(self) -> None:
        with open(self.path, "r+b") as f:
            f.truncate(self.end)
            f.flush()
            os.fsync(f.fileno())
        fsync_dir(self.path.parent)
        self.cut = True


def counted_line(line: bytes, what: str, counter: str, body: str) -> tuple[int, dict[str, Any]]:
    """A line `{"<counter>": n, "<body>": {...}}` (the archive's seq and task, the outbox log's
    rev and entry): n and the body, not yet mapped; MappingError naming `what` if it is not."""
    doc = orjson.loads(line)
    if not isinstance(doc, dict):
        raise MappingError(f"{what} line is not an object")
    count = doc.get(counter)
    if not isinstance(count, int) or isinstance(count, bool):
        raise MappingError(f"{what} line without {counter}")
    body_doc = doc.get(body)
    if not isinstance(body_doc, dict):
        raise MappingError(f"{what} line without {body}")
    return count, body_doc
