"""Joins and leaves seen in updates drop what was kept of that membership (handlers/people.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from telegram import Update

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.people.service import PeopleService
from handlers.people import note_joins_and_leaves
from storage import Database

START = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GROUP = -100100
CHAT = {"id": GROUP, "type": "supergroup", "title": "办公室"}


def _user(user_id: int) -> dict[str, object]:
    return {"id": user_id, "is_bot": False, "first_name": f"u{user_id}"}


@pytest.fixture
def people(tmp_path):
    clock = ManualClock(START)
    with Database(tmp_path / "data", clock=clock) as db:
        service = PeopleService(
            db, clock, Settings(), bind_person=lambda _p: [], person_changed=lambda _u: None
        )
        for user_id in (11, 12, 13):
            service.membership.put(GROUP, user_id, True)
        yield service


def _kept(people: PeopleService) -> dict[int, bool | None]:
    return {u: people.membership.get(GROUP, u) for u in (11, 12, 13)}


@pytest.mark.parametrize(
    ("update", "dropped"),
    [
        pytest.param(
            {
                "update_id": 1,
                "chat_member": {
                    "chat": CHAT,
                    "from": _user(10),
                    "date": 0,
                    "old_chat_member": {"status": "member", "user": _user(11)},
                    "new_chat_member": {"status": "left", "user": _user(11)},
                },
            },
            {11},
            id="chat-member",
        ),
        pytest.param(
            {
                "update_id": 2,
                "message": {
                    "message_id": 5,
                    "date": 0,
                    "chat": CHAT,
                    "from": _user(12),
                    "left_chat_member": _user(12),
                },
            },
            {12},
            id="left",
        ),
        pytest.param(
            {
                "update_id": 3,
                "message": {
                    "message_id": 6,
                    "date": 0,
                    "chat": CHAT,
                    "from": _user(10),
                    "new_chat_members": [_user(12), _user(13)],
                },
            },
            {12, 13},
            id="joined",
        ),
    ],
)
def test_a_join_or_leave_drops_the_kept_answer(people, update, dropped):
    note_joins_and_leaves(Update.de_json(update, None), people)
    assert _kept(people) == {u: None if u in dropped else True for u in (11, 12, 13)}


def test_other_messages_change_nothing(people):
    update = {
        "update_id": 4,
        "message": {"message_id": 7, "date": 0, "chat": CHAT, "from": _user(11), "text": "大家好"},
    }
    note_joins_and_leaves(Update.de_json(update, None), people)
    assert _kept(people) == {11: True, 12: True, 13: True}
