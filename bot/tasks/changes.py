"""Changing a task after it was given (pure): the assigner's changes (title, priority, people),
requests for more time and their answers, taking back what one just did, and whether a decision
made on an older message still fits the task as it is now.

Like the transitions in bot/tasks/rules.py each takes `now`, returns a new Task with the event
logged, and raises `TaskRefused` (a catalog key) when the move is not allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.tasks.models import Assignee, Priority, Status, Task, TaskEvent
from bot.tasks.rules import (
    MAX_TITLE,
    UNDO_WINDOW,
    Action,
    TaskRefused,
    check,
    last_asker,
    log_event,
    open_for,
    recompute_status,
)

# What the people say for each priority (`/priority #3 急`, 轻重缓急 in the spec's words).
PRIORITY_WORDS: dict[str, Priority] = {
    "急": Priority.URGENT,
    "紧急": Priority.URGENT,
    "特急": Priority.URGENT,
    "urgent": Priority.URGENT,
    "尽快": Priority.HIGH,
    "重要": Priority.HIGH,
    "high": Priority.HIGH,
    "asap": Priority.HIGH,
    "一般": Priority.NORMAL,
    "普通": Priority.NORMAL,
    "normal": Priority.NORMAL,
    "不急": Priority.LOW,
    "不紧急": Priority.LOW,
    "low": Priority.LOW,
}


def priority_named(word: str) -> Priority | None:
    return PRIORITY_WORDS.get(word.strip().lower().rstrip("。.!！"))


# ----- the assigner's changes ---------------------------------------------------------------
def rename(task: Task, user_id: int, now: datetime, title: str, *, is_admin: bool = False) -> Task:
    """改标题."""
    check(task, user_id, Action.RENAME, is_admin=is_admin)
    title = " ".join(title.split())
    if not title:
        raise TaskRefused("rename_empty", number=task.number)
    if len(title) > MAX_TITLE:
        raise TaskRefused("title_too_long", limit=MAX_TITLE)
    if title == task.title:
        raise TaskRefused("unchanged", number=task.number)
    old = task.title
    return log_event(replace(task, title=title), now, user_id, "renamed", old=old, new=title)


def set_priority(
    task: Task, user_id: int, now: datetime, priority: Priority, *, is_admin: bool = False
) -> Task:
    """轻重缓急: 急 / 尽快 / 一般 / 不急."""
    check(task, user_id, Action.PRIORITY, is_admin=is_admin)
    if priority == task.priority:
        raise TaskRefused("unchanged", number=task.number)
    old = task.priority
    task = replace(task, priority=priority, reminder_state={})
    return log_event(task, now, user_id, "priority_changed", old=old.value, new=priority.value)


def _same(a: Assignee, b: Assignee) -> bool:
    if a.user_id is not None or b.user_id is not None:
        return a.user_id == b.user_id
    return (a.username or "") == (b.username or "")


def _label(a: Assignee) -> int | str:
    return a.user_id if a.user_id is not None else f"@{a.username}"


def set_people(
    task: Task,
    user_id: int,
    now: datetime,
    people: Sequence[Assignee],
    *,
    add: bool,
    is_admin: bool = False,
) -> Task:
    """改派: the task's people become `people` (or gain them, with `add`). Whoever stays keeps
    what they did (收到, their part done); whoever comes new starts afresh."""
    check(task, user_id, Action.REASSIGN, is_admin=is_admin)
    if not people:
        raise TaskRefused("reassign_nobody", number=task.number)
    staying = [a for a in task.assignees if add or any(_same(a, p) for p in people)]
    coming = [p for p in people if not any(_same(p, a) for a in task.assignees)]
    leaving = [a for a in task.assignees if not any(_same(a, s) for s in staying)]
    if not coming and not leaving:
        raise TaskRefused("already_assignee", number=task.number)
    assignees = (*staying, *coming)
    status = task.status
    if status == Status.CANNOT and last_asker(task) not in [a.user_id for a in staying]:
        status = Status.OPEN
    changed = replace(task, assignees=assignees, status=status, reminder_state={})
    changed = recompute_status(changed)
    return log_event(
        changed,
        now,
        user_id,
        "reassigned",
        added=[_label(a) for a in coming],
        removed=[_label(a) for a in leaving],
    )


# ----- more time (申请延期) ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Extension:
    """A request for more time that waits for the assigner's answer."""

    rev: int  # the task's revision right after the request: its buttons carry it
    asker: int
    until: datetime
    reason: str
    at: datetime


# After any of these a request for more time waits no more.
_ENDS_REQUEST = frozenset({"due_changed", "extension_declined", "cancelled", "undone"})


def pending_extension(task: Task) -> Extension | None:
    """The request for more time the assigner has still to answer (None: there is none)."""
    if task.finished:
        return None
    for index in range(len(task.events) - 1, -1, -1):
        event = task.events[index]
        if event.action in _ENDS_REQUEST:
            return None
        if event.action == "extension_asked":
            if not open_for(task, event.actor):
                return None
            until = datetime.fromisoformat(str(event.data["until"]))
            return Extension(index + 1, event.actor, until, event.note, event.at)
    return None


def ask_extension(task: Task, user_id: int, now: datetime, until: datetime, reason: str) -> Task:
    """申请延期: an assignee asks the assigner to move the deadline to `until`."""
    check(task, user_id, Action.EXTEND)
    if not open_for(task, user_id):
        raise TaskRefused("already_done", number=task.number)
    if task.own:
        raise TaskRefused("extend_own", number=task.number)
    if task.due is None:
        raise TaskRefused("extend_no_due", number=task.number)
    if until <= now:
        raise TaskRefused("snooze_past", number=task.number)
    if until <= task.due:
        raise TaskRefused("extend_not_later", number=task.number)
    note = " ".join(reason.split())[:MAX_TITLE]
    return log_event(task, now, user_id, "extension_asked", note, until=until.isoformat())


def answer_extension(
    task: Task,
    user_id: int,
    now: datetime,
    rev: int | None,
    *,
    approve: bool,
    until: datetime | None = None,
    is_admin: bool = False,
) -> Task:
    """同意 (to the time asked, or to `until`: 改个时间) or 不同意 the request made at `rev`
    (None: whichever waits). An approval moves the deadline; a refusal leaves it."""
    check(task, user_id, Action.ANSWER_EXTENSION, is_admin=is_admin)
    request = pending_extension(task)
    if request is None or (rev is not None and request.rev != rev):
        raise TaskRefused("extension_settled", number=task.number)
    if not approve:
        return log_event(task, now, user_id, "extension_declined", asked=request.rev)
    due = until or request.until
    if due <= now:
        raise TaskRefused("snooze_past", number=task.number)
    old = task.due.isoformat() if task.due is not None else None
    moved = replace(task, due=due, reminder_state={})
    # Logged as the due change it is: the reminders start over from it.
    return log_event(
        moved,
        now,
        user_id,
        "due_changed",
        data_due=due.isoformat(),
        old_due=old,
        extension=request.rev,
    )


# ----- taking back what one just did (撤销) ----------------------------------------------------
#: What can be taken back within ten minutes, by whoever did it.
REVERTIBLE = frozenset({"acknowledged", "done", "cannot", "reported"})


def reverted_event(task: Task, user_id: int, now: datetime, rev: int) -> TaskEvent:
    """The act made at revision `rev` (its button carries it) if `user_id` may take it back."""
    index = rev - 1
    event = task.events[index] if 0 <= index < len(task.events) else None
    if event is None or event.action not in REVERTIBLE or event.actor != user_id:
        raise TaskRefused("revert_nothing", number=task.number)
    if any(e.action == "reverted" and e.data.get("index") == index for e in task.events):
        raise TaskRefused("revert_nothing", number=task.number)
    if now - event.at > UNDO_WINDOW:
        raise TaskRefused("revert_expired", number=task.number)
    if task.status == Status.CANCELLED:
        raise TaskRefused("already_cancelled", number=task.number)
    later = task.events[rev:]
    if event.action == "cannot" and (task.status != Status.CANNOT or last_asker(task) != user_id):
        raise TaskRefused("revert_decided", number=task.number)
    if event.action == "done" and task.recurrence and task.finished:
        raise TaskRefused("revert_expired", number=task.number)
    if event.action == "acknowledged" and any(e.actor == user_id for e in later):
        raise TaskRefused("revert_nothing", number=task.number)
    return event


def revert(task: Task, user_id: int, now: datetime, rev: int) -> Task:
    """撤销 the act made at revision `rev`: the task as if it had not been done."""
    if user_id not in task.participants():
        raise TaskRefused("not_yours", number=task.number)
    event = reverted_event(task, user_id, now, rev)
    if event.action == "acknowledged":
        task = _unacknowledge(task, user_id)
    elif event.action == "done":
        task = _undone(task, event)
    elif event.action == "cannot":
        task = recompute_status(replace(task, status=Status.OPEN))
    return log_event(task, now, user_id, "reverted", index=rev - 1, what=event.action)


def _unacknowledge(task: Task, user_id: int) -> Task:
    assignees = tuple(
        replace(a, acknowledged_at=None) if a.user_id == user_id else a for a in task.assignees
    )
    return recompute_status(replace(task, assignees=assignees))


def _undone(task: Task, event: TaskEvent) -> Task:
    """Parts marked done by this event are open again (an assigner's close: every part)."""
    mine = event.actor in task.assignee_ids()
    assignees = tuple(
        replace(a, done_at=None)
        if (a.user_id == event.actor if mine else a.done_at == event.at)
        else a
        for a in task.assignees
    )
    status = Status.ACKNOWLEDGED if task.status == Status.DONE else task.status
    return recompute_status(replace(task, assignees=assignees, status=status))


# ----- does an older decision still fit? -------------------------------------------------------
# A decision made on a message (仍由原人办理, 交给别人, 取消, …) is about the task as it stood when
# the message was made; any of these since then means it no longer is.
_UNSETTLING = frozenset(
    {
        "handed_over",
        "reassigned",
        "kept",
        "cancelled",
        "undone",
        "done",
        "cannot",
        "asked_reassign",
        "reverted",
    }
)


def unsettled_by(task: Task, rev: int | None) -> TaskEvent | None:
    """What happened since revision `rev` that a decision made then did not see (None: the
    task is as it was, or the button is older than revisions and is checked as things are)."""
    if rev is None:
        return None
    return next((e for e in task.events[rev:] if e.action in _UNSETTLING), None)


def was_on(task: Task, user_id: int) -> bool:
    """The person once had the task (it was handed on or reassigned away from them)."""
    for event in task.events:
        if event.actor == user_id and event.action != "created":
            return True
        if user_id in (event.data.get("data_from"), *event.data.get("removed", ())):
            return True
    return False
