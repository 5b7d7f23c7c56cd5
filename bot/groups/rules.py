"""How the bot meets Telegram's groups (pure): forum topics, deep links, who left, what an edit
changed. No telegram, tinydb or storage imports: data and `now` come in as arguments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.people.models import Workspace
from bot.tasks.models import Assignee, Priority, Task, TaskEvent
from bot.tasks.rules import TaskRefused

# ----- topics ------------------------------------------------------------------------------------
#: What Telegram answers a send to a forum topic that was closed or deleted (then the message
#: goes to the General topic instead, once).
_TOPIC_GONE = ("message thread not found", "topic_closed", "topic_deleted", "topic_id_invalid")


def topic_of(thread_id: int | None, is_topic_message: bool | None) -> int | None:
    """The forum topic a message was written in. None for the General topic (Telegram takes no
    thread id for it) and for a reply thread of a group without topics."""
    return thread_id if is_topic_message and thread_id else None


def topic_gone(error: str) -> bool:
    """Does this refusal say the topic is closed or gone?"""
    text = error.lower()
    return any(gone in text for gone in _TOPIC_GONE)


# ----- deep links --------------------------------------------------------------------------------
_PAYLOAD_RE = re.compile(r"t(\d{1,9})")
#: The payload of a deep link that is about no task in particular.
HELLO = "hi"


def task_payload(number: int | None) -> str:
    """The /start payload of a link about task #number (Telegram allows [A-Za-z0-9_-]{1,64})."""
    return f"t{number}" if number else HELLO


def start_link(bot_username: str, payload: str) -> str:
    """https://t.me/<bot>?start=<payload>: opens the private chat; Start sends the payload."""
    return f"https://t.me/{bot_username or 'officebot'}?start={payload}"


def task_in_payload(payload: str) -> int | None:
    """The task a /start payload is about, if any."""
    m = _PAYLOAD_RE.fullmatch(payload.strip())
    return int(m.group(1)) if m else None


# ----- people who left ---------------------------------------------------------------------------
def left_tasks(tasks: Iterable[Task], user_id: int) -> dict[int, list[Task]]:
    """The open tasks someone who left still holds there, by assigner (their own notes and
    tasks they assigned to themselves are nobody else's business)."""
    out: dict[int, list[Task]] = {}
    for task in tasks:
        if task.finished or task.assigner == user_id:
            continue
        mine = next((a for a in task.assignees if a.user_id == user_id), None)
        if mine is None or mine.done_at is not None:
            continue
        out.setdefault(task.assigner, []).append(task)
    return out


def left_refusal(task: Task, user_id: int, group: Workspace | None) -> TaskRefused | None:
    """Someone who left the group a task belongs to may not act on it any more: why not."""
    if task.chat_id >= 0 or group is None or user_id not in group.left:
        return None
    return TaskRefused("left_group", number=task.number, group=group.title)


# ----- edits -------------------------------------------------------------------------------------
EDIT_WINDOW = timedelta(minutes=15)


def may_edit(task: Task, editor: int, now: datetime) -> bool:
    """Editing the message a task was made from updates it: by whoever made it, while it is
    open, within its first 15 minutes."""
    return task.assigner == editor and not task.finished and now - task.created_at <= EDIT_WINDOW


@dataclass(frozen=True, slots=True)
class Reading:
    """What the edited message says, as the task service reads a new one."""

    title: str
    due: datetime | None
    priority: Priority
    assignees: tuple[Assignee, ...]
    recurrence: str | None = None
    remind_before: int | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One thing an edit changed: `what` is title / due / priority / people."""

    what: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class Edit:
    task: Task  # as it is after the edit
    changes: tuple[Change, ...] = ()
    added: tuple[int, ...] = ()  # people now on it who were not
    removed: tuple[int, ...] = ()  # people no longer on it
    kept: tuple[int, ...] = ()  # on it before and after


def _key(a: Assignee) -> tuple[str, int | str | None]:
    return ("id", a.user_id) if a.user_id is not None else ("name", a.username)


def _people(assignees: Sequence[Assignee]) -> str:
    return ",".join(
        f"{a.user_id}" if a.user_id is not None else f"@{a.username}" for a in assignees
    )


def apply_edit(task: Task, reading: Reading, editor: int, now: datetime) -> Edit | None:
    """The task as the edited message now describes it; None if nothing changed. People who stay
    on it keep what they did (收到, 完成); those added start afresh."""
    before = {_key(a): a for a in task.assignees}
    assignees = tuple(before.get(_key(a), a) for a in reading.assignees)
    changes: list[Change] = []
    if reading.title != task.title:
        changes.append(Change("title", task.title, reading.title))
    if reading.due != task.due:
        changes.append(
            Change(
                "due",
                task.due.isoformat() if task.due else None,
                reading.due.isoformat() if reading.due else None,
            )
        )
    if reading.priority != task.priority:
        changes.append(Change("priority", task.priority.value, reading.priority.value))
    if [_key(a) for a in assignees] != [_key(a) for a in task.assignees]:
        changes.append(Change("people", _people(task.assignees), _people(assignees)))
    if not changes and (reading.recurrence, reading.remind_before) == (
        task.recurrence,
        task.remind_before,
    ):
        return None
    old_ids, new_ids = set(task.assignee_ids()), [a.user_id for a in assignees if a.user_id]
    reset = any(c.what in ("due", "people") for c in changes)
    event = TaskEvent(
        at=now,
        actor=editor,
        action="edited",
        data={"changes": [[c.what, c.before, c.after] for c in changes]},
    )
    edited = replace(
        task,
        title=reading.title,
        due=reading.due,
        priority=reading.priority,
        assignees=assignees,
        recurrence=reading.recurrence,
        remind_before=reading.remind_before,
        reminder_state={} if reset else task.reminder_state,
        events=(*task.events, event),
        updated_at=now,
    )
    return Edit(
        task=edited,
        changes=tuple(changes),
        added=tuple(u for u in new_ids if u not in old_ids),
        removed=tuple(u for u in task.assignee_ids() if u not in set(new_ids)),
        kept=tuple(u for u in new_ids if u in old_ids),
    )
