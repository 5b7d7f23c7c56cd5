"""Collections written by the hand-written mapping that came before storage.mapping's
RecordMapper (the bytes below are what it wrote, captured before it went) read back equal and
are written again byte for byte."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.reports.models import Collection, Forward, Item, ItemKind, Member, MemberState, Status
from storage.engine import dumps, loads
from storage.reports import collection_from_dict, collection_to_dict

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, tzinfo=SH)
UTC8 = timezone(timedelta(hours=8))
FULL = Collection(
    number=7,
    space="g-100",
    chat_id=-100,
    sender=10,
    title='交总结 "周报"',
    created_at=NOW,
    due=datetime(2026, 12, 4, 18, tzinfo=SH),
    members=(
        Member(
            "张三",
            11,
            "zhang",
            "138",
            MemberState.SUBMITTED,
            items=(
                Item(ItemKind.DOCUMENT, NOW, "见附件", "F1", "a.docx"),
                Item(ItemKind.PHOTO, datetime(2026, 11, 30, 11, tzinfo=UTC8), "", "P1", None),
                Item(ItemKind.TEXT, NOW, "本周完成"),
            ),
            answered_at=NOW,
            late=True,
            reason="",
            chat_id=11,
            message_ids=(5, 9),
            reminded=2,
        ),
        Member(
            "李四",
            12,
            "li",
            None,
            MemberState.DECLINED,
            answered_at=NOW,
            reason="出差",
            chat_id=12,
            message_ids=(6,),
        ),
        Member("@qian", username="qian"),
    ),
    targets=("#科长", "@qian"),
    recurrence="FREQ=WEEKLY;BYDAY=FR",
    first_due=datetime(2026, 12, 4, 18, tzinfo=SH),
    round=3,
    status=Status.CLOSED,
    closed_at=datetime(2026, 12, 4, 18, 0, 1, tzinfo=SH),
    bundled=True,
    bundle_entry="c7:bundle:3",
    reminders=("morning", "hour"),
    forwards=(Forward("11", 0, "c7:bundle:3"), Forward("11", 1, "c7:bundle:3")),
    next_at=datetime(2026, 12, 7, 10, tzinfo=SH),
    next_number=8,
    tracking_chat_id=10,
    tracking_message_id=3,
    rev=4,
    shown_rev=2,
    updated_at=NOW,
)
BARE = Collection(
    number=1,
    space="p10",
    chat_id=10,
    sender=10,
    title="t",
    created_at=NOW,
    due=datetime(2026, 12, 1, 9, tzinfo=SH),
    members=(Member("王五"),),
)

OLD_FULL = (
    '{"number":7,"space":"g-100","chat_id":-100,"sender":10,"title":"交总结 \\"周报\\"","created_at":"'
    '2026-11-30T10:00:00+08:00[Asia/Shanghai]","due":"2026-12-04T18:00:00+08:00[Asia/Shanghai]"'
    ',"members":[{"name":"张三","user_id":11,"username":"zhang","phone":"138","state":"submitted"'
    ',"items":[{"kind":"document","at":"2026-11-30T10:00:00+08:00[Asia/Shanghai]","text":"见附件",'
    '"file_id":"F1","file_name":"a.docx"},{"kind":"photo","at":"2026-11-30T11:00:00+08:00","tex'
    't":"","file_id":"P1","file_name":null},{"kind":"text","at":"2026-11-30T10:00:00+08:00[Asia'
    '/Shanghai]","text":"本周完成","file_id":null,"file_name":null}],"answered_at":"2026-11-30T10:0'
    '0:00+08:00[Asia/Shanghai]","late":true,"reason":"","chat_id":11,"message_ids":[5,9],"remin'
    'ded":2},{"name":"李四","user_id":12,"username":"li","phone":null,"state":"declined","items":'
    '[],"answered_at":"2026-11-30T10:00:00+08:00[Asia/Shanghai]","late":false,"reason":"出差","ch'
    'at_id":12,"message_ids":[6],"reminded":0},{"name":"@qian","user_id":null,"username":"qian"'
    ',"phone":null,"state":"waiting","items":[],"answered_at":null,"late":false,"reason":"","ch'
    'at_id":null,"message_ids":[],"reminded":0}],"targets":["#科长","@qian"],"recurrence":"FREQ=W'
    'EEKLY;BYDAY=FR","first_due":"2026-12-04T18:00:00+08:00[Asia/Shanghai]","round":3,"status":'
    '"closed","closed_at":"2026-12-04T18:00:01+08:00[Asia/Shanghai]","bundled":true,"bundle_ent'
    'ry":"c7:bundle:3","reminders":["morning","hour"],"forwards":[["11",0,"c7:bundle:3"],["11",'
    '1,"c7:bundle:3"]],"next_at":"2026-12-07T10:00:00+08:00[Asia/Shanghai]","next_number":8,"tr'
    'acking_chat_id":10,"tracking_message_id":3,"rev":4,"shown_rev":2,"updated_at":"2026-11-30T'
    '10:00:00+08:00[Asia/Shanghai]"}'
).encode()

OLD_BARE = (
    '{"number":1,"space":"p10","chat_id":10,"sender":10,"title":"t","created_at":"2026-11-30T10'
    ':00:00+08:00[Asia/Shanghai]","due":"2026-12-01T09:00:00+08:00[Asia/Shanghai]","members":[{'
    '"name":"王五","user_id":null,"username":null,"phone":null,"state":"waiting","items":[],"answ'
    'ered_at":null,"late":false,"reason":"","chat_id":null,"message_ids":[],"reminded":0}],"tar'
    'gets":[],"recurrence":null,"first_due":null,"round":1,"status":"open","closed_at":null,"bu'
    'ndled":false,"bundle_entry":null,"reminders":[],"forwards":[],"next_at":null,"next_number"'
    ':null,"tracking_chat_id":null,"tracking_message_id":null,"rev":0,"shown_rev":0,"updated_at'
    '":null}'
).encode()


@pytest.mark.parametrize(
    ("old", "record"), [(OLD_FULL, FULL), (OLD_BARE, BARE)], ids=["full", "bare"]
)
def test_a_document_the_old_mapping_wrote_reads_back_and_is_written_the_same(old, record):
    loaded = collection_from_dict(loads(old))
    assert loaded == record
    assert dumps(collection_to_dict(loaded)) == old
