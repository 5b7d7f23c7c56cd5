"""Documents as the hand-written mappings of storage/notices.py and storage/directory.py wrote
them (before they moved onto RecordMapper), byte for byte: they load as the same records, and
those records are written back byte-identically, key order included (orjson keeps it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from tinydb.table import Document as TinyDoc

from bot.directory.models import Category, Contact, DocKind, Document, Roster, RosterEntry, Template
from bot.notices.rules import Kind, Notice, NoticeStatus, Outgoing, Recipient
from storage import Database, MappingError
from storage.directory import (
    ContactStore,
    DocumentStore,
    RosterStore,
    TemplateStore,
    contact_from_doc,
    contact_to_dict,
    document_from_doc,
    document_to_dict,
    roster_from_doc,
    roster_to_dict,
    template_from_doc,
    template_to_dict,
)
from storage.notices import NoticeStore, notice_from_dict, notice_to_dict

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 3, 2, 9, 15, tzinfo=SHANGHAI)
FIXED = datetime(2026, 3, 2, 1, 15, 30, tzinfo=timezone(timedelta(hours=8)))

NOTICE = Notice(
    number=12,
    space="g-100",
    chat_id=-100,
    sender=10,
    text="明天上午9点 <b>开会</b> & 带材料",
    created_at=AT,
    recipients=(
        Recipient("张三", 11, "zhangsan", "13800000000", confirmed_at=FIXED),
        Recipient("@new", None, "new"),
    ),
    meeting_at=AT + timedelta(days=1),
    urgent=True,
    interval=15,
    max_resends=0,
    changes=("改到10点", "改回9点"),
    version=3,
    status=NoticeStatus.CANCELLED,
    resends=2,
    next_at=AT + timedelta(minutes=30),
    missing_reported=True,
    meeting_reminded=True,
    queue=(Outgoing(11, Kind.RESEND, 3, 2), Outgoing(12, Kind.NOTICE, 1)),
    changed_at=AT + timedelta(minutes=5),
    cancelled_at=AT + timedelta(minutes=9),
    tracking_chat_id=10,
    tracking_message_id=77,
    group_message_id=78,
    rev=4,
    shown_rev=3,
    updated_at=AT + timedelta(minutes=9),
    thread_id=5,
)
PLAIN_NOTICE = Notice(
    number=1, space="p10", chat_id=10, sender=10, text="x", created_at=FIXED, recipients=()
)
CONTACT = Contact(
    id=7,
    name="李四",
    unit="财政局 办公室",
    phones=("010-1234", "13900000000"),
    email="li@example.cn",
    note="周三不在",
    user_id=21,
    username="lisi",
    added_by=10,
    added_at=AT,
    uses=3,
)
PLAIN_CONTACT = Contact(id=1, name="王五")
ROSTER = Roster(
    name="科长",
    members=(
        RosterEntry("李四", 21, "lisi", contact_id=7, contact_space="g-200"),
        RosterEntry("赵六"),
    ),
    created_by=10,
    created_at=FIXED,
)
DOCUMENT = Document(
    id=3,
    file_id="BQACAgUAAxkBAAI",
    name="通知.docx",
    kind=DocKind.PHOTO,
    mime_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    tags=("会议", "2026"),
    category=Category.NOTICE,
    saved_by=10,
    saved_at=AT,
    file_unique_id="AgADxyz",
)
PLAIN_DOCUMENT = Document(id=4, file_id="f", name="")
TEMPLATE = Template(name="请假", text="因 {事由} 请假 {天数} 天", saved_by=10, saved_at=FIXED)
PLAIN_TEMPLATE = Template(name="空", text="")


# What the hand-written mappings wrote for the records above.
OLD_NOTICE = (
    '{"number":12,"space":"g-100","chat_id":-100,"sender":10,'
    '"text":"明天上午9点 <b>开会</b> & 带材料",'
    '"created_at":"2026-03-02T09:15:00+08:00[Asia/Shanghai]","recipients":[{"name":"张三",'
    '"user_id":11,"username":"zhangsan","phone":"13800000000",'
    '"confirmed_at":"2026-03-02T01:15:30+08:00"},{"name":"@new","user_id":null,'
    '"username":"new","phone":null,"confirmed_at":null}],'
    '"meeting_at":"2026-03-03T09:15:00+08:00[Asia/Shanghai]","urgent":true,"interval":15,'
    '"max_resends":0,"changes":["改到10点","改回9点"],"version":3,"status":"cancelled",'
    '"resends":2,"next_at":"2026-03-02T09:45:00+08:00[Asia/Shanghai]",'
    '"missing_reported":true,"meeting_reminded":true,"queue":[[11,"resend",3,2],[12,'
    '"notice",1,0]],"changed_at":"2026-03-02T09:20:00+08:00[Asia/Shanghai]",'
    '"cancelled_at":"2026-03-02T09:24:00+08:00[Asia/Shanghai]","tracking_chat_id":10,'
    '"tracking_message_id":77,"group_message_id":78,"rev":4,"shown_rev":3,'
    '"updated_at":"2026-03-02T09:24:00+08:00[Asia/Shanghai]","thread_id":5}'
)
OLD_PLAIN_NOTICE = (
    '{"number":1,"space":"p10","chat_id":10,"sender":10,"text":"x",'
    '"created_at":"2026-03-02T01:15:30+08:00","recipients":[],"meeting_at":null,'
    '"urgent":false,"interval":30,"max_resends":3,"changes":[],"version":1,'
    '"status":"open","resends":0,"next_at":null,"missing_reported":false,'
    '"meeting_reminded":false,"queue":[],"changed_at":null,"cancelled_at":null,'
    '"tracking_chat_id":null,"tracking_message_id":null,"group_message_id":null,"rev":0,'
    '"shown_rev":0,"updated_at":null,"thread_id":null}'
)
OLD_CONTACT = (
    '{"name":"李四","unit":"财政局 办公室","phones":["010-1234","13900000000"],'
    '"email":"li@example.cn","note":"周三不在","user_id":21,"username":"lisi","added_by":10,'
    '"added_at":"2026-03-02T09:15:00+08:00[Asia/Shanghai]","uses":3}'
)
OLD_PLAIN_CONTACT = (
    '{"name":"王五","unit":"","phones":[],"email":"","note":"","user_id":null,'
    '"username":null,"added_by":0,"added_at":null,"uses":0}'
)
OLD_ROSTER = (
    '{"name":"科长","members":[{"name":"李四","user_id":21,"username":"lisi","contact_id":7,'
    '"contact_space":"g-200"},{"name":"赵六","user_id":null,"username":null,'
    '"contact_id":null,"contact_space":null}],"created_by":10,'
    '"created_at":"2026-03-02T01:15:30+08:00"}'
)
OLD_DOCUMENT = (
    '{"file_id":"BQACAgUAAxkBAAI","file_unique_id":"AgADxyz","name":"通知.docx",'
    '"kind":"photo",'
    '"mime_type":"application/vnd.openxmlformats-officedocument.wordprocessingml.document",'
    '"tags":["会议","2026"],"category":"通知","saved_by":10,'
    '"saved_at":"2026-03-02T09:15:00+08:00[Asia/Shanghai]"}'
)
OLD_PLAIN_DOCUMENT = (
    '{"file_id":"f","file_unique_id":"","name":"","kind":"document","mime_type":"",'
    '"tags":[],"category":"其他","saved_by":0,"saved_at":null}'
)
OLD_TEMPLATE = (
    '{"name":"请假","text":"因 {事由} 请假 {天数} 天","saved_by":10,'
    '"saved_at":"2026-03-02T01:15:30+08:00"}'
)
OLD_PLAIN_TEMPLATE = '{"name":"空","text":"","saved_by":0,"saved_at":null}'

Load = Callable[[Any], Any]
CASES: list[tuple[str, object, Callable[[Any], dict[str, Any]], Load]] = [
    (OLD_NOTICE, NOTICE, notice_to_dict, notice_from_dict),
    (OLD_PLAIN_NOTICE, PLAIN_NOTICE, notice_to_dict, notice_from_dict),
    (OLD_CONTACT, CONTACT, contact_to_dict, contact_from_doc),
    (OLD_PLAIN_CONTACT, PLAIN_CONTACT, contact_to_dict, contact_from_doc),
    (OLD_ROSTER, ROSTER, roster_to_dict, roster_from_doc),
    (OLD_DOCUMENT, DOCUMENT, document_to_dict, document_from_doc),
    (OLD_PLAIN_DOCUMENT, PLAIN_DOCUMENT, document_to_dict, document_from_doc),
    (OLD_TEMPLATE, TEMPLATE, template_to_dict, template_from_doc),
    (OLD_PLAIN_TEMPLATE, PLAIN_TEMPLATE, template_to_dict, template_from_doc),
]


def stored(old: str, record: object) -> TinyDoc:
    """The document as TinyDB hands it out: contacts and documents carry their id as doc id."""
    doc_id = getattr(record, "id", None) or getattr(record, "number", None) or 1
    return TinyDoc(orjson.loads(old), doc_id=doc_id)


@pytest.mark.parametrize(("old", "record", "dump", "load"), CASES)
def test_an_old_document_loads_and_is_written_back_byte_identically(
    old: str, record: object, dump: Callable[[Any], dict[str, Any]], load: Load
) -> None:
    loaded = load(stored(old, record))

    assert loaded == record
    assert orjson.dumps(dump(loaded)) == old.encode()


def test_a_notice_stored_before_resends_and_topics_were_known_loads_with_the_old_defaults() -> None:
    doc = orjson.loads(OLD_PLAIN_NOTICE)
    for key in ("max_resends", "thread_id", "queue", "rev", "shown_rev", "updated_at"):
        del doc[key]

    assert notice_from_dict(doc) == PLAIN_NOTICE  # max_resends 3, no topic, nothing queued


@pytest.mark.parametrize(
    "queue",
    [[[11, "resend"]], [["11", "resend", 3, 2]], [[11, "later", 3, 2]], [{"user_id": 11}]],
)
def test_a_bad_queued_row_is_a_mapping_error(queue: list[object]) -> None:
    doc = orjson.loads(OLD_NOTICE)
    doc["queue"] = queue

    with pytest.raises(MappingError):
        notice_from_dict(doc)


def test_a_contact_needs_its_doc_id() -> None:
    with pytest.raises(MappingError, match="doc_id"):
        contact_from_doc(orjson.loads(OLD_CONTACT))


def test_old_shard_tables_load_and_are_rewritten_byte_identically(tmp_path: Any) -> None:
    data = tmp_path / "data"
    space = "g-100"
    with Database(data) as db, db.transaction(space) as tx:  # as the old stores wrote them
        tx.table("notices").insert(stored(OLD_NOTICE, NOTICE))
        tx.table("contacts").insert(stored(OLD_CONTACT, CONTACT))
        tx.table("documents").insert(stored(OLD_DOCUMENT, DOCUMENT))
        tx.table("rosters").insert(orjson.loads(OLD_ROSTER))
        tx.table("templates").insert(orjson.loads(OLD_TEMPLATE))
    shard = data / "spaces" / f"{space}.json"
    tables = ("notices", "contacts", "documents", "rosters", "templates")
    before = {t: orjson.dumps(orjson.loads(shard.read_bytes())[t]) for t in tables}

    with Database(data) as db:
        notices, contacts = NoticeStore(db), ContactStore(db)
        documents, rosters, templates = DocumentStore(db), RosterStore(db), TemplateStore(db)
        assert notices.get(NOTICE.number) == NOTICE
        assert contacts.list(space) == [CONTACT]
        assert documents.list(space) == [DOCUMENT]
        assert rosters.list(space) == [ROSTER]
        assert templates.list(space) == [TEMPLATE]
        with db.transaction(space) as tx:
            notices.put(tx, NOTICE)
            contacts.update(tx, CONTACT)
            documents.update(tx, DOCUMENT)
            rosters.put(tx, ROSTER)
            templates.put(tx, TEMPLATE)

    after = {t: orjson.dumps(orjson.loads(shard.read_bytes())[t]) for t in tables}
    assert after == before
