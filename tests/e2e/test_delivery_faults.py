"""Issue #12, the delivery path: poison entries, timeouts that do not duplicate, quiet logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

import bot.core.updates
from bot.core.models import OutboxEntry
from bot.core.outbox import new_entry
from bot.core.render import Text
from bot.sim.fake_api import FakeUser
from bot.sim.runner import BotRunner
from tests.e2e.office import put, started, waiting_note

ADMIN = 4000


def _admin_notes(env: BotRunner, entry: OutboxEntry) -> int:
    return sum(entry.id in m.text for m in env.fake.bot_messages(ADMIN))


async def _with_admin(env: BotRunner) -> tuple[FakeUser, FakeUser]:
    env.configure(admins=frozenset({ADMIN}))
    await env.restart()
    admin = env.fake.add_user(ADMIN, "管理员")
    user = env.fake.add_user(4001, "张三")
    await started(env.fake, admin, user)
    return admin, user


async def test_poison_entries_fail_with_their_reason_and_the_rest_is_delivered(env: BotRunner):
    fake = env.fake
    _, user = await _with_admin(env)
    other = fake.add_user(4002, "王五")
    await started(fake, other)
    render_error = new_entry(
        space=f"p{user.id}",
        now=env.clock.now(),
        template="text",
        params={"values": {}},  # no catalog key: the kind cannot be rendered
        to_user=user.id,
    )
    too_long = waiting_note(env, user, "长" * 5000)
    no_chat = new_entry(
        space="g-100999",
        now=env.clock.now(),
        message=Text(key="start.waiting", values={"count": 2}),
        to_chat=-100999,  # a group the bot is not in
    )
    bad_html = waiting_note(env, other, 7)
    fake.fail(
        "sendMessage",
        status=400,
        description="Bad Request: can't parse entities: Unsupported start tag",
        chat_id=other.id,
    )
    fine = waiting_note(env, user, 1)
    put(env, render_error, too_long, no_chat, bad_html, fine)

    await env.tick()
    for _ in range(3):  # the render error is tried again after its back-off, then given up
        await env.advance(timedelta(seconds=31))
    assert env.db is not None
    outcome = {e.id: env.db.get_outbox(e.id) for e in (render_error, too_long, no_chat, bad_html)}
    assert all(o is not None and not o.pending for o in outcome.values())
    reasons = {k: (o.failed or "").lower() for k, o in outcome.items() if o is not None}
    assert reasons[render_error.id].startswith("render error")
    assert "message is too long" in reasons[too_long.id]
    assert "chat not found" in reasons[no_chat.id]
    assert "can't parse entities" in reasons[bad_html.id]
    attempts = {k: o.attempts for k, o in outcome.items() if o is not None}
    assert attempts[render_error.id] == 3
    assert attempts[too_long.id] == attempts[no_chat.id] == attempts[bad_html.id] == 1
    # The rest went out; each failure was told to the admin once, and only once.
    assert sum("你有 1 件待办" in m.text for m in fake.bot_messages(user.id)) == 1
    for _ in range(2):
        await env.advance(timedelta(minutes=11))
    for entry in (render_error, too_long, no_chat, bad_html):
        assert _admin_notes(env, entry) == 1


async def test_a_render_error_is_logged_once_with_its_traceback(env: BotRunner, caplog):
    _, user = await _with_admin(env)
    broken = new_entry(
        space=f"p{user.id}",
        now=env.clock.now(),
        template="no_such_kind",
        params={},
        to_user=user.id,
    )
    put(env, broken)
    with caplog.at_level(logging.INFO, logger="bot.core.delivery"):
        await env.tick()
        for _ in range(4):
            await env.advance(timedelta(seconds=31))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
    retries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == 2 and all(r.exc_info is None for r in retries)


@pytest.fixture
def short_read_timeout(monkeypatch):
    # Shorter than the fake's late answers, so a send times out after Telegram carried it out.
    monkeypatch.setattr(bot.core.updates, "READ_TIMEOUT", 1.0)


@pytest.mark.usefixtures("short_read_timeout")
async def test_a_send_answered_after_the_timeout_is_not_sent_again(env: BotRunner, caplog):
    fake = env.fake
    await env.restart()  # with the short timeout
    user = fake.add_user(4003, "赵六")
    await started(fake, user)
    fake.answer_late("sendMessage", 2.0, times=1)
    entry = waiting_note(env, user, 5)
    put(env, entry)
    with caplog.at_level(logging.WARNING, logger="bot.core.delivery"):
        await env.tick()
        for _ in range(3):
            await env.advance(timedelta(seconds=31))
    assert fake.late_answers == 1
    assert sum("你有 5 件待办" in m.text for m in fake.bot_messages(user.id)) == 1
    assert env.db is not None
    stored = env.db.get_outbox(entry.id)
    assert stored is not None and (stored.failed or "").startswith("uncertain")
    assert any("may have been delivered" in r.getMessage() for r in caplog.records)


async def test_slow_answers_within_the_timeout_make_no_duplicates(env: BotRunner):
    fake = env.fake
    user = fake.add_user(4004, "孙七")
    await started(fake, user)
    fake.answer_late("sendMessage", 1.5, every=2)
    entries = [waiting_note(env, user, n) for n in range(10, 16)]
    put(env, *entries)
    await env.tick()
    for _ in range(2):
        await env.advance(timedelta(seconds=31))
    texts = [m.text for m in fake.bot_messages(user.id)]
    assert all(sum(f"你有 {n} 件待办" in t for t in texts) == 1 for n in range(10, 16))
    assert fake.late_answers >= 3


async def test_a_connect_error_is_retried_and_delivered_once(env: BotRunner, caplog):
    fake = env.fake
    user = fake.add_user(4005, "周八")
    await started(fake, user)
    entry = waiting_note(env, user, 9)
    put(env, entry)
    fake.stop()  # connection refused: the request never reached Telegram
    try:
        with caplog.at_level(logging.WARNING):
            await env.tick()
    finally:
        fake.start()
    assert env.db is not None
    waiting = env.db.get_outbox(entry.id)
    assert waiting is not None and waiting.pending and waiting.attempts == 1
    retry = [r for r in caplog.records if r.name == "bot.core.delivery"]
    assert len(retry) == 1 and retry[0].levelno == logging.WARNING
    assert "retry in" in retry[0].getMessage() and retry[0].exc_info is None
    await env.advance(timedelta(seconds=6))
    assert sum("你有 9 件待办" in m.text for m in fake.bot_messages(user.id)) == 1


async def test_a_network_error_in_a_handler_is_one_warning_without_traceback(
    env: BotRunner, caplog
):
    fake = env.fake
    user = fake.add_user(4006, "吴九")
    await started(fake, user)
    fake.fail("sendMessage", status=502, times=1)  # /help answers directly (reply_text)
    with caplog.at_level(logging.INFO):
        fake.send_message(user, fake.private_chat(user), "/help")
        await fake.wait_for(lambda: any(c.status == 502 for c in fake.calls_to("sendMessage")))
        await fake.wait_for(lambda: any(r.name == "handlers.errors" for r in caplog.records))
    mine = [r for r in caplog.records if r.name == "handlers.errors"]
    assert len(mine) == 1
    (record,) = mine
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "sendMessage" in record.getMessage() and "not retried" in record.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_polling_failures_are_one_warning_then_quiet(env: BotRunner, caplog):
    fake = env.fake
    user = fake.add_user(4007, "郑十")
    with caplog.at_level(logging.DEBUG, logger="bot.core.updates"):
        fake.fail("getUpdates", status=502, times=3)
        await fake.wait_for(
            lambda: sum(c.status == 502 for c in fake.calls_to("getUpdates")) >= 3, timeout=15
        )
        fake.send_message(user, fake.private_chat(user), "/start")
        await fake.wait_for_message(user.id, contains="你好", timeout=15)
    records = [r for r in caplog.records if r.name == "bot.core.updates"]
    warnings = [r for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    assert "getUpdates failed" in warnings[0].getMessage()
    assert any("works again" in r.getMessage() for r in records)
