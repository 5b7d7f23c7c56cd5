"""Task use cases: assign, acknowledge, complete, cannot, report, snooze, hand over, reassign,
keep, cancel, undo, nudge — and the lists and menus built from the tasks as they stand.

Each change makes one durable write holding the new task state, the outbox entries that tell the
people concerned, and the Telegram update id that caused it (exactly once). Each change's
docstring says who is told.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import MessageParams
from bot.core.workdays import WorkCalendar
from bot.parsing import ParsedMessage, ParseError, parse_assignment, parse_when
from bot.people.models import Person
from bot.people.rules import name_of, tz_of
from bot.tasks import rules
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent
from bot.tasks.rules import Action, Page, SnoozeOption, TaskRefused
from bot.tasks.views import (
    PICKER_MAX,
    Card,
    Colleague,
    HandedOut,
    TaskAskReassign,
    TaskAssigned,
    TaskCancelled,
    TaskCannot,
    TaskCreated,
    TaskDone,
    TaskDueChanged,
    TaskHanded,
    TaskNudge,
    TaskProgress,
    TaskReceipt,
)
from storage import Database, space_of_chat

# A roster named in a message (`#各科室负责人`), resolved by the directory feature:
# (space, name, actor) → member user ids and pending usernames, or None if no such roster.
RosterResolver = Callable[[str, str, int], list[int | str] | None]
# Called when a change finishes a task (done/cancelled), inside the same write: returns more
# tasks to store and entries to queue (the recurrence of a repeating task, for instance).
FinishHook = Callable[[Task, datetime], tuple[list[Task], list[OutboxEntry]]]
_DEADLINE_RE = re.compile(r"前|截止|为止|\b(?:by|before|due|deadline|no later than)\b", re.I)
_ROSTER_RE = re.compile(r"(?:^|(?<=\s))#(?!\d+\b)([^\s#，,。.!！?？:：]{1,40})")
V = TypeVar("V")


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
        return rules.order_queue(mine, now, self.calendar)

    def assigned_by(self, user_id: int) -> list[Task]:
        """What the person handed out to others, in queue order."""
        tasks = self.db.tasks_by_assigner(user_id)
        return rules.handed_out(tasks, user_id, self.clock.now(), self.calendar)

    def in_chat(self, chat_id: int) -> list[Task]:
        now = self.clock.now()
        return rules.order_queue(self.db.tasks_in_chat(chat_id), now, self.calendar)

    def name(self, user_id: int | None, username: str | None = None) -> str:
        person = self.db.get_person(user_id) if user_id is not None else None
        return name_of(person, user_id, username)

    def card(self, task: Task) -> Card:
        """A snapshot of the task for its messages."""
        return Card(
            number=task.number,
            title=task.title,
            assigner_name=self.name(task.assigner),
            assignee_names=[self.name(a.user_id, a.username) for a in task.assignees],
            due=task.due.isoformat() if task.due else None,
            priority=task.priority.value,
            recurrence=task.recurrence,
            kind=task.kind.value,
            status=task.status.value,
            status_at=task.events[-1].at.isoformat() if task.events else None,
            overdue=rules.is_overdue(task, self.clock.now()),
            urgency=rules.urgency(task, self.clock.now(), self.calendar).value,
        )

    def card_params(self, task: Task) -> dict[str, Any]:
        """The card as stored JSON, for messages of features whose records are not typed yet."""
        return self.card(task).to_json()

    def candidates(self, task: Task, *, exclude: int | None = None) -> list[Colleague]:
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
        return [(uid, self.name(uid)) for uid in ids if uid not in skip][:PICKER_MAX]

    # ----- lists and menus -----------------------------------------------------------------
    def my_page(self, user_id: int, page: int) -> Page[Card]:
        """A page of /my (kept within the list)."""
        return rules.page_of(self.queue(user_id), page).map(self.card)

    def next_for(self, user_id: int) -> tuple[Card | None, int]:
        """/next: the task to do now (None: nothing waits), and how many wait."""
        queue = self.queue(user_id)
        return (self.card(queue[0]) if queue else None), len(queue)

    def handed_out(self, user_id: int) -> tuple[list[HandedOut], int]:
        """/assigned: the first tasks the person handed out, each person's state; how many."""
        tasks = self.assigned_by(user_id)
        now = self.clock.now()
        items = []
        for task in tasks[: rules.ASSIGNED_SHOWN]:
            people = tuple(
                (self.name(a.user_id, a.username), rules.assignee_state(task, a, now))
                for a in task.assignees
            )
            card = replace(self.card(task), assigner_name=None)  # the reader is the assigner
            items.append(HandedOut(card, people, nudge=rules.waits_on(task)))
        return items, len(tasks)

    def chat_board(self, chat_id: int) -> tuple[int, list[tuple[str, list[Card]]]]:
        """/tasks in a group: how many tasks are open there, and each one's open assignees'."""
        tasks = self.in_chat(chat_id)
        by_person: dict[str, list[Card]] = {}
        for task in tasks:
            card = self.card(task)
            for a in task.assignees:
                if a.done_at is None:
                    by_person.setdefault(self.name(a.user_id, a.username), []).append(card)
        return len(tasks), list(by_person.items())

    def which_task(self, user_id: int, given: int | None, replied_text: str | None) -> int | None:
        """#n as given; else the task of the message replied to; else the person's only open
        task; else None (ask which)."""
        if given is not None:
            return given
        replied = rules.number_in(replied_text) if replied_text is not None else None
        if replied is not None:
            return replied
        queue = self.queue(user_id)
        return queue[0].number if len(queue) == 1 else None

    def person_named(self, answer: str) -> int | None:
        """The known person a typed answer names (`@wangwu`): their user id, or None."""
        name = rules.username_in(answer)
        person = self.db.find_person(name) if name else None
        return person.user_id if person is not None else None

    def snooze_options(self, user_id: int) -> list[SnoozeOption]:
        """The 推迟 menu for this person, by their own clock."""
        return rules.snooze_options(self.clock.now().astimezone(self._tz(user_id)))

    def snooze_target(self, user_id: int, option: SnoozeOption) -> datetime | None:
        """When a 推迟 button means for this person (None: that time has passed)."""
        start = self.settings.workday_start
        return rules.snooze_target(option, self.clock.now(), self._tz(user_id), start)

    def until(self, number: int, text: str, action: Action) -> datetime:
        """The time typed for a snooze or a new due time of #number (raises ParseError)."""
        task = self.db.get_task(number)
        return parse_when(
            text,
            now=self.clock.now(),
            settings=self.settings,
            calendar=self.calendar,
            kind=Kind.REMINDER if rules.parses_as_reminder(action, task) else Kind.TASK,
        )

    def _tz(self, user_id: int) -> ZoneInfo:
        return tz_of(self.db.get_person(user_id), self.settings)

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
        """Record a task from a plain-language message (raises ParseError / TaskRefused).

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

    # ----- acting on a task: one use case per action ---------------------------------------
    def acknowledge(self, number: int, by: Actor) -> Outcome:
        """收到. Told: the assigner (a receipt), unless it is their own task."""
        task, now = self._load(number)
        task = rules.acknowledge(task, by.user_id, now)
        told = []
        if task.assigner != by.user_id:
            receipt = TaskReceipt(task.number, task.title, self.name(by.user_id), now.isoformat())
            told.append(self._to_assigner(task, now, receipt, "ack"))
        return self._save(task, told, by, toast="toast_ack")

    def complete(self, number: int, by: Actor, note: str = "") -> Outcome:
        """完成: an assignee's part (the task once every part is), or the whole task when the
        assigner or an admin closes it. Told: the assigner, when someone else did it; when the
        assigner closes it, every other assignee."""
        task, now = self._load(number)
        task = rules.complete(task, by.user_id, now, note, is_admin=by.is_admin)
        known = [a for a in task.assignees if a.user_id is not None]
        progress = f"{sum(1 for a in known if a.done_at)}/{len(task.assignees)}"
        all_done = task.status == Status.DONE
        done = TaskDone(task.number, task.title, self.name(by.user_id), note, all_done, progress)
        told = []
        if task.assigner != by.user_id:
            told.append(self._to_assigner(task, now, done, "done"))
        elif all_done:
            for uid in task.assignee_ids():
                if uid != by.user_id:
                    told.append(self._to_user(task, uid, now, done, "closed"))
        return self._save(task, told, by, toast="toast_done")

    def cannot(self, number: int, by: Actor, report: str) -> Outcome:
        """办不了, with what was found. Told: the assigner, with the choices to decide."""
        task, now = self._load(number)
        task = rules.cannot(task, by.user_id, now, report, is_admin=by.is_admin)
        message = TaskCannot(task.number, task.title, self.name(by.user_id), report)
        return self._save(task, [self._to_assigner(task, now, message, "cannot")], by)

    def report(self, number: int, by: Actor, text: str) -> Outcome:
        """汇报, a progress note; nothing changes. Told: the assigner."""
        task, now = self._load(number)
        task = rules.report(task, by.user_id, now, text, is_admin=by.is_admin)
        message = TaskProgress(task.number, task.title, self.name(by.user_id), text)
        return self._save(task, [self._to_assigner(task, now, message, "report")], by)

    def snooze(self, number: int, by: Actor, until: datetime) -> Outcome:
        """推迟 to `until`. Told: the assigner, unless they snoozed it themselves."""
        task, now = self._load(number)
        task = rules.snooze(task, by.user_id, now, until, is_admin=by.is_admin)
        told = []
        if task.assigner != by.user_id:
            moved = TaskDueChanged(
                task.number, task.title, self.name(by.user_id), until.isoformat()
            )
            told.append(self._to_assigner(task, now, moved, "snooze"))
        return self._save(task, told, by, toast="toast_snooze")

    def change_due(self, number: int, by: Actor, due: datetime) -> Outcome:
        """改截止时间 (the assigner). Told: every other assignee."""
        task, now = self._load(number)
        task = rules.change_due(task, by.user_id, now, due, is_admin=by.is_admin)
        moved = TaskDueChanged(task.number, task.title, self.name(by.user_id), due.isoformat())
        told = [
            self._to_user(task, uid, now, moved, "due")
            for uid in task.assignee_ids()
            if uid != by.user_id
        ]
        return self._save(task, told, by)

    def hand_over(self, number: int, by: Actor, to_user: int) -> Outcome:
        """转交 to a colleague. Told: the colleague (the card, and who passed it on); the
        assigner and the one it came from, when that is not the actor, who has it now."""
        task, now = self._load(number)
        self._require_person(to_user)
        before = set(task.assignee_ids())
        task = rules.hand_over(task, by.user_id, to_user, now, is_admin=by.is_admin)
        giver = next(iter(before - set(task.assignee_ids())), by.user_id)
        handed = TaskHanded(task.number, task.title, self.name(giver), self.name(to_user))
        card = TaskAssigned(self.card(task), heading="tasks.handed_title", from_name=handed.giver)
        told = [self._assigned_entry(task, to_user, now, card)]
        others = {task.assigner} - {by.user_id}
        if giver != by.user_id:
            others.add(giver)
        for uid in others - {to_user}:
            told.append(self._to_user(task, uid, now, handed, self._handed_tag(task, uid)))
        return self._save(task, told, by, toast="toast_handed", taker=handed.taker)

    def reassign(self, number: int, by: Actor, to_user: int) -> Outcome:
        """改派 by the assigner (or an admin). Told: the new assignee (the card); the one
        relieved of it and the assigner, when they did not do it themselves."""
        task, now = self._load(number)
        self._require_person(to_user)
        before = set(task.assignee_ids())
        task = rules.reassign(task, by.user_id, to_user, now, is_admin=by.is_admin)
        giver = next(iter(before - set(task.assignee_ids())), by.user_id)
        handed = TaskHanded(
            task.number, task.title, self.name(giver), self.name(to_user), by=self.name(by.user_id)
        )
        card = TaskAssigned(self.card(task), heading="tasks.reassigned_title")
        told = [self._assigned_entry(task, to_user, now, card)]
        for uid in {giver, task.assigner} - {by.user_id, to_user}:
            told.append(self._to_user(task, uid, now, handed, self._handed_tag(task, uid)))
        return self._save(task, told, by, toast="toast_handed", taker=handed.taker)

    def ask_reassign(self, number: int, by: Actor) -> Outcome:
        """请示另安排. Told: the assigner, with colleagues to pick from."""
        task, now = self._load(number)
        task = rules.ask_reassign(task, by.user_id, now)
        pairs = [[uid, name] for uid, name in self.candidates(task, exclude=by.user_id)]
        ask = TaskAskReassign(task.number, task.title, self.name(by.user_id), candidates=pairs)
        return self._save(task, [self._to_assigner(task, now, ask, "ask")], by, toast="toast_ask")

    def keep(self, number: int, by: Actor) -> Outcome:
        """仍由原人办理 after 办不了. Told: each other assignee still on it (the card again)."""
        task, now = self._load(number)
        task = rules.keep(task, by.user_id, now, is_admin=by.is_admin)
        told = [
            self._assigned_entry(task, uid, now, TaskAssigned(self.card(task), "tasks.kept_title"))
            for uid in task.assignee_ids()
            if uid != by.user_id and rules.open_for(task, uid)
        ]
        return self._save(task, told, by, toast="toast_keep")

    def cancel(self, number: int, by: Actor) -> Outcome:
        """取消任务. Told: every other assignee."""
        task, now = self._load(number)
        task = rules.cancel(task, by.user_id, now, is_admin=by.is_admin)
        return self._save(task, self._cancelled(task, by, now), by, toast="toast_cancel")

    def undo(self, number: int, by: Actor) -> Outcome:
        """撤销 within ten minutes: cancelled as if never given. Told: every other assignee."""
        task, now = self._load(number)
        task = rules.undo(task, by.user_id, now, is_admin=by.is_admin)
        return self._save(task, self._cancelled(task, by, now), by, toast="toast_undo")

    def nudge(self, number: int, by: Actor) -> Outcome:
        """催办. Told: each assignee who has not finished (the card, with their buttons)."""
        task, now = self._load(number)
        task = rules.nudge(task, by.user_id, now, is_admin=by.is_admin)
        card, who = self.card(task), self.name(by.user_id)
        told = [
            _tell(
                task,
                a.user_id,
                now,
                TaskNudge(card, who, acked=a.acknowledged_at is not None),
                f"t{task.number}:nudge:{a.user_id}:{len(task.events)}",
                origin=by.user_id,
            )
            for a in task.assignees
            if a.user_id is not None and a.done_at is None and a.user_id != by.user_id
        ]
        return self._save(task, told, by, toast="toast_nudge")

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
            Action.SNOOZE: lambda: self.snooze(number, by, _given(until)),
            Action.CHANGE_DUE: lambda: self.change_due(number, by, _given(until)),
            Action.HAND_OVER: lambda: self.hand_over(number, by, _given(to_user)),
            Action.REASSIGN: lambda: self.reassign(number, by, _given(to_user)),
            Action.ASK_REASSIGN: lambda: self.ask_reassign(number, by),
            Action.KEEP: lambda: self.keep(number, by),
            Action.CANCEL: lambda: self.cancel(number, by),
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

    # ----- the write and the entries -------------------------------------------------------
    def _load(self, number: int) -> tuple[Task, datetime]:
        task = self.db.get_task(number)
        if task is None:
            raise TaskRefused("unknown", number=number)
        return task, self.clock.now()

    def _require_person(self, user_id: int) -> None:
        if self.db.get_person(user_id) is None:
            raise TaskRefused("unknown_person")

    def _save(
        self,
        task: Task,
        entries: list[OutboxEntry],
        by: Actor,
        *,
        toast: str = "",
        taker: str = "",
    ) -> Outcome:
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

    def _cancelled(self, task: Task, by: Actor, now: datetime) -> list[OutboxEntry]:
        message = TaskCancelled(task.number, task.title, self.name(by.user_id))
        return [
            self._to_user(task, uid, now, message, "cancel")
            for uid in task.assignee_ids()
            if uid != by.user_id
        ]

    @staticmethod
    def _handed_tag(task: Task, uid: int) -> str:
        return "handed" if uid == task.assigner else "handed_giver"

    def _assigned_entry(
        self, task: Task, uid: int, now: datetime, card: TaskAssigned
    ) -> OutboxEntry:
        """The card for an assignee, with their buttons (the assigner hears if it cannot go)."""
        key = f"t{task.number}:assigned:{uid}:{len(task.events)}"
        return _tell(task, uid, now, card, key, origin=task.assigner)

    def _to_assigner(
        self, task: Task, now: datetime, message: MessageParams, tag: str
    ) -> OutboxEntry:
        key = f"t{task.number}:{tag}:{len(task.events)}"
        return _tell(task, task.assigner, now, message, key)

    def _to_user(
        self, task: Task, uid: int, now: datetime, message: MessageParams, tag: str
    ) -> OutboxEntry:
        key = f"t{task.number}:{tag}:{uid}:{len(task.events)}"
        return _tell(task, uid, now, message, key)


def _tell(
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


def _given(value: V | None) -> V:
    """What an action cannot do without (a time, a person), given by the caller."""
    if value is None:
        raise ValueError("this action needs a time or a person")
    return value
