"""The send pacing (bot/ratelimit.py): no window ever holds more than its limit; a 429 waits."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from telegram.error import RetryAfter

from bot.core.ratelimit import BACKGROUND, OfficeRateLimiter, Pace, rank_of


def _most_in_window(stamps: list[float], period: float) -> int:
    stamps = sorted(stamps)
    worst, j = 0, 0
    for i, t in enumerate(stamps):
        while t - stamps[j] >= period:
            j += 1
        worst = max(worst, i - j + 1)
    return worst


async def test_a_pace_never_grants_more_than_its_limit_in_any_window():
    pace = Pace(5, 0.1)
    stamps: list[float] = []

    async def one() -> None:
        async with pace.reserve():
            pass
        stamps.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(30)))
    # Stamps are taken just after each grant is recorded, so two of them can be a few
    # microseconds closer than the grants were: measure the window 1 ms short of the period.
    assert _most_in_window(stamps, 0.1 - 0.001) <= 5
    # And it keeps up its rate: 30 at 50/s take ≈ 0.6 s; one grant per period would take 3 s.
    assert stamps[-1] - stamps[0] < 2.0


async def test_one_chat_gets_one_message_per_period_and_others_are_not_held_up():
    limiter = OfficeRateLimiter(overall_rate=1000, chat_period=0.2)
    sent: dict[int, list[float]] = {1: [], 2: []}

    async def send(chat: int) -> bool:
        sent[chat].append(time.monotonic())
        return True

    jobs = [
        limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)
        for chat in (1, 1, 1, 2)
    ]
    await asyncio.gather(*jobs)
    gaps = [b - a for a, b in zip(sent[1], sent[1][1:], strict=False)]
    assert all(gap >= 0.19 for gap in gaps)
    assert sent[2][0] - sent[1][0] < 0.1


async def test_a_429_is_honoured_and_the_request_retried():
    limiter = OfficeRateLimiter(max_retries=2)
    calls: list[float] = []

    async def flaky() -> bool:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RetryAfter(1)
        return True

    result = await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert result is True and len(calls) == 2
    assert calls[1] - calls[0] >= 1.0


async def test_only_messages_spend_a_chats_and_a_groups_budget():
    """getChatMember, answerCallbackQuery and the like are never paced per chat or group: an
    outsider being checked does not delay the group's next message (bot/core/ratelimit.py)."""
    limiter = OfficeRateLimiter(overall_rate=1000, chat_period=5.0, group_limit=1, group_period=60)
    group = -100500
    at: list[tuple[str, float]] = []

    def call(name: str):
        async def run() -> bool:
            at.append((name, time.monotonic()))
            return True

        return run

    start = time.monotonic()
    await limiter.process_request(call("send1"), (), {}, "sendMessage", {"chat_id": group}, None)
    for method in ("getChatMember", "getChat", "sendChatAction", "editMessageText"):
        await limiter.process_request(call(method), (), {}, method, {"chat_id": group}, None)
    await limiter.process_request(call("answer"), (), {}, "answerCallbackQuery", {}, None)
    # Everything after the first send went straight through although the group's budget (one
    # message a minute here) and the chat's (one per 5 s) were spent.
    assert [n for n, _ in at][1:] == [
        "getChatMember",
        "getChat",
        "sendChatAction",
        "editMessageText",
        "answer",
    ]
    assert at[-1][1] - start < 1.0


async def test_a_busy_loop_gets_several_grants_per_turn_but_never_more_than_the_limit():
    """`take()` after the event loop was blocked: the waiters are granted together as far as
    the slack allows (not one per loop turn), and no window ever holds more than the limit."""
    pace = Pace(10, 1.0, slack=0.35)
    stamps: list[float] = []
    turns: list[int] = []
    turn = 0

    async def one() -> None:
        await pace.take()
        stamps.append(time.monotonic())
        turns.append(turn)

    async def busy_loop() -> None:
        nonlocal turn
        for _ in range(20):
            time.sleep(0.1)  # noqa: ASYNC251 - a handler holding the loop
            turn += 1
            await asyncio.sleep(0)

    await asyncio.gather(busy_loop(), *(one() for _ in range(25)))
    assert _most_in_window(stamps, 1.0 - 0.001) <= 10
    assert max(Counter(turns).values()) >= 3  # granted in bunches while the loop was late


async def _granted_order(pace: Pace, ranks: list[tuple[str, tuple[int, int]]]) -> list[str]:
    """Let the first take the only grant, queue the rest in this order; the grant order."""
    order: list[str] = []

    async def one(name: str, rank: tuple[int, int]) -> None:
        await pace.take(rank)
        order.append(name)

    jobs = []
    for name, rank in ranks:
        jobs.append(asyncio.ensure_future(one(name, rank)))
        await asyncio.sleep(0)  # arrive in this order
    await asyncio.gather(*jobs)
    return order


async def test_answers_to_the_least_busy_chat_go_first_then_the_rest_in_arrival_order():
    """bot/core/ratelimit.py 'who goes first': a notice's copies (background) queued first,
    then the bundled reply to a chat that pasted twenty tasks, then one /start's answer."""
    order = await _granted_order(
        Pace(1, 0.02),
        [
            ("first", BACKGROUND),
            ("notice-1", BACKGROUND),
            ("notice-2", BACKGROUND),
            ("burst-reply", rank_of(20)),
            ("start-reply", rank_of(1)),
            ("notice-3", BACKGROUND),
        ],
    )
    assert order == ["first", "start-reply", "burst-reply", "notice-1", "notice-2", "notice-3"]


async def test_a_request_waiting_too_long_goes_before_any_rank(monkeypatch):
    monkeypatch.setattr("bot.core.ratelimit.AGE", 0.05)
    pace = Pace(1, 0.04)
    order: list[str] = []

    async def one(name: str, rank: tuple[int, int]) -> None:
        await pace.take(rank)
        order.append(name)

    jobs = [asyncio.ensure_future(one("first", BACKGROUND))]
    await asyncio.sleep(0)
    jobs.append(asyncio.ensure_future(one("old-notice", BACKGROUND)))
    await asyncio.sleep(0.06)  # it has waited past AGE when answers keep coming
    for i in range(3):
        jobs.append(asyncio.ensure_future(one(f"answer-{i}", rank_of(1))))
        await asyncio.sleep(0)
    await asyncio.gather(*jobs)
    assert order[:2] == ["first", "old-notice"]


async def test_the_limiter_ranks_each_send_by_its_chats_demand():
    """OfficeRateLimiter(demand=...): while the overall pace is the bottleneck, the chat that
    wrote once is answered before the busy one, and both before chats that said nothing,
    although they asked later."""
    demand = {2: 20, 3: 1}
    limiter = OfficeRateLimiter(overall_rate=10, demand=lambda chat: demand.get(int(chat), 0))
    order: list[int] = []

    async def send(chat: int) -> bool:
        order.append(chat)
        return True

    jobs = []
    for chat in (10, 11, 12, 2, 3):
        jobs.append(
            asyncio.ensure_future(
                limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)
            )
        )
        await asyncio.sleep(0)
    await asyncio.gather(*jobs)
    assert order == [10, 3, 2, 11, 12]


def test_a_grant_not_yet_resumed_does_not_push_the_schedule_back():
    """The dispatcher has just granted one (its waiter resumes in a moment) and the window
    is full with it: the next grant waits for its place on the even schedule, not a whole
    spacing from now — that added each timer's lateness to the schedule (1 ms a grant: a
    notice to 1,000 went 2.5 % slower than the pace allows)."""
    pace = Pace(29, 1.0)
    now = 100.0
    pace._times.extend(now - 0.99 + i * pace.spacing for i in range(28))  # the last second
    pace._granted = 1  # granted at `now`, waiter not resumed yet
    pace._tat = now + pace.spacing - 0.001  # the timer that granted it fired 1 ms late
    wait = pace._wait_for(now)
    assert wait == pytest.approx(pace.spacing - 0.001 - pace.tolerance)
    assert wait < pace.spacing - 0.001
