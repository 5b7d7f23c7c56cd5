"""Task use cases: assign, then what the people on a task do with it (bot/tasks/work.py), what
its assigner changes (bot/tasks/steering.py), and the lists and menus built from the tasks as
they stand (bot/tasks/reading.py).

Each change makes one durable write holding the new task state, the outbox entries that tell the
people concerned, and the Telegram update id that caused it (exactly once). Each change's
docstring says who is told.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import TypeVar

from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.parsing import ParsedMessage, ParseError, parse_assignment
from bot.people.models import Person
from bot.tasks import rules
from bot.tasks.base import Actor, FinishHook, Outcome, RosterResolver, SnoozeLate
from bot.tasks.models import Assignee, Priority, Task, TaskEvent
from bot.tasks.reading import Reading
from bot.tasks.rules import Action, TaskRefused
from bot.tasks.steering import Steering
from bot.tasks.views import TaskAssigned, TaskCreated
from bot.tasks.work import Work
from storage import space_of_chat

__all__ = ["Actor", "FinishHook", "Outcome", "RosterResolver", "SnoozeLate", "TaskService"]

_DEADLINE_RE = re.compile(r"前|截止|为止|\b(?:by|before|due|deadline|no later than)\b", re.I)
_ROSTER_RE = re.compile(r"(?:^|(?<=\s))#(?!\d+\b)([^\s#，,。.!！?？:：]{1,40})")
V = TypeVar("V")


class TaskService(Reading, Work, Steering):
    """Every task use case (see bot/tasks/base.py for what they share)."""

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
        source: str | None = None,
        thread_id: int | None = None,
    ) -> Outcome:
        """Record a task from a plain-language message (raises ParseError / TaskRefused);
        `source`: where a forwarded message came from (shown as 来源).

        Told: the chat it was made in (the confirmation), and each assignee but the assigner.
        """
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
            events=(
                TaskEvent(
                    at=now,
                    actor=actor,
                    action="created",
                    data={"source": source} if source else {},
                ),
            ),
            updated_at=now,
            thread_id=thread_id,  # the forum topic it was raised in (its group posts go there)
        )
        entries = self._created_entries(task, now, message_id)
        self._commit(task, entries, update_id)
        return Outcome(task, tuple(entries))

    def read_assignment(
        self,
        text: str,
        *,
        actor: int,
        chat_id: int,
        mentions: Sequence[tuple[int, int, str]] = (),
        ignore_usernames: Collection[str] = (),
    ) -> tuple[ParsedMessage, tuple[Assignee, ...]]:
        """What a message asks and of whom, read as `create` reads it (raises ParseError /
        TaskRefused); nothing is stored. An edited message is read again with it."""
        text, roster_members = self._take_rosters(text, space_of_chat(chat_id, actor), actor)
        parsed = self.parse(text, mentions=mentions, ignore_usernames=ignore_usernames)
        if len(parsed.title) > rules.MAX_TITLE:
            raise TaskRefused("title_too_long", limit=rules.MAX_TITLE)
        people = self._resolve_assignees(
            parsed.assignees, roster_members, actor, chat_id, chat_id < 0
        )
        return parsed, people

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

    def _created_entries(
        self, task: Task, now: datetime, message_id: int | None
    ) -> list[OutboxEntry]:
        card = self.card(task)
        pending = [a.username for a in task.assignees if a.user_id is None and a.username]
        entries = [
            new_entry(
                space=task.space,
                now=now,
                message=TaskCreated(
                    card, pending=pending, self_task=task.assignee_ids() == (task.assigner,)
                ),
                to_chat=task.chat_id,
                reply_to=message_id,
                task_number=task.number,
                key=f"t{task.number}:created",
            )
        ]
        for uid in task.assignee_ids():
            if uid != task.assigner:
                entries.append(self._assigned_entry(task, uid, now, TaskAssigned(card)))
        return entries

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
        """Apply `action` through its use case, for callers that hold an Action (tests)."""
        by = Actor(actor, is_admin, update_id)
        uses: dict[Action, Callable[[], Outcome]] = {
            Action.ACK: lambda: self.acknowledge(number, by),
            Action.DONE: lambda: self.complete(number, by, note),
            Action.CANNOT: lambda: self.cannot(number, by, note),
            Action.REPORT: lambda: self.report(number, by, note),
            Action.SNOOZE: lambda: self.snooze(number, by, _given(until), anyway=True),
            Action.CHANGE_DUE: lambda: self.change_due(number, by, _given(until)),
            Action.HAND_OVER: lambda: self.hand_over(number, by, _given(to_user)),
            Action.REASSIGN: lambda: self.reassign(number, by, _given(to_user)),
            Action.ASK_REASSIGN: lambda: self.ask_reassign(number, by),
            Action.KEEP: lambda: self.keep(number, by),
            Action.CANCEL: lambda: self.cancel(number, by, note),
            Action.UNDO: lambda: self.undo(number, by),
            Action.NUDGE: lambda: self.nudge(number, by),
        }
        use = uses.get(action)
        if use is None:  # VIEW is not a change
            raise TaskRefused("unknown", number=number)
        return use()

    # ----- people becoming known ----------------------------------------------------------
    def bind_person(self, person: Person) -> list[OutboxEntry]:
        """A person with a username was seen: tasks waiting for @username become theirs.

        Told: the person, of each task that became theirs (not of their own). Each task is its
        own write and records no update id: this runs in the tracking step, before the update's
        own change, and an update recorded here would be skipped when re-delivered after a crash
        in between, its change lost. Binding twice is harmless (a bound name waits no more).
        """
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
            entries.append(
                self._assigned_entry(bound, person.user_id, now, TaskAssigned(self.card(bound)))
            )
        self._commit(bound, entries, None)
        return entries


def _given(value: V | None) -> V:
    """What an action cannot do without (a time, a person), given by the caller."""
    if value is None:
        raise ValueError("this action needs a time or a person")
    return value
