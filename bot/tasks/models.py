"""Task records: frozen dataclasses and StrEnums, shared by the rules, storage and handlers.

Times are always timezone-aware. Changing a record means `dataclasses.replace`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


PRIORITY_RANK: dict[Priority, int] = {
    Priority.URGENT: 0,
    Priority.HIGH: 1,
    Priority.NORMAL: 2,
    Priority.LOW: 3,
}


class Kind(StrEnum):
    TASK = "task"
    REMINDER = "reminder"


class Status(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"
    CANNOT = "cannot"
    CANCELLED = "cancelled"


# A task in one of these states is finished: it leaves the live queue for the archive.
FINISHED: frozenset[Status] = frozenset({Status.DONE, Status.CANCELLED})
# `cannot` waits for the assigner's decision (reassign / cancel / keep), so it stays live.


@dataclass(frozen=True, slots=True)
class TaskEvent:
    """One line of a task's log: who did what, when, with an optional note."""

    at: datetime
    actor: int  # Telegram user id (0 = the bot itself)
    action: str  # created, acknowledged, done, cannot, snoozed_self, handed_over, reassigned,
    #              cancelled, reported, nudged, kept, due_changed, renamed, priority_changed,
    #              extension_asked, extension_declined, reverted, bound, ...
    #              ("snoozed": before snoozes were personal, a snooze that moved the due)
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Assignee:
    """One person a task is for: a known user id, or a pending @username until seen."""

    user_id: int | None = None
    username: str | None = None  # without '@', lower-case for pending matching
    acknowledged_at: datetime | None = None
    done_at: datetime | None = None
    # 推迟 is personal: until then this task sleeps in this person's reminders and /next.
    snoozed_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Task:
    number: int  # global, shown as #n (spec/conversations.md: one counter for the whole bot)
    space: str  # storage shard this task lives in: "g<chat_id>" for a group, "p<user_id>" private
    chat_id: int  # the chat it was created in
    title: str
    assigner: int  # user id of whoever assigned it: its "leader" for this task
    assignees: tuple[Assignee, ...]
    created_at: datetime
    due: datetime | None = None
    priority: Priority = Priority.NORMAL
    recurrence: str | None = None  # RRULE
    remind_before: int | None = None  # minutes
    kind: Kind = Kind.TASK
    status: Status = Status.OPEN
    source_message_id: int | None = None  # the message it was created from (or replied to)
    events: tuple[TaskEvent, ...] = ()
    # Reminder/escalation bookkeeping (owned by bot/reminders.py), free-form but JSON-able.
    reminder_state: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    # The forum topic it was raised in (None: the General topic, or a group without topics):
    # everything the bot posts to the group about it goes there (bot/groups/).
    thread_id: int | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def assignee_ids(self) -> tuple[int, ...]:
        return tuple(a.user_id for a in self.assignees if a.user_id is not None)

    def participants(self) -> frozenset[int]:
        return frozenset({self.assigner, *self.assignee_ids()})

    @property
    def own(self) -> bool:
        """A note someone set for themselves: they are its only assignee."""
        return self.assignee_ids() == (self.assigner,) and len(self.assignees) == 1

    @property
    def revision(self) -> int:
        """How many things have happened to it: a button made at one revision is checked
        against what happened since (events are only ever added)."""
        return len(self.events)

    def assignee(self, user_id: int) -> Assignee | None:
        return next((a for a in self.assignees if a.user_id == user_id), None)
