"""Issue #15 end to end: forum topics, the deep link for people who never started the bot, and
edits of the message that made a task — through the fake Bot API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.sim.fake_api import FakeChat, FakeUser
from bot.sim.runner import BotRunner
from tests.e2e.groups_world import sent, thread_of, urls
from tests.e2e.office import buttons, started

SH = ZoneInfo("Asia/Shanghai")
FORUM = -1002001


async def _forum(env: BotRunner) -> tuple[FakeChat, FakeUser, FakeUser, FakeUser]:
    """A forum supergroup: 李主任 and 王五 started the bot; 张三 never did."""
    fake = env.fake
    leader = fake.add_user(10, "李主任", username="lizhuren")
    zhang = fake.add_user(11, "张三", username="zhangsan")
    wang = fake.add_user(12, "王五", username="wangwu")
    forum = fake.add_group(
        FORUM, "办公室", members=[leader, zhang, wang], admins=[leader], forum=True
    )
    await started(fake, leader, wang)
    for u in (leader, zhang, wang):
        fake.send_message(u, forum, "大家好")
    await env.settle()
    return forum, leader, zhang, wang


async def test_a_task_raised_in_a_topic_is_answered_there_and_so_is_everything_after(env):
    fake = env.fake
    forum, leader, _, _ = await _forum(env)
    topic = fake.add_topic(forum, "季度总结")
    mark = fake.mark()
    fake.send_message(leader, forum, "/task @zhangsan 今天下午三点前交季度总结", thread=topic)
    await env.settle()
    confirm = sent(fake, forum.id, mark, "已记下")[0]
    assert thread_of(confirm) == topic
    # 张三 never started the bot: his card is a mention in the group, in the same topic, with
    # a button that opens the bot on this task.
    mention = sent(fake, forum.id, mark, "新任务")[0]
    assert thread_of(mention) == topic and "张三" in mention.text
    assert urls(mention) == ["https://t.me/officebot_bot?start=t1"]
    # The reminder at its due time, in the group for him, lands in the topic too.
    mark = fake.mark()
    await env.set_time(datetime(2026, 11, 30, 15, 0, tzinfo=SH))
    await env.settle()
    due = sent(fake, forum.id, mark, "#1")
    assert due and all(thread_of(m) == topic for m in due)
    # /tasks asked in the topic is answered there; asked in General, in General.
    fake.send_message(leader, forum, "/tasks", thread=topic)
    await env.settle()
    assert thread_of(sent(fake, forum.id, mark, "本群未完成任务")[-1]) == topic
    fake.send_message(leader, forum, "/tasks")
    await env.settle()
    assert thread_of(sent(fake, forum.id, mark, "本群未完成任务")[-1]) is None


@pytest.mark.parametrize("gone", ["deleted", "closed"])
async def test_a_topic_gone_sends_to_the_general_topic_once_and_loses_nothing(env, gone):
    fake = env.fake
    forum, leader, _, _ = await _forum(env)
    topic = fake.add_topic(forum, "季度总结")
    fake.send_message(leader, forum, "/task @zhangsan 明天下午三点前交季度总结", thread=topic)
    await env.settle()
    if gone == "deleted":
        fake.delete_topic(forum, topic)
    else:
        fake.close_topic(forum, topic)
    mark = fake.mark()
    calls = len(fake.calls_to("sendMessage"))
    await env.set_time(datetime(2026, 12, 1, 15, 0, tzinfo=SH))
    await env.settle()
    due = sent(fake, forum.id, mark, "#1")
    assert len(due) == 1 and thread_of(due[0]) is None  # General, once
    tries = fake.calls_to("sendMessage")[calls:]
    refused = [c for c in tries if not c.ok]
    assert len(refused) == 1 and str(refused[0].params.get("message_thread_id")) == str(topic)
    assert not env.db.pending_outbox()


async def test_a_notice_sent_in_a_topic_is_posted_in_that_topic(env):
    fake = env.fake
    forum, leader, _, wang = await _forum(env)
    topic = fake.add_topic(forum, "会议")
    mark = fake.mark()
    fake.send_message(leader, forum, "/notify @wangwu 明天上午9点开会", thread=topic)
    await env.settle()
    posts = sent(fake, forum.id, mark, "明天上午9点开会")
    assert posts and all(thread_of(p) == topic for p in posts)
    assert sent(fake, wang.id, mark, "明天上午9点开会")  # his own copy, privately


async def test_the_deep_link_start_shows_the_pending_task_at_once(env):
    fake = env.fake
    forum, leader, zhang, _ = await _forum(env)
    fake.send_message(leader, forum, "/task @zhangsan 周五前交季度总结")
    await env.settle()
    mention = sent(fake, forum.id, 0, "新任务")[0]
    (link,) = urls(mention)
    assert link == "https://t.me/officebot_bot?start=t1"
    # He taps it: Telegram opens the private chat and sends /start t1.
    mark = fake.mark()
    fake.send_message(zhang, fake.private_chat(zhang), "/start t1")
    await env.settle()
    replies = sent(fake, zhang.id, mark)
    assert "你好" in replies[0].text
    card = next(m for m in replies if "#1" in m.text)
    assert "等你处理" in card.text and "交季度总结" in card.text
    assert {"👌 收到", "✅ 完成"} <= set(buttons(card))
    # Someone else's link shows them nothing of the task.
    mark = fake.mark()
    other = fake.add_user(14, "路人", username="luren")
    fake.send_message(other, fake.private_chat(other), "/start t1")
    await env.settle()
    assert all("#1" not in m.text for m in sent(fake, other.id, mark))


async def test_editing_the_message_that_made_a_task_updates_it_and_tells_everyone(env):
    fake = env.fake
    forum, leader, _, wang = await _forum(env)
    own = fake.send_message(leader, forum, "/task @zhangsan 周五前交季度总结")
    await env.settle()
    mark = fake.mark()
    env.clock.advance(timedelta(minutes=10))
    fake.edit_user_message(
        leader, forum, own["message_id"], "/task @wangwu 明天上午十点前交季度总结，急"
    )
    await env.settle()
    task = env.db.get_task(1)
    assert [a.user_id for a in task.assignees] == [wang.id]
    assert task.priority == "urgent" and task.due.hour == 10
    assert len(env.db.live_tasks()) == 1  # no second task
    answer = sent(fake, forum.id, mark, "已按修改更新")[0]
    assert answer.reply_to_message_id == own["message_id"]
    assert "截止" in answer.text and "承办人：张三 → 王五" in answer.text
    # 张三 (off it now; never started) hears it in the group; 王五 gets the card privately.
    assert sent(fake, forum.id, mark, "李主任 修改了 #1")
    assert sent(fake, wang.id, mark, "新任务 #1")
    # An edit of any other message changes nothing; nor one after 15 minutes.
    chatter = fake.send_message(leader, forum, "大家辛苦了")
    await env.settle()
    mark = fake.mark()
    fake.edit_user_message(leader, forum, chatter["message_id"], "/task @wangwu 明天交总结")
    await env.settle()
    assert not sent(fake, forum.id, mark) and len(env.db.live_tasks()) == 1
    env.clock.advance(timedelta(minutes=10))
    fake.edit_user_message(leader, forum, own["message_id"], "/task @wangwu 下周一交季度总结")
    await env.settle()
    assert env.db.get_task(1).due == task.due
    assert "超过 15 分钟" in sent(fake, forum.id, mark)[0].text
    assert len(env.db.live_tasks()) == 1


async def test_an_edit_in_private_updates_the_note_and_an_edit_by_someone_else_nothing(env):
    fake = env.fake
    _, leader, _, wang = await _forum(env)
    chat = fake.private_chat(wang)
    own = fake.send_message(wang, chat, "明天上午整理档案")
    await env.settle()
    fake.edit_user_message(wang, chat, own["message_id"], "明天下午三点整理档案，急")
    await env.settle()
    task = env.db.get_task(1)
    assert (task.due.hour, task.priority) == (15, "urgent")
    assert "已按修改更新" in fake.last_bot_message(wang.id).text
    assert len(env.db.live_tasks()) == 1
    del leader


async def test_a_question_asked_from_a_button_in_a_topic_is_asked_there(env):
    fake = env.fake
    forum, leader, _, _ = await _forum(env)
    topic = fake.add_topic(forum, "季度总结")
    fake.send_message(leader, forum, "/task @wangwu 周五前交季度总结", thread=topic)
    await env.settle()
    confirm = sent(fake, forum.id, 0, "已记下")[0]
    mark = fake.mark()
    fake.press_button(leader, forum.id, confirm.message_id, "改截止时间")
    await env.settle()
    (prompt,) = sent(fake, forum.id, mark)
    assert thread_of(prompt) == topic and (prompt.reply_markup or {}).get("force_reply")
