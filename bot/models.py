"""Domain records: frozen dataclasses and StrEnums, shared by the core, storage and handlers.

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
    action: str  # created, acknowledged, done, cannot, snoozed, handed_over, reassigned,
    #              cancelled, reported, nudged, kept, due_changed, bound, reminded, ...
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Assignee:
    """One person a task is for: a known user id, or a pending @username until seen."""

    user_id: int | None = None
    username: str | None = None  # without '@', lower-case for pending matching
    acknowledged_at: datetime | None = None
    done_at: datetime | None = None


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

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def assignee_ids(self) -> tuple[int, ...]:
        return tuple(a.user_id for a in self.assignees if a.user_id is not None)

    def participants(self) -> frozenset[int]:
        return frozenset({self.assigner, *self.assignee_ids()})


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    username: str | None = None  # without '@'
    first_name: str = ""
    last_name: str = ""
    language: str | None = None  # 'zh' | 'en' chosen in /settings, else None
    telegram_language: str | None = None  # Telegram's language_code as last seen
    tz: str | None = None  # IANA name chosen in /settings, else None (= OFFICEBOT_TZ)
    started: bool = False  # has started the bot in a private chat
    blocked: bool = False  # a 403 told us they blocked the bot
    chats: tuple[int, ...] = ()  # group chats they were seen in
    digest_time: str | None = None  # "HH:MM", "off", or None (= OFFICEBOT_DIGEST_TIME)
    digest_quiet: bool = False  # nothing to report → send nothing
    updated_at: datetime | None = None

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or (f"@{self.username}" if self.username else str(self.user_id))

    @property
    def reachable_privately(self) -> bool:
        return self.started and not self.blocked


@dataclass(frozen=True, slots=True)
class Workspace:
    """A group chat the bot is in."""

    chat_id: int
    title: str = ""
    members: tuple[int, ...] = ()  # user ids seen in the group
    admins: tuple[int, ...] = ()  # Telegram admins as last fetched
    language: str | None = None  # group /settings, else OFFICEBOT_LANG
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: a catalog key for its label (with values) and its callback data."""

    label_key: str
    callback_data: str
    values: dict[str, Any] = field(default_factory=dict)
    url: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """Something to say to someone, stored with the change that caused it, sent afterwards.

    Rendered at delivery time in the recipient's language and zone by `template` (a name
    registered in bot/render.py) from `params`. Exactly one of `to_user` / `to_chat`:
    `to_user` is routed by spec/conversations.md (private chat, else `fallback_chat` with a
    mention, else held and the `origin_user` told); `to_chat` goes to that chat as is.
    """

    id: str
    space: str
    created_at: datetime
    template: str
    params: dict[str, Any] = field(default_factory=dict)
    to_user: int | None = None
    to_chat: int | None = None
    fallback_chat: int | None = None
    origin_user: int | None = None
    reply_to_message_id: int | None = None
    task_number: int | None = None
    not_before: datetime | None = None  # quiet hours: hold until then
    sent_at: datetime | None = None
    sent_chat_id: int | None = None
    sent_message_id: int | None = None
    failed: str | None = None  # 'unreachable' / 'blocked' / error text once given up
    attempts: int = 0

    @property
    def pending(self) -> bool:
        return self.sent_at is None and self.failed is None
