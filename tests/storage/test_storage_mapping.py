"""Every record survives dict and file round trips, aware datetimes and tuples included."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from storage_helpers import NOW, make_entry, make_task
from tinydb.table import Document as TinyDoc

from bot.core.models import Button, OutboxEntry
from bot.people.models import Person, Workspace
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent
from storage import Database, MappingError, mapping

NEW_YORK = ZoneInfo("America/New_York")
KATHMANDU = timezone(timedelta(hours=5, minutes=45))

RECORDS = [
    pytest.param(
        TaskEvent(at=NOW, actor=0, action="reminded", note="n", data={"k": [1]}), id="event"
    ),
    pytest.param(
        Assignee(
            user_id=None, username="bob", acknowledged_at=datetime(2025, 1, 2, tzinfo=NEW_YORK)
        ),
        id="assignee",
    ),
    pytest.param(
        make_task(
            7,
            assignees=(
                Assignee(user_id=2, acknowledged_at=datetime(2025, 7, 1, 8, tzinfo=NEW_YORK)),
                Assignee(username="carol", done_at=datetime(2025, 7, 2, tzinfo=KATHMANDU)),
            ),
            due=datetime(2025, 3, 20, 18, tzinfo=KATHMANDU),
            priority=Priority.URGENT,
            recurrence="FREQ=WEEKLY;BYDAY=MO",
            remind_before=30,
            kind=Kind.REMINDER,
            status=Status.CANNOT,
            source_message_id=99,
            events=(
                TaskEvent(at=NOW, actor=1, action="created"),
                TaskEvent(at=NOW, actor=2, action="cannot", note="busy", data={"why": None}),
            ),
            reminder_state={"nags": 2, "last": "2025-03-14T09:00:00+08:00"},
        ),
        id="task",
    ),
    pytest.param(
        Person(
            user_id=5,
            username="Alice",
            first_name="爱丽丝",
            language="zh",
            telegram_language="en",
            tz="Asia/Shanghai",
            started=True,
            chats=(-100, -200),
            digest_time="09:00",
            digest_loud=True,
            updated_at=datetime(2025, 11, 2, 1, 30, tzinfo=NEW_YORK),
        ),
        id="person",
    ),
    pytest.param(
        Workspace(
            chat_id=-100, title="Ops", members=(1, 2, 3), admins=(1,), language="en", updated_at=NOW
        ),
        id="workspace",
    ),
    pytest.param(
        Button(label_key="btn.done", callback_data="done:7", values={"n": 7}, url=None), id="button"
    ),
    pytest.param(
        make_entry(
            "e1",
            to_user=None,
            to_chat=-100,
            fallback_chat=-100,
            origin_user=1,
            reply_to_message_id=3,
            task_number=7,
            not_before=datetime(2025, 3, 15, 8, tzinfo=KATHMANDU),
            sent_at=NOW,
            sent_chat_id=-100,
            sent_message_id=44,
            failed=None,
            attempts=2,
        ),
        id="outbox",
    ),
]


@pytest.mark.parametrize("record", RECORDS)
def test_every_record_survives_a_json_round_trip(record: object) -> None:
    doc = orjson.loads(orjson.dumps(mapping.to_dict(record)))

    back = mapping.from_dict(type(record), doc)

    assert back == record
    assert type(back) is type(record)


def test_datetimes_keep_their_offset() -> None:
    due = datetime(2025, 3, 9, 1, 30, tzinfo=KATHMANDU)
    back = mapping.from_dict(Task, mapping.to_dict(make_task(1, due=due)))

    assert back.due is not None
    assert back.due == due
    assert back.due.utcoffset() == timedelta(hours=5, minutes=45)


@pytest.mark.parametrize(
    "when",
    [
        pytest.param(datetime(2025, 11, 2, 1, 30, tzinfo=NEW_YORK), id="ambiguous-first"),
        pytest.param(datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=NEW_YORK), id="ambiguous-second"),
        pytest.param(datetime(2025, 7, 1, 12, tzinfo=NEW_YORK), id="summer"),
    ],
)
def test_iana_zones_come_back_as_the_same_zone(when: datetime) -> None:
    back = mapping.dt_from_str(mapping.dt_to_str(when))

    assert back.tzinfo is NEW_YORK
    assert back == when
    assert back.utcoffset() == when.utcoffset()
    # Local arithmetic across the DST change stays local, as with the original.
    assert back + timedelta(days=200) == when + timedelta(days=200)


def test_tuples_come_back_as_tuples() -> None:
    back = mapping.from_dict(Person, mapping.to_dict(Person(user_id=1, chats=(-1, -2))))

    assert back.chats == (-1, -2)
    assert isinstance(back.chats, tuple)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        mapping.to_dict(make_task(1, due=datetime(2025, 1, 1)))


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"when": NOW}, id="datetime"),
        pytest.param({"pair": (1, 2)}, id="tuple"),
        pytest.param({1: "int key"}, id="int-key"),
        pytest.param({"nested": {"set": {1}}}, id="nested-set"),
    ],
)
def test_free_form_values_must_be_json_native(params: dict[object, object]) -> None:
    with pytest.raises(TypeError):
        mapping.to_dict(make_entry("e", params=params))


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param({}, id="empty"),
        pytest.param({**mapping.to_dict(make_task(1)), "number": "1"}, id="number-as-str"),
        pytest.param({**mapping.to_dict(make_task(1)), "status": "lost"}, id="unknown-status"),
        pytest.param(
            {**mapping.to_dict(make_task(1)), "created_at": "2025-01-01T00:00:00"}, id="naive"
        ),
        pytest.param({**mapping.to_dict(make_task(1)), "assignees": [1]}, id="assignee-not-object"),
    ],
)
def test_a_bad_document_is_a_mapping_error(doc: dict[str, object]) -> None:
    with pytest.raises(MappingError):
        mapping.from_dict(Task, doc)


def test_missing_optional_fields_take_their_defaults() -> None:
    doc = {
        "number": 3,
        "space": "p5",
        "chat_id": 5,
        "title": "t",
        "assigner": 5,
        "created_at": NOW.isoformat(),
    }

    task = mapping.from_dict(Task, doc)

    assert task == Task(
        number=3, space="p5", chat_id=5, title="t", assigner=5, assignees=(), created_at=NOW
    )


@dataclass(frozen=True, slots=True)
class Step:
    user_id: int
    note: str = ""


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    title: str
    steps: tuple[Step, ...] = ()
    at: datetime | None = None


def test_a_mapper_writes_rows_leaves_the_doc_id_out_and_keeps_an_order() -> None:
    cards = mapping.RecordMapper(Card, rows=(Step,), doc_id="id", order=("at", "title", "steps"))
    card = Card(id=4, title="t", steps=(Step(1, "a"), Step(2)), at=NOW)

    doc = cards.dump(card)

    assert list(doc) == ["at", "title", "steps"]
    assert doc["steps"] == [[1, "a"], [2, ""]]
    assert cards.load(TinyDoc(doc, doc_id=4)) == card
    # A short row takes its defaults, a longer one's extra values are ignored (as unknown keys).
    short = TinyDoc({"title": "t", "steps": [[3], [4, "b", "later"]]}, doc_id=5)
    assert cards.load(short) == Card(5, "t", (Step(3), Step(4, "b")))


@pytest.mark.parametrize("steps", [[["1"]], [[]], [{"user_id": 1}], ["1"]])
def test_a_bad_row_is_a_mapping_error(steps: list[object]) -> None:
    cards = mapping.RecordMapper(Card, rows=(Step,), doc_id="id")
    with pytest.raises(MappingError):
        cards.load(TinyDoc({"title": "t", "steps": steps}, doc_id=1))


def test_an_order_must_name_each_stored_field_once() -> None:
    with pytest.raises(ValueError, match="order"):
        mapping.RecordMapper(Card, doc_id="id", order=("title", "steps"))


def test_records_survive_a_reopen(db: Database, view: Callable[[Database], Database]) -> None:
    task = RECORDS[2].values[0]
    assert isinstance(task, Task)
    person = RECORDS[3].values[0]
    workspace = RECORDS[4].values[0]
    entry = RECORDS[6].values[0]
    assert isinstance(entry, OutboxEntry)
    with db.transaction("g-100") as tx:
        tx.put_task(task)
        tx.put_outbox(entry)
        tx.put_person(person)  # type: ignore[arg-type]
        tx.put_workspace(workspace)  # type: ignore[arg-type]

    db = view(db)

    assert db.get_task(7) == task
    assert db.get_outbox("e1") == entry
    assert db.get_person(5) == person
    assert db.get_workspace(-100) == workspace


aware = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, KATHMANDU, timezone(timedelta(hours=-9, minutes=-30))]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
tasks = st.builds(
    Task,
    number=st.integers(1, 10**9),
    space=st.sampled_from(["g-100", "p5"]),
    chat_id=st.integers(-(10**13), 10**13),
    title=st.text(),
    assigner=st.integers(0, 10**12),
    assignees=st.lists(
        st.builds(
            Assignee,
            user_id=st.none() | st.integers(1, 10**12),
            username=st.none() | st.text(max_size=8),
            acknowledged_at=st.none() | aware,
            done_at=st.none() | aware,
        ),
        max_size=3,
    ).map(tuple),
    created_at=aware,
    due=st.none() | aware,
    priority=st.sampled_from(Priority),
    recurrence=st.none() | st.text(max_size=10),
    remind_before=st.none() | st.integers(0, 10**5),
    kind=st.sampled_from(Kind),
    status=st.sampled_from(Status),
    source_message_id=st.none() | st.integers(1, 10**9),
    events=st.lists(
        st.builds(
            TaskEvent,
            at=aware,
            actor=st.integers(0, 10**12),
            action=st.text(max_size=8),
            note=st.text(max_size=8),
            data=st.dictionaries(st.text(max_size=4), json_values, max_size=3),
        ),
        max_size=3,
    ).map(tuple),
    reminder_state=st.dictionaries(st.text(max_size=4), json_values, max_size=3),
    updated_at=st.none() | aware,
)


@given(tasks)
def test_any_task_survives_a_json_round_trip(task: Task) -> None:
    doc = orjson.loads(orjson.dumps(mapping.task_to_dict(task)))

    assert mapping.task_from_dict(doc) == task
