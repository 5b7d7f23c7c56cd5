"""Issue 4 end to end: assign → receipt → can't do → report → reassign → done, through the fake."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sim.runner import BotRunner
from bot.tasks import callbacks
from bot.tasks.callbacks import TaskPress, Verb
from tests.e2e.office import Office, answer_of, buttons, make_office


@pytest.fixture
async def office(env: BotRunner) -> Office:
    return await make_office(env, stranger_in_group=True)


async def test_the_whole_loop_back_to_the_assigner(env: BotRunner, office: Office):
    fake, group, leader, zhang, wang = (
        office.fake,
        office.group,
        office.leader,
        office.zhang,
        office.wang,
    )

    # Assign in the group.
    fake.send_message(leader, group, "/task @zhangsan 明天下午三点前把会议通知发给各科室，急")
    confirm = await fake.wait_for_message(group.id, contains="已记下")
    assert "#1" in confirm.text and "会议通知发给各科室" in confirm.text
    assert "12月1日 周二 15:00" in confirm.text or "明天 15:00" in confirm.text
    assert "紧急" in confirm.text
    assert {"↩️ 撤销", "🕒 改截止时间"} <= set(buttons(confirm))

    # The assignee gets it privately with the five buttons.
    card = await fake.wait_for_message(zhang.id, contains="新任务")
    labels = " ".join(buttons(card))
    for word in ("收到", "完成", "推迟", "转交", "办不了"):
        assert word in labels
    assert "李主任" in card.text

    # 收到 → the assigner's read receipt; the card now shows the state.
    qid = fake.press_button(zhang, zhang.id, card.message_id, "收到")
    text, alert = await answer_of(fake, qid)
    assert not alert and "#1" in text
    receipt = await fake.wait_for_message(leader.id, contains="已收到")
    assert "张三" in receipt.text and "#1" in receipt.text
    card = await fake.wait_for(
        lambda: (m := fake.message(zhang.id, card.message_id)) and "已收到" in m.text and m
    )
    assert "收到" not in " ".join(buttons(card))

    # A restart in the middle keeps every task and state.
    await env.restart()

    # 办不了 → a question; the reply becomes the report to the assigner, with choices.
    fake.press_button(zhang, zhang.id, card.message_id, "办不了")
    prompt = await fake.wait_for_message(zhang.id, contains="办不了：请回复")
    fake.send_message(
        zhang,
        fake.private_chat(zhang),
        "财务科今天不在，建议明天上午再发",
        reply_to=prompt.message_id,
    )
    await fake.wait_for_message(zhang.id, contains="已把你对 #1 的反馈转告交办人")
    report = await fake.wait_for_message(leader.id, contains="反馈办不了")
    assert "财务科今天不在" in report.text
    assert {"👉 交给别人", "🗑 取消任务", "↩️ 仍由原人办理"} <= set(buttons(report))

    # Reassign: pick 王五 from the group's members.
    fake.press_button(leader, leader.id, report.message_id, "交给别人")
    picker = await fake.wait_for(
        lambda: (m := fake.message(leader.id, report.message_id)) and "王五" in buttons(m) and m
    )
    fake.press_button(leader, leader.id, picker.message_id, "王五")
    handed = await fake.wait_for_message(wang.id, contains="交办人改派给你")
    assert "#1" in handed.text and "备注" not in handed.text
    relieved = await fake.wait_for_message(zhang.id, contains="改派给 王五")
    assert "李主任 已把 #1" in relieved.text
    await fake.wait_for(
        lambda: "现由 王五 办理" in (fake.message(leader.id, report.message_id).text)
    )

    # 完成 → the assigner is told.
    fake.press_button(wang, wang.id, handed.message_id, "完成")
    done = await fake.wait_for_message(leader.id, contains="已完成")
    assert "#1" in done.text and "王五" in done.text
    # The button message now says 已完成 and has no buttons.
    final = await fake.wait_for(
        lambda: (m := fake.message(wang.id, handed.message_id)) and "已完成" in m.text and m
    )
    assert not buttons(final)

    # /my of 王五 is empty; the task was archived but is still known by number.
    fake.send_message(wang, fake.private_chat(wang), "/my")
    await fake.wait_for_message(wang.id, contains="没有待办")
    fake.send_message(wang, fake.private_chat(wang), "/done #1")
    await fake.wait_for_message(wang.id, contains="已经完成")


async def test_private_text_is_a_task_for_yourself_and_my_orders_it(office: Office):
    fake, zhang = office.fake, office.zhang
    chat = fake.private_chat(zhang)
    for text in ("下周五前整理档案，不急", "今天下班前报送材料，急", "明天上午十点 开会"):
        fake.send_message(zhang, chat, text)
        await fake.wait_for_message(zhang.id, contains="已记下")
    fake.send_message(zhang, chat, "/my")
    msg = await fake.wait_for_message(zhang.id, contains="我的待办")
    lines = msg.text.splitlines()[1:]
    assert ["报送材料" in lines[0], "开会" in lines[1], "整理档案" in lines[2]] == [
        True,
        True,
        True,
    ]
    # /next gives the top one with its buttons.
    fake.send_message(zhang, chat, "/next")
    nxt = await fake.wait_for_message(zhang.id, contains="下一件")
    assert "报送材料" in nxt.text and "完成" in " ".join(buttons(nxt))
    # /done #n with a note closes it; it leaves the queue.
    fake.send_message(zhang, chat, "/done #2 已报送")
    await fake.wait_for_message(zhang.id, contains="#2 报送材料 已完成")


async def test_titles_are_shown_exactly_as_typed(office: Office):
    fake, zhang = office.fake, office.zhang
    fake.send_message(zhang, fake.private_chat(zhang), "明天 检查 <b>a & b</b> *粗体* 的稿子")
    msg = await fake.wait_for_message(zhang.id, contains="已记下")
    assert "<b>a & b</b> *粗体*" in msg.text


async def test_permission_refusals(office: Office):
    fake, group, leader, zhang, stranger = (
        office.fake,
        office.group,
        office.leader,
        office.zhang,
        office.stranger,
    )
    fake.send_message(leader, group, "/task @zhangsan 周五前交总结")
    confirm = await fake.wait_for_message(group.id, contains="已记下")

    # A stranger pressing undo in the group: refused with an alert, nothing changes.
    qid = fake.press_button(stranger, group.id, confirm.message_id, "撤销")
    text, alert = await answer_of(fake, qid)
    assert alert and "不是你的任务" in text
    # The assignee may not undo either.
    qid = fake.press_button(zhang, group.id, confirm.message_id, "撤销")
    text, alert = await answer_of(fake, qid)
    assert alert and "只有交办人" in text
    # A stranger asking by number learns nothing of the title.
    fake.send_message(stranger, fake.private_chat(stranger), "/done #1")
    refusal = await fake.wait_for_message(stranger.id, contains="不是你的任务")
    assert "总结" not in refusal.text
    # Unknown number and tampered button data.
    fake.send_message(zhang, fake.private_chat(zhang), "/done #999")
    await fake.wait_for_message(zhang.id, contains="没有找到任务 #999")
    qid = fake.press(zhang, (group.id, confirm.message_id), "t:done:notanumber", strict=False)
    text, alert = await answer_of(fake, qid)
    assert alert and "失效" in text
    fake.send_message(zhang, fake.private_chat(zhang), "/my")
    await fake.wait_for_message(zhang.id, contains="周五前交总结".replace("周五前", ""))
    # The group admin (the leader is admin here) and the assigner can undo within 10 minutes.
    qid = fake.press_button(leader, group.id, confirm.message_id, "撤销")
    text, alert = await answer_of(fake, qid)
    assert not alert and "已撤销" in text
    await fake.wait_for_message(zhang.id, contains="已被 李主任 取消")


async def test_undo_expires_after_ten_minutes(env: BotRunner, office: Office):
    fake, group, leader = office.fake, office.group, office.leader
    fake.send_message(leader, group, "/task @zhangsan 周五前交总结")
    confirm = await fake.wait_for_message(group.id, contains="已记下")
    env.clock.advance(timedelta(minutes=11))
    qid = fake.press_button(leader, group.id, confirm.message_id, "撤销")
    text, alert = await answer_of(fake, qid)
    assert alert and "10 分钟" in text


async def test_an_unknown_username_waits_and_binds_when_they_start(office: Office):
    fake, group, leader = office.fake, office.group, office.leader
    fake.send_message(leader, group, "/task @newbie 明天上午把材料送到三楼")
    confirm = await fake.wait_for_message(group.id, contains="已记下")
    assert "@newbie 还没有启动机器人" in confirm.text
    assert "https://t.me/officebot_bot?start=" in confirm.text
    newbie = fake.add_user(20, "小新", username="newbie")
    fake.send_message(newbie, fake.private_chat(newbie), "/start")
    card = await fake.wait_for_message(newbie.id, contains="新任务")
    assert "送到三楼" in card.text


async def test_someone_who_never_started_gets_it_in_the_group_with_a_mention(office: Office):
    fake, group, leader = office.fake, office.group, office.leader
    quiet = fake.add_user(21, "老赵", username="laozhao")
    fake.add_member(group, quiet)
    fake.send_message(quiet, group, "/help")  # seen in the group, never started privately
    await fake.wait_for_message(group.id, contains="用法")
    fake.send_message(leader, group, "/task @laozhao 下午三点前 把报表发我")
    card = await fake.wait_for_message(group.id, contains="新任务")
    assert card.text.startswith("老赵")
    assert any(
        e.get("type") == "text_link" or e.get("type") == "text_mention" for e in card.entities
    )


async def test_hand_over_and_ask_for_reassignment(office: Office):
    fake, group, leader, zhang, wang = (
        office.fake,
        office.group,
        office.leader,
        office.zhang,
        office.wang,
    )
    fake.send_message(leader, group, "/task @zhangsan 周三前 联系后勤科")
    card = await fake.wait_for_message(zhang.id, contains="新任务")
    fake.press_button(zhang, zhang.id, card.message_id, "转交")
    menu = await fake.wait_for(
        lambda: (m := fake.message(zhang.id, card.message_id)) and "王五" in buttons(m) and m
    )
    assert "🙋 请示另安排" in buttons(menu)
    fake.press_button(zhang, zhang.id, card.message_id, "王五")
    handed_card = await fake.wait_for_message(wang.id, contains="转交给你")
    assert "转交人：张三" in handed_card.text
    told = await fake.wait_for_message(leader.id, contains="转交给")
    assert "由 张三 转交给 王五" in told.text

    # 王五 asks the assigner to reassign instead.
    handed = fake.last_bot_message(wang.id)
    fake.press_button(wang, wang.id, handed.message_id, "转交")
    await fake.wait_for(
        lambda: "🙋 请示另安排" in buttons(fake.message(wang.id, handed.message_id))
    )
    fake.press_button(wang, wang.id, handed.message_id, "请示另安排")
    ask = await fake.wait_for_message(leader.id, contains="请示另安排")
    assert "张三" in buttons(ask)


async def test_assigned_shows_states_and_nudges(office: Office):
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    fake.send_message(leader, group, "/task @zhangsan @wangwu 周五前交总结")
    await fake.wait_for_message(zhang.id, contains="新任务")
    card = fake.last_bot_message(zhang.id)
    fake.press_button(zhang, zhang.id, card.message_id, "收到")
    await fake.wait_for_message(leader.id, contains="已收到")
    fake.send_message(leader, fake.private_chat(leader), "/assigned")
    view = await fake.wait_for_message(leader.id, contains="我交办的任务")
    assert "张三：👌 已收到" in view.text
    assert "王五：📭 未确认收到" in view.text
    fake.press_button(leader, leader.id, view.message_id, "催办 #1")
    nudge = await fake.wait_for_message(office.wang.id, contains="催办")
    assert "总结" in nudge.text


async def test_group_tasks_lists_open_tasks_by_person_and_never_private_ones(office: Office):
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    fake.send_message(
        zhang, fake.private_chat(zhang), "明天 看牙医"
    )  # private: never shown in a group
    await fake.wait_for_message(zhang.id, contains="已记下")
    fake.send_message(leader, group, "/task @zhangsan 周五前交总结")
    await fake.wait_for_message(group.id, contains="已记下")
    fake.send_message(leader, group, "/tasks")
    listing = await fake.wait_for_message(group.id, contains="本群未完成任务")
    assert "张三" in listing.text and "交总结" in listing.text
    assert "牙医" not in listing.text
    # /my in a group goes privately.
    fake.send_message(zhang, group, "/my")
    await fake.wait_for_message(group.id, contains="已私信")
    private = await fake.wait_for_message(zhang.id, contains="我的待办")
    assert "牙医" in private.text


async def test_reply_with_task_makes_the_replied_message_the_task(office: Office):
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    original = fake.send_message(leader, group, "明天下午把会议室布置好")
    fake.send_message(zhang, group, "/task", reply_to=original["message_id"])
    confirm = await fake.wait_for_message(group.id, contains="已记下")
    assert "会议室布置好" in confirm.text
    assert confirm.reply_to_message_id == original["message_id"]


async def test_mentioning_the_bot_in_a_group_creates_a_task(office: Office):
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    fake.send_message(leader, group, "@officebot_bot @zhangsan 周四前 准备签到表")
    await fake.wait_for_message(group.id, contains="已记下")
    card = await fake.wait_for_message(zhang.id, contains="签到表")
    assert "officebot_bot" not in card.text


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(office: Office):
    fake, zhang = office.fake, office.zhang
    chat = fake.private_chat(zhang)
    fake.send_message(zhang, chat, "明天下午三点")
    await fake.wait_for_message(zhang.id, contains="还没写要做什么事")  # says the task is missing
    fake.send_message(zhang, chat, "x" * 2100)
    await fake.wait_for_message(zhang.id, contains="2000")
    fake.send_message(zhang, chat, "/snooze")
    await fake.wait_for_message(zhang.id, contains="用法")
    fake.send_message(zhang, chat, "/my")
    await fake.wait_for_message(zhang.id, contains="没有待办")


async def test_allowed_chats_limit_where_the_bot_answers(env: BotRunner, office: Office):
    fake, group, zhang = office.fake, office.group, office.zhang
    await env.stop(stop_fake=False)
    env.configure(allowed_chats=frozenset({group.id}))
    await env.start()
    other = fake.add_group(-100999, "外单位", members=[zhang])
    outsider = fake.add_user(30, "外人")
    fake.send_message(zhang, other, "/help")
    fake.send_message(outsider, fake.private_chat(outsider), "/start")
    fake.send_message(zhang, fake.private_chat(zhang), "/start")  # a member of the allowed group
    await fake.wait_for_message(zhang.id, contains="你好")
    assert fake.bot_messages(other.id) == []
    assert fake.bot_messages(outsider.id) == []


async def test_a_chinese_name_after_at_finds_the_group_member(office: Office):
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    fake.send_message(leader, group, "/task @张三 周五前交总结")
    confirm = await fake.wait_for_message(group.id, contains="已记下")
    assert "承办人：张三" in confirm.text
    card = await fake.wait_for_message(zhang.id, contains="新任务")
    assert "交总结" in card.text


async def test_a_chinese_name_not_yet_known_binds_when_they_speak_in_the_group(office: Office):
    fake, group, leader = office.fake, office.group, office.leader
    fake.send_message(leader, group, "/task @小刘 明天上午 取快递")
    await fake.wait_for_message(group.id, contains="还没有启动机器人")
    liu = fake.add_user(40, "小刘")
    fake.add_member(group, liu)
    fake.send_message(liu, fake.private_chat(liu), "/start")
    await fake.wait_for_message(liu.id, contains="你好")
    fake.send_message(liu, group, "/help")
    card = await fake.wait_for_message(liu.id, contains="新任务")
    assert "取快递" in card.text


async def test_change_due_time_by_typing_it(env: BotRunner, office: Office):
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    fake.send_message(leader, group, "/task @zhangsan 周五前交总结")
    confirm = await fake.wait_for_message(group.id, contains="已记下")
    await fake.wait_for_message(zhang.id, contains="新任务")
    fake.press_button(leader, group.id, confirm.message_id, "改截止时间")
    prompt = await fake.wait_for_message(group.id, contains="新的截止时间")
    fake.send_message(leader, group, "周四下午五点前", reply_to=prompt.message_id)
    notice = await fake.wait_for_message(zhang.id, contains="截止时间改为")
    assert "12月3日 周四 17:00" in notice.text
    assert env.db is not None
    task = env.db.get_task(1)
    assert task is not None and task.due is not None and task.due.hour == 17


async def test_snooze_by_button_menu_and_by_command(env: BotRunner, office: Office):
    """Issue #13: a snooze is the snoozer's own — the deadline stays, nobody else is told —
    and one past the deadline is warned about first."""
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    fake.send_message(leader, group, "/task @zhangsan 周五前 交报表")
    card = await fake.wait_for_message(zhang.id, contains="新任务")
    fake.press_button(zhang, zhang.id, card.message_id, "推迟")
    menu = await fake.wait_for(
        lambda: (m := fake.message(zhang.id, card.message_id)) and "明天上午" in buttons(m) and m
    )
    assert {"1 小时后", "今天下午", "下周一", "⏳ 申请延期", "✍️ 自定义时间", "« 返回"} <= set(
        buttons(menu)
    )
    to_leader = len(fake.bot_messages(leader.id))
    qid = fake.press_button(zhang, zhang.id, card.message_id, "明天上午")
    text, alert = await answer_of(fake, qid)
    assert not alert and "#1 已推迟" in text
    await fake.wait_for(
        lambda: "你已推迟到 明天 09:00" in fake.message(zhang.id, card.message_id).text
    )
    assert env.db is not None
    task = env.db.get_task(1)
    assert task is not None and task.due is not None and (task.due.day, task.due.hour) == (4, 18)
    # The command form, in plain language.
    fake.send_message(zhang, fake.private_chat(zhang), "/snooze #1 周三下午4点")
    reply = await fake.wait_for_message(zhang.id, contains="已推迟到")
    assert "12月2日 周三 16:00" in reply.text and "截止时间不变" in reply.text
    # Past the deadline (Friday): said to be late, with 申请延期 or snooze anyway.
    fake.send_message(zhang, fake.private_chat(zhang), "/snooze #1 下周一上午")
    late = await fake.wait_for_message(zhang.id, contains="就会逾期")
    assert {"⏳ 申请延期到 12月7日 周一 09:00", "⏰ 仍然推迟"} == set(buttons(late))
    # A time it cannot read changes nothing.
    fake.send_message(zhang, fake.private_chat(zhang), "/snooze #1 看不懂的时间")
    await fake.wait_for_message(zhang.id, contains="没看懂这个时间")
    task = env.db.get_task(1)
    assert task is not None and task.due is not None and (task.due.day, task.due.hour) == (4, 18)
    assert len(fake.bot_messages(leader.id)) == to_leader  # the assigner heard nothing


async def test_report_progress_reaches_the_assigner(office: Office):
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    fake.send_message(leader, group, "/task @zhangsan 周五前 协调会场")
    await fake.wait_for_message(zhang.id, contains="新任务")
    fake.send_message(zhang, fake.private_chat(zhang), "/report #1 已联系后勤科，周四给答复")
    await fake.wait_for_message(zhang.id, contains="已把 #1 的进展汇报给交办人")
    report = await fake.wait_for_message(leader.id, contains="汇报")
    assert "已联系后勤科，周四给答复" in report.text


async def test_my_pages_ten_at_a_time(env: BotRunner, office: Office):
    fake, zhang = office.fake, office.zhang
    assert env.db is not None
    tasks = env.app.bot_data.services.tasks  # type: ignore[union-attr]
    for i in range(12):
        tasks.create(actor=zhang.id, chat_id=zhang.id, text=f"第{i + 1}件事 下周五前")
    fake.send_message(zhang, fake.private_chat(zhang), "/my")
    first = await fake.wait_for_message(zhang.id, contains="第 1/2 页")
    assert first.text.count("#") == 10
    fake.press_button(zhang, zhang.id, first.message_id, "下一页")
    second = await fake.wait_for(
        lambda: (m := fake.message(zhang.id, first.message_id)) and "第 2/2 页" in m.text and m
    )
    assert second.text.count("#") == 2
    assert "上一页" in " ".join(buttons(second))


async def test_plain_group_messages_are_captured_only_when_clearly_an_assignment(
    env: BotRunner, office: Office
):
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    fake.send_message(leader, group, "@zhangsan 明天一起吃饭？")
    fake.send_message(leader, group, "今天天气不错")
    fake.send_message(leader, group, "@zhangsan 周五下午三点前把季度总结交给我，急")
    confirm = await fake.wait_for_message(group.id, contains="已记下")
    assert "季度总结" in confirm.text
    card = await fake.wait_for_message(zhang.id, contains="新任务")
    assert "季度总结" in card.text
    assert env.db is not None
    assert [t.title for t in env.db.tasks_in_chat(group.id)] == ["把季度总结交给我"]


async def test_buttons_sent_before_the_codec_still_work(office: Office):
    """Cards already in chats carry the old two-letter verbs (t:snz, t:sz, t:ho, my:<page>)."""
    fake, group, leader, zhang, wang = (
        office.fake,
        office.group,
        office.leader,
        office.zhang,
        office.wang,
    )
    fake.send_message(leader, group, "/task @zhangsan 周五前 交报表")
    card = await fake.wait_for_message(zhang.id, contains="新任务")
    on_card = (zhang.id, card.message_id)
    fake.press(zhang, on_card, "t:snz:1", strict=False)
    await fake.wait_for(lambda: "明天上午" in buttons(fake.message(*on_card)))
    fake.press(zhang, on_card, "t:sz:1:tam", strict=False)
    await fake.wait_for(lambda: "你已推迟到" in fake.message(*on_card).text)
    fake.press(zhang, on_card, "t:ho:1:12", strict=False)
    handed = await fake.wait_for_message(wang.id, contains="转交给你")
    # What it sends now is the codec's, with the task's revision.
    ack = callbacks.parse(buttons(handed)["👌 收到"])
    assert isinstance(ack, TaskPress) and (ack.verb, ack.number) == (Verb.ACK, 1)
    assert ack.rev is not None
    fake.send_message(wang, fake.private_chat(wang), "/my")
    mine = await fake.wait_for_message(wang.id, contains="我的待办")
    qid = fake.press(wang, (wang.id, mine.message_id), "my:0", strict=False)
    text, alert = await answer_of(fake, qid)
    assert not alert and not text
