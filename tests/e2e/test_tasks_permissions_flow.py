"""Issue #13 end to end, in Chinese and in English: who may change what — snooze is personal,
the deadline is the assigner's (asked for with 申请延期), the assigner's commands, and old
buttons that can do no harm. Each test names the numbered problem of the issue it covers."""

from __future__ import annotations

import pytest

from bot.sim.runner import BotRunner
from tests.e2e.office import answer_of, buttons
from tests.e2e.tasks_cast import Cast, make_cast, sh

W = {
    "zh": {
        "give_two": "/task @zhangsan @wangwu 下周二前报送安全检查材料",
        "give": "/task @zhangsan 周五前 交报表",
        "snooze_tomorrow": "/snooze #1 明天上午",
        "snoozed": "已推迟到 明天 09:00",
        "my_snoozed": "⏰ 推迟到 明天 09:00",
        "nothing_now": "1 件已推迟",
        "refused_snooze": "推迟只对承办人自己有效",
        "back": "推迟到点了",
        "new": "新任务",
        "snooze": "推迟",
        "in_an_hour": "1 小时后",
        "you_snoozed": "你已推迟到",
        "not_acked": "未确认收到",
        "acked_state": "已收到",
        "ack": "收到",
        "assigned_acked": "👌 已收到，办理中",
        "cannot": "办不了",
        "cannot_prompt": "办不了：请回复",
        "cannot_why": "财务科今天不在",
        "hand": "转交",
        "keep": "仍由原人办理",
        "stale_handed": "已由 张三 转交给 王五",
        "now_with": "现由 王五 办理",
        "not_yours_any_more": "不再是你的任务",
        "extend": "/extend #1 下周一前 还差两个科室的数据",
        "asked": "申请延期",
        "asked_sent": "已向 李主任 申请把 #1 延期到 12月7日 周一 18:00",
        "approve": "✅ 同意",
        "decline": "🙅 不同意",
        "other": "🕒 改个时间",
        "approved": "同意延期",
        "moved": "截止时间改为 12月7日 周一 18:00",
        "settled": "已经处理过了",
        "declined": "没有同意延期",
        "other_time": "周四下午五点前",
        "approved_other": "你申请的是",
        "due": "/due #1 周四下午五点前",
        "due_told": "截止时间改为 12月3日 周四 17:00（原为 12月4日 周五 18:00）",
        "rename": "/rename #1 交季度报表",
        "renamed": "标题从“交报表”改为“交季度报表”",
        "priority": "/priority #1 急",
        "prioritised": "从 普通 改为 🔴 紧急",
        "reassign": "/reassign #1 @wangwu",
        "reassigned_card": "交办人改派给你",
        "relieved": "改派给 王五",
        "cancel": "/cancel #1 不用报了",
        "confirm": "确定要取消",
        "yes": "确认取消",
        "cancelled": "已被 李主任 取消",
        "reason": "理由：不用报了",
        "refused": {
            "/due #1 周四": "不比现在的截止时间晚",  # from an assignee: a request for more time
            "/rename #1 别的": "只有交办人可以修改 #1 的标题",
            "/priority #1 不急": "只有交办人可以修改 #1 的轻重缓急",
            "/reassign #1 @wangwu": "只有交办人可以把 #1 交给别人",
            "/cancel #1": "只有交办人或管理员可以取消 #1",
        },
        "not_yours": "不是你的任务",
        "words_reassign": "改派 #1 给王五",
        "words_due": "#1 改到下周一",
        "words_cancel": "取消 #1 不用报了",
        "words_due_told": "截止时间改为 12月7日 周一 18:00",
        "people_reply": "现由 王五 办理",
        "task_hint": "/task #1 @zhangsan",
        "hint": "已经是一件任务了",
        "stale": "失效",
        "unknown_command": "没有 /foo 这个命令",
        "unknown_mytasks": "没有 /mytasks 这个命令",
        "help": "/help",
    },
    "en": {
        "give_two": "/task @zhangsan @wangwu submit the safety figures by next Tuesday",
        "give": "/task @zhangsan send the report by Friday",
        "snooze_tomorrow": "/snooze #1 tomorrow morning",
        "snoozed": "snoozed until Tomorrow 09:00",
        "my_snoozed": "⏰ snoozed until Tomorrow 09:00",
        "nothing_now": "1 snoozed",
        "refused_snooze": "A snooze is for the assignees themselves",
        "back": "Snooze is over",
        "new": "New task",
        "snooze": "Snooze",
        "in_an_hour": "In 1 hour",
        "you_snoozed": "You snoozed it until",
        "not_acked": "not acknowledged",
        "acked_state": "Acknowledged",
        "ack": "Got it",
        "assigned_acked": "👌 acknowledged, in progress",
        "cannot": "Can't do",
        "cannot_prompt": "can't be done: reply",
        "cannot_why": "finance is out today",
        "hand": "Hand over",
        "keep": "Keep with same person",
        "stale_handed": "was handed from Zhang San to Wang Wu",
        "now_with": "Now with Wang Wu",
        "not_yours_any_more": "it is not yours any more",
        "extend": "/extend #1 by next Monday two departments have not sent their figures",
        "asked": "asks for more time",
        "asked_sent": "Asked Director Li to move #1 to Mon 7 Dec 18:00",
        "approve": "✅ Approve",
        "decline": "🙅 Decline",
        "other": "🕒 Other time",
        "approved": "granted more time",
        "moved": "is now due Mon 7 Dec 18:00",
        "settled": "has been dealt with already",
        "declined": "did not grant more time",
        "other_time": "by Thursday 5pm",
        "approved_other": "you asked for",
        "due": "/due #1 by Thursday 5pm",
        "due_told": "to Thu 3 Dec 17:00 (was Fri 4 Dec 18:00)",
        "rename": "/rename #1 send the quarterly report",
        "renamed": "from “send the report” to “send the quarterly report”",
        "priority": "/priority #1 urgent",
        "prioritised": "from Normal to 🔴 Urgent",
        "reassign": "/reassign #1 @wangwu",
        "reassigned_card": "Reassigned to you",
        "relieved": "to Wang Wu",
        "cancel": "/cancel #1 no longer needed",
        "confirm": "Cancel",
        "yes": "Yes, cancel",
        "cancelled": "was cancelled by Director Li",
        "reason": "Reason: no longer needed",
        "refused": {
            "/due #1 Thursday": "not later than the deadline",  # from an assignee: a request
            "/rename #1 other": "Only the assigner can rename #1",
            "/priority #1 low": "Only the assigner can change the priority of #1",
            "/reassign #1 @wangwu": "Only the assigner can give #1 to someone else",
            "/cancel #1": "Only the assigner or an admin can cancel #1",
        },
        "not_yours": "is not your task",
        "words_reassign": "reassign #1 to @wangwu",
        "words_due": "#1 due next Monday",
        "words_cancel": "cancel #1 no longer needed",
        "words_due_told": "to Mon 7 Dec 18:00",
        "people_reply": "is now with Wang Wu",
        "task_hint": "/task #1 @zhangsan",
        "hint": "is a task already",
        "stale": "no longer valid",
        "unknown_command": "There is no /foo command",
        "unknown_mytasks": "There is no /mytasks command",
        "help": "/help",
    },
}


@pytest.fixture(params=["zh", "en"])
async def cast(env: BotRunner, request: pytest.FixtureRequest) -> Cast:
    return await make_cast(env, request.param)


# ----- 1. snooze moved the real deadline, for everyone --------------------------------------------
async def test_1_a_snooze_leaves_the_deadline_and_the_other_assignee_alone(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give_two"])
    await fake.wait_for_message(c.zhang.id, contains=w["new"])
    await fake.wait_for_message(c.wang.id, contains=w["new"])
    due = c.task(1).due
    mark = fake.mark()
    c.dm(c.zhang, w["snooze_tomorrow"])
    await fake.wait_for_message(c.zhang.id, contains=w["snoozed"])
    assert c.task(1).due == due
    c.dm(c.zhang, "/my")
    await fake.wait_for_message(c.zhang.id, contains=w["my_snoozed"])
    c.dm(c.zhang, "/next")
    await fake.wait_for_message(c.zhang.id, contains=w["nothing_now"])
    # The assigner snoozing the task he gave: refused, the deadline is his to change (/due).
    c.dm(c.leader, w["snooze_tomorrow"])
    await fake.wait_for_message(c.leader.id, contains=w["refused_snooze"])
    await c.quiet()
    assert c.task(1).due == due
    assert c.since(c.wang, mark) == []
    assert [m.text for m in c.since(c.leader, mark)] == [fake.last_bot_message(c.leader.id).text]
    # Tomorrow at 09:00 the card comes back to 张三 — and to nobody else.
    mark = fake.mark()
    await c.env.set_time(sh(1, 9))
    back = await fake.wait_for_message(c.zhang.id, contains=w["back"], after=mark)
    assert "#1" in back.text and buttons(back)
    assert not any(w["back"] in m.text for m in c.since(c.wang, mark))
    assert c.task(1).assignees[0].snoozed_until is None  # the snooze is over


# ----- 9. after a snooze the card said 已收到 while /assigned said 未确认收到 ----------------------
async def test_9_after_a_snooze_the_card_and_assigned_agree(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"])
    card = await fake.wait_for_message(c.zhang.id, contains=w["new"])
    fake.press_button(c.zhang, c.zhang.id, card.message_id, w["snooze"])
    await fake.wait_for(
        lambda: w["in_an_hour"] in buttons(fake.message(c.zhang.id, card.message_id))
    )
    fake.press_button(c.zhang, c.zhang.id, card.message_id, w["in_an_hour"])
    snoozed = await fake.wait_for(
        lambda: (
            (m := fake.message(c.zhang.id, card.message_id)) and w["you_snoozed"] in m.text and m
        )
    )
    assert w["acked_state"] not in snoozed.text
    assert any(label.endswith(w["ack"]) for label in buttons(snoozed))
    c.dm(c.leader, "/assigned")
    listing = await fake.wait_for_message(c.leader.id, contains="#1")
    assert w["not_acked"] in listing.text
    # Acknowledged: both say so.
    fake.press_button(c.zhang, c.zhang.id, card.message_id, w["ack"])
    await fake.wait_for(lambda: w["acked_state"] in fake.message(c.zhang.id, card.message_id).text)
    c.dm(c.leader, "/assigned")
    listing = await fake.wait_for_message(c.leader.id, contains=w["assigned_acked"])


# ----- 4. an old decision landed on the wrong person ----------------------------------------------
async def test_4_a_stale_decision_after_a_hand_over_is_refused_and_tells_nobody(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"])
    card = await fake.wait_for_message(c.zhang.id, contains=w["new"])
    fake.press_button(c.zhang, c.zhang.id, card.message_id, w["cannot"])
    prompt = await fake.wait_for_message(c.zhang.id, contains=w["cannot_prompt"])
    c.dm(c.zhang, w["cannot_why"], reply_to=prompt.message_id)
    report = await fake.wait_for_message(c.leader.id, contains=w["cannot_why"])
    assert w["keep"] in " ".join(buttons(report))
    # While the leader decides, 张三 hands it to 王五 with the old card's buttons.
    fake.press_button(c.zhang, c.zhang.id, card.message_id, w["hand"])
    await fake.wait_for(
        lambda: c.wang.first_name in buttons(fake.message(c.zhang.id, card.message_id))
    )
    fake.press_button(c.zhang, c.zhang.id, card.message_id, c.wang.first_name)
    await fake.wait_for_message(c.wang.id, contains="#1")
    await c.quiet()
    mark = fake.mark()
    qid = fake.press_button(c.leader, c.leader.id, report.message_id, w["keep"])
    text, alert = await answer_of(fake, qid)
    assert alert and w["stale_handed"] in text
    refreshed = await fake.wait_for(
        lambda: (
            (m := fake.message(c.leader.id, report.message_id)) and w["now_with"] in m.text and m
        )
    )
    assert not buttons(refreshed)
    await c.quiet()
    assert c.since(c.wang, mark) == [] and c.since(c.zhang, mark) == []
    assert c.task(1).assignee_ids() == (c.wang.id,)
    # 张三's old card cannot act on it either; it says who has it.
    qid = fake.press(
        c.zhang,
        (c.zhang.id, card.message_id),
        buttons(card)[next(iter(buttons(card)))],
        strict=False,
    )
    text, alert = await answer_of(fake, qid)
    assert alert and w["not_yours_any_more"] in text


# ----- the extension: asked, approved after a restart, announced once ------------------------------
async def test_an_extension_is_asked_approved_after_a_restart_and_announced_once(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give_two"].replace("下周二", "周三").replace("next Tuesday", "Wednesday"))
    await fake.wait_for_message(c.wang.id, contains=w["new"])
    due = c.task(1).due
    c.dm(c.zhang, w["extend"])
    asked = await fake.wait_for_message(c.leader.id, contains=w["asked"])
    await fake.wait_for_message(c.zhang.id, contains=w["asked_sent"])
    assert {w["approve"], w["other"], w["decline"]} == set(buttons(asked))
    assert c.task(1).due == due  # nothing moves before the assigner says so
    await c.env.restart()
    mark = fake.mark()
    qid = fake.press_button(c.leader, c.leader.id, asked.message_id, w["approve"])
    text, alert = await answer_of(fake, qid)
    assert not alert
    await fake.wait_for_message(c.zhang.id, contains=w["approved"], after=mark)
    await fake.wait_for_message(c.wang.id, contains=w["moved"], after=mark)
    await c.quiet()
    assert len(c.since(c.zhang, mark)) == 1 and len(c.since(c.wang, mark)) == 1
    assert c.task(1).due == sh(7, 18)
    # The same request answered again: refused.
    qid = fake.press(
        c.leader, (c.leader.id, asked.message_id), buttons(asked)[w["decline"]], strict=False
    )
    text, alert = await answer_of(fake, qid)
    assert alert and w["settled"] in text
    assert c.task(1).due == sh(7, 18)


async def test_an_extension_declined_or_given_another_time(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"].replace("周五", "周三").replace("Friday", "Wednesday"))
    await fake.wait_for_message(c.zhang.id, contains=w["new"])
    c.dm(c.zhang, w["extend"])
    asked = await fake.wait_for_message(c.leader.id, contains=w["asked"])
    fake.press_button(c.leader, c.leader.id, asked.message_id, w["decline"])
    await fake.wait_for_message(c.zhang.id, contains=w["declined"])
    assert c.task(1).due == sh(2, 18)
    c.dm(c.zhang, w["extend"])
    asked = await fake.wait_for_message(c.leader.id, contains=w["asked"])
    fake.press_button(c.leader, c.leader.id, asked.message_id, w["other"])
    prompt = await fake.wait_for_message(c.leader.id, contains="#1")
    c.dm(c.leader, w["other_time"], reply_to=prompt.message_id)
    await fake.wait_for_message(c.zhang.id, contains=w["approved_other"])
    assert c.task(1).due == sh(3, 17)


# ----- 5. the assigner had no direct way to change anything ---------------------------------------
async def test_5_each_assigner_command_works_and_is_refused_for_others(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"])
    await fake.wait_for_message(c.zhang.id, contains=w["new"])
    for command, refusal in w["refused"].items():
        c.dm(c.zhang, command)
        await fake.wait_for_message(c.zhang.id, contains=refusal)
        c.dm(c.stranger, command)
        await fake.wait_for_message(c.stranger.id, contains=w["not_yours"])
    assert c.task(1).title != "交季度报表" and c.task(1).assignee_ids() == (c.zhang.id,)

    c.dm(c.leader, w["due"])
    await fake.wait_for_message(c.zhang.id, contains=w["due_told"])
    c.dm(c.leader, w["rename"])
    await fake.wait_for_message(c.zhang.id, contains=w["renamed"])
    c.dm(c.leader, w["priority"])
    await fake.wait_for_message(c.zhang.id, contains=w["prioritised"])
    c.dm(c.leader, w["reassign"])
    await fake.wait_for_message(c.wang.id, contains=w["reassigned_card"])
    await fake.wait_for_message(c.zhang.id, contains=w["relieved"])
    assert c.task(1).assignee_ids() == (c.wang.id,)
    # Cancel: asked first; the reason goes with it.
    c.dm(c.leader, w["cancel"])
    question = await fake.wait_for_message(c.leader.id, contains=w["confirm"])
    assert c.task(1).status == "acknowledged" or not c.task(1).finished
    fake.press_button(c.leader, c.leader.id, question.message_id, w["yes"])
    told = await fake.wait_for_message(c.wang.id, contains=w["cancelled"])
    assert w["reason"] in told.text
    assert c.task(1).status == "cancelled"


async def test_5_changes_said_in_words_and_the_task_number_hint(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"])
    await fake.wait_for_message(c.zhang.id, contains=w["new"])
    c.say(c.leader, w["task_hint"])
    await fake.wait_for_message(c.group.id, contains=w["hint"])
    assert c.env.db is not None and len(c.env.db.live_tasks()) == 1  # no task titled "#1"
    c.dm(c.leader, w["words_reassign"])
    await fake.wait_for_message(c.leader.id, contains=w["people_reply"])
    await fake.wait_for_message(c.wang.id, contains=w["reassigned_card"])
    c.dm(c.leader, w["words_due"])
    await fake.wait_for_message(c.wang.id, contains=w["words_due_told"])
    c.dm(c.leader, w["words_cancel"])
    question = await fake.wait_for_message(c.leader.id, contains=w["confirm"])
    fake.press_button(c.leader, c.leader.id, question.message_id, w["yes"])
    told = await fake.wait_for_message(c.wang.id, contains=w["cancelled"])
    assert w["reason"] in told.text
    assert len(c.env.db.live_tasks()) == 0


# ----- 6. tampered data got no answer; unknown commands were silent -----------------------------
async def test_6_every_press_is_answered_and_unknown_commands_point_at_help(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"])
    card = await fake.wait_for_message(c.zhang.id, contains=w["new"])
    on_card = (c.zhang.id, card.message_id)
    for data in ("t:ack:1@zz", "t:keep:999@3", "t:fly:1", "zzz", "x:1:2", ""):
        qid = fake.press(c.zhang, on_card, data, strict=False)
        text, alert = await answer_of(fake, qid)
        assert alert and text, data
    assert c.task(1).status == "open"
    c.dm(c.zhang, "/foo")
    await fake.wait_for_message(c.zhang.id, contains=w["unknown_command"])
    c.dm(c.zhang, "/mytasks")
    reply = await fake.wait_for_message(c.zhang.id, contains=w["unknown_mytasks"])
    assert "/help" in reply.text
    # In a group only when addressed to the bot: other bots' commands are theirs.
    mark = fake.mark()
    c.say(c.zhang, "/foo")
    c.say(c.zhang, "/foo@otherbot")
    c.say(c.zhang, "/foo@officebot_bot")
    await fake.wait_for_message(c.group.id, contains=w["unknown_command"], after=mark)
    await c.quiet()
    assert len(c.since(c.group, mark)) == 1
