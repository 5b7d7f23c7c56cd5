"""What a task's due steps say (TaskSteps): typed records, who they go to, what is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.people.models import Person
from bot.reminders.rules import Due, Step
from bot.reminders.views import AckEscalation, AckResend, DueNow, Escalation, Overdue
from bot.tasks.models import Assignee, Kind, Status
from tests.reminders.world import LEADER, MON_10, ZHANG, World, make_world, sh


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def test_due_now_goes_to_the_assignee_with_the_card_and_tells_the_assigner_if_undeliverable(
    world: World,
):
    task = world.put(due=sh(30, 15))
    worked = world.scheduler.steps.work(task, [Due(Step.AT_DUE, sh(30, 15), ZHANG)], sh(30, 15))
    (entry,) = worked.entries
    assert entry.template == "rem_due" and entry.to_user == ZHANG
    assert entry.fallback_chat == -100 and entry.origin_user == LEADER
    assert entry.id == f"r{task.number}:due:{ZHANG}:{int(sh(30, 15).timestamp())}"
    message = DueNow.from_json(entry.params)
    assert message.acked and not message.late
    assert message.card["title"] == "报送材料" and message.card["assigner_name"] == "李主任"


def test_the_new_reminder_state_records_every_fired_step_even_a_silent_one(world: World):
    task = world.put(due=sh(30, 15))
    fired = [
        Due(Step.BEFORE, sh(30, 14), ZHANG, silent=True),
        Due(Step.AT_DUE, sh(30, 15), ZHANG, late=True),
    ]
    worked = world.scheduler.steps.work(task, fired, sh(30, 15, 30))
    assert [e.template for e in worked.entries] == ["rem_due"]
    assert DueNow.from_json(worked.entries[0].params).late
    (updated,) = worked.tasks
    assert updated.reminder_state is not None
    assert set(updated.reminder_state["sent"]) == {f"before:{ZHANG}", f"due:{ZHANG}"}


def test_a_nag_nobody_could_carry_is_not_queued(world: World):
    world.db.put_person(Person(user_id=ZHANG, first_name="张三", started=True, blocked=True))
    task = world.put(space=f"p{LEADER}", chat_id=LEADER, due=sh(30, 15))
    steps = world.scheduler.steps
    nag = Due(Step.NAG, sh(30, 17), ZHANG)
    assert steps.entry(task, nag, sh(30, 17), world.tasks.card_params(task)) is None
    # In a group the nag still goes (with a mention there), and is the assignee's own business.
    grouped = world.put(due=sh(30, 15))
    entry = steps.entry(grouped, nag, sh(30, 17), world.tasks.card_params(grouped))
    assert entry is not None and entry.fallback_chat == -100 and entry.origin_user is None
    assert isinstance(Overdue.from_json(entry.params), Overdue)


def test_the_escalation_names_whoever_has_not_finished(world: World):
    world.db.put_person(Person(user_id=12, first_name="王五", started=True))
    task = world.put(
        due=sh(30, 15),
        assignees=(
            Assignee(user_id=ZHANG, acknowledged_at=MON_10),
            Assignee(user_id=12, acknowledged_at=MON_10, done_at=MON_10),
        ),
    )
    worked = world.scheduler.steps.work(task, [Due(Step.ESCALATE, sh(1, 15), LEADER)], sh(1, 15))
    (entry,) = worked.entries
    assert entry.to_user == LEADER and entry.origin_user is None
    assert Escalation.from_json(entry.params) == Escalation(
        task.number, "报送材料", due=sh(30, 15).isoformat(), names=["张三"]
    )


def test_not_acknowledged_resends_the_card_then_tells_the_assigner_since_when(world: World):
    task = world.put(assignees=(Assignee(user_id=ZHANG),), status=Status.OPEN)
    steps = world.scheduler.steps
    card = world.tasks.card_params(task)
    resend = steps.entry(task, Due(Step.ACK_RESEND, sh(30, 10, 30), ZHANG), sh(30, 10, 30), card)
    assert resend is not None and resend.to_user == ZHANG
    assert not AckResend.from_json(resend.params).acked
    told = steps.entry(task, Due(Step.ACK_ESCALATE, sh(30, 12), ZHANG), sh(30, 12), card)
    assert told is not None and told.to_user == LEADER
    assert AckEscalation.from_json(told.params) == AckEscalation(
        task.number, "报送材料", "张三", MON_10.isoformat()
    )


def test_a_passed_due_of_a_series_spawns_the_next_and_this_one_leaves_the_series(world: World):
    task = world.put(due=sh(4, 17), recurrence="FREQ=WEEKLY;BYDAY=FR")
    worked = world.scheduler.steps.work(task, [Due(Step.SPAWN, sh(4, 17))], sh(4, 17))
    old, new = worked.tasks
    assert old.recurrence is None and old.reminder_state is not None
    assert old.reminder_state["spawned"] == new.number
    assert new.due == sh(11, 17) and new.recurrence == task.recurrence
    assert [(e.template, e.to_user) for e in worked.entries] == [("task_assigned", ZHANG)]


def test_a_series_that_has_run_out_is_marked_so_it_is_not_asked_again(world: World):
    task = world.put(due=sh(4, 17), recurrence="FREQ=DAILY;COUNT=1")
    worked = world.scheduler.steps.work(task, [Due(Step.SPAWN, sh(4, 17))], sh(4, 17))
    (old,) = worked.tasks
    assert old.reminder_state is not None and old.reminder_state["spawned"] == 0
    assert worked.entries == ()


def test_quiet_hours_are_read_in_the_assignees_own_zone(world: World):
    world.db.put_person(Person(user_id=ZHANG, first_name="张三", started=True, tz="Europe/Berlin"))
    task = world.put(due=sh(30, 15), kind=Kind.TASK)  # 08:00 in Berlin: before work
    steps = world.scheduler.steps
    work_start = datetime(2026, 11, 30, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    assert steps.next_moment(task) == work_start == sh(30, 16)
    assert steps.due(task, sh(30, 15, 1)) == []
    assert [d.step for d in steps.due(task, sh(30, 16))] == [Step.AT_DUE]
