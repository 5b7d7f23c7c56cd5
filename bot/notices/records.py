"""What each message of a notice says, made from the notice as it now stands (pure): the typed
records (bot/notices/views.py) the service puts in outbox entries.

`reach` maps the recipients' user ids to how the bot can reach them now (the service looks it
up once per use case); someone missing from it counts as not having started the bot.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.notices import rules
from bot.notices.rules import Notice, Reach, Recipient
from bot.notices.views import (
    ExportRow,
    Heading,
    ListLine,
    MeetingSoon,
    Mention,
    NoticeCancelled,
    NoticeCard,
    NoticeGroupPost,
    NoticeMissing,
    NoticeTracking,
    Row,
)

# Mentions in one group post (Telegram notifies at most this many from one message, roughly).
MENTION_LIMIT = 50
# People listed in one report to the sender (the rest: /export notice).
REPORT_LIMIT = 40

Reaches = Mapping[int, Reach]


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def reach_of(recipient: Recipient, reach: Reaches) -> Reach:
    if recipient.user_id is None:
        return Reach.NO_ACCOUNT
    return reach.get(recipient.user_id, Reach.NOT_STARTED)


_Copy = TypeVar("_Copy", NoticeCard, NoticeGroupPost)


def _copy(of: type[_Copy], notice: Notice, sender_name: str, kind: Heading, **more: Any) -> _Copy:
    """A copy of the notice: what every copy says (its number, version, text …), and `more`."""
    return of(
        number=notice.number,
        version=notice.version,
        text=notice.text,
        sender_name=sender_name,
        meeting_at=iso(notice.meeting_at),
        urgent=notice.urgent,
        kind=kind,
        changes=list(notice.changes),
        **more,
    )


def card(notice: Notice, sender_name: str, kind: Heading = "notice", round_: int = 0) -> NoticeCard:
    """The notice for one recipient: first send, `resend` number `round_`, or `changed`."""
    return _copy(NoticeCard, notice, sender_name, kind, round=round_)


def _mention_rows(people: Sequence[Recipient]) -> list[Mention]:
    rows: list[Mention] = [[r.user_id, r.name] for r in people if r.user_id is not None]
    return rows[:MENTION_LIMIT]


def group_post(
    notice: Notice, sender_name: str, reach: Reaches, kind: Heading = "notice"
) -> NoticeGroupPost:
    """The notice in its group, mentioning those the bot cannot write to privately."""
    unreachable = [
        r
        for r in notice.recipients
        if r.user_id is not None and reach_of(r, reach) != Reach.PRIVATE
    ]
    return _copy(
        NoticeGroupPost,
        notice,
        sender_name,
        kind,
        mentions=_mention_rows(unreachable),
        total=len(notice.recipients),
    )


def tracking(notice: Notice, reach: Reaches, *, full: bool = False) -> NoticeTracking:
    """A snapshot of the tracking (who confirmed, who is missing, phones); lists cut short
    unless `full`."""
    view = rules.tracking(notice, reach, full=full)
    return NoticeTracking(
        number=notice.number,
        version=notice.version,
        text=notice.text,
        status=notice.status.value,
        meeting_at=iso(notice.meeting_at),
        total=view.total,
        confirmed_count=len(view.confirmed) + view.more_confirmed,
        waiting_count=len(view.waiting) + view.more_waiting,
        unreachable_count=len(view.unreachable) + view.more_unreachable,
        confirmed=[[x.name, x.username, x.phone, iso(x.confirmed_at)] for x in view.confirmed],
        waiting=[[x.name, x.username, x.phone, x.reach.value] for x in view.waiting],
        unreachable=[[x.name, x.username, x.phone, x.reach.value] for x in view.unreachable],
        more_confirmed=view.more_confirmed,
        more_waiting=view.more_waiting,
        more_unreachable=view.more_unreachable,
        resends=notice.resends,
        max_resends=notice.max_resends,
        next_at=iso(notice.next_at),
        missing_reported=notice.missing_reported,
        changed_at=iso(notice.changed_at),
        cancelled_at=iso(notice.cancelled_at),
        change=notice.changes[-1] if notice.changes else None,
    )


def missing_report(notice: Notice, reach: Reaches, now: datetime) -> NoticeMissing:
    """To the sender: who is still missing (resends spent, or the meeting is near)."""
    missing = notice.missing()
    people: list[Row] = [[r.name, r.username, r.phone, reach_of(r, reach).value] for r in missing]
    remind_at = notice.meeting_remind_at
    return NoticeMissing(
        number=notice.number,
        text=notice.text,
        count=len(missing),
        resends=notice.resends,
        people=people[:REPORT_LIMIT],
        more=max(0, len(people) - REPORT_LIMIT),
        meeting_near=remind_at is not None and now >= remind_at,
    )


def meeting_soon(notice: Notice) -> MeetingSoon:
    """会议即将开始, to one confirmer."""
    return MeetingSoon(
        number=notice.number,
        text=notice.text,
        meeting_at=iso(notice.meeting_at),
        changes=list(notice.changes),
    )


def meeting_in_group(notice: Notice, reachable: Collection[int]) -> MeetingSoon | None:
    """Confirmers the bot cannot write to privately (they confirmed in the group) are reminded
    in the group, by mention; None if there are none (or the notice is not from a group)."""
    if not notice.from_group:
        return None
    there = [r for r in notice.confirmed() if r.user_id is not None and r.user_id not in reachable]
    if not there:
        return None
    return MeetingSoon(
        number=notice.number,
        text=notice.text,
        meeting_at=iso(notice.meeting_at),
        mentions=_mention_rows(there),
        changes=list(notice.changes),
    )


def cancelled(notice: Notice, who: str) -> NoticeCancelled:
    return NoticeCancelled(
        number=notice.number, text=notice.text, who=who, changes=list(notice.changes)
    )


def list_line(notice: Notice) -> ListLine:
    return ListLine(
        number=notice.number,
        cancelled=not notice.open,
        created_at=notice.created_at,
        confirmed=len(notice.confirmed()),
        total=len(notice.recipients),
        text=notice.text,
    )


def export_rows(notice: Notice, reach: Reaches) -> list[ExportRow]:
    """Everyone the notice went to, in the order they were named."""
    return [
        ExportRow(r.name, r.username, r.phone, r.confirmed_at, reach_of(r, reach).value)
        for r in notice.recipients
    ]
