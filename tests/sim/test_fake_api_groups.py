"""The fake behaves as Telegram does for forum topics, group upgrades and members leaving."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot as PTBBot
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.sim.fake_api import FakeBotAPI


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[PTBBot]:
    async with PTBBot(fake.token, base_url=fake.base_url, base_file_url=fake.file_url) as b:
        yield b


async def test_a_topic_message_carries_its_thread_and_the_bot_can_answer_there(fake, bot):
    user = fake.add_user(1, "张三")
    forum = fake.add_group(-1001, "办公室", members=[user], forum=True)
    topic = fake.add_topic(forum, "议题")
    sent = fake.send_message(user, forum, "/tasks", thread=topic)
    assert sent["message_thread_id"] == topic and sent["is_topic_message"]
    assert sent["chat"]["is_forum"] is True
    answer = await bot.send_message(forum.id, "ok", message_thread_id=topic)
    assert answer.message_thread_id == topic
    general = await bot.send_message(forum.id, "general")  # General: no thread id
    assert general.message_thread_id is None


@pytest.mark.parametrize(
    ("change", "error"),
    [("close", "TOPIC_CLOSED"), ("delete", "message thread not found")],
)
async def test_a_closed_or_deleted_topic_refuses_sends(fake, bot, change, error):
    user = fake.add_user(1, "张三")
    forum = fake.add_group(-1001, "办公室", members=[user], forum=True)
    topic = fake.add_topic(forum, "议题")
    if change == "close":
        fake.close_topic(forum, topic)
    else:
        fake.delete_topic(forum, topic)
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.send_message(forum.id, "x", message_thread_id=topic)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum.id, "x", message_thread_id=1)  # General takes none


async def test_a_migrated_group_refuses_the_old_id_and_names_the_new_one(fake, bot):
    user = fake.add_user(1, "张三")
    group = fake.add_group(-4001, "办公室", members=[user], admins=[user])
    old = await bot.send_message(group.id, "before")
    new = fake.migrate_to_supergroup(group)
    assert new.id == -1004001 and new.type == "supergroup"
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(group.id, "after")
    assert migrated.value.new_chat_id == new.id
    # History keeps its ids: an old message is edited under the new id.
    await bot.edit_message_text("edited", chat_id=new.id, message_id=old.message_id)
    updates = await bot.get_updates()
    kinds = [(u.message.migrate_to_chat_id, u.message.migrate_from_chat_id) for u in updates]
    assert (new.id, None) in kinds and (None, group.id) in kinds


async def test_members_leaving_and_the_bot_removed_come_as_updates(fake, bot):
    user = fake.add_user(1, "张三")
    boss = fake.add_user(2, "李主任")
    group = fake.add_group(-1001, "办公室", members=[user, boss], admins=[boss])
    await bot.get_updates(allowed_updates=["message", "chat_member", "my_chat_member"])
    fake.remove_member(group, user, notify=True, by=boss)
    fake.kick_bot(group, notify=True, by=boss)
    updates = await bot.get_updates()
    left = next(u for u in updates if u.message and u.message.left_chat_member)
    assert left.message.left_chat_member.id == user.id
    member = next(u for u in updates if u.chat_member)
    assert member.chat_member.new_chat_member.status == "kicked"
    mine = next(u for u in updates if u.my_chat_member)
    assert mine.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden):
        await bot.send_message(group.id, "x")
    fake.add_bot_back(group, by=boss)
    await bot.send_message(group.id, "back")


async def test_members_added_and_the_bot_added_back_come_as_updates_ptb_reads(fake, bot):
    user = fake.add_user(1, "张三")
    boss = fake.add_user(2, "李主任")
    group = fake.add_group(-1001, "办公室", members=[boss], admins=[boss])
    await bot.get_updates(allowed_updates=["message", "chat_member", "my_chat_member"])
    fake.add_member(group, user, notify=True, by=boss)
    fake.kick_bot(group, notify=True, by=boss)
    fake.add_bot_back(group, by=boss)
    updates = await bot.get_updates()
    joined = next(u for u in updates if u.message and u.message.new_chat_members)
    assert [m.id for m in joined.message.new_chat_members] == [user.id]
    member = next(u for u in updates if u.chat_member)
    assert (
        member.chat_member.old_chat_member.status,
        member.chat_member.new_chat_member.status,
    ) == (
        "left",
        "member",
    )
    back = [u.my_chat_member for u in updates if u.my_chat_member][-1]
    assert (back.old_chat_member.status, back.new_chat_member.status) == ("kicked", "member")
