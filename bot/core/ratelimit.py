"""Telegram's send limits, paced strictly: 30 messages/s overall, 1/s per chat, 20/min per group,
and a 429 honoured (everything waits retry_after, then the request is retried).

Only requests that post a message count (Telegram's limits are on messages: sendMessage,
sendDocument, copyMessage, forwardMessage, …; not sendChatAction). Edits count against the
overall pace only; look-ups and answers (getChatMember, getMe, answerCallbackQuery,
deleteMessage, …) are not paced at all, so checking who an outsider is never spends a
group's 20 messages a minute.

PTB's AIORateLimiter uses leaky buckets, which let a full bucket's burst through on top of the
steady rate (up to ~60 sends in one second, 40 in a group's first minute). These limiters are
sliding windows with an even spacing, so no window of the period ever holds more than the limit.

**Who goes first** when more is waiting than the overall 30/s lets out (a burst, a big
notice): an answer to someone who is writing to the bot now, the least busy of them first,
before everything else (notices, reminders, digests, messages to people who said nothing).
`demand(chat)` tells how many updates that chat sent lately (bot/core/updates.py): a person
who typed one `/start` is answered before the bundled replies to a colleague who pasted
twenty tasks, and both before the 200 copies of a notice. Within a rank it is first come,
first served; whatever has waited `AGE` seconds goes first, so nothing starves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from itertools import count
from typing import Any

from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot.core.neterrors import ON_WIRE, tag_method

log = logging.getLogger(__name__)

JSONish = bool | dict[str, Any] | list[dict[str, Any]]

OVERALL_RATE = 29.0  # per second, evenly spaced: a margin under 30 for network jitter
GROUP_LIMIT = 20  # per GROUP_PERIOD seconds
GROUP_PERIOD = 60.0
CHAT_PERIOD = 1.0  # one message per second in any one chat
# How far (s) the overall schedule may fall behind a late event loop and catch up. None: a
# stall holds back requests already granted on their way out, and any catch-up after it lets
# them out together with the next ones (a notice to 1,000 with one request of catch-up put 36
# sends in one second at the server; with none, 30).
OVERALL_SLACK = 0.0

# A request waiting this long at the overall pace goes before any other (no starvation).
AGE = 5.0

#: How many updates a chat sent lately (0: it said nothing; its messages are not answers).
Demand = Callable[[int | str], int]

#: The order waiters are granted in: (lane, load); lower first.
Rank = tuple[int, int]
BACKGROUND: Rank = (1, 0)


def rank_of(demand: int) -> Rank:
    """Answers to a chat that is writing to the bot (the least busy first), then the rest."""
    return (0, demand) if demand > 0 else BACKGROUND


# Methods that post a message into a chat (what Telegram's per-chat and per-group limits count).
_NOT_MESSAGES = frozenset({"sendchataction"})


def posts_message(endpoint: str) -> bool:
    """Does this Bot API method put a message into a chat?"""
    name = endpoint.lower()
    return name.startswith(("send", "copy", "forward")) and name not in _NOT_MESSAGES


def edits_message(endpoint: str) -> bool:
    return endpoint.lower().startswith("editmessage")


class Pace:
    """At most `limit` grants in any `period` seconds (a hard sliding window on the real grant
    times), evenly spaced `period / limit` apart on a virtual schedule (GCRA), so the small
    lateness of every sleep does not add up over a long run; FIFO.

    `reserve()` waits until a grant is allowed and keeps the pace locked while the caller
    reserves its other paces; the grant is recorded when the context ends, just before the
    request goes out, so the recorded time is the real send time.

    `take()` waits and is granted in one step (for the innermost pace). Its waiters are granted
    by one dispatcher, as many in one turn of the event loop as the pace allows: with `slack`,
    the even schedule may fall that many seconds behind a busy loop and catch up (never beyond
    the hard window), instead of granting one request per loop turn.
    """

    def __init__(
        self, limit: int, period: float, *, spaced: bool = True, slack: float = 0.0
    ) -> None:
        self.limit = limit
        self.period = period
        self.spacing = period / limit if spaced else 0.0
        self.tolerance = self.spacing / 8  # a sleep may wake this much early on the schedule
        self.slack = slack
        self._tat = 0.0  # theoretical time of the next grant
        self._times: deque[float] = deque()
        self._lock = asyncio.Lock()
        # Waiting `take()`s: (rank, arrival number, enqueued at, future).
        self._queue: list[tuple[Rank, int, float, asyncio.Future[None]]] = []
        self._arrivals = count()
        self._timer: asyncio.TimerHandle | None = None
        self._granted = 0  # granted by the dispatcher, waiter not resumed yet

    def _wait_for(self, now: float) -> float:
        times = self._times
        while times and now - times[0] >= self.period:
            times.popleft()
        wait = 0.0
        if len(times) >= self.limit:
            wait = self.period - (now - times[0])
        elif len(times) + self._granted >= self.limit:
            # Full with grants whose waiters have not resumed yet: they are recorded (at their
            # real time) in a moment. Only that moment: a whole spacing from now would add each
            # timer's lateness to the schedule (1 ms a grant: a notice to 1,000 2.5 % slower).
            wait = 0.001
        if self.spacing:
            wait = max(wait, self._tat - self.tolerance - now)
        return wait

    def _advance(self, now: float) -> None:
        if self.spacing:
            self._tat = max(self._tat, now - self.slack) + self.spacing

    def _grant(self, now: float) -> None:
        self._times.append(now)
        self._advance(now)

    async def take(self, rank: Rank = BACKGROUND) -> None:
        """Wait until a grant is allowed; it is recorded when this returns. Waiters are
        granted lowest `rank` first, then in arrival order; one waiting `AGE` s goes first."""
        loop = asyncio.get_running_loop()
        if not self._queue and self._wait_for(loop.time()) <= 0:
            self._grant(loop.time())
            return
        fut: asyncio.Future[None] = loop.create_future()
        self._queue.append((rank, next(self._arrivals), loop.time(), fut))
        if self._timer is None:
            self._timer = loop.call_at(loop.time(), self._dispatch)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():  # granted, then cancelled: slot unused
                self._granted -= 1
            raise
        # Recorded now, when the request really goes out (a busy loop resumes us late).
        self._granted -= 1
        self._times.append(loop.time())

    def _dispatch(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        queue = self._queue
        queue[:] = [w for w in queue if not w[3].done()]  # drop cancelled waiters
        while queue:
            wait = self._wait_for(now)
            if wait > 0:
                self._timer = loop.call_at(now + wait, self._dispatch)
                return
            self._advance(now)
            self._granted += 1
            queue.pop(self._next_waiter(now))[3].set_result(None)

    def _next_waiter(self, now: float) -> int:
        """The index of the waiter to grant: the oldest if one waited AGE, else the lowest
        rank, first come first."""
        queue = self._queue
        oldest = min(range(len(queue)), key=lambda i: queue[i][1])
        if now - queue[oldest][2] >= AGE:
            return oldest
        return min(range(len(queue)), key=lambda i: queue[i][:2])

    @contextlib.asynccontextmanager
    async def reserve(self) -> AsyncIterator[None]:
        async with self._lock:
            loop = asyncio.get_running_loop()
            while True:  # sleeping until the window allows; FIFO thanks to the lock
                wait = self._wait_for(loop.time())
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            yield
            self._grant(loop.time())

    def idle(self, now: float) -> bool:
        """Nothing waits and the window is empty: the pace can be forgotten."""
        return (
            not self._lock.locked()
            and not self._queue
            and not self._granted
            and self._wait_for(now) <= 0
            and not self._times
        )


class OfficeRateLimiter(BaseRateLimiter[int]):
    """Paces every request that names a chat; retries a 429 after the time Telegram asks."""

    def __init__(
        self,
        *,
        max_retries: int = 3,
        overall_rate: float = OVERALL_RATE,
        group_limit: int = GROUP_LIMIT,
        group_period: float = GROUP_PERIOD,
        chat_period: float = CHAT_PERIOD,
        demand: Demand | None = None,
    ) -> None:
        self._max_retries = max_retries
        self._demand = demand
        # A window of one second holding `overall_rate` evenly spaced grants; the schedule may
        # fall OVERALL_SLACK behind a busy event loop and catch up.
        self._overall = Pace(
            max(int(overall_rate), 1),
            max(int(overall_rate), 1) / overall_rate,
            slack=OVERALL_SLACK,
        )
        self._group_limit = group_limit
        self._group_period = group_period
        self._chat_period = chat_period
        self._chats: dict[int | str, Pace] = {}
        self._groups: dict[int | str, Pace] = {}
        self._retry_after = asyncio.Event()
        self._retry_after.set()

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _pace(
        self, table: dict[int | str, Pace], key: int | str, limit: int, period: float
    ) -> Pace:
        if len(table) > 4096:  # forget idle chats so memory stays flat
            loop = asyncio.get_running_loop()
            for k, old in list(table.items()):
                if old.idle(loop.time()):
                    del table[k]
        pace = table.get(key)
        if pace is None:
            pace = table[key] = Pace(limit, period, spaced=False)
        return pace

    def _rank(self, chat: int | str | None) -> Rank:
        if self._demand is None or chat is None:
            return BACKGROUND
        return rank_of(self._demand(chat))

    async def _once(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONish]],
        args: Any,
        kwargs: dict[str, Any],
        chat: int | str | None,
        kind: str,
    ) -> JSONish:
        await self._retry_after.wait()
        if kind != "other":
            async with contextlib.AsyncExitStack() as stack:
                if chat is not None and kind == "message":
                    await stack.enter_async_context(
                        self._pace(self._chats, chat, 1, self._chat_period).reserve()
                    )
                    if isinstance(chat, str) or chat < 0:
                        await stack.enter_async_context(
                            self._pace(
                                self._groups, chat, self._group_limit, self._group_period
                            ).reserve()
                        )
                await self._overall.take(self._rank(chat))
            # Every pace stamped "now" and released: the request goes out.
            await self._retry_after.wait()
        # While the request is out, the sending task knows it: cancelled now, it may have
        # reached Telegram (ON_WIRE stays set for the canceller to see).
        token = ON_WIRE.set(kind)
        try:
            result = await callback(*args, **kwargs)
        except asyncio.CancelledError:
            raise
        except BaseException:
            ON_WIRE.reset(token)
            raise
        ON_WIRE.reset(token)
        return result

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONish]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONish:
        max_retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        raw = data.get("chat_id")
        chat: int | str | None = None
        if raw is not None:
            try:
                chat = int(raw)
            except (TypeError, ValueError):
                chat = str(raw)
        kind = (
            "message" if posts_message(endpoint) else "edit" if edits_message(endpoint) else "other"
        )
        for attempt in range(max_retries + 1):
            try:
                return await self._once(callback, args, kwargs, chat, kind)
            except RetryAfter as exc:
                tag_method(exc, endpoint)
                if attempt >= max_retries:
                    raise
                delay = exc.retry_after
                seconds = delay if isinstance(delay, int | float) else delay.total_seconds()
                log.info("429 from Telegram: everything waits %.1f s", seconds + 0.1)
                self._retry_after.clear()
                try:
                    await asyncio.sleep(seconds + 0.1)
                finally:
                    self._retry_after.set()
            except TelegramError as exc:
                tag_method(exc, endpoint)
                raise
        raise AssertionError("unreachable")  # pragma: no cover
