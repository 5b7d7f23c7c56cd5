"""Notice use cases: notify, confirm, change, cancel, look; the tick's due work (resends,
reports, meeting reminders, tracking messages brought up to date); the after-send hooks.

Each change is one durable write holding the notice, every outbox entry it decides (the
personal messages too, however many: bot/notices/fanout.py) and the update id that caused it.
Sending is delivery's: a handler hands it what its write queued, the tick's flush what the
due work queued; each recipient is served from its own queue at the rate limiter's pace. The
tracking message is edited right after a change and on the tick, as the clock allows
(bot/notices/tracking.py): no background task, no sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot

from bot.core.clock import Clock
from bot.core.config import Lang, Settings
from bot.core.edits import edit_shown
from bot.core.models import OutboxEntry
from bot.core.render import RenderContext, Rendered
from bot.core.spaces import group_space
from bot.core.workdays import WorkCalendar
from bot.notices import fanout, records, rules, views
from bot.notices.recipients import Directory, Who
from bot.notices.rules import Confirm, Notice, NoticeRefused, Reach, Recipient
from bot.notices.tracking import TrackingPacer
from bot.notices.views import ListLine, NoticeCard, NoticeTracking
from bot.parsing import ParseError, parse_assignment
from bot.people.models import Person
from bot.people.rules import lang_of, tz_of
from bot.reminders.digest import digest_clock
from bot.reminders.views import DigestNotice, DigestSentNotice
from bot.tasks.models import Priority
from storage import Database, space_of_chat
from storage.notices import NoticeStore

log = logging.getLogger(__name__)

# A personal notice delivered this long after it was made was held for someone who has since
# started the bot: the tracking shows them as reachable now.
_LATE = timedelta(minutes=1)

AdminCheck = Callable[[int | None], Awaitable[bool]]
"""Is the person acting an admin: of the group with this chat id, or (None) of the bot?"""


@dataclass(frozen=True, slots=True)
class Created:
    notice: Notice
    entries: tuple[OutboxEntry, ...]  # all it queued: the tracking, the group post, personal
    sender_reachable: bool


@dataclass(frozen=True, slots=True)
class Confirmed:
    notice: Notice
    result: Confirm
    recipient: Recipient | None
    card: NoticeCard  # the notice as a recipient's copy shows it now


@dataclass(frozen=True, slots=True)
class Changed:
    before: Notice
    notice: Notice
    entries: tuple[OutboxEntry, ...]  # all it queued: the group's post, the personal ones


@dataclass(frozen=True, slots=True)
class Listing:
    """/notices: the lines and the zone their times are shown in."""

    lines: tuple[ListLine, ...]
    tz: ZoneInfo


@dataclass(frozen=True, slots=True)
class Export:
    content: bytes  # CSV
    filename: str
    confirmed: int
    total: int


@dataclass(frozen=True, slots=True)
class Shown:
    """A tracking message to show, in the sender's language."""

    rendered: Rendered
    lang: Lang


class NoticeService:
    """The notices feature's use cases, built once by the composition root."""

    def __init__(
        self,
        bot: Bot,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        calendar: WorkCalendar,
        directory: Directory | None = None,
    ) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.settings = settings
        self.calendar = calendar
        self.who = Who(db, directory)
        self.store = NoticeStore(db)
        self.pacer = TrackingPacer()

    # ----- reading ---------------------------------------------------------------------------
    def get(self, number: int) -> Notice:
        notice = self.store.get(number)
        if notice is None:
            raise NoticeRefused("unknown", number=number)
        return notice

    def recent_for(self, *, chat_id: int, user_id: int, limit: int = 10) -> Listing:
        """/notices: a group's notices in a group; privately the ones the person sent (all of
        them for a bot admin)."""
        if chat_id < 0:
            mine = [n for n in self.store.in_space(group_space(chat_id)) if n.chat_id == chat_id]
            tz = self.settings.tz
        else:
            everything = self.store.all()
            admin = user_id in self.settings.admins
            mine = everything if admin else [n for n in everything if n.sender == user_id]
            tz = tz_of(self.db.get_person(user_id), self.settings)
        return Listing(tuple(records.list_line(n) for n in rules.recent(mine, limit)), tz)

    async def _is_admin(self, notice: Notice, actor: int, admin: AdminCheck) -> bool:
        """The sender needs no admin rights; anyone else must be an admin of the bot, or of
        the group the notice was sent in."""
        if actor == notice.sender:
            return False
        return await admin(notice.chat_id if notice.from_group else None)

    async def _may_look(self, number: int, actor: int, admin: AdminCheck) -> Notice:
        """The notice, for its sender or an admin (its tracking has phones)."""
        notice = self.get(number)
        if actor != notice.sender and not await self._is_admin(notice, actor, admin):
            raise NoticeRefused("not_sender", number=number)
        return notice

    async def show(self, number: int, actor: int, admin: AdminCheck) -> Shown:
        """/notice <n>: the tracking as a new message (an admin looks; only the sender gets
        the buttons of an open notice)."""
        notice = await self._may_look(number, actor, admin)
        shown = self._render_tracking(notice)
        if notice.open and actor != notice.sender:
            return Shown(Rendered(shown.rendered.text), shown.lang)
        return shown

    async def export(self, number: int, actor: int, admin: AdminCheck, lang: Lang) -> Export:
        """/export notice <n>: everyone the notice went to, with status and confirmation time,
        in the asker's language and zone."""
        notice = await self._may_look(number, actor, admin)
        rows = records.export_rows(notice, self.who.reaches(notice))
        tz = tz_of(self.db.get_person(actor), self.settings)
        return Export(
            views.export_csv(rows, lang, tz),
            f"notice-{number}.csv",
            len(notice.confirmed()),
            len(notice.recipients),
        )

    # ----- writing ---------------------------------------------------------------------------
    def _commit(
        self,
        notice: Notice,
        entries: Sequence[OutboxEntry] = (),
        update_id: int | None = None,
        *,
        retired: Sequence[OutboxEntry] = (),
    ) -> tuple[Notice, tuple[OutboxEntry, ...]]:
        """Write the notice with `entries`, the entries of its queued personal messages and
        the ones they supersede, retired (with `retired`): one write. The notice as stored and
        the entries to send (`entries`, then the personal ones)."""
        made = fanout.FanOut()
        if notice.queue:
            notice, made = fanout.fan_out(
                notice,
                reach=self.who.reaches(notice),
                sender_name=self.who.name(notice.sender),
                stored=self.db.get_outbox,
                now=self.clock.now(),
            )
        with self.db.transaction(notice.space, update_id=update_id) as tx:
            self.store.put(tx, notice)
            for e in (*entries, *retired, *made.retired, *made.entries):
                tx.put_outbox(e)
        return notice, (*entries, *made.entries)

    def _read(self, body: str, now: datetime) -> tuple[datetime | None, bool]:
        """The meeting time and urgency a notice's text names."""
        try:
            parsed = parse_assignment(body, now=now, settings=self.settings, calendar=self.calendar)
        except ParseError:
            return None, False
        meeting = rules.meeting_time(body, parsed.due, now, self.settings.workday_end)
        return meeting, parsed.priority == Priority.URGENT

    # ----- creating --------------------------------------------------------------------------
    def create(
        self,
        *,
        actor: int,
        chat_id: int,
        text: str,
        mentions: Mapping[int, int] | None = None,
        replied_text: str | None = None,
        update_id: int | None = None,
        thread_id: int | None = None,
    ) -> Created:
        """Record a notice from `/notify <who> <text>`, with every message it sends (raises
        NoticeRefused)."""
        now = self.clock.now()
        space = space_of_chat(chat_id, actor)

        def is_roster(name: str) -> bool:
            return self.who.roster(space, name, actor) is not None

        command = rules.read_notify(
            text,
            is_roster=is_roster,
            mentions=mentions,
            replied_text=replied_text,
            rosters=self.who.roster_names(space, actor),
        )
        found = self.who.recipients(command.targets, space, actor, chat_id)
        recipients = rules.merge_recipients(found, sender=actor)
        if not recipients:
            raise NoticeRefused("no_recipients")
        meeting, urgent = self._read(command.text, now)
        notice = Notice(
            number=self.store.next_number(),
            space=space,
            chat_id=chat_id,
            sender=actor,
            text=command.text,
            created_at=now,
            recipients=recipients,
            meeting_at=meeting,
            urgent=urgent,
            interval=command.interval,
            max_resends=command.resends,
            updated_at=now,
            thread_id=thread_id,  # the forum topic it was sent from: its group posts go there
        )
        notice = rules.initial(notice, now, self.calendar)
        reach = self.who.reaches(notice)
        entries = [fanout.tracking_entry(notice, reach, now)]
        if notice.from_group:
            entries.append(fanout.group_post(notice, self.who.name(actor), reach, now))
        notice, queued = self._commit(notice, entries, update_id)
        return Created(notice, queued, self.who.reach(actor) == Reach.PRIVATE)

    def unconfirmed_for(self, user_id: int) -> list[DigestNotice]:
        """The open notices this person has not confirmed (and whose meeting, if any, is still
        to come), for their morning digest: number, text, meeting time (ISO), sender's name."""
        now = self.clock.now()
        out: list[DigestNotice] = []
        for notice in self.store.all():
            if not notice.open or (notice.meeting_at is not None and notice.meeting_at <= now):
                continue
            mine = next((r for r in notice.recipients if r.user_id == user_id), None)
            if mine is None or mine.confirmed:
                continue
            out.append(
                {
                    "number": notice.number,
                    "text": notice.text,
                    "meeting_at": records.iso(notice.meeting_at),
                    "sender": self.who.name(notice.sender),
                }
            )
        return out

    def meetings_for(self, user_id: int) -> list[Notice]:
        """Open notices with a meeting still ahead that this person sent or received, by
        meeting time (for their /calendar)."""
        now = self.clock.now()
        ahead = [
            (notice.meeting_at, notice)
            for notice in self.store.all()
            if notice.open and notice.meeting_at is not None and notice.meeting_at > now
            if notice.sender == user_id or any(r.user_id == user_id for r in notice.recipients)
        ]
        return [notice for _, notice in sorted(ahead, key=lambda p: (p[0], p[1].number))]

    def missing_for_sender(self, user_id: int) -> list[DigestSentNotice]:
        """The open notices this person sent that some have not confirmed (not reported yet,
        the meeting still to come), for their morning digest: number, text, meeting time,
        and who is missing ([name, phone])."""
        now = self.clock.now()
        out: list[DigestSentNotice] = []
        for notice in self.store.all():
            if notice.sender != user_id or not notice.open or notice.missing_reported:
                continue
            if notice.meeting_at is not None and notice.meeting_at <= now:
                continue
            missing: list[list[str | None]] = [[r.name, r.phone] for r in notice.missing()]
            if missing:
                out.append(
                    {
                        "number": notice.number,
                        "text": notice.text,
                        "meeting_at": records.iso(notice.meeting_at),
                        "missing": missing[: records.REPORT_LIMIT],
                    }
                )
        return out

    def _told_by_digest(self, notice: Notice, now: datetime) -> bool:
        """The sender's morning digest today, made after the notice went out, listed who is
        missing: the report would say it again."""
        person = self.db.get_person(notice.sender)
        if person is None or not person.reachable_privately:
            return False
        clock = digest_clock(person.digest_time, self.settings.digest_time)
        if clock is None:
            return False
        tz = tz_of(person, self.settings)
        today = now.astimezone(tz).date()
        if not self.calendar.is_workday(today):
            return False
        digest_at = datetime.combine(today, clock, tzinfo=tz)
        return notice.sent_at < digest_at <= now

    # ----- people becoming known --------------------------------------------------------------
    def bind_person(self, person: Person) -> list[OutboxEntry]:
        """Someone a notice named but the bot did not know (an @username, a roster entry)
        has been seen: each open notice waiting for them now goes to them, as it stands (held
        by delivery until they start the bot, if they have not). One write per notice, no
        update id (like TaskService.bind_person: this runs before the update's own change)."""
        now = self.clock.now()
        out: list[OutboxEntry] = []
        in_group = set(person.chats)
        for notice in self.store.all():
            # A name alone binds only within the group the notice was sent in.
            name = person.display_name if notice.chat_id in in_group else ""
            found = rules.waits_for(notice, person.user_id, person.username, name)
            if found is not None:
                bound = rules.bind(notice, found, person.user_id, person.display_name, now)
                _, queued = self._commit(bound)
                out.extend(queued)
        return out

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
        """A press of 收到 (counted once per person and version)."""
        now = self.clock.now()
        notice = self.get(number)
        after, result, recipient = rules.confirm(notice, user_id, username, version, now)
        if result == Confirm.CONFIRMED:
            self._commit(after, (), update_id)
        card = records.card(after, self.who.name(after.sender))
        return Confirmed(after, result, recipient, card)

    # ----- changing and cancelling -----------------------------------------------------------
    async def may_change(self, number: int, actor: int, admin: AdminCheck) -> None:
        """Refuse (NoticeRefused) unless `actor` may change or cancel the notice now."""
        notice = self.get(number)
        rules.may_manage(notice, actor, is_admin=await self._is_admin(notice, actor, admin))

    async def cancel_question(self, number: int, actor: int, admin: AdminCheck) -> Shown:
        """The tracking asking "really cancel?" (for whoever may cancel)."""
        await self.may_change(number, actor, admin)
        return self._render_tracking(self.get(number), question=True)

    def tracking_now(self, number: int) -> Shown:
        """The tracking as it stands (back from the question)."""
        return self._render_tracking(self.get(number))

    async def cancel(
        self, number: int, actor: int, admin: AdminCheck, *, update_id: int | None = None
    ) -> Changed:
        """Cancel: everyone it reached is told, what still waits for anyone is dropped."""
        is_admin = await self._is_admin(self.get(number), actor, admin)
        # Read, decide and write with nothing awaited in between (the tick writes too).
        now = self.clock.now()
        before = self.get(number)
        unsent = fanout.unsent(before, self.db.get_outbox)
        notice = rules.cancel(before, actor, now, is_admin=is_admin, unsent=unsent)
        entries = []
        if notice.from_group:
            told = records.cancelled(notice, self.who.name(actor))
            entries.append(fanout.group_entry(notice, told, now, "cancel:group"))
        withdrawn = fanout.withdrawn(before, self.db.get_outbox)
        notice, queued = self._commit(notice, entries, update_id, retired=withdrawn)
        return Changed(before, notice, queued)

    async def change(
        self,
        number: int,
        actor: int,
        text: str,
        admin: AdminCheck,
        *,
        update_id: int | None = None,
    ) -> Changed:
        """A change (what changed, as the sender says it): the notice keeps its text and shows
        the change; everyone gets it and confirms again."""
        is_admin = await self._is_admin(self.get(number), actor, admin)
        now = self.clock.now()
        before = self.get(number)
        rules.may_manage(before, actor, is_admin=is_admin)
        text, interval = rules.take_interval(text.strip())
        rules.check_text(text)
        meeting, urgent = self._read(text, now)
        base = replace(
            before,
            interval=rules.check_interval(interval) if interval else before.interval,
            max_resends=rules.MAX_RESENDS if interval else before.max_resends,
            urgent=urgent or before.urgent,
        )
        notice = rules.change(base, actor, text, meeting, now, self.calendar, is_admin=is_admin)
        entries = []
        if notice.from_group:
            sender = self.who.name(notice.sender)
            entries.append(fanout.group_post(notice, sender, self.who.reaches(notice), now))
        notice, queued = self._commit(notice, entries, update_id)
        return Changed(before, notice, queued)

    # ----- due work (the tick) -------------------------------------------------------------
    async def tick(self) -> None:
        """What is due by the clock, then the tracking messages brought up to date."""
        for number in self.run_due():
            await self.refresh_tracking(number)
        await self.refresh_trackings()

    def run_due(self) -> list[int]:
        """Apply what is due by the clock (resends, reports, meeting reminders), with every
        message it sends put in the outbox: one write per notice. The notices changed."""
        now = self.clock.now()
        changed = []
        for notice in self.store.active():
            actions = rules.due(notice, now)
            if not actions and not notice.queue:  # a queue: left by an older version
                continue
            after, entries = fanout.apply_due(
                notice,
                actions,
                reach=self.who.reaches(notice),
                calendar=self.calendar,
                now=now,
                reported_by_digest=self._told_by_digest(notice, now),
            )
            self._commit(after, entries)
            changed.append(notice.number)
        return changed

    # ----- the tracking message ----------------------------------------------------------
    async def refresh_trackings(self) -> None:
        """The tick's sweep: edit the tracking messages that still do not show their notice
        as it stands (bot/notices/tracking.py says when)."""
        now = self.clock.now()
        active = self.store.active()
        self.pacer.keep_only({n.number for n in active})
        for notice in active:
            await self._refresh(notice, now, sweep=True)

    async def refresh_tracking(self, number: int) -> None:
        """Right after a change of the notice: its tracking shows it now if the clock allows
        (else the tick's sweep does, once EDIT_GAP has passed)."""
        notice = self.store.get(number)
        if notice is not None:
            await self._refresh(notice, self.clock.now())

    async def _refresh(self, notice: Notice, now: datetime, *, sweep: bool = False) -> None:
        message_id = notice.tracking_message_id
        if message_id is None:  # not sent yet (or held for the sender)
            return
        shows = records.tracking(notice, self.who.reaches(notice))
        if self.pacer.due(notice, shows, now, sweep=sweep):
            self.pacer.editing(notice.number, now)
            await self._edit_tracking(notice, message_id, shows)

    async def _edit_tracking(self, notice: Notice, message_id: int, shows: NoticeTracking) -> None:
        number = notice.number
        shown = self._render_tracking(notice, shows)
        if not await edit_shown(
            self.bot,
            chat_id=notice.tracking_chat_id or notice.sender,
            message_id=message_id,
            rendered=shown.rendered,
            lang=shown.lang,
            what=f"tracking of notice {number}",
        ):
            return  # a later tick tries again
        self.pacer.shown(number, shows)
        fresh = self.store.get(number)
        if fresh is not None and fresh.shown_rev < notice.rev:
            self._commit(replace(fresh, shown_rev=notice.rev))

    def _render_tracking(
        self, notice: Notice, shows: NoticeTracking | None = None, *, question: bool = False
    ) -> Shown:
        """The tracking in the sender's language and zone."""
        person = self.db.get_person(notice.sender)
        lang = lang_of(person, self.settings)
        ctx = RenderContext(lang, tz_of(person, self.settings), self.clock.now(), self.bot.username)
        if shows is None:
            shows = records.tracking(notice, self.who.reaches(notice))
        if question:
            return Shown(views.tracking_cancel_question(shows, ctx), lang)
        return Shown(views.notice_tracking(shows, ctx), lang)

    # ----- after delivery sent something -------------------------------------------------
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
            )
        )
        self.pacer.sent(notice.number, NoticeTracking.from_json(entry.params), rev=notice.rev)

    def on_group_sent(self, entry: OutboxEntry) -> None:
        """Keep the group post's id (of the current version), to take its button off later."""
        notice = self.store.get(int(entry.params["number"]))
        if notice is None or entry.sent_message_id is None:
            return
        if int(entry.params.get("version", 0)) != notice.version:
            return
        self._commit(replace(notice, group_message_id=entry.sent_message_id))

    def on_notice_sent(self, entry: OutboxEntry) -> None:
        """A notice held for someone who has since started the bot went out: the tracking
        shows them as reachable."""
        if entry.sent_at is None or entry.sent_at - entry.created_at <= _LATE:
            return
        notice = self.store.get(int(entry.params["number"]))
        if notice is not None:
            self._commit(replace(notice, rev=notice.rev + 1))


__all__ = [
    "AdminCheck",
    "Changed",
    "Confirmed",
    "Created",
    "Export",
    "Listing",
    "NoticeService",
    "Shown",
]
