"""What a digest holds and when it goes (bot/reminders/digest.py), and the weekly summary. Pure, table-driven."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.reminders import digest as rules
from bot.reminders.digest import DigestAsk, DigestCommand, read_digest_command, with_digest
from bot.tasks import rules as task_rules
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
CAL = WorkCalendar()
ME, BOSS, DEPUTY, WANG = 11, 10, 20, 12
TUE_0830 = datetime(2026, 12, 1, 8, 30, tzinfo=SH)

_numbers = iter(range(1, 10_000))


def task(
    *,
    due: datetime | None = None,
    assigner: int = BOSS,
    assignees: tuple[int, ...] = (ME,),
    acked: bool = True,
    priority: Priority = Priority.NORMAL,
    kind: Kind = Kind.TASK,
    status: Status | None = None,
    created: datetime = datetime(2026, 11, 25, 10, tzinfo=SH),
    title: str = "",
) -> Task:
    number = next(_numbers)
    return Task(
        number=number,
        space="g-100",
        chat_id=-100,
        title=title or f"task{number}",
        assigner=assigner,
        assignees=tuple(
            Assignee(user_id=u, acknowledged_at=created if acked else None) for u in assignees
        ),
        created_at=created,
        due=due,
        priority=priority,
        kind=kind,
        status=status or (Status.ACKNOWLEDGED if acked else Status.OPEN),
        events=(TaskEvent(at=created, actor=assigner, action="created"),),
        updated_at=created,
    )


def d(day: int, hour: int = 18, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SH)


# ----- when ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("now", "last_day", "expected"),
    [
        pytest.param(datetime(2026, 12, 1, 7, tzinfo=SH), None, TUE_0830, id="later-today"),
        pytest.param(TUE_0830, None, TUE_0830, id="due-now"),
        pytest.param(
            datetime(2026, 12, 1, 10, tzinfo=SH),
            date(2026, 11, 30),
            TUE_0830,
            id="missed-while-down",
        ),
        pytest.param(
            datetime(2026, 12, 1, 10, tzinfo=SH),
            date(2026, 12, 1),
            datetime(2026, 12, 2, 8, 30, tzinfo=SH),
            id="sent-today-so-tomorrow",
        ),
        pytest.param(
            datetime(2026, 12, 1, 18, 30, tzinfo=SH),
            date(2026, 11, 30),
            datetime(2026, 12, 2, 8, 30, tzinfo=SH),
            id="too-late-today",
        ),
        pytest.param(
            datetime(2026, 12, 4, 9, tzinfo=SH),
            date(2026, 12, 4),
            datetime(2026, 12, 7, 8, 30, tzinfo=SH),
            id="friday-to-monday",
        ),
        pytest.param(
            datetime(2026, 9, 30, 9, tzinfo=SH),
            date(2026, 9, 30),
            datetime(2026, 10, 8, 8, 30, tzinfo=SH),
            id="national-day-skipped",
        ),
        pytest.param(
            datetime(2026, 10, 9, 9, tzinfo=SH),
            date(2026, 10, 9),
            datetime(2026, 10, 10, 8, 30, tzinfo=SH),
            id="make-up-saturday-sent",
        ),
    ],
)
def test_when_the_morning_digest_goes(now, last_day, expected):
    got = rules.next_digest_at(clock=time(8, 30), cal=CAL, last_day=last_day, now=now)
    assert got == expected


def test_no_digest_on_a_public_holiday():
    holiday = date(2026, 10, 1)
    got = rules.next_digest_at(
        clock=time(8, 30), cal=CAL, last_day=None, now=datetime(2026, 10, 1, 8, 0, tzinfo=SH)
    )
    assert got is not None and got.date() != holiday and got.date() == date(2026, 10, 8)


def test_digest_off_never_goes():
    assert rules.next_digest_at(clock=None, cal=CAL, last_day=None, now=TUE_0830) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, time(8, 30)),
        ("", time(8, 30)),
        ("07:45", time(7, 45)),
        ("off", None),
        ("OFF", None),
        ("garbled", time(8, 30)),
    ],
)
def test_digest_clock_of_a_person(value, expected):
    assert rules.digest_clock(value, time(8, 30)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8:30", time(8, 30)),
        ("08:30", time(8, 30)),
        ("0745", time(7, 45)),
        ("7：15", time(7, 15)),
        ("25:00", None),
        ("8", None),
        ("abc", None),
    ],
)
def test_parse_clock(text, expected):
    assert rules.parse_clock(text) == expected


@pytest.mark.parametrize(
    ("zone", "before", "after", "utc_before", "utc_after"),
    [
        pytest.param(BERLIN, date(2026, 3, 27), date(2026, 3, 30), 7, 6, id="berlin-spring"),
        pytest.param(BERLIN, date(2026, 10, 23), date(2026, 10, 26), 6, 7, id="berlin-autumn"),
        pytest.param(NEW_YORK, date(2026, 10, 30), date(2026, 11, 2), 12, 13, id="new-york-autumn"),
        pytest.param(NEW_YORK, date(2026, 3, 6), date(2026, 3, 9), 13, 12, id="new-york-spring"),
    ],
)
def test_the_digest_keeps_its_local_time_across_dst(zone, before, after, utc_before, utc_after):
    cal = WorkCalendar(use_cn=False, tz=zone)
    first = rules.next_digest_at(
        clock=time(8, 30),
        cal=cal,
        last_day=None,
        now=datetime.combine(before, time(7), tzinfo=zone),
    )
    assert first is not None and first.date() == before
    second = rules.next_digest_at(
        clock=time(8, 30), cal=cal, last_day=before, now=first + timedelta(minutes=1)
    )
    assert second is not None and second.date() == after
    utc = ZoneInfo("UTC")
    assert (first.astimezone(utc).hour, second.astimezone(utc).hour) == (utc_before, utc_after)
    assert second.astimezone(zone).time() == time(8, 30)


@pytest.mark.parametrize(
    ("now", "last_week", "expected"),
    [
        pytest.param(d(1, 9), None, d(4, 18), id="friday-evening"),
        pytest.param(d(4, 18), None, d(4, 18), id="due-now"),
        pytest.param(d(5, 10), None, d(4, 18), id="missed-friday-still-on-saturday"),
        pytest.param(d(5, 10), "2026-W49", d(11, 18), id="sent-so-next-week"),
        pytest.param(
            datetime(2026, 9, 28, 9, tzinfo=SH),
            None,
            datetime(2026, 9, 30, 18, tzinfo=SH),
            id="before-national-day-wednesday",
        ),
        pytest.param(
            datetime(2026, 10, 8, 9, tzinfo=SH),
            None,
            datetime(2026, 10, 10, 18, tzinfo=SH),
            id="make-up-saturday-is-last",
        ),
    ],
)
def test_when_the_weekly_summary_goes(now, last_week, expected):
    assert rules.next_week_at(cal=CAL, last_week=last_week, now=now) == expected


# ----- what ---------------------------------------------------------------------------------------
def test_digest_sections_in_order_each_grouped_by_assigner():
    overdue_boss = task(due=d(30, 18, month=11), title="overdue-boss")
    overdue_deputy = task(
        due=d(30, 15, month=11), assigner=DEPUTY, title="overdue-deputy", priority=Priority.URGENT
    )
    today_boss = task(due=d(1, 15), title="today-boss")
    today_mine = task(due=d(1, 11), assigner=ME, title="today-mine")
    unacked = task(acked=False, title="unacked", assigner=DEPUTY)
    soon = task(due=d(3, 10), title="soon")
    later = task(due=d(10, 10), title="later")
    undated = task(title="undated")
    rang = task(due=d(30, 15, month=11), kind=Kind.REMINDER, assigner=ME, title="rang")
    cannot = task(due=d(30, 15, month=11), status=Status.CANNOT, title="cannot")
    done = task_rules.complete(task(due=d(1, 9), title="done"), ME, TUE_0830)
    mine = [
        later,
        soon,
        undated,
        unacked,
        today_mine,
        today_boss,
        overdue_boss,
        overdue_deputy,
        rang,
        cannot,
        done,
    ]
    got = rules.compose_digest(ME, mine=mine, handed=[], now=TUE_0830, tz=SH)
    shape = [
        (s.key, [(g.assigner, [t.title for t in g.tasks]) for g in s.groups]) for s in got.sections
    ]
    assert shape == [
        ("overdue", [(DEPUTY, ["overdue-deputy"]), (BOSS, ["overdue-boss"])]),
        ("today", [(ME, ["today-mine"]), (BOSS, ["today-boss"])]),
        ("unacked", [(DEPUTY, ["unacked"])]),
        ("soon", [(BOSS, ["soon"])]),
    ]
    assert got.undated == 1 and not got.empty


def test_unacknowledged_with_a_due_today_shows_once_under_today():
    t = task(due=d(1, 15), acked=False)
    got = rules.compose_digest(ME, mine=[t], handed=[], now=TUE_0830, tz=SH)
    assert [(s.key, s.count) for s in got.sections] == [("today", 1)]


def test_today_is_the_readers_today():
    # 07:00 Tuesday in Berlin is 14:00 in Beijing; a task due Tue 20:00 Beijing is 13:00 Berlin.
    now = datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN)
    t = task(due=datetime(2026, 12, 2, 2, 0, tzinfo=SH))  # Tue 19:00 Berlin, Wed in Beijing
    in_berlin = rules.compose_digest(ME, mine=[t], handed=[], now=now, tz=BERLIN)
    in_beijing = rules.compose_digest(ME, mine=[t], handed=[], now=now, tz=SH)
    assert [s.key for s in in_berlin.sections] == ["today"]
    assert [s.key for s in in_beijing.sections] == ["soon"]


def test_what_the_reader_handed_out_that_needs_attention():
    waiting = task(assigner=ME, assignees=(WANG,), acked=False, title="waiting")
    late = task(assigner=ME, assignees=(WANG,), due=d(30, 15, month=11), title="late")
    cannot = task(assigner=ME, assignees=(WANG,), status=Status.CANNOT, title="cannot")
    fine = task(assigner=ME, assignees=(WANG,), due=d(4, 15), title="fine")
    own = task(assigner=ME, assignees=(ME,), due=d(30, 15, month=11), acked=False, title="own")
    got = rules.compose_digest(
        ME, mine=[], handed=[waiting, late, cannot, fine, own], now=TUE_0830, tz=SH
    )
    assert [t.title for t in got.handed] == ["late", "waiting", "cannot"]


def test_nothing_to_report_is_empty():
    got = rules.compose_digest(ME, mine=[task(due=d(20, 10))], handed=[], now=TUE_0830, tz=SH)
    assert got.empty and got.sections == ()


def test_the_weekly_summary_holds_what_was_done_this_week_and_what_is_open():
    now = datetime(2026, 12, 4, 18, tzinfo=SH)
    done_tue = task_rules.complete(task(title="tue"), ME, d(1, 10))
    done_thu = task_rules.complete(task(title="thu"), ME, d(3, 10))
    done_last_week = task_rules.complete(task(title="old"), ME, d(27, 10, month=11))
    part = task_rules.complete(task(title="part", assignees=(ME, WANG)), ME, d(2, 10))
    open_urgent = task(title="urgent", priority=Priority.URGENT, due=d(8, 10))
    open_normal = task(title="normal", due=d(7, 10))
    handed_done = task_rules.complete(
        task(title="handed-done", assigner=ME, assignees=(WANG,)), WANG, d(2, 11)
    )
    handed_open = task(title="handed-open", assigner=ME, assignees=(WANG,))
    got = rules.compose_week(
        ME,
        finished=[done_thu, done_tue, done_last_week, handed_done],
        live=[part, open_normal, open_urgent, handed_open],
        now=now,
        tz=SH,
    )
    assert got.start == date(2026, 11, 30)
    assert [t.title for t in got.done] == ["tue", "part", "thu"]
    # Monday 10:00 is within two work hours of Friday 18:00: it comes before urgent Tuesday.
    assert [t.title for t in got.still_open] == ["normal", "urgent"]
    assert (got.handed_done, got.handed_open) == (1, 1)
    assert not got.empty


def test_an_empty_week():
    got = rules.compose_week(ME, finished=[], live=[], now=TUE_0830, tz=SH)
    assert got.empty


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        pytest.param("", DigestCommand(DigestAsk.SHOW), id="nothing-shows-the-setting"),
        pytest.param("now", DigestCommand(DigestAsk.NOW), id="now"),
        pytest.param("现在", DigestCommand(DigestAsk.NOW), id="now-zh"),
        pytest.param("OFF", DigestCommand(DigestAsk.OFF), id="off-any-case"),
        pytest.param("关闭", DigestCommand(DigestAsk.OFF), id="off-zh"),
        pytest.param("开", DigestCommand(DigestAsk.ON), id="on-zh"),
        pytest.param("安静", DigestCommand(DigestAsk.QUIET), id="quiet-zh"),
        pytest.param("loud", DigestCommand(DigestAsk.LOUD), id="loud"),
        pytest.param("7:45", DigestCommand(DigestAsk.AT, time(7, 45)), id="a-time"),
        pytest.param("0900", DigestCommand(DigestAsk.AT, time(9, 0)), id="a-time-no-colon"),
        pytest.param("25:00", None, id="no-such-time"),
        pytest.param("sometimes", None, id="unknown-word"),
    ],
)
def test_what_digest_asks_for(arg, expected):
    assert read_digest_command(arg) == expected


@pytest.mark.parametrize(
    ("command", "digest_time", "quiet"),
    [
        pytest.param(DigestCommand(DigestAsk.OFF), "off", False, id="off"),
        pytest.param(DigestCommand(DigestAsk.ON), None, False, id="on-is-the-default-time"),
        pytest.param(DigestCommand(DigestAsk.QUIET), "07:00", True, id="quiet"),
        pytest.param(DigestCommand(DigestAsk.LOUD), "07:00", False, id="loud"),
        pytest.param(DigestCommand(DigestAsk.AT, time(9, 5)), "09:05", False, id="a-time"),
        pytest.param(DigestCommand(DigestAsk.NOW), "07:00", False, id="now-changes-nothing"),
    ],
)
def test_the_digest_setting_a_command_leaves(command, digest_time, quiet):
    person = Person(user_id=ME, digest_time="07:00", digest_loud=command.ask != DigestAsk.LOUD)
    changed = with_digest(person, command)
    assert (changed.digest_time, changed.digest_quiet) == (digest_time, quiet)
