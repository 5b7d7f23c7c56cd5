"""Issue #13 end to end, in Chinese and in English: talking to the bot in reply — a reply about a
task acts on it, `/task` in reply takes the message, a question or thanks is not a task, bare
`/done` asks first — and from issue #14, one's own notes and the 催办 list that stays."""

from __future__ import annotations

import pytest

from bot.sim._text import derive_entities
from bot.sim.runner import BotRunner
from tests.e2e.office import answer_of, buttons
from tests.e2e.tasks_cast import Cast, make_cast

W = {
    "zh": {
        "give": "/task @zhangsan 周五前 交报表",
        "give_2": "/task @zhangsan 周四前 准备签到表",
        "give_wang": "/task @wangwu 周三前 订会议室",
        "new": "新任务",
        "ack": "收到",
        "ack_urgent": "好的，马上办",
        "done": "已完成 已报送财务科",
        "receipt": "已收到 #",
        "acked_reply": "已确认收到 #1",
        "done_told": "已完成（张三）",
        "note": "备注：已报送财务科",
        "undo": "↩️ 撤销",
        "reverted": "撤回了",
        "nod": "👌",
        "group_ack": "已确认收到 #3",
        "call": "上级来电：市里要求本周四前上报安全生产检查情况",
        "task_at": "/task @wangwu",
        "title": "安全生产检查情况",
        "recorded": "已记下",
        "forwarded": "请于周五前报送年度总结",
        "source": "来源：王局长",
        "contact": "/contact add 张伟 办公室主任 13800138000",
        "phone_q": "张伟的电话是多少",
        "thanks": "谢谢",
        "thanks_reply": "不客气",
        "question": "明天几点开会？",
        "offer": "没有把它记成任务",
        "save": "记为任务",
        "ask_done": "要标记为完成吗",
        "done_button": "完成 #1",
        "done_reply": "#1 交报表 已完成",
        "which": "是哪件任务",
        "own": "周五前整理档案",
        "own_done": "#2 已完成",
        "assigner_line": "交办人",
        "report_own": "/report #2 已整理一半",
        "noted": "已记在 #2 上",
        "me": "给我打印二十份材料 @zhangsan 明天上午",
        "me_line": "“我”指 李主任",
        "nudge": "催办 #1",
        "nudged": "已催办",
        "assigned_header": "我交办的任务",
        "past": "/snooze #1 昨天",
        "past_reply": "已经过去了",
    },
    "en": {
        "give": "/task @zhangsan send the report by Friday",
        "give_2": "/task @zhangsan prepare the sign-in sheet by Thursday",
        "give_wang": "/task @wangwu book the meeting room by Wednesday",
        "new": "New task",
        "ack": "ok",
        "ack_urgent": "got it, on it",
        "done": "done, sent it to finance",
        "receipt": "got <b>#".replace("<b>", ""),
        "acked_reply": "#1 acknowledged",
        "done_told": "is done (Zhang San)",
        "note": "Note: sent it to finance",
        "undo": "↩️ Undo",
        "reverted": "took back",
        "nod": "👌",
        "group_ack": "#3 acknowledged",
        "call": "Call from the city: report the safety inspection by this Thursday",
        "task_at": "/task @wangwu",
        "title": "safety inspection",
        "recorded": "Recorded",
        "forwarded": "please send the annual summary by Friday",
        "source": "Source: Director Wang",
        "contact": "/contact add Zhang Wei office director 13800138000",
        "phone_q": "what is the phone number of Zhang Wei",
        "thanks": "thanks",
        "thanks_reply": "You're welcome",
        "question": "when is the meeting tomorrow?",
        "offer": "did not save it as a task",
        "save": "Save as a task",
        "ask_done": "Mark it done?",
        "done_button": "Done #1",
        "done_reply": "#1 send the report is done",
        "which": "Which task?",
        "own": "sort out the archive by Friday",
        "own_done": "#2 done",
        "assigner_line": "From:",
        "report_own": "/report #2 half of it sorted",
        "noted": "Noted on #2",
        "me": "print twenty copies for me @zhangsan tomorrow morning",
        "me_line": "“me” here is Director Li",
        "nudge": "Nudge #1",
        "nudged": "nudged",
        "assigned_header": "Tasks I assigned",
        "past": "/snooze #1 yesterday",
        "past_reply": "already passed",
    },
}


@pytest.fixture(params=["zh", "en"])
async def cast(env: BotRunner, request: pytest.FixtureRequest) -> Cast:
    return await make_cast(env, request.param)


def _count(c: Cast) -> int:
    assert c.env.db is not None
    return len(c.env.db.live_tasks())


# ----- 2. replies to a task card created junk tasks ----------------------------------------------
async def test_2_each_reply_form_acts_on_its_task_and_makes_no_task(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"])
    card = await fake.wait_for_message(c.zhang.id, contains=w["new"])
    c.say(c.leader, w["give_2"])
    card_2 = await fake.wait_for_message(c.zhang.id, contains="#2")
    # 收到 in reply: acknowledged, the assigner hears it, the answer offers 撤销.
    c.dm(c.zhang, w["ack"], reply_to=card.message_id)
    await fake.wait_for_message(c.leader.id, contains=w["receipt"] + "1")
    answer = await fake.wait_for_message(c.zhang.id, contains=w["acked_reply"])
    assert w["undo"] in buttons(answer)
    # 好的，马上办 to the other card: that one is acknowledged — not a new (urgent) task.
    c.dm(c.zhang, w["ack_urgent"], reply_to=card_2.message_id)
    await fake.wait_for_message(c.leader.id, contains=w["receipt"] + "2")
    # 已完成 + the rest: done, the rest as the note.
    c.dm(c.zhang, w["done"], reply_to=card.message_id)
    told = await fake.wait_for_message(c.leader.id, contains=w["done_told"])
    assert w["note"] in told.text
    assert c.task(1).finished
    done_answer = await fake.wait_for_message(c.zhang.id, contains=w["done_reply"])
    assert w["undo"] in buttons(done_answer)
    # A plain 收到, not a reply: a nod, nothing saved.
    c.dm(c.zhang, w["ack"])
    await fake.wait_for_message(c.zhang.id, contains=w["nod"])
    # In the group, a reply to the bot's confirmation acts on its task too.
    c.say(c.leader, w["give_wang"])
    confirm = await fake.wait_for_message(c.group.id, contains="#3")
    c.say(c.wang, w["ack"], reply_to=confirm.message_id)
    await fake.wait_for_message(c.group.id, contains=w["group_ack"])
    assert c.task(3).assignees[0].acknowledged_at is not None
    assert _count(c) == 2  # #2 and #3 open, #1 done; nothing else was made
    # 撤销 the done: open again, and the assigner is told.
    fake.press_button(c.zhang, c.zhang.id, done_answer.message_id, w["undo"])
    await fake.wait_for_message(c.leader.id, contains=w["reverted"])
    assert not c.task(1).finished


# ----- 3. /task in reply failed once someone was named ---------------------------------------------
async def test_3_task_in_reply_takes_the_message_and_the_people_named(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    original = c.say(c.leader, w["call"])
    c.say(c.leader, w["task_at"], reply_to=original["message_id"])
    confirm = await fake.wait_for_message(c.group.id, contains=w["recorded"])
    assert w["title"] in confirm.text and c.wang.first_name in confirm.text
    assert confirm.reply_to_message_id == original["message_id"]
    card = await fake.wait_for_message(c.wang.id, contains=w["new"])
    assert w["title"] in card.text
    assert c.task(1).assignee_ids() == (c.wang.id,) and c.task(1).due is not None
    # A person named by a text mention (no @username needed) in the command is the assignee.
    command = f"/task {c.zhang.first_name}"
    mention = fake.text_mention(command, c.zhang.first_name, c.zhang)
    entities = [*derive_entities(command), mention]  # the command, and the person
    c.say(c.leader, command, reply_to=original["message_id"], entities=entities)
    await fake.wait_for_message(c.zhang.id, contains=w["title"])
    assert c.task(2).assignee_ids() == (c.zhang.id,)
    # In private, a forwarded message becomes a task, its origin shown as 来源.
    fake._user_message(
        c.zhang,
        fake.private_chat(c.zhang),
        {
            "text": w["forwarded"],
            "forward_origin": {
                "type": "hidden_user",
                "sender_user_name": w["source"].split("：")[-1].split(": ")[-1],
                "date": 1764468000,
            },
        },
        None,
    )
    forwarded = await fake.wait_for_message(c.zhang.id, contains=w["recorded"])
    assert w["source"] in forwarded.text


# ----- 7. questions became tasks --------------------------------------------------------------
async def test_7_questions_and_thanks_are_answered_not_saved(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["contact"])
    await fake.wait_for_message(c.group.id, contains="13800138000")
    c.dm(c.zhang, w["phone_q"])
    await fake.wait_for_message(c.zhang.id, contains="13800138000")
    c.dm(c.zhang, w["thanks"])
    await fake.wait_for_message(c.zhang.id, contains=w["thanks_reply"])
    c.dm(c.zhang, w["question"])
    offer = await fake.wait_for_message(c.zhang.id, contains=w["offer"])
    assert _count(c) == 0
    # One tap saves it after all; a second tap does not save it twice.
    fake.press_button(c.zhang, c.zhang.id, offer.message_id, w["save"])
    await fake.wait_for_message(c.zhang.id, contains=w["recorded"])
    assert _count(c) == 1
    qid = fake.press(c.zhang, (c.zhang.id, offer.message_id), "t:save", strict=False)
    text, alert = await answer_of(fake, qid)
    assert alert and text
    assert _count(c) == 1


# ----- 8. bare /done completed the only task without asking -------------------------------------
async def test_8_bare_done_asks_first_then_offers_undo(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"])
    await fake.wait_for_message(c.zhang.id, contains=w["new"])
    mark = fake.mark()
    c.dm(c.zhang, "/done")
    question = await fake.wait_for_message(c.zhang.id, contains=w["ask_done"])
    await c.quiet()
    assert not c.task(1).finished and c.since(c.leader, mark) == []
    fake.press_button(c.zhang, c.zhang.id, question.message_id, w["done_button"])
    await fake.wait_for_message(c.leader.id, contains=w["done_told"])
    answered = await fake.wait_for(
        lambda: (
            (m := fake.message(c.zhang.id, question.message_id)) and w["done_reply"] in m.text and m
        )
    )
    fake.press_button(c.zhang, c.zhang.id, answered.message_id, w["undo"])
    await fake.wait_for_message(c.leader.id, contains=w["reverted"])
    assert not c.task(1).finished
    # With two open tasks it asks which.
    c.say(c.leader, w["give_2"])
    await fake.wait_for_message(c.zhang.id, contains="#2")
    c.dm(c.zhang, "/done")
    await fake.wait_for_message(c.zhang.id, contains=w["which"])


# ----- issue #14: one's own notes, "我", the 催办 list, a time in the past ------------------------
async def test_own_notes_read_as_ones_own_and_others_learn_whose_me(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"])
    await fake.wait_for_message(c.zhang.id, contains=w["new"])
    c.dm(c.zhang, w["own"])
    own = await fake.wait_for_message(c.zhang.id, contains=w["recorded"])
    assert w["assigner_line"] not in own.text
    # A progress note on one's own task reports to nobody: it is noted.
    mark = fake.mark()
    c.dm(c.zhang, w["report_own"])
    await fake.wait_for_message(c.zhang.id, contains=w["noted"])
    qid = fake.press_button(c.zhang, c.zhang.id, own.message_id, w["done_button"].split(" ")[0])
    text, _ = await answer_of(fake, qid)
    assert w["own_done"] in text and ("交办人" not in text and "assigner" not in text)
    await c.quiet()
    assert c.since(c.leader, mark) == []
    c.dm(c.leader, w["me"])
    card = await fake.wait_for_message(c.zhang.id, contains="#3")
    assert w["me_line"] in card.text


async def test_nudging_from_assigned_keeps_the_list_and_a_past_time_is_said_so(cast: Cast):
    c, w, fake = cast, W[cast.lang], cast.fake
    c.say(c.leader, w["give"])
    await fake.wait_for_message(c.zhang.id, contains=w["new"])
    c.dm(c.leader, "/assigned")
    listing = await fake.wait_for_message(c.leader.id, contains=w["assigned_header"])
    fake.press_button(c.leader, c.leader.id, listing.message_id, w["nudge"])
    await fake.wait_for_message(c.zhang.id, contains="#1")
    kept = await fake.wait_for(
        lambda: (m := fake.message(c.leader.id, listing.message_id)) and w["nudged"] in m.text and m
    )
    assert w["assigned_header"] in kept.text and w["nudge"] in " ".join(buttons(kept))
    c.dm(c.zhang, w["past"])
    await fake.wait_for_message(c.zhang.id, contains=w["past_reply"])
