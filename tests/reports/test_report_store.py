"""The collection store against a real data directory: mapping both ways, the indexes, one
write per change, and what comes back after a restart."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.outbox import new_entry
from bot.core.render import Text
from bot.reports.models import (
    Collection,
    Forward,
    Item,
    ItemKind,
    Member,
    MemberState,
    OwedChart,
    Status,
)
from storage import Database
from storage.reports import CollectionStore, collection_from_dict, collection_to_dict

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, tzinfo=SH)
C = Collection(
    number=1,
    space="g-100",
    chat_id=-100,
    sender=10,
    title="交总结",
    created_at=NOW,
    due=datetime(2026, 12, 4, 18, tzinfo=SH),
    members=(
        Member(
            "张三",
            11,
            "zhang",
            "138",
            MemberState.SUBMITTED,
            items=(Item(ItemKind.DOCUMENT, NOW, "见附件", "F1", "a.docx"),),
            answered_at=NOW,
            late=True,
            chat_id=11,
            message_ids=(5, 9),
            reminded=1,
        ),
        Member("@qian", username="qian"),
    ),
    targets=("#科长", "@qian"),
    recurrence="FREQ=WEEKLY;BYDAY=FR",
    first_due=datetime(2026, 12, 4, 18, tzinfo=SH),
    status=Status.CLOSED,
    bundled=True,
    bundle_entry="c1:bundle:1",
    reminders=("morning",),
    forwards=(Forward("11", 0, "c1:bundle:1"),),
    next_at=datetime(2026, 12, 7, 10, tzinfo=SH),
    tracking_chat_id=10,
    tracking_message_id=3,
    rev=4,
    shown_rev=2,
    updated_at=NOW,
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "data", clock=ManualClock(NOW))
    database.open()
    try:
        yield database
    finally:
        database.close()


def _reopened(db: Database, tmp_path: Path) -> Database:
    db.close()
    again = Database(tmp_path / "data", clock=ManualClock(NOW))
    again.open()
    return again


def test_a_collection_maps_both_ways() -> None:
    assert collection_from_dict(collection_to_dict(C)) == C


def test_a_collection_and_its_entries_are_one_write_and_come_back(
    db: Database, tmp_path: Path
) -> None:
    store = CollectionStore(db)
    entry = new_entry(
        space="p10", now=NOW, message=Text("reports.stale_button"), to_user=10, key="k"
    )
    store.save([C], [entry], update_id=77)
    assert db.applied(77) and db.get_outbox("k") is not None
    again = _reopened(db, tmp_path)
    try:
        store = CollectionStore(again)
        assert store.get(1) == C
        assert store.next_number() == 2
        assert [c.number for c in store.active()] == [1]  # files to pass, a stale tracking
        assert [c.number for c in store.of_sender(10)] == [1]
        assert [c.number for c in store.asking(11)] == [1]
        assert store.by_request(11, 9) == C and store.by_request(11, 6) is None
        assert store.by_request(12, 9) is None
    finally:
        again.close()


def test_a_collection_without_work_leaves_the_active_list(db: Database) -> None:
    store = CollectionStore(db)
    store.save([C])
    store.save([replace(C, forwards=(), shown_rev=4, next_at=None)])
    assert store.active() == []
    assert store.get(1) is not None


def test_one_write_holds_one_space(db: Database) -> None:
    store = CollectionStore(db)
    with pytest.raises(ValueError, match="share a space"):
        store.save([C, replace(C, number=2, space="p10")])


def test_a_failed_write_changes_nothing(db: Database) -> None:
    store = CollectionStore(db)
    bad = new_entry(space="p10", now=NOW, message=Text("x", {"at": NOW}), to_user=10)  # not JSON
    with pytest.raises(Exception):  # noqa: B017 - whatever the mapping raises
        store.save([C], [bad])
    assert CollectionStore(db).get(1) is None


def test_owed_charts_are_kept_until_sent(db: Database, tmp_path: Path) -> None:
    store = CollectionStore(db)
    owed = OwedChart("week:11:2026-W49", 11, 11)
    store.owe_chart(owed)
    store.owe_chart(owed)
    again = _reopened(db, tmp_path)
    try:
        store = CollectionStore(again)
        assert store.owed_charts() == [owed]
        store.chart_sent(owed)
        assert CollectionStore(again).owed_charts() == []
    finally:
        again.close()
