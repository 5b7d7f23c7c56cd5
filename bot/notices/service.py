"""Notice use cases: notify, confirm, cancel, change; the due work (resends, reports, meeting
reminders); the paced fan-out of personal messages; keeping the sender's tracking message true.

Each change is one durable write holding the notice, the outbox entries it queues and the
update id that caused it. Personal messages are not put in the outbox all at once: they wait
in the notice's queue and a pump moves at most PER_SECOND of them a second into the outbox
and sends them: a notice to 200 people never queues 200 messages ahead of everything else
the bot says (the rate limiter, bot/ratelimit.py, keeps Telegram's limits), stays under
Telegram's 30 a second even on its own, and a restart resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.clock import Clock
from bot.core.config import Lang, Settings
from bot.core.delivery import keyboard
from bot.core.i18n import t_plain
from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import RenderContext, Rendered
from bot.core.workdays import WorkCalendar
from bot.directory.service import DirectoryService
from bot.notices import rules
from bot.notices.rules import (
    Confirm,
    Kind,
    Notice,
    NoticeRefused,
    NoticeStatus,
    Outgoing,
    Reach,
    Recipient,
    Target,
)
from bot.parsing import ParseError, parse_assignment
from bot.people.rules import lang_of, tz_of
from bot.tasks.models import Priority
from storage import Database, space_of_chat
from storage.notices import NoticeStore

log = logging.getLogger(__name__)

# Personal messages moved into the outbox per second by the pump. Telegram allows about 30
# messages a second in all; the rest is left for the group post, tracking and other features.
PER_SECOND = 25
# Least time between two edits of one tracking message (confirmations arriving together are
# shown in one edit).
EDIT_GAP = 1.0
# A personal notice delivered this long after it was queued was held for someone who has
# since started the bot: the tracking shows them as reachable now.
_LATE = timedelta(minutes=1)
_MENTION_LIMIT = 50
_REPORT_LIMIT = 40

Spawn = Callable[[Callable[[], Awaitable[None]], str], bool]


@dataclass(frozen=True, slots=True)
class Created:
    notice: Notice
    entries: tuple[OutboxEntry, ...]
    sender_reachable: bool


@dataclass(frozen=True, slots=True)
class Confirmed:
    notice: Notice
    result: Confirm
    recipient: Recipient | None


@dataclass(frozen=True, slots=True)
class Changed:
    before: Notice
    notice: Notice
    entries: tuple[OutboxEntry, ...]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


#: Hand entries to delivery now (late-bound by the composition root: delivery is built last).
Deliver = Callable[[list[OutboxEntry]], Awaitable[None]]


class NoticeService:
    def __init__(
        self,
        bot: Bot,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        calendar: WorkCalendar,
        deliver: Deliver,
        spawn: Spawn,
        alive: Callable[[], bool],
        directory: DirectoryService | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.settings = settings
        self.calendar = calendar
        self._deliver = deliver
        self.directory = directory
        self.store = NoticeStore(db)
        # How to run background work (the application's tasks) and whether it is running.
        self._spawn = spawn
        self._alive = alive
        self._pumping = False
        self._refreshing = False
        self._dirty: set[int] = set()

    # ----- reading ---------------------------------------------------------------------------
    def get(self, number: int) -> Notice:
        notice = self.store.get(number)
        if notice is None:
            raise NoticeRefused("unknown", number=number)
        return notice

    def reach(self, user_id: int) -> Reach:
        person = self.db.get_person(user_id)
        if person is None:
            return Reach.NO_ACCOUNT
        return rules.reach_of(person.started, person.blocked, True)

    def _reachable(self, notice: Notice) -> set[int]:
        return {
            r.user_id
            for r in notice.recipients
            if r.user_id is not None and self.reach(r.user_id) == Reach.PRIVATE
        }

    def name(self, user_id: int) -> str:
        person = self.db.get_person(user_id)
        return person.display_name if person is not None else str(user_id)

    def recent_for(self, *, chat_id: int, user_id: int, limit: int = 10) -> list[Notice]:
        """/notices: a group's notices in a group; privately the ones the person sent (all of
        them for a bot admin)."""
        if chat_id < 0:
            mine = [n for n in self.store.in_space(f"g{chat_id}") if n.chat_id == chat_id]
        elif user_id in self.settings.admins:
            mine = self.store.all()
        else:
            mine = [n for n in self.store.all() if n.sender == user_id]
        return rules.recent(mine, limit)

    # ----- creating --------------------------------------------------------------------------
    def _roster(self, space: str, name: str, actor: int) -> list[Recipient] | None:
        if self.directory is None:
            return None
        members = self.directory.roster_members(space, name, actor)
        if members is None:
            return None
        return [
            Recipient(
                name=m.name,
                user_id=m.user_id,
                username=(m.username or "").lower().lstrip("@") or None,
                phone=m.phone,
            )
            for m in members
        ]

    def _phone(self, user_id: int, space: str, actor: int) -> str | None:
        if self.directory is None:
            return None
        spaces = list(dict.fromkeys([space, f"p{actor}", f"p{user_id}"]))
        try:
            return self.directory.phone_for(user_id, spaces)
        except Exception:  # the directory is another feature: a lookup must not stop a notice
            log.exception("phone lookup for %s failed", user_id)
            return None

    def _person(self, user_id: int, space: str, actor: int) -> Recipient:
        person = self.db.get_person(user_id)
        return Recipient(
            name=person.display_name if person else str(user_id),
            user_id=user_id,
            username=(person.username or "").lower() or None if person else None,
            phone=self._phone(user_id, space, actor),
        )

    def _recipients(
        self, targets: list[Target], space: str, actor: int, chat_id: int
    ) -> list[Recipient]:
        out: list[Recipient] = []
        for target in targets:
            if target.kind == "roster":
                out.extend(self._roster(space, target.value, actor) or [])
            elif target.kind == "everyone":
                if chat_id > 0:
                    raise NoticeRefused("everyone_private")
                ws = self.db.get_workspace(chat_id)
                members = [m for m in (ws.members if ws else ()) if m != actor]
                if not members:
                    raise NoticeRefused("everyone_unknown")
                out.extend(self._person(uid, space, actor) for uid in members)
            elif target.value.startswith("id:"):
                out.append(self._person(int(target.value[3:]), space, actor))
            else:
                found = self.db.find_person(target.value)
                if found is not None:
                    out.append(self._person(found.user_id, space, actor))
                else:
                    out.append(Recipient(name=f"@{target.value}", username=target.value))
        return out

    def _read(self, body: str, now: datetime) -> tuple[datetime | None, bool]:
        """The meeting time and urgency a notice's text names."""
        try:
            parsed = parse_assignment(body, now=now, settings=self.settings, calendar=self.calendar)
        except ParseError:
            return None, False
        meeting = rules.meeting_time(body, parsed.due, now, self.settings.workday_end)
        return meeting, parsed.priority == Priority.URGENT

    def create(
        self,
        *,
        actor: int,
        chat_id: int,
        text: str,
        mentions: Mapping[int, int] | None = None,
        replied_text: str | None = None,
        update_id: int | None = None,
    ) -> Created:
        """Record a notice from `/notify <who> <text>` (raises NoticeRefused)."""
        now = self.clock.now()
        space = space_of_chat(chat_id, actor)
        text, interval = rules.take_interval(text)
        unknown_roster: list[str] = []

        def is_roster(name: str) -> bool:
            return self._roster(space, name, actor) is not None

        targets, body = rules.split_targets(text, is_roster=is_roster, mentions=mentions)
        if not targets:
            first = text.split(maxsplit=1)[0] if text.strip() else ""
            if first.startswith("#"):
                unknown_roster.append(first[1:])
                raise NoticeRefused("unknown_roster", name=first[1:])
            raise NoticeRefused("no_targets")
        if not body.strip() and replied_text:
            body, interval2 = rules.take_interval(replied_text)
            interval = interval or interval2
        rules.check_text(body)
        minutes = rules.check_interval(interval) if interval else rules.DEFAULT_INTERVAL
        recipients = rules.merge_recipients(
            self._recipients(targets, space, actor, chat_id), sender=actor
        )
        if not recipients:
            raise NoticeRefused("no_recipients")
        meeting, urgent = self._read(body, now)
        notice = Notice(
            number=self.store.next_number(),
            space=space,
            chat_id=chat_id,
            sender=actor,
            text=body,
            created_at=now,
            recipients=recipients,
            meeting_at=meeting,
            urgent=urgent,
            interval=minutes,
            updated_at=now,
        )
        notice = rules.initial(notice, now, self.calendar)
        entries = [self._tracking_entry(notice, now)]
        if notice.from_group:
            entries.append(self._group_entry(notice, now, "notice"))
        self._commit(notice, entries, update_id)
        return Created(notice, tuple(entries), self.reach(actor) == Reach.PRIVATE)

    def notice_params(
        self, notice: Notice, kind: str = "notice", round_: int = 0
    ) -> dict[str, Any]:
        return {
            "number": notice.number,
            "version": notice.version,
            "text": notice.text,
            "sender_name": self.name(notice.sender),
            "meeting_at": _iso(notice.meeting_at),
            "urgent": notice.urgent,
            "kind": kind,
            "round": round_,
        }

    def _group_entry(self, notice: Notice, now: datetime, kind: str) -> OutboxEntry:
        unreachable = [
            [r.user_id, r.name]
            for r in notice.recipients
            if r.user_id is not None and self.reach(r.user_id) != Reach.PRIVATE
        ]
        return new_entry(
            space=notice.space,
            now=now,
            template="notice_group",
            params={
                **self.notice_params(notice, kind),
                "mentions": unreachable[:_MENTION_LIMIT],
                "total": len(notice.recipients),
            },
            to_chat=notice.chat_id,
            key=f"n{notice.number}:v{notice.version}:group",
        )

    def _tracking_entry(self, notice: Notice, now: datetime) -> OutboxEntry:
        return new_entry(
            space=notice.space,
            now=now,
            template="notice_tracking",
            params=self.tracking_params(notice),
            to_user=notice.sender,
            key=f"n{notice.number}:tracking",
        )

    def tracking_params(self, notice: Notice, *, full: bool = False) -> dict[str, Any]:
        """A JSON-able snapshot of the tracking (who confirmed, who is missing, phones)."""
        reach = {r.user_id: self.reach(r.user_id) for r in notice.recipients if r.user_id}
        view = rules.tracking(notice, reach, full=full)
        return {
            "number": notice.number,
            "version": notice.version,
            "text": notice.text,
            "status": notice.status.value,
            "meeting_at": _iso(notice.meeting_at),
            "total": view.total,
            "confirmed_count": len(view.confirmed) + view.more_confirmed,
            "waiting_count": len(view.waiting) + view.more_waiting,
            "unreachable_count": len(view.unreachable) + view.more_unreachable,
            "confirmed": [
                [x.name, x.username, x.phone, _iso(x.confirmed_at)] for x in view.confirmed
            ],
            "waiting": [[x.name, x.username, x.phone, x.reach.value] for x in view.waiting],
            "unreachable": [[x.name, x.username, x.phone, x.reach.value] for x in view.unreachable],
            "more_confirmed": view.more_confirmed,
            "more_waiting": view.more_waiting,
            "more_unreachable": view.more_unreachable,
            "resends": notice.resends,
            "max_resends": rules.MAX_RESENDS,
            "next_at": _iso(notice.next_at),
            "missing_reported": notice.missing_reported,
            "changed_at": _iso(notice.changed_at),
            "cancelled_at": _iso(notice.cancelled_at),
        }

    def _commit(
        self, notice: Notice, entries: list[OutboxEntry], update_id: int | None = None
    ) -> None:
        with self.db.transaction(notice.space, update_id=update_id) as tx:
            self.store.put(tx, notice)
            for e in entries:
                tx.put_outbox(e)

    # ----- confirming ------------------------------------------------------------------------
    def confirm(
        self,
        number: int,
        version: int,
        user_id: int,
        username: str | None,
        *,
        update_id: int | None = None,
    ) -> Confirmed:
        now = self.clock.now()
        notice = self.get(number)
        after, result, recipient = rules.confirm(notice, user_id, username, version, now)
        if result == Confirm.CONFIRMED:
            self._commit(after, [], update_id)
        return Confirmed(after, result, recipient)

    # ----- cancelling and changing -----------------------------------------------------------
    def cancel(
        self, number: int, actor: int, *, is_admin: bool, update_id: int | None = None
    ) -> Changed:
        now = self.clock.now()
        before = self.get(number)
        notice = rules.cancel(before, actor, now, is_admin=is_admin)
        entries = []
        if notice.from_group:
            entries.append(
                new_entry(
                    space=notice.space,
                    now=now,
                    template="notice_cancelled",
                    params={"number": number, "text": notice.text, "who": self.name(actor)},
                    to_chat=notice.chat_id,
                    key=f"n{number}:cancel:group",
                )
            )
        self._commit(notice, entries, update_id)
        return Changed(before, notice, tuple(entries))

    def change(
        self, number: int, actor: int, text: str, *, is_admin: bool, update_id: int | None = None
    ) -> Changed:
        now = self.clock.now()
        before = self.get(number)
        rules.may_manage(before, actor, is_admin=is_admin)
        text, interval = rules.take_interval(text.strip())
        rules.check_text(text)
        meeting, urgent = self._read(text, now)
        base = replace(
            before, interval=rules.check_interval(interval) if interval else before.interval
        )
        base = replace(base, urgent=urgent)
        notice = rules.change(base, actor, text, meeting, now, self.calendar, is_admin=is_admin)
        entries = []
        if notice.from_group:
            entries.append(self._group_entry(notice, now, "group_changed"))
        self._commit(notice, entries, update_id)
        return Changed(before, notice, tuple(entries))

    # ----- due work (the tick) -------------------------------------------------------------
    def run_due(self) -> list[OutboxEntry]:
        """Apply what is due by the clock (resends, reports, meeting reminders); one write per
        notice. Returns the entries to send now (the queued personal ones go by the pump)."""
        now = self.clock.now()
        out: list[OutboxEntry] = []
        for notice in self.store.active():
            actions = rules.due(notice, now)
            if not actions:
                continue
            reachable = self._reachable(notice)
            entries: list[OutboxEntry] = []
            for action in actions:
                if action == rules.Due.RESEND:
                    notice = rules.resend(notice, now, self.calendar, reachable)
                elif action == rules.Due.REPORT:
                    entries.append(self._report_entry(notice, now))
                    notice = rules.reported(notice, now)
                elif action == rules.Due.MEETING:
                    notice = rules.meeting_reminded(notice, now, reachable)
                    group = self._meeting_group_entry(notice, now, reachable)
                    if group is not None:
                        entries.append(group)
            self._commit(notice, entries)
            out.extend(entries)
        return out

    def _report_entry(self, notice: Notice, now: datetime) -> OutboxEntry:
        reach = {r.user_id: self.reach(r.user_id) for r in notice.recipients if r.user_id}
        missing = notice.missing()
        people = [
            [
                r.name,
                r.username,
                r.phone,
                (reach.get(r.user_id, Reach.NOT_STARTED) if r.user_id else Reach.NO_ACCOUNT).value,
            ]
            for r in missing
        ]
        remind_at = notice.meeting_remind_at
        return new_entry(
            space=notice.space,
            now=now,
            template="notice_missing",
            params={
                "number": notice.number,
                "text": notice.text,
                "count": len(missing),
                "resends": notice.resends,
                "people": people[:_REPORT_LIMIT],
                "more": max(0, len(people) - _REPORT_LIMIT),
                "meeting_near": remind_at is not None and now >= remind_at,
            },
            to_user=notice.sender,
            key=f"n{notice.number}:v{notice.version}:missing",
        )

    def _meeting_group_entry(
        self, notice: Notice, now: datetime, reachable: set[int]
    ) -> OutboxEntry | None:
        """Confirmers the bot cannot write to privately (they confirmed in the group) are
        reminded in the group, by mention."""
        if not notice.from_group:
            return None
        there = [
            [r.user_id, r.name]
            for r in notice.confirmed()
            if r.user_id is not None and r.user_id not in reachable
        ]
        if not there:
            return None
        return new_entry(
            space=notice.space,
            now=now,
            template="notice_meeting",
            params={**self.notice_params(notice), "mentions": there[:_MENTION_LIMIT]},
            to_chat=notice.chat_id,
            key=f"n{notice.number}:v{notice.version}:meeting:group",
        )

    # ----- the paced fan-out -----------------------------------------------------------------
    def take_chunk(self, limit: int) -> tuple[list[OutboxEntry], set[int]]:
        """Move up to `limit` queued personal messages into the outbox (one write per notice)."""
        now = self.clock.now()
        out: list[OutboxEntry] = []
        touched: set[int] = set()
        for notice in self.store.active():
            if len(out) >= limit:
                break
            if not notice.queue:
                continue
            rest, items = rules.take_queue(notice, limit - len(out))
            entries, retired = self._materialise(rest, items, now)
            with self.db.transaction(notice.space) as tx:
                self.store.put(tx, rest)
                for e in (*retired, *entries):
                    tx.put_outbox(e)
            out.extend(entries)
            touched.add(notice.number)
        return out, touched

    def _materialise(
        self, notice: Notice, items: list[Outgoing], now: datetime
    ) -> tuple[list[OutboxEntry], list[OutboxEntry]]:
        """Outbox entries for queued messages, and held entries of older versions to retire
        (someone who starts the bot later gets the notice as it now stands, once)."""
        entries: list[OutboxEntry] = []
        retired: list[OutboxEntry] = []
        n = notice.number
        for item in items:
            uid = item.user_id
            reachable = self.reach(uid) == Reach.PRIVATE
            if item.kind in (Kind.CHANGED, Kind.CANCELLED):
                # A change retires the earlier versions; a cancel retires them all.
                last = item.version if item.kind == Kind.CANCELLED else item.version - 1
                for v in range(1, last + 1):
                    for kind in (Kind.NOTICE, Kind.CHANGED):
                        held = self.db.get_outbox(f"n{n}:v{v}:{kind.value}:{uid}")
                        if held is not None and held.failed == "unreachable":
                            retired.append(replace(held, failed="superseded"))
            if item.kind in (Kind.NOTICE, Kind.CHANGED):
                if item.version != notice.version:
                    continue
                params = self.notice_params(notice, item.kind.value)
                key = f"n{n}:v{item.version}:{item.kind.value}:{uid}"
            elif item.kind == Kind.RESEND:
                if not reachable or item.version != notice.version:
                    continue
                params = self.notice_params(notice, "resend", item.round)
                key = f"n{n}:v{item.version}:resend{item.round}:{uid}"
            elif item.kind == Kind.MEETING:
                if not reachable:
                    continue
                params = self.notice_params(notice, "meeting")
                key = f"n{n}:v{item.version}:meeting:{uid}"
                entries.append(self._entry(notice, now, "notice_meeting", params, uid, key))
                continue
            else:  # CANCELLED
                if not reachable:
                    continue
                params = {"number": n, "text": notice.text, "who": self.name(notice.sender)}
                key = f"n{n}:cancel:{uid}"
                entries.append(self._entry(notice, now, "notice_cancelled", params, uid, key))
                continue
            entries.append(self._entry(notice, now, "notice", params, uid, key))
        return entries, retired

    def _entry(
        self,
        notice: Notice,
        now: datetime,
        template: str,
        params: dict[str, Any],
        uid: int,
        key: str,
    ) -> OutboxEntry:
        # No fallback chat: the group post already reaches those the bot cannot write to,
        # and the tracking lists them; an entry for them is held until they start the bot.
        return new_entry(
            space=notice.space, now=now, template=template, params=params, to_user=uid, key=key
        )

    def kick(self) -> None:
        """Start the pump if personal messages wait and it is not running."""
        if self._pumping:
            return
        self._pumping = True
        if not self._spawn(self._pump, "notices:pump"):
            self._pumping = False

    async def _pump(self) -> None:
        try:
            while self._alive():
                started = time.monotonic()
                entries, touched = self.take_chunk(PER_SECOND)
                if not entries:
                    break
                await self._deliver(entries)
                self._after_chunk(entries, touched)
                # Telegram's limits are kept by the bot's rate limiter (bot/ratelimit.py); the
                # pump keeps a notice to hundreds from filling the limiter's queue ahead of
                # everything else (a chunk a second lets other messages through in between).
                await self._pause(1.0 - (time.monotonic() - started))
        finally:
            self._pumping = False

    def _after_chunk(self, entries: list[OutboxEntry], touched: set[int]) -> None:
        """A send refused (403: blocked) changes who is reachable: the tracking shows it."""
        failed: set[int] = set()
        for e in entries:
            stored = self.db.get_outbox(e.id)
            if stored is not None and stored.failed is not None and stored.attempts > 0:
                failed.add(int(e.params.get("number", 0)))
        for number in failed & touched:
            self._touch(number)

    def _touch(self, number: int) -> None:
        """Something the tracking shows changed outside the notice itself (who is reachable)."""
        notice = self.store.get(number)
        if notice is None:
            return
        self._commit(replace(notice, rev=notice.rev + 1), [])
        self.request_refresh(number)

    async def _pause(self, seconds: float) -> None:
        # Polls "is the application still running": PTB offers no stop event to wait on, and
        # Application.stop() awaits this task, so it must notice the stop quickly.
        end = time.monotonic() + seconds
        while self._alive() and time.monotonic() < end:  # noqa: ASYNC110
            await asyncio.sleep(min(0.05, end - time.monotonic()))

    # ----- the tracking message --------------------------------------------------------------
    def on_tracking_sent(self, entry: OutboxEntry) -> None:
        """Keep the tracking message's id, to edit it as confirmations arrive."""
        notice = self.store.get(int(entry.params["number"]))
        if notice is None or entry.sent_message_id is None:
            return
        self._commit(
            replace(
                notice,
                tracking_chat_id=entry.sent_chat_id,
                tracking_message_id=entry.sent_message_id,
            ),
            [],
        )
        if notice.rev > notice.shown_rev:
            self.request_refresh(notice.number)

    def on_group_sent(self, entry: OutboxEntry) -> None:
        notice = self.store.get(int(entry.params["number"]))
        if notice is None or entry.sent_message_id is None:
            return
        if int(entry.params.get("version", 0)) != notice.version:
            return
        self._commit(replace(notice, group_message_id=entry.sent_message_id), [])

    def on_notice_sent(self, entry: OutboxEntry) -> None:
        """A notice held for someone who has since started the bot went out."""
        if entry.sent_at is not None and entry.sent_at - entry.created_at > _LATE:
            self._touch(int(entry.params["number"]))

    def request_refresh(self, number: int) -> None:
        """Edit the tracking message soon (at once, or in a second if it was just edited)."""
        self._dirty.add(number)
        if self._refreshing:
            return
        self._refreshing = True
        if not self._spawn(self._refresher, "notices:tracking"):
            self._refreshing = False

    async def _refresher(self) -> None:
        try:
            while self._dirty and self._alive():
                numbers = sorted(self._dirty)
                self._dirty.clear()
                for number in numbers:
                    await self.edit_tracking(number)
                await self._pause(EDIT_GAP)
        finally:
            self._refreshing = False

    def sender_context(self, notice: Notice) -> RenderContext:
        person = self.db.get_person(notice.sender)
        return RenderContext(
            lang_of(person, self.settings),
            tz_of(person, self.settings),
            self.clock.now(),
            self.bot.username,
        )

    def render_tracking(self, notice: Notice, *, question: bool = False) -> tuple[Rendered, Lang]:
        from bot.notices.views import notice_tracking, tracking_cancel_question

        ctx = self.sender_context(notice)
        params = self.tracking_params(notice)
        if question:
            return tracking_cancel_question(params, ctx), ctx.lang
        return notice_tracking(params, ctx), ctx.lang

    async def edit_tracking(self, number: int) -> None:
        """Make the tracking message show the notice as it now stands."""
        notice = self.store.get(number)
        if notice is None or notice.tracking_message_id is None or not notice.tracking_stale:
            return
        rev = notice.rev
        rendered, lang = self.render_tracking(notice)
        try:
            await self.bot.edit_message_text(
                rendered.text,
                chat_id=notice.tracking_chat_id or notice.sender,
                message_id=notice.tracking_message_id,
                reply_markup=keyboard(rendered, lang),  # type: ignore[arg-type]
            )
        except BadRequest as exc:
            if "not modified" not in (exc.message or "").lower():
                log.warning("tracking of notice %s not edited: %s", number, exc.message)
        except Forbidden:
            log.info("tracking of notice %s: the sender blocked the bot", number)
        except TelegramError as exc:  # network, flood: the tick tries again
            log.info("tracking of notice %s not edited now: %s", number, exc)
            return
        fresh = self.store.get(number)
        if fresh is not None and fresh.shown_rev < rev:
            self._commit(replace(fresh, shown_rev=rev), [])

    def refresh_stale(self) -> None:
        """After a restart (or a failed edit): tracking messages behind their notice."""
        for notice in self.store.active():
            if notice.tracking_stale:
                self.request_refresh(notice.number)
            if notice.queue:
                self.kick()

    # ----- export ----------------------------------------------------------------------------
    def export_csv(self, notice: Notice, lang: Lang, ctx: RenderContext) -> bytes:
        """The full confirmation list: name, username, phone, status, confirmed at. UTF-8 with
        a BOM, which is what Excel needs to open Chinese text correctly."""
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(
            [
                t_plain(lang, f"notices.csv_{k}")
                for k in ("name", "username", "phone", "status", "confirmed_at")
            ]
        )
        for r in notice.recipients:
            if r.confirmed_at is not None:
                status = t_plain(lang, "notices.status_confirmed")
                at = r.confirmed_at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")
            else:
                how = self.reach(r.user_id) if r.user_id is not None else Reach.NO_ACCOUNT
                at = ""
                status = (
                    t_plain(lang, "notices.status_waiting")
                    if how == Reach.PRIVATE
                    else t_plain(
                        lang,
                        "notices.status_unreachable",
                        why=t_plain(lang, f"notices.reach_{how.value}"),
                    )
                )
            writer.writerow(
                [r.name, f"@{r.username}" if r.username else "", r.phone or "", status, at]
            )
        return ("\ufeff" + buf.getvalue()).encode("utf-8")


__all__ = ["Changed", "Confirmed", "Created", "NoticeService", "NoticeStatus"]
