"""What a collection does (pure): reading /collect, handing in, 办不了, the reminders to those
who have not answered, the deadline, and when a recurring collection opens its next round.

Every rule takes the collection as stored and `now`, and returns the collection changed (with
`rev` moved on when the sender's tracking message must show it): nothing else is kept, so the
same answers come back after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.recurrence import next_occurrence
from bot.core.workdays import WorkCalendar
from bot.reminders.rules import release
from bot.reports.models import Collection, Forward, Item, ItemKind, Member, MemberState, Status

MAX_TITLE = 200
MAX_MEMBERS = 200
MAX_ITEMS = 30  # messages one member may hand in per round
MAX_TEXT = 4000  # characters of one text kept
#: The last reminder goes this long before the deadline; the first at the deadline day's start.
LAST_CALL = timedelta(hours=2)
#: A reminder this soon after the round opened would only repeat the request.
MIN_GAP = timedelta(hours=1)
MORNING, LAST = "morning", "last"


class ReportRefused(Exception):
    """Why not, as a catalog key (reports.<key>) with its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


# ----- reading /collect -----------------------------------------------------------------------
_EVERYONE_WORDS = frozenset(
    {"大家", "所有人", "全体", "全员", "各位", "各位同事", "everyone", "all", "everybody"}
)
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_TOKEN = re.compile(r"[^\s,，、;；]+")


@dataclass(frozen=True, slots=True)
class Target:
    """Whom /collect names: a roster, a person (`@name` or `id:<user id>`), or everyone here."""

    kind: str  # roster | user | everyone
    value: str = ""

    @property
    def text(self) -> str:
        """The target as stored (read again by `target_of` for the next round)."""
        return {"roster": f"#{self.value}", "user": f"@{self.value}"}.get(self.kind, "*")


def target_of(text: str) -> Target:
    if text.startswith("#"):
        return Target("roster", text[1:])
    if text.startswith("@"):
        return Target("user", text[1:])
    return Target("everyone")


def split_targets(
    text: str, *, is_roster: Callable[[str], bool], mentions: Mapping[int, int] | None = None
) -> tuple[list[Target], str]:
    """The leading tokens that name people, and the rest (deadline and what to hand in).

    `mentions` maps the offset of a text mention (someone without a username) to their id.
    The first token that is none of @person / 大家 / a roster name (or #名单) ends the list.
    """
    targets: list[Target] = []
    pos = 0
    mentions = mentions or {}
    while True:
        sep = _SEPARATORS.match(text, pos)
        start = sep.end() if sep else pos
        m = _TOKEN.match(text, start)
        if m is None:
            pos = start
            break
        target = _target(m.group(0), start, is_roster, mentions)
        if target is None:
            pos = start
            break
        targets.append(target)
        pos = m.end()
    return targets, text[pos:].strip(" \t\n，,、：:")


def _target(
    token: str, start: int, is_roster: Callable[[str], bool], mentions: Mapping[int, int]
) -> Target | None:
    if start in mentions:
        return Target("user", f"id:{mentions[start]}")
    if token.startswith("@") and len(token) > 1:
        return Target("user", token[1:].lower())
    if token.lower() in _EVERYONE_WORDS:
        return Target("everyone")
    name = token[1:] if token.startswith("#") else token
    return Target("roster", name) if name and is_roster(name) else None


def merge_members(members: Sequence[Member], *, sender: int) -> tuple[Member, ...]:
    """Each person once (by account, else by username), in the order named; not the sender."""
    out: dict[str, Member] = {}
    for m in members:
        if m.user_id == sender:
            continue
        key = m.key.lower()
        if key not in out:
            out[key] = m
        elif out[key].phone is None and m.phone:
            out[key] = replace(out[key], phone=m.phone)
    if len(out) > MAX_MEMBERS:
        raise ReportRefused("too_many", limit=MAX_MEMBERS)
    return tuple(out.values())


def check_new(title: str, due: datetime | None, now: datetime) -> datetime:
    """A collection needs something to hand in and a deadline still to come."""
    if not title.strip():
        raise ReportRefused("no_title")
    if len(title) > MAX_TITLE:
        raise ReportRefused("title_too_long", limit=MAX_TITLE)
    if due is None:
        raise ReportRefused("no_due")
    if due <= now:
        raise ReportRefused("due_passed")
    return due


# ----- handing in -----------------------------------------------------------------------------
def _bump(c: Collection, now: datetime) -> Collection:
    """The change is one the sender's tracking message shows."""
    return replace(c, rev=c.rev + 1, updated_at=now)


def _put(c: Collection, old: Member, new: Member, now: datetime) -> Collection:
    members = tuple(new if m is old else m for m in c.members)
    return _bump(replace(c, members=members), now)


def _asked(c: Collection, user_id: int) -> Member:
    member = c.member_of(user_id)
    if member is None:
        raise ReportRefused("not_asked", number=c.number)
    return member


def add_item(c: Collection, user_id: int, item: Item, now: datetime) -> Collection:
    """Something handed in (not yet 提交). After 办不了 it means they can after all."""
    member = _asked(c, user_id)
    if member.state == MemberState.SUBMITTED:
        raise ReportRefused("already_submitted", number=c.number)
    if len(member.items) >= MAX_ITEMS:
        raise ReportRefused("too_many_items", limit=MAX_ITEMS)
    if item.kind == ItemKind.TEXT and not item.text.strip():
        raise ReportRefused("empty_item")
    kept = replace(item, text=item.text[:MAX_TEXT])
    drafting = replace(member, items=(*member.items, kept), state=MemberState.DRAFTING, reason="")
    return _put(c, member, drafting, now)


def submit(c: Collection, user_id: int, now: datetime) -> Collection:
    """提交: what was handed in is final (迟交 after the deadline)."""
    member = _asked(c, user_id)
    if member.state == MemberState.SUBMITTED:
        raise ReportRefused("already_submitted", number=c.number)
    if not member.items:
        raise ReportRefused("nothing_to_submit", number=c.number)
    done = replace(member, state=MemberState.SUBMITTED, answered_at=now, late=now >= c.due)
    return _put(c, member, done, now)


def decline(c: Collection, user_id: int, reason: str, now: datetime) -> Collection:
    """办不了, and why. What was handed in so far is dropped."""
    member = _asked(c, user_id)
    if member.state == MemberState.SUBMITTED:
        raise ReportRefused("already_submitted", number=c.number)
    if member.state == MemberState.DECLINED:
        raise ReportRefused("already_declined", number=c.number)
    declined = replace(
        member,
        state=MemberState.DECLINED,
        items=(),
        answered_at=now,
        late=now >= c.due,
        reason=reason.strip()[:MAX_TEXT],
    )
    return _put(c, member, declined, now)


MAX_MESSAGES = 5  # messages per member a reply to which hands in (the request, reminders)


def requested(c: Collection, user_id: int, chat_id: int, message_id: int) -> Collection:
    """The request (or a reminder) went to this member as this message: a reply to it hands in."""
    member = c.member_of(user_id)
    if member is None or message_id in member.message_ids:
        return c
    ids = (*member.message_ids, message_id)[-MAX_MESSAGES:]
    sent = replace(member, chat_id=chat_id, message_ids=ids)
    return replace(c, members=tuple(sent if m is member else m for m in c.members))


def bind(c: Collection, key: str, user_id: int, name: str, now: datetime) -> Collection:
    """A member known only by @username has shown up: they are that account now."""
    member = c.member(key)
    if member is None or member.user_id is not None:
        return c
    return _put(c, member, replace(member, user_id=user_id, name=name), now)


# ----- the deadline and the bundle --------------------------------------------------------------
def all_answered(c: Collection) -> bool:
    return all(m.answered for m in c.members)


def should_bundle(c: Collection, now: datetime) -> bool:
    """Everything goes to the sender in one message: once all answered, or at the deadline."""
    return not c.bundled and (all_answered(c) or now >= c.due)


def files_of(member: Member) -> list[int]:
    """Indexes of the member's items that are files."""
    return [i for i, item in enumerate(member.items) if item.kind != ItemKind.TEXT]


def bundled(c: Collection, now: datetime, entry_id: str, calendar: WorkCalendar) -> Collection:
    """The bundle went into the outbox as `entry_id`: the round is closed, its files queued."""
    forwards = tuple(
        Forward(m.key, i, entry_id)
        for m in c.members
        if m.state == MemberState.SUBMITTED
        for i in files_of(m)
    )
    return replace(
        _bump(c, now),
        status=Status.CLOSED,
        closed_at=c.closed_at or now,
        bundled=True,
        bundle_entry=entry_id,
        forwards=c.forwards + forwards,
        next_at=next_round_at(c, calendar) if c.next_number is None else None,
    )


def late_answer(c: Collection, member: Member, entry_id: str, now: datetime) -> Collection:
    """An answer after the bundle went out, told on its own as `entry_id` (its files after)."""
    forwards = tuple(Forward(member.key, i, entry_id) for i in files_of(member))
    return replace(_bump(c, now), forwards=c.forwards + forwards)


def forwarded(c: Collection, forward: Forward) -> Collection:
    return replace(c, forwards=tuple(f for f in c.forwards if f != forward))


# ----- reminders ------------------------------------------------------------------------------
def reminder_moments(c: Collection, calendar: WorkCalendar) -> list[tuple[str, datetime]]:
    """This round's reminders to those who have not answered: at the deadline day's work start
    and LAST_CALL before the deadline (in work hours), each only well after the round opened."""
    day = c.due.astimezone(calendar.tz).date()
    moments = []
    if calendar.is_workday(day):
        morning = datetime.combine(day, calendar.workday_start, tzinfo=calendar.tz)
        moments.append((MORNING, morning))
    moments.append((LAST, release(c.due - LAST_CALL, calendar, False)))
    earliest = c.created_at + MIN_GAP
    out: list[tuple[str, datetime]] = []
    for step, at in moments:
        if earliest <= at < c.due - MIN_GAP / 2 and all(at != a for _, a in out):
            out.append((step, at))
    return out


def due_reminder(c: Collection, now: datetime, calendar: WorkCalendar) -> tuple[str, ...]:
    """The reminder steps due now and not yet done (after a long stop, only the latest is said:
    the others are returned first, to be recorded silently)."""
    if not c.is_open or now >= c.due:
        return ()
    return tuple(
        step for step, at in reminder_moments(c, calendar) if at <= now and step not in c.reminders
    )


def to_remind(c: Collection) -> list[Member]:
    """Who a reminder goes to: the members with an account who have not answered."""
    return [m for m in c.members if m.user_id is not None and not m.answered]


def reminded(
    c: Collection, steps: Sequence[str], told: Sequence[Member], now: datetime
) -> Collection:
    keys = {m.key for m in told}
    members = tuple(replace(m, reminded=m.reminded + 1) if m.key in keys else m for m in c.members)
    return replace(_bump(c, now), members=members, reminders=(*c.reminders, *steps))


# ----- rounds ---------------------------------------------------------------------------------
def next_round_at(c: Collection, calendar: WorkCalendar) -> datetime | None:
    """When the next round of a recurring collection opens: as long before its deadline as the
    first round was opened before its own (at most one period), never before this deadline."""
    due = next_due(c, calendar)
    if due is None:
        return None
    lead = min(c.due - c.created_at, due - c.due)
    return max(c.due, due - lead)


def next_due(c: Collection, calendar: WorkCalendar) -> datetime | None:
    if c.recurrence is None:
        return None
    return next_occurrence(c.recurrence, c.first_due or c.due, c.due, calendar)


def stop(c: Collection, user_id: int, now: datetime, *, is_admin: bool = False) -> Collection:
    """No more rounds (this one runs to its deadline)."""
    if c.sender != user_id and not is_admin:
        raise ReportRefused("not_sender", number=c.number)
    if c.recurrence is None:
        raise ReportRefused("not_recurring", number=c.number)
    return replace(_bump(c, now), recurrence=None, next_at=None)


def may_see(c: Collection, user_id: int, *, is_admin: bool = False) -> bool:
    """The sender sees everything handed in (and a bot admin)."""
    return c.sender == user_id or is_admin
