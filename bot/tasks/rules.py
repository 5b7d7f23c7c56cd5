"""Task rules (pure): queue order (轻重缓急), who may do what, and state transitions.

Every transition takes `now` and returns a new Task with the event logged; it raises
`TaskRefused` with a catalog key when the move is not allowed, so handlers can say why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bot.core.workdays import WorkCalendar
from bot.tasks.models import FINISHED, Assignee, Kind, Priority, Status, Task, TaskEvent

UNDO_WINDOW = timedelta(minutes=10)
SNOOZED = "snoozed_self"  # the event of a personal snooze (see `snooze`)
MAX_TITLE = 500
PAGE_SIZE = 10  # tasks on a page of /my
ASSIGNED_SHOWN = 20  # tasks listed by /assigned
_TASK_NUMBER_RE = re.compile(r"#\s*(\d{1,9})\b")
_NUMBER_FIRST_RE = re.compile(r"\s*#?\s*(\d{1,9})\b\s*(.*)$", re.S)
_HASH_FIRST_RE = re.compile(r"\s*#\s*(\d{1,9})(?!\d)\s*(.*)$", re.S)
T = TypeVar("T")
U = TypeVar("U")


class TaskRefused(Exception):
    """A move the rules do not allow; `key` is the catalog message (tasks.<key>)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class Action(StrEnum):
    ACK = "ack"
    DONE = "done"
    SNOOZE = "snooze"
    HAND_OVER = "hand"
    CANNOT = "cannot"
    REPORT = "report"
    UNDO = "undo"
    CHANGE_DUE = "due"
    REASSIGN = "reassign"
    CANCEL = "cancel"
    KEEP = "keep"
    NUDGE = "nudge"
    ASK_REASSIGN = "ask"
    VIEW = "view"
    RENAME = "rename"
    PRIORITY = "priority"
    EXTEND = "extend"  # 申请延期 (an assignee asks for more time)
    ANSWER_EXTENSION = "answer_extension"  # 同意 / 改个时间 / 不同意 (the assigner)
    REVERT = "revert"  # 撤销 what one just did (收到, 完成, 办不了, 汇报) within ten minutes


# Who may take each action: the assignees do the work; the assigner (the task's leader) and
# admins steer it. Admins may also do what an assignee may, to unstick a task — except snooze,
# which is personal (spec/conversations.md "Who may change what": the deadline is the
# assigner's, a snooze only brings the task back to the one who snoozed it).
_ASSIGNEE_ACTIONS = {
    Action.ACK,
    Action.DONE,
    Action.SNOOZE,
    Action.HAND_OVER,
    Action.CANNOT,
    Action.REPORT,
    Action.ASK_REASSIGN,
    Action.VIEW,
    Action.EXTEND,
    Action.REVERT,
}
_ASSIGNER_ACTIONS = {
    Action.DONE,
    Action.UNDO,
    Action.CHANGE_DUE,
    Action.REASSIGN,
    Action.CANCEL,
    Action.KEEP,
    Action.NUDGE,
    Action.VIEW,
    Action.RENAME,
    Action.PRIORITY,
    Action.ANSWER_EXTENSION,
    Action.REVERT,
}
_ADMIN_ACTIONS = _ASSIGNER_ACTIONS | {Action.HAND_OVER, Action.CANNOT, Action.REPORT}


def is_participant(task: Task, user_id: int) -> bool:
    return user_id in task.participants()


def may(task: Task, user_id: int, action: Action, *, is_admin: bool = False) -> bool:
    """Whether `user_id` may take `action` on `task`."""
    if user_id in task.assignee_ids() and action in _ASSIGNEE_ACTIONS:
        return True
    if user_id == task.assigner and action in _ASSIGNER_ACTIONS:
        return True
    return is_admin and action in _ADMIN_ACTIONS


def check(task: Task, user_id: int, action: Action, *, is_admin: bool = False) -> None:
    """Raise TaskRefused unless allowed; strangers learn nothing about the task."""
    if not may(task, user_id, action, is_admin=is_admin):
        if not is_participant(task, user_id) and not is_admin:
            raise TaskRefused("not_yours", number=task.number)
        raise TaskRefused(f"refused_{action.value}", number=task.number)
    if task.finished and action not in (Action.VIEW,):
        raise TaskRefused(f"already_{task.status.value}", number=task.number)


def is_overdue(task: Task, now: datetime) -> bool:
    return task.due is not None and task.due < now and not task.finished


class Urgency(StrEnum):
    """Why a task is where it is in the queue (the line's marker), most pressing first."""

    OVERDUE = "overdue"  # 🔴 逾期
    SOON = "soon"  # ⏳ due within the next SOON_WORK_MINUTES of work time
    URGENT = "urgent"  # marked 急/紧急
    TODAY = "today"  # 📅 due today
    HIGH = "high"  # marked 尽快/重要/优先
    LATER = "later"  # the rest, by due time
    LOW = "low"  # marked 不急 and undated: last


# The order's tiers (docs/REMINDERS.md): the clock as well as the words decide.
_TIER: dict[Urgency, int] = {
    Urgency.OVERDUE: 0,
    Urgency.SOON: 1,
    Urgency.URGENT: 1,
    Urgency.TODAY: 2,
    Urgency.HIGH: 2,
    Urgency.LATER: 3,
    Urgency.LOW: 4,
}
SOON_WORK_MINUTES = 120
_OFFICE = WorkCalendar()  # when no calendar is given: Asia/Shanghai, 09:00-18:00


def urgency(task: Task, now: datetime, calendar: WorkCalendar | None = None) -> Urgency:
    """How pressing a task is now (its tier in the queue, and the reason shown for it)."""
    cal = calendar or _OFFICE
    due = task.due
    if is_overdue(task, now):
        return Urgency.OVERDUE
    if due is not None and due <= cal.add_work_minutes(now, SOON_WORK_MINUTES):
        return Urgency.SOON
    if task.priority == Priority.URGENT:
        return Urgency.URGENT
    if due is not None and due.astimezone(cal.tz).date() == now.astimezone(cal.tz).date():
        return Urgency.TODAY
    if task.priority == Priority.HIGH:
        return Urgency.HIGH
    if due is None and task.priority == Priority.LOW:
        return Urgency.LOW
    return Urgency.LATER


def queue_key(
    task: Task, now: datetime, calendar: WorkCalendar | None = None
) -> tuple[int, float, float, int]:
    """轻重缓急: overdue first; then what is due within the next 2 work hours or marked
    urgent; then what is due today or marked 尽快/重要; then the rest by due time; undated
    不急 last. Within a tier by due time (undated after dated), then by creation."""
    due_ts = task.due.timestamp() if task.due is not None else float("inf")
    return (
        _TIER[urgency(task, now, calendar)],
        due_ts,
        task.created_at.timestamp(),
        task.number,
    )


def order_queue(
    tasks: Iterable[Task], now: datetime, calendar: WorkCalendar | None = None
) -> list[Task]:
    """One person's open tasks in 轻重缓急 order (`queue_key`)."""
    live = (t for t in tasks if not t.finished)
    return sorted(live, key=lambda t: queue_key(t, now, calendar))


def open_for(task: Task, user_id: int) -> bool:
    """The task still asks something of this assignee."""
    if task.finished:
        return False
    return any(a.user_id == user_id and a.done_at is None for a in task.assignees)


def log_event(
    task: Task, now: datetime, actor: int, action: str, note: str = "", **data: Any
) -> Task:
    event = TaskEvent(at=now, actor=actor, action=action, note=note, data=data)
    return replace(task, events=(*task.events, event), updated_at=now)


def with_assignee(task: Task, user_id: int, **changes: Any) -> Task:
    assignees = tuple(replace(a, **changes) if a.user_id == user_id else a for a in task.assignees)
    return replace(task, assignees=assignees)


def acknowledge(task: Task, user_id: int, now: datetime) -> Task:
    """收到: the assignee has seen it. Twice is a no-op (TaskRefused 'already_acked')."""
    check(task, user_id, Action.ACK)
    mine = next(a for a in task.assignees if a.user_id == user_id)
    if mine.acknowledged_at is not None:
        raise TaskRefused("already_acked", number=task.number)
    task = with_assignee(task, user_id, acknowledged_at=now)
    if task.status == Status.OPEN:
        task = replace(task, status=Status.ACKNOWLEDGED)
    return log_event(task, now, user_id, "acknowledged")


def complete(
    task: Task, user_id: int, now: datetime, note: str = "", *, is_admin: bool = False
) -> Task:
    """完成: an assignee's part is done; the task is done when every assignee's part is.

    The assigner or an admin completing it closes it for everyone.
    """
    check(task, user_id, Action.DONE, is_admin=is_admin)
    if user_id in task.assignee_ids():
        mine = next(a for a in task.assignees if a.user_id == user_id)
        if mine.done_at is not None:
            raise TaskRefused("already_done", number=task.number)
        task = with_assignee(
            task, user_id, done_at=now, acknowledged_at=mine.acknowledged_at or now
        )
        all_done = all(a.done_at is not None for a in task.assignees if a.user_id is not None)
        pending = any(a.user_id is None for a in task.assignees)
        if all_done and not pending:
            task = replace(task, status=Status.DONE)
        elif task.status in (Status.OPEN, Status.CANNOT):
            task = replace(task, status=Status.ACKNOWLEDGED)
    else:
        task = replace(
            task,
            status=Status.DONE,
            assignees=tuple(replace(a, done_at=a.done_at or now) for a in task.assignees),
        )
    return log_event(task, now, user_id, "done", note)


def cannot(task: Task, user_id: int, now: datetime, report: str, *, is_admin: bool = False) -> Task:
    """办不了: what was found and what is suggested; waits for the assigner's decision."""
    check(task, user_id, Action.CANNOT, is_admin=is_admin)
    if task.own:
        raise TaskRefused("cannot_own", number=task.number)
    if not report.strip():
        raise TaskRefused("report_empty", number=task.number)
    task = replace(task, status=Status.CANNOT)
    return log_event(task, now, user_id, "cannot", report.strip())


def report(task: Task, user_id: int, now: datetime, text: str, *, is_admin: bool = False) -> Task:
    """汇报: a progress note to the assigner; changes no state."""
    check(task, user_id, Action.REPORT, is_admin=is_admin)
    if not text.strip():
        raise TaskRefused("report_empty", number=task.number)
    return log_event(task, now, user_id, "reported", text.strip())


def snooze(task: Task, user_id: int, now: datetime, until: datetime) -> Task:
    """推迟, for the one who snoozes: the task sleeps in their reminders and /next until
    `until`. The deadline, the other assignees and the assigner are untouched."""
    check(task, user_id, Action.SNOOZE)
    if not open_for(task, user_id):
        raise TaskRefused("already_done", number=task.number)
    if until <= now:
        raise TaskRefused("snooze_past", number=task.number)
    task = with_assignee(task, user_id, snoozed_until=until)
    return log_event(task, now, user_id, SNOOZED, until=until.isoformat())


def snoozed_until(task: Task, user_id: int, now: datetime) -> datetime | None:
    """Until when this person has put the task off (None: not, or that time has come)."""
    mine = task.assignee(user_id)
    until = mine.snoozed_until if mine is not None else None
    return until if until is not None and until > now else None


def snooze_is_late(task: Task, until: datetime) -> bool:
    """Snoozing to `until` would leave the task late: the bot says so before it does it."""
    return task.due is not None and until > task.due and not task.finished


def wake_up(task: Task, now: datetime) -> Task:
    """Snoozes whose time has come are over (the reminders bring the task back then)."""
    if not any(a.snoozed_until is not None and a.snoozed_until <= now for a in task.assignees):
        return task
    assignees = tuple(
        replace(a, snoozed_until=None)
        if a.snoozed_until is not None and a.snoozed_until <= now
        else a
        for a in task.assignees
    )
    return replace(task, assignees=assignees)


def change_due(
    task: Task, user_id: int, now: datetime, due: datetime, *, is_admin: bool = False
) -> Task:
    """改期 (the assigner or an admin): the deadline itself; reminders start over from it."""
    check(task, user_id, Action.CHANGE_DUE, is_admin=is_admin)
    if due <= now:
        raise TaskRefused("snooze_past", number=task.number)
    if task.due == due:
        raise TaskRefused("unchanged", number=task.number)
    old = task.due.isoformat() if task.due is not None else None
    task = replace(task, due=due, reminder_state={})
    return log_event(task, now, user_id, "due_changed", data_due=due.isoformat(), old_due=old)


def hand_over(
    task: Task, user_id: int, to_user: int, now: datetime, *, is_admin: bool = False
) -> Task:
    """转交: the acting assignee's part goes to a colleague."""
    check(task, user_id, Action.HAND_OVER, is_admin=is_admin)
    if to_user in task.assignee_ids():
        raise TaskRefused("already_assignee", number=task.number)
    giver = user_id if user_id in task.assignee_ids() else task.assignee_ids()[0]
    assignees = tuple(
        Assignee(user_id=to_user) if a.user_id == giver else a for a in task.assignees
    )
    task = replace(task, assignees=assignees, reminder_state={})
    if task.status == Status.CANNOT:
        task = replace(task, status=Status.OPEN)
    task = recompute_status(task)
    return log_event(task, now, user_id, "handed_over", data_from=giver, data_to=to_user)


def reassign(
    task: Task, user_id: int, to_user: int, now: datetime, *, is_admin: bool = False
) -> Task:
    """The assigner gives it to someone else (after 办不了 or 请示另安排).

    Whoever reported it cannot (or asked) is replaced; otherwise the first open assignee.
    """
    check(task, user_id, Action.REASSIGN, is_admin=is_admin)
    if to_user in task.assignee_ids():
        raise TaskRefused("already_assignee", number=task.number)
    leaving = last_asker(task)
    if leaving is None or leaving not in task.assignee_ids():
        open_ids = [
            a.user_id for a in task.assignees if a.user_id is not None and a.done_at is None
        ]
        leaving = open_ids[0] if open_ids else None
    if leaving is None:
        assignees = (*task.assignees, Assignee(user_id=to_user))
    else:
        assignees = tuple(
            Assignee(user_id=to_user) if a.user_id == leaving else a for a in task.assignees
        )
    task = replace(task, assignees=assignees, status=Status.OPEN, reminder_state={})
    task = recompute_status(task)
    return log_event(task, now, user_id, "reassigned", data_from=leaving, data_to=to_user)


def waiting_decision(task: Task) -> int | None:
    """Who waits for the assigner's decision (办不了 or 请示另安排), if they still have it."""
    asker = last_asker(task)
    return asker if asker is not None and open_for(task, asker) else None


def last_asker(task: Task) -> int | None:
    for event in reversed(task.events):
        if event.action in ("cannot", "asked_reassign", "left_group"):
            return event.actor
        if event.action in ("reassigned", "kept", "handed_over"):
            return None
        if event.action == "reverted" and event.data.get("what") in ("cannot", "asked_reassign"):
            return None
    return None


def ask_reassign(task: Task, user_id: int, now: datetime) -> Task:
    """请示另安排: the assignee asks the assigner to give it to someone else."""
    check(task, user_id, Action.ASK_REASSIGN)
    if task.own:
        raise TaskRefused("cannot_own", number=task.number)
    return log_event(task, now, user_id, "asked_reassign")


def keep(task: Task, user_id: int, now: datetime, *, is_admin: bool = False) -> Task:
    """The assigner keeps it with the same person after 办不了 (or 请示另安排): only while
    that person still has it and nobody has decided yet."""
    check(task, user_id, Action.KEEP, is_admin=is_admin)
    if waiting_decision(task) is None:
        raise TaskRefused("nothing_to_decide", number=task.number)
    task = recompute_status(replace(task, status=Status.OPEN))
    return log_event(task, now, user_id, "kept")


def cancel(
    task: Task, user_id: int, now: datetime, reason: str = "", *, is_admin: bool = False
) -> Task:
    """取消 (the assigner or an admin), with the reason if one was given."""
    check(task, user_id, Action.CANCEL, is_admin=is_admin)
    cancelled = replace(task, status=Status.CANCELLED)
    return log_event(cancelled, now, user_id, "cancelled", reason.strip())


def undo(task: Task, user_id: int, now: datetime, *, is_admin: bool = False) -> Task:
    """撤销 within 10 minutes of creation: the task is cancelled as if never given."""
    check(task, user_id, Action.UNDO, is_admin=is_admin)
    if now - task.created_at > UNDO_WINDOW:
        raise TaskRefused("undo_expired", number=task.number)
    return log_event(replace(task, status=Status.CANCELLED), now, user_id, "undone")


def nudge(task: Task, user_id: int, now: datetime, *, is_admin: bool = False) -> Task:
    """催办: the assigner nudges the assignees who have not finished."""
    check(task, user_id, Action.NUDGE, is_admin=is_admin)
    return log_event(task, now, user_id, "nudged")


def bind_username(task: Task, username: str, user_id: int, now: datetime) -> Task:
    """A pending @username became a known person: the task is now theirs."""
    uname = username.lower()
    if user_id in task.assignee_ids():
        assignees = tuple(
            a for a in task.assignees if not (a.user_id is None and (a.username or "") == uname)
        )
    else:
        assignees = tuple(
            Assignee(user_id=user_id, username=a.username)
            if a.user_id is None and (a.username or "") == uname
            else a
            for a in task.assignees
        )
    return log_event(replace(task, assignees=assignees), now, user_id, "bound", data_username=uname)


def recompute_status(task: Task) -> Task:
    if task.status in FINISHED or task.status == Status.CANNOT:
        return task
    known = [a for a in task.assignees if a.user_id is not None]
    acked = known and all(a.acknowledged_at is not None for a in known)
    return replace(task, status=Status.ACKNOWLEDGED if acked else Status.OPEN)


def assignee_state(task: Task, a: Assignee, now: datetime) -> str:
    """For /assigned: pending, not_acked, acked, overdue, done, cannot, cancelled."""
    if task.status == Status.CANCELLED:
        return "cancelled"
    if a.user_id is None:
        return "pending"
    if a.done_at is not None:
        return "done"
    if task.status == Status.CANNOT and last_asker(task) == a.user_id:
        return "cannot"
    if is_overdue(task, now):
        return "overdue"
    return "acked" if a.acknowledged_at is not None else "not_acked"


# ----- reading what people type -------------------------------------------------------------
def number_in(text: str) -> int | None:
    """The first `#n` in a text (a task card, a prompt, a reminder)."""
    m = _TASK_NUMBER_RE.search(text)
    return int(m.group(1)) if m else None


def numbers_in(text: str) -> list[int]:
    """Every `#n` in a text, once each, in order (a digest names several)."""
    return list(dict.fromkeys(int(m.group(1)) for m in _TASK_NUMBER_RE.finditer(text)))


def hash_number_first(text: str) -> tuple[int | None, str]:
    """`#12 已报送` → (12, "已报送"); only with the '#' (a reply may start with a time)."""
    m = _HASH_FIRST_RE.match(text)
    if m:
        return int(m.group(1)), m.group(2).strip()
    return None, text.strip()


def split_number(text: str) -> tuple[int | None, str]:
    """`#12 已报送` → (12, "已报送"); text without a leading number → (None, text)."""
    m = _NUMBER_FIRST_RE.match(text)
    if m:
        return int(m.group(1)), m.group(2).strip()
    return None, text.strip()


def username_in(answer: str) -> str:
    """The @username a reply to "转交给谁？" names: its first word, without the '@'."""
    words = answer.lstrip("@").split()
    return words[0] if words else ""


# ----- snoozing by button -------------------------------------------------------------------
class SnoozeOption(StrEnum):
    """The times of the 推迟 menu."""

    HOUR = "1h"  # 1 小时后
    AFTERNOON = "pm"  # 今天下午 (14:00)
    TOMORROW = "tam"  # 明天上午 (the start of work)
    MONDAY = "mon"  # 下周一 (the start of work)


AFTERNOON_AT = time(14, 0)


def snooze_options(local_now: datetime) -> list[SnoozeOption]:
    """The menu as it stands now: "this afternoon" only while it is still to come."""
    options = list(SnoozeOption)
    if local_now.hour >= AFTERNOON_AT.hour:
        options.remove(SnoozeOption.AFTERNOON)
    return options


def snooze_target(
    option: SnoozeOption,
    now: datetime,
    tz: tzinfo,
    workday_start: time,
    workday_on_or_after: Callable[[date], date] | None = None,
) -> datetime | None:
    """When a snooze button means, in the person's zone (None: that time has passed).

    下周一 is the first work day of next week (a Monday holiday moves it on), when the work
    calendar is given."""
    local = now.astimezone(tz)
    if option == SnoozeOption.HOUR:
        return now + timedelta(hours=1)
    if option == SnoozeOption.AFTERNOON:
        at = local.replace(
            hour=AFTERNOON_AT.hour, minute=AFTERNOON_AT.minute, second=0, microsecond=0
        )
        return at if at > local else None
    days = 1 if option == SnoozeOption.TOMORROW else 7 - local.weekday()
    day = (local + timedelta(days=days)).date()
    if option == SnoozeOption.MONDAY and workday_on_or_after is not None:
        day = workday_on_or_after(day)
    return datetime.combine(day, workday_start, tzinfo=tz)


# ----- lists --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, which page (0-based) of how many, and the list's size."""

    items: tuple[T, ...]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page < self.pages - 1

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        return Page(tuple(fn(item) for item in self.items), self.page, self.pages, self.total)


def page_of(items: Sequence[T], page: int, size: int = PAGE_SIZE) -> Page[T]:
    """The page asked for, kept within the list (an old « » button may point past its end)."""
    pages = max(1, (len(items) + size - 1) // size)
    page = min(max(page, 0), pages - 1)
    return Page(tuple(items[page * size : (page + 1) * size]), page, pages, len(items))


def waits_on(task: Task) -> bool:
    """/assigned offers 催办 while a known assignee has not finished."""
    return any(a.done_at is None and a.user_id is not None for a in task.assignees)


def handed_out(
    tasks: Iterable[Task], user_id: int, now: datetime, calendar: WorkCalendar | None = None
) -> list[Task]:
    """/assigned: what the person gave to others (not notes to themselves), in queue order."""
    theirs = [t for t in tasks if set(t.assignee_ids()) != {user_id}]
    return sorted(theirs, key=lambda t: queue_key(t, now, calendar))


# ----- prompts ------------------------------------------------------------------------------
class Prompt(StrEnum):
    """The questions the bot asks with ForceReply; the answer is read by its kind."""

    CANNOT = "cannot"
    SNOOZE = "snooze"
    DUE = "due"
    HAND = "hand"
    REASSIGN = "reassign"
    REPORT = "report"
    RENAME = "rename"
    EXTEND = "extend"  # 申请延期到什么时候、为什么
    OTHER_TIME = "other_time"  # the assigner's 改个时间 for a request for more time

    @property
    def action(self) -> Action:
        """What answering it does (and so who may be asked)."""
        return _PROMPT_ACTIONS[self]


_PROMPT_ACTIONS = {
    Prompt.CANNOT: Action.CANNOT,
    Prompt.SNOOZE: Action.SNOOZE,
    Prompt.DUE: Action.CHANGE_DUE,
    Prompt.HAND: Action.HAND_OVER,
    Prompt.REASSIGN: Action.REASSIGN,
    Prompt.REPORT: Action.REPORT,
    Prompt.RENAME: Action.RENAME,
    Prompt.EXTEND: Action.EXTEND,
    Prompt.OTHER_TIME: Action.ANSWER_EXTENSION,
}


def parses_as_reminder(action: Action, task: Task | None) -> bool:
    """A snooze says when to pick it up again (明天上午 → 09:00, like a reminder); a new due time
    is a deadline (明天上午 → by 12:00), except for reminders themselves."""
    return action == Action.SNOOZE or (task is not None and task.kind == Kind.REMINDER)
