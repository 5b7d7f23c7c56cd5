"""Groups as Telegram has them (spec/conversations.md, "Groups as Telegram has them"): the use
cases, and what delivery asks about groups.

* **Topics.** `topic(entry, chat)`: the forum topic a message for a group goes to — the entry's
  own, else, for a message about a task sent to that task's group, the task's.
* **Migration.** `migrate(old, new)`: everything under the old chat id moves to the new one
  (storage/migrate.py, atomic); features that keep something by space in memory are told.
* **People leaving.** `member_left`: they are refused on the group's tasks from then on
  (`check_present`), and each assigner of their open tasks there is told once, in one message
  with a button per task (`reassign_offer`). `members_back` when they are added again.
* **The bot removed.** `bot_removed` / `bot_back` (also `park` when Telegram refuses a send to
  the group): while removed, delivery sends nothing there — entries wait (`parked`).
* **Edits.** `edit`: the message a task was made from, edited within 15 minutes by whoever made
  it, updates the task; everyone on it is told what changed. Any other edit changes nothing.

Each change is one durable write (with the update id that caused it: exactly once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import MessageParams
from bot.core.spaces import group_space
from bot.groups import rules
from bot.groups.rules import Edit, Reading
from bot.groups.views import MemberLeft, TaskEdited
from bot.parsing import ParseError
from bot.people.models import Workspace
from bot.tasks import rules as task_rules
from bot.tasks.models import Task, TaskEvent
from bot.tasks.rules import Action, TaskRefused
from bot.tasks.service import TaskService
from bot.tasks.views import Colleague, TaskAssigned
from storage import Database, space_of_chat
from storage.migrate import Moved, migrate_chat

log = logging.getLogger(__name__)

#: Told when a group's records moved to another space (old space, new space): features that
#: keep something by space in memory (an index, a cache) forget or move it.
SpaceMoved = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class Offer:
    """重新安排: the task, who left it, and the colleagues it can go to."""

    task: Task
    leaver: str
    colleagues: list[Colleague]


@dataclass(frozen=True, slots=True)
class Edited:
    """What an edit of a task's message did: `entries` to send (empty: nothing changed);
    `late` (too late to change it) or `error` (the new text could not be read) to say so."""

    task: Task
    entries: tuple[OutboxEntry, ...] = ()
    late: bool = False
    error: ParseError | TaskRefused | None = None


class GroupService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        tasks: TaskService,
        *,
        space_moved: Sequence[SpaceMoved] = (),
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.tasks = tasks
        self._space_moved = tuple(space_moved)

    # ----- what delivery asks ------------------------------------------------------------------
    def topic(self, entry: OutboxEntry, chat_id: int) -> int | None:
        """The forum topic of `chat_id` that `entry` goes to (None: the General topic)."""
        if chat_id >= 0:
            return None
        if entry.thread_id is not None:
            return entry.thread_id
        if entry.task_number is not None:
            task = self.db.get_task(entry.task_number)
            if task is not None and task.chat_id == chat_id:
                return task.thread_id
        return None

    def parked(self, chat_id: int) -> bool:
        """Is the bot out of this group (its messages for it wait)?"""
        ws = self.db.get_workspace(chat_id) if chat_id < 0 else None
        return ws is not None and ws.bot_removed

    def park(self, chat_id: int) -> None:
        """Telegram refused a send to the group (the bot was removed): wait until it is back."""
        if not self.parked(chat_id):
            log.warning("the bot is not in group %s: its messages wait until it is added", chat_id)
            self.bot_removed(chat_id)

    def allowed_now(self, allowed: frozenset[int] | set[int]) -> set[int]:
        """OFFICEBOT_ALLOWED_CHATS as it stands after upgrades: a group that became a
        supergroup is allowed under its new id too."""
        out = set(allowed)
        for ws in self.db.workspaces():
            if ws.migrated_from is not None and ws.migrated_from in allowed:
                out.add(ws.chat_id)
        return out

    def migrated(self, old: int, new: int) -> None:
        """Telegram said the group is now a supergroup (ChatMigrated on a send)."""
        self.migrate(old, new)

    # ----- the bot removed and added back ------------------------------------------------------
    def bot_removed(self, chat_id: int, title: str = "", *, update_id: int | None = None) -> None:
        self._set_removed(chat_id, title, True, update_id)

    def bot_back(self, chat_id: int, title: str = "", *, update_id: int | None = None) -> bool:
        """Added to the group again: True if messages were waiting for it."""
        was = self.parked(chat_id)
        self._set_removed(chat_id, title, False, update_id)
        return was

    def _set_removed(self, chat_id: int, title: str, removed: bool, update_id: int | None) -> None:
        ws = self.db.get_workspace(chat_id) or Workspace(chat_id=chat_id, title=title)
        if ws.bot_removed == removed and update_id is None:
            return
        changed = replace(ws, title=title or ws.title, bot_removed=removed)
        with self.db.transaction(space_of_chat(chat_id, 0), update_id=update_id) as tx:
            tx.put_workspace(replace(changed, updated_at=self.clock.now()))

    # ----- migration ---------------------------------------------------------------------------
    def migrate(self, old: int, new: int, *, update_id: int | None = None) -> Moved:
        """Move everything kept under group `old` to supergroup `new` (again: nothing to do)."""
        moved = migrate_chat(self.db, old, new, update_id=update_id)
        if moved.changed:
            for told in self._space_moved:
                told(group_space(old), group_space(new))
        return moved

    # ----- people leaving ----------------------------------------------------------------------
    def member_left(
        self, chat_id: int, title: str, user_id: int, *, update_id: int | None = None
    ) -> list[OutboxEntry]:
        """Someone left the group or was removed: from now on they are refused on its tasks,
        and each assigner of their open tasks there is told once (one message each)."""
        db = self.db
        ws = db.get_workspace(chat_id) or Workspace(chat_id=chat_id, title=title)
        told = user_id in ws.left  # Telegram sends a service message and a chat_member update
        now = self.clock.now()
        ws = replace(
            ws,
            title=title or ws.title,
            members=tuple(m for m in ws.members if m != user_id),
            left=ws.left if told else (*ws.left, user_id),
            updated_at=now,
        )
        if told:
            # Told already; an update since may have counted them in again (the one who left
            # is the sender of its service message): they are out.
            stored = db.get_workspace(chat_id)
            if stored is None or stored.members != ws.members:
                with db.transaction(space_of_chat(chat_id, 0), update_id=update_id) as tx:
                    tx.put_workspace(ws)
            return []
        held = rules.left_tasks(db.tasks_in_chat(chat_id), user_id)
        tasks = [_left_event(t, user_id, now) for ts in held.values() for t in ts]
        name = self.tasks.name(user_id)
        entries = [
            new_entry(
                space=space_of_chat(chat_id, 0),
                now=now,
                message=MemberLeft(
                    name, ws.title, [[t.number, t.title] for t in sorted(ts, key=_number)]
                ),
                to_user=assigner,
                fallback_chat=chat_id,
                key=f"left:{chat_id}:{user_id}:{assigner}:{int(now.timestamp())}",
            )
            for assigner, ts in sorted(held.items())
        ]
        # Their Person.chats stays (where they were seen); what they may still see of the group's
        # records is Telegram's to say (the membership check).
        with db.transaction(space_of_chat(chat_id, 0), update_id=update_id) as tx:
            tx.put_workspace(ws)
            for task in tasks:
                tx.put_task(task)
            for entry in entries:
                tx.put_outbox(entry)
        return entries

    def members_back(
        self, chat_id: int, user_ids: Collection[int], *, update_id: int | None = None
    ) -> None:
        """People added to the group again may act on its tasks again."""
        ws = self.db.get_workspace(chat_id)
        if ws is None or not set(user_ids) & set(ws.left):
            return
        ws = replace(ws, left=tuple(u for u in ws.left if u not in user_ids))
        with self.db.transaction(space_of_chat(chat_id, 0), update_id=update_id) as tx:
            tx.put_workspace(replace(ws, updated_at=self.clock.now()))

    def check_present(self, task: Task, user_id: int) -> None:
        """Refuse (TaskRefused) someone who left the group a task belongs to."""
        ws = self.db.get_workspace(task.chat_id) if task.chat_id < 0 else None
        refused = rules.left_refusal(task, user_id, ws)
        if refused is not None:
            raise refused

    def reassign_offer(self, number: int, user_id: int, *, is_admin: bool = False) -> Offer | None:
        """重新安排 #number (a button of the message about someone who left): the colleagues
        to give it to; None when nobody who left holds it any more. Raises TaskRefused if the
        presser may not."""
        task = self.tasks.get(number)
        if task is None:
            raise TaskRefused("unknown", number=number)
        task_rules.check(task, user_id, Action.REASSIGN, is_admin=is_admin)
        ws = self.db.get_workspace(task.chat_id)
        gone = [
            a.user_id
            for a in task.assignees
            if a.user_id is not None and a.done_at is None and ws and a.user_id in ws.left
        ]
        if not gone:
            return None
        colleagues = self.tasks.candidates(task, exclude=None)
        return Offer(task, self.tasks.name(gone[0]), colleagues)

    # ----- edits -------------------------------------------------------------------------------
    def edit(
        self,
        *,
        chat_id: int,
        message_id: int,
        editor: int,
        text: str,
        mentions: Sequence[tuple[int, int, str]] = (),
        ignore_usernames: Collection[str] = (),
        update_id: int | None = None,
    ) -> Edited | None:
        """An edited message: if a task was made from it, update the task as the message now
        reads (None: no task was made from it — nothing changes)."""
        task = next(
            (t for t in self.db.tasks_in_chat(chat_id) if t.source_message_id == message_id),
            None,
        )
        if task is None or task.assigner != editor:
            return None
        now = self.clock.now()
        if not rules.may_edit(task, editor, now):
            return Edited(task, late=True)
        try:
            parsed, people = self.tasks.read_assignment(
                text,
                actor=editor,
                chat_id=chat_id,
                mentions=mentions,
                ignore_usernames=ignore_usernames,
            )
        except (ParseError, TaskRefused) as exc:
            return Edited(task, error=exc)
        reading = Reading(
            parsed.title,
            parsed.due,
            parsed.priority,
            people,
            parsed.recurrence,
            parsed.remind_before,
        )
        edit = rules.apply_edit(task, reading, editor, now)
        if edit is None:
            return Edited(task)
        entries = self._edit_entries(task, edit, editor, message_id, now)
        with self.db.transaction(task.space, update_id=update_id) as tx:
            tx.put_task(edit.task)
            for entry in entries:
                tx.put_outbox(entry)
        return Edited(edit.task, tuple(entries))

    def _edit_entries(
        self, before: Task, edit: Edit, editor: int, message_id: int, now: datetime
    ) -> list[OutboxEntry]:
        task = edit.task
        changes = [
            [c.what, *self._shown(c.what, c.before, c.after, before, task)] for c in edit.changes
        ]
        record = TaskEdited(task.number, task.title, self.tasks.name(editor), changes)
        tag = len(task.events)
        group = task.chat_id if task.chat_id < 0 else None
        entries = [
            new_entry(
                space=task.space,
                now=now,
                message=replace(record, in_chat=True),
                to_chat=task.chat_id,
                reply_to=message_id,
                task_number=task.number,
                key=f"t{task.number}:edited:chat:{tag}",
            )
        ]

        def to_person(
            uid: int, message: MessageParams, what: str, origin: int | None = None
        ) -> OutboxEntry:
            return new_entry(
                space=task.space,
                now=now,
                message=message,
                to_user=uid,
                fallback_chat=group,
                origin_user=origin,
                task_number=task.number,
                key=f"t{task.number}:{what}:{uid}:{tag}",
            )

        told = (*edit.kept, *edit.removed)
        entries += [to_person(uid, record, "edited") for uid in told if uid != editor]
        card = TaskAssigned(self.tasks.card(task))
        added = [uid for uid in edit.added if uid != editor]
        entries += [to_person(uid, card, "assigned", task.assigner) for uid in added]
        return entries

    def _shown(
        self, what: str, before: str | None, after: str | None, old: Task, new: Task
    ) -> tuple[str | None, str | None]:
        """A change as it is stored for the message: people by name, the rest as they are."""
        if what != "people":
            return before, after
        return self._names(old), self._names(new)

    def _names(self, task: Task) -> str:
        return "、".join(self.tasks.name(a.user_id, a.username) for a in task.assignees)

    # ----- the deep link -----------------------------------------------------------------------
    def linked_task(self, payload: str, user_id: int) -> Task | None:
        """The open task a /start link is about, if it is this person's to act on."""
        number = rules.task_in_payload(payload)
        task = self.tasks.get(number) if number is not None else None
        if task is None or task.finished or user_id not in task.participants():
            return None
        return task


def _number(task: Task) -> int:
    return task.number


def _left_event(task: Task, user_id: int, now: datetime) -> Task:
    """The leave in the task's log: a reassignment then replaces the one who left."""
    event = TaskEvent(at=now, actor=user_id, action="left_group")
    return replace(task, events=(*task.events, event), updated_at=now)
