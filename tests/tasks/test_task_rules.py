from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.tasks import rules
from bot.tasks.models import Assignee, Priority, Status, Task, TaskEvent
from bot.tasks.rules import Action, SnoozeOption, TaskRefused, Urgency

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
LEADER, ZHANG, LI, STRANGER = 1, 2, 3, 99


def make(
    number=1,
    *,
    due=None,
    priority=Priority.NORMAL,
    created=NOW,
    assignees=(ZHANG,),
    status=Status.OPEN,
):
    return Task(
        number=number,
        space="g-100",
        chat_id=-100,
        title=f"task {number}",
        assigner=LEADER,
        assignees=tuple(Assignee(user_id=a) for a in assignees),
        created_at=created,
        due=due,
        priority=priority,
        status=status,
        events=(TaskEvent(at=created, actor=LEADER, action="created"),),
    )


# NOW is Monday 10:00 in Shanghai: work hours 09:00-18:00, so "within 2 work hours" is by
# 12:00 today, and 17:00 today + 1 work hour reaches Tuesday 10:00.
@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param(make(due=NOW - timedelta(hours=1)), Urgency.OVERDUE, id="overdue"),
        pytest.param(
            make(due=NOW - timedelta(days=2), priority=Priority.LOW),
            Urgency.OVERDUE,
            id="low-overdue",
        ),
        pytest.param(make(due=NOW + timedelta(hours=2)), Urgency.SOON, id="within-2-work-hours"),
        pytest.param(
            make(due=datetime(2026, 11, 30, 20, tzinfo=TZ)), Urgency.TODAY, id="tonight-today"
        ),
        pytest.param(
            make(due=NOW + timedelta(hours=1), priority=Priority.LOW), Urgency.SOON, id="low-soon"
        ),
        pytest.param(make(priority=Priority.URGENT), Urgency.URGENT, id="urgent-undated"),
        pytest.param(
            make(due=NOW + timedelta(days=4), priority=Priority.URGENT),
            Urgency.URGENT,
            id="urgent-friday",
        ),
        pytest.param(make(due=NOW + timedelta(hours=5)), Urgency.TODAY, id="today-15h"),
        pytest.param(
            make(due=NOW + timedelta(days=4), priority=Priority.HIGH),
            Urgency.HIGH,
            id="high-friday",
        ),
        pytest.param(make(due=NOW + timedelta(days=1)), Urgency.LATER, id="tomorrow"),
        pytest.param(make(), Urgency.LATER, id="normal-undated"),
        pytest.param(
            make(due=NOW + timedelta(days=3), priority=Priority.LOW), Urgency.LATER, id="low-dated"
        ),
        pytest.param(make(priority=Priority.LOW), Urgency.LOW, id="low-undated"),
    ],
)
def test_how_pressing_a_task_is_follows_the_clock_and_the_words(task, expected):
    assert rules.urgency(task, NOW) == expected


def test_the_queue_in_true_order_of_urgency():
    """Issue 14: overdue; due within 2 work hours or urgent; due today or 尽快/重要; the rest
    by due time; undated 不急 last. A normal task due today 15:00 comes before a 重要 one due
    on Friday."""
    h, day = timedelta(hours=1), timedelta(days=1)
    table = [
        # (number, task) in the order expected
        (1, make(1, due=NOW - 30 * h)),  # overdue since Saturday
        (2, make(2, due=NOW - h, priority=Priority.LOW)),  # overdue, however low
        (3, make(3, due=NOW + h)),  # due 11:00: within 2 work hours
        (4, make(4, due=NOW + 4 * day, priority=Priority.URGENT)),  # urgent, due Friday
        (5, make(5, priority=Priority.URGENT)),  # urgent, undated: after the dated urgent
        (6, make(6, due=NOW + 5 * h)),  # due today 15:00
        (7, make(7, due=NOW + 4 * day, priority=Priority.HIGH)),  # 重要, due Friday
        (8, make(8, due=NOW + day)),  # tomorrow
        (9, make(9, due=NOW + 2 * day, priority=Priority.LOW)),  # low but dated: by due time
        (10, make(10, created=NOW - 5 * h)),  # undated normal: after the dated, oldest first
        (11, make(11, created=NOW - h)),
        (12, make(12, priority=Priority.LOW)),  # undated 不急: last
    ]
    shuffled = [task for _, task in reversed(table)]
    shuffled = shuffled[5:] + shuffled[:5]
    assert [t.number for t in rules.order_queue(shuffled, NOW)] == [n for n, _ in table]


def test_finished_tasks_leave_the_queue():
    assert rules.order_queue([make(1, status=Status.DONE), make(2)], NOW) == [make(2)]


@pytest.mark.parametrize(
    ("user", "action", "admin", "allowed"),
    [
        pytest.param(ZHANG, Action.ACK, False, True, id="assignee-ack"),
        pytest.param(LEADER, Action.ACK, False, False, id="assigner-cannot-ack"),
        pytest.param(ZHANG, Action.UNDO, False, False, id="assignee-cannot-undo"),
        pytest.param(LEADER, Action.UNDO, False, True, id="assigner-undo"),
        pytest.param(LEADER, Action.DONE, False, True, id="assigner-done"),
        pytest.param(STRANGER, Action.DONE, False, False, id="stranger-done"),
        pytest.param(STRANGER, Action.DONE, True, True, id="admin-done"),
        pytest.param(STRANGER, Action.CANCEL, True, True, id="admin-cancel"),
        pytest.param(ZHANG, Action.REASSIGN, False, False, id="assignee-cannot-reassign"),
        pytest.param(LEADER, Action.NUDGE, False, True, id="assigner-nudge"),
    ],
)
def test_who_may_do_what(user, action, admin, allowed):
    assert rules.may(make(), user, action, is_admin=admin) is allowed


def test_strangers_learn_nothing_about_the_task():
    with pytest.raises(TaskRefused) as err:
        rules.check(make(), STRANGER, Action.DONE)
    assert err.value.key == "not_yours"
    assert "title" not in err.value.values


def test_acknowledge_then_twice_is_refused():
    task = rules.acknowledge(make(), ZHANG, NOW)
    assert task.status == Status.ACKNOWLEDGED
    assert task.assignees[0].acknowledged_at == NOW
    assert task.events[-1].action == "acknowledged"
    with pytest.raises(TaskRefused, match="already_acked"):
        rules.acknowledge(task, ZHANG, NOW)


def test_a_shared_task_is_done_when_every_assignee_is():
    task = make(assignees=(ZHANG, LI))
    task = rules.complete(task, ZHANG, NOW, "sent")
    assert task.status == Status.ACKNOWLEDGED
    assert not rules.open_for(task, ZHANG)
    assert rules.open_for(task, LI)
    task = rules.complete(task, LI, NOW)
    assert task.status == Status.DONE
    assert task.finished


def test_the_assigner_completing_closes_it_for_everyone():
    task = rules.complete(make(assignees=(ZHANG, LI)), LEADER, NOW)
    assert task.status == Status.DONE
    assert all(a.done_at == NOW for a in task.assignees)


def test_cannot_needs_a_report_and_waits_for_the_assigner():
    with pytest.raises(TaskRefused, match="report_empty"):
        rules.cannot(make(), ZHANG, NOW, "  ")
    task = rules.cannot(make(), ZHANG, NOW, "finance is closed; suggest Monday")
    assert task.status == Status.CANNOT
    assert task.events[-1].note == "finance is closed; suggest Monday"
    assert rules.assignee_state(task, task.assignees[0], NOW) == "cannot"


def test_reassign_after_cannot_replaces_the_reporter():
    task = rules.cannot(make(assignees=(ZHANG, LI)), ZHANG, NOW, "no access")
    task = rules.reassign(task, LEADER, STRANGER, NOW)
    assert task.assignee_ids() == (STRANGER, LI)
    assert task.status == Status.OPEN


def test_keep_after_cannot_reopens():
    task = rules.cannot(make(), ZHANG, NOW, "no access")
    assert rules.keep(task, LEADER, NOW).status == Status.OPEN


def test_hand_over_moves_the_givers_part():
    task = rules.acknowledge(make(), ZHANG, NOW)
    task = rules.hand_over(task, ZHANG, LI, NOW)
    assert task.assignee_ids() == (LI,)
    assert task.status == Status.OPEN  # the new person has not acknowledged yet
    with pytest.raises(TaskRefused, match="already_assignee"):
        rules.hand_over(task, LI, LI, NOW)


def test_undo_only_within_ten_minutes():
    assert rules.undo(make(), LEADER, NOW + timedelta(minutes=9)).status == Status.CANCELLED
    with pytest.raises(TaskRefused, match="undo_expired"):
        rules.undo(make(), LEADER, NOW + timedelta(minutes=11))


def test_a_snooze_is_the_snoozers_own_and_leaves_the_deadline():
    """Issue #13: a snooze brings the task back to whoever snoozed it; the deadline, the other
    assignee and the reminders already said stay as they were."""
    task = replace(make(due=NOW, assignees=(ZHANG, LI)), reminder_state={"stage": 2})
    with pytest.raises(TaskRefused, match="snooze_past"):
        rules.snooze(task, ZHANG, NOW, NOW - timedelta(minutes=1))
    later = rules.snooze(task, ZHANG, NOW, NOW + timedelta(hours=2))
    assert later.due == NOW and later.reminder_state == {"stage": 2}
    assert [a.snoozed_until for a in later.assignees] == [NOW + timedelta(hours=2), None]
    assert later.events[-1].action == rules.SNOOZED
    assert rules.snoozed_until(later, ZHANG, NOW) == NOW + timedelta(hours=2)
    assert rules.snoozed_until(later, LI, NOW) is None
    assert rules.snoozed_until(later, ZHANG, NOW + timedelta(hours=2)) is None  # its time came
    woken = rules.wake_up(later, NOW + timedelta(hours=2))
    assert [a.snoozed_until for a in woken.assignees] == [None, None]
    assert rules.wake_up(later, NOW) is later


def test_only_an_assignee_snoozes_and_the_deadline_is_the_assigners():
    with pytest.raises(TaskRefused, match="refused_snooze"):
        rules.snooze(make(due=NOW), LEADER, NOW, NOW + timedelta(hours=1))
    with pytest.raises(TaskRefused, match="refused_due"):
        rules.change_due(make(due=NOW), ZHANG, NOW, NOW + timedelta(days=1))
    moved = rules.change_due(make(due=NOW), LEADER, NOW, NOW + timedelta(days=1))
    assert moved.due == NOW + timedelta(days=1)
    assert moved.events[-1].data == {
        "data_due": (NOW + timedelta(days=1)).isoformat(),
        "old_due": NOW.isoformat(),
    }


@pytest.mark.parametrize(
    ("until", "late"),
    [
        pytest.param(NOW + timedelta(hours=1), False, id="before-the-deadline"),
        pytest.param(NOW + timedelta(hours=3), True, id="after-it"),
    ],
)
def test_a_snooze_past_the_deadline_is_said_to_be_late(until, late):
    assert rules.snooze_is_late(make(due=NOW + timedelta(hours=2)), until) is late
    assert not rules.snooze_is_late(make(), until)  # no deadline: never late


def test_keep_only_while_someone_waits_for_the_decision():
    """Issue #13 (4): 仍由原人办理 after the task was handed on is refused."""
    task = rules.cannot(make(), ZHANG, NOW, "no access")
    assert rules.waiting_decision(task) == ZHANG
    handed = rules.hand_over(task, ZHANG, LI, NOW)
    assert rules.waiting_decision(handed) is None
    with pytest.raises(TaskRefused, match="nothing_to_decide"):
        rules.keep(handed, LEADER, NOW)
    with pytest.raises(TaskRefused, match="nothing_to_decide"):
        rules.keep(make(), LEADER, NOW)


def test_ones_own_note_has_nobody_to_report_to():
    own = make(assignees=(LEADER,))
    assert own.own and not make().own
    with pytest.raises(TaskRefused, match="cannot_own"):
        rules.cannot(own, LEADER, NOW, "no time")
    with pytest.raises(TaskRefused, match="cannot_own"):
        rules.ask_reassign(own, LEADER, NOW)


def test_reading_numbers_in_replies():
    assert rules.numbers_in("#3 a · #5 b · #3 again") == [3, 5]
    assert rules.hash_number_first("#12 已报送") == (12, "已报送")
    assert rules.hash_number_first("12 点前交") == (None, "12 点前交")


def test_finished_tasks_refuse_changes():
    done = rules.complete(make(), ZHANG, NOW)
    with pytest.raises(TaskRefused, match="already_done"):
        rules.snooze(done, ZHANG, NOW, NOW + timedelta(hours=1))


def test_pending_username_binds_to_the_person():
    task = replace(make(), assignees=(Assignee(username="wang"),))
    bound = rules.bind_username(task, "Wang", 7, NOW)
    assert bound.assignee_ids() == (7,)
    assert bound.events[-1].action == "bound"


@pytest.mark.parametrize(
    ("setup", "state"),
    [
        pytest.param(lambda t: t, "not_acked", id="not-acked"),
        pytest.param(lambda t: rules.acknowledge(t, ZHANG, NOW), "acked", id="acked"),
        pytest.param(lambda t: replace(t, due=NOW - timedelta(hours=1)), "overdue", id="overdue"),
        pytest.param(lambda t: rules.complete(t, ZHANG, NOW), "done", id="done"),
    ],
)
def test_assignee_state_for_assigned_view(setup, state):
    task = setup(make())
    assert rules.assignee_state(task, task.assignees[0], NOW) == state


BERLIN = ZoneInfo("Europe/Berlin")
NINE = time(9, 0)


@pytest.mark.parametrize(
    ("option", "now", "tz", "target"),
    [
        pytest.param(SnoozeOption.HOUR, NOW, TZ, NOW + timedelta(hours=1), id="in-an-hour"),
        pytest.param(
            SnoozeOption.AFTERNOON, NOW, TZ, datetime(2026, 11, 30, 14, tzinfo=TZ), id="at-two"
        ),
        pytest.param(SnoozeOption.AFTERNOON, NOW.replace(hour=14), TZ, None, id="two-has-come"),
        pytest.param(
            SnoozeOption.TOMORROW, NOW, TZ, datetime(2026, 12, 1, 9, tzinfo=TZ), id="tomorrow"
        ),
        pytest.param(
            SnoozeOption.MONDAY, NOW, TZ, datetime(2026, 12, 7, 9, tzinfo=TZ), id="next-monday"
        ),
        pytest.param(
            SnoozeOption.TOMORROW,
            NOW,
            BERLIN,
            datetime(2026, 12, 1, 9, tzinfo=BERLIN),
            id="in-their-zone",
        ),
    ],
)
def test_snooze_buttons_mean_a_time_in_the_persons_zone(option, now, tz, target):
    assert rules.snooze_target(option, now, tz, NINE) == target


def test_next_monday_is_the_first_work_day_of_next_week():
    def after_holiday(d):
        return d + timedelta(days=1)  # Monday 7 Dec is a holiday here

    target = rules.snooze_target(SnoozeOption.MONDAY, NOW, TZ, NINE, after_holiday)
    assert target == datetime(2026, 12, 8, 9, tzinfo=TZ)


def test_the_afternoon_is_offered_only_before_two():
    assert rules.snooze_options(NOW) == list(SnoozeOption)
    assert SnoozeOption.AFTERNOON not in rules.snooze_options(NOW.replace(hour=14))


@pytest.mark.parametrize(
    ("text", "split"),
    [
        pytest.param("#12 已报送", (12, "已报送"), id="hash"),
        pytest.param(" 12  明天上午", (12, "明天上午"), id="bare"),
        pytest.param("# 3", (3, ""), id="alone"),
        pytest.param("已报送", (None, "已报送"), id="no-number"),
        pytest.param("明天 #12", (None, "明天 #12"), id="not-first"),
    ],
)
def test_a_command_reads_its_task_number_first(text, split):
    assert rules.split_number(text) == split


def test_the_number_in_a_text_and_the_name_in_an_answer():
    assert rules.number_in("📥 新任务 #12 交总结") == 12
    assert rules.number_in("no number") is None
    assert rules.username_in("@wang 谢谢") == "wang"
    assert rules.username_in("@") == ""


@pytest.mark.parametrize(
    ("count", "asked", "shown"),
    [
        pytest.param(0, 0, (0, 0, 1), id="empty"),
        pytest.param(12, 0, (10, 0, 2), id="first"),
        pytest.param(12, 1, (2, 1, 2), id="last"),
        pytest.param(12, 9, (2, 1, 2), id="past-the-end"),
        pytest.param(12, -1, (10, 0, 2), id="before-the-start"),
    ],
)
def test_a_page_of_a_list(count, asked, shown):
    page = rules.page_of(list(range(count)), asked)
    assert (len(page.items), page.page, page.pages) == shown and page.total == count


def test_handed_out_leaves_out_notes_to_oneself():
    given = make(1, assignees=(ZHANG,))
    mine = make(2, assignees=(LEADER,))
    assert rules.handed_out([mine, given], LEADER, NOW) == [given]
    assert rules.waits_on(given)
