"""Collection records (收集汇报): frozen dataclasses and StrEnums. Times are aware.

One `Collection` is one round: a sender asks its `members` for a report by `due`. A recurring
collection opens its next round itself, as a new collection with the next number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ItemKind(StrEnum):
    TEXT = "text"
    DOCUMENT = "document"
    PHOTO = "photo"


class MemberState(StrEnum):
    WAITING = "waiting"  # nothing handed in yet
    DRAFTING = "drafting"  # sent something, has not pressed 提交 yet
    SUBMITTED = "submitted"
    DECLINED = "declined"  # 办不了, with a reason


#: A member in one of these states has answered: the sender waits no more for them.
ANSWERED = frozenset({MemberState.SUBMITTED, MemberState.DECLINED})


class Status(StrEnum):
    OPEN = "open"  # before the deadline, not everyone has answered
    CLOSED = "closed"  # everyone answered, or the deadline passed (late reports still count)


@dataclass(frozen=True, slots=True)
class Item:
    """One message a member handed in: a text, or a Telegram file kept by its file_id."""

    kind: ItemKind
    at: datetime
    text: str = ""  # the text, or a file's caption
    file_id: str | None = None
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """One person asked for a report: who (an account, or a username not yet seen), and what
    they handed in."""

    name: str
    user_id: int | None = None
    username: str | None = None  # without '@', lower-case
    phone: str | None = None  # from the directory, for the sender to call
    state: MemberState = MemberState.WAITING
    items: tuple[Item, ...] = ()
    answered_at: datetime | None = None  # when they pressed 提交 or said 办不了
    late: bool = False  # answered after the deadline (迟交)
    reason: str = ""  # 办不了: why
    chat_id: int | None = None  # their private chat, where the request and reminders went
    message_ids: tuple[int, ...] = ()  # those messages: a reply to any of them hands in
    reminded: int = 0  # reminders sent this round

    @property
    def answered(self) -> bool:
        return self.state in ANSWERED

    @property
    def key(self) -> str:
        """Stable within a collection: the user id, else the username."""
        return str(self.user_id) if self.user_id is not None else f"@{self.username or self.name}"


@dataclass(frozen=True, slots=True)
class Forward:
    """A file to pass to the sender (after the message `after` announcing it went out)."""

    member: str  # Member.key
    item: int  # index in that member's items
    after: str  # outbox entry id of the message that lists it


@dataclass(frozen=True, slots=True)
class Collection:
    number: int  # one counter for all collections, shown as 第 n 号
    space: str  # storage shard: the group's, or the sender's private space
    chat_id: int  # where /collect was said
    sender: int
    title: str
    created_at: datetime
    due: datetime
    members: tuple[Member, ...]
    targets: tuple[str, ...] = ()  # what /collect named (rosters, @people, 大家): each round
    #                                 resolves them again
    recurrence: str | None = None  # RRULE
    first_due: datetime | None = None  # the series' first deadline (gives the time of day)
    round: int = 1
    status: Status = Status.OPEN
    closed_at: datetime | None = None
    bundled: bool = False  # the sender got everything in one message
    bundle_entry: str | None = None  # that message's outbox entry id
    reminders: tuple[str, ...] = ()  # reminder steps done this round
    forwards: tuple[Forward, ...] = ()  # files still to pass to the sender
    next_at: datetime | None = None  # when the next round opens (recurring, not yet opened)
    next_number: int | None = None  # the round that followed this one
    tracking_chat_id: int | None = None
    tracking_message_id: int | None = None
    rev: int = 0  # +1 on every change the tracking message shows
    shown_rev: int = 0  # the rev it last showed
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    def member(self, key: str) -> Member | None:
        return next((m for m in self.members if m.key == key), None)

    def member_of(self, user_id: int) -> Member | None:
        return next((m for m in self.members if m.user_id == user_id), None)

    def answered(self) -> list[Member]:
        return [m for m in self.members if m.answered]

    def submitted(self) -> list[Member]:
        return [m for m in self.members if m.state == MemberState.SUBMITTED]

    def missing(self) -> list[Member]:
        return [m for m in self.members if not m.answered]

    @property
    def tracking_stale(self) -> bool:
        return self.tracking_message_id is not None and self.rev > self.shown_rev

    @property
    def has_work(self) -> bool:
        """Something is still to happen by the clock or be passed on."""
        return (
            self.is_open or bool(self.forwards) or self.tracking_stale or self.next_at is not None
        )


@dataclass(frozen=True, slots=True)
class OwedChart:
    """A weekly picture owed to a person, after their weekly summary `key` (an outbox entry id)."""

    key: str
    user_id: int
    chat_id: int
