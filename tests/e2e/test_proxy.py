"""OFFICEBOT_PROXY: every Bot API request, long polling included, goes through the proxy."""

from __future__ import annotations

import pytest

from bot.sim.proxy import RecordingProxy
from bot.sim.runner import BotRunner


@pytest.mark.parametrize(
    ("kind", "auth"),
    [
        pytest.param("http", None, id="http"),
        pytest.param("socks5", ("office", "p@ss:1"), id="socks5-with-password"),
    ],
)
async def test_the_bot_works_through_a_proxy_and_the_proxy_saw_every_request(tmp_path, kind, auth):
    proxy = RecordingProxy(kind=kind, auth=auth)
    await proxy.start()
    url = proxy.url
    if auth is not None:  # the password goes into the URL percent-encoded, as users write it
        url = url.replace("p@ss:1", "p%40ss%3A1")
    runner = BotRunner(tmp_path / "data", paced=False, proxy=url)
    await runner.start()
    try:
        fake = runner.fake
        boss = fake.add_user(2001, "李主任", username="lizhuren")
        zhang = fake.add_user(2002, "张三", username="zhangsan")
        fake.send_message(zhang, fake.private_chat(zhang), "/start")
        fake.send_message(boss, fake.private_chat(boss), "/start")
        await fake.wait_for_message(boss.id, contains="你好")
        fake.send_message(boss, fake.private_chat(boss), "/task @zhangsan 周五前交季度总结")
        await fake.wait_for_message(zhang.id, contains="交季度总结")
    finally:
        await runner.stop()
        await proxy.stop()
    seen = proxy.methods()
    assert {"getMe", "getUpdates", "sendMessage", "setMyCommands"} <= seen
    # Nothing reached the Bot API around the proxy: every call the fake answered came through it.
    answered = {c.method for c in fake.calls}
    assert answered <= seen, answered - seen
    assert proxy.refused_auth == 0
