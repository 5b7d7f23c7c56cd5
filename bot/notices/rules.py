"""Notices (会议通知 that require 收到): who gets one, who confirmed, when to send again, and
how the sender's tracking reads. Pure: `now`, the calendar and who is reachable come in.

A notice goes to its recipients once. Whoever has not confirmed finds it in their next morning
digest (spec "How much the bot says": say one thing once); when the sender asks for an interval
(提醒间隔 15分钟) it is sent again every `interval` minutes, up to MAX_RESENDS times, only in
work hours unless urgent. The sender is then told who is still missing: after the resends, at
the meeting's reminder time, or — a notice without a meeting, not sent again — at the next
work-day start, once the digests have said it. A notice that names a meeting time reminds its
confirmers MEETING_LEAD before it, and resending stops then (the sender gets the list of who
is still missing, with time left to phone them).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from bot.core.words import Words
from bot.core.workdays import WorkCalendar
from bot.parsing.numbers import to_int

MAX_RESENDS = 3  # when the sender asked for resends (提醒间隔 15分钟)
NO_RESENDS = 0  # otherwise: not sent again; the morning digest lists it (say one thing once)
DEFAULT_INTERVAL = 30  # minutes between sends to whoever has not confirmed
MIN_INTERVAL = 5
MAX_INTERVAL = 24 * 60
MEETING_LEAD = timedelta(minutes=30)
MAX_TEXT = 2000
# The tracking message must stay under Telegram's 4096 characters: long lists are cut.
MAX_LISTED_MISSING = 40
MAX_LISTED_CONFIRMED = 25


class NoticeStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class Reach(StrEnum):
    """How the bot can reach a recipient right now."""

    PRIVATE = "private"  # started the bot and has not blocked it
    NOT_STARTED = "not_started"  # known, never started the bot in a private chat
    BLOCKED = "blocked"  # a 403 told us they blocked the bot
    NO_ACCOUNT = "no_account"  # a directory entry or @username the bot has never seen


class Kind(StrEnum):
    """What one personal message of a notice is."""

    NOTICE = "notice"  # the first send
    RESEND = "resend"  # again, to someone who has not confirmed
    CHANGED = "changed"  # the sender changed the text: confirm again
    CANCELLED = "cancelled"
    MEETING = "meeting"  # 会议即将开始, to confirmers


class Confirm(StrEnum):
    """What a press of 收到 did."""

    CONFIRMED = "confirmed"
    ALREADY = "already"
    NOT_RECIPIENT = "not_recipient"
    SENDER = "sender"
    CANCELLED = "cancelled"
    STALE = "stale"  # a button of an earlier version of a changed notice


class NoticeRefused(Exception):
    """A request the notices feature turns down; `key` names the catalog message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    user_id: int | None = None
    username: str | None = None  # without '@', lower-case
    phone: str | None = None
    confirmed_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A personal message decided by a rule; the service turns it into an outbox entry in
    the same write (bot/notices/fanout.py)."""

    user_id: int
    kind: Kind
    version: int
    round: int = 0  # the resend count for RESEND


@dataclass(frozen=True, slots=True)
class Notice:
    number: int  # one counter for the whole bot, like task numbers
    space: str
    chat_id: int  # where it was sent from (a group, or the sender's private chat)
    sender: int
    text: str
    created_at: datetime
    recipients: tuple[Recipient, ...]
    meeting_at: datetime | None = None
    urgent: bool = False
    interval: int = DEFAULT_INTERVAL  # minutes
    max_resends: int = MAX_RESENDS  # NO_RESENDS unless the sender asked for an interval
    changes: tuple[str, ...] = ()  # what each change said; `text` stays the original
    version: int = 1  # +1 on every change; buttons carry it
    status: NoticeStatus = NoticeStatus.OPEN
    resends: int = 0
    next_at: datetime | None = None  # the next resend (or the report once resends are spent)
    missing_reported: bool = False
    meeting_reminded: bool = False
    # Personal messages decided and not yet in the outbox: empty in every stored notice but
    # those an older version stored mid fan-out (the next tick puts them in the outbox).
    queue: tuple[Outgoing, ...] = ()
    changed_at: datetime | None = None
    cancelled_at: datetime | None = None
    tracking_chat_id: int | None = None
    tracking_message_id: int | None = None
    group_message_id: int | None = None
    rev: int = 0  # +1 on every change the tracking shows
    shown_rev: int = 0  # the rev the tracking message last showed
    updated_at: datetime | None = None
    thread_id: int | None = None  # the forum topic it was sent from: its group posts go there

    @property
    def open(self) -> bool:
        return self.status == NoticeStatus.OPEN

    @property
    def from_group(self) -> bool:
        return self.chat_id < 0

    def confirmed(self) -> list[Recipient]:
        """Confirmers, earliest first."""
        done = [r for r in self.recipients if r.confirmed_at is not None]
        return sorted(done, key=lambda r: r.confirmed_at or self.created_at)

    def missing(self) -> list[Recipient]:
        return [r for r in self.recipients if r.confirmed_at is None]

    def find(self, user_id: int, username: str | None = None) -> Recipient | None:
        uname = (username or "").lower() or None
        for r in self.recipients:
            if r.user_id == user_id:
                return r
        for r in self.recipients:
            if r.user_id is None and uname is not None and r.username == uname:
                return r
        return None

    @property
    def sent_at(self) -> datetime:
        """When the current version went out."""
        return self.changed_at or self.created_at

    @property
    def meeting_remind_at(self) -> datetime | None:
        return None if self.meeting_at is None else self.meeting_at - MEETING_LEAD

    @property
    def tracking_stale(self) -> bool:
        return self.rev > self.shown_rev and self.tracking_message_id is not None

    def active(self) -> bool:
        """Has anything left to do: messages to queue, a resend, a reminder, a tracking edit."""
        if self.queue or self.tracking_stale:
            return True
        if not self.open:
            return False
        if not self.meeting_reminded and self.meeting_at is not None:
            return True
        return bool(self.missing()) and self.next_at is not None and not self.missing_reported


# ----- reading a /notify command ---------------------------------------------------------------

_EVERYONE_WORDS = frozenset(
    {
        "大家",
        "所有人",
        "全体",
        "全体成员",
        "全体同事",
        "全员",
        "各位",
        "各位同事",
        "everyone",
        "all",
    }
)
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_INTERVAL_RES = (
    re.compile(
        r"[，,；;。\s]*(?:提醒)?间隔\s*[:：]?\s*(?P<n>\d{1,4}|[零〇一二两三四五六七八九十百]{1,5})\s*"
        r"(?P<u>分钟|分|小时|个小时|钟头)"
    ),
    re.compile(
        r"[，,；;。\s]*每隔?\s*(?P<n>\d{1,4}|[零〇一二两三四五六七八九十百]{1,5})\s*"
        r"(?P<u>分钟|小时|个小时)\s*(?:提醒|催|重发|发)一次?"
    ),
    re.compile(
        r"[,;.\s]*remind(?:er)?s?\s+every\s+(?P<n>\d{1,4})\s*(?P<u>minutes?|mins?|m|hours?|hrs?|h)\b",
        re.I,
    ),
)


@dataclass(frozen=True, slots=True)
class Target:
    """One recipient token at the start of /notify: a roster, @person, or everyone."""

    kind: str  # "roster" | "user" | "everyone"
    value: str  # roster name, username (or "id:<user_id>"), or ""


def split_targets(
    text: str,
    *,
    is_roster: Callable[[str], bool],
    mentions: Mapping[int, int] | None = None,
) -> tuple[list[Target], str]:
    """Leading recipient tokens and the notice text after them.

    `mentions` maps the start offset of a text mention (a person without a username) to
    their user id. Tokens are separated by spaces or 、，; the first token that is none of
    @person / 大家 / a roster name (optionally written #名单) starts the text.
    """
    targets: list[Target] = []
    pos = 0
    mentions = mentions or {}
    while True:
        sep = _SEPARATORS.match(text, pos)
        start = sep.end() if sep else pos
        m = re.compile(r"[^\s,，、;；]+").match(text, start)
        if m is None:
            pos = start
            break
        token = m.group(0)
        target: Target | None = None
        if start in mentions:
            target = Target("user", f"id:{mentions[start]}")
        elif token.startswith("@") and len(token) > 1:
            target = Target("user", token[1:].lower())
        elif token.lower() in _EVERYONE_WORDS:
            target = Target("everyone", "")
        else:
            name = token[1:] if token.startswith("#") else token
            if name and is_roster(name):
                target = Target("roster", name)
        if target is None:
            pos = start
            break
        targets.append(target)
        pos = m.end()
    return targets, text[pos:].strip(" \t\n，,、：:")


@dataclass(frozen=True, slots=True)
class NotifyCommand:
    """What `/notify <who> <text>` says: whom to notify, the text, the resend interval."""

    targets: tuple[Target, ...]
    text: str
    interval: int  # minutes
    resends: int = NO_RESENDS  # MAX_RESENDS when the interval was asked for


# A first word this long or shorter, with the notice after it, was meant as a roster's name.
_ROSTER_NAME_MAX = 12


def near_names(name: str, names: Sequence[str], most: int = 3) -> list[str]:
    """The rosters whose names are nearest to `name` (sharing most of its characters)."""

    def score(other: str) -> float:
        if name in other or other in name:
            return 1.0
        return difflib.SequenceMatcher(None, name, other).ratio()

    ranked = sorted(((score(n), n) for n in names), key=lambda p: (-p[0], p[1]))
    return [n for s, n in ranked if s >= 0.3][:most]


def _no_such_roster(text: str, rosters: Sequence[str]) -> NoticeRefused:
    """Nobody to notify: a first word meant as a roster's name is said not to exist (with
    the rosters nearest to it); otherwise the question is whom to notify."""
    words = text.split(maxsplit=1)
    first = words[0] if words else ""
    meant = first[1:] if first.startswith("#") else first
    looks_like_a_name = first.startswith("#") or (
        len(words) > 1 and len(meant) <= _ROSTER_NAME_MAX and not meant.startswith("@")
    )
    if not meant or not looks_like_a_name:
        return NoticeRefused("no_targets")
    near = near_names(meant, rosters)
    if near:
        return NoticeRefused("unknown_roster_near", name=meant, near=" / ".join(near))
    if rosters:
        return NoticeRefused("unknown_roster_list", name=meant, names=" / ".join(rosters[:8]))
    return NoticeRefused("unknown_roster", name=meant)


def read_notify(
    text: str,
    *,
    is_roster: Callable[[str], bool],
    mentions: Mapping[int, int] | None = None,
    replied_text: str | None = None,
    rosters: Sequence[str] = (),
) -> NotifyCommand:
    """Read /notify's arguments (raises NoticeRefused). Without a text after the recipients,
    the text is that of the message replied to; `提醒间隔 15分钟` may stand in either.
    `rosters`: the names of the rosters here (to say which are near a name that is none)."""
    text, interval = take_interval(text)
    targets, body = split_targets(text, is_roster=is_roster, mentions=mentions)
    if not targets:
        raise _no_such_roster(text, rosters)
    if not body.strip() and replied_text:
        body, interval2 = take_interval(replied_text)
        interval = interval or interval2
    check_text(body)
    minutes = check_interval(interval) if interval else DEFAULT_INTERVAL
    return NotifyCommand(tuple(targets), body, minutes, MAX_RESENDS if interval else NO_RESENDS)


def take_interval(text: str) -> tuple[str, int | None]:
    """Cut a `提醒间隔 15分钟` / `remind every 15 min` option; minutes (None if absent)."""
    for rx in _INTERVAL_RES:
        m = rx.search(text)
        if m is None:
            continue
        n = to_int(m.group("n"))
        if n is None:
            continue
        hours = m.group("u").lower().startswith(("小时", "个小时", "钟头", "h"))
        minutes = n * 60 if hours else n
        return (text[: m.start()] + text[m.end() :]).strip(), minutes
    return text, None


def check_interval(minutes: int) -> int:
    if not MIN_INTERVAL <= minutes <= MAX_INTERVAL:
        raise NoticeRefused("bad_interval", low=MIN_INTERVAL, high=MAX_INTERVAL)
    return minutes


# ----- reading /notice and /export notice ------------------------------------------------------


class Manage(StrEnum):
    """What `/notice …` asks for."""

    SHOW = "show"  # /notice 12: the tracking, as a new message
    CANCEL = "cancel"
    CHANGE = "change"
    EXPORT = "export"


_MANAGE_WORDS = Words(
    {
        Manage.CANCEL: ("cancel", "取消"),
        Manage.CHANGE: ("change", "更改", "修改"),
        Manage.EXPORT: ("export", "导出"),
    }
)
_NUMBER_RE = re.compile(r"^\s*(?:#|No\.?|第)?\s*(\d{1,9})\s*号?\s*(.*)$", re.S | re.I)


@dataclass(frozen=True, slots=True)
class ManageCommand:
    action: Manage
    number: int
    text: str = ""  # the new text, for CHANGE


def _number_and_rest(text: str) -> tuple[int | None, str]:
    m = _NUMBER_RE.match(text)
    if m is None:
        return None, text.strip()
    return int(m.group(1)), m.group(2).strip()


def read_manage(args: str) -> ManageCommand:
    """`/notice <n>` | `/notice cancel <n>` | `/notice change <n> <text>` | `/notice export <n>`
    (Chinese verbs too); raises NoticeRefused with the usage."""
    args = args.strip()
    word, _, rest = args.partition(" ")
    action = _MANAGE_WORDS.read(word)
    number, text = _number_and_rest(args if action is None else rest)
    if number is None:
        raise NoticeRefused("notice_usage")
    if action is None:
        return ManageCommand(Manage.SHOW, number)
    if action == Manage.CHANGE and not text:
        raise NoticeRefused("no_text")
    return ManageCommand(action, number, text if action == Manage.CHANGE else "")


def read_export(args: str) -> int:
    """`/export notice <n>`: the notice number; raises NoticeRefused with the usage."""
    rest = re.sub(r"^notice\b", "", args.strip(), flags=re.I).strip()
    number, _ = _number_and_rest(rest)
    if number is None:
        raise NoticeRefused("export_usage")
    return number


_CLOCK_RE = re.compile(
    r"\d{1,2}\s*[:：]\s*\d{2}|[0-9零〇一二两三四五六七八九十]{1,3}\s*[点點时時]"
    r"|\d\s*(?:am|pm|a\.m\.|p\.m\.)|\bat\s+\d|\bnoon\b|中午|上午|下午|早上|晚上|傍晚",
    re.I,
)


def meeting_time(
    text: str, due: datetime | None, now: datetime, default_deadline: time
) -> datetime | None:
    """The meeting time a notice names: the parsed time, if the text says a time of day.

    A date alone ("周五大扫除") gets the parser's end-of-day deadline, which is no meeting
    time to remind anyone of; and a time already past is no meeting to come.
    """
    if due is None or due <= now:
        return None
    wall = due.timetz().replace(tzinfo=None)
    if wall == default_deadline and _CLOCK_RE.search(text) is None:
        return None
    return due


# ----- choosing recipients ---------------------------------------------------------------------


def merge_recipients(candidates: Iterable[Recipient], *, sender: int) -> tuple[Recipient, ...]:
    """Each person once (by user id, else @username, else name), the sender left out: the
    sender follows the notice on the tracking message."""
    out: list[Recipient] = []
    by_id: dict[int, int] = {}
    by_name: dict[str, int] = {}
    for r in candidates:
        if r.user_id == sender:
            continue
        if r.user_id is not None:
            if r.user_id in by_id:
                i = by_id[r.user_id]
                old = out[i]
                out[i] = replace(
                    old, phone=old.phone or r.phone, username=old.username or r.username
                )
                continue
            by_id[r.user_id] = len(out)
            out.append(r)
            continue
        key = f"@{r.username}" if r.username else r.name
        if key in by_name:
            continue
        by_name[key] = len(out)
        out.append(r)
    return tuple(out)


# ----- changes ------------------------------------------------------------------------------


def quiet_until(at: datetime, *, urgent: bool, calendar: WorkCalendar) -> datetime:
    """When a resend planned for `at` may go: at once if urgent or in work hours, else at the
    next work-hour start (no nagging at night, at weekends or on holidays)."""
    if urgent or calendar.is_work_time(at):
        return at
    return calendar.next_work_start(at)


def _bump(notice: Notice, now: datetime, **changes: Any) -> Notice:
    return replace(notice, rev=notice.rev + 1, updated_at=now, **changes)


def first_resend_at(notice: Notice, now: datetime, calendar: WorkCalendar) -> datetime | None:
    """When to look again at who has not confirmed: `interval` minutes on, to send it again,
    when the sender asked for resends. Otherwise nobody is sent it again (their morning digest
    lists it) and this is when the sender hears who is missing: for a meeting at its reminder
    time (None: `due` sees to it), else at the next work-day start, after the digests."""
    if notice.max_resends > NO_RESENDS:
        at = now + timedelta(minutes=notice.interval)
        return quiet_until(at, urgent=notice.urgent, calendar=calendar)
    if notice.meeting_at is not None:
        return None
    day = calendar.next_workday(now.astimezone(calendar.tz).date())
    return datetime.combine(day, calendar.workday_start, tzinfo=calendar.tz)


def initial(notice: Notice, now: datetime, calendar: WorkCalendar) -> Notice:
    """Queue the first send to everyone with a Telegram account; plan the first resend."""
    queue = tuple(
        Outgoing(r.user_id, Kind.NOTICE, notice.version)
        for r in notice.recipients
        if r.user_id is not None
    )
    meeting_done = notice.meeting_at is None or (
        notice.meeting_remind_at is not None and notice.meeting_remind_at <= now
    )
    return replace(
        notice,
        queue=queue,
        next_at=first_resend_at(notice, now, calendar),
        meeting_reminded=meeting_done,
        updated_at=now,
    )


def waits_for(notice: Notice, user_id: int, username: str | None, name: str) -> Recipient | None:
    """The recipient of an open notice who had no Telegram account the bot knew and turns
    out to be this person (by @username, or by the name a roster gave): None if none, or if
    the notice already reaches them."""
    if not notice.open or user_id == notice.sender or notice.find(user_id) is not None:
        return None
    uname = (username or "").lower() or None
    for r in notice.recipients:
        if r.user_id is None and ((uname and r.username == uname) or (name and r.name == name)):
            return r
    return None


def bind(notice: Notice, recipient: Recipient, user_id: int, name: str, now: datetime) -> Notice:
    """The person is known now (by this name): the notice, as it stands (its current
    version), goes to them."""
    known = replace(recipient, user_id=user_id, name=name or recipient.name)
    recipients = tuple(known if r is recipient else r for r in notice.recipients)
    kind = Kind.CHANGED if notice.version > 1 else Kind.NOTICE
    queue = (*notice.queue, Outgoing(user_id, kind, notice.version))
    return _bump(notice, now, recipients=recipients, queue=queue)


def confirm(
    notice: Notice, user_id: int, username: str | None, version: int, now: datetime
) -> tuple[Notice, Confirm, Recipient | None]:
    """A press of 收到: counts once per person and version."""
    if user_id == notice.sender and notice.find(user_id, username) is None:
        return notice, Confirm.SENDER, None
    found = notice.find(user_id, username)
    if found is None:
        return notice, Confirm.NOT_RECIPIENT, None
    if not notice.open:
        return notice, Confirm.CANCELLED, found
    if version != notice.version:
        return notice, Confirm.STALE, found
    if found.confirmed_at is not None:
        return notice, Confirm.ALREADY, found
    done = replace(found, user_id=user_id, confirmed_at=now)
    recipients = tuple(done if r is found else r for r in notice.recipients)
    return _bump(notice, now, recipients=recipients), Confirm.CONFIRMED, done


class Due(StrEnum):
    RESEND = "resend"
    REPORT = "report"  # resends spent (or the meeting is near): tell the sender who is missing
    MEETING = "meeting"


def due(notice: Notice, now: datetime) -> list[Due]:
    """What is due on this notice by the clock, in the order to apply it."""
    if not notice.open:
        return []
    out: list[Due] = []
    remind_at = notice.meeting_remind_at
    meeting_near = remind_at is not None and now >= remind_at
    # The report goes at reminder time only if there was time to chase people before it.
    near_after_send = meeting_near and remind_at is not None and remind_at > notice.sent_at
    started = notice.meeting_at is not None and now >= notice.meeting_at
    if notice.missing() and not notice.missing_reported:
        if near_after_send or started:
            out.append(Due.REPORT)
        elif notice.next_at is not None and now >= notice.next_at:
            out.append(Due.RESEND if notice.resends < notice.max_resends else Due.REPORT)
    if meeting_near and not notice.meeting_reminded:
        out.append(Due.MEETING)
    return out


def resend(
    notice: Notice, now: datetime, calendar: WorkCalendar, reachable: Collection[int]
) -> Notice:
    """Send again to whoever has not confirmed and can be reached privately."""
    n = notice.resends + 1
    queue = tuple(
        Outgoing(r.user_id, Kind.RESEND, notice.version, n)
        for r in notice.missing()
        if r.user_id is not None and r.user_id in reachable
    )
    return _bump(
        notice,
        now,
        resends=n,
        queue=notice.queue + queue,
        next_at=quiet_until(
            now + timedelta(minutes=notice.interval), urgent=notice.urgent, calendar=calendar
        ),
    )


def reported(notice: Notice, now: datetime) -> Notice:
    return _bump(notice, now, missing_reported=True, next_at=None)


def meeting_reminded(notice: Notice, now: datetime, reachable: Collection[int]) -> Notice:
    queue = tuple(
        Outgoing(r.user_id, Kind.MEETING, notice.version)
        for r in notice.confirmed()
        if r.user_id is not None and r.user_id in reachable
    )
    return replace(notice, meeting_reminded=True, queue=notice.queue + queue, updated_at=now)


def may_manage(notice: Notice, user_id: int, *, is_admin: bool) -> None:
    if user_id != notice.sender and not is_admin:
        raise NoticeRefused("not_sender", number=notice.number)
    if not notice.open:
        raise NoticeRefused("already_cancelled", number=notice.number)


def cancel(
    notice: Notice,
    actor: int,
    now: datetime,
    *,
    is_admin: bool,
    unsent: Collection[int] = (),
) -> Notice:
    """Cancel: tell everyone the notice went to (reachable privately) and stop all sending.

    Whoever it has not reached yet (`unsent`: its messages still wait in the outbox, or in
    the queue) is not told of its end: what waits for them is dropped.
    """
    may_manage(notice, actor, is_admin=is_admin)
    version = notice.version
    not_yet = {o.user_id for o in notice.queue if o.kind in (Kind.NOTICE, Kind.CHANGED)}
    not_yet.update(unsent)
    queue = tuple(
        Outgoing(r.user_id, Kind.CANCELLED, version)
        for r in notice.recipients
        if r.user_id is not None and r.user_id not in not_yet
    )
    return _bump(
        notice,
        now,
        status=NoticeStatus.CANCELLED,
        cancelled_at=now,
        queue=queue,  # what was still waiting to go out is dropped
        next_at=None,
    )


def change(
    notice: Notice,
    actor: int,
    text: str,
    meeting_at: datetime | None,
    now: datetime,
    calendar: WorkCalendar,
    *,
    is_admin: bool,
) -> Notice:
    """A change (`text`: what changed, e.g. 改为明天下午3点，地点不变): the notice keeps its
    original text and says what changed; everyone gets it and confirms again (a moved meeting
    needs a new 收到). `meeting_at`: the meeting time the change names, else the one it had."""
    may_manage(notice, actor, is_admin=is_admin)
    check_text(text)
    version = notice.version + 1
    recipients = tuple(replace(r, confirmed_at=None) for r in notice.recipients)
    changed = replace(
        notice,
        changes=(*notice.changes, text),
        version=version,
        recipients=recipients,
        meeting_at=meeting_at or notice.meeting_at,
        resends=0,
        missing_reported=False,
        changed_at=now,
        queue=(),
    )
    queued = initial(changed, now, calendar)
    queue = tuple(replace(o, kind=Kind.CHANGED) for o in queued.queue)
    return _bump(queued, now, queue=queue)


def check_text(text: str) -> str:
    if not text.strip():
        raise NoticeRefused("no_text")
    if len(text) > MAX_TEXT:
        raise NoticeRefused("too_long", limit=MAX_TEXT)
    return text


# ----- how the tracking reads ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    username: str | None
    phone: str | None
    reach: Reach
    confirmed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Tracking:
    """The tracking message's content, in reading order: who to chase first."""

    total: int
    confirmed: tuple[Line, ...]  # earliest first
    waiting: tuple[Line, ...]  # reachable privately, not confirmed: chase by phone if long
    unreachable: tuple[Line, ...]  # not confirmed and the bot cannot write to them
    more_confirmed: int = 0  # cut from the list to keep the message short
    more_waiting: int = 0
    more_unreachable: int = 0


def tracking(notice: Notice, reach: Mapping[int, Reach], *, full: bool = False) -> Tracking:
    """Sort the recipients for the sender: missing first, phones alongside."""

    def line(r: Recipient) -> Line:
        how = reach.get(r.user_id, Reach.NOT_STARTED) if r.user_id is not None else Reach.NO_ACCOUNT
        return Line(r.name, r.username, r.phone, how, r.confirmed_at)

    confirmed = [line(r) for r in notice.confirmed()]
    missing = [line(r) for r in notice.missing()]
    waiting = [x for x in missing if x.reach == Reach.PRIVATE]
    unreachable = [x for x in missing if x.reach != Reach.PRIVATE]
    if full:
        return Tracking(
            len(notice.recipients), tuple(confirmed), tuple(waiting), tuple(unreachable)
        )
    return Tracking(
        total=len(notice.recipients),
        confirmed=tuple(confirmed[:MAX_LISTED_CONFIRMED]),
        waiting=tuple(waiting[:MAX_LISTED_MISSING]),
        unreachable=tuple(unreachable[:MAX_LISTED_MISSING]),
        more_confirmed=max(0, len(confirmed) - MAX_LISTED_CONFIRMED),
        more_waiting=max(0, len(waiting) - MAX_LISTED_MISSING),
        more_unreachable=max(0, len(unreachable) - MAX_LISTED_MISSING),
    )


def reach_of(started: bool, blocked: bool, known: bool) -> Reach:
    if not known:
        return Reach.NO_ACCOUNT
    if blocked:
        return Reach.BLOCKED
    return Reach.PRIVATE if started else Reach.NOT_STARTED


def recent(notices: Sequence[Notice], limit: int = 10) -> list[Notice]:
    """Newest first."""
    return sorted(notices, key=lambda n: (n.created_at, n.number), reverse=True)[:limit]
