"""PeopleService against a real data directory: settings are one write each and replan the
digests; Telegram's stand-ins are never stored; membership answers are kept and dropped."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.people.models import Person
from bot.people.rules import ANONYMOUS_ADMIN_ID
from bot.people.service import PeopleService, SeenChat, SeenUser, SettingRefused
from storage import Database

START = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GROUP, ZHANG = -100100, 11


class World:
    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.db = db
        self.clock = clock
        self.changed: list[int] = []
        self.people = PeopleService(
            db, clock, Settings(), bind_person=lambda _p: [], person_changed=self.changed.append
        )


@pytest.fixture
def world(tmp_path):
    clock = ManualClock(START)
    with Database(tmp_path / "data", clock=clock) as db:
        db.put_person(Person(user_id=ZHANG, first_name="张三", telegram_language="zh-hans"))
        yield World(db, clock)


def test_language_zone_and_digest_are_stored_and_replan_the_digests(world):
    people = world.people
    world.clock.advance(timedelta(minutes=5))
    assert people.set_language(ZHANG, "en").language == "en"
    assert people.set_zone(ZHANG, "纽约").tz == "America/New_York"
    assert people.set_digest_time(ZHANG, "0800").digest_time == "08:00"
    stored = world.db.get_person(ZHANG)
    assert stored is not None
    assert (stored.language, stored.tz, stored.digest_time) == ("en", "America/New_York", "08:00")
    assert stored.updated_at == START + timedelta(minutes=5)
    assert world.changed == [ZHANG, ZHANG, ZHANG]


def test_an_unknown_language_keeps_the_one_they_read(world):
    assert world.people.set_language(ZHANG, "klingon").language == "zh"


@pytest.mark.parametrize(
    ("call", "key"),
    [
        pytest.param(lambda p: p.set_zone(ZHANG, "Mars/Olympus"), "settings.tz_unknown", id="zone"),
        pytest.param(lambda p: p.set_digest_time(ZHANG, "早上"), "reminders.digest_bad", id="time"),
    ],
)
def test_unreadable_settings_are_refused_and_nothing_is_written(world, call, key):
    with pytest.raises(SettingRefused) as refused:
        call(world.people)
    assert refused.value.key == key
    assert world.db.get_person(ZHANG).updated_at is None
    assert world.changed == []


def test_digest_off_and_quiet(world):
    people = world.people
    assert people.set_digest_time(ZHANG, "关闭").digest_time == "off"
    assert people.set_digest_quiet(ZHANG, True).digest_quiet
    assert people.set_digest_quiet(ZHANG, True).digest_quiet  # pressed twice: still quiet
    assert not people.set_digest_quiet(ZHANG, None).digest_quiet  # an old toggle button


def test_a_stranger_gets_a_blank_person_and_a_group_its_language(world):
    assert world.people.person(99) == Person(user_id=99)
    ws = world.people.set_group_language(GROUP, "办公室", "en")
    assert (ws.language, ws.title) == ("en", "办公室")
    assert world.db.get_workspace(GROUP).language == "en"


def test_telegrams_stand_in_is_never_stored(world):
    stand_in = SeenUser(ANONYMOUS_ADMIN_ID, "GroupAnonymousBot", "Group", is_bot=True)
    chat = SeenChat(GROUP, private=False, title="办公室")
    assert world.people.track(stand_in, chat, has_message=True) is None
    zhang = SeenUser(ZHANG, "zhangsan", "张三")
    tracked = world.people.track(zhang, chat, has_message=True, others=[stand_in])
    assert tracked is not None and tracked.person.chats == (GROUP,)
    assert world.db.get_person(ANONYMOUS_ADMIN_ID) is None
    assert world.db.get_workspace(GROUP).members == (ZHANG,)


async def test_membership_is_kept_until_someone_joins_or_leaves(world):
    asked: list[int] = []

    async def telegram(_chat_id: int, user_id: int) -> bool | None:
        asked.append(user_id)
        return True

    people = world.people
    assert await people.is_member(GROUP, ZHANG, telegram)
    assert await people.is_member(GROUP, ZHANG, telegram)
    assert asked == [ZHANG]
    people.membership_changed(GROUP, [ZHANG])
    assert await people.is_member(GROUP, ZHANG, telegram)
    assert asked == [ZHANG, ZHANG]
