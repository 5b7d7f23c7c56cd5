"""Collection use cases: /collect, handing in, 提交, 办不了, /collect stop; the due work by the
clock (reminders to those missing, the deadline and its bundle, the next round, people who
showed up); keeping the sender's tracking message true and passing files on.

Each change is one durable write holding the collection, the outbox entries it queues and the
Telegram update id that caused it (exactly once). The files and charts the feature makes
(xlsx, ics, PNG) are `ReportFiles` (bot/reports/files.py), reached as `service.files`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.core.clock import Clock
from bot.core.config import Lang, Settings
from bot.core.i18n import t_plain
from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import RenderContext, Rendered
from bot.core.spaces import group_space, private_space
from bot.core.workdays import WorkCalendar
from bot.directory.service import DirectoryService
from bot.notices.rules import Notice, NoticeRefused
from bot.notices.service import NoticeService
from bot.parsing import parse_assignment
from bot.people.rules import lang_of, name_of, tz_of
from bot.reports import rules, views
from bot.reports.files import File, Meeting, ReportFiles
from bot.reports.models import (
    Collection,
    Forward,
    Item,
    ItemKind,
    Member,
    MemberState,
    OwedChart,
)
from bot.reports.rules import ReportRefused, Target
from bot.reports.views import (
    CollectBundle,
    CollectLate,
    CollectReminder,
    CollectRequest,
    CollectTracking,
    Line,
    Listed,
)
from storage import Database, space_of_chat
from storage.reports import CollectionStore

log = logging.getLogger(__name__)
_LISTED = 15  # collections /collect shows


class Collections(Protocol):
    """Where collections are kept (storage/reports.py `CollectionStore`)."""

    def next_number(self) -> int: ...
    def get(self, number: int) -> Collection | None: ...
    def save(
        self,
        collections: Sequence[Collection],
        entries: Sequence[OutboxEntry] = (),
        *,
        update_id: int | None = None,
    ) -> None: ...
    def active(self) -> list[Collection]: ...
    def of_sender(self, user_id: int) -> list[Collection]: ...
    def asking(self, user_id: int) -> list[Collection]: ...
    def by_request(self, chat_id: int, message_id: int) -> Collection | None: ...
    def in_space(self, space: str) -> list[Collection]: ...
    def owe_chart(self, owed: OwedChart) -> None: ...
    def owed_charts(self) -> list[OwedChart]: ...
    def chart_sent(self, owed: OwedChart) -> None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a use case did: the collection as it now stands, and what it queued."""

    collection: Collection
    entries: tuple[OutboxEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class HandedIn:
    collection: Collection
    member: Member  # as it now stands


@dataclass(frozen=True, slots=True)
class FileToPass:
    """A file handed in, to send on to the sender (by its Telegram file_id)."""

    collection: Collection
    forward: Forward
    member: Member
    item: Item


class ReportService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        calendar: WorkCalendar,
        *,
        directory: DirectoryService,
        notices: NoticeService | None = None,
        store: Collections | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.calendar = calendar
        self.directory = directory
        self.notices = notices
        self.store: Collections = store if store is not None else CollectionStore(db)
        self.files = ReportFiles(db, clock, settings, calendar, meeting_of=self._meeting)
        # Files and charts being sent right now (in this process), so two ticks never both do.
        self._claimed: set[str] = set()

    def _meeting(self, number: int) -> Meeting | None:
        """A notice with a meeting time, as its calendar event needs it."""
        if self.notices is None:
            return None
        try:
            notice = self.notices.get(number)
        except NoticeRefused:
            return None
        return _meeting_of(notice)

    # ----- reading -------------------------------------------------------------------------
    def get(self, number: int) -> Collection:
        c = self.store.get(number)
        if c is None:
            raise ReportRefused("unknown", number=number)
        return c

    def name(self, user_id: int | None, username: str | None = None) -> str:
        person = self.db.get_person(user_id) if user_id is not None else None
        return name_of(person, user_id, username)

    def reader(self, user_id: int) -> RenderContext:
        """How a person reads: their language, zone, now."""
        person = self.db.get_person(user_id)
        return RenderContext(
            lang_of(person, self.settings), tz_of(person, self.settings), self.clock.now()
        )

    def reachable(self, user_id: int) -> bool:
        person = self.db.get_person(user_id)
        return person is not None and person.reachable_privately

    def listing(self, user_id: int, chat_id: int) -> list[Listed]:
        """/collect: in a group, the ones made there; privately, the ones I sent or am asked for
        (open first, newest first)."""
        if chat_id < 0:  # counts only: what each person handed in is the sender's
            found = [c for c in self.store.in_space(group_space(chat_id)) if c.chat_id == chat_id]
            mine = {c.number for c in found}
        else:
            sent = self.store.of_sender(user_id)
            mine = {c.number for c in sent}
            found = sent + [c for c in self.store.asking(user_id) if c.number not in mine]
        found.sort(key=lambda c: (not c.is_open, -c.number))
        items = []
        for c in found[:_LISTED]:
            own = c.member_of(user_id)
            items.append(
                Listed(
                    number=c.number,
                    title=c.title,
                    due=c.due.isoformat(),
                    count=len(c.submitted()),
                    total=len(c.members),
                    closed=not c.is_open,
                    mine=c.number in mine or own is None,
                    state=own.state.value if own is not None and c.number not in mine else "",
                    recurrence=c.recurrence,
                )
            )
        return items

    # ----- creating ------------------------------------------------------------------------
    def create(
        self,
        *,
        actor: int,
        chat_id: int,
        text: str,
        mentions: Mapping[int, int] | None = None,
        update_id: int | None = None,
    ) -> Outcome:
        """/collect <who> <deadline> <what> (raises ReportRefused / ParseError).

        Told: each member with an account (the request; held for someone who has not started
        the bot, the sender told), and the sender (the tracking message).
        """
        now = self.clock.now()
        space = space_of_chat(chat_id, actor)

        def is_roster(name: str) -> bool:
            return self.directory.find_roster(space, name, actor) is not None

        targets, body = rules.split_targets(text, is_roster=is_roster, mentions=mentions)
        if not targets:
            raise ReportRefused("no_targets")
        members = rules.merge_members(self._members(targets, space, actor, chat_id), sender=actor)
        if not members:
            raise ReportRefused("no_members")
        parsed = parse_assignment(body, now=now, settings=self.settings, calendar=self.calendar)
        due = rules.check_new(parsed.title, parsed.due, now)
        c = Collection(
            number=self.store.next_number(),
            space=space,
            chat_id=chat_id,
            sender=actor,
            title=parsed.title,
            created_at=now,
            due=due,
            members=members,
            targets=tuple(target.text for target in targets),
            recurrence=parsed.recurrence,
            first_due=due,
            updated_at=now,
        )
        entries = [*self._requests(c, now), self._tracking_entry(c, now)]
        self.store.save([c], entries, update_id=update_id)
        return Outcome(c, tuple(entries))

    def _members(
        self, targets: Sequence[Target], space: str, actor: int, chat_id: int
    ) -> list[Member]:
        out: list[Member] = []
        for target in targets:
            if target.kind == "roster":
                found = self.directory.roster_members(space, target.value, actor) or []
                out.extend(
                    self._roster_member(m.name, m.user_id, m.username, m.phone) for m in found
                )
            elif target.kind == "everyone":
                if chat_id > 0:
                    raise ReportRefused("everyone_private")
                ws = self.db.get_workspace(chat_id)
                out.extend(self._person(uid, space, actor) for uid in (ws.members if ws else ()))
            elif target.value.startswith("id:"):
                out.append(self._person(int(target.value[3:]), space, actor))
            else:
                person = self.db.find_person(target.value)
                if person is not None:
                    out.append(self._person(person.user_id, space, actor))
                else:
                    out.append(Member(name=f"@{target.value}", username=target.value.lower()))
        return out

    def _roster_member(
        self, name: str, user_id: int | None, username: str | None, phone: str | None
    ) -> Member:
        person = self.db.get_person(user_id) if user_id is not None else None
        username = username or (person.username if person is not None else None)
        return Member(
            name=name,
            user_id=user_id,
            username=(username or "").lower().lstrip("@") or None,
            phone=phone,
        )

    def _person(self, user_id: int, space: str, actor: int) -> Member:
        person = self.db.get_person(user_id)
        spaces = list(dict.fromkeys([space, private_space(actor), private_space(user_id)]))
        return Member(
            name=name_of(person, user_id),
            user_id=user_id,
            username=(person.username or "").lower() or None if person else None,
            phone=self.directory.phone_for(user_id, spaces),
        )

    # ----- the entries ---------------------------------------------------------------------
    def _requests(
        self, c: Collection, now: datetime, only: Sequence[Member] | None = None
    ) -> list[OutboxEntry]:
        return [
            new_entry(
                space=c.space,
                now=now,
                message=CollectRequest(
                    number=c.number,
                    title=c.title,
                    sender_name=self.name(c.sender),
                    due=c.due.isoformat(),
                    user_id=m.user_id,
                    recurrence=c.recurrence,
                    round=c.round,
                ),
                to_user=m.user_id,
                origin_user=c.sender,  # told when it cannot be delivered
                key=f"c{c.number}:request:{m.user_id}",
            )
            for m in (c.members if only is None else only)
            if m.user_id is not None
        ]

    def _tracking_entry(self, c: Collection, now: datetime) -> OutboxEntry:
        return new_entry(
            space=c.space,
            now=now,
            message=self.tracking(c),
            to_user=c.sender,
            key=f"c{c.number}:tracking",
        )

    def _line(self, m: Member, *, content: bool = False) -> Line:
        reach = ""
        if not m.answered:
            if m.user_id is None:
                reach = "no_account"
            else:
                person = self.db.get_person(m.user_id)
                if person is None or not person.started:
                    reach = "not_started"
                elif person.blocked:
                    reach = "blocked"
        texts = [i.text for i in m.items if i.kind == ItemKind.TEXT] if content else []
        files = [self._file_label(i) for i in m.items if i.kind != ItemKind.TEXT] if content else []
        return Line(
            name=m.name,
            state=m.state.value,
            at=m.answered_at.isoformat() if m.answered_at else None,
            late=m.late,
            phone=m.phone,
            reach=reach,
            reason=m.reason,
            drafted=len(m.items) if m.state == MemberState.DRAFTING else 0,
            texts=[_cut(x) for x in texts],
            files=files,
        )

    @staticmethod
    def _file_label(item: Item) -> str:
        name = item.file_name or item.kind.value
        return f"{name}（{item.text}）" if item.text else name

    def tracking(self, c: Collection) -> CollectTracking:
        """The sender's tracking message as the collection stands."""
        return CollectTracking(
            number=c.number,
            title=c.title,
            due=c.due.isoformat(),
            lines=[self._line(m).to_json() for m in c.members],
            recurrence=c.recurrence,
            round=c.round,
            closed=not c.is_open,
            bundled=c.bundled,
            reminded=sum(1 for m in c.members if m.reminded),
            next_at=c.next_at.isoformat() if c.next_at else None,
        )

    def _bundle(self, c: Collection, now: datetime) -> tuple[Collection, list[OutboxEntry]]:
        """Everything handed in, to the sender, in as few messages as fit; the round closes."""
        answered = sorted(
            c.answered(), key=lambda m: (m.state != MemberState.SUBMITTED, m.answered_at or now)
        )
        lines = [self._line(m, content=True) for m in answered]
        missing = [self._line(m).to_json() for m in c.missing()]
        parts = views.bundle_parts(lines)
        files = sum(len(rules.files_of(m)) for m in c.submitted())
        entries = []
        for i, part in enumerate(parts, start=1):
            record = CollectBundle(
                number=c.number,
                title=c.title,
                due=c.due.isoformat(),
                count=len(c.submitted()),
                total=len(c.members),
                lines=[x.to_json() for x in part],
                missing=missing if i == 1 else [],
                part=i,
                parts=len(parts),
                files=files if i == len(parts) else 0,
            )
            entries.append(
                new_entry(
                    space=c.space,
                    now=now,
                    message=record,
                    to_user=c.sender,
                    key=f"c{c.number}:bundle:{i}",
                )
            )
        return rules.bundled(c, now, entries[-1].id, self.calendar), entries

    def _late(
        self, c: Collection, member: Member, now: datetime
    ) -> tuple[Collection, list[OutboxEntry]]:
        record = CollectLate(
            number=c.number,
            title=c.title,
            line=self._line(member, content=True).to_json(),
            count=len(c.submitted()),
            total=len(c.members),
        )
        entry = new_entry(
            space=c.space,
            now=now,
            message=record,
            to_user=c.sender,
            key=f"c{c.number}:late:{member.key}:{c.rev}",
        )
        return rules.late_answer(c, member, entry.id, now), [entry]

    def _settle(
        self, c: Collection, member: Member | None, now: datetime
    ) -> tuple[Collection, list[OutboxEntry]]:
        """After an answer or a tick: the bundle when it is time, a late answer told on its own."""
        if rules.should_bundle(c, now):
            return self._bundle(c, now)
        if c.bundled and member is not None and member.answered:
            return self._late(c, member, now)
        return c, []

    # ----- handing in ----------------------------------------------------------------------
    def hand_in(
        self,
        user_id: int,
        chat_id: int,
        replied_to: int,
        item: Item,
        *,
        update_id: int | None = None,
    ) -> HandedIn | None:
        """A reply to a request (or a reminder) with text, a file or a photo; None: it is not a
        reply to one of ours. Nobody is told yet: the member presses 提交 when done."""
        c = self.store.by_request(chat_id, replied_to)
        if c is None:
            return None
        c = rules.add_item(c, user_id, item, self.clock.now())
        self.store.save([c], update_id=update_id)
        member = c.member_of(user_id)
        assert member is not None
        return HandedIn(c, member)

    def is_request(self, chat_id: int, message_id: int) -> bool:
        return self.store.by_request(chat_id, message_id) is not None

    def submit(self, number: int, user_id: int, *, update_id: int | None = None) -> Outcome:
        """提交. Told: the sender, with everything, once all have answered; after the bundle
        went out, of this late report on its own."""
        now = self.clock.now()
        c = rules.submit(self.get(number), user_id, now)
        return self._answered(c, user_id, now, update_id)

    def decline(
        self, number: int, user_id: int, reason: str, *, update_id: int | None = None
    ) -> Outcome:
        """办不了, and why. Told: as for 提交."""
        now = self.clock.now()
        c = rules.decline(self.get(number), user_id, reason, now)
        return self._answered(c, user_id, now, update_id)

    def check_decline(self, number: int, user_id: int) -> Collection:
        """May this member still say 办不了 (before the question is asked)?"""
        c = self.get(number)
        rules.decline(c, user_id, "", self.clock.now())
        return c

    def _answered(
        self, c: Collection, user_id: int, now: datetime, update_id: int | None
    ) -> Outcome:
        c, entries = self._settle(c, c.member_of(user_id), now)
        self.store.save([c], entries, update_id=update_id)
        return Outcome(c, tuple(entries))

    def stop(
        self, number: int, user_id: int, *, is_admin: bool = False, update_id: int | None = None
    ) -> Collection:
        """/collect stop <n>: a recurring collection opens no more rounds (the latest round runs
        to its deadline). Told: nobody but the sender (the reply)."""
        c = self.get(number)
        while c.next_number is not None:
            later = self.store.get(c.next_number)
            if later is None:
                break
            c = later
        c = rules.stop(c, user_id, self.clock.now(), is_admin=is_admin)
        self.store.save([c], update_id=update_id)
        return c

    # ----- due work by the clock -----------------------------------------------------------
    def run_due(self) -> list[OutboxEntry]:
        """Everything due now, each collection in its own write: people who showed up get
        their request, reminders go to those missing, deadlines bring the bundle, the next
        round of a recurring collection opens."""
        now = self.clock.now()
        out: list[OutboxEntry] = []
        for c in self.store.active():
            try:
                out += self._due(c, now)
            except Exception:  # one collection that cannot be stored must not stop the others
                log.exception("due work of collection %s failed", c.number)
        return out

    def _due(self, c: Collection, now: datetime) -> list[OutboxEntry]:
        entries: list[OutboxEntry] = []
        changed = c
        if c.is_open:
            changed, entries = self._bind_pending(changed, now)
            changed, more = self._remind(changed, now)
            entries += more
        changed, more = self._settle(changed, None, now)
        entries += more
        saved = [changed]
        if changed.next_at is not None and changed.next_at <= now and changed.next_number is None:
            following, opened = self._next_round(changed, now)
            changed = replace(changed, next_at=None, next_number=following.number)
            saved = [changed, following]
            entries += opened
        if changed != c:
            self.store.save(saved, entries)
        return entries

    def _bind_pending(self, c: Collection, now: datetime) -> tuple[Collection, list[OutboxEntry]]:
        """Members named by @username who have since become known get their request."""
        entries: list[OutboxEntry] = []
        for m in c.members:
            if m.user_id is not None or not m.username:
                continue
            person = self.db.find_person(m.username)
            if person is None or person.user_id == c.sender:
                continue
            c = rules.bind(c, m.key, person.user_id, name_of(person, person.user_id), now)
            bound = c.member_of(person.user_id)
            if bound is not None:
                entries += self._requests(c, now, only=[bound])
        return c, entries

    def _remind(self, c: Collection, now: datetime) -> tuple[Collection, list[OutboxEntry]]:
        steps = rules.due_reminder(c, now, self.calendar)
        if not steps:
            return c, []
        told = rules.to_remind(c)
        entries = [
            new_entry(
                space=c.space,
                now=now,
                message=CollectReminder(
                    number=c.number,
                    title=c.title,
                    due=c.due.isoformat(),
                    user_id=m.user_id,
                    drafted=len(m.items),
                ),
                to_user=m.user_id,
                key=f"c{c.number}:remind:{steps[-1]}:{m.user_id}",
            )
            for m in told
            if m.user_id is not None and self.reachable(m.user_id)
        ]
        reached = [m for m in told if m.user_id is not None and self.reachable(m.user_id)]
        return rules.reminded(c, steps, reached, now), entries

    def _next_round(self, c: Collection, now: datetime) -> tuple[Collection, list[OutboxEntry]]:
        due = rules.next_due(c, self.calendar)
        assert due is not None
        members = c.members
        if c.targets:
            try:
                found = self._members(
                    [rules.target_of(x) for x in c.targets], c.space, c.sender, c.chat_id
                )
                members = rules.merge_members(found, sender=c.sender) or c.members
            except ReportRefused:
                members = c.members
        fresh = tuple(
            Member(name=m.name, user_id=m.user_id, username=m.username, phone=m.phone)
            for m in members
        )
        following = Collection(
            number=self.store.next_number(),
            space=c.space,
            chat_id=c.chat_id,
            sender=c.sender,
            title=c.title,
            created_at=now,
            due=due,
            members=fresh,
            targets=c.targets,
            recurrence=c.recurrence,
            first_due=c.first_due or c.due,
            round=c.round + 1,
            updated_at=now,
        )
        return following, [*self._requests(following, now), self._tracking_entry(following, now)]

    # ----- after sending: message ids, the tracking message, files -------------------------
    def on_request_sent(self, entry: OutboxEntry) -> None:
        """A request or reminder went out: a reply to that message hands in."""
        c = self.store.get(int(entry.params.get("number", 0)))
        uid = entry.params.get("user_id")
        if c is None or uid is None or entry.sent_chat_id is None or entry.sent_message_id is None:
            return
        changed = rules.requested(c, int(uid), entry.sent_chat_id, entry.sent_message_id)
        if changed != c:
            self.store.save([changed])

    def on_tracking_sent(self, entry: OutboxEntry) -> None:
        """Keep the tracking message's id, to edit it as answers come in."""
        c = self.store.get(int(entry.params.get("number", 0)))
        if c is None or entry.sent_message_id is None:
            return
        self.store.save(
            [
                replace(
                    c,
                    tracking_chat_id=entry.sent_chat_id,
                    tracking_message_id=entry.sent_message_id,
                )
            ]
        )

    def stale_trackings(self) -> list[Collection]:
        return [c for c in self.store.active() if c.tracking_stale]

    def render_tracking(self, c: Collection) -> tuple[Rendered, Lang]:
        ctx = self.reader(c.sender)
        return views.collect_tracking(self.tracking(c), ctx), ctx.lang

    def tracking_shown(self, number: int, rev: int) -> None:
        c = self.store.get(number)
        if c is not None and c.shown_rev < rev:
            self.store.save([replace(c, shown_rev=rev)])

    def files_to_pass(self) -> list[FileToPass]:
        """Files handed in whose announcing message has gone to the sender, oldest first; each
        is claimed until `passed` or `release` (two ticks never pass the same file)."""
        out = []
        for c in self.store.active():
            for f in c.forwards:
                if _claim_key(c.number, f) in self._claimed:
                    continue
                announced = self.db.get_outbox(f.after)
                if announced is not None and announced.sent_at is None and announced.failed is None:
                    continue  # the bundle (or late note) first
                member = c.member(f.member)
                if member is None or f.item >= len(member.items):
                    self.store.save([rules.forwarded(c, f)])
                    continue
                self._claimed.add(_claim_key(c.number, f))
                out.append(FileToPass(c, f, member, member.items[f.item]))
        return out

    def passed(self, number: int, forward: Forward) -> None:
        """The file went to the sender (or never can): it is not passed again."""
        self.release(number, forward)
        c = self.store.get(number)
        if c is not None:
            self.store.save([rules.forwarded(c, forward)])

    def release(self, number: int, forward: Forward) -> None:
        """The file could not go now: a later tick tries again."""
        self._claimed.discard(_claim_key(number, forward))

    def file_caption(self, passing: FileToPass) -> str:
        c, member, item = passing.collection, passing.member, passing.item
        lang = self.reader(c.sender).lang
        late = t_plain(lang, "reports.late_mark") if member.late else ""
        caption = t_plain(
            lang, "reports.file_caption", number=c.number, name=member.name, late=late
        )
        return f"{caption}\n{item.text}" if item.text else caption

    # ----- the weekly chart after a weekly summary -----------------------------------------
    def on_week_sent(self, entry: OutboxEntry) -> None:
        """A weekly summary went out: its chart is owed to that chat (sent by the tick)."""
        if entry.to_user is None or entry.sent_chat_id is None:
            return
        self.store.owe_chart(OwedChart(entry.id, entry.to_user, entry.sent_chat_id))

    def owed_charts(self) -> list[OwedChart]:
        """Charts owed, each claimed until `chart_sent` or `chart_release`."""
        owed = [o for o in self.store.owed_charts() if f"chart:{o.key}" not in self._claimed]
        self._claimed.update(f"chart:{o.key}" for o in owed)
        return owed

    def chart_sent(self, owed: OwedChart) -> None:
        self._claimed.discard(f"chart:{owed.key}")
        self.store.chart_sent(owed)

    def chart_release(self, owed: OwedChart) -> None:
        self._claimed.discard(f"chart:{owed.key}")

    # ----- calendars of collections -------------------------------------------------------
    def collect_calendar(self, number: int, user_id: int) -> File:
        """加到日历 on a request: the deadline, for the sender and those asked."""
        return self.files.collect_calendar(self.get(number), user_id)

    def my_calendar(self, user_id: int) -> File:
        """/calendar: my open task deadlines, the reports I still owe and the meetings ahead
        I called or was called to."""
        notices = self.notices.meetings_for(user_id) if self.notices is not None else []
        meetings = [m for m in map(_meeting_of, notices) if m is not None]
        return self.files.my_calendar(user_id, self.store.asking(user_id), meetings=meetings)

    # ----- export of one collection ----------------------------------------------------------
    def export(
        self, number: int, user_id: int, *, is_admin: bool = False
    ) -> tuple[Collection, bytes]:
        """/export collect <n>: the sender's workbook of what was handed in."""
        c = self.get(number)
        if not rules.may_see(c, user_id, is_admin=is_admin):
            raise ReportRefused("not_sender", number=number)
        ctx = self.reader(user_id)
        return c, self.files.collection_workbook(c, ctx.tz, ctx.lang)


def _meeting_of(notice: Notice) -> Meeting | None:
    """A notice as its meeting's calendar event needs it (None: it names no meeting time)."""
    if notice.meeting_at is None:
        return None
    return Meeting(
        number=notice.number,
        start=notice.meeting_at,
        text=notice.text,
        sender=notice.sender,
        chat_id=notice.chat_id,
        recipients=frozenset(r.user_id for r in notice.recipients if r.user_id is not None),
    )


def _claim_key(number: int, forward: Forward) -> str:
    return f"file:{number}:{forward.member}:{forward.item}:{forward.after}"


def _cut(text: str) -> str:
    return text if len(text) <= views.INLINE_TEXT else text[: views.INLINE_TEXT] + "…"


def text_item(text: str, at: datetime) -> Item:
    return Item(ItemKind.TEXT, at, text=text)
