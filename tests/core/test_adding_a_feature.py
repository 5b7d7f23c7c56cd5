"""docs/ARCHITECTURE.md's worked example, for real: a new feature — its command, message kind,
button codec, store and due work — joins the bot through its declaration and one line in the
composition root's feature list, and runs through the real application and the fake Bot API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import ClassVar

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import FEATURES
from bot.context import Ctx, Services
from bot.core.feature import Feature
from bot.core.models import Button, OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import MessageKind, MessageParams, RenderContext, Rendered
from bot.sim.runner import BotRunner
from storage import Database, space_of_chat


# ----- bot/ping/views.py: one message kind, a typed record ------------------------------------
@dataclass(frozen=True, slots=True)
class Pong(MessageParams):
    KIND: ClassVar[str] = "ping_pong"
    count: int
    evening: bool = False


def pong(p: Pong, _ctx: RenderContext) -> Rendered:
    text = f"🏓 {p.count}" + (" — 17:00" if p.evening else "")
    return Rendered(text, ((Button("fmt.no_due", build_press(p.count)),),))


# ----- bot/ping/callbacks.py: one codec builds and reads the button ---------------------------
def build_press(count: int) -> str:
    return f"ping:press:{count}"


def parse_press(data: str) -> int | None:
    verb, _, rest = data.removeprefix("ping:").partition(":")
    return int(rest) if verb == "press" and rest.isdigit() else None


# ----- storage/ping.py: the feature's store ---------------------------------------------------
class PingStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def count(self, space: str) -> int:
        doc = self._db.shard_table(space, "ping").get(doc_id=1)
        return int(doc["count"]) if doc else 0

    def save(
        self, space: str, count: int, entries: list[OutboxEntry], update_id: int | None
    ) -> None:
        with self._db.transaction(space, update_id=update_id) as tx:
            table = tx.table("ping")
            table.truncate()
            table.insert({"count": count})
            for entry in entries:
                tx.put_outbox(entry)


# ----- bot/ping/service.py: the use cases -----------------------------------------------------
class PingService:
    def __init__(self, store: PingStore, services: Services) -> None:
        self._store = store
        self._clock = services.clock
        self._chats: set[int] = set()

    def press(self, chat_id: int, user_id: int, update_id: int) -> list[OutboxEntry]:
        space = space_of_chat(chat_id, user_id)
        count = self._store.count(space) + 1
        entry = new_entry(space=space, now=self._clock.now(), message=Pong(count), to_chat=chat_id)
        self._store.save(space, count, [entry], update_id)
        self._chats.add(chat_id)
        return [entry]

    def due(self, now: datetime) -> list[OutboxEntry]:
        """At 17:00 each chat that pinged hears the count once (a deterministic key)."""
        if now.time() < time(17, 0):
            return []
        out = []
        for chat_id in sorted(self._chats):
            space = space_of_chat(chat_id, chat_id)
            entry = new_entry(
                space=space,
                now=now,
                message=Pong(self._store.count(space), evening=True),
                to_chat=chat_id,
                key=f"ping:{chat_id}:{now.date()}",
            )
            self._store.save(space, self._store.count(space), [entry], None)
            out.append(entry)
        return out


# ----- handlers/ping.py: thin glue and the declaration ----------------------------------------
def feature(services: Services) -> Feature:
    service = PingService(PingStore(services.db), services)

    async def cmd_ping(update: Update, context: Ctx) -> None:
        assert update.effective_chat is not None and update.effective_user is not None
        entries = service.press(
            update.effective_chat.id, update.effective_user.id, update.update_id
        )
        await context.bot_data.delivery.send(entries)

    async def cb_ping(update: Update, context: Ctx) -> None:
        query = update.callback_query
        assert query is not None and update.effective_chat is not None
        if parse_press(query.data or "") is None:
            await query.answer("?", show_alert=True)
            return
        await query.answer("+1")
        assert update.effective_user is not None
        entries = service.press(
            update.effective_chat.id, update.effective_user.id, update.update_id
        )
        await context.bot_data.delivery.send(entries)

    async def step_evening(context: Ctx) -> None:
        await context.bot_data.delivery.send(service.due(context.bot_data.clock.now()))

    return Feature(
        "ping",
        handlers=(CommandHandler("ping", cmd_ping), CallbackQueryHandler(cb_ping, r"^ping:")),
        messages=(MessageKind(Pong, pong),),
        tick_steps=(step_evening,),
    )


# ----- bot/app.py: the one line ---------------------------------------------------------------
WITH_PING = (*FEATURES, feature)


async def test_a_new_feature_needs_only_its_declaration(tmp_path):
    runner = BotRunner(tmp_path / "data", paced=False, features=WITH_PING)
    await runner.start()
    try:
        fake = runner.fake
        user = fake.add_user(4001, "张三")
        fake.send_message(user, fake.private_chat(user), "/ping")
        first = await fake.wait_for_message(user.id, contains="🏓 1")
        qid = fake.press_button(user, user.id, first.message_id, "无截止")
        await fake.wait_for_message(user.id, contains="🏓 2")
        assert any(a.query_id == qid and a.text == "+1" for a in fake.callback_answers)
        await runner.set_time(runner.clock.now().replace(hour=17, minute=1))
        await fake.wait_for_message(user.id, contains="🏓 2 — 17:00")
        await runner.restart()  # the store is durable
        fake.send_message(user, fake.private_chat(user), "/ping")
        await fake.wait_for_message(user.id, contains="🏓 3")
        # The rest of the bot is untouched by the new feature.
        fake.send_message(user, fake.private_chat(user), "/help")
        await fake.wait_for_message(user.id, contains="/my")
    finally:
        await runner.stop()
