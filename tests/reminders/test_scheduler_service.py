"""The scheduler against a real data directory: derived from storage, nothing lost, nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.reminders.service import Scheduler
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent
from bot.tasks.rules import Action
from bot.tasks.service import TaskService
from storage import Database
from storage.reminders import ReminderTables

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
LEADER, ZHANG = 10, 11
MON_10 = datetime(2026, 11, 30, 10, tzinfo=SH)


def scheduler(
    db: Database, clock: ManualClock, settings: Settings, cal: WorkCalendar, tasks: TaskService
) -> Scheduler:
    return Scheduler(db, clock, settings, cal, tasks, store=ReminderTables(db))


@dataclass
class World:
    path: Path
    clock: ManualClock
    settings: Settings
    db: Database
    tasks: TaskService
    scheduler: Scheduler

    def restart(self) -> None:
        self.db.close()
        self.db = Database(self.path, clock=self.clock)
        self.db.open()
        cal = WorkCalendar.from_settings(self.settings)
        self.tasks = TaskService(self.db, self.clock, self.settings, cal)
        self.scheduler = scheduler(self.db, self.clock, self.settings, cal, self.tasks)

    def at(self, when: datetime) -> list[str]:
        """Move the clock, run one tick; the templates of what it queued."""
        self.clock.set(when)
        return [e.template for e in self.scheduler.run().entries]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = ManualClock(MON_10)
    settings = Settings(data_dir=tmp_path)
    db = Database(tmp_path / "data", clock=clock)
    db.open()
    for uid, name in ((LEADER, "李主任"), (ZHANG, "张三")):
        db.put_person(Person(user_id=uid, first_name=name, started=True))
    cal = WorkCalendar.from_settings(settings)
    tasks = TaskService(db, clock, settings, cal)
    w = World(
        tmp_path / "data", clock, settings, db, tasks, scheduler(db, clock, settings, cal, tasks)
    )
    try:
        yield w
    finally:
        w.db.close()


def put(world: World, **changes) -> Task:
    task = Task(
        number=world.db.next_task_number(),
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
    with world.db.transaction(task.space) as tx:
        tx.put_task(task)
    return task


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    month = 11 if day >= 20 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def test_a_restart_derives_everything_again_and_sends_nothing_twice(world: World):
    task = put(world, due=sh(30, 15), priority=Priority.HIGH)
    assert world.at(sh(30, 13, 59)) == []
    assert world.at(sh(30, 14)) == ["rem_before"]
    assert world.at(sh(30, 14, 1)) == []
    world.restart()
    assert world.at(sh(30, 14, 2)) == []
    assert world.scheduler.next_task_due() == sh(30, 15)
    assert world.at(sh(30, 15)) == ["rem_due"]
    stored = world.db.get_task(task.number)
    assert stored is not None and set(stored.reminder_state["sent"]) == {
        f"before:{ZHANG}",
        f"due:{ZHANG}",
    }


def test_what_fell_due_while_stopped_is_sent_once_at_start_marked_late(world: World):
    put(
        world,
        due=sh(30, 15),
        kind=Kind.REMINDER,
        assigner=ZHANG,
        assignees=(Assignee(user_id=ZHANG),),
    )
    world.restart()
    world.clock.set(sh(30, 15, 40))
    work = world.scheduler.run()
    assert [(e.template, e.params["late"]) for e in work.entries] == [("rem_due", True)]
    assert all(e.id in {p.id for p in world.db.pending_outbox()} for e in work.entries)
    world.restart()
    assert world.at(sh(30, 16)) == []


def test_outbox_keys_are_deterministic_so_a_recomputation_is_a_no_op(world: World):
    task = put(world, due=sh(30, 15))
    steps = world.scheduler.steps
    fired_a = steps.work(task, steps.due(task, sh(30, 15)), sh(30, 15)).entries
    fired_b = steps.work(task, steps.due(task, sh(30, 15, 1)), sh(30, 15, 1)).entries
    assert [e.id for e in fired_a] == [e.id for e in fired_b]


def test_changes_made_by_the_task_service_are_picked_up(world: World):
    task = put(world, due=sh(30, 15))
    world.scheduler.run()
    world.tasks.act(task.number, ZHANG, Action.SNOOZE, until=sh(1, 11))
    assert world.at(sh(30, 15)) == []
    assert world.scheduler.next_task_due() == sh(1, 10)
    assert [t for t in world.at(sh(1, 10)) if t != "digest"] == ["rem_before"]


def test_a_recurrence_spawns_when_its_due_passes_and_never_twice(world: World):
    first = put(world, due=sh(4, 17), recurrence="FREQ=WEEKLY;BYDAY=FR")
    assert world.at(sh(4, 17)) == ["rem_due", "task_assigned"]
    live = {t.number: t for t in world.db.live_tasks()}
    old = live[first.number]
    new = next(t for n, t in live.items() if n != first.number)
    assert old.recurrence is None and old.reminder_state["spawned"] == new.number
    assert new.due == sh(11, 17) and new.recurrence == "FREQ=WEEKLY;BYDAY=FR"
    assert new.events[0].data == {"from": first.number, "occ": sh(11, 17).isoformat()}
    # The old one is snoozed (its reminder_state reset) and its new due passes: no second spawn.
    world.tasks.act(first.number, ZHANG, Action.SNOOZE, until=sh(7, 10))
    world.at(sh(7, 10))
    world.restart()
    world.at(sh(7, 12))
    assert len(world.db.live_tasks()) == 2
    # Done later: no spawn either.
    outcome = world.tasks.act(first.number, ZHANG, Action.DONE)
    assert [e.template for e in outcome.entries if e.template == "task_assigned"] == []


def test_done_early_spawns_the_next_at_once_through_the_finish_hook(world: World):
    first = put(world, due=sh(4, 17), recurrence="FREQ=WEEKLY;BYDAY=FR")
    outcome = world.tasks.act(first.number, ZHANG, Action.DONE)
    nxt = [e for e in outcome.entries if e.template == "task_assigned"]
    assert len(nxt) == 1 and nxt[0].to_user == ZHANG
    (new,) = world.db.live_tasks()
    assert new.due == sh(11, 17)
    archived = world.db.get_task(first.number)
    assert archived is not None and archived.reminder_state["spawned"] == new.number
    # Its due passing later changes nothing: it is archived.
    assert "task_assigned" not in world.at(sh(4, 17))


def test_cancelling_a_recurring_task_ends_the_series(world: World):
    first = put(world, due=sh(4, 17), recurrence="FREQ=WEEKLY;BYDAY=FR")
    world.tasks.act(first.number, LEADER, Action.CANCEL)
    assert world.db.live_tasks() == []


def test_a_workday_recurrence_skips_a_holiday_and_keeps_local_time_across_dst(world: World):
    world.db.put_person(Person(user_id=LEADER, first_name="Boss", started=True, tz="Europe/Berlin"))
    due = datetime(2026, 3, 27, 9, tzinfo=BERLIN)  # Friday 09:00 CET
    first = put(world, due=due, recurrence="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    world.clock.set(datetime(2026, 3, 26, 12, tzinfo=BERLIN))
    world.tasks.act(first.number, ZHANG, Action.DONE)
    (new,) = world.db.live_tasks()
    assert new.due is not None
    local = new.due.astimezone(BERLIN)
    assert (local.date().isoformat(), local.hour) == ("2026-03-30", 9)  # Monday 09:00 CEST
    assert new.due.astimezone(ZoneInfo("UTC")).hour == 7


def test_the_digest_day_is_recorded_so_a_restart_never_sends_it_twice(world: World):
    world.clock.set(sh(30, 20))
    world.scheduler.run()  # first sight of the people: nothing owed from before
    put(world, due=sh(1, 15))
    assert sorted(world.at(sh(1, 8, 30))) == ["digest", "digest"]
    world.restart()
    assert world.at(sh(1, 9)) == []
    assert world.at(sh(1, 14)) == ["rem_before"]
    assert world.at(sh(1, 15)) == ["rem_due"]
    assert world.at(sh(1, 17)) == ["rem_nag"]
    assert sorted(world.at(sh(2, 8, 30))) == ["digest", "digest"]


def test_someone_new_gets_tomorrows_digest_not_a_late_one(world: World):
    assert world.at(sh(30, 10)) == []
    assert world.at(sh(30, 17)) == []
    assert sorted(world.at(sh(1, 8, 30))) == ["digest", "digest"]


def test_quiet_people_with_nothing_get_nothing_loud_ones_one_line(world: World):
    world.db.put_person(Person(user_id=ZHANG, first_name="张三", started=True, digest_quiet=True))
    world.clock.set(sh(30, 20))
    world.scheduler.run()
    world.clock.set(sh(1, 8, 30))
    work_entries = world.scheduler.run().entries
    assert [(e.to_user, e.params["empty"]) for e in work_entries] == [(LEADER, True)]


def test_people_who_blocked_or_never_started_get_no_digest(world: World):
    world.db.put_person(Person(user_id=ZHANG, first_name="张三", started=True, blocked=True))
    world.db.put_person(Person(user_id=99, first_name="新人"))
    world.clock.set(sh(30, 20))
    world.scheduler.run()
    world.clock.set(sh(1, 8, 30))
    assert [e.to_user for e in world.scheduler.run().entries] == [LEADER]


def test_a_tick_works_only_on_what_is_due(world: World):
    for i in range(50):
        put(world, due=sh(2, 15) + timedelta(minutes=i), priority=Priority.HIGH)
    world.scheduler.run()
    assert world.scheduler.pending() == 50
    assert world.scheduler.next_task_due() == sh(2, 14)
    work = world.scheduler.run()
    assert work.tasks == 0 and work.entries == ()
