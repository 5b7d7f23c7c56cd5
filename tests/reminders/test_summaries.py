"""Morning digests and weekly summaries (Summaries): when, what they hold, what is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.people.models import Person
from bot.reminders.store import DigestMarks
from bot.reminders.views import MorningDigest, WeekSummary
from bot.tasks.models import Assignee, Priority
from tests.reminders.world import LEADER, MON_10, ZHANG, World, make_world, sh


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def person(world: World, uid: int = ZHANG) -> Person:
    found = world.db.get_person(uid)
    assert found is not None
    return found


def test_someone_first_seen_mid_morning_is_owed_nothing_from_before(world: World):
    summaries = world.scheduler.summaries
    daily, weekly = summaries.moments(person(world), MON_10)
    assert daily == sh(1, 8, 30)  # Tuesday's, not a late one for Monday
    assert weekly == sh(4, 18)  # Friday, the week's last work day, at its end
    assert summaries.next_moment(person(world), MON_10) == sh(1, 8, 30)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"started": False}, id="never-started"),
        pytest.param({"blocked": True}, id="blocked"),
        pytest.param({"digest_time": "off"}, id="turned-off"),
    ],
)
def test_no_digest_for_whoever_cannot_or_will_not_get_one(world: World, changes):
    p = replace(person(world), **changes)
    assert world.scheduler.summaries.moments(p, MON_10) == (None, None)


def test_the_digest_due_is_queued_and_its_day_recorded_once(world: World):
    summaries = world.scheduler.summaries
    summaries.moments(person(world), MON_10)  # first seen
    marks, entries = summaries.due(person(world), sh(1, 8, 30))
    assert marks == DigestMarks(ZHANG, day=sh(1, 8, 30).date(), week=None)
    assert [(e.template, e.id, e.space) for e in entries] == [
        ("digest", f"digest:{ZHANG}:2026-12-01", f"p{ZHANG}")
    ]
    assert not MorningDigest.from_json(entries[0].params).late
    summaries.commit(marks, entries)
    assert world.store.get_marks(ZHANG) == marks
    assert {e.id for e in world.db.pending_outbox()} == {entries[0].id}
    assert summaries.next_moment(person(world), sh(1, 8, 31)) == sh(2, 8, 30)


def test_unmoved_marks_write_nothing(world: World):
    summaries = world.scheduler.summaries
    summaries.commit(DigestMarks(ZHANG), [])
    assert world.db.spaces() == []


def test_a_digest_sent_well_after_its_time_says_it_is_late(world: World):
    summaries = world.scheduler.summaries
    summaries.moments(person(world), MON_10)
    _, entries = summaries.due(person(world), sh(1, 9, 0))
    assert MorningDigest.from_json(entries[0].params).late


def test_a_quiet_person_with_nothing_gets_nothing_but_the_day_still_counts(world: World):
    quiet = replace(person(world), digest_loud=False)
    summaries = world.scheduler.summaries
    summaries.moments(quiet, MON_10)
    marks, entries = summaries.due(quiet, sh(1, 8, 30))
    assert entries == [] and marks.day == sh(1, 8, 30).date()
    asked = summaries.digest_entry(quiet, sh(1, 8, 30), key="k", force=True)
    assert asked is not None and MorningDigest.from_json(asked.params).empty


def test_the_digest_groups_by_assigner_and_shows_what_the_reader_handed_out(world: World):
    mine = world.put(due=sh(1, 15), priority=Priority.HIGH)
    handed = world.put(
        assigner=ZHANG,
        assignees=(Assignee(user_id=LEADER),),
        due=sh(30, 9),
        title="审批",
    )
    digest = world.scheduler.summaries.digest(person(world), sh(1, 8, 30))
    assert not digest.empty and digest.day == "2026-12-01"
    (today,) = digest.sections
    assert today["key"] == "today" and today["count"] == 1
    (group,) = today["groups"]
    assert group["assigner"] == "李主任" and not group["self"]
    assert group["items"] == [
        {
            "number": mine.number,
            "title": "报送材料",
            "due": sh(1, 15).isoformat(),
            "priority": "high",
            "kind": "task",
        }
    ]
    (item,) = digest.handed
    assert item["number"] == handed.number and item["people"] == [["李主任", "overdue"]]


def test_the_weekly_summary_holds_the_open_tasks(world: World):
    task = world.put(due=sh(7, 15))
    week = world.scheduler.summaries.week(person(world), sh(4, 18))
    assert isinstance(week, WeekSummary) and week.start == "2026-11-30"
    assert [i["number"] for i in week.open] == [task.number] and week.done == []
    assert (week.handed_done, week.handed_open, week.empty) == (0, 0, False)
    leader_week = world.scheduler.summaries.week(person(world, LEADER), sh(4, 18))
    assert (leader_week.handed_open, leader_week.open) == (1, [])


def test_the_weekly_summary_due_on_friday_evening_records_its_week(world: World):
    world.put(due=sh(7, 15))  # something in it
    summaries = world.scheduler.summaries
    summaries.moments(person(world), MON_10)
    marks, entries = summaries.due(person(world), sh(4, 18))
    # The day's digest missed until the work-day end is not sent any more.
    assert [e.template for e in entries] == ["week"]
    assert marks == DigestMarks(ZHANG, day=None, week="2026-W49")
    assert entries[0].id == f"week:{ZHANG}:2026-W49"


def test_a_week_with_nothing_in_it_is_skipped_even_for_a_loud_person_but_counted(world: World):
    summaries = world.scheduler.summaries
    loud = replace(person(world), digest_loud=True)
    summaries.moments(loud, MON_10)
    marks, entries = summaries.due(loud, sh(4, 18))
    assert entries == [] and marks.week == "2026-W49"
    asked = summaries.week_entry(loud, sh(4, 18), key="k", force=True)  # /week
    assert asked is not None and WeekSummary.from_json(asked.params).empty


def test_by_default_an_empty_digest_is_not_sent(world: World):
    """Issue 14: the default is quiet (/digest loud turns "nothing today" back on)."""
    assert Person(user_id=1).digest_quiet
    default = replace(person(world), digest_loud=Person(user_id=1).digest_loud)
    summaries = world.scheduler.summaries
    summaries.moments(default, MON_10)
    marks, entries = summaries.due(default, sh(1, 8, 30))
    assert entries == [] and marks.day == sh(1, 8, 30).date()
