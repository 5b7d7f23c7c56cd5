"""When to remind (pure): before and at the due time, overdue nags, escalation to the assigner,
the not-acknowledged resend, quiet hours, and the moment a recurring task spawns its next one.

How much is said (spec/conversations.md "How much the bot says"; docs/REMINDERS.md):

* On the work day a task falls overdue its assignee hears at most three nags, backing off
  (urgent: 30 work minutes after the due, then 1 h, then 2 h; others 2 h, then 4 h, then 8 h),
  each saying something new, and none once they have acted on it since the last reminder.
* From the next work day on, once a day at work-day start: the morning digest's 已逾期 section
  for whoever gets a digest, else one nag at work start (bundled with their others).
* The assigner hears of an overdue task once per work day, and of a card not acknowledged
  once; a day whose morning digest already told them (its 📤 section) brings nothing more.
* An unacknowledged card is sent again once, and only when the task is due within the next
  work day; otherwise the morning digest lists it.
* The moments of these steps lie on a 15-minute grid, so what one person would hear within
  the same few minutes comes at one tick and goes out as one message (core/bundling.py).

A task's `reminder_state` records what was already said::

    {"due": "<iso of the due it belongs to>", "sent": {"<step>:<uid>": "<iso sent at>"},
     "spawned": <number of the next instance>}

Every rule answers "what is next, given what was sent", so the same answers come back after a
restart: the scheduler keeps nothing else. Work time and quiet hours are read in the
recipient's own zone (`calendar_for(uid)`), the digest in their own digest time
(`digest_for(uid)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from bot.core.workdays import WorkCalendar
from bot.tasks.models import Kind, Priority, Status, Task

CalendarFor = Callable[[int], WorkCalendar]
#: A person's morning digest time (None: they get no digest: turned off, or unreachable).
DigestFor = Callable[[int], time | None]


def no_digest(_uid: int) -> time | None:
    """`DigestFor` of a world without digests."""
    return None


# Events after which the reminder clock starts over (the task service resets reminder_state too).
RESET_ACTIONS = frozenset({"snoozed", "due_changed", "handed_over", "reassigned", "kept"})


class Step(StrEnum):
    BEFORE = "before"  # ahead of the due time (a Kind.REMINDER with remind_before: the reminder)
    AT_DUE = "due"  # at the due time: "due now" (a Kind.REMINDER: the reminder itself)
    NAG = "nag"  # overdue: at most 3 on its first overdue day, then daily at work start
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
    # The gaps before each nag of the first overdue work day (backing off; as many as fit).
    nag_gaps: tuple[int, ...] = (120, 240, 480)
    urgent_nag_gaps: tuple[int, ...] = (30, 60, 120)
    escalate_after: int | None = None  # None: one work day
    urgent_escalate_after: int = 120
    ack_resend_after: int = 30
    ack_escalate_after: int = 120
    late_after: timedelta = timedelta(minutes=2)  # later than this: said as (补发)/(late)
    grid: int = 15  # wall minutes: nags, escalations and resends fall on this grid


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
    round: int = 0  # NAG: 1-3 on the first overdue work day, 0 for the daily one
    said_at: datetime | None = None  # recorded as said then (None: now)

    @property
    def tag(self) -> str:
        if self.step == Step.NAG:
            return f"nag{self.round}" if self.round else "nagday"
        return self.step.value

    @property
    def key(self) -> str:
        return f"{self.tag}:{self.to}" if self.to is not None else self.tag


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


def release_due(at: datetime, cal: WorkCalendar, exempt: bool) -> datetime:
    """Like `release`, but a due at the very end of a work day is said then: "due now" at
    18:00 is still heard by whoever is at work, not the next morning after the digest."""
    local = at.astimezone(cal.tz)
    if cal.is_workday(local.date()) and local.timetz().replace(tzinfo=None) == cal.workday_end:
        return at
    return release(at, cal, exempt)


def on_grid(at: datetime, cal: WorkCalendar, minutes: int) -> datetime:
    """`at` moved up to the next multiple of `minutes` on the recipient's wall clock, so that
    what one person hears within the same few minutes comes at one tick (and is bundled). A
    moment in work time stays in work time: then it is left as it is."""
    if minutes <= 1:
        return at
    local = at.astimezone(cal.tz)
    over = (local.minute % minutes) * 60 + local.second + local.microsecond / 1e6
    if over == 0:
        return at
    up = local + timedelta(seconds=minutes * 60 - over)
    if cal.is_work_time(local) and not cal.is_work_time(up):
        return at
    return up


def _day_start(cal: WorkCalendar, d: date) -> datetime:
    return datetime.combine(d, cal.workday_start, tzinfo=cal.tz)


def _local_day(at: datetime, cal: WorkCalendar) -> date:
    return at.astimezone(cal.tz).date()


def next_escalation(last: datetime, cal: WorkCalendar) -> datetime:
    """At most once a day: one work day after the last, on a later date."""
    nxt = cal.add_work_minutes(last, workday_minutes(cal))
    if nxt.astimezone(cal.tz).date() == last.astimezone(cal.tz).date():
        nxt = cal.next_work_start(_day_start(cal, cal.next_workday(last.astimezone(cal.tz).date())))
    return nxt


def due_within_next_workday(due: datetime | None, at: datetime, cal: WorkCalendar) -> bool:
    """The task is due before the end of the work day after the one `at` falls on (an
    unacknowledged card is sent again only then; later tasks wait for the morning digest)."""
    if due is None:
        return False
    end = datetime.combine(cal.next_workday(_local_day(at, cal)), cal.workday_end, tzinfo=cal.tz)
    return due <= end


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
    digest_for: DigestFor
    policy: Policy

    def grid(self, at: datetime, cal: WorkCalendar) -> datetime:
        return on_grid(at, cal, self.policy.grid)

    def told_by_digest(self, uid: int, day: date, since: datetime) -> bool:
        """This person's morning digest of `day` (a work day in their zone) was made after
        `since`: it already listed what happened then (overdue, not acknowledged)."""
        clock = self.digest_for(uid)
        cal = self.calendar_for(uid)
        if clock is None or not cal.is_workday(day):
            return False
        return since < datetime.combine(day, clock, tzinfo=cal.tz)


def _before(f: _Facts, due: datetime, uid: int, lead: int, cal: WorkCalendar) -> Due | None:
    task = f.task
    at = due - timedelta(minutes=lead)
    if task.kind == Kind.REMINDER:
        # The reminder itself ("会议即将开始"): said even if set up late.
        return Due(Step.BEFORE, max(at, task.created_at), uid)
    start = max(task.created_at, f.reset or task.created_at)
    when = release(at, cal, f.exempt)
    return Due(Step.BEFORE, when, uid) if at > start and when < due else None


def _nag(f: _Facts, uid: int, since: datetime, cal: WorkCalendar) -> Due | None:
    """The next overdue nag of this person (`since`: when the task became overdue for them).

    The first overdue work day: up to len(gaps) nags, each a gap after the last reminder, as
    long as they fall on that day and the person has not acted since the last reminder; none
    when that day's morning digest already listed the task as overdue. Every later work day:
    the morning digest for a person who gets one, else one nag at work start."""
    first_day = _local_day(cal.next_work_start(since), cal)
    gaps = f.policy.urgent_nag_gaps if f.urgent else f.policy.nag_gaps
    said = [_when(f.sent.get(f"{tag}:{uid}")) for tag in ("due", "nag", "nagday")]
    rounds = [_when(f.sent.get(f"nag{k}:{uid}")) for k in range(1, len(gaps) + 1)]
    told = [m for m in (*said, *rounds) if m is not None and m >= since]
    last = max(told, default=since)
    acted = last_activity(f.task, uid)
    acted = acted if acted is not None and acted >= since else None
    done = sum(1 for m in rounds if m is not None)
    if (
        done < len(gaps)
        and not f.told_by_digest(uid, first_day, since)
        and (acted is None or acted <= last)
        and _local_day(last, cal) <= first_day
    ):
        at = f.grid(cal.add_work_minutes(max(last, since), gaps[done]), cal)
        if cal.is_work_time(at) and _local_day(at, cal) == first_day:
            return Due(Step.NAG, at, uid, round=done + 1)
    if f.digest_for(uid) is not None:
        return None  # every later day: the morning digest says it
    day = max(first_day, _local_day(max(last, acted or last), cal))
    return Due(Step.NAG, _day_start(cal, cal.next_workday(day)), uid)


def _due_streams(f: _Facts, due: datetime, office: WorkCalendar) -> list[Due]:
    """Per open assignee: ahead of the due time, at it, and the overdue nags (`office`: the
    calendar that tells whether the due has a clock time)."""
    task = f.task
    out: list[Due] = []
    lead = lead_minutes(task, office, f.policy)
    changed_while_overdue = f.reset is not None and f.reset >= due
    since = f.reset if changed_while_overdue and f.reset is not None else due
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
            out.append(Due(Step.AT_DUE, release_due(due, cal, f.exempt), uid))
        elif task.kind == Kind.TASK:  # nags follow the due-now message (or a change since)
            nag = _nag(f, uid, since, cal)
            if nag is not None:
                out.append(nag)
    return out


def _escalation(f: _Facts, due: datetime) -> Due | None:
    """The assigner is told of an overdue task (once a work day), if others have it; not on
    a day whose morning digest already told them (nor, then, on any later one)."""
    task = f.task
    if task.kind != Kind.TASK or not [u for u in open_recipients(task) if u != task.assigner]:
        return None
    cal = f.calendar_for(task.assigner)
    anchor = max(due, f.reset) if f.reset is not None else due
    last_esc = _when(f.sent.get(f"esc:{task.assigner}"))
    if last_esc is not None:
        at = next_escalation(last_esc, cal)
    else:
        after = (
            f.policy.urgent_escalate_after
            if f.urgent
            else (f.policy.escalate_after or workday_minutes(cal))
        )
        at = f.grid(release(cal.add_work_minutes(anchor, after), cal, False), cal)
    if f.told_by_digest(task.assigner, _local_day(at, cal), anchor):
        return None
    return Due(Step.ESCALATE, at, task.assigner)


def _ack_streams(f: _Facts) -> list[Due]:
    """Per assignee who has not pressed 收到 (nor done anything): the card again if it is due
    within the next work day, then the assigner told — once each, unless a morning digest
    has told them first."""
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
            at = f.grid(cal.add_work_minutes(anchor, f.policy.ack_resend_after), cal)
            if due_within_next_workday(task.due, at, cal) and not f.told_by_digest(
                uid, _local_day(at, cal), anchor
            ):
                out.append(Due(Step.ACK_RESEND, at, uid))
        if f"ackesc:{uid}" not in f.sent:
            boss = f.calendar_for(task.assigner)
            at = cal.add_work_minutes(anchor, f.policy.ack_escalate_after)
            at = f.grid(release(at, boss, f.exempt), boss)
            if not f.told_by_digest(task.assigner, _local_day(at, boss), anchor):
                out.append(Due(Step.ACK_ESCALATE, at, uid))
    return out


def plan(
    task: Task,
    *,
    calendar: WorkCalendar,
    calendar_for: CalendarFor,
    digest_for: DigestFor = no_digest,
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
        digest_for=digest_for,
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
    task: Task,
    *,
    calendar: WorkCalendar,
    calendar_for: CalendarFor,
    digest_for: DigestFor = no_digest,
    policy: Policy = POLICY,
) -> datetime | None:
    """The earliest moment anything is due for this task (None: nothing ever)."""
    steps = plan(
        task, calendar=calendar, calendar_for=calendar_for, digest_for=digest_for, policy=policy
    )
    return min((d.at for d in steps), default=None)


def due_now(
    task: Task,
    now: datetime,
    *,
    calendar: WorkCalendar,
    calendar_for: CalendarFor,
    digest_for: DigestFor = no_digest,
    policy: Policy = POLICY,
) -> list[Due]:
    """What is due by `now`; each stream fires once even after a long stop (marked late).

    A step overtaken by another firing at the same time for the same person is `silent`:
    the "1 hour before" of a due that has passed too, the card resend when the due-now or
    overdue message (with the same buttons) goes out anyway.
    """
    steps = [
        d
        for d in plan(
            task,
            calendar=calendar,
            calendar_for=calendar_for,
            digest_for=digest_for,
            policy=policy,
        )
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
        said_at = None
        # A day's once-a-day nag is not said on a later day (its digest, or the stop, was
        # that day's word). It is recorded as of the end of yesterday, so today's comes at
        # today's work start (at once when that has passed, as when the digest was turned off).
        if not silent and d.step == Step.NAG and d.round == 0 and d.to is not None:
            said_at = _yesterday_end(d.at, now, calendar_for(d.to))
            silent = said_at is not None
        late = d.step in (Step.BEFORE, Step.AT_DUE) and now - d.at > policy.late_after
        out.append(replace(d, late=late, silent=silent, said_at=said_at))
    return out


def _yesterday_end(at: datetime, now: datetime, cal: WorkCalendar) -> datetime | None:
    """The last moment of the day before `now` (in the person's zone) when `at` falls on an
    earlier day than `now`; else None."""
    today = _local_day(now, cal)
    if _local_day(at, cal) >= today:
        return None
    return datetime.combine(today, time.min, tzinfo=cal.tz) - timedelta(microseconds=1)


def record(task: Task, fired: Iterable[Due], now: datetime, **extra: Any) -> dict[str, Any]:
    """The reminder_state after these steps were said (or silently passed) at `now`."""
    sent = dict(_sent(task))
    for d in fired:
        if d.step != Step.SPAWN:
            sent[d.key] = (d.said_at or now).isoformat()
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
