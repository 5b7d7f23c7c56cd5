"""The cast of the end-to-end tests: an office group with its leader and two colleagues."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import Text
from bot.directory.models import Contact, Roster, RosterEntry
from bot.sim.fake_api import BotMessage, FakeBotAPI, FakeChat, FakeUser
from bot.sim.runner import BotRunner


@dataclass
class Office:
    fake: FakeBotAPI
    group: FakeChat
    leader: FakeUser
    zhang: FakeUser
    wang: FakeUser
    stranger: FakeUser


async def started(fake: FakeBotAPI, *users: FakeUser) -> None:
    """Each user opens a private chat with the bot and taps Start."""
    for u in users:
        fake.send_message(u, fake.private_chat(u), "/start")
        await fake.wait_for_message(u.id, contains="你好")


async def make_office(env: BotRunner, *, stranger_in_group: bool) -> Office:
    """李主任 (group admin), 张三 and 王五 in 办公室, all started; 路人 started too, and is in
    the group only when asked. Everyone in the group speaks once, so the bot knows them."""
    fake = env.fake
    leader = fake.add_user(10, "李主任", username="lizhuren")
    zhang = fake.add_user(11, "张三", username="zhangsan")
    wang = fake.add_user(12, "王五", username="wangwu")
    stranger = fake.add_user(13, "路人", username="luren")
    members = [leader, zhang, wang] + ([stranger] if stranger_in_group else [])
    group = fake.add_group(-100100, "办公室", members=members, admins=[leader])
    await started(fake, leader, zhang, wang, stranger)
    for u in members:
        fake.send_message(u, group, "大家好")  # chatter: the bot learns the member, says nothing
    db = env.context().bot_data.db
    ids = {u.id for u in members}
    await fake.wait_for(lambda: (ws := db.get_workspace(group.id)) and ids <= set(ws.members))
    return Office(fake, group, leader, zhang, wang, stranger)


def buttons(msg: BotMessage | None) -> dict[str, str]:
    """A message's inline buttons: label → callback data."""
    rows = ((msg.reply_markup if msg else None) or {}).get("inline_keyboard", [])
    return {b["text"]: b.get("callback_data", "") for row in rows for b in row}


async def answer_of(fake: FakeBotAPI, qid: str) -> tuple[str, bool]:
    """The bot's answer to a button press: (text, shown as an alert)."""
    answer = await fake.wait_for(
        lambda: next((a for a in fake.callback_answers if a.query_id == qid), None)
    )
    return answer.text or "", answer.show_alert


def waiting_note(env: BotRunner, to: FakeUser, count: object, **kw: Any) -> OutboxEntry:
    """An outbox entry for `to` that reads "你有 {count} 件待办" (made now by the bot's clock)."""
    return new_entry(
        space=f"p{to.id}",
        now=env.clock.now(),
        message=Text(key="start.waiting", values={"count": count}),
        to_user=to.id,
        **kw,
    )


def put(env: BotRunner, *entries: OutboxEntry) -> None:
    """Store entries in the outbox as a service would (not queued: the next flush sends them)."""
    assert env.db is not None
    for e in entries:
        with env.db.transaction(e.space) as tx:
            tx.put_outbox(e)


def put_roster(
    env: BotRunner, chat_id: int, name: str, people: Sequence[FakeUser], *, created_by: int
) -> None:
    """A directory roster `name` of the group `chat_id`: each person a contact with an office
    phone (1380000000<i>)."""
    assert env.app is not None and env.db is not None
    directory = env.app.bot_data.services.directory
    with env.db.transaction(f"g{chat_id}") as tx:
        entries = []
        for i, u in enumerate(people):
            contact = directory.contacts.add(
                tx,
                Contact(
                    id=0,
                    name=u.first_name,
                    phones=(f"1380000000{i}",),
                    user_id=u.id,
                    username=u.username,
                ),
            )
            entries.append(RosterEntry(name=u.first_name, contact_id=contact.id))
        directory.rosters.put(tx, Roster(name=name, members=tuple(entries), created_by=created_by))
