"""The index of next moments: planned again, stale entries skipped, taken off when due."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.reminders.index import DueIndex

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 30, 10, tzinfo=SH)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_due_keys_come_off_earliest_first_and_the_rest_stay():
    index = DueIndex()
    index.plan(1, at(30))
    index.plan(2, at(10))
    index.plan(3, at(60))
    assert index.pop_due(at(30).timestamp()) == [2, 1]
    assert len(index) == 1 and 3 in index
    assert index.first(SH) == at(60)


def test_a_key_planned_again_counts_only_at_its_new_moment():
    index = DueIndex()
    index.plan(1, at(10))
    index.plan(1, at(50))
    assert index.pop_due(at(20).timestamp()) == []
    assert index.first(SH) == at(50)
    assert index.pop_due(at(50).timestamp()) == [1]
    assert index.first(SH) is None


def test_nothing_to_come_and_discard_take_a_key_out():
    index = DueIndex()
    index.plan(1, at(10))
    index.plan(2, at(20))
    index.plan(1, None)
    index.discard(2)
    assert len(index) == 0
    assert index.pop_due(at(60).timestamp()) == []


def test_at_most_so_many_come_off_at_once():
    index = DueIndex()
    for key in range(5):
        index.plan(key, at(key))
    assert index.pop_due(at(10).timestamp(), most=2) == [0, 1]
    assert index.pop_due(at(10).timestamp(), most=2) == [2, 3]
    assert index.pop_due(at(10).timestamp()) == [4]


def test_put_sets_a_moment_again_even_when_it_is_the_same():
    index = DueIndex()
    index.plan(7, at(5))
    assert index.pop_due(at(5).timestamp()) == [7]
    index.put(7, at(5).timestamp())  # a retry of the same moment
    assert index.pop_due(at(5).timestamp()) == [7]


def test_the_first_moment_is_given_in_the_asked_zone():
    index = DueIndex()
    index.plan(1, at(0))
    berlin = ZoneInfo("Europe/Berlin")
    first = index.first(berlin)
    assert first == at(0) and first is not None and first.tzinfo == berlin
