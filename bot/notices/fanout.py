"""The outbox entries of a notice (pure). The fan-out: the personal messages a change decides
(the rules put them in `notice.queue`) become outbox entries in the very write that decided
them, and the entries they supersede are retired in it too. And the sender's and the group's
messages: the tracking, the group post, the report of who is missing, the meeting reminder.

Sending is delivery's: it serves each recipient from its own queue, paced by the rate limiter,
so a notice to hundreds needs no pacing of its own and does not hold up anyone else's messages.
An entry for someone the bot cannot write to privately is held by delivery until they start
the bot; they then get the notice as it stands by then, once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import MessageParams
from bot.core.workdays import WorkCalendar
from bot.notices import records, rules
from bot.notices.records import Reaches
from bot.notices.rules import Due, Kind, Notice, Outgoing, Reach
from bot.notices.views import Heading

#: An outbox entry by id (the database's), or None.
Stored = Callable[[str], OutboxEntry | None]

HELD = "unreachable"  # delivery's mark on an entry kept until its person starts the bot
SUPERSEDED = "superseded"

_HEADINGS: dict[Kind, Heading] = {Kind.NOTICE: "notice", Kind.CHANGED: "changed"}
# Every personal message of one version, by the tag in its key.
_TAGS = (
    "notice",
    "changed",
    *(f"resend{n}" for n in range(1, rules.MAX_RESENDS + 1)),
    "meeting",
)


def personal_key(number: int, version: int, tag: str, user_id: int) -> str:
    """The id of a personal message of a notice: the same event is never queued twice."""
    return f"n{number}:v{version}:{tag}:{user_id}"


def cancel_key(number: int, user_id: int) -> str:
    return f"n{number}:cancel:{user_id}"


@dataclass(frozen=True, slots=True)
class FanOut:
    entries: tuple[OutboxEntry, ...] = ()  # new, to be sent
    retired: tuple[OutboxEntry, ...] = ()  # earlier entries, marked superseded


def fan_out(
    notice: Notice, *, reach: Reaches, sender_name: str, stored: Stored, now: datetime
) -> tuple[Notice, FanOut]:
    """The notice with its queue emptied, and the outbox entries of what was queued."""
    if not notice.queue:
        return notice, FanOut()
    made: dict[tuple[Kind, int], MessageParams] = {}  # one record per kind: all say the same

    def message(item: Outgoing) -> MessageParams:
        got = made.get((item.kind, item.round))
        if got is None:
            got = made[(item.kind, item.round)] = _message(notice, item, sender_name)
        return got

    entries: list[OutboxEntry] = []
    retired: list[OutboxEntry] = []
    for item in notice.queue:
        retired.extend(_superseded(notice.number, item, stored))
        if not _goes(notice, item, reach):
            continue
        entries.append(
            new_entry(
                space=notice.space,
                now=now,
                message=message(item),
                # No fallback chat: the group post already reaches those the bot cannot write
                # to, and the tracking lists them; an entry for them is held by delivery.
                to_user=item.user_id,
                key=_key(notice.number, item),
            )
        )
    return replace(notice, queue=()), FanOut(tuple(entries), tuple(retired))


def _goes(notice: Notice, item: Outgoing, reach: Reaches) -> bool:
    """The notice (or its change) goes to everyone, to be held for those not reachable;
    resends, reminders and the news of a cancel only to those reachable now."""
    if item.kind in (Kind.NOTICE, Kind.CHANGED, Kind.RESEND) and item.version != notice.version:
        return False  # decided for a version since changed
    if item.kind in (Kind.NOTICE, Kind.CHANGED):
        return True
    return reach.get(item.user_id) == Reach.PRIVATE


def _message(notice: Notice, item: Outgoing, sender_name: str) -> MessageParams:
    if item.kind in _HEADINGS:
        return records.card(notice, sender_name, _HEADINGS[item.kind])
    if item.kind == Kind.RESEND:
        return records.card(notice, sender_name, "resend", item.round)
    if item.kind == Kind.MEETING:
        return records.meeting_soon(notice)
    return records.cancelled(notice, sender_name)


def _key(number: int, item: Outgoing) -> str:
    if item.kind == Kind.CANCELLED:
        return cancel_key(number, item.user_id)
    tag = f"resend{item.round}" if item.kind == Kind.RESEND else item.kind.value
    return personal_key(number, item.version, tag, item.user_id)


def _personal(
    number: int, versions: range, user_id: int, stored: Stored, tags: tuple[str, ...] = _TAGS
) -> Iterator[OutboxEntry]:
    """One person's stored messages of these versions of a notice."""
    for version in versions:
        for tag in tags:
            entry = stored(personal_key(number, version, tag, user_id))
            if entry is not None:
                yield entry


def _superseded(number: int, item: Outgoing, stored: Stored) -> list[OutboxEntry]:
    """A change retires what is unsent of the earlier versions; a cancel retires all of it
    (pending, or held for someone who has not started the bot)."""
    if item.kind == Kind.CHANGED:
        versions = range(1, item.version)
    elif item.kind == Kind.CANCELLED:
        versions = range(1, item.version + 1)
    else:
        return []
    return [
        replace(e, failed=SUPERSEDED)
        for e in _personal(number, versions, item.user_id, stored)
        if _unsent(e)
    ]


def withdrawn(notice: Notice, stored: Stored) -> list[OutboxEntry]:
    """On a cancel: every personal message of the notice that has not gone out (pending, or
    held for someone who has not started the bot), retired, whoever it was for."""
    versions = range(1, notice.version + 1)
    return [
        replace(e, failed=SUPERSEDED)
        for r in notice.recipients
        if r.user_id is not None
        for e in _personal(notice.number, versions, r.user_id, stored)
        if _unsent(e)
    ]


def _unsent(entry: OutboxEntry) -> bool:
    return entry.pending or (entry.failed == HELD and entry.sent_at is None)


def unsent(notice: Notice, stored: Stored) -> set[int]:
    """Recipients no version of the notice has reached yet (still pending, or held)."""
    out: set[int] = set()
    versions = range(1, notice.version + 1)
    for r in notice.recipients:
        if r.user_id is None:
            continue
        copies = _personal(notice.number, versions, r.user_id, stored, ("notice", "changed"))
        if not any(e.sent_at is not None for e in copies):
            out.add(r.user_id)
    return out


# ----- the sender's and the group's messages ---------------------------------------------------
def tracking_entry(notice: Notice, reach: Reaches, now: datetime) -> OutboxEntry:
    """The sender's tracking message (edited afterwards, never sent again)."""
    return new_entry(
        space=notice.space,
        now=now,
        message=records.tracking(notice, reach),
        to_user=notice.sender,
        key=f"n{notice.number}:tracking",
    )


def group_entry(notice: Notice, message: MessageParams, now: datetime, tail: str) -> OutboxEntry:
    """A message to the group the notice was sent from, keyed `n<number>:<tail>`."""
    return new_entry(
        space=notice.space,
        now=now,
        message=message,
        to_chat=notice.chat_id,
        key=f"n{notice.number}:{tail}",
        thread_id=notice.thread_id,
    )


def group_post(notice: Notice, sender_name: str, reach: Reaches, now: datetime) -> OutboxEntry:
    """The notice (or, from version 2, its change) posted in its group."""
    kind: Heading = "group_changed" if notice.version > 1 else "notice"
    post = records.group_post(notice, sender_name, reach, kind)
    return group_entry(notice, post, now, f"v{notice.version}:group")


def apply_due(
    notice: Notice,
    actions: Collection[Due],
    *,
    reach: Reaches,
    calendar: WorkCalendar,
    now: datetime,
    reported_by_digest: bool = False,
) -> tuple[Notice, list[OutboxEntry]]:
    """What is due on a notice, applied: resends queued, the sender told who is missing (not
    again when their morning digest today listed them: `reported_by_digest`), the meeting
    reminders queued (and posted in the group for those the bot cannot write to)."""
    reachable = {uid for uid, how in reach.items() if how == Reach.PRIVATE}
    entries: list[OutboxEntry] = []
    for action in actions:
        if action == Due.RESEND:
            notice = rules.resend(notice, now, calendar, reachable)
        elif action == Due.REPORT and reported_by_digest:
            notice = rules.reported(notice, now)
        elif action == Due.REPORT:
            report = records.missing_report(notice, reach, now)
            entries.append(
                new_entry(
                    space=notice.space,
                    now=now,
                    message=report,
                    to_user=notice.sender,
                    key=f"n{notice.number}:v{notice.version}:missing",
                )
            )
            notice = rules.reported(notice, now)
        elif action == Due.MEETING:
            notice = rules.meeting_reminded(notice, now, reachable)
            there = records.meeting_in_group(notice, reachable)
            if there is not None:
                tail = f"v{notice.version}:meeting:group"
                entries.append(group_entry(notice, there, now, tail))
    return notice, entries
