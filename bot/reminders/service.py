"""Due work, derived from storage: reminders, nags, escalations, recurrences, digests, weekly
summaries.

Storage is the truth. The scheduler keeps only an index of "the next moment something is due"
per task and per person (a heap, rebuilt from storage at start and refreshed whenever a task or
person changes); every tick it pops what is due by the clock, asks the pure rules
(bot/reminders.py, bot/digest.py) what exactly, and commits per space in ONE transaction the
updated `task.reminder_state` with the outbox entries (deterministic keys). Delivery is at
least once: only a death between sending and recording can repeat a message.
"""

from __future__ import annotations

import heapq
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from tinydb.table import Document

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.recurrence import next_occurrence
from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.people.rules import tz_of
from bot.reminders import digest as digest_rules
from bot.reminders import rules
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent
from bot.tasks.rules import assignee_state
from bot.tasks.service import TaskService
from storage import Database

log = logging.getLogger(__name__)

DIGEST_TABLE = "digest"  # in the person's private space: {"day": iso date, "week": "YYYY-Www"}
_DIGEST_DOC = 1
# At most this many tasks are worked in one tick; the rest wait for the next (2 s later).
MAX_PER_TICK = 2000
# How often people are compared with the index (new people, changed zones or digest times).
PEOPLE_EVERY = timedelta(seconds=30)
# After a failed commit a task is tried again this much later.
RETRY_AFTER = timedelta(minutes=1)


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
        db: Database,
        clock: Clock,
        settings: Settings,
        calendar: WorkCalendar,
        tasks: TaskService,
        policy: rules.Policy = rules.POLICY,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.calendar = calendar
        self.tasks = tasks
        self.policy = policy
        self._built = False
        self._heap: list[tuple[float, int]] = []  # (moment, task number); stale ones skipped
        self._next: dict[int, float] = {}  # task number → its current moment
        self._seen: dict[int, Task] = {}  # the task object last planned
        self._pheap: list[tuple[float, int]] = []  # (moment, user id) of digests / summaries
        self._pnext: dict[int, float] = {}
        self._people_seen: dict[int, Person] = {}
        self._people_checked: datetime | None = None
        self._digest_state: dict[int, dict[str, Any]] = {}
        self._calendars: dict[str, WorkCalendar] = {}
        self._first_seen: dict[int, datetime] = {}
        tasks.finish_hooks.append(self.on_finish)

    # ----- zones --------------------------------------------------------------------------
    def calendar_of(self, person: Person | None) -> WorkCalendar:
        """The work calendar in this person's zone (work hours and days read locally)."""
        zone = tz_of(person, self.settings)
        cal = self._calendars.get(zone.key)
        if cal is None:
            cal = replace(self.calendar, tz=zone)
            self._calendars[zone.key] = cal
        return cal

    def calendar_for(self, user_id: int) -> WorkCalendar:
        return self.calendar_of(self.db.get_person(user_id))

    # ----- the index ----------------------------------------------------------------------
    def rebuild(self) -> None:
        """Derive every next moment again from storage (at start)."""
        self._heap.clear()
        self._next.clear()
        self._seen.clear()
        for task in self.db.live_tasks():
            self._plan(task)
        self._pheap.clear()
        self._pnext.clear()
        self._people_seen.clear()
        self._digest_state.clear()
        for person in self.db.people():
            self._plan_person(person)
        self._people_checked = self.clock.now()
        self._built = True

    def _plan(self, task: Task) -> None:
        self._seen[task.number] = task
        moment = rules.next_moment(
            task, calendar=self.calendar, calendar_for=self.calendar_for, policy=self.policy
        )
        if moment is None:
            self._next.pop(task.number, None)
            return
        ts = moment.timestamp()
        if self._next.get(task.number) != ts:
            self._next[task.number] = ts
            heapq.heappush(self._heap, (ts, task.number))

    def touch(self, task: Task) -> None:
        """A task changed: its next moment is computed again."""
        if task.finished:
            self._seen.pop(task.number, None)
            self._next.pop(task.number, None)
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
                self._next.pop(number, None)

    def next_task_due(self) -> datetime | None:
        """The earliest moment something is due for a task."""
        while self._heap and self._next.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        return self._moment(self._heap[0][0]) if self._heap else None

    def next_person_due(self) -> datetime | None:
        """The earliest digest or weekly summary."""
        while self._pheap and self._pnext.get(self._pheap[0][1]) != self._pheap[0][0]:
            heapq.heappop(self._pheap)
        return self._moment(self._pheap[0][0]) if self._pheap else None

    def next_due(self) -> datetime | None:
        """The earliest moment anything is due (tasks or people)."""
        moments = [m for m in (self.next_task_due(), self.next_person_due()) if m is not None]
        return min(moments, default=None)

    def _moment(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, tz=self.settings.tz)

    def pending(self) -> int:
        """How many tasks have something still to come."""
        return len(self._next)

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
        if not self._built:
            self.rebuild()
        else:
            self._sync_tasks()
            if self._people_checked is None or now - self._people_checked >= PEOPLE_EVERY:
                self._sync_people()
                self._people_checked = now
        limit = now.timestamp()
        by_space: dict[str, list[int]] = defaultdict(list)
        popped = 0
        while self._heap and self._heap[0][0] <= limit and popped < MAX_PER_TICK:
            ts, number = heapq.heappop(self._heap)
            if self._next.get(number) != ts:
                continue
            del self._next[number]
            popped += 1
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
        people: list[int] = []
        while self._pheap and self._pheap[0][0] <= limit:
            ts, uid = heapq.heappop(self._pheap)
            if self._pnext.get(uid) == ts:
                del self._pnext[uid]
                people.append(uid)
        for uid in people:
            more = self._fire_person(uid, now)
            if more:
                yield Work(tuple(more), 0, len(more))

    def _fire_space(self, space: str, numbers: Sequence[int], now: datetime) -> list[OutboxEntry]:
        """Decide and commit the due tasks of one space (read fresh, written at once)."""
        items: list[tuple[Task, list[Task], list[OutboxEntry]]] = []
        for number in numbers:
            task = self.db.get_task(number)
            if task is None or task.finished or task.space != space:
                if task is not None and not task.finished:
                    self._plan(task)  # moved meanwhile: planned again, fired next tick
                continue
            fired = rules.due_now(
                task,
                now,
                calendar=self.calendar,
                calendar_for=self.calendar_for,
                policy=self.policy,
            )
            if not fired:
                self._plan(task)
                continue
            try:
                changed, entries = self._apply(task, fired, now)
            except Exception:
                log.exception("reminders of #%s could not be worked out", number)
                self._retry(number, now)
                continue
            items.append((task, changed, entries))
        if not items:
            return []
        try:
            self._commit(space, items)
        except Exception:
            log.exception("reminders for %s could not be stored; one by one", space)
            ok = []
            for item in items:
                try:
                    self._commit(space, [item])
                    ok.append(item)
                except Exception:
                    log.exception("reminders of #%s could not be stored", item[0].number)
                    self._retry(item[0].number, now)
            items = ok
        out: list[OutboxEntry] = []
        for _, changed, entries in items:
            for task in changed:
                self.touch(task)
            out.extend(entries)
        return out

    def _retry(self, number: int, now: datetime) -> None:
        ts = (now + RETRY_AFTER).timestamp()
        self._next[number] = ts
        heapq.heappush(self._heap, (ts, number))

    def _commit(
        self, space: str, items: Sequence[tuple[Task, list[Task], list[OutboxEntry]]]
    ) -> None:
        with self.db.transaction(space) as tx:
            for _, changed, entries in items:
                for task in changed:
                    tx.put_task(task)
                for entry in entries:
                    tx.put_outbox(entry)

    # ----- what each step says ------------------------------------------------------------
    def _apply(
        self, task: Task, fired: Sequence[rules.Due], now: datetime
    ) -> tuple[list[Task], list[OutboxEntry]]:
        """The task with its new reminder_state (and a spawned next instance), and the entries."""
        entries: list[OutboxEntry] = []
        extra: dict[str, Any] = {}
        new_tasks: list[Task] = []
        params: dict[str, Any] | None = None
        for d in fired:
            if d.step == rules.Step.SPAWN:
                spawned, spawn_entries = self._spawn(task, now)
                if spawned is not None:
                    new_tasks.append(spawned)
                    entries.extend(spawn_entries)
                    extra["spawned"] = spawned.number
                else:
                    extra["spawned"] = 0  # the rule has run out
                continue
            if d.silent:
                continue
            if params is None:
                params = self.tasks.card_params(task)
            entry = self._entry(task, d, now, params)
            if entry is not None:
                entries.append(entry)
        updated = replace(task, reminder_state=rules.record(task, fired, now, **extra))
        if "spawned" in extra:
            # The series goes on with the new instance: this one will never spawn again, even
            # if a snooze later resets its reminder_state.
            updated = replace(updated, recurrence=None)
        return [updated, *new_tasks], entries

    def _entry(
        self, task: Task, d: rules.Due, now: datetime, params: dict[str, Any]
    ) -> OutboxEntry | None:
        key = f"r{task.number}:{d.key}:{int(d.at.timestamp())}"
        group = task.chat_id if task.chat_id < 0 else None
        assert d.to is not None
        if d.step in (rules.Step.ESCALATE, rules.Step.ACK_ESCALATE):
            if d.step == rules.Step.ESCALATE:
                names = [self.tasks.name(uid) for uid in rules.open_recipients(task)]
                body: dict[str, Any] = {"due": params["due"], "names": names}
                template = "rem_escalate"
            else:
                body = {
                    "name": self.tasks.name(d.to),
                    "since": rules.ack_anchor(task, d.to).isoformat(),
                }
                template = "rem_ack_escalate"
            return new_entry(
                space=task.space,
                now=now,
                template=template,
                params={"number": task.number, "title": task.title, **body},
                to_user=task.assigner,
                fallback_chat=group,
                task_number=task.number,
                key=key,
            )
        template = {
            rules.Step.BEFORE: "rem_before",
            rules.Step.AT_DUE: "rem_due",
            rules.Step.NAG: "rem_nag",
            rules.Step.ACK_RESEND: "rem_ack_resend",
        }[d.step]
        person = self.db.get_person(d.to)
        reachable = person is not None and person.reachable_privately
        if d.step == rules.Step.NAG and not reachable and group is None:
            return None  # nobody could carry it; a pile of stale nags helps no one later
        me = next((a for a in task.assignees if a.user_id == d.to), None)
        # Time-critical messages tell the assigner if they cannot be delivered.
        origin = task.assigner if d.step != rules.Step.NAG and task.assigner != d.to else None
        return new_entry(
            space=task.space,
            now=now,
            template=template,
            params={
                **params,
                "late": d.late,
                "acked": bool(me and me.acknowledged_at),
            },
            to_user=d.to,
            fallback_chat=group,
            origin_user=origin,
            task_number=task.number,
            key=key,
        )

    # ----- recurrence ---------------------------------------------------------------------
    def _spawn(self, task: Task, now: datetime) -> tuple[Task | None, list[OutboxEntry]]:
        """The next instance of a recurring task: new number, same everything, new due."""
        if not task.recurrence:
            return None, []
        after = rules.spawn_after(task, now)
        occ = rules.occurrence_of(task)
        if after is None or occ is None:
            return None, []
        zone = tz_of(self.db.get_person(task.assigner), self.settings)
        try:
            nxt = next_occurrence(
                task.recurrence, occ.astimezone(zone), after.astimezone(zone), self.calendar
            )
        except (ValueError, TypeError):
            log.warning("task #%s has an unreadable recurrence %r", task.number, task.recurrence)
            return None, []
        if nxt is None:
            return None, []
        new = Task(
            number=self.db.next_task_number(),
            space=task.space,
            chat_id=task.chat_id,
            title=task.title,
            assigner=task.assigner,
            assignees=tuple(
                Assignee(user_id=a.user_id, username=a.username) for a in task.assignees
            ),
            created_at=now,
            due=nxt,
            priority=task.priority,
            recurrence=task.recurrence,
            remind_before=task.remind_before,
            kind=task.kind,
            status=Status.OPEN,
            events=(
                TaskEvent(
                    at=now,
                    actor=0,
                    action="created",
                    data={"from": task.number, "occ": nxt.isoformat()},
                ),
            ),
            updated_at=now,
        )
        params = self.tasks.card_params(new)
        entries = []
        for uid in new.assignee_ids():
            if new.kind == Kind.REMINDER and uid == new.assigner:
                continue  # your own reminder simply rings at its time
            cal = self.calendar_for(uid)
            hold = rules.release(now, cal, new.priority == Priority.URGENT)
            entries.append(
                new_entry(
                    space=new.space,
                    now=now,
                    template="task_assigned",
                    params={**params, "heading": "reminders.next_title", "note": ""},
                    to_user=uid,
                    fallback_chat=new.chat_id if new.chat_id < 0 else None,
                    origin_user=new.assigner if uid != new.assigner else None,
                    task_number=new.number,
                    not_before=hold if hold > now else None,
                    key=f"t{new.number}:assigned:{uid}:next",
                )
            )
        return new, entries

    def on_finish(self, task: Task, now: datetime) -> tuple[list[Task], list[OutboxEntry]]:
        """Finish hook: a recurring task done before its due time spawns its next one now.

        Cancelling a recurring task ends the series.
        """
        if task.status != Status.DONE or not task.recurrence or task.due is None:
            return [], []
        if "spawned" in (task.reminder_state or {}):
            return [], []
        new, entries = self._spawn(task, now)
        if new is None:
            return [], []
        marked = replace(
            task, reminder_state={**(task.reminder_state or {}), "spawned": new.number}
        )
        return [marked, new], entries

    # ----- digests and weekly summaries -----------------------------------------------------
    def _digest_doc(self, uid: int) -> dict[str, Any]:
        state = self._digest_state.get(uid)
        if state is None:
            doc = self.db.shard_table(f"p{uid}", DIGEST_TABLE).get(doc_id=_DIGEST_DOC)
            state = dict(doc) if isinstance(doc, dict) else {}
            self._digest_state[uid] = state
        return state

    def _wants_digests(self, person: Person) -> bool:
        return person.reachable_privately

    def person_moments(
        self, person: Person, now: datetime
    ) -> tuple[datetime | None, datetime | None]:
        """(next morning digest, next weekly summary) for this person."""
        if not self._wants_digests(person):
            return None, None
        clock = digest_rules.digest_clock(person.digest_time, self.settings.digest_time)
        if clock is None:
            return None, None
        cal = self.calendar_of(person)
        state = self._digest_doc(person.user_id)
        last_day = date.fromisoformat(state["day"]) if state.get("day") else None
        last_week = state.get("week")
        if last_day is None or last_week is None:
            # Never sent one: nothing is owed from before this process first saw them (a
            # person who starts the bot at 10:00 gets tomorrow's digest, not a late one).
            seen = self._first_seen.setdefault(person.user_id, now)
            if last_day is None:
                first = digest_rules.next_digest_at(clock=clock, cal=cal, last_day=None, now=seen)
                if first is not None and first < seen:
                    last_day = first.astimezone(cal.tz).date()
            if last_week is None:
                first = digest_rules.next_week_at(cal=cal, last_week=None, now=seen)
                if first is not None and first < seen:
                    last_week = digest_rules.week_key(first.astimezone(cal.tz).date())
        daily = digest_rules.next_digest_at(clock=clock, cal=cal, last_day=last_day, now=now)
        weekly = digest_rules.next_week_at(cal=cal, last_week=last_week, now=now)
        return daily, weekly

    def _plan_person(self, person: Person, now: datetime | None = None) -> None:
        self._people_seen[person.user_id] = person
        daily, weekly = self.person_moments(person, now or self.clock.now())
        moments = [m for m in (daily, weekly) if m is not None]
        if not moments:
            self._pnext.pop(person.user_id, None)
            return
        ts = min(moments).timestamp()
        if self._pnext.get(person.user_id) != ts:
            self._pnext[person.user_id] = ts
            heapq.heappush(self._pheap, (ts, person.user_id))

    def person_changed(self, user_id: int) -> None:
        """A person's zone, language or digest setting changed: plan their digests again."""
        person = self.db.get_person(user_id)
        if person is not None and self._built:
            self._plan_person(person)

    def _sync_people(self) -> None:
        for person in self.db.people():
            if self._people_seen.get(person.user_id) is not person:
                self._plan_person(person)

    def _fire_person(self, uid: int, now: datetime) -> list[OutboxEntry]:
        person = self.db.get_person(uid)
        if person is None:
            return []
        daily, weekly = self.person_moments(person, now)
        entries: list[OutboxEntry] = []
        state = dict(self._digest_doc(uid))
        cal = self.calendar_of(person)
        if daily is not None and daily <= now:
            day = daily.astimezone(cal.tz).date()
            entry = self.digest_entry(
                person, now, key=f"digest:{uid}:{day.isoformat()}", late=now - daily > _LATE
            )
            if entry is not None:
                entries.append(entry)
            state["day"] = day.isoformat()
        if weekly is not None and weekly <= now:
            week = digest_rules.week_key(weekly.astimezone(cal.tz).date())
            entry = self.week_entry(person, now, key=f"week:{uid}:{week}")
            if entry is not None:
                entries.append(entry)
            state["week"] = week
        if state != self._digest_doc(uid):
            try:
                with self.db.transaction(f"p{uid}") as tx:
                    tx.table(DIGEST_TABLE).upsert(Document(state, doc_id=_DIGEST_DOC))
                    for entry in entries:
                        tx.put_outbox(entry)
            except Exception:
                log.exception("the digest of %s could not be stored", uid)
                self._pnext[uid] = (now + RETRY_AFTER).timestamp()
                heapq.heappush(self._pheap, (self._pnext[uid], uid))
                return []
            self._digest_state[uid] = state
        self._plan_person(person, now)
        return entries

    def _task_item(self, task: Task) -> dict[str, Any]:
        return {
            "number": task.number,
            "title": task.title,
            "due": task.due.isoformat() if task.due else None,
            "priority": task.priority.value,
            "kind": task.kind.value,
        }

    def digest_params(self, person: Person, now: datetime) -> tuple[dict[str, Any], bool]:
        """The digest snapshot for this person, and whether it is empty."""
        uid = person.user_id
        tz = tz_of(person, self.settings)
        composed = digest_rules.compose_digest(
            uid,
            mine=self.db.tasks_for_assignee(uid),
            handed=self.db.tasks_by_assigner(uid),
            now=now,
            tz=tz,
        )
        sections = [
            {
                "key": section.key,
                "count": section.count,
                "groups": [
                    {
                        "assigner": self.tasks.name(group.assigner),
                        "self": group.assigner == uid,
                        "items": [self._task_item(t) for t in group.tasks],
                    }
                    for group in section.groups
                ],
            }
            for section in composed.sections
        ]
        handed = [
            {
                **self._task_item(task),
                "people": [
                    [self.tasks.name(a.user_id, a.username), assignee_state(task, a, now)]
                    for a in task.assignees
                    if a.user_id != uid and a.done_at is None
                ],
            }
            for task in composed.handed
        ]
        params = {
            "day": composed.day.isoformat(),
            "sections": sections,
            "handed": handed,
            "undated": composed.undated,
            "empty": composed.empty,
        }
        return params, composed.empty

    def digest_entry(
        self, person: Person, now: datetime, *, key: str, late: bool = False, force: bool = False
    ) -> OutboxEntry | None:
        """The morning digest as an outbox entry (None: nothing to say and the person is quiet)."""
        params, empty = self.digest_params(person, now)
        if empty and person.digest_quiet and not force:
            return None
        return new_entry(
            space=f"p{person.user_id}",
            now=now,
            template="digest",
            params={**params, "late": late},
            to_user=person.user_id,
            key=key,
        )

    def week_params(self, person: Person, now: datetime) -> tuple[dict[str, Any], bool]:
        uid = person.user_id
        tz = tz_of(person, self.settings)
        start = digest_rules.week_start(now, tz)
        live = {t.number: t for t in self.db.tasks_for_assignee(uid)}
        live.update({t.number: t for t in self.db.tasks_by_assigner(uid)})
        composed = digest_rules.compose_week(
            uid,
            finished=self.db.finished_tasks(user_id=uid, since=start),
            live=live.values(),
            now=now,
            tz=tz,
        )
        params = {
            "start": composed.start.isoformat(),
            "done": [self._task_item(t) for t in composed.done],
            "open": [self._task_item(t) for t in composed.still_open],
            "handed_done": composed.handed_done,
            "handed_open": composed.handed_open,
            "empty": composed.empty,
        }
        return params, composed.empty

    def week_entry(
        self, person: Person, now: datetime, *, key: str, force: bool = False
    ) -> OutboxEntry | None:
        params, empty = self.week_params(person, now)
        if empty and person.digest_quiet and not force:
            return None
        return new_entry(
            space=f"p{person.user_id}",
            now=now,
            template="week",
            params=params,
            to_user=person.user_id,
            key=key,
        )

    def on_demand(self, person: Person, what: str, *, update_id: int | None = None) -> OutboxEntry:
        """/digest now or /week: composed now, stored with the update (exactly once)."""
        now = self.clock.now()
        tag = update_id if update_id is not None else int(now.timestamp())
        key = f"{what}:{person.user_id}:now:{tag}"
        if what == "week":
            entry = self.week_entry(person, now, key=key, force=True)
        else:
            entry = self.digest_entry(person, now, key=key, force=True)
        assert entry is not None
        with self.db.transaction(f"p{person.user_id}", update_id=update_id) as tx:
            tx.put_outbox(entry)
        return entry


_LATE = timedelta(minutes=10)


__all__ = ["DIGEST_TABLE", "Scheduler", "Work"]
