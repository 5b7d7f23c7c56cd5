"""`BotRunner.settle()`: it returns only once the bot has nothing left to do now, so a test
that asserts "nothing else was sent" right after it does not depend on a sleep being long."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot.sim.fake_api import FakeUser
from bot.sim.runner import BotRunner
from tests.e2e.office import put, started, waiting_note


@pytest.fixture
async def user(env: BotRunner) -> FakeUser:
    user = env.fake.add_user(4101, "张三")
    await started(env.fake, user)
    return user


def _told(env: BotRunner, user: FakeUser, count: int) -> int:
    return sum(f"你有 {count} 件待办" in m.text for m in env.fake.bot_messages(user.id))


async def test_it_waits_for_a_send_whose_answer_is_slow(env: BotRunner, user: FakeUser):
    env.fake.delay("sendMessage", 0.5, times=1)  # the fake holds the request, then sends
    entry = waiting_note(env, user, 3)
    put(env, entry)
    assert env.app is not None
    await env.app.bot_data.delivery.send([entry])  # queued, on the wire
    await env.settle()
    assert _told(env, user, 3) == 1
    assert env.pending_work() == []


async def test_it_waits_for_an_entry_due_now_that_is_not_queued_yet(env: BotRunner, user: FakeUser):
    put(env, waiting_note(env, user, 4))  # stored by a "service": the next tick's flush sends it
    await env.settle()
    assert _told(env, user, 4) == 1


async def test_what_is_held_for_later_does_not_hold_it_up(env: BotRunner, user: FakeUser):
    later = env.clock.now() + timedelta(hours=1)
    put(env, waiting_note(env, user, 5, not_before=later))
    started_at = time.monotonic()
    await env.settle(within=2.0)
    assert time.monotonic() - started_at < 2.0
    assert _told(env, user, 5) == 0
    await env.advance(timedelta(hours=1))
    await env.settle()
    assert _told(env, user, 5) == 1


async def test_it_waits_for_updates_not_fetched_yet(env: BotRunner, user: FakeUser):
    env.fake.fail("getUpdates", status=502, times=1)  # the poller backs off for a second
    await env.fake.wait_for(lambda: any(c.status == 502 for c in env.fake.calls_to("getUpdates")))
    env.fake.send_message(user, env.fake.private_chat(user), "周五前交季度总结")
    await env.settle()
    assert sum("已记下" in m.text for m in env.fake.bot_messages(user.id)) == 1


async def test_it_waits_for_an_update_still_being_handled(env: BotRunner):
    """Fetched and confirmed, but its handler waits on Telegram (a getChatMember that is slow):
    nothing is pending at the fake or in the outbox, and settle still waits for it."""
    fake = env.fake
    group = fake.add_group(-100410, "办公室", members=[])
    env.configure(allowed_chats=frozenset({group.id}))
    await env.restart()
    user = fake.add_user(4102, "赵六")
    fake.add_member(group, user)
    fake.delay("getChatMember", 0.5, times=1)  # the allowlist asks about someone unknown
    fake.send_message(user, fake.private_chat(user), "周五前交季度总结")
    await fake.wait_for(lambda: fake.delayed_calls)
    await env.settle()
    assert sum("已记下" in m.text for m in fake.bot_messages(user.id)) == 1


async def test_it_says_what_is_still_pending_when_it_gives_up(env: BotRunner, user: FakeUser):
    env.fake.delay("sendMessage", 1.0, times=1)
    entry = waiting_note(env, user, 6)
    put(env, entry)
    assert env.app is not None
    await env.app.bot_data.delivery.send([entry])
    with pytest.raises(TimeoutError, match=r"did not settle within 0\.2 s: sends queued"):
        await env.settle(within=0.2)
    await env.settle()
    assert _told(env, user, 6) == 1


async def test_it_waits_for_a_tick_under_way(env: BotRunner):
    """A tick sends what it finds itself (a weekly chart drawn in a thread after a summary):
    settle waits until the tick running now has finished."""
    assert env.app is not None
    data = env.app.bot_data
    gate = asyncio.Event()

    async def slow_step(_context: object) -> None:
        await gate.wait()

    data.tick_steps = (slow_step, *data.tick_steps)
    ticking = asyncio.ensure_future(env.tick())
    await env.fake.wait_for(lambda: data.ticking)
    assert "a tick is running" in env.pending_work()
    asyncio.get_running_loop().call_later(0.3, gate.set)
    started_at = time.monotonic()
    await env.settle()
    assert time.monotonic() - started_at >= 0.25 and ticking.done()
    assert data.ticking == 0
