"""Excel files (pure): which tasks a period holds, a row per task, counts per person, and the
workbooks of `/export tasks` and `/export collect <n>` (XlsxWriter, in memory). A big
`/export tasks` workbook is made in a child process (`tasks_workbook_apart`).

Times go into cells as Excel date-times in the reader's zone (Excel has no zones), so a
leader can sort and filter by them.
"""

from __future__ import annotations

import io
import multiprocessing
import pickle
import re
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import xlsxwriter

from bot.core.config import Lang
from bot.core.i18n import t_plain
from bot.reports.models import Collection, ItemKind, Member, MemberState
from bot.tasks.models import Status, Task
from bot.tasks.rules import is_overdue

_MONTH_RE = re.compile(r"^(\d{4})\s*(?:-|/|年|\.)\s*(\d{1,2})\s*月?$")
_THIS_MONTH = frozenset({"", "本月", "这个月", "当月", "this month", "month"})
_LAST_MONTH = frozenset({"上月", "上个月", "last month"})
_THIS_WEEK = frozenset({"本周", "这周", "这个星期", "本星期", "this week", "week"})
_LAST_WEEK = frozenset({"上周", "上星期", "上个星期", "last week"})
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Notes that go into a task's 备注与汇报 column, in the order they happened.
_NOTE_ACTIONS = ("done", "cannot", "reported")


# ----- the period -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in the reader's zone: a calendar month or a week from Monday."""

    start: datetime
    end: datetime
    week: bool = False

    def label(self, lang: Lang) -> str:
        if self.week:
            last = (self.end - timedelta(days=1)).date()
            return t_plain(
                lang,
                "reports.period_week",
                start=_day(self.start.date(), lang),
                end=_day(last, lang),
            )
        return t_plain(lang, "reports.period_month", year=self.start.year, month=self.start.month)

    @property
    def slug(self) -> str:
        """For file names: 2026-11, or 2026-W49."""
        if self.week:
            year, week, _ = self.start.date().isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    def holds(self, when: datetime | None) -> bool:
        return when is not None and self.start <= when < self.end


def _day(d: date, lang: Lang) -> str:
    return f"{d.month}月{d.day}日" if lang == "zh" else f"{d.day}/{d.month}"


def _month(year: int, month: int, tz: tzinfo) -> Period:
    start = datetime.combine(date(year, month, 1), time(0), tzinfo=tz)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return Period(start, datetime.combine(nxt, time(0), tzinfo=tz))


def _week(monday: date, tz: tzinfo) -> Period:
    start = datetime.combine(monday, time(0), tzinfo=tz)
    return Period(start, start + timedelta(days=7), week=True)


def period_of(text: str, now: datetime, tz: tzinfo) -> Period | None:
    """本月 (the default) / 上月 / 本周 / 上周 / 2026-11 / 2026年11月; None: not a period."""
    word = text.strip().lower()
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    if word in _THIS_MONTH:
        return _month(today.year, today.month, tz)
    if word in _LAST_MONTH:
        first = today.replace(day=1) - timedelta(days=1)
        return _month(first.year, first.month, tz)
    if word in _THIS_WEEK:
        return _week(monday, tz)
    if word in _LAST_WEEK:
        return _week(monday - timedelta(days=7), tz)
    m = _MONTH_RE.match(word)
    if m is not None and 1 <= int(m.group(2)) <= 12 and 2000 <= int(m.group(1)) <= 2100:
        return _month(int(m.group(1)), int(m.group(2)), tz)
    return None


def in_period(task: Task, period: Period) -> bool:
    """A task belongs to a period when it was made, was due or was finished in it."""
    finished_at = task.updated_at if task.finished else None
    return period.holds(task.created_at) or period.holds(task.due) or period.holds(finished_at)


# ----- a row per task ---------------------------------------------------------------------------
Names = Callable[[int | None, str | None], str]


def status_text(task: Task, now: datetime, lang: Lang) -> str:
    text = t_plain(lang, f"reports.status_{task.status.value}")
    if is_overdue(task, now):
        text += t_plain(lang, "reports.status_overdue_suffix")
    return text


def done_at(task: Task) -> datetime | None:
    """When the whole task was done (the last assignee's part), if it is."""
    if task.status != Status.DONE:
        return None
    parts = [a.done_at for a in task.assignees if a.done_at is not None]
    return max(parts) if parts else task.updated_at


def notes_text(task: Task, names: Names, lang: Lang) -> str:
    """完成、办不了 and 汇报 notes, one a line: `张三 汇报：…`."""
    lines = []
    for event in task.events:
        if event.action in _NOTE_ACTIONS and event.note:
            what = t_plain(lang, f"reports.note_{event.action}")
            lines.append(f"{names(event.actor, None)} {what}：{event.note}")
    return "\n".join(lines)


def task_row(task: Task, names: Names, now: datetime, tz: tzinfo, lang: Lang) -> list[Any]:
    """编号 标题 交办人 承办人 创建 截止 轻重缓急 状态 完成时间 备注与汇报."""
    return [
        task.number,
        task.title,
        names(task.assigner, None),
        "、".join(names(a.user_id, a.username) for a in task.assignees),
        _local(task.created_at, tz),
        _local(task.due, tz),
        t_plain(lang, f"reports.priority_{task.priority.value}"),
        status_text(task, now, lang),
        _local(done_at(task), tz),
        notes_text(task, names, lang),
    ]


def task_rows(
    tasks: Iterable[Task], names: Names, now: datetime, tz: tzinfo, lang: Lang
) -> list[list[Any]]:
    """A row per task, by number."""
    return [task_row(t, names, now, tz, lang) for t in sorted(tasks, key=lambda t: t.number)]


@dataclass
class Counts:
    """One person's tasks in the period: as assignee, and how many they handed out."""

    assigned: int = 0
    done: int = 0
    open: int = 0
    overdue: int = 0
    cannot: int = 0
    handed_out: int = 0


def person_counts(tasks: Iterable[Task], now: datetime) -> dict[int | str, Counts]:
    """Counts by person (a user id, or `@name` for someone not yet seen), in order of appearance."""
    out: dict[int | str, Counts] = {}
    for task in tasks:
        count_task(out, task, now)
    return out


def count_task(out: dict[int | str, Counts], task: Task, now: datetime) -> list[int | str]:
    """Add one task to the counts per person; returns whose counts it touched, in order."""
    touched: list[int | str] = []
    if task.status == Status.CANCELLED:
        return touched
    if any(uid != task.assigner for uid in task.assignee_ids()):
        out.setdefault(task.assigner, Counts()).handed_out += 1
        touched.append(task.assigner)
    for a in task.assignees:
        key: int | str = a.user_id if a.user_id is not None else f"@{a.username}"
        touched.append(key)
        c = out.setdefault(key, Counts())
        c.assigned += 1
        if a.done_at is not None or task.status == Status.DONE:
            c.done += 1
        elif task.status == Status.CANNOT:
            c.cannot += 1
        else:
            c.open += 1
            if is_overdue(task, now):
                c.overdue += 1
    return touched


#: Where a task stands in the order of an export's tasks (compared as a whole; see `Tally`).
Place = tuple[int, int, float, int]


class Tally:
    """Counts per person of tasks added in any order, each with its place in the export's
    order: `in_order()` lists the people as `person_counts` would have met them had the
    tasks come in that order (so a big export need not hold its tasks to sort them)."""

    def __init__(self) -> None:
        self._counts: dict[int | str, Counts] = {}
        self._first: dict[int | str, tuple[Place, int]] = {}

    def add(self, task: Task, now: datetime, place: Place) -> None:
        for i, key in enumerate(count_task(self._counts, task, now)):
            seen = self._first.get(key)
            if seen is None or (place, i) < seen:
                self._first[key] = (place, i)

    def in_order(self) -> dict[int | str, Counts]:
        return {key: self._counts[key] for key in sorted(self._first, key=self._first.__getitem__)}


def count_rows(counts: dict[int | str, Counts], names: Names) -> list[list[Any]]:
    ordered = sorted(counts.items(), key=lambda kv: -kv[1].assigned)
    rows: list[list[Any]] = []
    for key, c in ordered:
        name = names(key, None) if isinstance(key, int) else key
        rows.append([name, c.assigned, c.done, c.open, c.overdue, c.cannot, c.handed_out])
    return rows


def _local(when: datetime | None, tz: tzinfo) -> datetime | None:
    return None if when is None else when.astimezone(tz).replace(tzinfo=None)


# ----- workbooks --------------------------------------------------------------------------------
_TASK_COLUMNS = (
    ("number", 7),
    ("title", 36),
    ("assigner", 12),
    ("assignees", 20),
    ("created", 17),
    ("due", 17),
    ("priority", 10),
    ("status", 14),
    ("done_at", 17),
    ("notes", 50),
)
_COUNT_COLUMNS = (
    ("person", 14),
    ("assigned", 10),
    ("done", 10),
    ("open", 10),
    ("overdue", 10),
    ("cannot", 10),
    ("handed_out", 10),
)
_COLLECT_COLUMNS = (
    ("name", 14),
    ("username", 14),
    ("phone", 16),
    ("state", 12),
    ("answered_at", 17),
    ("text", 60),
    ("files", 30),
    ("reason", 30),
)


class _Book:
    """An XlsxWriter workbook in memory, with the formats every sheet uses."""

    def __init__(self, title: str) -> None:
        self.buffer = io.BytesIO()
        # Rows go to a temporary file as they are written: ten thousand rows keep no cell
        # objects alive, so making a workbook never sets off a full garbage collection (which
        # would hold up the event loop while this runs in a thread).
        self.book = xlsxwriter.Workbook(self.buffer, {"constant_memory": True})
        self.book.set_properties({"title": title, "creator": "officebot"})
        self.head = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.when = self.book.add_format({"num_format": _DATETIME_FORMAT})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})

    def sheet(
        self,
        name: str,
        columns: Sequence[tuple[str, int]],
        lang: Lang,
        rows: Iterable[Sequence[Any]],
    ) -> int:
        """One sheet: a header from the catalog (reports.col_<name>), then the rows."""
        ws = self.book.add_worksheet(name[:31])
        for col, (key, width) in enumerate(columns):
            ws.write_string(0, col, t_plain(lang, f"reports.col_{key}"), self.head)
            ws.set_column(col, col, width)
        ws.freeze_panes(1, 0)
        count = 0
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                self._cell(ws, r, col, value)
            count = r
        ws.autofilter(0, 0, max(count, 1), len(columns) - 1)
        return count

    def _cell(self, ws: Any, r: int, col: int, value: Any) -> None:
        if value is None or value == "":
            return
        if isinstance(value, datetime):
            ws.write_datetime(r, col, value, self.when)
        elif isinstance(value, bool):
            ws.write_boolean(r, col, value)
        elif isinstance(value, int | float):
            ws.write_number(r, col, value)
        elif "\n" in value:
            ws.write_string(r, col, value, self.wrap)
        else:
            ws.write_string(r, col, value)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def tasks_workbook(
    rows: Iterable[Sequence[Any]], counts: Iterable[Sequence[Any]], lang: Lang, title: str
) -> bytes:
    """Sheet 任务: a row per task; sheet 按人统计: counts per person."""
    book = _Book(title)
    book.sheet(t_plain(lang, "reports.sheet_tasks"), _TASK_COLUMNS, lang, rows)
    book.sheet(t_plain(lang, "reports.sheet_people"), _COUNT_COLUMNS, lang, counts)
    return book.close()


# ----- the big workbook's process --------------------------------------------------------------
#: From this many rows on, `tasks_workbook_apart` makes the workbook in the child process.
APART_FROM = 1000
#: Rows go to the child pickled this many at a time (each a short pickle; see `_packed`).
_CHUNK = 500
_pool_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def tasks_workbook_apart(
    rows: Sequence[Sequence[Any]], counts: Sequence[Sequence[Any]], lang: Lang, title: str
) -> bytes:
    """`tasks_workbook`, made in a child process when there are many rows (blocks the caller's
    thread until it is made; the same workbook either way).

    In a thread it would hold up the event loop: XlsxWriter (constant_memory) writes its rows
    to a temporary file 8 KiB at a time, and a thread that lets go of the interpreter's lock
    for a short write every millisecond and takes it straight back keeps the loop's thread
    from getting it for 100-300 ms at a time (each hand-over restarts the loop thread's 5 ms
    wait before it may ask for the lock). Kept in memory instead, the cells set off full
    garbage collections as long. In a process of its own neither touches the bot.
    """
    if len(rows) < APART_FROM:
        return tasks_workbook(rows, counts, lang, title)
    packed = _packed(rows)
    try:
        return _workbooks().submit(_tasks_workbook_of, packed, counts, lang, title).result()
    except BrokenProcessPool:  # the child died (killed, out of memory): a new one next time
        close_workbooks()
        return tasks_workbook(rows, counts, lang, title)


def start_workbooks() -> None:
    """Start the child process now (it takes a few hundred ms), for a big workbook to come."""
    _workbooks()


def close_workbooks() -> None:
    """Stop the child process, if it was started (the application's post_shutdown; tests)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _workbooks() -> ProcessPoolExecutor:
    """The one child process, started at the first big workbook ("spawn": the bot runs
    threads, which a forked child would copy in whatever state they were)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_ignore_interrupts,
            )
            _pool.submit(_ready)  # the process starts with its first call
        return _pool


def _ready() -> None:
    """In the child: nothing (importing this module, to unpickle it, is the start)."""


def _ignore_interrupts() -> None:
    """Ctrl-C stops the bot, which then stops this child (post_shutdown), not the child itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _packed(rows: Iterable[Sequence[Any]]) -> list[bytes]:
    """The rows as a few pickles of `_CHUNK` rows each: pickling them all at once would hold
    the interpreter's lock (and the event loop) for as long as that takes."""
    out: list[bytes] = []
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == _CHUNK:
            out.append(pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL))
            chunk = []
    if chunk:
        out.append(pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL))
    return out


def _unpacked(packed: Iterable[bytes]) -> Iterator[Sequence[Any]]:
    for data in packed:
        yield from pickle.loads(data)  # our own pickles, from the parent process


def _tasks_workbook_of(
    packed: list[bytes], counts: Sequence[Sequence[Any]], lang: Lang, title: str
) -> bytes:
    """In the child: the workbook of the rows `_packed` made."""
    return tasks_workbook(_unpacked(packed), counts, lang, title)


def member_state_text(member: Member, lang: Lang) -> str:
    if member.state == MemberState.SUBMITTED and member.late:
        return t_plain(lang, "reports.state_late")
    return t_plain(lang, f"reports.state_{member.state.value}")


def collection_rows(c: Collection, tz: tzinfo, lang: Lang) -> list[list[Any]]:
    """姓名 用户名 电话 状态 提交时间 内容 文件 办不了原因, a row per member."""
    rows = []
    for m in c.members:
        texts = [i.text for i in m.items if i.kind == ItemKind.TEXT and i.text]
        files = [
            i.file_name or t_plain(lang, f"reports.kind_{i.kind.value}")
            for i in m.items
            if i.kind != ItemKind.TEXT
        ]
        captions = [i.text for i in m.items if i.kind != ItemKind.TEXT and i.text]
        rows.append(
            [
                m.name,
                f"@{m.username}" if m.username else "",
                m.phone or "",
                member_state_text(m, lang),
                _local(m.answered_at, tz),
                "\n\n".join(texts + captions),
                "\n".join(files),
                m.reason,
            ]
        )
    return rows


def collection_workbook(c: Collection, tz: tzinfo, lang: Lang) -> bytes:
    book = _Book(c.title)
    book.sheet(
        t_plain(lang, "reports.sheet_collect"), _COLLECT_COLUMNS, lang, collection_rows(c, tz, lang)
    )
    return book.close()
