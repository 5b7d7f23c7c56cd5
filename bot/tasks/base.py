"""What every task use case stands on: who acts, what a use case did, the task as its people
read it, the one durable write, and the outbox entries that tell people about a task.

`TaskService` (bot/tasks/service.py) is built from the parts in bot/tasks/{reading,work,
steering}.py, each a `TaskCore`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import MessageParams
from bot.core.workdays import WorkCalendar
from bot.groups.rules import left_refusal
from bot.people.rules import name_of
from bot.tasks import changes, rules
from bot.tasks.models import Task, TaskEvent
from bot.tasks.rules import TaskRefused
from bot.tasks.store import TaskRecords
from bot.tasks.views import PICKER_MAX, Card, Colleague, TaskAssigned

# A roster named in a message (`#各科室负责人`), resolved by the directory feature:
# (space, name, actor) → member user ids and pending usernames, or None if no such roster.
RosterResolver = Callable[[str, str, int], list[int | str] | None]
# Called when a change finishes a task (done/cancelled), inside the same write: returns more
# tasks to store and entries to queue (the recurrence of a repeating task, for instance).
FinishHook = Callable[[Task, datetime], tuple[list[Task], list[OutboxEntry]]]
# "我" in a task someone gave: whose it is, for the others who read it.
_FIRST_PERSON = re.compile(r"我|\b(?:I|me|my|mine|myself)\b")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts on a task: the user, whether they act as an admin of its group (checked by the
    caller with Telegram), and the update that carries the act (recorded: exactly once)."""

    user_id: int
    is_admin: bool = False
    update_id: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a use case did: the task as it now stands, and what it queued to be said."""

    task: Task
    entries: tuple[OutboxEntry, ...] = ()
    toast: str = ""  # catalog key (tasks.<...>) of the actor's short answer to a button
    taker: str = ""  # after a hand-over or reassignment: the name of who has it now


class SnoozeLate(TaskRefused):
    """Snoozing there would leave the task late: the person is asked first (申请延期?)."""

    def __init__(self, task: Task, until: datetime) -> None:
        super().__init__("snooze_late_short", number=task.number)
        assert task.due is not None
        self.until = until
        self.due = task.due
        self.rev = task.revision
        self.own = task.own


class TaskCore:
    """The machinery the use cases share (constructed once, by the composition root)."""

    def __init__(
        self,
        db: TaskRecords,
        clock: Clock,
        settings: Settings,
        calendar: WorkCalendar,
        roster_resolver: RosterResolver | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.calendar = calendar
        self.roster_resolver = roster_resolver
        self.finish_hooks: list[FinishHook] = []

    # ----- the task as its people read it --------------------------------------------------
    def get(self, number: int) -> Task | None:
        return self.db.get_task(number)

    def name(self, user_id: int | None, username: str | None = None) -> str:
        person = self.db.get_person(user_id) if user_id is not None else None
        return name_of(person, user_id, username)

    def names(self, task: Task) -> str:
        """Who has the task now, for a line of text."""
        return "、".join(self.name(a.user_id, a.username) for a in task.assignees)

    def card(self, task: Task, reader: int | None = None) -> Card:
        """A snapshot of the task for its messages (for `reader`: their own snooze too).

        One's own note has no 交办人/承办人 pair; in a task for others, "我" in its title is
        said to be the assigner."""
        own = task.own
        assigner = self.name(task.assigner)
        snoozed = rules.snoozed_until(task, reader, self.clock.now()) if reader else None
        source = task.events[0].data.get("source") if task.events else None
        return Card(
            number=task.number,
            title=task.title,
            assigner_name=assigner,
            assignee_names=[self.name(a.user_id, a.username) for a in task.assignees],
            due=task.due.isoformat() if task.due else None,
            priority=task.priority.value,
            recurrence=task.recurrence,
            kind=task.kind.value,
            status=task.status.value,
            status_at=task.events[-1].at.isoformat() if task.events else None,
            overdue=rules.is_overdue(task, self.clock.now()),
            urgency=rules.urgency(task, self.clock.now(), self.calendar).value,
            revision=task.revision,
            own=own,
            me=assigner if not own and _FIRST_PERSON.search(task.title) else None,
            source=str(source) if source else None,
            snoozed_until=snoozed.isoformat() if snoozed is not None else None,
        )

    def _colleague_ids(self, chat_id: int, user_id: int) -> list[int]:
        """The members of the group, or (in private) of every group the person is in."""
        if chat_id < 0:
            ws = self.db.get_workspace(chat_id)
            return list(ws.members) if ws else []
        me = self.db.get_person(user_id)
        ids: list[int] = []
        for chat in me.chats if me else ():
            ws = self.db.get_workspace(chat)
            ids.extend(m for m in (ws.members if ws else ()) if m not in ids)
        return ids

    def candidates(self, task: Task, *, exclude: int | None = None) -> list[Colleague]:
        """Colleagues to hand a task to: members of its group, else people sharing a group."""
        ids = self._colleague_ids(task.chat_id, task.assigner)
        skip = {exclude, *task.assignee_ids()}
        return [(uid, self.name(uid)) for uid in ids if uid not in skip][:PICKER_MAX]

    def card_params(self, task: Task) -> dict[str, object]:
        """The card as stored JSON, for messages of features whose records are not typed yet."""
        return self.card(task).to_json()

    # ----- loading and checking ------------------------------------------------------------
    def _load(self, number: int) -> tuple[Task, datetime]:
        task = self.db.get_task(number)
        if task is None:
            raise TaskRefused("unknown", number=number)
        return task, self.clock.now()

    def _require_person(self, user_id: int) -> None:
        if self.db.get_person(user_id) is None:
            raise TaskRefused("unknown_person")

    def _moved(self, task: Task, user_id: int, move: Callable[[], Task]) -> Task:
        """`move` (a rule), its refusal said better to someone the task has moved on from."""
        try:
            return move()
        except TaskRefused as exc:
            if exc.key == "not_yours" and changes.was_on(task, user_id):
                raise TaskRefused(
                    "no_longer_yours", number=task.number, names=self.names(task)
                ) from exc
            raise

    def check_fresh(self, task: Task, rev: int | None) -> None:
        """A decision made on a message at revision `rev` must still fit the task: refused,
        with what happened since, when it does not (the handler shows the task as it is)."""
        event = changes.unsettled_by(task, rev)
        if event is not None:
            raise self._stale(task, event)

    def _stale(self, task: Task, event: TaskEvent) -> TaskRefused:
        number = task.number
        if task.finished or event.action in ("done", "cancelled", "undone"):
            return TaskRefused(f"already_{task.status.value}", number=number)
        if event.action == "handed_over":
            return TaskRefused(
                "stale_handed",
                number=number,
                giver=self.name(event.data.get("data_from")),
                taker=self.name(event.data.get("data_to")),
            )
        if event.action in ("reassigned", "kept"):
            return TaskRefused("stale_decided", number=number, names=self.names(task))
        return TaskRefused("stale_report", number=number)

    # ----- the write ---------------------------------------------------------------------
    def _save(
        self,
        task: Task,
        entries: list[OutboxEntry],
        by: Actor,
        *,
        toast: str = "",
        taker: str = "",
    ) -> Outcome:
        left = left_refusal(task, by.user_id, self.db.get_workspace(task.chat_id))
        if left is not None:  # they left the task's group (bot/groups/): they act no more
            raise left
        extra = self._commit(task, entries, by.update_id)
        return Outcome(task, (*entries, *extra), toast, taker)

    def _commit(
        self, task: Task, entries: Sequence[OutboxEntry], update_id: int | None
    ) -> tuple[OutboxEntry, ...]:
        """One durable write; returns the entries finish hooks added (to be sent too)."""
        more_tasks: list[Task] = []
        more_entries: list[OutboxEntry] = []
        if task.finished:
            before = self.db.get_task(task.number)
            if before is None or not before.finished:
                for hook in self.finish_hooks:
                    extra_tasks, extra_entries = hook(task, self.clock.now())
                    more_tasks += extra_tasks
                    more_entries += extra_entries
        with self.db.transaction(task.space, update_id=update_id) as tx:
            tx.put_task(task)
            for extra in more_tasks:
                tx.put_task(extra)
            for e in (*entries, *more_entries):
                tx.put_outbox(e)
        return tuple(more_entries)

    # ----- the entries -------------------------------------------------------------------
    def _assigned_entry(
        self, task: Task, uid: int, now: datetime, card: TaskAssigned
    ) -> OutboxEntry:
        """The card for an assignee, with their buttons (the assigner hears if it cannot go)."""
        key = f"t{task.number}:assigned:{uid}:{len(task.events)}"
        return tell(task, uid, now, card, key, origin=task.assigner)

    def _to_assigner(
        self, task: Task, now: datetime, message: MessageParams, tag: str
    ) -> OutboxEntry:
        key = f"t{task.number}:{tag}:{len(task.events)}"
        return tell(task, task.assigner, now, message, key)

    def _to_user(
        self, task: Task, uid: int, now: datetime, message: MessageParams, tag: str
    ) -> OutboxEntry:
        key = f"t{task.number}:{tag}:{uid}:{len(task.events)}"
        return tell(task, uid, now, message, key)

    def _to_others(
        self, task: Task, by: Actor, now: datetime, message: MessageParams, tag: str
    ) -> list[OutboxEntry]:
        """The same message for every assignee still on it but the one acting."""
        return [
            self._to_user(task, uid, now, message, tag)
            for uid in task.assignee_ids()
            if uid != by.user_id and rules.open_for(task, uid)
        ]


def tell(
    task: Task,
    uid: int,
    now: datetime,
    message: MessageParams,
    key: str,
    *,
    origin: int | None = None,
) -> OutboxEntry:
    """An entry for one person about `task`: privately, else in its group (if it has one).

    `key` makes the id deterministic, so the same event never queues the same message twice;
    `origin` is told when it cannot be delivered at all.
    """
    return new_entry(
        space=task.space,
        now=now,
        message=message,
        to_user=uid,
        fallback_chat=task.chat_id if task.chat_id < 0 else None,
        origin_user=origin,
        task_number=task.number,
        key=key,
    )
