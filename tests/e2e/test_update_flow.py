"""Issue #12, the update path: stored before confirmed, one chat in order, chats in parallel."""

from __future__ import annotations

import re

import storage.inbox
from bot.sim.runner import BotRunner


def _task_numbers(texts: list[str]) -> list[int]:
    # One "已记下 #n" per task, or one bundled "已记下（k）· #n … · #m …" for a burst.
    return [int(n) for t in texts if "已记下" in t for n in re.findall(r"#(\d+)", t)]


async def test_one_chats_burst_does_not_hold_up_another_chat(tmp_path):
    """Paced as in production (1 message a second per chat): a burst of six tasks from one
    person is confirmed in order, and a bystander's /start is answered before the burst's
    last confirmation (they do not queue behind it)."""
    runner = BotRunner(tmp_path / "data")  # paced
    await runner.start()
    try:
        fake = runner.fake
        busy = fake.add_user(3001, "张三")
        bystander = fake.add_user(3002, "王五")
        chat = fake.private_chat(busy)
        for i in range(6):
            fake.send_message(busy, chat, f"周五前交第{i + 1}份报表")
        fake.send_message(bystander, fake.private_chat(bystander), "/start")
        await fake.wait_for(
            lambda: len(_task_numbers([m.text for m in fake.bot_messages(busy.id)])) >= 6,
            timeout=30,
        )
        await fake.wait_for_message(bystander.id, contains="你好")
        mine = [m for m in fake.bot_messages(busy.id) if "已记下" in m.text]
        # In order: the n-th message became task #n and was confirmed n-th.
        assert _task_numbers([m.text for m in mine]) == [1, 2, 3, 4, 5, 6]
        told = "\n".join(m.text for m in mine)
        assert [told.index(f"第{i}份") for i in range(1, 7)] == sorted(
            told.index(f"第{i}份") for i in range(1, 7)
        )
        hello = fake.bot_messages(bystander.id)[0]
        # Not held up behind the burst: answered while its confirmations were still going out,
        # or — when they went out as one bundled "已记下（k）" — right after that one message.
        assert hello.seq < mine[-1].seq or (len(mine) == 1 and hello.seq <= mine[0].seq + 1)
    finally:
        await runner.stop()


async def test_an_update_is_stored_before_its_offset_is_confirmed(env: BotRunner, monkeypatch):
    fake = env.fake
    stored: dict[int, int] = {}  # update_id -> the offset Telegram had confirmed when stored
    real_append = storage.inbox.Inbox.append

    def spy(self, updates):
        for u in updates:
            stored[u["update_id"]] = fake.confirmed_offset
        real_append(self, updates)

    monkeypatch.setattr(storage.inbox.Inbox, "append", spy)
    user = fake.add_user(3003, "李四")
    fake.send_message(user, fake.private_chat(user), "/start")
    await fake.wait_for_message(user.id, contains="你好")
    (uid,) = stored
    assert stored[uid] <= uid  # not yet confirmed when it was stored
    await fake.wait_for(lambda: fake.confirmed_offset > uid)  # confirmed afterwards
    assert env.db is not None
    db = env.db
    await fake.wait_for(lambda: not db.inbox.pending())  # and marked done once handled


async def test_stored_updates_are_processed_after_a_restart_exactly_once(env: BotRunner):
    """The bot stops while an update is being handled: it stays in the inbox, Telegram does
    not give it again (it was confirmed), and the next start handles it."""
    fake = env.fake
    group = fake.add_group(-100300, "办公室", members=[])
    env.configure(allowed_chats=frozenset({group.id}))
    await env.restart()
    user = fake.add_user(3004, "赵六")
    fake.add_member(group, user)
    # An unknown person in private: the allowlist asks getChatMember, which hangs.
    fake.delay("getChatMember", 30, times=1)
    fake.send_message(user, fake.private_chat(user), "周五前交季度总结")
    assert env.db is not None
    db = env.db
    await fake.wait_for(lambda: db.inbox.pending() and fake.confirmed_offset > 0, timeout=10)
    uid = db.inbox.pending()[0]["update_id"]
    await fake.wait_for(lambda: fake.confirmed_offset > uid, timeout=10)
    await env.restart()  # cut short: not done, kept
    msg = await fake.wait_for_message(user.id, contains="已记下", timeout=10)
    assert "季度总结" in msg.text
    await env.settle()
    assert env.db is not None
    assert len(env.db.tasks_for_assignee(user.id)) == 1
    assert sum("已记下" in m.text for m in fake.bot_messages(user.id)) == 1
    assert not env.db.inbox.pending()


async def test_a_tick_does_not_wait_for_telegram(env: BotRunner):
    """Due work is queued and the tick returns while the sends are still under way."""
    from handlers.jobs import job_tick

    fake = env.fake
    user = fake.add_user(3005, "孙七")
    fake.send_message(user, fake.private_chat(user), "/start")
    await fake.wait_for_message(user.id, contains="你好")
    assert env.db is not None
    from bot.core.outbox import new_entry
    from bot.core.render import Text

    entry = new_entry(
        space=f"p{user.id}",
        now=env.clock.now(),
        message=Text(key="start.waiting", values={"count": 3}),
        to_user=user.id,
    )
    with env.db.transaction(entry.space) as tx:
        tx.put_outbox(entry)
    fake.answer_late("sendMessage", 1.0, times=1)
    await job_tick(env.context())
    delivery = env.context().bot_data.delivery
    assert delivery.busy  # returned with the send still out
    await delivery.drain()
    assert sum("3 件待办" in m.text for m in fake.bot_messages(user.id)) == 1


async def test_a_webhook_update_is_stored_before_the_bot_answers_telegram(tmp_path, monkeypatch):
    """Webhook mode: the update is in the inbox before the webhook's 200 (while Telegram
    still holds it); if storing fails, the webhook refuses it and Telegram sends it again."""
    runner = BotRunner(tmp_path / "data", paced=False, webhook=True)
    await runner.start()
    try:
        fake = runner.fake
        held_by_telegram: list[int] = []
        failures = [OSError("disk full")]
        real_append = storage.inbox.Inbox.append

        def flaky(self, updates):
            if failures:
                raise failures.pop()
            held_by_telegram.append(fake.pending_updates())
            real_append(self, updates)

        monkeypatch.setattr(storage.inbox.Inbox, "append", flaky)
        user = fake.add_user(3006, "钱一")
        fake.send_message(user, fake.private_chat(user), "周五前交季度总结")
        await fake.wait_for_message(user.id, contains="已记下", timeout=10)
        assert held_by_telegram == [1]  # stored while Telegram still had it
        assert not failures  # the first try was refused, the retry stored it
        assert runner.db is not None
        assert len(runner.db.tasks_for_assignee(user.id)) == 1
    finally:
        await runner.stop()
