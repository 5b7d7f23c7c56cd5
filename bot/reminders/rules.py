"""When to remind (pure): before and at the due time, overdue nags, escalation to the assigner,
the not-acknowledged resend, quiet hours, and the moment a recurring task spawns its next one.

A task's `reminder_state` records what was already said::

    {"due": "<iso of the due it belongs to>", "sent": {"<step>:<uid>": "<iso sent at>"},
     "spawned": <number of the next instance>}

Every rule answers "what is next, given what was sent", so the same answers come back after a
restart: the scheduler keeps nothing else. Work time and quiet hours are read in the
recipient's own zone (`calendar_for(uid)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.core.workdays import WorkCalendar
from bot.tasks.models import Kind, Priority, Status, Task

CalendarFor = Callable[[int], WorkCalendar]

# Events after which the reminder clock starts over (the task service resets reminder_state too).
RESET_ACTIONS = frozenset({"snoozed", "due_changed", "handed_over", "reassigned", "kept"})


class Step(StrEnum):
    BEFORE = "before"  # ahead of the due time (a Kind.REMINDER with remind_before: the reminder)
    AT_DUE = "due"  # at the due time: "due now" (a Kind.REMINDER: the reminder itself)
    NAG = "nag"  # overdue: again every 2 work hours (urgent: 30 work minutes)
    ESCALATE = "esc"  # overdue: the assigner is told (after 1 work day; urgent: 2 work hours)
    ACK_RESEND = "ackre"  # 收到 not pressed within 30 work minutes: the card again, once
    ACK_ESCALATE = "ackesc"  # …and within 2 work hours: the assigner is told, once
    SPAWN = "spawn"  # a recurring task's due passed: its next instance is made
    WAKE = "wake"  # a personal snooze (推迟) is over: the card again, for that person


@dataclass(frozen=True, slots=True)
class Policy:
    """The reminder cadence; minutes are work minutes unless said otherwise."""

    urgent_before: int = 15  # wall minutes before the due time
    high_before: int = 60
    normal_before: int = 60  # normal and low: only when the due time has a clock time
    nag_every: int = 120
    urgent_nag_every: int = 30
    escalate_after: int | None = None  # None: one work day
    urgent_escalate_after: int = 120
    ack_resend_after: int = 30
    ack_escalate_after: int = 120
    late_after: timedelta = timedelta(minutes=2)  # later than this: said as (补发)/(late)


POLICY = Policy()


@dataclass(frozen=True, slots=True)
class Due:
    """One thing to say (or do) for a task, and when.

    `to` is the recipient — except for ACK_ESCALATE, where it is the assignee who has not
    acknowledged (the message goes to the assigner) — and None for SPAWN.
    """

    step: Step
    at: datetime
    to: int | None = None
    late: bool = False
    silent: bool = False  # superseded by another step firing now: recorded, not said

    @property
    def key(self) -> str:
        return f"{self.step.value}:{self.to}" if self.to is not None else self.step.value


# ----- small rules ------------------------------------------------------------------------------
def workday_minutes(cal: WorkCalendar) -> int:
    start = cal.workday_start.hour * 60 + cal.workday_start.minute
    end = cal.workday_end.hour * 60 + cal.workday_end.minute
    return max(end - start, 1)


def has_clock_time(due: datetime, calendar: WorkCalendar) -> bool:
    """A date said without a time becomes the work-day end (spec/parsing.md): that is no clock."""
    return due.astimezone(calendar.tz).time().replace(tzinfo=None) != calendar.workday_end


def lead_minutes(task: Task, calendar: WorkCalendar, policy: Policy = POLICY) -> int | None:
    """How long before the due time to remind: explicit remind_before wins, then by priority."""
    if task.remind_before is not None:
        return task.remind_before if task.remind_before > 0 else None
    if task.kind == Kind.REMINDER or task.due is None:
        return None
    if task.priority == Priority.URGENT:
        return policy.urgent_before
    if task.priority == Priority.HIGH:
        return policy.high_before
    if has_clock_time(task.due, calendar):
        return policy.normal_before
    return None  # the day's digest covers it


def quiet_exempt(task: Task) -> bool:
    """Outside work hours only explicit reminders and urgent items go out."""
    return task.kind == Kind.REMINDER or task.priority == Priority.URGENT


def release(at: datetime, cal: WorkCalendar, exempt: bool) -> datetime:
    """`at`, or the next work-hour start when `at` falls in quiet hours (unless exempt)."""
    if exempt or cal.is_work_time(at):
        return at
    return cal.next_work_start(at)


def _day_start(cal: WorkCalendar, d: date) -> datetime:
    return datetime.combine(d, cal.workday_start, tzinfo=cal.tz)


def next_in_work_time(last: datetime, minutes: int, cal: WorkCalendar) -> datetime:
    """`minutes` of work time after `last`; a moment that lands on a later day moves to that
    day's work start (so every work day begins with one reminder, then the cadence)."""
    nxt = cal.add_work_minutes(last, minutes)
    if not cal.is_work_time(nxt):
        nxt = cal.next_work_start(nxt)
    if nxt.astimezone(cal.tz).date() != last.astimezone(cal.tz).date():
        nxt = _day_start(cal, nxt.astimezone(cal.tz).date())
    return max(nxt, last)


def next_escalation(last: datetime, cal: WorkCalendar) -> datetime:
    """At most once a day: one work day after the last, on a later date."""
    nxt = cal.add_work_minutes(last, workday_minutes(cal))
    if nxt.astimezone(cal.tz).date() == last.astimezone(cal.tz).date():
        nxt = cal.next_work_start(_day_start(cal, cal.next_workday(last.astimezone(cal.tz).date())))
    return nxt


def reset_at(task: Task) -> datetime | None:
    """The last time the task changed so that its reminders start over."""
    for event in reversed(task.events):
        if event.action in RESET_ACTIONS:
            return event.at
    return None


def last_activity(task: Task, uid: int) -> datetime | None:
    """The last thing this person did on the task (a 汇报, 收到, …)."""
    for event in reversed(task.events):
        if event.actor == uid:
            return event.at
    return None


def ack_anchor(task: Task, uid: int) -> datetime:
    """When the card reached this assignee: created, handed over, reassigned or bound."""
    anchor = task.created_at
    for event in task.events:
        if event.action in RESET_ACTIONS or (event.action == "bound" and event.actor == uid):
            anchor = max(anchor, event.at)
    return anchor


def open_recipients(task: Task) -> list[int]:
    return [a.user_id for a in task.assignees if a.user_id is not None and a.done_at is None]


def _sent(task: Task) -> dict[str, str]:
    state = task.reminder_state or {}
    sent = state.get("sent")
    if not isinstance(sent, dict):
        return {}
    due_iso = task.due.isoformat() if task.due else None
    if state.get("due") == due_iso:
        return {str(k): str(v) for k, v in sent.items()}
    # The due moved without a reset: only the acknowledgement steps still hold.
    return {str(k): str(v) for k, v in sent.items() if str(k).startswith("ack")}


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ----- the plan ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Facts:
    """What every stream of one task reads."""

    task: Task
    sent: dict[str, str]
    reset: datetime | None
    exempt: bool
    urgent: bool
    calendar_for: CalendarFor
    policy: Policy


def _before(f: _Facts, due: datetime, uid: int, lead: int, cal: WorkCalendar) -> Due | None:
    task = f.task
    at = due - timedelta(minutes=lead)
    if task.kind == Kind.REMINDER:
        # The reminder itself ("会议即将开始"): said even if set up late.
        return Due(Step.BEFORE, max(at, task.created_at), uid)
    start = max(task.created_at, f.reset or task.created_at)
    when = release(at, cal, f.exempt)
    return Due(Step.BEFORE, when, uid) if at > start and when < due else None


def _nag(f: _Facts, uid: int, changed_while_overdue: bool, cal: WorkCalendar) -> Due | None:
    due_key = f"due:{uid}"
    marks = [
        _when(f.sent.get(f"nag:{uid}")),
        _when(f.sent.get(due_key)),
        f.reset if changed_while_overdue else None,
        last_activity(f.task, uid) if due_key in f.sent or changed_while_overdue else None,
    ]
    last = max((m for m in marks if m is not None), default=None)
    if last is None:
        return None
    every = f.policy.urgent_nag_every if f.urgent else f.policy.nag_every
    return Due(Step.NAG, next_in_work_time(last, every, cal), uid)


def _due_streams(f: _Facts, due: datetime, office: WorkCalendar) -> list[Due]:
    """Per open assignee: ahead of the due time, at it, and the overdue nags (`office`: the
    calendar that tells whether the due has a clock time)."""
    task = f.task
    out: list[Due] = []
    lead = lead_minutes(task, office, f.policy)
    changed_while_overdue = f.reset is not None and f.reset >= due
    for uid in open_recipients(task):
        cal = f.calendar_for(uid)
        due_key, before_key = f"due:{uid}", f"before:{uid}"
        if lead is not None and before_key not in f.sent and due_key not in f.sent:
            before = _before(f, due, uid, lead, cal)
            if before is not None:
                out.append(before)
        if task.kind == Kind.REMINDER and lead is not None:
            continue  # one reminder only, ahead of time
        if due_key not in f.sent and not changed_while_overdue:
            out.append(Due(Step.AT_DUE, release(due, cal, f.exempt), uid))
        if task.kind == Kind.TASK:
            nag = _nag(f, uid, changed_while_overdue, cal)
            if nag is not None:
                out.append(nag)
    return out


def _escalation(f: _Facts, due: datetime) -> Due | None:
    """The assigner is told of an overdue task (once a work day), if others have it."""
    task = f.task
    if task.kind != Kind.TASK or not [u for u in open_recipients(task) if u != task.assigner]:
        return None
    cal = f.calendar_for(task.assigner)
    last_esc = _when(f.sent.get(f"esc:{task.assigner}"))
    if last_esc is not None:
        return Due(Step.ESCALATE, next_escalation(last_esc, cal), task.assigner)
    anchor = max(due, f.reset) if f.reset is not None else due
    after = (
        f.policy.urgent_escalate_after
        if f.urgent
        else (f.policy.escalate_after or workday_minutes(cal))
    )
    at = release(cal.add_work_minutes(anchor, after), cal, False)
    return Due(Step.ESCALATE, at, task.assigner)


def _ack_streams(f: _Facts) -> list[Due]:
    """Per assignee who has not pressed 收到 (nor done anything): the card again, then the
    assigner told — once each."""
    task = f.task
    out: list[Due] = []
    for a in task.assignees:
        if a.user_id is None or a.user_id == task.assigner or a.done_at or a.acknowledged_at:
            continue
        uid = a.user_id
        anchor = ack_anchor(task, uid)
        acted = last_activity(task, uid)
        if acted is not None and acted >= anchor:
            continue  # they did something with it: seen
        cal = f.calendar_for(uid)
        if f"ackre:{uid}" not in f.sent:
            out.append(
                Due(Step.ACK_RESEND, cal.add_work_minutes(anchor, f.policy.ack_resend_after), uid)
            )
        if f"ackesc:{uid}" not in f.sent:
            at = cal.add_work_minutes(anchor, f.policy.ack_escalate_after)
            out.append(
                Due(Step.ACK_ESCALATE, release(at, f.calendar_for(task.assigner), f.exempt), uid)
            )
    return out


def plan(
    task: Task,
    *,
    calendar: WorkCalendar,
    calendar_for: CalendarFor,
    policy: Policy = POLICY,
) -> list[Due]:
    """The next moment of every reminder stream of this task that is still to come."""
    if task.finished:
        return []
    facts = _Facts(
        task=task,
        sent=_sent(task),
        reset=reset_at(task),
        exempt=quiet_exempt(task),
        urgent=task.priority == Priority.URGENT,
        calendar_for=calendar_for,
        policy=policy,
    )
    live = task.status != Status.CANNOT
    due = task.due
    out: list[Due] = []
    if due is not None and live:
        out.extend(_due_streams(facts, due, calendar))
        escalation = _escalation(facts, due)
        if escalation is not None:
            out.append(escalation)
    if task.kind == Kind.TASK and live:
        out.extend(_ack_streams(facts))
    if task.recurrence and due is not None and not has_spawned(task):
        out.append(Due(Step.SPAWN, due))
    return _held_back(task, out) if live else out


# ----- personal snoozes (推迟, bot/tasks/rules.py `snooze`) --------------------------------------
# What is said to one assignee; their snooze holds it back until its time.
_TO_THE_SNOOZER = frozenset({Step.BEFORE, Step.AT_DUE, Step.NAG, Step.ACK_RESEND})


def _held_back(task: Task, steps: list[Due]) -> list[Due]:
    """Someone who snoozed the task hears nothing of it until their time; then whatever was
    held back comes, and at least the card again (WAKE). Others are not affected."""
    until = {
        a.user_id: a.snoozed_until
        for a in task.assignees
        if a.user_id is not None and a.snoozed_until is not None and a.done_at is None
    }
    if not until:
        return steps
    held = [
        replace(d, at=max(d.at, until[d.to])) if d.to in until and d.step in _TO_THE_SNOOZER else d
        for d in steps
    ]
    return held + [Due(Step.WAKE, at, uid) for uid, at in until.items()]


def next_moment(
    task: Task, *, calendar: WorkCalendar, calendar_for: CalendarFor, policy: Policy = POLICY
) -> datetime | None:
    """The earliest moment anything is due for this task (None: nothing ever)."""
    steps = plan(task, calendar=calendar, calendar_for=calendar_for, policy=policy)
    return min((d.at for d in steps), default=None)


def due_now(
    task: Task,
    now: datetime,
    *,
    calendar: WorkCalendar,
    calendar_for: CalendarFor,
    policy: Policy = POLICY,
) -> list[Due]:
    """What is due by `now`; each stream fires once even after a long stop (marked late).

    A step overtaken by another firing at the same time for the same person is `silent`:
    the "1 hour before" of a due that has passed too, the card resend when the due-now or
    overdue message (with the same buttons) goes out anyway.
    """
    steps = [
        d
        for d in plan(task, calendar=calendar, calendar_for=calendar_for, policy=policy)
        if d.at <= now
    ]
    firing = {(d.step, d.to) for d in steps}
    out: list[Due] = []
    for d in steps:
        silent = (
            (d.step == Step.BEFORE and (Step.AT_DUE, d.to) in firing)
            or (
                d.step == Step.ACK_RESEND
                and any((s, d.to) in firing for s in (Step.AT_DUE, Step.NAG, Step.WAKE))
            )
            # The end of a snooze says nothing more when a reminder with the card goes anyway.
            or (
                d.step == Step.WAKE
                and any((s, d.to) in firing for s in (Step.BEFORE, Step.AT_DUE, Step.NAG))
            )
        )
        late = d.step in (Step.BEFORE, Step.AT_DUE) and now - d.at > policy.late_after
        out.append(replace(d, late=late, silent=silent))
    return out


def record(task: Task, fired: Iterable[Due], now: datetime, **extra: Any) -> dict[str, Any]:
    """The reminder_state after these steps were said (or silently passed) at `now`."""
    sent = dict(_sent(task))
    for d in fired:
        if d.step != Step.SPAWN:
            sent[d.key] = now.isoformat()
    state: dict[str, Any] = {
        k: v for k, v in (task.reminder_state or {}).items() if k not in ("due", "sent")
    }
    state.update(extra)
    state["due"] = task.due.isoformat() if task.due else None
    state["sent"] = sent
    return state


# ----- recurrence -------------------------------------------------------------------------------
def occurrence_of(task: Task) -> datetime | None:
    """The occurrence this instance stands for: as spawned, else its due."""
    for event in task.events[:1]:
        occ = event.data.get("occ") if event.action == "created" else None
        if isinstance(occ, str):
            return datetime.fromisoformat(occ)
    return task.due


def has_spawned(task: Task) -> bool:
    """This instance has made its next one already (or found that the rule had run out)."""
    return "spawned" in (task.reminder_state or {})


def spawn_after(task: Task, now: datetime) -> datetime | None:
    """The next occurrence must come after both this one and now (missed ones are skipped)."""
    occ = occurrence_of(task)
    if occ is None:
        return None
    return max(occ, now)


__all__ = [
    "POLICY",
    "CalendarFor",
    "Due",
    "Policy",
    "Step",
    "due_now",
    "has_spawned",
    "lead_minutes",
    "next_moment",
    "plan",
    "quiet_exempt",
    "record",
    "release",
]
