"""Helpers for the groups end-to-end tests (issue #15): waiting until the bot is quiet, and
reading what it sent where."""

from __future__ import annotations

import asyncio
import time

from bot.sim.fake_api import BotMessage, FakeBotAPI, FakeUser
from bot.sim.runner import BotRunner


async def settle(env: BotRunner, quiet: float = 0.15, within: float = 10.0) -> None:
    """Until every update is fetched and handled, the outbox is drained, and nothing new was
    sent for `quiet` seconds (at most `within` seconds)."""
    fake = env.fake
    deadline = time.monotonic() + within
    last, since = fake.mark(), time.monotonic()
    while time.monotonic() < deadline:
        feed, app = env.feed, env.app
        busy = fake.pending_updates() or (feed is not None and feed.in_hand)
        if app is not None and not busy:
            await app.bot_data.delivery.drain()
        now_mark = fake.mark()
        if now_mark != last or busy:
            last, since = now_mark, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"the bot did not go quiet\n{fake.dump()}")


def sent(fake: FakeBotAPI, chat_id: int, after: int = 0, contains: str = "") -> list[BotMessage]:
    return [m for m in fake.bot_messages(chat_id) if m.seq > after and contains in m.text]


def thread_of(msg: BotMessage) -> int | None:
    value = msg.data.get("message_thread_id")
    return int(value) if value is not None else None


def urls(msg: BotMessage) -> list[str]:
    rows = (msg.reply_markup or {}).get("inline_keyboard", [])
    return [b["url"] for row in rows for b in row if b.get("url")]


async def start_bot(fake: FakeBotAPI, *users: FakeUser) -> None:
    for u in users:
        fake.send_message(u, fake.private_chat(u), "/start")
        await fake.wait_for_message(u.id, contains="你好")
