"""The scheduler against a real data directory: derived from storage, nothing lost, nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.reminders.digest import DigestAsk, DigestCommand
from bot.reminders.service import Scheduler
from bot.tasks.models import Assignee, Kind, Priority, Task
from bot.tasks.rules import Action
from storage.reminders import ReminderTables
from tests.reminders.world import LEADER, ZHANG, World, make_world, sh

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def put(world: World, **changes) -> Task:
    return world.put(**changes)


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
    world.tasks.act(task.number, LEADER, Action.CHANGE_DUE, until=sh(1, 11))
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
    # The old one's deadline moves (its reminder_state reset) and passes: no second spawn.
    world.tasks.act(first.number, LEADER, Action.CHANGE_DUE, until=sh(7, 10))
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
    world.db.put_person(Person(user_id=ZHANG, first_name="张三", started=True))
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


def test_a_digest_setting_is_stored_and_planned_at_once(world: World):
    world.scheduler.run()
    assert world.scheduler.next_person_due() == sh(1, 8, 30)
    zhang = world.db.get_person(ZHANG)
    assert zhang is not None
    changed = world.scheduler.set_digest(zhang, DigestCommand(DigestAsk.AT, time(7, 45)))
    stored = world.db.get_person(ZHANG)
    assert stored == changed and stored.digest_time == "07:45"
    assert stored.updated_at == world.clock.now()
    assert world.scheduler.next_person_due() == sh(1, 7, 45)


def test_a_digest_asked_for_is_stored_with_its_update_and_even_empty_it_goes(world: World):
    quiet = Person(user_id=ZHANG, first_name="张三", started=True)
    entry = world.scheduler.on_demand(quiet, "digest", update_id=77)
    assert entry is not None and entry.id == f"digest:{ZHANG}:now:77"
    assert world.db.applied(77) and world.db.get_outbox(entry.id) is not None
    week = world.scheduler.on_demand(quiet, "week", in_group=True, update_id=78)
    assert week is not None and week.template == "week" and week.to_user == ZHANG


def test_a_digest_asked_for_in_a_group_by_someone_unreachable_is_refused(world: World):
    stranger = Person(user_id=99, first_name="新人")
    assert world.scheduler.on_demand(stranger, "digest", in_group=True, update_id=5) is None
    assert not world.db.applied(5) and world.db.pending_outbox() == []


def test_a_tick_stopped_early_puts_back_what_it_took(world: World):
    first = put(world, due=sh(30, 15))
    second = put(world, due=sh(30, 15), space="g-200", chat_id=-200)
    world.clock.set(sh(30, 14, 30))
    world.scheduler.run()  # first sight of the people (and the reminders before the due)
    world.clock.set(sh(1, 9))  # both tasks' due-now (missed) and both digests are due
    batches = world.scheduler.batches()
    one = next(batches)
    batches.close()
    assert one.tasks == 1
    later = world.scheduler.run()
    assert later.tasks == 1 and later.digests == 2
    stored = {n: world.db.get_task(n) for n in (first.number, second.number)}
    assert all(t is not None and t.reminder_state for t in stored.values())


class FlakyStore(ReminderTables):
    """Refuses the first `fail` writes of tasks."""

    def __init__(self, db, fail: int) -> None:
        super().__init__(db)
        self.fail = fail

    def put_tasks(self, space, tasks, entries) -> None:
        if self.fail:
            self.fail -= 1
            raise OSError("disk full")
        super().put_tasks(space, tasks, entries)


def test_reminders_that_could_not_be_stored_are_tried_again_a_minute_later(world: World):
    cal = WorkCalendar.from_settings(world.settings)
    store = FlakyStore(world.db, fail=2)  # the batch, then the task alone
    scheduler = Scheduler(world.db, world.clock, world.settings, cal, world.tasks, store=store)
    put(world, due=sh(30, 15))
    world.clock.set(sh(30, 15))
    assert scheduler.run().entries == ()
    assert scheduler.next_task_due() == sh(30, 15, 1)
    world.clock.set(sh(30, 15, 1))
    assert [e.template for e in scheduler.run().entries] == ["rem_due"]


def test_digests_not_reached_when_a_tick_stops_early_come_in_the_next(world: World):
    world.clock.set(sh(30, 20))
    world.scheduler.run()
    world.clock.set(sh(1, 8, 30))
    batches = world.scheduler.batches()
    first = next(batches)
    batches.close()
    rest = world.scheduler.run()
    assert first.digests == 1 and rest.digests == 1
    assert {e.to_user for e in (*first.entries, *rest.entries)} == {LEADER, ZHANG}


def test_a_personal_snooze_wakes_only_the_snoozer_at_its_time_and_ends(world: World):
    """Issue #13: the task sleeps in the snoozer's reminders until their time, when the card
    comes back (through the task service's record) and the snooze is over."""
    task = put(world, due=sh(4, 18))  # a date without a time: no reminder before the digest
    world.tasks.act(task.number, ZHANG, Action.SNOOZE, until=sh(1, 9))
    assert world.scheduler.run().entries == ()  # picks the change up; nothing due yet
    assert world.scheduler.next_task_due() == sh(1, 9)
    work = world.at(sh(1, 9))
    assert [t for t in work if t != "digest"] == ["task_assigned"]
    stored = world.db.get_task(task.number)
    assert stored is not None and stored.assignees[0].snoozed_until is None
    assert stored.due == sh(4, 18)
    assert [t for t in world.at(sh(1, 12)) if t != "digest"] == []
