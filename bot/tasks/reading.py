"""Reading the tasks as they stand: a person's queue and lists, the group board, menus, which
task a message means, who a typed name is, and the times people type."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.parsing import ParseError, parse_assignment, parse_when
from bot.people.models import Person
from bot.people.rules import tz_of
from bot.tasks import changes, rules, words
from bot.tasks.base import TaskCore
from bot.tasks.models import Assignee, Kind, Task
from bot.tasks.rules import Action, Page, SnoozeOption, TaskRefused
from bot.tasks.screens import HandedOut
from bot.tasks.views import Card

# Where one name ends in "@wang 王五、赵六 and @li" (the people of /reassign).
_NAME_SPLIT = re.compile(r"[\s,，、;；]+|(?<=\S)(?:和|及|与)(?=\S)|\band\b")
_ADD_WORDS = ("+", "加上", "加", "also", "add")


class Reading(TaskCore):
    """The reading use cases (no writes)."""

    # ----- one person's tasks ------------------------------------------------------------
    def queue(self, user_id: int) -> list[Task]:
        """The person's open tasks in 轻重缓急 order (snoozed ones too)."""
        now = self.clock.now()
        mine = [t for t in self.db.tasks_for_assignee(user_id) if rules.open_for(t, user_id)]
        return rules.order_queue(mine, now, self.calendar)

    def my_page(self, user_id: int, page: int) -> Page[Card]:
        """A page of /my (kept within the list); a snoozed task says until when."""
        return rules.page_of(self.queue(user_id), page).map(lambda t: self.card(t, user_id))

    def next_for(self, user_id: int) -> tuple[Card | None, int, int]:
        """/next: the task to do now (None: nothing waits), how many wait, and how many of
        them sleep until a snooze's time has come."""
        now = self.clock.now()
        queue = self.queue(user_id)
        awake = [t for t in queue if rules.snoozed_until(t, user_id, now) is None]
        card = self.card(awake[0], user_id) if awake else None
        return card, len(queue), len(queue) - len(awake)

    def assigned_by(self, user_id: int) -> list[Task]:
        """What the person handed out to others, in queue order."""
        tasks = self.db.tasks_by_assigner(user_id)
        return rules.handed_out(tasks, user_id, self.clock.now(), self.calendar)

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
            nudged = next((e.at for e in reversed(task.events) if e.action == "nudged"), None)
            items.append(
                HandedOut(
                    card,
                    people,
                    nudge=rules.waits_on(task),
                    nudged_at=nudged.isoformat() if nudged is not None else None,
                )
            )
        return items, len(tasks)

    def in_chat(self, chat_id: int) -> list[Task]:
        now = self.clock.now()
        return rules.order_queue(self.db.tasks_in_chat(chat_id), now, self.calendar)

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

    def steering(self, number: int, user_id: int, *, is_admin: bool = False) -> tuple[Card, bool]:
        """⚙️ the assigner's card of #number, and whether a decision waits (仍由原人办理)."""
        task, _ = self._load(number)
        rules.check(task, user_id, Action.RENAME, is_admin=is_admin)
        return self.card(task), rules.waiting_decision(task) is not None

    # ----- which task, whom ----------------------------------------------------------------
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

    def made_from(self, user_id: int, message_id: int) -> Task | None:
        """The task the person already made from this message of theirs, if any."""
        mine = self.db.tasks_by_assigner(user_id)
        return next((t for t in mine if t.source_message_id == message_id), None)

    def only_open(self, user_id: int) -> Task | None:
        """The person's one open task, when they have exactly one."""
        queue = self.queue(user_id)
        return queue[0] if len(queue) == 1 else None

    def person_named(self, answer: str, task: Task | None = None) -> int | None:
        """The known person a typed answer names (`@wangwu`, or a colleague's name): their
        user id, or None."""
        name = rules.username_in(answer)
        if not name:
            return None
        person = self.db.find_person(name)
        if person is None and task is not None:
            person = self._find_by_display_name(name, task.chat_id, task.assigner)
        return person.user_id if person is not None else None

    def people_named(
        self, text: str, task: Task, mentioned: Sequence[int] = ()
    ) -> tuple[list[Assignee], bool]:
        """The people of /reassign (`@wang 王五、@li`, `+@zhao` to add): those known, an
        @username not seen yet as pending, and whether they are added. Raises TaskRefused
        for a name without '@' that nobody in the task's group goes by."""
        words_ = [w for w in _NAME_SPLIT.split(text.strip()) if w]
        add = bool(words_) and words_[0].lower() in _ADD_WORDS
        if add:
            words_ = words_[1:]
        elif words_ and words_[0].startswith("+"):
            add, words_[0] = True, words_[0][1:]
        people: list[Assignee] = [Assignee(user_id=uid) for uid in mentioned]
        for word in words_:
            word = word.removeprefix("给")
            if not word:
                continue
            people.append(self._someone(word, task))
        return people, add

    def _someone(self, word: str, task: Task) -> Assignee:
        name = word.lstrip("@")
        person = self.db.find_person(name) or self._find_by_display_name(
            name, task.chat_id, task.assigner
        )
        if person is not None:
            return Assignee(user_id=person.user_id)
        if word.startswith("@") and name.isascii():
            return Assignee(username=name.lower())  # waits until they show up
        raise TaskRefused("unknown_person_named", name=name[:40])

    def _find_by_display_name(self, name: str, chat_id: int, actor: int) -> Person | None:
        """`@张三`: the one person called that among the people the actor works with."""
        wanted = name.strip().lower()
        if not wanted:
            return None
        matches = []
        for uid in self._colleague_ids(chat_id, actor):
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

    # ----- times -------------------------------------------------------------------------
    def snooze_options(self, user_id: int) -> list[SnoozeOption]:
        """The 推迟 menu for this person, by their own clock."""
        return rules.snooze_options(self.clock.now().astimezone(self._tz(user_id)))

    def snooze_target(self, user_id: int, option: SnoozeOption) -> datetime | None:
        """When a 推迟 button means for this person (None: that time has passed)."""
        start = self.settings.workday_start
        return rules.snooze_target(
            option, self.clock.now(), self._tz(user_id), start, self.calendar.workday_on_or_after
        )

    def until(self, number: int, text: str, action: Action) -> datetime:
        """The time typed for a snooze or a new due time of #number. Raises ParseError, or
        TaskRefused('time_past') for a time said in the past (昨天)."""
        task = self.db.get_task(number)
        try:
            return parse_when(
                text,
                now=self.clock.now(),
                settings=self.settings,
                calendar=self.calendar,
                kind=Kind.REMINDER if rules.parses_as_reminder(action, task) else Kind.TASK,
            )
        except ParseError as exc:
            if getattr(exc, "suggested", None) is None and words.names_the_past(text):
                raise TaskRefused("time_past") from exc
            raise

    def extension_wanted(self, number: int, text: str) -> tuple[datetime, str]:
        """申请延期: the time asked for (a deadline: 下周一 → its work-day end) and the reason
        said with it (`下周一前，材料还没收齐`). Raises ParseError / TaskRefused."""
        try:
            parsed = parse_assignment(
                text, now=self.clock.now(), settings=self.settings, calendar=self.calendar
            )
        except ParseError:
            return self.until(number, text, Action.EXTEND), ""
        if parsed.due is None:
            return self.until(number, text, Action.EXTEND), ""
        return parsed.due, parsed.title

    def pending_extension(self, number: int) -> changes.Extension | None:
        task = self.db.get_task(number)
        return changes.pending_extension(task) if task is not None else None

    def _tz(self, user_id: int) -> ZoneInfo:
        return tz_of(self.db.get_person(user_id), self.settings)
