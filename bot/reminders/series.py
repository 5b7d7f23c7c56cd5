"""Recurring tasks: the next instance of a series, made when a due passes or the task is done.

The instance gets a new number, the same everything and the next due of its rule (read in the
assigner's zone, on the office's work days); its people are sent the card again, held until
work hours unless it is urgent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.recurrence import next_occurrence
from bot.reminders import rules
from bot.reminders.store import Records
from bot.reminders.zones import Zones
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent
from bot.tasks.service import TaskService
from bot.tasks.views import TaskAssigned

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Spawned:
    """The next instance of a series and the entries that announce it."""

    task: Task
    entries: tuple[OutboxEntry, ...]


class Series:
    """Makes the next instance of a recurring task."""

    def __init__(self, records: Records, zones: Zones, tasks: TaskService) -> None:
        self._records = records
        self._zones = zones
        self._tasks = tasks

    def next_due(self, task: Task, now: datetime) -> datetime | None:
        """The due of the instance after this one (None: the rule has run out, or is bad)."""
        if not task.recurrence:
            return None
        after = rules.spawn_after(task, now)
        occ = rules.occurrence_of(task)
        if after is None or occ is None:
            return None
        zone = self._zones.tz(self._records.get_person(task.assigner))
        try:
            return next_occurrence(
                task.recurrence, occ.astimezone(zone), after.astimezone(zone), self._zones.calendar
            )
        except (ValueError, TypeError):
            log.warning("task #%s has an unreadable recurrence %r", task.number, task.recurrence)
            return None

    def spawn(self, task: Task, now: datetime) -> Spawned | None:
        """The next instance: new number, same everything, new due (None: no next one)."""
        due = self.next_due(task, now)
        if due is None:
            return None
        new = _instance(task, self._records.next_task_number(), due, now)
        return Spawned(new, tuple(self._announce(new, now)))

    def _announce(self, new: Task, now: datetime) -> list[OutboxEntry]:
        card = self._tasks.card(new)
        entries = []
        for uid in new.assignee_ids():
            if new.kind == Kind.REMINDER and uid == new.assigner:
                continue  # your own reminder simply rings at its time
            hold = rules.release(now, self._zones.of_user(uid), new.priority == Priority.URGENT)
            entries.append(
                # The tasks feature's own kind, as it announces a new task.
                new_entry(
                    space=new.space,
                    now=now,
                    message=TaskAssigned(card, heading="reminders.next_title"),
                    to_user=uid,
                    fallback_chat=new.chat_id if new.chat_id < 0 else None,
                    origin_user=new.assigner if uid != new.assigner else None,
                    task_number=new.number,
                    not_before=hold if hold > now else None,
                    key=f"t{new.number}:assigned:{uid}:next",
                )
            )
        return entries

    def on_finish(self, task: Task, now: datetime) -> tuple[list[Task], list[OutboxEntry]]:
        """The task service's finish hook: a recurring task done before its due time spawns
        its next one now. Cancelling a recurring task ends the series."""
        if task.status != Status.DONE or not task.recurrence or task.due is None:
            return [], []
        if rules.has_spawned(task):
            return [], []
        spawned = self.spawn(task, now)
        if spawned is None:
            return [], []
        marked = replace(
            task, reminder_state={**(task.reminder_state or {}), "spawned": spawned.task.number}
        )
        return [marked, spawned.task], list(spawned.entries)


def _instance(task: Task, number: int, due: datetime, now: datetime) -> Task:
    return Task(
        number=number,
        space=task.space,
        chat_id=task.chat_id,
        title=task.title,
        assigner=task.assigner,
        assignees=tuple(Assignee(user_id=a.user_id, username=a.username) for a in task.assignees),
        created_at=now,
        due=due,
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
                data={"from": task.number, "occ": due.isoformat()},
            ),
        ),
        updated_at=now,
    )


__all__ = ["Series", "Spawned"]
