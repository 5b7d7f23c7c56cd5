"""Who is a person, who is in a group, what a typed setting says (pure)."""

import pytest

from bot.people.choices import read_digest_time, resolve_zone, setting_named
from bot.people.rules import (
    ANONYMOUS_ADMIN_ID,
    CHANNEL_BOT_ID,
    TELEGRAM_SERVICE_ID,
    asks_the_bot,
    counts_as_member,
    is_stand_in,
    sent_as_chat,
)


@pytest.mark.parametrize("user_id", [ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID, TELEGRAM_SERVICE_ID])
def test_telegrams_stand_ins_are_not_people(user_id):
    assert is_stand_in(user_id)


@pytest.mark.parametrize(
    ("from_id", "sender_chat_id", "group", "expected"),
    [
        pytest.param(ANONYMOUS_ADMIN_ID, -100100, True, True, id="anonymous-admin"),
        pytest.param(CHANNEL_BOT_ID, -100777, True, True, id="channel"),
        pytest.param(None, -100100, True, True, id="no-from"),
        pytest.param(ANONYMOUS_ADMIN_ID, None, True, True, id="stand-in-without-chat"),
        pytest.param(11, None, True, False, id="a-person"),
        pytest.param(11, None, False, False, id="private"),
    ],
)
def test_a_message_sent_as_a_chat(from_id, sender_chat_id, group, expected):
    assert sent_as_chat(from_id=from_id, sender_chat_id=sender_chat_id, group=group) is expected


@pytest.mark.parametrize(
    ("text", "replies", "expected"),
    [
        pytest.param("/done #1", False, True, id="command"),
        pytest.param("/done@OfficeBot #1", False, True, id="command-to-us"),
        pytest.param("/done@other_bot #1", False, False, id="command-to-another-bot"),
        pytest.param("@officebot 明天开会", False, True, id="mention"),
        pytest.param("好的", True, True, id="reply-to-us"),
        pytest.param("大家好", False, False, id="chatter"),
        pytest.param("/", False, False, id="a-slash"),
    ],
)
def test_what_is_meant_for_the_bot(text, replies, expected):
    assert asks_the_bot(text, bot_username="officebot", replies_to_bot=replies) is expected


@pytest.mark.parametrize(
    ("status", "is_member", "expected"),
    [
        ("member", False, True),
        ("administrator", False, True),
        ("creator", False, True),
        ("restricted", True, True),
        ("restricted", False, False),
        ("left", False, False),
        ("kicked", False, False),
    ],
)
def test_who_counts_as_a_member(status, is_member, expected):
    assert counts_as_member(status, is_member=is_member) is expected


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("europe/berlin", "Europe/Berlin"),
        (" America/New York ", "America/New_York"),
        ("纽约", "America/New_York"),
        ("Mars/Olympus", None),
        ("", None),
    ],
)
def test_a_typed_zone(text, zone):
    assert resolve_zone(text) == zone


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8:30", "08:30"),
        ("0800", "08:00"),
        ("7：45", "07:45"),
        ("关闭", "off"),
        ("OFF", "off"),
        ("25:00", None),
        ("早上", None),
    ],
)
def test_a_typed_digest_time(text, value):
    assert read_digest_time(text) == value


def test_settings_are_named_in_both_languages():
    assert [setting_named(w) for w in ("语言", "TZ", "时区", "早报", "color")] == [
        "lang",
        "tz",
        "tz",
        "digest",
        None,
    ]
