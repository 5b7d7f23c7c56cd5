"""The next instance of a recurring task (Series): its due, its card, and the finish hook."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.tasks.models import Assignee, Kind, Priority, Status
from tests.reminders.world import LEADER, ZHANG, World, make_world, sh

WEEKLY_FRIDAY = "FREQ=WEEKLY;BYDAY=FR"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def test_the_next_instance_is_a_new_task_with_the_next_due_and_a_fresh_start(world: World):
    task = world.put(due=sh(4, 17), recurrence=WEEKLY_FRIDAY, priority=Priority.HIGH)
    spawned = world.scheduler.series.spawn(task, sh(4, 17))
    assert spawned is not None
    new = spawned.task
    assert new.number != task.number and new.due == sh(11, 17)
    assert (new.title, new.priority, new.recurrence) == ("报送材料", Priority.HIGH, WEEKLY_FRIDAY)
    assert new.status == Status.OPEN and new.assignees == (Assignee(user_id=ZHANG),)
    assert new.events[0].data == {"from": task.number, "occ": sh(11, 17).isoformat()}


def test_missed_occurrences_are_skipped(world: World):
    task = world.put(due=sh(4, 17), recurrence="FREQ=DAILY")
    spawned = world.scheduler.series.spawn(task, sh(8, 9))  # came back on Tuesday morning
    assert spawned is not None and spawned.task.due == sh(8, 17)


def test_the_card_of_the_next_instance_waits_for_work_hours_unless_urgent(world: World):
    series = world.scheduler.series
    task = world.put(due=sh(4, 17), recurrence="FREQ=DAILY")
    evening = sh(4, 20)
    spawned = series.spawn(task, evening)
    assert spawned is not None
    (entry,) = spawned.entries
    assert entry.template == "task_assigned" and entry.to_user == ZHANG
    assert entry.params["heading"] == "reminders.next_title"
    assert entry.not_before == sh(7, 9)  # Monday's work start (the weekend in between)
    assert entry.id == f"t{spawned.task.number}:assigned:{ZHANG}:next"
    urgent = series.spawn(replace(task, priority=Priority.URGENT), evening)
    assert urgent is not None and urgent.entries[0].not_before is None


def test_your_own_reminder_is_not_announced_again(world: World):
    task = world.put(
        due=sh(1, 9),
        kind=Kind.REMINDER,
        assigner=ZHANG,
        assignees=(Assignee(user_id=ZHANG),),
        recurrence="FREQ=DAILY",
    )
    spawned = world.scheduler.series.spawn(task, sh(1, 9))
    assert spawned is not None and spawned.entries == ()


def test_an_unreadable_rule_spawns_nothing_and_says_so_in_the_log(
    world: World, caplog: pytest.LogCaptureFixture
):
    task = world.put(due=sh(4, 17), recurrence="EVERY SOMETIMES")
    with caplog.at_level(logging.WARNING):
        assert world.scheduler.series.spawn(task, sh(4, 17)) is None
    assert "unreadable recurrence" in caplog.text


def test_done_early_spawns_the_next_now_and_marks_this_one(world: World):
    task = world.put(due=sh(4, 17), recurrence=WEEKLY_FRIDAY)
    done = replace(task, status=Status.DONE)
    tasks, entries = world.scheduler.series.on_finish(done, sh(2, 11))
    marked, new = tasks
    assert marked.reminder_state is not None and marked.reminder_state["spawned"] == new.number
    assert new.due == sh(11, 17) and len(entries) == 1


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"status": Status.CANCELLED}, id="cancelled-ends-the-series"),
        pytest.param({"status": Status.DONE, "recurrence": None}, id="not-recurring"),
        pytest.param({"status": Status.DONE, "due": None}, id="no-due"),
        pytest.param(
            {"status": Status.DONE, "reminder_state": {"spawned": 9}}, id="already-spawned"
        ),
    ],
)
def test_the_finish_hook_spawns_nothing_else(world: World, changes: dict[str, object]):
    task = world.put(due=sh(4, 17), recurrence=WEEKLY_FRIDAY, assigner=LEADER)
    assert world.scheduler.series.on_finish(replace(task, **changes), sh(2, 11)) == ([], [])
