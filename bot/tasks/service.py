"""Task use cases: assign, acknowledge, complete, cannot, report, hand over, reassign, nudge.

Each call makes one durable write holding the new task state, the outbox entries that tell the
people concerned, and the Telegram update id that caused it (exactly once).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.workdays import WorkCalendar
from bot.parsing import ParsedMessage, ParseError, parse_assignment
from bot.people.models import Person
from bot.people.rules import name_of
from bot.tasks import rules
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent
from bot.tasks.rules import Action, TaskRefused
from storage import Database, space_of_chat

# A roster named in a message (`#各科室负责人`), resolved by the directory feature:
# (space, name, actor) → member user ids and pending usernames, or None if no such roster.
RosterResolver = Callable[[str, str, int], list[int | str] | None]
# Called when a change finishes a task (done/cancelled), inside the same write: returns more
# tasks to store and entries to queue (the recurrence of a repeating task, for instance).
FinishHook = Callable[[Task, datetime], tuple[list[Task], list[OutboxEntry]]]
_DEADLINE_RE = re.compile(r"前|截止|为止|\b(?:by|before|due|deadline|no later than)\b", re.I)
_ROSTER_RE = re.compile(r"(?:^|(?<=\s))#(?!\d+\b)([^\s#，,。.!！?？:：]{1,40})")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a use case did: the task as it now stands, and what it queued to be said."""

    task: Task
    entries: tuple[OutboxEntry, ...] = ()
    toast: str = ""  # catalog key (tasks.<...>) for the actor's short answer
    extra: dict[str, Any] = field(default_factory=dict)


class TaskService:
    def __init__(
        self,
        db: Database,
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

    # ----- reading -------------------------------------------------------------------------
    def get(self, number: int) -> Task | None:
        return self.db.get_task(number)

    def queue(self, user_id: int) -> list[Task]:
        """The person's open tasks in 轻重缓急 order."""
        now = self.clock.now()
        mine = [t for t in self.db.tasks_for_assignee(user_id) if rules.open_for(t, user_id)]
        return rules.order_queue(mine, now)

    def assigned_by(self, user_id: int) -> list[Task]:
        now = self.clock.now()
        theirs = [
            t for t in self.db.tasks_by_assigner(user_id) if set(t.assignee_ids()) != {user_id}
        ]
        return sorted(theirs, key=lambda t: rules.queue_key(t, now))

    def in_chat(self, chat_id: int) -> list[Task]:
        now = self.clock.now()
        return rules.order_queue(self.db.tasks_in_chat(chat_id), now)

    def name(self, user_id: int | None, username: str | None = None) -> str:
        person = self.db.get_person(user_id) if user_id is not None else None
        return name_of(person, user_id, username)

    def card_params(self, task: Task) -> dict[str, Any]:
        """A JSON-able snapshot of a task for rendering."""
        status_at = task.events[-1].at.isoformat() if task.events else None
        return {
            "number": task.number,
            "title": task.title,
            "assigner_name": self.name(task.assigner),
            "assignee_names": [self.name(a.user_id, a.username) for a in task.assignees],
            "due": task.due.isoformat() if task.due else None,
            "priority": task.priority.value,
            "recurrence": task.recurrence,
            "kind": task.kind.value,
            "status": task.status.value,
            "status_at": status_at,
            "overdue": rules.is_overdue(task, self.clock.now()),
        }

    # ----- creating ------------------------------------------------------------------------
    def parse(
        self,
        text: str,
        *,
        mentions: Sequence[tuple[int, int, str]] = (),
        ignore_usernames: Collection[str] = (),
    ) -> ParsedMessage:
        return parse_assignment(
            text,
            now=self.clock.now(),
            settings=self.settings,
            calendar=self.calendar,
            mentions=mentions,
            ignore_usernames=ignore_usernames,
        )

    def looks_like_assignment(
        self,
        text: str,
        *,
        mentions: Sequence[tuple[int, int, str]] = (),
        ignore_usernames: Collection[str] = (),
    ) -> bool:
        """A plain group message that is clearly a task: it names someone and sets a deadline
        (前/截止/by…) or says it is urgent or important. Chatter stays chatter."""
        try:
            parsed = self.parse(text, mentions=mentions, ignore_usernames=ignore_usernames)
        except ParseError:
            return False
        if not parsed.assignees:
            return False
        if parsed.priority in (Priority.URGENT, Priority.HIGH):
            return True
        return parsed.due is not None and _DEADLINE_RE.search(text) is not None

    def create(
        self,
        *,
        actor: int,
        chat_id: int,
        text: str,
        mentions: Sequence[tuple[int, int, str]] = (),
        ignore_usernames: Collection[str] = (),
        message_id: int | None = None,
        update_id: int | None = None,
    ) -> Outcome:
        """Record a task from a plain-language message (raises ParseError / TaskRefused)."""
        now = self.clock.now()
        is_group = chat_id < 0
        space = space_of_chat(chat_id, actor)
        text, roster_members = self._take_rosters(text, space, actor)
        parsed = self.parse(text, mentions=mentions, ignore_usernames=ignore_usernames)
        if len(parsed.title) > rules.MAX_TITLE:
            raise TaskRefused("title_too_long", limit=rules.MAX_TITLE)
        assignees = self._resolve_assignees(
            parsed.assignees, roster_members, actor, chat_id, is_group
        )
        task = Task(
            number=self.db.next_task_number(),
            space=space,
            chat_id=chat_id,
            title=parsed.title,
            assigner=actor,
            assignees=assignees,
            created_at=now,
            due=parsed.due,
            priority=parsed.priority,
            recurrence=parsed.recurrence,
            remind_before=parsed.remind_before,
            kind=parsed.kind,
            source_message_id=message_id,
            events=(TaskEvent(at=now, actor=actor, action="created"),),
            updated_at=now,
        )
        entries = self._created_entries(task, now, message_id)
        self._commit(task, entries, update_id)
        return Outcome(task, tuple(entries))

    def _take_rosters(self, text: str, space: str, actor: int) -> tuple[str, list[int | str]]:
        if self.roster_resolver is None or "#" not in text:
            return text, []
        members: list[int | str] = []
        for m in list(_ROSTER_RE.finditer(text)):
            found = self.roster_resolver(space, m.group(1), actor)
            if found is None:
                continue
            members.extend(found)
            text = text.replace(m.group(0), " ", 1)
        return text, members

    def _resolve_assignees(
        self,
        names: Sequence[str],
        roster_members: Sequence[int | str],
        actor: int,
        chat_id: int,
        is_group: bool,
    ) -> tuple[Assignee, ...]:
        out: list[Assignee] = []
        seen_ids: set[int] = set()
        seen_names: set[str] = set()

        def add_id(uid: int) -> None:
            if uid not in seen_ids:
                seen_ids.add(uid)
                out.append(Assignee(user_id=uid))

        def add_name(name: str) -> None:
            if name.startswith("id:") and name[3:].lstrip("-").isdigit():
                add_id(int(name[3:]))
                return
            person = self.db.find_person(name) or self._find_by_display_name(name, chat_id, actor)
            if person is not None:
                add_id(person.user_id)
            elif name.lower() not in seen_names:
                seen_names.add(name.lower())
                out.append(Assignee(username=name.lower()))

        for name in names:
            if name == "*":
                if not is_group:
                    raise TaskRefused("everyone_private")
                ws = self.db.get_workspace(chat_id)
                members = [m for m in (ws.members if ws else ()) if m != actor]
                if not members:
                    raise TaskRefused("everyone_unknown")
                for uid in members:
                    add_id(uid)
            else:
                add_name(name)
        for member in roster_members:
            if isinstance(member, int):
                add_id(member)
            else:
                add_name(member)
        if not out:
            out.append(Assignee(user_id=actor))
        return tuple(out)

    def _find_by_display_name(self, name: str, chat_id: int, actor: int) -> Person | None:
        """`@张三`: the one person called that among the people the actor works with."""
        wanted = name.strip().lower()
        if not wanted:
            return None
        if chat_id < 0:
            ws = self.db.get_workspace(chat_id)
            pool = list(ws.members) if ws else []
        else:
            me = self.db.get_person(actor)
            pool = []
            for chat in me.chats if me else ():
                ws = self.db.get_workspace(chat)
                pool.extend(m for m in (ws.members if ws else ()) if m not in pool)
        matches = []
        for uid in pool:
            person = self.db.get_person(uid)
            if person is None:
                continue
            names = {
                person.display_name.lower(),
                person.first_name.lower(),
                (person.last_name + person.first_name).lower(),
            }
            if wanted in names:
                matches.append(person)
        return matches[0] if len(matches) == 1 else None

    def _created_entries(
        self, task: Task, now: datetime, message_id: int | None
    ) -> list[OutboxEntry]:
        params = self.card_params(task)
        pending = [a.username for a in task.assignees if a.user_id is None and a.username]
        self_task = task.assignee_ids() == (task.assigner,)
        entries = [
            new_entry(
                space=task.space,
                now=now,
                template="task_created",
                params={**params, "pending": pending, "self_task": self_task},
                to_chat=task.chat_id,
                reply_to=message_id,
                task_number=task.number,
                key=f"t{task.number}:created",
            )
        ]
        for uid in task.assignee_ids():
            if uid != task.assigner:
                entries.append(self._assigned_entry(task, uid, now, params))
        return entries

    def _assigned_entry(
        self,
        task: Task,
        uid: int,
        now: datetime,
        params: dict[str, Any] | None = None,
        *,
        heading: str = "tasks.assigned_title",
        note: str = "",
        key: str | None = None,
    ) -> OutboxEntry:
        return new_entry(
            space=task.space,
            now=now,
            template="task_assigned",
            params={**(params or self.card_params(task)), "heading": heading, "note": note},
            to_user=uid,
            fallback_chat=task.chat_id if task.chat_id < 0 else None,
            origin_user=task.assigner,
            task_number=task.number,
            key=key or f"t{task.number}:assigned:{uid}:{len(task.events)}",
        )

    def _to_assigner(
        self, task: Task, now: datetime, template: str, params: dict[str, Any], tag: str
    ) -> OutboxEntry:
        return new_entry(
            space=task.space,
            now=now,
            template=template,
            params={"number": task.number, "title": task.title, **params},
            to_user=task.assigner,
            fallback_chat=task.chat_id if task.chat_id < 0 else None,
            task_number=task.number,
            key=f"t{task.number}:{tag}:{len(task.events)}",
        )

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

    # ----- acting on a task ----------------------------------------------------------------
    def require(self, number: int, actor: int, action: Action, *, is_admin: bool = False) -> Task:
        """The task if the actor may take `action` (TaskRefused otherwise, e.g. unknown)."""
        task = self.db.get_task(number)
        if task is None:
            raise TaskRefused("unknown", number=number)
        rules.check(task, actor, action, is_admin=is_admin)
        return task

    def act(
        self,
        number: int,
        actor: int,
        action: Action,
        *,
        is_admin: bool = False,
        update_id: int | None = None,
        note: str = "",
        until: datetime | None = None,
        to_user: int | None = None,
    ) -> Outcome:
        """Apply one action to task #number and queue who must hear of it."""
        now = self.clock.now()
        task = self.db.get_task(number)
        if task is None:
            raise TaskRefused("unknown", number=number)
        who = self.name(actor)
        entries: list[OutboxEntry] = []
        toast = f"toast_{action.value}"
        if action == Action.ACK:
            task = rules.acknowledge(task, actor, now)
            if task.assigner != actor:
                entries.append(
                    self._to_assigner(
                        task, now, "task_receipt", {"who": who, "at": now.isoformat()}, "ack"
                    )
                )
        elif action == Action.DONE:
            before_done = task.status
            task = rules.complete(task, actor, now, note, is_admin=is_admin)
            known = [a for a in task.assignees if a.user_id is not None]
            progress = f"{sum(1 for a in known if a.done_at)}/{len(task.assignees)}"
            if task.assigner != actor:
                entries.append(
                    self._to_assigner(
                        task,
                        now,
                        "task_done",
                        {
                            "who": who,
                            "note": note,
                            "all_done": task.status == Status.DONE,
                            "progress": progress,
                        },
                        "done",
                    )
                )
            elif before_done != Status.DONE and task.status == Status.DONE:
                for uid in task.assignee_ids():
                    if uid != actor:
                        entries.append(
                            self._to_user(
                                task,
                                uid,
                                now,
                                "task_done",
                                {"who": who, "note": note, "all_done": True, "progress": progress},
                                "closed",
                            )
                        )
        elif action == Action.CANNOT:
            task = rules.cannot(task, actor, now, note, is_admin=is_admin)
            entries.append(
                self._to_assigner(task, now, "task_cannot", {"who": who, "report": note}, "cannot")
            )
        elif action == Action.REPORT:
            task = rules.report(task, actor, now, note, is_admin=is_admin)
            entries.append(
                self._to_assigner(task, now, "task_progress", {"who": who, "text": note}, "report")
            )
        elif action == Action.SNOOZE:
            assert until is not None
            task = rules.snooze(task, actor, now, until, is_admin=is_admin)
            if task.assigner != actor:
                entries.append(
                    self._to_assigner(
                        task,
                        now,
                        "task_due_changed",
                        {"who": who, "due": until.isoformat()},
                        "snooze",
                    )
                )
        elif action == Action.CHANGE_DUE:
            assert until is not None
            task = rules.change_due(task, actor, now, until, is_admin=is_admin)
            for uid in task.assignee_ids():
                if uid != actor:
                    entries.append(
                        self._to_user(
                            task,
                            uid,
                            now,
                            "task_due_changed",
                            {"who": who, "due": until.isoformat()},
                            "due",
                        )
                    )
        elif action in (Action.HAND_OVER, Action.REASSIGN):
            assert to_user is not None
            if self.db.get_person(to_user) is None:
                raise TaskRefused("unknown_person")
            old = set(task.assignee_ids())
            if action == Action.HAND_OVER:
                task = rules.hand_over(task, actor, to_user, now, is_admin=is_admin)
            else:
                task = rules.reassign(task, actor, to_user, now, is_admin=is_admin)
            giver = next(iter(old - set(task.assignee_ids())), actor)
            names = {"giver": self.name(giver), "taker": self.name(to_user)}
            if action == Action.HAND_OVER:
                # 转交: the new person learns who passed it on; the assigner who has it now.
                card = self._assigned_entry(task, to_user, now, heading="tasks.handed_title")
                entries.append(replace(card, params={**card.params, "from_name": names["giver"]}))
                told = {task.assigner} - {actor}
                if giver != actor:
                    told.add(giver)
                for uid in told - {to_user}:
                    tag = "handed" if uid == task.assigner else "handed_giver"
                    entries.append(self._to_user(task, uid, now, "task_handed", names, tag))
            else:
                # 改派 by the assigner (or an admin): the one relieved of it is told, not thanked.
                entries.append(
                    self._assigned_entry(task, to_user, now, heading="tasks.reassigned_title")
                )
                by = {**names, "by": who}
                for uid in {giver, task.assigner} - {actor, to_user}:
                    tag = "handed" if uid == task.assigner else "handed_giver"
                    entries.append(self._to_user(task, uid, now, "task_handed", by, tag))
        elif action == Action.ASK_REASSIGN:
            task = rules.ask_reassign(task, actor, now)
            entries.append(
                self._to_assigner(
                    task,
                    now,
                    "task_ask_reassign",
                    {"who": who, "candidates": self.candidates(task, exclude=actor)},
                    "ask",
                )
            )
        elif action == Action.KEEP:
            task = rules.keep(task, actor, now, is_admin=is_admin)
            for uid in task.assignee_ids():
                if uid != actor and rules.open_for(task, uid):
                    entries.append(self._assigned_entry(task, uid, now, heading="tasks.kept_title"))
        elif action in (Action.CANCEL, Action.UNDO):
            task = (rules.cancel if action == Action.CANCEL else rules.undo)(
                task, actor, now, is_admin=is_admin
            )
            for uid in task.assignee_ids():
                if uid != actor:
                    entries.append(
                        self._to_user(task, uid, now, "task_cancelled", {"who": who}, "cancel")
                    )
        elif action == Action.NUDGE:
            task = rules.nudge(task, actor, now, is_admin=is_admin)
            params = self.card_params(task)
            for a in task.assignees:
                if a.user_id is not None and a.done_at is None and a.user_id != actor:
                    entries.append(
                        new_entry(
                            space=task.space,
                            now=now,
                            template="task_nudge",
                            params={**params, "who": who, "acked": a.acknowledged_at is not None},
                            to_user=a.user_id,
                            fallback_chat=task.chat_id if task.chat_id < 0 else None,
                            origin_user=actor,
                            task_number=task.number,
                            key=f"t{task.number}:nudge:{a.user_id}:{len(task.events)}",
                        )
                    )
        else:  # pragma: no cover - VIEW is not a change
            raise TaskRefused("unknown", number=number)
        extra = self._commit(task, entries, update_id)
        return Outcome(task, (*entries, *extra), toast)

    def _to_user(
        self, task: Task, uid: int, now: datetime, template: str, params: dict[str, Any], tag: str
    ) -> OutboxEntry:
        return new_entry(
            space=task.space,
            now=now,
            template=template,
            params={"number": task.number, "title": task.title, **params},
            to_user=uid,
            fallback_chat=task.chat_id if task.chat_id < 0 else None,
            task_number=task.number,
            key=f"t{task.number}:{tag}:{uid}:{len(task.events)}",
        )

    def candidates(self, task: Task, *, exclude: int | None = None) -> list[list[Any]]:
        """Colleagues to hand a task to: members of its group, else people sharing a group."""
        ids: list[int] = []
        if task.chat_id < 0:
            ws = self.db.get_workspace(task.chat_id)
            ids = list(ws.members) if ws else []
        else:
            me = self.db.get_person(task.assigner)
            for chat in me.chats if me else ():
                ws = self.db.get_workspace(chat)
                ids.extend(m for m in (ws.members if ws else ()) if m not in ids)
        skip = {exclude, *task.assignee_ids()}
        return [[uid, self.name(uid)] for uid in ids if uid not in skip][:12]

    # ----- people becoming known ----------------------------------------------------------
    def bind_person(self, person: Person, *, update_id: int | None = None) -> list[OutboxEntry]:
        """A person with a username was seen: tasks waiting for @username become theirs."""
        now = self.clock.now()
        out: list[OutboxEntry] = []
        names = [n for n in (person.username, person.display_name, person.first_name) if n]
        seen: set[int] = set()
        for name in dict.fromkeys(n.lower() for n in names):
            for task in self.db.tasks_pending_username(name):
                if task.number in seen:
                    continue
                if name != (person.username or "").lower() and task.chat_id not in person.chats:
                    continue  # a display name binds only within the group it was said in
                seen.add(task.number)
                out.extend(self._bind(task, name, person, now))
        return out

    def _bind(self, task: Task, name: str, person: Person, now: datetime) -> list[OutboxEntry]:
        bound = rules.bind_username(task, name, person.user_id, now)
        entries: list[OutboxEntry] = []
        if person.user_id != task.assigner:
            entries.append(self._assigned_entry(bound, person.user_id, now))
        self._commit(bound, entries, None)
        return entries

    def reminder_kind(self, task: Task) -> bool:
        return task.kind == Kind.REMINDER


def replace_task(task: Task, **changes: Any) -> Task:
    return replace(task, **changes)
