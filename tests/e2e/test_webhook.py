"""Webhook mode runs the same flows as polling: Telegram (the fake) pushes each update to the
bot's own web server, with the secret header; a request without the right secret is refused."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest

from bot.sim.runner import BotRunner
from tests.e2e.office import answer_of, make_office


@pytest.fixture(params=["polling", "webhook"])
async def runner(request, tmp_path):
    runner = BotRunner(tmp_path / "data", paced=False, webhook=request.param == "webhook")
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


async def test_assign_acknowledge_restart_done_in_either_mode(runner: BotRunner):
    office = await make_office(runner, stranger_in_group=False)
    fake, leader, zhang = office.fake, office.leader, office.zhang
    if runner.webhook:
        info = fake.webhook_info()
        assert info["url"] == runner.webhook_url
        assert "chat_member" in info["allowed_updates"]

    fake.send_message(leader, office.group, "/task @zhangsan 周五前交季度总结")
    card = await fake.wait_for_message(zhang.id, contains="新任务")
    qid = fake.press_button(zhang, zhang.id, card.message_id, "收到")
    text, alert = await answer_of(fake, qid)
    assert not alert and "#1" in text
    await fake.wait_for_message(leader.id, contains="已收到")

    await runner.restart()

    qid = fake.press_button(zhang, zhang.id, card.message_id, "完成")
    await answer_of(fake, qid)
    done = await fake.wait_for_message(leader.id, contains="已完成")
    assert "#1" in done.text and "交季度总结" in done.text


async def test_a_webhook_request_without_the_right_secret_is_refused(tmp_path):
    runner = BotRunner(tmp_path / "data", paced=False, webhook=True)
    await runner.start()
    try:
        fake = runner.fake
        user = fake.add_user(3001, "张三", username="zhangsan")
        forged = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": user.id, "type": "private", "first_name": "张三"},
                "from": {"id": user.id, "is_bot": False, "first_name": "张三"},
                "text": "/task 伪造的任务",
            },
        }
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            request = urllib.request.Request(
                runner.webhook_url,
                data=json.dumps(forged).encode(),
                headers={"Content-Type": "application/json", **headers},
                method="POST",
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                # In a thread: the bot's web server runs on this test's event loop.
                await asyncio.to_thread(urllib.request.urlopen, request, timeout=5)
            assert refused.value.code == 403
            refused.value.close()
        # The right path still works, and nothing came of the forged requests.
        fake.send_message(user, fake.private_chat(user), "/start")
        await fake.wait_for_message(user.id, contains="你好")
        assert runner.db is not None
        assert runner.db.get_task(1) is None
        assert not [m for m in fake.bot_messages(user.id) if "伪造" in m.text]
    finally:
        await runner.stop()
