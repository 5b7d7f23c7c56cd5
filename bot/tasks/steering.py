"""The assigner's use cases (or an admin's): 改期, 改标题, 轻重缓急, 改派, 仍由原人办理, 取消,
撤销, 催办, the answer to a request for more time, and a note to the people on a task.

A decision pressed on a message carries the revision the message was made at; one that no
longer fits the task (handed on, decided, finished) is refused with what happened. Each change
is one durable write; each docstring says who is told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import OutboxEntry
from bot.tasks import changes, rules
from bot.tasks.base import Actor, Outcome, TaskCore, tell
from bot.tasks.models import Assignee, Priority, Task
from bot.tasks.views import (
    TaskAssigned,
    TaskCancelled,
    TaskChanged,
    TaskComment,
    TaskDueChanged,
    TaskExtensionAnswered,
    TaskHanded,
    TaskNudge,
)


class Steering(TaskCore):
    """What the assigner does with a task they gave."""

    def change_due(
        self, number: int, by: Actor, due: datetime, *, rev: int | None = None
    ) -> Outcome:
        """改期 (the deadline itself). Told: every assignee still on it, from what to what."""
        task, now = self._load(number)
        self.check_fresh(task, rev)
        old = task.due
        task = rules.change_due(task, by.user_id, now, due, is_admin=by.is_admin)
        moved = TaskDueChanged(
            task.number,
            task.title,
            self.name(by.user_id),
            due.isoformat(),
            old=old.isoformat() if old is not None else "",
        )
        return self._save(task, self._to_others(task, by, now, moved, "due"), by, toast="toast_due")

    def rename(self, number: int, by: Actor, title: str) -> Outcome:
        """改标题. Told: every assignee still on it, from what to what."""
        task, now = self._load(number)
        old = task.title
        task = changes.rename(task, by.user_id, now, title, is_admin=by.is_admin)
        told = TaskChanged(task.number, task.title, self.name(by.user_id), "title", old, task.title)
        return self._save(
            task, self._to_others(task, by, now, told, "title"), by, toast="toast_renamed"
        )

    def set_priority(self, number: int, by: Actor, priority: Priority) -> Outcome:
        """轻重缓急. Told: every assignee still on it, from what to what."""
        task, now = self._load(number)
        old = task.priority
        task = changes.set_priority(task, by.user_id, now, priority, is_admin=by.is_admin)
        told = TaskChanged(
            task.number, task.title, self.name(by.user_id), "priority", old.value, priority.value
        )
        return self._save(
            task, self._to_others(task, by, now, told, "priority"), by, toast="toast_priority"
        )

    def set_people(
        self, number: int, by: Actor, people: Sequence[Assignee], *, add: bool = False
    ) -> Outcome:
        """改派 (/reassign): the task's people become `people`, or gain them. Told: each one who
        comes (the card), each one who goes (who has it now), and the assigner when an admin
        did it."""
        task, now = self._load(number)
        for p in people:
            if p.user_id is not None:
                self._require_person(p.user_id)
        before = task
        task = changes.set_people(task, by.user_id, now, people, add=add, is_admin=by.is_admin)
        return self._save(
            task,
            self._people_told(before, task, by, now),
            by,
            toast="toast_people",
            taker=self.names(task),
        )

    def _people_told(self, before: Task, task: Task, by: Actor, now: datetime) -> list[OutboxEntry]:
        came = [uid for uid in task.assignee_ids() if uid not in before.assignee_ids()]
        went = [uid for uid in before.assignee_ids() if uid not in task.assignee_ids()]
        card = TaskAssigned(self.card(task), heading="tasks.reassigned_title")
        told = [self._assigned_entry(task, uid, now, card) for uid in came if uid != by.user_id]
        handed = TaskHanded(
            task.number,
            task.title,
            "、".join(self.name(uid) for uid in went) or self.names(before),
            self.names(task),
            by=self.name(by.user_id),
        )
        for uid in {*went, task.assigner} - {by.user_id, *came}:
            if uid in went or by.user_id != task.assigner:
                told.append(self._to_user(task, uid, now, handed, "people"))
        return told

    def reassign(self, number: int, by: Actor, to_user: int, *, rev: int | None = None) -> Outcome:
        """改派 from a button (after 办不了 or 请示另安排): the one who asked, else the first open
        assignee, is replaced. Told: the new assignee (the card); the one relieved of it and the
        assigner, when they did not do it themselves."""
        task, now = self._load(number)
        self.check_fresh(task, rev)
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
            tag = "handed" if uid == task.assigner else "handed_giver"
            told.append(self._to_user(task, uid, now, handed, tag))
        return self._save(task, told, by, toast="toast_handed", taker=handed.taker)

    def keep(self, number: int, by: Actor, *, rev: int | None = None) -> Outcome:
        """仍由原人办理 after 办不了 — only while that person still has it and nobody decided
        since the report. Told: each other assignee still on it (the card again)."""
        task, now = self._load(number)
        self.check_fresh(task, rev)
        task = rules.keep(task, by.user_id, now, is_admin=by.is_admin)
        told = [
            self._assigned_entry(task, uid, now, TaskAssigned(self.card(task), "tasks.kept_title"))
            for uid in task.assignee_ids()
            if uid != by.user_id and rules.open_for(task, uid)
        ]
        return self._save(task, told, by, toast="toast_keep")

    def cancel(
        self, number: int, by: Actor, reason: str = "", *, rev: int | None = None
    ) -> Outcome:
        """取消任务 (after the confirm step). Told: every other assignee, with the reason."""
        task, now = self._load(number)
        self.check_fresh(task, rev)
        task = rules.cancel(task, by.user_id, now, reason, is_admin=by.is_admin)
        return self._save(task, self._cancelled(task, by, now, reason), by, toast="toast_cancel")

    def may_cancel(self, number: int, by: Actor) -> Task:
        """The task, if `by` may cancel it (for the confirm step); raises TaskRefused."""
        task, _ = self._load(number)
        rules.check(task, by.user_id, rules.Action.CANCEL, is_admin=by.is_admin)
        return task

    def undo(self, number: int, by: Actor) -> Outcome:
        """撤销 within ten minutes: cancelled as if never given. Told: every other assignee."""
        task, now = self._load(number)
        task = rules.undo(task, by.user_id, now, is_admin=by.is_admin)
        return self._save(task, self._cancelled(task, by, now), by, toast="toast_undo")

    def _cancelled(
        self, task: Task, by: Actor, now: datetime, reason: str = ""
    ) -> list[OutboxEntry]:
        message = TaskCancelled(task.number, task.title, self.name(by.user_id), reason.strip())
        return [
            self._to_user(task, uid, now, message, "cancel")
            for uid in task.assignee_ids()
            if uid != by.user_id
        ]

    def nudge(self, number: int, by: Actor) -> Outcome:
        """催办. Told: each assignee who has not finished (the card, with their buttons)."""
        task, now = self._load(number)
        task = rules.nudge(task, by.user_id, now, is_admin=by.is_admin)
        card, who = self.card(task), self.name(by.user_id)
        told = [
            tell(
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

    def answer_extension(
        self,
        number: int,
        by: Actor,
        rev: int | None,
        *,
        approve: bool,
        until: datetime | None = None,
    ) -> Outcome:
        """同意 / 改个时间 (`until`) / 不同意 a request for more time. Told, once each: the one who
        asked (the answer and the deadline now); on approval, every other assignee still on it
        (the new deadline)."""
        task, now = self._load(number)
        request = changes.pending_extension(task)
        old = task.due
        task = changes.answer_extension(
            task, by.user_id, now, rev, approve=approve, until=until, is_admin=by.is_admin
        )
        assert request is not None  # answer_extension refuses otherwise
        who = self.name(by.user_id)
        due = task.due.isoformat() if task.due is not None else None
        answer = TaskExtensionAnswered(
            task.number, task.title, who, approve, due, request.until.isoformat()
        )
        told = [self._to_user(task, request.asker, now, answer, "extended")]
        if approve:
            moved = TaskDueChanged(
                task.number,
                task.title,
                who,
                due,
                old=old.isoformat() if old is not None else "",
                extension=True,
            )
            for uid in task.assignee_ids():
                if uid not in (by.user_id, request.asker) and rules.open_for(task, uid):
                    told.append(self._to_user(task, uid, now, moved, "due"))
        toast = "toast_extension_ok" if approve else "toast_extension_no"
        return self._save(task, told, by, toast=toast, taker=self.name(request.asker))

    def comment(self, number: int, by: Actor, text: str) -> Outcome:
        """The assigner's reply to a message about the task. Told: the assignees still on it."""
        task, now = self._load(number)
        rules.check(task, by.user_id, rules.Action.NUDGE, is_admin=by.is_admin)
        if not text.strip():
            raise rules.TaskRefused("report_empty", number=number)
        task = rules.log_event(task, now, by.user_id, "commented", text.strip())
        message = TaskComment(task.number, task.title, self.name(by.user_id), text.strip())
        told = self._to_others(task, by, now, message, "comment")
        return self._save(task, told, by, toast="comment_sent")
