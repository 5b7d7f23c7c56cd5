"""Morning digests and weekly summaries: when each person's next one is due, what it holds.

The marks of what was sent (`DigestMarks`) are the only state; the moments are derived from
them, the person's digest setting and zone, and the work calendar (bot/reminders/digest.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta

from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import MessageParams
from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.reminders import digest as rules
from bot.reminders.store import DigestMarks, Records, ReminderStateStore
from bot.reminders.views import (
    DigestGroup,
    DigestItem,
    DigestNotice,
    DigestSection,
    DigestSentNotice,
    HandedItem,
    MorningDigest,
    WeekSummary,
)
from bot.reminders.zones import Zones
from bot.tasks.models import Task
from bot.tasks.rules import assignee_state
from bot.tasks.service import TaskService

# A morning digest sent later than this after its time says so (补发).
LATE = timedelta(minutes=10)

#: The notices a person has not confirmed (the notices feature's, for their digest).
NoticesFor = Callable[[int], Sequence[DigestNotice]]


def no_notices(_user_id: int) -> Sequence[DigestNotice]:
    """`NoticesFor` of a bot without notices."""
    return ()


#: The notices a person sent that some have not confirmed (for their digest).
SentNoticesFor = Callable[[int], Sequence[DigestSentNotice]]


def no_sent_notices(_user_id: int) -> Sequence[DigestSentNotice]:
    return ()


class Summaries:
    """Each person's morning digest and weekly summary."""

    def __init__(
        self,
        records: Records,
        store: ReminderStateStore,
        zones: Zones,
        tasks: TaskService,
        default_time: time,
        *,
        notices_for: NoticesFor = no_notices,
        sent_notices_for: SentNoticesFor = no_sent_notices,
    ) -> None:
        self._notices_for = notices_for
        self._sent_notices_for = sent_notices_for
        self._records = records
        self._store = store
        self._zones = zones
        self._tasks = tasks
        self._default_time = default_time
        self._marks: dict[int, DigestMarks] = {}  # read once, then kept with every write
        self._first_seen: dict[int, datetime] = {}  # when this process first saw each person

    # ----- when -------------------------------------------------------------------------------
    def forget(self) -> None:
        """Read the marks from storage again when next needed."""
        self._marks.clear()

    def marks(self, user_id: int) -> DigestMarks:
        marks = self._marks.get(user_id)
        if marks is None:
            marks = self._store.get_marks(user_id)
            self._marks[user_id] = marks
        return marks

    def moments(self, person: Person, now: datetime) -> tuple[datetime | None, datetime | None]:
        """(next morning digest, next weekly summary) for this person."""
        if not person.reachable_privately:
            return None, None
        clock = rules.digest_clock(person.digest_time, self._default_time)
        if clock is None:
            return None, None
        cal = self._zones.of(person)
        marks = self._owed_from(person.user_id, self.marks(person.user_id), clock, cal, now)
        daily = rules.next_digest_at(clock=clock, cal=cal, last_day=marks.day, now=now)
        weekly = rules.next_week_at(cal=cal, last_week=marks.week, now=now)
        return daily, weekly

    def _owed_from(
        self, uid: int, marks: DigestMarks, clock: time, cal: WorkCalendar, now: datetime
    ) -> DigestMarks:
        """Never sent one: nothing is owed from before this process first saw them (a person
        who starts the bot at 10:00 gets tomorrow's digest, not a late one)."""
        if marks.day is not None and marks.week is not None:
            return marks
        seen = self._first_seen.setdefault(uid, now)
        day, week = marks.day, marks.week
        if day is None:
            first = rules.next_digest_at(clock=clock, cal=cal, last_day=None, now=seen)
            if first is not None and first < seen:
                day = first.astimezone(cal.tz).date()
        if week is None:
            first = rules.next_week_at(cal=cal, last_week=None, now=seen)
            if first is not None and first < seen:
                week = rules.week_key(first.astimezone(cal.tz).date())
        return replace(marks, day=day, week=week)

    def next_moment(self, person: Person, now: datetime) -> datetime | None:
        return min((m for m in self.moments(person, now) if m is not None), default=None)

    def digest_clock_for(self, user_id: int) -> time | None:
        """When this person's morning digest goes (None: they get none: it is off, or the bot
        cannot write to them privately) — `rules.DigestFor` for the reminder steps."""
        person = self._records.get_person(user_id)
        if person is None or not person.reachable_privately:
            return None
        return rules.digest_clock(person.digest_time, self._default_time)

    # ----- the scheduled ones -----------------------------------------------------------------
    def due(self, person: Person, now: datetime) -> tuple[DigestMarks, list[OutboxEntry]]:
        """What is due for this person by `now`, and the marks that record it was sent."""
        uid = person.user_id
        daily, weekly = self.moments(person, now)
        cal = self._zones.of(person)
        marks = self.marks(uid)
        entries: list[OutboxEntry] = []
        if daily is not None and daily <= now:
            day = daily.astimezone(cal.tz).date()
            key = f"digest:{uid}:{day.isoformat()}"
            entry = self.digest_entry(person, now, key=key, late=now - daily > LATE)
            if entry is not None:
                entries.append(entry)
            marks = replace(marks, day=day)
        if weekly is not None and weekly <= now:
            week = rules.week_key(weekly.astimezone(cal.tz).date())
            entry = self.week_entry(person, now, key=f"week:{uid}:{week}")
            if entry is not None:
                entries.append(entry)
            marks = replace(marks, week=week)
        return marks, entries

    def commit(self, marks: DigestMarks, entries: Sequence[OutboxEntry]) -> None:
        """Store new marks with their entries (nothing to do when the marks did not move)."""
        if marks == self.marks(marks.user_id):
            return
        self._store.put_marks(marks, entries)
        self._marks[marks.user_id] = marks

    # ----- what they hold ---------------------------------------------------------------------
    def digest(self, person: Person, now: datetime, *, late: bool = False) -> MorningDigest:
        """The morning digest for this person as of `now`."""
        uid = person.user_id
        composed = rules.compose_digest(
            uid,
            mine=self._records.tasks_for_assignee(uid),
            handed=self._records.tasks_by_assigner(uid),
            now=now,
            tz=self._zones.tz(person),
            calendar=self._zones.of(person),
        )
        notices = list(self._notices_for(uid))
        sent = list(self._sent_notices_for(uid))
        return MorningDigest(
            day=composed.day.isoformat(),
            sections=[self._section(section, uid) for section in composed.sections],
            handed=[self._handed(task, uid, now) for task in composed.handed],
            undated=composed.undated,
            empty=composed.empty and not notices and not sent,
            late=late,
            notices=notices,
            sent_notices=sent,
        )

    def _section(self, section: rules.Section, uid: int) -> DigestSection:
        groups: list[DigestGroup] = [
            {
                "assigner": self._tasks.name(group.assigner),
                "self": group.assigner == uid,
                "items": [_item(t) for t in group.tasks],
            }
            for group in section.groups
        ]
        return {"key": section.key, "count": section.count, "groups": groups}

    def _handed(self, task: Task, uid: int, now: datetime) -> HandedItem:
        people = [
            [self._tasks.name(a.user_id, a.username), assignee_state(task, a, now)]
            for a in task.assignees
            if a.user_id != uid and a.done_at is None
        ]
        return {**_item(task), "people": people}

    def week(self, person: Person, now: datetime) -> WeekSummary:
        """The weekly summary for this person as of `now`."""
        uid = person.user_id
        tz = self._zones.tz(person)
        live = {t.number: t for t in self._records.tasks_for_assignee(uid)}
        live.update({t.number: t for t in self._records.tasks_by_assigner(uid)})
        composed = rules.compose_week(
            uid,
            finished=self._records.finished_tasks(user_id=uid, since=rules.week_start(now, tz)),
            live=live.values(),
            now=now,
            tz=tz,
            calendar=self._zones.of(person),
        )
        return WeekSummary(
            start=composed.start.isoformat(),
            done=[_item(t) for t in composed.done],
            open=[_item(t) for t in composed.still_open],
            handed_done=composed.handed_done,
            handed_open=composed.handed_open,
            empty=composed.empty,
        )

    def digest_entry(
        self, person: Person, now: datetime, *, key: str, late: bool = False, force: bool = False
    ) -> OutboxEntry | None:
        """The morning digest as an outbox entry (None: nothing to say and the person is quiet)."""
        message = self.digest(person, now, late=late)
        return self._entry(person, now, message, key=key, send=force or not message.empty)

    def week_entry(
        self, person: Person, now: datetime, *, key: str, force: bool = False
    ) -> OutboxEntry | None:
        """The weekly summary as an outbox entry (None: it has nothing in it and was not asked
        for with /week — a person with nothing this week is skipped, quiet or loud)."""
        message = self.week(person, now)
        if message.empty and not force:
            return None
        return self._entry(person, now, message, key=key, send=True)

    def _entry(
        self, person: Person, now: datetime, message: MessageParams, *, key: str, send: bool
    ) -> OutboxEntry | None:
        if not send and person.digest_quiet:
            return None  # nothing to report (spec: not sent unless asked for: /digest loud)
        return new_entry(
            space=self._store.personal_space(person.user_id),
            now=now,
            message=message,
            to_user=person.user_id,
            key=key,
        )


def _item(task: Task) -> DigestItem:
    return {
        "number": task.number,
        "title": task.title,
        "due": task.due.isoformat() if task.due else None,
        "priority": task.priority.value,
        "kind": task.kind.value,
    }


__all__ = ["LATE", "Summaries"]
