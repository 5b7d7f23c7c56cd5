"""Due work, derived from storage: reminders, nags, escalations, recurrences, digests, weekly
summaries.

Storage is the truth. The scheduler keeps only an index of "the next moment something is due"
per task and per person (rebuilt from storage at start and refreshed whenever a task or person
changes); every tick it takes what is due by the clock, asks its parts what exactly — the
reminder steps (steps.py), the next instance of a series (series.py), the digests and weekly
summaries (summaries.py) — and commits per space in ONE write the new reminder state with the
outbox entries (deterministic keys). Delivery is at least once: only a death between sending
and recording can repeat a message.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.reminders import rules
from bot.reminders.digest import DigestCommand, with_digest
from bot.reminders.index import DueIndex
from bot.reminders.series import Series
from bot.reminders.steps import TaskSteps, Worked
from bot.reminders.store import Records, ReminderStateStore
from bot.reminders.summaries import (
    NoticesFor,
    SentNoticesFor,
    Summaries,
    no_notices,
    no_sent_notices,
)
from bot.reminders.zones import Zones
from bot.tasks.models import Task
from bot.tasks.service import TaskService

log = logging.getLogger(__name__)

# At most this many tasks are worked in one tick; the rest wait for the next (2 s later).
MAX_PER_TICK = 2000
# How often people are compared with the index (new people, changed zones or digest times).
PEOPLE_EVERY = timedelta(seconds=30)
# After a failed commit a task (or a person's digest) is tried again this much later.
RETRY_AFTER = timedelta(minutes=1)

OnDemand = Literal["digest", "week"]


@dataclass(frozen=True, slots=True)
class Work:
    """What one tick decided: tasks and entries written, entries to send."""

    entries: tuple[OutboxEntry, ...] = ()
    tasks: int = 0
    digests: int = 0


class Scheduler:
    """The index of due moments and the tick that works through it."""

    def __init__(
        self,
        db: Records,
        clock: Clock,
        settings: Settings,
        calendar: WorkCalendar,
        tasks: TaskService,
        *,
        store: ReminderStateStore,
        policy: rules.Policy = rules.POLICY,
        notices_for: NoticesFor = no_notices,
        sent_notices_for: SentNoticesFor = no_sent_notices,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.store = store
        self.zones = Zones(db, settings, calendar)
        self.series = Series(db, self.zones, tasks)
        self.summaries = Summaries(
            db,
            store,
            self.zones,
            tasks,
            settings.digest_time,
            notices_for=notices_for,
            sent_notices_for=sent_notices_for,
        )
        self.steps = TaskSteps(
            db, self.zones, tasks, self.series, policy, digest_for=self.summaries.digest_clock_for
        )
        self._built = False
        self._due = DueIndex()  # task number → its next moment
        self._seen: dict[int, Task] = {}  # the task object last planned
        self._people_due = DueIndex()  # user id → their next digest or weekly summary
        self._people_seen: dict[int, Person] = {}
        self._people_checked: datetime | None = None
        tasks.finish_hooks.append(self.series.on_finish)

    # ----- the index ----------------------------------------------------------------------
    def rebuild(self) -> None:
        """Derive every next moment again from storage (at start)."""
        self._due.clear()
        self._seen.clear()
        for task in self.db.live_tasks():
            self._plan(task)
        self._people_due.clear()
        self._people_seen.clear()
        self.summaries.forget()
        for person in self.db.people():
            self._plan_person(person)
        self._people_checked = self.clock.now()
        self._built = True

    def _plan(self, task: Task) -> None:
        self._seen[task.number] = task
        self._due.plan(task.number, self.steps.next_moment(task))

    def touch(self, task: Task) -> None:
        """A task changed: its next moment is computed again."""
        if task.finished:
            self._seen.pop(task.number, None)
            self._due.discard(task.number)
        else:
            self._plan(task)

    def _sync_tasks(self) -> None:
        """Pick up changes made elsewhere (the task service): each changed record is a new
        object, so an identity check finds them."""
        live = self.db.live_tasks()
        seen = self._seen
        for task in live:
            if seen.get(task.number) is not task:
                self._plan(task)
        if len(seen) > len(live):
            alive = {t.number for t in live}
            for number in [n for n in seen if n not in alive]:
                del seen[number]
                self._due.discard(number)

    def _plan_person(self, person: Person, now: datetime | None = None) -> None:
        self._people_seen[person.user_id] = person
        moment = self.summaries.next_moment(person, now or self.clock.now())
        self._people_due.plan(person.user_id, moment)

    def person_changed(self, user_id: int) -> None:
        """A person's zone, language or digest setting changed: plan their digests again, and
        their tasks' reminders (whether a digest tells them of a task decides some)."""
        person = self.db.get_person(user_id)
        if person is not None and self._built:
            self._plan_person(person)
            self._plan_tasks_of(user_id)

    def _plan_tasks_of(self, user_id: int) -> None:
        for task in (*self.db.tasks_for_assignee(user_id), *self.db.tasks_by_assigner(user_id)):
            if not task.finished:
                self._plan(task)

    def _sync_people(self) -> None:
        for person in self.db.people():
            seen = self._people_seen.get(person.user_id)
            if seen is not person:
                self._plan_person(person)
                if seen is not None and _digest_changed(seen, person):
                    self._plan_tasks_of(person.user_id)

    def next_task_due(self) -> datetime | None:
        """The earliest moment something is due for a task."""
        return self._due.first(self.settings.tz)

    def next_person_due(self) -> datetime | None:
        """The earliest digest or weekly summary."""
        return self._people_due.first(self.settings.tz)

    def pending(self) -> int:
        """How many tasks have something still to come."""
        return len(self._due)

    # ----- the tick -----------------------------------------------------------------------
    def run(self) -> Work:
        """Everything due by the clock: decided, committed, and returned to be sent."""
        entries: list[OutboxEntry] = []
        tasks = digests = 0
        for batch in self.batches():
            entries.extend(batch.entries)
            tasks += batch.tasks
            digests += batch.digests
        return Work(tuple(entries), tasks, digests)

    def batches(self) -> Iterator[Work]:
        """The tick in committed steps: one batch per space (a task's space, or a person's
        digest). Each batch is read fresh, decided and written in one transaction before it is
        yielded, so a caller may await between batches (and start sending the first while the
        rest are written) without ever writing over a change made meanwhile."""
        now = self.clock.now()
        self._refresh(now)
        yield from self._task_batches(now)
        yield from self._people_batches(now)

    def _refresh(self, now: datetime) -> None:
        if not self._built:
            self.rebuild()
            return
        self._sync_tasks()
        if self._people_checked is None or now - self._people_checked >= PEOPLE_EVERY:
            self._sync_people()
            self._people_checked = now

    def _task_batches(self, now: datetime) -> Iterator[Work]:
        by_space: dict[str, list[int]] = defaultdict(list)
        for number in self._due.pop_due(now.timestamp(), MAX_PER_TICK):
            task = self.db.get_task(number)
            if task is None or task.finished:
                self._seen.pop(number, None)
                continue
            by_space[task.space].append(number)
        try:
            while by_space:
                space, numbers = next(iter(by_space.items()))
                del by_space[space]
                entries = self._fire_space(space, numbers, now)
                yield Work(tuple(entries), len(numbers), 0)
        finally:
            # Stopped early (the caller went away): what was taken off the index goes back.
            for numbers in by_space.values():
                for number in numbers:
                    task = self.db.get_task(number)
                    if task is not None and not task.finished:
                        self._plan(task)

    def _people_batches(self, now: datetime) -> Iterator[Work]:
        people = self._people_due.pop_due(now.timestamp())
        done = 0
        try:
            for uid in people:
                done += 1
                more = self._fire_person(uid, now)
                if more:
                    yield Work(tuple(more), 0, len(more))
        finally:
            for uid in people[done:]:  # stopped early: what was taken off goes back
                self.person_changed(uid)

    # ----- tasks --------------------------------------------------------------------------
    def _fire_space(self, space: str, numbers: Sequence[int], now: datetime) -> list[OutboxEntry]:
        """Decide and commit the due tasks of one space (read fresh, written at once)."""
        items: list[Worked] = []
        for number in numbers:
            worked = self._work(number, space, now)
            if worked is not None:
                items.append(worked)
        if not items:
            return []
        try:
            self._commit(space, items)
        except Exception:
            log.exception("reminders for %s could not be stored; one by one", space)
            items = self._commit_one_by_one(space, items, now)
        out: list[OutboxEntry] = []
        for worked in items:
            for task in worked.tasks:
                self.touch(task)
            out.extend(worked.entries)
        return out

    def _work(self, number: int, space: str, now: datetime) -> Worked | None:
        """What one due task says now (None: nothing, or planned again)."""
        task = self.db.get_task(number)
        if task is None or task.finished:
            return None
        if task.space != space:
            self._plan(task)  # moved meanwhile: planned again, fired next tick
            return None
        fired = self.steps.due(task, now)
        if not fired:
            self._plan(task)
            return None
        try:
            return self.steps.work(task, fired, now)
        except Exception:
            log.exception("reminders of #%s could not be worked out", number)
            self._retry(number, now)
            return None

    def _commit_one_by_one(
        self, space: str, items: Sequence[Worked], now: datetime
    ) -> list[Worked]:
        ok = []
        for worked in items:
            try:
                self._commit(space, [worked])
                ok.append(worked)
            except Exception:
                log.exception("reminders of #%s could not be stored", worked.tasks[0].number)
                self._retry(worked.tasks[0].number, now)
        return ok

    def _commit(self, space: str, items: Sequence[Worked]) -> None:
        tasks = [task for worked in items for task in worked.tasks]
        entries = [entry for worked in items for entry in worked.entries]
        self.store.put_tasks(space, tasks, entries)

    def _retry(self, number: int, now: datetime) -> None:
        self._due.put(number, (now + RETRY_AFTER).timestamp())

    # ----- people -------------------------------------------------------------------------
    def _fire_person(self, uid: int, now: datetime) -> list[OutboxEntry]:
        person = self.db.get_person(uid)
        if person is None:
            return []
        marks, entries = self.summaries.due(person, now)
        try:
            self.summaries.commit(marks, entries)
        except Exception:
            log.exception("the digest of %s could not be stored", uid)
            self._people_due.put(uid, (now + RETRY_AFTER).timestamp())
            return []
        self._plan_person(person, now)
        return entries

    def on_demand(
        self,
        person: Person,
        what: OnDemand,
        *,
        in_group: bool = False,
        update_id: int | None = None,
    ) -> OutboxEntry | None:
        """/digest now or /week: composed now, stored with the update (exactly once).

        None: asked in a group by someone the bot cannot reach privately (a group never sees
        anyone's digest)."""
        if in_group and not person.reachable_privately:
            return None
        now = self.clock.now()
        tag = update_id if update_id is not None else int(now.timestamp())
        key = f"{what}:{person.user_id}:now:{tag}"
        if what == "week":
            entry = self.summaries.week_entry(person, now, key=key, force=True)
        else:
            entry = self.summaries.digest_entry(person, now, key=key, force=True)
        assert entry is not None
        self.store.put_entries(person.user_id, [entry], update_id=update_id)
        return entry

    def set_digest(self, person: Person, command: DigestCommand) -> Person:
        """/digest 08:00 | off | on | quiet | loud: the person's digest setting, stored and
        planned again."""
        changed = replace(with_digest(person, command), updated_at=self.clock.now())
        self.db.put_person(changed)
        self.person_changed(person.user_id)
        return changed


def _digest_changed(before: Person, after: Person) -> bool:
    return (before.digest_time, before.reachable_privately, before.tz) != (
        after.digest_time,
        after.reachable_privately,
        after.tz,
    )


__all__ = ["MAX_PER_TICK", "Scheduler", "Work"]
