"""When reminders go (bot/reminders/rules.py): pure rules with an injected now, table-driven.

`timeline` runs the rules the way the scheduler does — jump to the next moment, fire what is
due, record it — so a test reads as the sequence of messages a person would get.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.workdays import WorkCalendar
from bot.reminders import rules
from bot.reminders.rules import Step
from bot.tasks import rules as task_rules
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
CAL = WorkCalendar()  # Asia/Shanghai, 09:00-18:00, Chinese holidays
LEADER, ZHANG, WANG = 10, 11, 12


def sh(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """Nov 30 2026 is a Monday; day < 30 means December."""
    if day < 30:
        month = 12
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


MON_10 = sh(30, 10)


def make(
    *,
    due: datetime | None = None,
    priority: Priority = Priority.NORMAL,
    kind: Kind = Kind.TASK,
    remind_before: int | None = None,
    assignees: tuple[int, ...] = (ZHANG,),
    acked: bool = True,
    created: datetime = MON_10,
    assigner: int = LEADER,
    recurrence: str | None = None,
) -> Task:
    return Task(
        number=1,
        space="g-100",
        chat_id=-100,
        title="报送材料",
        assigner=assigner,
        assignees=tuple(
            Assignee(user_id=uid, acknowledged_at=created if acked else None) for uid in assignees
        ),
        created_at=created,
        due=due,
        priority=priority,
        kind=kind,
        remind_before=remind_before,
        recurrence=recurrence,
        events=(TaskEvent(at=created, actor=assigner, action="created"),),
        status=Status.ACKNOWLEDGED if acked else Status.OPEN,
    )


def same_cal(_uid: int) -> WorkCalendar:
    return CAL


def plan(task: Task, cal_for=same_cal) -> list[rules.Due]:
    return rules.plan(task, calendar=CAL, calendar_for=cal_for)


def first(task: Task, step: Step, cal_for=same_cal) -> datetime | None:
    found = [d.at for d in plan(task, cal_for) if d.step == step]
    return found[0] if found else None


def timeline(
    task: Task, until: datetime, cal_for=same_cal, digest_for=rules.no_digest
) -> list[tuple[datetime, Step, int | None]]:
    """Every message the rules would send up to `until`, as (when, step, to). By default
    nobody gets a morning digest (`digest_for`)."""
    out = []
    for _ in range(500):
        nxt = rules.next_moment(task, calendar=CAL, calendar_for=cal_for, digest_for=digest_for)
        if nxt is None or nxt > until:
            return out
        fired = rules.due_now(task, nxt, calendar=CAL, calendar_for=cal_for, digest_for=digest_for)
        out.extend((nxt, d.step, d.to) for d in fired if not d.silent and d.step != Step.SPAWN)
        state = rules.record(task, fired, nxt)
        if any(d.step == Step.SPAWN for d in fired):
            state["spawned"] = 2
        # As the scheduler's steps do: snoozes whose time has come are over.
        task = task_rules.wake_up(replace(task, reminder_state=state), nxt)
    raise AssertionError("runaway timeline")


# ----- before the due time -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param(
            make(due=sh(30, 15), priority=Priority.URGENT), sh(30, 14, 45), id="urgent-15min"
        ),
        pytest.param(make(due=sh(30, 15), priority=Priority.HIGH), sh(30, 14), id="high-1h"),
        pytest.param(make(due=sh(30, 15)), sh(30, 14), id="normal-with-clock-1h"),
        pytest.param(
            make(due=sh(30, 15), priority=Priority.LOW), sh(30, 14), id="low-with-clock-1h"
        ),
        pytest.param(make(due=sh(30, 18)), None, id="normal-date-only-digest-only"),
        pytest.param(make(due=sh(30, 18), priority=Priority.HIGH), sh(30, 17), id="high-date-only"),
        pytest.param(make(due=sh(30, 15), remind_before=30), sh(30, 14, 30), id="explicit-wins"),
        pytest.param(
            make(due=sh(1, 15), priority=Priority.URGENT, remind_before=24 * 60),
            sh(30, 15),
            id="explicit-a-day-before",
        ),
        pytest.param(make(due=sh(1, 9, 30)), sh(1, 9), id="quiet-0830-waits-for-0900"),
        pytest.param(make(due=sh(30, 20)), None, id="quiet-release-after-due-skipped"),
        pytest.param(
            make(due=sh(30, 20), priority=Priority.URGENT), sh(30, 19, 45), id="urgent-not-quiet"
        ),
        pytest.param(
            make(due=sh(30, 15), priority=Priority.HIGH, created=sh(30, 14, 30)),
            None,
            id="created-inside-the-lead",
        ),
        pytest.param(make(due=sh(30, 15), kind=Kind.REMINDER), None, id="reminder-no-before"),
        pytest.param(
            make(due=sh(30, 15), kind=Kind.REMINDER, remind_before=15),
            sh(30, 14, 45),
            id="reminder-with-remind-before",
        ),
        pytest.param(
            make(due=sh(30, 15), kind=Kind.REMINDER, remind_before=15, created=sh(30, 14, 50)),
            sh(30, 14, 50),
            id="reminder-set-late-still-rings",
        ),
    ],
)
def test_when_the_reminder_before_the_due_time_goes(task: Task, expected: datetime | None):
    assert first(task, Step.BEFORE) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param(make(due=sh(30, 15)), sh(30, 15), id="task-at-due"),
        pytest.param(make(due=sh(30, 20)), sh(1, 9), id="task-quiet-next-work-start"),
        pytest.param(make(due=sh(5, 10)), sh(7, 9), id="task-saturday-monday"),
        pytest.param(make(due=sh(30, 20), priority=Priority.URGENT), sh(30, 20), id="urgent-night"),
        pytest.param(make(due=sh(30, 20), kind=Kind.REMINDER), sh(30, 20), id="reminder-night"),
        pytest.param(make(due=sh(5, 10), kind=Kind.REMINDER), sh(5, 10), id="reminder-saturday"),
        pytest.param(
            make(due=sh(30, 15), kind=Kind.REMINDER, remind_before=15),
            None,
            id="reminder-rings-once",
        ),
        pytest.param(make(), None, id="no-due"),
    ],
)
def test_when_the_due_now_message_goes(task: Task, expected: datetime | None):
    assert first(task, Step.AT_DUE) == expected


# ----- overdue, escalation ------------------------------------------------------------------------
def test_overdue_normal_backs_off_on_its_first_day_then_once_a_day_at_work_start():
    got = timeline(make(due=sh(30, 15)), sh(2, 18))
    assert got == [
        (sh(30, 14), Step.BEFORE, ZHANG),
        (sh(30, 15), Step.AT_DUE, ZHANG),
        (sh(30, 17), Step.NAG, ZHANG),  # 2 work hours on; the next (4 h on) is not today
        (sh(1, 9), Step.NAG, ZHANG),  # from the next work day: once, at work start
        (sh(1, 15), Step.ESCALATE, LEADER),
        (sh(2, 9), Step.NAG, ZHANG),
        (sh(2, 15), Step.ESCALATE, LEADER),
    ]


def test_overdue_urgent_backs_off_from_half_an_hour_and_the_assigner_after_two_hours():
    got = timeline(make(due=sh(30, 11), priority=Priority.URGENT), sh(30, 18))
    nags = [when for when, step, _ in got if step == Step.NAG]
    assert nags == [sh(30, 11, 30), sh(30, 12, 30), sh(30, 14, 30)]
    assert [when for when, step, _ in got if step == Step.ESCALATE] == [sh(30, 13)]


def test_the_first_overdue_day_has_at_most_three_nags_each_further_apart():
    got = timeline(make(due=sh(30, 9, 30), created=sh(30, 9)), sh(30, 18))
    assert [w for w, step, _ in got if step == Step.NAG] == [sh(30, 11, 30), sh(30, 15, 30)]
    urgent = make(due=sh(30, 10), priority=Priority.URGENT, created=sh(30, 9))
    got = timeline(urgent, sh(30, 18))
    assert [w for w, step, _ in got if step == Step.NAG] == [
        sh(30, 10, 30),
        sh(30, 11, 30),
        sh(30, 13, 30),
    ]


def test_nags_of_one_day_are_told_apart_by_their_round():
    task = make(due=sh(30, 10), priority=Priority.URGENT, created=sh(30, 9))
    rounds = []
    for _ in range(8):
        nxt = rules.next_moment(task, calendar=CAL, calendar_for=same_cal)
        assert nxt is not None
        fired = rules.due_now(task, nxt, calendar=CAL, calendar_for=same_cal)
        rounds += [d.round for d in fired if d.step == Step.NAG]
        task = replace(task, reminder_state=rules.record(task, fired, nxt))
    assert rounds[:4] == [1, 2, 3, 0]  # three on the first day, then the daily one


def digest_0830(_uid: int) -> time:
    return time(8, 30)


def test_with_a_morning_digest_the_later_days_are_left_to_it():
    """The digest lists what is overdue each morning (and the assigner's 📤 section what
    waits on others): no nag, no escalation repeats it."""
    got = timeline(make(due=sh(30, 15)), sh(4, 18), digest_for=digest_0830)
    assert got == [
        (sh(30, 14), Step.BEFORE, ZHANG),
        (sh(30, 15), Step.AT_DUE, ZHANG),
        (sh(30, 17), Step.NAG, ZHANG),
    ]


@pytest.mark.parametrize(
    ("first_tick", "said"),
    [
        pytest.param(sh(3, 9), sh(3, 9), id="ticked-at-work-start"),
        pytest.param(sh(3, 8), sh(3, 9), id="ticked-before-work-start"),
        pytest.param(sh(3, 11), sh(3, 11), id="ticked-later-that-morning"),
    ],
)
def test_a_digest_turned_off_brings_the_daily_nag_back_the_next_work_morning(
    first_tick: datetime, said: datetime
):
    """The digest told him on Tuesday and Wednesday; he turned it off on Wednesday afternoon
    and the bot's next look is on Thursday: Thursday's nag is said (the days the digest
    covered are not owed, and their missed nag does not use up Thursday's)."""
    got = timeline(make(due=sh(30, 15)), sh(2, 15), digest_for=digest_0830)
    assert got[-1] == (sh(30, 17), Step.NAG, ZHANG)
    task = make(due=sh(30, 15))
    for when, _step, _to in got:  # replay the same days with the digest on
        fired = rules.due_now(
            task, when, calendar=CAL, calendar_for=same_cal, digest_for=digest_0830
        )
        task = replace(task, reminder_state=rules.record(task, fired, when))
    # From here on: no digest. The first tick comes late; what it and the next one say:
    heard: list[tuple[datetime, Step]] = []
    now = first_tick
    for _ in range(3):
        fired = rules.due_now(task, now, calendar=CAL, calendar_for=same_cal)
        heard += [(now, d.step) for d in fired if not d.silent and d.to == ZHANG]
        task = replace(task, reminder_state=rules.record(task, fired, now))
        nxt = rules.next_moment(task, calendar=CAL, calendar_for=same_cal)
        assert nxt is not None
        now = max(nxt, now)
    assert heard[0] == (said, Step.NAG)
    assert [w for w, s in heard if s == Step.NAG] == [said, sh(4, 9)]  # then Friday's


def test_a_task_due_at_the_work_day_end_is_due_then_and_then_left_to_the_digest():
    task = make(due=sh(30, 18))
    assert timeline(task, sh(4, 18), digest_for=digest_0830) == [(sh(30, 18), Step.AT_DUE, ZHANG)]
    # Overdue since before Tuesday's digest, which told it: no nag repeats it that day.
    urgent = make(due=sh(30, 18), priority=Priority.URGENT)
    got = timeline(urgent, sh(4, 18), digest_for=digest_0830)
    assert [(w, s) for w, s, _ in got] == [(sh(30, 17, 45), Step.BEFORE), (sh(30, 18), Step.AT_DUE)]


def test_escalation_to_the_assigner_at_most_once_a_day():
    got = timeline(make(due=sh(30, 15)), sh(7, 18))  # to next Monday evening
    esc = [when for when, step, to in got if step == Step.ESCALATE]
    assert esc == [sh(1, 15), sh(2, 15), sh(3, 15), sh(4, 15), sh(7, 15)]
    assert len({when.date() for when in esc}) == len(esc)


def test_urgent_escalation_then_daily():
    got = timeline(make(due=sh(30, 11), priority=Priority.URGENT), sh(1, 18))
    assert [when for when, step, _ in got if step == Step.ESCALATE] == [sh(30, 13), sh(1, 13)]


def test_overdue_nags_stop_when_reported_cannot_or_done():
    task = make(due=sh(30, 15))
    cannot = task_rules.cannot(task, ZHANG, sh(30, 16), "缺材料")
    assert timeline(cannot, sh(3, 18)) == []
    done = task_rules.complete(task, ZHANG, sh(30, 16))
    assert timeline(done, sh(3, 18)) == []


def test_a_progress_report_restarts_the_nag_clock():
    task = make(due=sh(30, 15))
    state = rules.record(
        task, rules.due_now(task, sh(30, 15), calendar=CAL, calendar_for=same_cal), sh(30, 15)
    )
    task = replace(task, reminder_state=state)
    task = task_rules.report(task, ZHANG, sh(30, 16), "在办，明早给")
    assert first(task, Step.NAG) == sh(1, 9)  # 16:00 + 2 work hours → next day → work start


def test_self_tasks_have_no_escalation_and_no_acknowledgement_steps():
    task = make(due=sh(30, 15), assigner=ZHANG, assignees=(ZHANG,), acked=False)
    steps = {step for _, step, _ in timeline(task, sh(3, 18))}
    assert steps == {Step.BEFORE, Step.AT_DUE, Step.NAG}


def test_each_assignee_is_reminded_and_one_who_is_done_is_left_alone():
    task = make(due=sh(30, 15), assignees=(ZHANG, WANG))
    task = task_rules.complete(task, WANG, sh(30, 11))
    assert {to for _, step, to in timeline(task, sh(30, 18)) if step != Step.ESCALATE} == {ZHANG}


def test_a_reminder_kind_is_never_nagged_nor_escalated():
    task = make(due=sh(30, 15), kind=Kind.REMINDER)
    assert timeline(task, sh(4, 18)) == [(sh(30, 15), Step.AT_DUE, ZHANG)]


def test_a_snooze_holds_back_only_the_snoozers_reminders_until_its_time():
    """Issue #13 (1): a snooze used to move the deadline for everyone. Now 张三's reminders
    wait until his time (then what was held back comes), and 王五's are as they were."""
    task = make(due=sh(30, 15), assignees=(ZHANG, WANG))
    plain = [m for m in timeline(task, sh(1, 13)) if m[2] == WANG]
    snoozed = task_rules.snooze(task, ZHANG, sh(30, 10, 30), sh(1, 10))
    got = timeline(snoozed, sh(1, 13))
    assert [m for m in got if m[2] == WANG] == plain
    zhang = [(at, step) for at, step, to in got if to == ZHANG]
    # Nothing for him before his time; then what was held back comes (the nag cadence after
    # that is the back-off of issue #14: on a later overdue day, once at work-day start).
    assert zhang[0] == (sh(1, 10), Step.AT_DUE)
    assert all(at >= sh(1, 10) for at, _ in zhang)


def test_a_snooze_before_the_deadline_brings_the_card_back_at_its_time():
    task = make(due=sh(4, 18))  # a date without a time: the digest covers it, no reminder
    assert timeline(task, sh(2, 0)) == []
    snoozed = task_rules.snooze(task, ZHANG, MON_10, sh(1, 9))
    assert timeline(snoozed, sh(2, 0)) == [(sh(1, 9), Step.WAKE, ZHANG)]


def test_a_snooze_of_one_who_is_done_or_waiting_for_a_decision_wakes_nobody():
    task = task_rules.snooze(make(due=sh(4, 18)), ZHANG, MON_10, sh(1, 9))
    done = task_rules.complete(task, ZHANG, sh(30, 11))
    assert rules.plan(done, calendar=CAL, calendar_for=same_cal) == []
    cannot = task_rules.cannot(task, ZHANG, sh(30, 11), "no access")
    assert Step.WAKE not in {d.step for d in plan(cannot)}


def test_handed_over_while_overdue_does_not_repeat_due_now_but_keeps_nagging():
    task = make(due=sh(30, 15))
    fired = rules.due_now(task, sh(30, 15), calendar=CAL, calendar_for=same_cal)
    task = replace(task, reminder_state=rules.record(task, fired, sh(30, 15)))
    handed = task_rules.hand_over(task, ZHANG, WANG, sh(30, 16))
    got = timeline(handed, sh(1, 10))
    assert Step.AT_DUE not in {step for _, step, _ in got}
    # 16:00 + 2 work hours → the next work start; the new assignee has not said 收到 either.
    assert [(w, s, t) for w, s, t in got if s == Step.NAG] == [(sh(1, 9), Step.NAG, WANG)]
    assert (sh(30, 16, 30), Step.ACK_RESEND, WANG) in got


# ----- not acknowledged ---------------------------------------------------------------------------
ACK_STEPS = (Step.ACK_RESEND, Step.ACK_ESCALATE)


def ack_timeline(task: Task, digest_for=rules.no_digest) -> list[tuple[datetime, Step, int | None]]:
    got = timeline(task, task.created_at + timedelta(days=10), digest_for=digest_for)
    return [x for x in got if x[1] in ACK_STEPS]


@pytest.mark.parametrize(
    ("created", "due", "resend", "escalate"),
    [
        pytest.param(sh(30, 10), sh(1, 15), sh(30, 10, 30), sh(30, 12), id="morning"),
        pytest.param(sh(30, 10, 5), sh(1, 15), sh(30, 10, 45), sh(30, 12, 15), id="on-the-grid"),
        pytest.param(sh(30, 17, 45), sh(1, 12), sh(1, 9, 15), sh(1, 10, 45), id="late-afternoon"),
        pytest.param(sh(5, 11), sh(7, 15), sh(7, 9, 30), sh(7, 11), id="saturday"),
    ],
)
def test_not_acknowledged_resend_once_then_the_assigner_is_told(created, due, resend, escalate):
    task = make(acked=False, created=created, due=due)
    assert ack_timeline(task) == [
        (resend, Step.ACK_RESEND, ZHANG),
        (escalate, Step.ACK_ESCALATE, ZHANG),
    ]


@pytest.mark.parametrize(
    "due",
    [
        pytest.param(sh(4, 18), id="due-friday"),
        pytest.param(sh(2, 9), id="due-the-day-after-next"),
        pytest.param(None, id="undated"),
    ],
)
def test_a_card_not_due_within_the_next_work_day_is_not_sent_again(due):
    """It waits for the morning digest (its 📭 section); the assigner is still told once."""
    task = make(acked=False, created=sh(30, 10), due=due)
    assert ack_timeline(task) == [(sh(30, 12), Step.ACK_ESCALATE, ZHANG)]


def test_not_acknowledged_overnight_is_left_to_the_mornings_digests():
    task = make(acked=False, created=sh(30, 17, 45), due=sh(1, 12))
    assert ack_timeline(task, digest_for=digest_0830) == []
    early = make(acked=False, created=sh(30, 10), due=sh(1, 12))
    assert ack_timeline(early, digest_for=digest_0830) == [
        (sh(30, 10, 30), Step.ACK_RESEND, ZHANG),
        (sh(30, 12), Step.ACK_ESCALATE, ZHANG),
    ]


def test_acknowledged_or_acted_means_no_resend():
    task = make(acked=False)
    acked = task_rules.acknowledge(task, ZHANG, sh(30, 10, 5))
    assert timeline(acked, sh(4, 18)) == []
    reported = task_rules.report(task, ZHANG, sh(30, 10, 5), "收到，在办")
    assert timeline(reported, sh(4, 18)) == []


# ----- quiet hours, late, catch-up -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("at", "exempt", "expected"),
    [
        pytest.param(sh(30, 10), False, sh(30, 10), id="work-time"),
        pytest.param(sh(30, 7), False, sh(30, 9), id="early-morning"),
        pytest.param(sh(30, 18), False, sh(1, 9), id="work-day-end"),
        pytest.param(sh(5, 10), False, sh(7, 9), id="saturday"),
        pytest.param(sh(30, 23), True, sh(30, 23), id="exempt"),
        pytest.param(
            datetime(2026, 9, 30, 19, tzinfo=SH),
            False,
            datetime(2026, 10, 8, 9, tzinfo=SH),
            id="national-day-holiday",
        ),
        pytest.param(
            datetime(2026, 10, 10, 8, tzinfo=SH),
            False,
            datetime(2026, 10, 10, 9, tzinfo=SH),
            id="make-up-saturday",
        ),
    ],
)
def test_quiet_hours_release(at: datetime, exempt: bool, expected: datetime):
    assert rules.release(at, CAL, exempt) == expected


def test_a_reminder_missed_while_down_fires_once_marked_late():
    task = make(due=sh(30, 15), kind=Kind.REMINDER)
    on_time = rules.due_now(task, sh(30, 15, 1), calendar=CAL, calendar_for=same_cal)
    assert [(d.step, d.late) for d in on_time] == [(Step.AT_DUE, False)]
    fired = rules.due_now(task, sh(30, 15, 30), calendar=CAL, calendar_for=same_cal)
    assert [(d.step, d.late) for d in fired] == [(Step.AT_DUE, True)]
    after = replace(task, reminder_state=rules.record(task, fired, sh(30, 15, 30)))
    assert rules.due_now(after, sh(30, 23), calendar=CAL, calendar_for=same_cal) == []


def test_after_a_long_stop_each_stream_fires_once_and_a_passed_before_is_silent():
    task = make(due=sh(30, 15))
    fired = rules.due_now(task, sh(2, 10), calendar=CAL, calendar_for=same_cal)
    said = {(d.step, d.silent) for d in fired}
    assert said == {
        (Step.BEFORE, True),
        (Step.AT_DUE, False),
        (Step.ESCALATE, False),
    }
    after = replace(task, reminder_state=rules.record(task, fired, sh(2, 10)))
    assert rules.due_now(after, sh(2, 10), calendar=CAL, calendar_for=same_cal) == []
    # Its first overdue day is long past: once a day now, at work start.
    assert first(after, Step.NAG) == sh(3, 9)


def test_a_recurring_task_spawns_at_its_due_time_and_only_once():
    task = make(due=sh(4, 17), recurrence="FREQ=WEEKLY;BYDAY=FR")
    assert first(task, Step.SPAWN) == sh(4, 17)
    fired = rules.due_now(task, sh(4, 17), calendar=CAL, calendar_for=same_cal)
    after = replace(task, reminder_state=rules.record(task, fired, sh(4, 17), spawned=2))
    assert first(after, Step.SPAWN) is None
    assert rules.spawn_after(task, sh(2, 9)) == sh(4, 17)  # done early: after its occurrence
    assert rules.spawn_after(task, sh(4, 17, 1)) == sh(4, 17, 1)


# ----- time zones and DST ------------------------------------------------------------------------
BERLIN_CAL = WorkCalendar(use_cn=False, tz=BERLIN)
NY_CAL = WorkCalendar(use_cn=False, tz=NEW_YORK)


def test_quiet_hours_follow_the_recipients_zone_across_dst_berlin():
    # Sat 28 Mar 2026: due; Sun 29 Mar: Berlin moves to summer time; Mon 30 Mar 09:00 CEST.
    due = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    task = make(due=due, created=due - timedelta(days=2))
    at_due = first(task, Step.AT_DUE, cal_for=lambda _uid: BERLIN_CAL)
    assert at_due == datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)
    assert at_due.astimezone(ZoneInfo("UTC")).hour == 7  # CEST = UTC+2


def test_nag_cadence_is_work_time_across_dst_new_york():
    # Fri 30 Oct 2026 16:00 EDT due; Sun 1 Nov clocks go back; Mon 2 Nov 09:00 EST.
    due = datetime(2026, 10, 30, 16, 0, tzinfo=NEW_YORK)
    task = make(due=due, created=due - timedelta(days=1))
    fired = rules.due_now(task, due, calendar=CAL, calendar_for=lambda _uid: NY_CAL)
    task = replace(task, reminder_state=rules.record(task, fired, due))
    nag = first(task, Step.NAG, cal_for=lambda _uid: NY_CAL)
    assert nag == datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK)
    assert nag.astimezone(ZoneInfo("UTC")).hour == 14  # EST = UTC-5


def test_people_in_different_zones_hear_at_their_own_work_start():
    due = sh(30, 20)  # Beijing 20:00 = Berlin 13:00 (winter)
    task = make(due=due, assignees=(ZHANG, WANG))
    cals = {LEADER: CAL, ZHANG: CAL, WANG: WorkCalendar(tz=BERLIN)}
    steps = [
        d
        for d in rules.plan(task, calendar=CAL, calendar_for=cals.__getitem__)
        if d.step == Step.AT_DUE
    ]
    assert {d.to: d.at for d in steps} == {ZHANG: sh(1, 9), WANG: due}
