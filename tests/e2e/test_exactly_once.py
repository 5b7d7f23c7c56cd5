"""spec/conversations.md "Exactly once": a re-delivered update changes nothing twice."""

from __future__ import annotations

from telegram import Update

from bot.sim.runner import BotRunner


def _delivered_update(env: BotRunner, predicate) -> dict:
    """The update dict the bot received through getUpdates (from the fake's call log)."""
    for call in env.fake.calls_to("getUpdates"):
        for upd in call.response.get("result", []) or []:
            if predicate(upd):
                return upd
    raise AssertionError("update not found")


async def test_a_redelivered_message_does_not_create_a_second_task(env: BotRunner):
    fake = env.fake
    user = fake.add_user(501, "张三")
    chat = fake.private_chat(user)
    fake.send_message(user, chat, "明天上午十点前报送材料")
    await fake.wait_for_message(user.id, contains="已记下")
    upd = _delivered_update(env, lambda u: "报送材料" in u.get("message", {}).get("text", ""))

    assert env.app is not None
    await env.app.process_update(Update.de_json(upd, env.app.bot))
    await env.settle()
    assert env.db is not None
    assert [t.number for t in env.db.tasks_for_assignee(user.id)] == [1]
    assert sum("已记下" in m.text for m in fake.bot_messages(user.id)) == 1


async def test_a_button_pressed_twice_counts_once(env: BotRunner):
    fake = env.fake
    leader = fake.add_user(502, "李主任", username="li")
    zhang = fake.add_user(503, "张三", username="zhang")
    for u in (leader, zhang):
        fake.send_message(u, fake.private_chat(u), "/start")
        await fake.wait_for_message(u.id, contains="你好")
    fake.send_message(leader, fake.private_chat(leader), "@zhang 周五前交总结")
    card = await fake.wait_for_message(zhang.id, contains="新任务")
    data = next(
        b["callback_data"]
        for row in card.reply_markup["inline_keyboard"]
        for b in row
        if "收到" in b["text"]
    )
    fake.press(zhang, card, data)
    fake.press(zhang, (zhang.id, card.message_id), data, strict=False)
    await fake.wait_for(lambda: len(fake.callback_answers) >= 2)
    await env.settle()
    receipts = [m for m in fake.bot_messages(leader.id) if "已收到" in m.text]
    assert len(receipts) == 1
    assert any(a.show_alert and "已经确认过" in (a.text or "") for a in fake.callback_answers)
