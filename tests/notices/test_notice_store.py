"""The notice store against a real data directory: round trip, numbers, restart, rollback."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.workdays import WorkCalendar
from bot.notices import rules
from bot.notices.rules import Kind, Notice, NoticeStatus, Outgoing, Recipient
from storage import Database
from storage.notices import NoticeStore, notice_from_dict, notice_to_dict

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)


def _notice(number: int, space: str = "g-100") -> Notice:
    return Notice(
        number=number,
        space=space,
        chat_id=-100 if space.startswith("g") else 10,
        sender=10,
        text="明天上午9点 <b>开会</b> & 带材料",
        created_at=NOW,
        recipients=(
            Recipient("张三", 11, "zhangsan", "138", confirmed_at=NOW + timedelta(minutes=1)),
            Recipient("@new", None, "new"),
        ),
        meeting_at=NOW + timedelta(hours=23),
        queue=(Outgoing(11, Kind.RESEND, 1, 2),),
        next_at=NOW + timedelta(minutes=30),
        tracking_chat_id=10,
        tracking_message_id=77,
    )


def test_a_notice_round_trips_through_its_dict():
    notice = replace(_notice(1), status=NoticeStatus.CANCELLED, cancelled_at=NOW, rev=3)
    assert notice_from_dict(notice_to_dict(notice)) == notice


@pytest.fixture
def db(tmp_path):
    with Database(tmp_path / "data") as database:
        yield database


def test_numbers_are_global_and_survive_a_reopen(tmp_path):
    data = tmp_path / "data"
    with Database(data) as db:
        store = NoticeStore(db)
        for space in ("g-100", "p10", "g-100"):
            notice = _notice(store.next_number(), space)
            with db.transaction(space) as tx:
                store.put(tx, notice)
    with Database(data) as db:
        store = NoticeStore(db)
        assert [n.number for n in store.all()] == [1, 3, 2]  # by space, then number
        assert store.next_number() == 4
        got = store.get(2)
        assert got is not None and got.space == "p10" and got == _notice(2, "p10")
        assert [n.number for n in store.active()] == [1, 2, 3]


def test_a_failed_transaction_leaves_no_notice(db):
    store = NoticeStore(db)

    def crash() -> None:
        with db.transaction("g-100") as tx:
            store.put(tx, _notice(store.next_number()))
            raise RuntimeError("crash before the commit")

    with pytest.raises(RuntimeError):
        crash()
    assert store.get(1) is None
    assert store.active() == []


def test_finished_notices_leave_the_active_set(db):
    store = NoticeStore(db)
    cal = WorkCalendar()
    notice = rules.initial(_notice(store.next_number()), NOW, cal)
    with db.transaction("g-100") as tx:
        store.put(tx, notice)
    assert [n.number for n in store.active()] == [1]
    done = replace(
        notice,
        queue=(),
        meeting_reminded=True,
        recipients=tuple(replace(r, confirmed_at=NOW) for r in notice.recipients),
    )
    with db.transaction("g-100") as tx:
        store.put(tx, done)
    assert store.active() == []


def test_put_refuses_another_space(db):
    store = NoticeStore(db)
    with pytest.raises(ValueError), db.transaction("g-1") as tx:
        store.put(tx, _notice(1, "g-100"))
