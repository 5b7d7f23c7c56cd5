"""The collection store against a real data directory: mapping both ways, the indexes, one
write per change, and what comes back after a restart."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
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
from storage.engine import dumps, loads
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


# What the hand-written mapping wrote before storage.mapping's RecordMapper took its place (the
# bytes captured from it): a collection with every field set, and a bare one.
_ZHANG = replace(
    C.members[0],
    items=(
        *C.members[0].items,
        Item(
            ItemKind.PHOTO,
            datetime(2026, 11, 30, 11, tzinfo=timezone(timedelta(hours=8))),
            file_id="P1",
        ),
        Item(ItemKind.TEXT, NOW, "本周完成"),
    ),
    reminded=2,
)
_LI = Member(
    "李四",
    12,
    "li",
    state=MemberState.DECLINED,
    answered_at=NOW,
    reason="出差",
    chat_id=12,
    message_ids=(6,),
)
FULL = replace(
    C,
    members=(_ZHANG, _LI, *C.members[1:]),
    round=3,
    closed_at=datetime(2026, 12, 4, 18, 0, 1, tzinfo=SH),
    next_number=8,
)
BARE = Collection(
    2, "p10", 10, 10, "t", NOW, datetime(2026, 12, 1, 9, tzinfo=SH), (Member("王五"),)
)
OLD_FULL = (
    '{"number":1,"space":"g-100","chat_id":-100,"sender":10,"title":"交总结",'
    '"created_at":"2026-11-30T10:00:00+08:00[Asia/Shanghai]",'
    '"due":"2026-12-04T18:00:00+08:00[Asia/Shanghai]","members":[{"name":"张三",'
    '"user_id":11,"username":"zhang","phone":"138","state":"submitted",'
    '"items":[{"kind":"document","at":"2026-11-30T10:00:00+08:00[Asia/Shanghai]",'
    '"text":"见附件","file_id":"F1","file_name":"a.docx"},{"kind":"photo",'
    '"at":"2026-11-30T11:00:00+08:00","text":"","file_id":"P1","file_name":null},'
    '{"kind":"text","at":"2026-11-30T10:00:00+08:00[Asia/Shanghai]","text":"本周完成",'
    '"file_id":null,"file_name":null}],'
    '"answered_at":"2026-11-30T10:00:00+08:00[Asia/Shanghai]","late":true,'
    '"reason":"","chat_id":11,"message_ids":[5,9],"reminded":2},{"name":"李四",'
    '"user_id":12,"username":"li","phone":null,"state":"declined","items":[],'
    '"answered_at":"2026-11-30T10:00:00+08:00[Asia/Shanghai]","late":false,'
    '"reason":"出差","chat_id":12,"message_ids":[6],"reminded":0},{"name":"@qian",'
    '"user_id":null,"username":"qian","phone":null,"state":"waiting","items":[],'
    '"answered_at":null,"late":false,"reason":"","chat_id":null,"message_ids":[],'
    '"reminded":0}],"targets":["#科长","@qian"],"recurrence":"FREQ=WEEKLY;BYDAY=FR",'
    '"first_due":"2026-12-04T18:00:00+08:00[Asia/Shanghai]","round":3,'
    '"status":"closed","closed_at":"2026-12-04T18:00:01+08:00[Asia/Shanghai]",'
    '"bundled":true,"bundle_entry":"c1:bundle:1","reminders":["morning"],'
    '"forwards":[["11",0,"c1:bundle:1"]],'
    '"next_at":"2026-12-07T10:00:00+08:00[Asia/Shanghai]","next_number":8,'
    '"tracking_chat_id":10,"tracking_message_id":3,"rev":4,"shown_rev":2,'
    '"updated_at":"2026-11-30T10:00:00+08:00[Asia/Shanghai]"}'
).encode()
OLD_BARE = (
    '{"number":2,"space":"p10","chat_id":10,"sender":10,"title":"t",'
    '"created_at":"2026-11-30T10:00:00+08:00[Asia/Shanghai]",'
    '"due":"2026-12-01T09:00:00+08:00[Asia/Shanghai]","members":[{"name":"王五",'
    '"user_id":null,"username":null,"phone":null,"state":"waiting","items":[],'
    '"answered_at":null,"late":false,"reason":"","chat_id":null,"message_ids":[],'
    '"reminded":0}],"targets":[],"recurrence":null,"first_due":null,"round":1,'
    '"status":"open","closed_at":null,"bundled":false,"bundle_entry":null,'
    '"reminders":[],"forwards":[],"next_at":null,"next_number":null,'
    '"tracking_chat_id":null,"tracking_message_id":null,"rev":0,"shown_rev":0,'
    '"updated_at":null}'
).encode()


@pytest.mark.parametrize(
    ("old", "record"), [(OLD_FULL, FULL), (OLD_BARE, BARE)], ids=["full", "bare"]
)
def test_a_document_the_old_mapping_wrote_reads_back_and_is_written_the_same(
    old: bytes, record: Collection
) -> None:
    loaded = collection_from_dict(loads(old))
    assert loaded == record
    assert dumps(collection_to_dict(loaded)) == old


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
