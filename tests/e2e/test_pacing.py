"""Telegram's limits through the real bot: one message a second in a private chat."""

from __future__ import annotations

import itertools

from bot.sim.runner import BotRunner


async def test_messages_to_one_private_chat_are_a_second_apart(tmp_path):
    runner = BotRunner(tmp_path / "data")  # paced, as in production
    await runner.start()
    try:
        fake = runner.fake
        user = fake.add_user(900, "张三")
        chat = fake.private_chat(user)
        for text in ("/start", "/help", "/my"):
            fake.send_message(user, chat, text)
        await fake.wait_for(lambda: len(fake.bot_messages(user.id)) >= 3, timeout=10)
        sends = [c.at for c in fake.calls_to("sendMessage") if c.params.get("chat_id") == user.id]
        assert len(sends) == 3
        gaps = [b - a for a, b in itertools.pairwise(sends)]
        assert all(gap >= 0.95 for gap in gaps), gaps
    finally:
        await runner.stop()
