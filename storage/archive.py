"""The archive of finished tasks: append-only JSON Lines per month, `archive/<YYYY-MM>.jsonl`.

Each line is `{"seq": n, "task": {...}}`; `seq` grows across the whole archive, so when a task
was archived more than once the line with the highest seq is the one that counts. In memory:
an index (number -> file, offset, length) for every archived task, plus the tasks finished
recently (for weekly summaries); anything older is read from its line on demand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.tasks.models import Task
from storage import mapping
from storage.engine import append_durable, dumps
from storage.errors import MappingError
from storage.jsonlines import WholeLines, counted_line


@dataclass(frozen=True, slots=True)
class ArchiveRef:
    month: str  # file stem, "YYYY-MM"
    offset: int
    length: int
    seq: int


@dataclass(frozen=True, slots=True)
class PreparedLine:
    """A finished task serialised and numbered, not yet on disk."""

    task: Task
    month: str
    seq: int
    line: bytes


def month_of(task: Task, now: datetime) -> str:
    """The file a finished task goes to: the UTC month of its last change."""
    when = task.updated_at if task.updated_at is not None else now
    return when.astimezone(UTC).strftime("%Y-%m")


class Archive:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.index: dict[int, ArchiveRef] = {}
        self.recent: dict[int, Task] = {}
        self._recent_by_user: dict[int, set[int]] = {}
        self.recent_since: datetime | None = None
        self.max_number = 0
        self._next_seq = 1
        self.truncated: list[Path] = []  # torn tails cut at load (for logs and tests)

    # --- load ---------------------------------------------------------------------------------

    def load(self, recent_since: datetime) -> None:
        """Read every month file; cut a torn last line; CorruptDataFile on a bad line inside."""
        self.index.clear()
        self.recent.clear()
        self._recent_by_user.clear()
        self.recent_since = recent_since
        self.truncated.clear()
        if not self.dir.is_dir():
            return
        for path in sorted(self.dir.glob("*.jsonl")):
            self._load_file(path)

    def _load_file(self, path: Path) -> None:
        month = path.stem
        lines = WholeLines(path, path.read_bytes(), self._read_line)
        for offset, length, (seq, number, updated_at, task) in lines:
            self._record(number, updated_at, ArchiveRef(month, offset, length, seq), task)
        if lines.cut:
            self.truncated.append(path)

    def _read_line(self, line: bytes) -> tuple[int, int, datetime | None, Task | None]:
        seq, number, updated_at, task_doc = self._head(line)
        # Only recent tasks are built (and fully checked) now; older ones on demand.
        task = mapping.from_dict(Task, task_doc) if self._is_recent(updated_at) else None
        return seq, number, updated_at, task

    @staticmethod
    def _head(line: bytes) -> tuple[int, int, datetime | None, dict[str, object]]:
        """seq, number and updated_at of a line, and its task document (not yet mapped)."""
        seq, task_doc = counted_line(line, "archive", "seq", "task")
        number = task_doc.get("number")
        if not isinstance(number, int) or isinstance(number, bool):
            raise MappingError("archived task without number")
        updated = task_doc.get("updated_at")
        updated_at = None if updated is None else mapping.dt_from_str(updated)
        return seq, number, updated_at, task_doc

    @classmethod
    def _parse(cls, line: bytes) -> Task:
        return mapping.from_dict(Task, cls._head(line)[3])

    def _record(
        self, number: int, updated_at: datetime | None, ref: ArchiveRef, task: Task | None
    ) -> None:
        self.max_number = max(self.max_number, number)
        self._next_seq = max(self._next_seq, ref.seq + 1)
        old = self.index.get(number)
        if old is not None and old.seq > ref.seq:
            return
        self.index[number] = ref
        self._forget_recent(number)
        if task is not None and self._is_recent(updated_at):
            self.recent[number] = task
            for user in task.participants():
                self._recent_by_user.setdefault(user, set()).add(number)

    def _is_recent(self, updated_at: datetime | None) -> bool:
        return (
            self.recent_since is not None
            and updated_at is not None
            and updated_at >= self.recent_since
        )

    def _forget_recent(self, number: int) -> None:
        task = self.recent.pop(number, None)
        if task is not None:
            for user in task.participants():
                numbers = self._recent_by_user.get(user)
                if numbers is not None:
                    numbers.discard(number)
                    if not numbers:
                        del self._recent_by_user[user]

    # --- write --------------------------------------------------------------------------------

    def prepare(self, task: Task, now: datetime) -> PreparedLine:
        seq = self._next_seq
        self._next_seq += 1
        line = dumps({"seq": seq, "task": mapping.task_to_dict(task)}) + b"\n"
        return PreparedLine(task, month_of(task, now), seq, line)

    def append(self, lines: list[PreparedLine]) -> None:
        """Append and fsync, one write per month file; then index what was written."""
        if not lines:
            return
        self.dir.mkdir(exist_ok=True)
        by_month: dict[str, list[PreparedLine]] = {}
        for line in lines:
            by_month.setdefault(line.month, []).append(line)
        for month, group in sorted(by_month.items()):
            offset = append_durable(self.dir / f"{month}.jsonl", b"".join(p.line for p in group))
            for p in group:
                ref = ArchiveRef(month, offset, len(p.line), p.seq)
                self._record(p.task.number, p.task.updated_at, ref, p.task)
                offset += len(p.line)

    def drop(self, number: int) -> None:
        """Forget an archived task that is live again (its line stays, superseded)."""
        self.index.pop(number, None)
        self._forget_recent(number)

    # --- read ---------------------------------------------------------------------------------

    def get(self, number: int) -> Task | None:
        ref = self.index.get(number)
        if ref is None:
            return None
        task = self.recent.get(number)
        if task is not None:
            return task
        with open(self.dir / f"{ref.month}.jsonl", "rb") as f:
            f.seek(ref.offset)
            return self._parse(f.read(ref.length))

    def finished(self, user_id: int, since: datetime) -> list[Task]:
        """Archived tasks changed at or after `since` in which `user_id` took part."""
        if self.recent_since is not None and since >= self.recent_since:
            found = [self.recent[n] for n in self._recent_by_user.get(user_id, ())]
        else:
            found = list(self._scan_since(user_id, since))
        found = [t for t in found if t.updated_at is not None and t.updated_at >= since]
        found.sort(key=lambda t: (t.updated_at, t.number))
        return found

    def _scan_since(self, user_id: int, since: datetime) -> Iterator[Task]:
        first = since.astimezone(UTC).strftime("%Y-%m")
        for month, offset, line in self.lines_with(str(user_id).encode(), since_month=first):
            task = self._parse(line)
            if self.is_current(task.number, month, offset) and user_id in task.participants():
                yield task

    def lines_with(self, needle: bytes, since_month: str = "") -> Iterator[tuple[str, int, bytes]]:
        """(month, offset, line) of every line holding `needle` (a cheap pre-filter before a
        full parse), in the month files from `since_month` on."""
        for path in sorted(self.dir.glob("*.jsonl")):
            if path.stem < since_month:
                continue
            data = path.read_bytes()
            pos = 0
            while (end := data.find(b"\n", pos)) >= 0:
                start, line = pos, data[pos:end]
                pos = end + 1
                if needle in line:
                    yield path.stem, start, line

    def is_current(self, number: int, month: str, offset: int) -> bool:
        """Whether the line at `offset` of `month`'s file is task `number`'s current one (not
        superseded by a later line, nor live again)."""
        ref = self.index.get(number)
        return ref is not None and (ref.month, ref.offset) == (month, offset)

    @property
    def next_seq(self) -> int:
        return self._next_seq
