"""What a task's due reminder steps say, and the reminder_state that records them.

The rules (bot/reminders/rules.py) say which steps are due; here each becomes an outbox entry
with a deterministic key (so working a step out twice queues it once), addressed to the
assignee — or, for the escalations, to the assigner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import MessageParams
from bot.reminders import rules
from bot.reminders.rules import Due, Step
from bot.reminders.series import Series
from bot.reminders.store import Records
from bot.reminders.views import (
    AckEscalation,
    AckResend,
    BeforeDue,
    CardReminder,
    DueNow,
    Escalation,
    Overdue,
)
from bot.reminders.zones import Zones
from bot.tasks import rules as task_rules
from bot.tasks.models import Task
from bot.tasks.service import TaskService

_TO_ASSIGNEE: dict[Step, type[CardReminder]] = {
    Step.BEFORE: BeforeDue,
    Step.AT_DUE: DueNow,
    Step.NAG: Overdue,
    Step.ACK_RESEND: AckResend,
}


@dataclass(frozen=True, slots=True)
class Worked:
    """A task after its due steps: what to store (the task with its new reminder_state, and
    a spawned next instance) and what to queue."""

    tasks: tuple[Task, ...]
    entries: tuple[OutboxEntry, ...]


class TaskSteps:
    """The reminder steps of one task: when the next is due, and what the due ones say."""

    def __init__(
        self,
        records: Records,
        zones: Zones,
        tasks: TaskService,
        series: Series,
        policy: rules.Policy = rules.POLICY,
        *,
        digest_for: rules.DigestFor = rules.no_digest,
    ) -> None:
        self._records = records
        self._zones = zones
        self._tasks = tasks
        self._series = series
        self._digest_for = digest_for
        self.policy = policy

    def next_moment(self, task: Task) -> datetime | None:
        return rules.next_moment(
            task,
            calendar=self._zones.calendar,
            calendar_for=self._zones.of_user,
            digest_for=self._digest_for,
            policy=self.policy,
        )

    def due(self, task: Task, now: datetime) -> list[Due]:
        return rules.due_now(
            task,
            now,
            calendar=self._zones.calendar,
            calendar_for=self._zones.of_user,
            digest_for=self._digest_for,
            policy=self.policy,
        )

    def work(self, task: Task, fired: Sequence[Due], now: datetime) -> Worked:
        """The task with its new reminder_state (and a spawned next instance), and the entries."""
        entries: list[OutboxEntry] = []
        extra: dict[str, Any] = {}
        new_tasks: list[Task] = []
        card: dict[str, Any] | None = None
        for d in fired:
            if d.step == Step.SPAWN:
                spawned = self._series.spawn(task, now)
                if spawned is not None:
                    new_tasks.append(spawned.task)
                    entries.extend(spawned.entries)
                # 0: the rule has run out.
                extra["spawned"] = spawned.task.number if spawned is not None else 0
                continue
            if d.silent:
                continue
            if card is None:
                card = self._tasks.card_params(task)
            entry = self.entry(task, d, now, card)
            if entry is not None:
                entries.append(entry)
        updated = replace(task, reminder_state=rules.record(task, fired, now, **extra))
        updated = task_rules.wake_up(updated, now)  # snoozes whose time has come are over
        if "spawned" in extra:
            # The series goes on with the new instance: this one will never spawn again, even
            # if a snooze later resets its reminder_state.
            updated = replace(updated, recurrence=None)
        return Worked((updated, *new_tasks), tuple(entries))

    def entry(self, task: Task, d: Due, now: datetime, card: dict[str, Any]) -> OutboxEntry | None:
        """What one step says, as an outbox entry (None: nobody could carry it)."""
        if d.step in (Step.ESCALATE, Step.ACK_ESCALATE):
            return self._to_assigner(task, d, now, card)
        if d.step == Step.WAKE:
            assert d.to is not None
            return self._tasks.wake_entry(task, d.to, now, _key(task, d))
        return self._to_assignee(task, d, now, card)

    def _to_assigner(self, task: Task, d: Due, now: datetime, card: dict[str, Any]) -> OutboxEntry:
        assert d.to is not None
        message: MessageParams
        if d.step == Step.ESCALATE:
            names = [self._tasks.name(uid) for uid in rules.open_recipients(task)]
            message = Escalation(task.number, task.title, due=card["due"], names=names)
        else:
            since = rules.ack_anchor(task, d.to).isoformat()
            message = AckEscalation(task.number, task.title, self._tasks.name(d.to), since)
        return new_entry(
            space=task.space,
            now=now,
            message=message,
            to_user=task.assigner,
            fallback_chat=_group(task),
            task_number=task.number,
            key=_key(task, d),
        )

    def _to_assignee(
        self, task: Task, d: Due, now: datetime, card: dict[str, Any]
    ) -> OutboxEntry | None:
        assert d.to is not None
        person = self._records.get_person(d.to)
        reachable = person is not None and person.reachable_privately
        if d.step == Step.NAG and not reachable and _group(task) is None:
            return None  # nobody could carry it; a pile of stale nags helps no one later
        me = next((a for a in task.assignees if a.user_id == d.to), None)
        # Time-critical messages tell the assigner if they cannot be delivered.
        origin = task.assigner if d.step != Step.NAG and task.assigner != d.to else None
        record = _TO_ASSIGNEE[d.step]
        acked = bool(me and me.acknowledged_at)
        message = (
            Overdue(card=card, late=d.late, acked=acked, round=d.round)
            if d.step == Step.NAG
            else record(card=card, late=d.late, acked=acked)
        )
        return new_entry(
            space=task.space,
            now=now,
            message=message,
            to_user=d.to,
            fallback_chat=_group(task),
            origin_user=origin,
            task_number=task.number,
            key=_key(task, d),
        )


def _group(task: Task) -> int | None:
    return task.chat_id if task.chat_id < 0 else None


def _key(task: Task, d: Due) -> str:
    return f"r{task.number}:{d.key}:{int(d.at.timestamp())}"


__all__ = ["TaskSteps", "Worked"]
