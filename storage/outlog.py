"""The outbox log: `outbox/marks-<YYYY-MM-DD>.jsonl`, append-only, one file per UTC day.

Delivery's marks (sent, failed, held, retry later, released) are appended here, one line per
entry and ONE fsync per batch, instead of rewriting the shard that holds the entry. A line is
`{"rev": n, "entry": {...the whole OutboxEntry...}}`; `rev` grows across the whole outbox (shard
copies carry it too, as `_rev`), so whichever copy of an entry has the highest rev is the one
that counts. A whole day's file is deleted once every line in it is older than the outbox's
keep time, after the shards that still lag behind it were rewritten (storage/database.py).
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.core.models import OutboxEntry
from storage import mapping
from storage.engine import append_durable, dumps, fsync_dir
from storage.jsonlines import WholeLines, counted_line

_NAME_RE = re.compile(r"marks-(\d{4}-\d{2}-\d{2})\.jsonl")


@dataclass(frozen=True, slots=True)
class Logged:
    """The newest line the log holds for one entry."""

    rev: int
    day: str  # "YYYY-MM-DD": the file it is in
    entry: OutboxEntry


def day_of(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%d")


def day_end(day: str) -> datetime:
    """The first instant after `day` (UTC): every line of its file was written before."""
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)
    return start + timedelta(days=1)


def line_of(rev: int, entry: OutboxEntry) -> bytes:
    """One log line; TypeError (before anything is written) if the entry cannot be stored."""
    return dumps({"rev": rev, "entry": mapping.outbox_to_dict(entry)}) + b"\n"


class OutboxLog:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.truncated: list[Path] = []  # torn tails cut at load (for logs and tests)

    def path(self, day: str) -> Path:
        return self.dir / f"marks-{day}.jsonl"

    def days(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        found = (_NAME_RE.fullmatch(e.name) for e in os.scandir(self.dir) if e.is_file())
        return sorted(m.group(1) for m in found if m is not None)

    def load(self) -> dict[str, Logged]:
        """The newest line of every entry in every file; a torn last line is cut, a bad line
        inside a file raises CorruptDataFile (the file is left as it is)."""
        self.truncated.clear()
        newest: dict[str, Logged] = {}
        for day in self.days():
            for rev, entry in self._load_file(self.path(day)):
                old = newest.get(entry.id)
                if old is None or old.rev < rev:
                    newest[entry.id] = Logged(rev, day, entry)
        return newest

    def _load_file(self, path: Path) -> list[tuple[int, OutboxEntry]]:
        lines = WholeLines(path, path.read_bytes(), _parse)
        read = [value for _, _, value in lines]
        if lines.cut:
            self.truncated.append(path)
        return read

    def append(self, day: str, data: bytes) -> None:
        """Append whole lines to `day`'s file and fsync (one write, one fsync)."""
        self.dir.mkdir(exist_ok=True)
        append_durable(self.path(day), data)

    def remove(self, day: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(day).unlink()
        fsync_dir(self.dir)


def _parse(line: bytes) -> tuple[int, OutboxEntry]:
    rev, entry_doc = counted_line(line, "outbox log", "rev", "entry")
    return rev, mapping.from_dict(OutboxEntry, entry_doc)
