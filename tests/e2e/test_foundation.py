"""Issue 2 end to end: /start and /help in process, the command menu, faults survived."""

from __future__ import annotations

from bot.sim.runner import BotRunner


async def test_start_is_answered_in_chinese_by_default(env: BotRunner):
    fake = env.fake
    user = fake.add_user(1001, "张三", username="zhangsan")
    fake.send_message(user, fake.private_chat(user), "/start")
    msg = await fake.wait_for_message(user.id, contains="你好，张三")
    assert "/my" in msg.text


async def test_start_is_answered_in_english_for_english_users(env: BotRunner):
    fake = env.fake
    user = fake.add_user(1002, "Alice", username="alice", language_code="en")
    fake.send_message(user, fake.private_chat(user), "/start")
    await fake.wait_for_message(user.id, contains="Hello, Alice")


async def test_help_in_a_group_explains_privacy_mode(env: BotRunner):
    fake = env.fake
    user = fake.add_user(1003, "李四")
    group = fake.add_group(-1001, "办公室", members=[user])
    fake.send_message(user, group, "/help")
    msg = await fake.wait_for_message(group.id, contains="隐私模式")
    assert "@officebot_bot" in msg.text


async def test_command_menu_is_set_in_zh_and_en(env: BotRunner):
    zh = env.fake.my_commands(language_code="zh")
    en = env.fake.my_commands(language_code="en")
    default = env.fake.my_commands()
    assert (
        {c["command"] for c in zh} == {c["command"] for c in en} >= {"my", "task", "done", "help"}
    )
    assert any("待办" in c["description"] for c in zh)
    assert any("tasks" in c["description"].lower() for c in en)
    assert default == zh  # OFFICEBOT_LANG defaults to zh


async def test_a_429_on_send_is_retried_and_the_reply_arrives(env: BotRunner):
    fake = env.fake
    user = fake.add_user(1004, "王五")
    fake.fail("sendMessage", status=429, retry_after=1, times=1)
    fake.send_message(user, fake.private_chat(user), "/start")
    await fake.wait_for_message(user.id, contains="你好", timeout=8)
    sends = fake.calls_to("sendMessage")
    assert [c.status for c in sends][:2] == [429, 200]


async def test_a_5xx_on_get_updates_does_not_stop_the_bot(env: BotRunner):
    fake = env.fake
    user = fake.add_user(1005, "赵六")
    fake.fail("getUpdates", status=502, times=2)
    await fake.wait_for(lambda: any(c.status == 502 for c in fake.calls_to("getUpdates")))
    fake.send_message(user, fake.private_chat(user), "/start")
    await fake.wait_for_message(user.id, contains="你好", timeout=10)
    assert any(c.status == 502 for c in fake.calls_to("getUpdates"))


async def test_an_error_in_a_handler_is_logged_and_the_bot_keeps_going(
    env: BotRunner, monkeypatch, caplog
):
    fake = env.fake
    user = fake.add_user(1006, "孙七")
    import handlers.start as start

    async def boom(_update, _context):
        raise RuntimeError("boom")

    assert env.app is not None
    # Replace the /help callback in place: the error handler must catch it.
    for group in env.app.handlers.values():
        for h in group:
            if getattr(h, "callback", None) is start.cmd_help:
                monkeypatch.setattr(h, "callback", boom)
    fake.send_message(user, fake.private_chat(user), "/help")
    await fake.wait_for_message(user.id, contains="出了点问题")
    fake.send_message(user, fake.private_chat(user), "/start")
    await fake.wait_for_message(user.id, contains="你好")
    assert any("boom" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


async def test_admins_hear_of_errors_at_most_every_ten_minutes(tmp_path, monkeypatch):
    import handlers.start as start

    runner = BotRunner(tmp_path / "data", paced=False, admins=frozenset({1100}))
    await runner.start()
    try:
        fake = runner.fake
        admin = fake.add_user(1100, "管理员")
        user = fake.add_user(1101, "周八")
        fake.send_message(admin, fake.private_chat(admin), "/start")
        await fake.wait_for_message(admin.id, contains="你好")

        async def boom(_update, _context):
            raise RuntimeError("boom")

        assert runner.app is not None
        for group in runner.app.handlers.values():
            for h in group:
                if getattr(h, "callback", None) is start.cmd_help:
                    monkeypatch.setattr(h, "callback", boom)
        for _ in range(2):
            fake.send_message(user, fake.private_chat(user), "/help")
            await fake.wait_for_message(user.id, contains="出了点问题")
        notices = [m for m in fake.bot_messages(admin.id) if "RuntimeError: boom" in m.text]
        assert len(notices) == 1
        assert fake.token not in notices[0].text
    finally:
        await runner.stop()
