"""The scheduler's world for unit tests: a real data directory, a manual clock, two people."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.reminders.service import Scheduler
from bot.tasks.models import Assignee, Status, Task, TaskEvent
from bot.tasks.service import TaskService
from storage import Database
from storage.reminders import ReminderTables

SH = ZoneInfo("Asia/Shanghai")
LEADER, ZHANG = 10, 11
MON_10 = datetime(2026, 11, 30, 10, tzinfo=SH)  # a Monday


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the test week: day 30 = Mon 30 Nov, 1 = Tue 1 Dec, …"""
    month = 11 if day >= 20 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@dataclass
class World:
    path: Path
    clock: ManualClock
    settings: Settings
    db: Database
    tasks: TaskService
    scheduler: Scheduler

    @property
    def store(self) -> ReminderTables:
        return ReminderTables(self.db)

    def restart(self) -> None:
        self.db.close()
        self.db = Database(self.path, clock=self.clock)
        self.db.open()
        self.tasks, self.scheduler = _services(self.db, self.clock, self.settings)

    def at(self, when: datetime) -> list[str]:
        """Move the clock, run one tick; the templates of what it queued."""
        self.clock.set(when)
        return [e.template for e in self.scheduler.run().entries]

    def put(self, **changes: Any) -> Task:
        """A task of 李主任 for 张三 in the group, acknowledged, stored; `changes` on top."""
        task = Task(
            number=self.db.next_task_number(),
            space="g-100",
            chat_id=-100,
            title="报送材料",
            assigner=LEADER,
            assignees=(Assignee(user_id=ZHANG, acknowledged_at=MON_10),),
            created_at=MON_10,
            status=Status.ACKNOWLEDGED,
            events=(TaskEvent(at=MON_10, actor=LEADER, action="created"),),
            updated_at=MON_10,
        )
        task = replace(task, **changes)
        with self.db.transaction(task.space) as tx:
            tx.put_task(task)
        return task


def _services(
    db: Database, clock: ManualClock, settings: Settings
) -> tuple[TaskService, Scheduler]:
    cal = WorkCalendar.from_settings(settings)
    tasks = TaskService(db, clock, settings, cal)
    return tasks, Scheduler(db, clock, settings, cal, tasks, store=ReminderTables(db))


def make_world(tmp_path: Path) -> Iterator[World]:
    """For a fixture: 李主任 and 张三 have both started the bot; Monday 10:00 in Shanghai.

    Both asked for a digest even on a day with nothing (/digest loud), so tests of when digests
    go see every one; the default (nothing to report, nothing sent) has its own tests."""
    clock = ManualClock(MON_10)
    settings = Settings(data_dir=tmp_path)
    db = Database(tmp_path / "data", clock=clock)
    db.open()
    for uid, name in ((LEADER, "李主任"), (ZHANG, "张三")):
        db.put_person(Person(user_id=uid, first_name=name, started=True, digest_loud=True))
    tasks, scheduler = _services(db, clock, settings)
    w = World(tmp_path / "data", clock, settings, db, tasks, scheduler)
    try:
        yield w
    finally:
        w.db.close()
