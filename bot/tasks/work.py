"""The assignee's use cases: 收到, 完成, 办不了, 汇报, 推迟 (personal), 转交, 请示另安排,
申请延期, and 撤销 of what one just did. Each is one durable write; each docstring says who is
told."""

from __future__ import annotations

from datetime import datetime

from bot.core.models import OutboxEntry
from bot.tasks import changes, rules
from bot.tasks.base import Actor, Outcome, SnoozeLate, TaskCore, tell
from bot.tasks.models import Status, Task
from bot.tasks.views import (
    TaskAskReassign,
    TaskAssigned,
    TaskCannot,
    TaskDone,
    TaskExtensionAsked,
    TaskHanded,
    TaskProgress,
    TaskReceipt,
    TaskReverted,
)


class Work(TaskCore):
    """What the people on a task do with it."""

    def acknowledge(self, number: int, by: Actor) -> Outcome:
        """收到. Told: the assigner (a receipt), unless it is their own task."""
        task, now = self._load(number)
        task = self._moved(task, by.user_id, lambda: rules.acknowledge(task, by.user_id, now))
        told = []
        if task.assigner != by.user_id:
            receipt = TaskReceipt(task.number, task.title, self.name(by.user_id), now.isoformat())
            told.append(self._to_assigner(task, now, receipt, "ack"))
        return self._save(task, told, by, toast="toast_ack_own" if task.own else "toast_ack")

    def complete(self, number: int, by: Actor, note: str = "") -> Outcome:
        """完成: an assignee's part (the task once every part is), or the whole task when the
        assigner or an admin closes it. Told: the assigner, when someone else did it; when the
        assigner closes it, every other assignee."""
        task, now = self._load(number)
        task = self._moved(
            task,
            by.user_id,
            lambda: rules.complete(task, by.user_id, now, note, is_admin=by.is_admin),
        )
        known = [a for a in task.assignees if a.user_id is not None]
        progress = f"{sum(1 for a in known if a.done_at)}/{len(task.assignees)}"
        all_done = task.status == Status.DONE
        done = TaskDone(task.number, task.title, self.name(by.user_id), note, all_done, progress)
        told = []
        toast = "toast_done_own" if task.own else "toast_done"
        if task.assigner != by.user_id:
            told.append(self._to_assigner(task, now, done, "done"))
        elif all_done and not task.own:
            toast = "toast_closed"
            for uid in task.assignee_ids():
                if uid != by.user_id:
                    told.append(self._to_user(task, uid, now, done, "closed"))
        return self._save(task, told, by, toast=toast)

    def cannot(self, number: int, by: Actor, report: str) -> Outcome:
        """办不了, with what was found. Told: the assigner, with the choices to decide (made at
        this revision: a choice made after the task moved on is refused)."""
        task, now = self._load(number)
        task = self._moved(
            task,
            by.user_id,
            lambda: rules.cannot(task, by.user_id, now, report, is_admin=by.is_admin),
        )
        message = TaskCannot(
            task.number, task.title, self.name(by.user_id), report, rev=task.revision
        )
        return self._save(
            task, [self._to_assigner(task, now, message, "cannot")], by, toast="cannot_sent"
        )

    def report(self, number: int, by: Actor, text: str) -> Outcome:
        """汇报, a progress note; nothing changes. Told: the assigner — on one's own note,
        nobody (it is kept in the task's log)."""
        task, now = self._load(number)
        task = self._moved(
            task,
            by.user_id,
            lambda: rules.report(task, by.user_id, now, text, is_admin=by.is_admin),
        )
        if task.own or task.assigner == by.user_id:
            return self._save(task, [], by, toast="report_noted")
        message = TaskProgress(task.number, task.title, self.name(by.user_id), text)
        return self._save(
            task, [self._to_assigner(task, now, message, "report")], by, toast="report_sent"
        )

    def snooze(self, number: int, by: Actor, until: datetime, *, anyway: bool = False) -> Outcome:
        """推迟 until `until`, for the one who snoozes only: the deadline stays, and nobody is
        told. Past the deadline it raises SnoozeLate first (unless `anyway`: the person saw the
        warning)."""
        task, now = self._load(number)
        if not anyway and rules.snooze_is_late(task, until) and rules.open_for(task, by.user_id):
            raise SnoozeLate(task, until)
        task = self._moved(task, by.user_id, lambda: rules.snooze(task, by.user_id, now, until))
        return self._save(task, [], by, toast="toast_snooze")

    def wake_entry(self, task: Task, uid: int, now: datetime, key: str) -> OutboxEntry:
        """A snooze's time has come: the card again, for the one who snoozed it (made by the
        reminders' tick, which stores it with the task's reminder state)."""
        mine = task.assignee(uid)
        acked = mine is not None and mine.acknowledged_at is not None
        card = TaskAssigned(self.card(task), heading="tasks.snooze_over_title", acked=acked)
        return tell(task, uid, now, card, key)

    def hand_over(self, number: int, by: Actor, to_user: int) -> Outcome:
        """转交 to a colleague. Told: the colleague (the card, and who passed it on); the
        assigner and the one it came from, when that is not the actor, who has it now."""
        task, now = self._load(number)
        self._require_person(to_user)
        before = set(task.assignee_ids())
        task = self._moved(
            task,
            by.user_id,
            lambda: rules.hand_over(task, by.user_id, to_user, now, is_admin=by.is_admin),
        )
        giver = next(iter(before - set(task.assignee_ids())), by.user_id)
        handed = TaskHanded(task.number, task.title, self.name(giver), self.name(to_user))
        card = TaskAssigned(self.card(task), heading="tasks.handed_title", from_name=handed.giver)
        told = [self._assigned_entry(task, to_user, now, card)]
        others = {task.assigner} - {by.user_id}
        if giver != by.user_id:
            others.add(giver)
        for uid in others - {to_user}:
            tag = "handed" if uid == task.assigner else "handed_giver"
            told.append(self._to_user(task, uid, now, handed, tag))
        return self._save(task, told, by, toast="toast_handed", taker=handed.taker)

    def ask_reassign(self, number: int, by: Actor) -> Outcome:
        """请示另安排. Told: the assigner, with colleagues to pick from."""
        task, now = self._load(number)
        task = self._moved(task, by.user_id, lambda: rules.ask_reassign(task, by.user_id, now))
        pairs = [[uid, name] for uid, name in self.candidates(task, exclude=by.user_id)]
        ask = TaskAskReassign(
            task.number, task.title, self.name(by.user_id), candidates=pairs, rev=task.revision
        )
        return self._save(task, [self._to_assigner(task, now, ask, "ask")], by, toast="toast_ask")

    def ask_extension(self, number: int, by: Actor, until: datetime, reason: str = "") -> Outcome:
        """申请延期 to `until`, saying why. Told: the assigner, with 同意 / 改个时间 / 不同意
        (an answer to an older request is refused). The deadline moves only on approval."""
        task, now = self._load(number)
        task = self._moved(
            task, by.user_id, lambda: changes.ask_extension(task, by.user_id, now, until, reason)
        )
        due = task.due.isoformat() if task.due is not None else None
        asked = TaskExtensionAsked(
            task.number,
            task.title,
            self.name(by.user_id),
            due,
            until.isoformat(),
            task.events[-1].note,
            rev=task.revision,
        )
        told = [self._to_assigner(task, now, asked, "extend")]
        return self._save(task, told, by, toast="toast_extend", taker=self.name(task.assigner))

    def revert(self, number: int, by: Actor, rev: int) -> Outcome:
        """撤销 what one did at revision `rev` (收到, 完成, 办不了, 汇报), within ten minutes.
        Told: whoever was told of it (the assigner; after an assigner's close, the others)."""
        task, now = self._load(number)
        task = changes.revert(task, by.user_id, now, rev)
        what = str(task.events[-1].data["what"])
        message = TaskReverted(task.number, task.title, self.name(by.user_id), what)
        told: list[OutboxEntry] = []
        if task.own:
            pass
        elif task.assigner != by.user_id:
            told.append(self._to_assigner(task, now, message, "revert"))
        elif what == "done":
            told = self._to_others(task, by, now, message, "revert")
        return self._save(task, told, by, toast="toast_revert")
