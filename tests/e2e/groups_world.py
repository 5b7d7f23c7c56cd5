"""Helpers for the groups end-to-end tests (issue #15): reading what the bot sent where."""

from __future__ import annotations

from bot.sim.fake_api import BotMessage, FakeBotAPI


def sent(fake: FakeBotAPI, chat_id: int, after: int = 0, contains: str = "") -> list[BotMessage]:
    return [m for m in fake.bot_messages(chat_id) if m.seq > after and contains in m.text]


def thread_of(msg: BotMessage) -> int | None:
    value = msg.data.get("message_thread_id")
    return int(value) if value is not None else None


def urls(msg: BotMessage) -> list[str]:
    rows = (msg.reply_markup or {}).get("inline_keyboard", [])
    return [b["url"] for row in rows for b in row if b.get("url")]
