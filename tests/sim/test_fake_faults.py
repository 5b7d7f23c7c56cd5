"""The fake's slow-Telegram fault: a call carried out at once and answered late."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot
from telegram.error import TimedOut

from bot.sim.fake_api import FakeBotAPI


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.file_url) as b:
        yield b


async def test_a_late_answer_times_out_a_send_that_was_delivered(fake: FakeBotAPI, bot: Bot):
    user = fake.add_user(1, "张三")
    fake.send_message(user, fake.private_chat(user), "/start")
    fake.answer_late("sendMessage", 2.0, times=1)
    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "一", read_timeout=0.5)
    assert [m.text for m in fake.bot_messages(user.id)] == ["一"]  # carried out all the same
    await bot.send_message(user.id, "二", read_timeout=0.5)  # `times` used up: on time again
    assert fake.late_answers == 1


async def test_every_nth_or_a_seeded_fraction_is_answered_late(fake: FakeBotAPI, bot: Bot):
    user = fake.add_user(2, "李四")
    fake.send_message(user, fake.private_chat(user), "/start")
    fake.answer_late("sendMessage", 0.01, every=3)
    for i in range(9):
        await bot.send_message(user.id, f"m{i}")
    assert fake.late_answers == 3
    fake.clear_faults()
    first = FakeBotAPI()
    second = FakeBotAPI()
    for f in (first, second):
        f.answer_late("sendMessage", 0.0, fraction=0.3, seed=7)
    picks = [
        [rule.picks() for _ in range(50)] for rule in (first._late_rules[0], second._late_rules[0])
    ]
    assert picks[0] == picks[1] and 5 <= sum(picks[0]) <= 25  # repeatable, about 30 %


async def test_was_fetched_tells_which_updates_a_poll_carried(fake: FakeBotAPI, bot: Bot):
    user = fake.add_user(3, "王五")
    fake.send_message(user, fake.private_chat(user), "hi")
    (update,) = fake.iter_updates()
    assert not fake.was_fetched(update["update_id"])
    await bot.get_updates(timeout=0)
    assert fake.was_fetched(update["update_id"])
    assert fake.pending_updates() == 1  # fetched, not confirmed
