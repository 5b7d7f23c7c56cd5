"""Changing a task after it was given (bot/tasks/changes.py): the assigner's changes, requests
for more time, taking back what one just did, and whether an older decision still fits."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.tasks import changes, rules
from bot.tasks.models import Assignee, Priority, Status, Task, TaskEvent
from bot.tasks.rules import TaskRefused

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
LEADER, ZHANG, LI, WANG, STRANGER = 1, 2, 3, 4, 99
H = timedelta(hours=1)


def make(*, assignees=(ZHANG,), due=NOW + 48 * H, recurrence=None) -> Task:
    return Task(
        number=1,
        space="g-100",
        chat_id=-100,
        title="交报表",
        assigner=LEADER,
        assignees=tuple(Assignee(user_id=a) for a in assignees),
        created_at=NOW,
        due=due,
        recurrence=recurrence,
        events=(TaskEvent(at=NOW, actor=LEADER, action="created"),),
    )


# ----- the assigner's changes ---------------------------------------------------------------
def test_rename_by_the_assigner_only_and_never_to_nothing():
    task = changes.rename(make(), LEADER, NOW, "  交季度   报表 ")
    assert task.title == "交季度 报表"
    assert task.events[-1].data == {"old": "交报表", "new": "交季度 报表"}
    for title, key in (
        ("", "rename_empty"),
        ("交季度 报表", "unchanged"),
        ("x" * 501, "title_too_long"),
    ):
        with pytest.raises(TaskRefused, match=key):
            changes.rename(task, LEADER, NOW, title)
    with pytest.raises(TaskRefused, match="refused_rename"):
        changes.rename(make(), ZHANG, NOW, "别的")
    with pytest.raises(TaskRefused, match="not_yours"):
        changes.rename(make(), STRANGER, NOW, "别的")
    assert changes.rename(make(), STRANGER, NOW, "别的", is_admin=True).title == "别的"


@pytest.mark.parametrize(
    ("word", "priority"),
    [
        pytest.param("急", Priority.URGENT, id="ji"),
        pytest.param("紧急", Priority.URGENT, id="jinji"),
        pytest.param("尽快", Priority.HIGH, id="jinkuai"),
        pytest.param("一般", Priority.NORMAL, id="yiban"),
        pytest.param("不急。", Priority.LOW, id="buji"),
        pytest.param("Urgent", Priority.URGENT, id="en"),
        pytest.param("whenever", None, id="unknown"),
    ],
)
def test_priority_words(word, priority):
    assert changes.priority_named(word) == priority


def test_set_priority_resets_the_reminders_and_refuses_the_same():
    task = changes.set_priority(make(), LEADER, NOW, Priority.URGENT)
    assert task.priority == Priority.URGENT and task.reminder_state == {}
    assert task.events[-1].data == {"old": "normal", "new": "urgent"}
    with pytest.raises(TaskRefused, match="unchanged"):
        changes.set_priority(task, LEADER, NOW, Priority.URGENT)
    with pytest.raises(TaskRefused, match="refused_priority"):
        changes.set_priority(make(), ZHANG, NOW, Priority.LOW)


def test_set_people_replaces_or_adds_and_whoever_stays_keeps_what_they_did():
    task = rules.acknowledge(make(assignees=(ZHANG, LI)), ZHANG, NOW)
    replaced = changes.set_people(
        task, LEADER, NOW, [Assignee(user_id=ZHANG), Assignee(user_id=WANG)], add=False
    )
    assert replaced.assignee_ids() == (ZHANG, WANG)
    assert replaced.assignees[0].acknowledged_at == NOW  # 张三 stays as he was
    assert replaced.events[-1].action == "reassigned"
    assert replaced.events[-1].data == {"added": [WANG], "removed": [LI]}
    added = changes.set_people(task, LEADER, NOW, [Assignee(username="newbie")], add=True)
    assert [a.user_id or a.username for a in added.assignees] == [ZHANG, LI, "newbie"]
    with pytest.raises(TaskRefused, match="already_assignee"):
        changes.set_people(task, LEADER, NOW, [Assignee(user_id=LI)], add=True)
    with pytest.raises(TaskRefused, match="reassign_nobody"):
        changes.set_people(task, LEADER, NOW, [], add=False)
    with pytest.raises(TaskRefused, match="refused_reassign"):
        changes.set_people(task, ZHANG, NOW, [Assignee(user_id=WANG)], add=False)


def test_replacing_the_one_who_reported_cannot_reopens_the_task():
    task = rules.cannot(make(), ZHANG, NOW, "no access")
    moved = changes.set_people(task, LEADER, NOW, [Assignee(user_id=WANG)], add=False)
    assert moved.status == Status.OPEN and rules.waiting_decision(moved) is None


# ----- more time ------------------------------------------------------------------------------
def test_an_extension_waits_until_it_is_answered():
    task = make(assignees=(ZHANG, LI))
    asked = changes.ask_extension(task, ZHANG, NOW, NOW + 96 * H, " 还差   两个科室 ")
    assert asked.due == task.due  # the deadline moves only on approval
    request = changes.pending_extension(asked)
    assert request is not None
    assert (request.asker, request.until, request.reason) == (ZHANG, NOW + 96 * H, "还差 两个科室")
    assert request.rev == asked.revision
    approved = changes.answer_extension(asked, LEADER, NOW, request.rev, approve=True)
    assert approved.due == NOW + 96 * H and approved.reminder_state == {}
    assert approved.events[-1].action == "due_changed"  # the reminders start over from it
    assert changes.pending_extension(approved) is None
    with pytest.raises(TaskRefused, match="extension_settled"):
        changes.answer_extension(approved, LEADER, NOW, request.rev, approve=False)


def test_another_time_or_no_and_an_older_request_is_refused():
    task = changes.ask_extension(make(), ZHANG, NOW, NOW + 96 * H, "")
    first = changes.pending_extension(task)
    again = changes.ask_extension(task, ZHANG, NOW, NOW + 120 * H, "more")
    assert first is not None
    with pytest.raises(TaskRefused, match="extension_settled"):
        changes.answer_extension(again, LEADER, NOW, first.rev, approve=True)
    other = changes.answer_extension(again, LEADER, NOW, None, approve=True, until=NOW + 72 * H)
    assert other.due == NOW + 72 * H
    declined = changes.answer_extension(again, LEADER, NOW, None, approve=False)
    assert declined.due == task.due and changes.pending_extension(declined) is None


@pytest.mark.parametrize(
    ("task", "user", "until", "key"),
    [
        pytest.param(make(), LEADER, NOW + 96 * H, "refused_extend", id="the-assigner"),
        pytest.param(make(assignees=(LEADER,)), LEADER, NOW + 96 * H, "extend_own", id="own"),
        pytest.param(make(due=None), ZHANG, NOW + 96 * H, "extend_no_due", id="no-deadline"),
        pytest.param(make(), ZHANG, NOW + 24 * H, "extend_not_later", id="earlier"),
        pytest.param(make(), ZHANG, NOW - H, "snooze_past", id="in-the-past"),
    ],
)
def test_who_may_ask_for_more_time_and_when(task, user, until, key):
    with pytest.raises(TaskRefused, match=key):
        changes.ask_extension(task, user, NOW, until, "")


def test_a_request_of_someone_no_longer_on_it_waits_no_more():
    task = changes.ask_extension(make(), ZHANG, NOW, NOW + 96 * H, "")
    assert changes.pending_extension(rules.hand_over(task, ZHANG, LI, NOW)) is None
    assert changes.pending_extension(rules.change_due(task, LEADER, NOW, NOW + 72 * H)) is None


# ----- 撤销 what one just did ------------------------------------------------------------------
def test_revert_an_acknowledgement_a_done_a_cannot():
    acked = rules.acknowledge(make(), ZHANG, NOW)
    back = changes.revert(acked, ZHANG, NOW + H / 6, acked.revision)
    assert back.assignees[0].acknowledged_at is None and back.status == Status.OPEN
    assert back.events[-1].data == {"index": 1, "what": "acknowledged"}
    done = rules.complete(make(), ZHANG, NOW)
    reopened = changes.revert(done, ZHANG, NOW, done.revision)
    assert not reopened.finished and reopened.assignees[0].done_at is None
    cannot = rules.cannot(make(), ZHANG, NOW, "no access")
    withdrawn = changes.revert(cannot, ZHANG, NOW, cannot.revision)
    assert withdrawn.status == Status.OPEN and rules.waiting_decision(withdrawn) is None


def test_an_assigners_close_taken_back_reopens_every_part():
    closed = rules.complete(make(assignees=(ZHANG, LI)), LEADER, NOW)
    reopened = changes.revert(closed, LEADER, NOW, closed.revision)
    assert [a.done_at for a in reopened.assignees] == [None, None]


@pytest.mark.parametrize(
    ("prepare", "user", "later", "key"),
    [
        pytest.param(
            lambda t: rules.acknowledge(t, ZHANG, NOW), LI, 0, "revert_nothing", id="not-theirs"
        ),
        pytest.param(
            lambda t: rules.acknowledge(t, ZHANG, NOW), ZHANG, 11, "revert_expired", id="too-late"
        ),
        pytest.param(
            lambda t: rules.nudge(t, LEADER, NOW), LEADER, 0, "revert_nothing", id="not-revertible"
        ),
    ],
)
def test_what_cannot_be_taken_back(prepare, user, later, key):
    task = prepare(make(assignees=(ZHANG, LI)))
    with pytest.raises(TaskRefused, match=key):
        changes.revert(task, user, NOW + timedelta(minutes=later), task.revision)


def test_a_decided_cannot_or_a_reverted_act_cannot_be_taken_back_again():
    cannot = rules.cannot(make(), ZHANG, NOW, "no access")
    kept = rules.keep(cannot, LEADER, NOW)
    with pytest.raises(TaskRefused, match="revert_decided"):
        changes.revert(kept, ZHANG, NOW, cannot.revision)
    acked = rules.acknowledge(make(), ZHANG, NOW)
    once = changes.revert(acked, ZHANG, NOW, acked.revision)
    with pytest.raises(TaskRefused, match="revert_nothing"):
        changes.revert(once, ZHANG, NOW, acked.revision)
    with pytest.raises(TaskRefused, match="not_yours"):
        changes.revert(acked, STRANGER, NOW, acked.revision)


def test_a_recurring_tasks_done_cannot_be_taken_back():
    done = rules.complete(make(recurrence="FREQ=WEEKLY"), ZHANG, NOW)
    with pytest.raises(TaskRefused, match="revert_expired"):
        changes.revert(done, ZHANG, NOW, done.revision)


# ----- does an older decision still fit? -------------------------------------------------------
def test_a_decision_made_before_a_hand_over_no_longer_fits():
    cannot = rules.cannot(make(), ZHANG, NOW, "no access")
    rev = cannot.revision
    assert changes.unsettled_by(cannot, rev) is None
    assert changes.unsettled_by(rules.nudge(cannot, LEADER, NOW), rev) is None  # a nudge: still
    handed = rules.hand_over(cannot, ZHANG, LI, NOW)
    event = changes.unsettled_by(handed, rev)
    assert event is not None and event.action == "handed_over"
    assert changes.unsettled_by(handed, None) is None  # an older button: checked as things are
    assert changes.was_on(handed, ZHANG) and not changes.was_on(handed, WANG)
