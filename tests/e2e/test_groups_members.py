"""Issue #15 end to end: a group upgraded to a supergroup, people leaving, the bot removed and
added back — through the fake Bot API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Bot

from bot.sim.fake_api import FakeChat, FakeUser
from bot.sim.runner import BotRunner
from tests.e2e.groups_world import sent
from tests.e2e.office import answer_of, buttons, started

SH = ZoneInfo("Asia/Shanghai")
BASIC = -4001
SUPER = -1004001


async def _basic_group(env: BotRunner) -> tuple[FakeChat, FakeUser, FakeUser, FakeUser]:
    """A basic group (it can be upgraded): 李主任 (admin), 张三, 王五, all started."""
    fake = env.fake
    leader = fake.add_user(10, "李主任", username="lizhuren")
    zhang = fake.add_user(11, "张三", username="zhangsan")
    wang = fake.add_user(12, "王五", username="wangwu")
    group = fake.add_group(BASIC, "办公室", members=[leader, zhang, wang], admins=[leader])
    await started(fake, leader, zhang, wang)
    for u in (leader, zhang, wang):
        fake.send_message(u, group, "大家好")
    await env.settle()
    return group, leader, zhang, wang


async def _with_history(env: BotRunner, group: FakeChat, leader: FakeUser) -> None:
    """Two tasks, a roster, a notice waiting for confirmations, the group's language."""
    fake = env.fake
    for text in (
        "/task @zhangsan 周五前交季度总结",
        "/task @wangwu 明天下午三点前报送材料",
        "/roster new 骨干 @zhangsan @wangwu",
        "/notify 骨干 明天上午9点开会",
        "/settings lang en",
    ):
        fake.send_message(leader, group, text)
        await env.settle()


async def _check_everything_moved(env: BotRunner, leader: FakeUser, wang: FakeUser) -> None:
    fake, db = env.fake, env.db
    assert [t.number for t in db.tasks_in_chat(SUPER)] == [1, 2, 3]
    assert db.tasks_in_chat(BASIC) == [] and db.get_workspace(BASIC) is None
    assert db.get_workspace(SUPER).language == "en"
    assert "g-4001" not in db.spaces()
    # The roster answers in the supergroup; the notice still counts confirmations.
    mark = fake.mark()
    fake.send_message(leader, SUPER, "/roster 骨干")
    await env.settle()
    assert "张三" in sent(fake, SUPER, mark)[-1].text
    card = next(m for m in reversed(fake.bot_messages(wang.id)) if "9点开会" in m.text)
    qid = fake.press_button(wang, wang.id, card.message_id, "收到")
    _, alert = await answer_of(fake, qid)
    assert not alert
    notice = env.app.bot_data.services.notices.get(1)
    assert notice.chat_id == SUPER and notice.space == "g-1004001"
    assert [r.user_id for r in notice.recipients if r.confirmed_at] == [wang.id]
    # A new task goes on from the same numbers, in the supergroup.
    fake.send_message(leader, SUPER, "/task @wangwu 下周一前整理档案")
    await env.settle()
    assert "#4" in sent(fake, SUPER, mark, "#4")[-1].text


async def test_an_upgrade_moves_everything_and_the_unsent_message_goes_to_the_new_id(env):
    fake = env.fake
    group, leader, _, wang = await _basic_group(env)
    await _with_history(env, group, leader)
    # A message for the group that Telegram could not take yet (it waits, to be retried).
    fake.fail("sendMessage", status=502, chat_id=BASIC)
    fake.send_message(leader, group, "/task @zhangsan 周四前准备签到表")
    await env.settle()
    waiting = [e for e in env.db.pending_outbox() if e.to_chat == BASIC]
    assert len(waiting) == 1 and waiting[0].attempts == 1
    mark = fake.mark()
    fake.migrate_to_supergroup(group)
    await env.settle()
    await env.advance(waiting[0].not_before - env.clock.now())
    await env.settle()
    confirm = sent(fake, SUPER, mark, "#3")
    assert len(confirm) == 1 and "Recorded" in confirm[0].text  # once, in the group's language
    assert not sent(fake, BASIC, mark)
    assert not env.db.pending_outbox()
    await _check_everything_moved(env, leader, wang)


async def test_chat_migrated_on_a_send_moves_everything_and_retries_the_send(env):
    """The bot missed the upgrade's service messages: the first send to the old id learns it."""
    fake = env.fake
    group, leader, _, wang = await _basic_group(env)
    await _with_history(env, group, leader)
    fake.fail("sendMessage", status=502, chat_id=BASIC)
    fake.send_message(leader, group, "/task @zhangsan 周四前准备签到表")
    await env.settle()
    await env.stop(stop_fake=False)
    fake.migrate_to_supergroup(group)
    async with Bot(fake.token, base_url=fake.base_url) as bot:  # the updates never arrive
        await bot.delete_webhook(drop_pending_updates=True)
    mark = fake.mark()
    await env.start()
    entry = next(e for e in env.db.pending_outbox() if e.to_chat == BASIC)
    await env.advance(entry.not_before - env.clock.now())
    await env.settle()
    refused = [
        c for c in fake.calls_to("sendMessage") if str(c.params.get("chat_id")) == str(BASIC)
    ]
    assert refused[-1].status == 400
    assert len(sent(fake, SUPER, mark, "#3")) == 1
    assert not env.db.pending_outbox()
    await _check_everything_moved(env, leader, wang)


async def test_someone_who_left_is_refused_and_each_assigner_told_once(env):
    fake = env.fake
    group, leader, zhang, wang = await _basic_group(env)
    for who, text in (
        (leader, "/task @zhangsan 周五前交季度总结"),
        (leader, "/task @zhangsan @wangwu 明天下午三点前报送材料"),
        (wang, "/task @zhangsan 周四前准备签到表"),
        (leader, "/task @wangwu 周五前整理档案"),
    ):
        fake.send_message(who, group, text)
        await env.settle()
    card = next(m for m in fake.bot_messages(zhang.id) if "#1" in m.text)
    mark = fake.mark()
    fake.remove_member(group, zhang, notify=True, by=leader)  # a service message + chat_member
    await env.settle()
    told = sent(fake, leader.id, mark)
    assert len(told) == 1 and "张三 已离开「办公室」" in told[0].text
    assert "#1" in told[0].text and "#2" in told[0].text and "#4" not in told[0].text
    assert set(buttons(told[0])) == {"👉 #1 重新安排", "👉 #2 重新安排"}
    told_wang = sent(fake, wang.id, mark)
    assert len(told_wang) == 1 and "#3" in told_wang[0].text
    # He can no longer act on the group's tasks: by button or by command.
    qid = fake.press_button(zhang, zhang.id, card.message_id, "完成")
    text, alert = await answer_of(fake, qid)
    assert alert and "已离开" in text
    fake.send_message(zhang, fake.private_chat(zhang), "/done #1")
    await env.settle()
    assert "已离开" in fake.last_bot_message(zhang.id).text
    assert env.db.get_task(1).status == "open"
    # 重新安排: a card with the colleagues; 王五 takes #1 (not 张三's part of anyone else's).
    qid = fake.press_button(leader, leader.id, told[0].message_id, "#1 重新安排")
    await answer_of(fake, qid)
    await env.settle()
    picker = fake.last_bot_message(leader.id)
    assert "交给谁办" in picker.text and "王五" in buttons(picker)
    fake.press_button(leader, leader.id, picker.message_id, "王五")
    await env.settle()
    assert [a.user_id for a in env.db.get_task(1).assignees] == [wang.id]
    fake.press_button(leader, leader.id, told[0].message_id, "#2 重新安排")
    await env.settle()
    picker = fake.last_bot_message(leader.id)
    assert "李主任" in buttons(picker)
    fake.press_button(leader, leader.id, picker.message_id, "李主任")
    await env.settle()
    assert [a.user_id for a in env.db.get_task(2).assignees] == [leader.id, wang.id]  # his part
    # Nobody is told twice; pressing again says it is settled.
    qid = fake.press_button(leader, leader.id, told[0].message_id, "#1 重新安排")
    text, alert = await answer_of(fake, qid)
    assert "已经重新安排" in text
    # Added back to the group, he may act again.
    fake.add_member(group, zhang, notify=True, by=leader)
    await env.settle()
    assert zhang.id not in env.db.get_workspace(BASIC).left
    fake.send_message(zhang, fake.private_chat(zhang), "/done #3")
    await env.settle()
    assert env.db.get_task(3).status == "done"


async def test_the_bot_removed_parks_its_group_messages_and_sends_them_when_back(env):
    fake = env.fake
    group, leader, zhang, _ = await _basic_group(env)
    ghost = fake.add_user(15, "赵六", username="zhaoliu")  # never started: reached in the group
    fake.add_member(group, ghost)
    fake.send_message(ghost, group, "大家好")
    fake.send_message(leader, group, "/task @zhaoliu 今天下午三点前交季度总结")
    await env.settle()
    fake.kick_bot(group, notify=True, by=leader)
    await env.settle()
    assert env.db.get_workspace(BASIC).bot_removed
    mark = fake.mark()
    calls = len(fake.calls_to("sendMessage"))
    await env.set_time(datetime(2026, 11, 30, 15, 0, tzinfo=SH))  # his reminder, for the group
    await env.settle()
    for _ in range(3):
        await env.tick()
    tried = [
        c for c in fake.calls_to("sendMessage")[calls:] if str(c.params["chat_id"]) == str(BASIC)
    ]
    assert not tried  # parked: not even tried
    parked = [e for e in env.db.pending_outbox() if e.fallback_chat == BASIC]
    assert parked and all(e.attempts == 0 for e in parked)
    fake.add_bot_back(group, by=leader)
    await env.settle()
    assert sent(fake, BASIC, mark, "#1")
    assert not env.db.pending_outbox()
    del zhang


async def test_a_send_refused_because_the_bot_was_removed_waits_for_it(env):
    """No my_chat_member came (the bot missed it): the 403 itself parks the group."""
    fake = env.fake
    group, leader, _, _ = await _basic_group(env)
    fake.kick_bot(group, notify=False)
    fake.send_message(leader, group, "/task @zhangsan 周五前交季度总结")
    await env.settle()
    waiting = [e for e in env.db.pending_outbox() if e.to_chat == BASIC]
    assert len(waiting) == 1 and waiting[0].failed is None
    assert env.db.get_workspace(BASIC).bot_removed
    mark = fake.mark()
    fake.add_bot_back(group, by=leader)
    await env.settle()
    assert len(sent(fake, BASIC, mark, "已记下 #1")) == 1


async def test_someone_leaving_by_themselves_is_out_of_the_group_for_the_bot(env):
    fake = env.fake
    group, leader, _, wang = await _basic_group(env)
    fake.send_message(leader, group, "/task @wangwu 周五前交季度总结")
    await env.settle()
    mark = fake.mark()
    fake.remove_member(group, wang, notify=True)  # he leaves: he sends the service message
    await env.settle()
    ws = env.db.get_workspace(BASIC)
    assert wang.id in ws.left and wang.id not in ws.members
    assert len(sent(fake, leader.id, mark, "王五 已离开")) == 1


async def test_an_allowed_group_stays_allowed_under_its_new_id(env):
    fake = env.fake
    group, leader, zhang, _ = await _basic_group(env)
    env.configure(allowed_chats=frozenset({BASIC}))
    await env.restart()
    fake.send_message(leader, group, "/task @zhangsan 周五前交季度总结")
    await env.settle()
    fake.migrate_to_supergroup(group)
    await env.settle()
    mark = fake.mark()
    fake.send_message(leader, SUPER, "/tasks")
    fake.send_message(zhang, fake.private_chat(zhang), "/my")
    await env.settle()
    assert sent(fake, SUPER, mark, "本群未完成任务")
    assert sent(fake, zhang.id, mark, "交季度总结")
    elsewhere = fake.add_group(-100999, "别的群", members=[leader])
    fake.send_message(leader, elsewhere, "/tasks")
    await env.settle()
    assert not sent(fake, elsewhere.id, mark)
