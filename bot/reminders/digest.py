"""What a digest holds and when it goes (pure): the morning digest at each person's digest time
on work days, and the weekly summary (总结) at the end of the last work day of the week.

The morning digest lists the reader's open tasks in four sections — overdue, due today, not yet
acknowledged, the next three days — each grouped by who assigned them, so no leader's task is
forgotten; then, for assigners, what they handed out that is overdue, unacknowledged or
reported as impossible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.tasks.models import Kind, Status, Task
from bot.tasks.rules import is_overdue, open_for
from bot.tasks.rules import queue_key as task_queue_key

SECTIONS = ("overdue", "today", "unacked", "soon")
SOON_DAYS = 3
# How far ahead to look for a person's next work day (a long holiday list is still covered).
_SCAN_DAYS = 400


def digest_clock(value: str | None, default: time) -> time | None:
    """Person.digest_time: "HH:MM", "off" (→ None) or unset/garbled (→ the default)."""
    if value is None or not value.strip():
        return default
    text = value.strip().lower()
    if text == "off":
        return None
    try:
        hh, mm = text.split(":")
        return time(int(hh), int(mm))
    except ValueError:
        return default


def parse_clock(text: str) -> time | None:
    """ "8:30" / "08:30" / "0830" → time(8, 30); anything else → None."""
    raw = text.strip().replace("：", ":")
    if ":" in raw:
        hh, _, mm = raw.partition(":")
    elif raw.isdigit() and len(raw) in (3, 4):
        hh, mm = raw[:-2], raw[-2:]
    else:
        return None
    if not (hh.isdigit() and mm.isdigit()):
        return None
    h, m = int(hh), int(mm)
    if h > 23 or m > 59:
        return None
    return time(h, m)


# ----- /digest --------------------------------------------------------------------------------
class DigestAsk(StrEnum):
    SHOW = "show"  # no argument: the setting as it is, and how to change it
    NOW = "now"  # the digest, now
    OFF = "off"
    ON = "on"  # back to the default time
    QUIET = "quiet"  # nothing to report: nothing sent
    LOUD = "loud"  # nothing to report: one line
    AT = "at"  # a time of day


_WORDS: dict[DigestAsk, tuple[str, ...]] = {
    DigestAsk.NOW: ("now", "现在", "立即"),
    DigestAsk.OFF: ("off", "关", "关闭", "不要"),
    DigestAsk.ON: ("on", "开", "开启"),
    DigestAsk.QUIET: ("quiet", "安静", "静音"),
    DigestAsk.LOUD: ("loud", "提示", "一句话"),
}


@dataclass(frozen=True, slots=True)
class DigestCommand:
    """What `/digest <argument>` asks for."""

    ask: DigestAsk
    at: time | None = None  # with DigestAsk.AT


def read_digest_command(arg: str) -> DigestCommand | None:
    """`/digest`'s argument (already lower-cased); None: not a word or time it knows."""
    text = arg.strip().lower()
    if not text:
        return DigestCommand(DigestAsk.SHOW)
    for ask, words in _WORDS.items():
        if text in words:
            return DigestCommand(ask)
    clock = parse_clock(text)
    return DigestCommand(DigestAsk.AT, clock) if clock is not None else None


def with_digest(person: Person, command: DigestCommand) -> Person:
    """The person with the digest setting the command asks for (SHOW / NOW change nothing)."""
    if command.ask == DigestAsk.OFF:
        return replace(person, digest_time="off")
    if command.ask == DigestAsk.ON:
        return replace(person, digest_time=None)
    if command.ask in (DigestAsk.QUIET, DigestAsk.LOUD):
        return replace(person, digest_loud=command.ask == DigestAsk.LOUD)
    if command.ask == DigestAsk.AT and command.at is not None:
        return replace(person, digest_time=command.at.strftime("%H:%M"))
    return person


# ----- when -------------------------------------------------------------------------------------
def next_digest_at(
    *, clock: time | None, cal: WorkCalendar, last_day: date | None, now: datetime
) -> datetime | None:
    """The next morning digest for a person whose zone and work days `cal` holds.

    On work days only (a public holiday is skipped, a make-up work day 调休 counts); a day
    already sent never twice; a digest missed while the bot was down still goes the same day,
    up to the work-day end. A moment at or before `now` means: due now.
    """
    if clock is None:
        return None
    day = now.astimezone(cal.tz).date()
    for _ in range(_SCAN_DAYS):
        if cal.is_workday(day) and (last_day is None or day > last_day):
            at = datetime.combine(day, clock, tzinfo=cal.tz)
            deadline = datetime.combine(day, cal.workday_end, tzinfo=cal.tz)
            if deadline <= at:
                deadline = at + timedelta(hours=6)
            if now < deadline:
                return at
        day += timedelta(days=1)
    return None


def week_key(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def is_last_workday_of_week(d: date, cal: WorkCalendar) -> bool:
    return cal.is_workday(d) and week_key(cal.next_workday(d)) != week_key(d)


def next_week_at(*, cal: WorkCalendar, last_week: str | None, now: datetime) -> datetime | None:
    """The weekly summary: the work-day end of the week's last work day, once per ISO week
    (still sent over the weekend if the bot was down on Friday evening)."""
    today = now.astimezone(cal.tz).date()
    day = today - timedelta(days=today.weekday())  # this week's Monday: a missed one counts
    for _ in range(21):
        if is_last_workday_of_week(day, cal) and week_key(day) != last_week:
            at = datetime.combine(day, cal.workday_end, tzinfo=cal.tz)
            monday = day + timedelta(days=7 - day.weekday())
            if now < datetime.combine(monday, time(0, 0), tzinfo=cal.tz):
                return at
        day += timedelta(days=1)
    return None


def week_start(now: datetime, tz: tzinfo) -> datetime:
    """Monday 00:00 of the current week, in the reader's zone."""
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0, 0), tzinfo=tz)


# ----- what -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Group:
    assigner: int
    tasks: tuple[Task, ...]


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    groups: tuple[Group, ...]

    @property
    def count(self) -> int:
        return sum(len(g.tasks) for g in self.groups)


@dataclass(frozen=True, slots=True)
class Digest:
    day: date
    sections: tuple[Section, ...]  # only the non-empty ones, in SECTIONS order
    handed: tuple[Task, ...]  # handed out by the reader: overdue, unacknowledged or cannot
    undated: int  # other open tasks with no due time (see /my)

    @property
    def empty(self) -> bool:
        return not self.sections and not self.handed


def _mine(task: Task, user_id: int) -> bool:
    return open_for(task, user_id) and task.status != Status.CANNOT


def _grouped(tasks: list[Task]) -> tuple[Group, ...]:
    """Tasks (already in queue order) grouped by assigner; groups in order of their first task."""
    groups: dict[int, list[Task]] = {}
    for task in tasks:
        groups.setdefault(task.assigner, []).append(task)
    return tuple(Group(assigner, tuple(items)) for assigner, items in groups.items())


def _waits_on_others(task: Task, user_id: int, now: datetime) -> bool:
    if task.finished or task.assigner != user_id or task.kind != Kind.TASK:
        return False
    if task.status == Status.CANNOT:
        return True
    others = [
        a
        for a in task.assignees
        if a.user_id is not None and a.user_id != user_id and a.done_at is None
    ]
    if not others:
        return False
    return is_overdue(task, now) or any(a.acknowledged_at is None for a in others)


def compose_digest(
    user_id: int,
    *,
    mine: Iterable[Task],
    handed: Iterable[Task],
    now: datetime,
    tz: tzinfo,
    calendar: WorkCalendar | None = None,
) -> Digest:
    """The reader's morning digest as of `now` (their zone `tz` decides "today"; `calendar`,
    their work hours, the queue order within a section)."""
    today = now.astimezone(tz).date()

    def queue_key(t: Task) -> tuple[int, float, float, int]:
        return task_queue_key(t, now, calendar)

    buckets: dict[str, list[Task]] = {key: [] for key in SECTIONS}
    undated = 0
    for task in sorted((t for t in mine if _mine(t, user_id)), key=queue_key):
        if task.kind == Kind.REMINDER and task.due is not None and task.due <= now:
            continue  # already reminded at its time
        me = next(a for a in task.assignees if a.user_id == user_id)
        due_day = task.due.astimezone(tz).date() if task.due is not None else None
        if is_overdue(task, now):
            buckets["overdue"].append(task)
        elif due_day == today:
            buckets["today"].append(task)
        elif me.acknowledged_at is None and task.assigner != user_id:
            buckets["unacked"].append(task)
        elif due_day is not None and today < due_day <= today + timedelta(days=SOON_DAYS):
            buckets["soon"].append(task)
        elif due_day is None:
            undated += 1
    sections = tuple(Section(key, _grouped(buckets[key])) for key in SECTIONS if buckets[key])
    waiting = sorted((t for t in handed if _waits_on_others(t, user_id, now)), key=queue_key)
    return Digest(today, sections, tuple(waiting), undated)


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    done: tuple[Task, ...]  # what the reader finished this week, in the order finished
    still_open: tuple[Task, ...]  # their open tasks, most pressing first
    handed_done: int  # handed out by them, finished this week
    handed_open: int  # handed out by them, still open

    @property
    def empty(self) -> bool:
        return not (self.done or self.still_open or self.handed_done or self.handed_open)


def _done_at(task: Task, user_id: int) -> datetime | None:
    mine = next((a for a in task.assignees if a.user_id == user_id), None)
    if mine is None:
        return None
    if mine.done_at is not None:
        return mine.done_at
    return task.updated_at if task.status == Status.DONE else None


def _handed_to_others(task: Task, user_id: int) -> bool:
    return task.assigner == user_id and any(uid != user_id for uid in task.assignee_ids())


def compose_week(
    user_id: int,
    *,
    finished: Iterable[Task],
    live: Iterable[Task],
    now: datetime,
    tz: tzinfo,
    calendar: WorkCalendar | None = None,
) -> Week:
    """The weekly summary: `finished` are archived tasks the reader took part in (this week or
    later), `live` their live tasks as assignee or assigner."""
    start = week_start(now, tz)
    live_list = list(live)
    done: dict[int, tuple[datetime, Task]] = {}
    handed_done = 0
    for task in finished:
        when = _done_at(task, user_id) if task.status == Status.DONE else None
        if when is not None and start <= when <= now:
            done[task.number] = (when, task)
        if (
            _handed_to_others(task, user_id)
            and task.status == Status.DONE
            and task.updated_at is not None
            and start <= task.updated_at <= now
        ):
            handed_done += 1
    for task in live_list:
        mine = next((a for a in task.assignees if a.user_id == user_id), None)
        if mine is not None and mine.done_at is not None and start <= mine.done_at <= now:
            done[task.number] = (mine.done_at, task)
    still_open = sorted(
        (
            t
            for t in live_list
            if open_for(t, user_id)
            and not (t.kind == Kind.REMINDER and t.due is not None and t.due <= now)
        ),
        key=lambda t: task_queue_key(t, now, calendar),
    )
    handed_open = sum(1 for t in live_list if _handed_to_others(t, user_id) and not t.finished)
    ordered = tuple(task for _, task in sorted(done.values(), key=lambda p: (p[0], p[1].number)))
    return Week(start.date(), ordered, tuple(still_open), handed_done, handed_open)


__all__ = [
    "SECTIONS",
    "Digest",
    "DigestAsk",
    "DigestCommand",
    "Group",
    "Section",
    "Week",
    "compose_digest",
    "compose_week",
    "digest_clock",
    "next_digest_at",
    "next_week_at",
    "parse_clock",
    "read_digest_command",
    "week_key",
    "week_start",
    "with_digest",
]
