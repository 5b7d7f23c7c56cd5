"""Getting updates from Telegram without dropping one, and handling them without stalls.

* **Store, then confirm, then process** (`UpdateFeed`). Polling asks getUpdates for what is
  new, stores the batch in the durable inbox (storage/inbox.py: one fsync) and only then asks
  for the next batch, whose offset confirms the stored one to Telegram. Each update is handed
  to the application from there and marked done once its handlers have finished. At start,
  what is stored but not done is processed first; the database's update-id log (the
  exactly-once pre-handler) makes an update that was already applied a no-op. In webhook mode
  PTB's webhook server puts each update into a queue whose `put` is `UpdateFeed.accept()`
  (the same "store, then process"), so Telegram gets its 200 only once the update is stored.
* **One chat in order, chats in parallel** (`ChatOrderedProcessor`). Updates of one chat
  (or, without a chat, of one user) are handled one after the other, in update_id order;
  different chats concurrently, at most `MAX_CONCURRENT` at a time. Handlers store their
  change with its outbox entries and return; delivery sends in the background (one worker
  per recipient, paced by the rate limiter), so a burst in one chat is answered as fast as
  Telegram allows there while every other chat is answered at once.
* **A prompt stop** (`stop_application`). On SIGTERM: stop fetching, let the updates and the
  sends under way finish for up to `STOP_GRACE` seconds (then cancel them), and exit. What
  was fetched but not processed stays in the inbox; what was not sent stays in the outbox;
  both are taken up at the next start.
* **Timeouts** (`configure`). A send waits up to `READ_TIMEOUT` for Telegram's answer: a slow
  answer is awaited rather than timed out and retried into a duplicate (the retry rule is in
  bot/core/neterrors.py). getUpdates has its own, shorter, connection settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import signal
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, ExtBot, Updater

from bot.core.neterrors import describe, is_network_error

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
Builder = ApplicationBuilder[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES: tuple[str, ...] = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
)

# Bot API requests (sends, edits, look-ups). Telegram sometimes answers a send after many
# seconds; waiting that long is better than a retry that duplicates the message.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 45.0
WRITE_TIMEOUT = 20.0
POOL_TIMEOUT = 10.0
# getUpdates: its own connection; PTB adds the long-poll time to this read timeout.
POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates open when there is nothing new
POLL_READ_MARGIN = 10.0
# Updates handled at once (different chats); a chat's own updates are always one by one.
MAX_CONCURRENT = 32
# Updates started per turn of the event loop. Handling one is mostly synchronous (parse,
# commit), so a backlog started all at once would hold the loop for long stretches and starve
# the sends (the rate limiter grants at most one per turn). One per turn interleaves them; an
# idle loop turns in microseconds, so it costs nothing without a backlog.
STARTS_PER_TURN = 1
# Updates fetched but not yet handled before polling waits (they are stored; the rest stays
# with Telegram until there is room).
MAX_IN_HAND = 1000
# How far back a chat's updates count as its demand on the send pace (bot/core/ratelimit.py).
DEMAND_WINDOW = 10.0
# On stop: how long updates and sends under way may still take before they are cancelled.
STOP_GRACE = 2.5
# Update ids accepted lately, to ignore one Telegram sends again (webhook retries, redelivery).
RECENT_IDS = 10_000
_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)


class Inbox(Protocol):
    """The durable inbox (storage/inbox.py) as polling uses it."""

    def append(self, updates: Sequence[Mapping[str, Any]]) -> None: ...
    def mark_done(self, update_ids: Iterable[int]) -> None: ...
    def pending(self) -> list[dict[str, Any]]: ...
    def last_update_id(self) -> int | None: ...
    def close(self) -> None: ...


def configure(
    builder: Builder,
    *,
    max_concurrent: int = MAX_CONCURRENT,
    processor: ChatOrderedProcessor | None = None,
) -> Builder:
    """Request timeouts and the per-chat processor (`processor`, else a new one) for an
    ApplicationBuilder."""
    return (
        builder.connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .write_timeout(WRITE_TIMEOUT)
        .pool_timeout(POOL_TIMEOUT)
        .get_updates_connect_timeout(CONNECT_TIMEOUT)
        .get_updates_read_timeout(POLL_READ_MARGIN)
        .get_updates_write_timeout(WRITE_TIMEOUT)
        .get_updates_pool_timeout(POOL_TIMEOUT)
        .concurrent_updates(processor or ChatOrderedProcessor(max_concurrent))
    )


def chat_key(update: object) -> Hashable | None:
    """What orders an update: its chat, else its user; None (no order) for anything else."""
    if isinstance(update, Update):
        chat = update.effective_chat
        if chat is not None:
            return ("chat", chat.id)
        user = update.effective_user
        if user is not None:
            return ("user", user.id)
    return None


# PTB's base class bounds the updates *waiting* too; the real bound is applied after the
# per-chat wait, so one busy chat cannot take every slot while other chats wait behind it.
_UNBOUNDED = 1_000_000


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Per-chat order, cross-chat concurrency (at most `max_concurrent` handled at once).

    PTB starts one task per update, in the order it took them from the update queue; each
    takes its chat's lock (FIFO) before a slot, so one chat's updates run in that order.
    """

    __slots__ = (
        "_chains",
        "_heard",
        "_limit",
        "_per_turn",
        "_quiet",
        "_refs",
        "_running",
        "_slots",
        "_started",
        "_taking",
        "_turn_reset",
        "_turn_waiters",
        "on_done",
    )

    def __init__(
        self, max_concurrent: int = MAX_CONCURRENT, *, starts_per_turn: int = STARTS_PER_TURN
    ) -> None:
        super().__init__(_UNBOUNDED)
        self._limit = max_concurrent
        self._per_turn = max(1, starts_per_turn)
        self._started = 0  # updates started in this turn of the event loop
        self._turn_reset = False
        self._turn_waiters: deque[asyncio.Future[None]] = deque()  # for a turn, in order
        self._slots = asyncio.Semaphore(max_concurrent)
        self._chains: dict[Hashable, asyncio.Lock] = {}
        self._refs: Counter[Hashable] = Counter()
        self._running: set[asyncio.Task[Any]] = set()
        self._quiet: dict[Hashable, asyncio.Event] = {}
        self._heard: dict[Hashable, deque[float]] = {}  # chat → when its updates came, lately
        self._taking = True
        #: Called with each update whose handlers finished (not when cancelled or skipped).
        self.on_done: Callable[[object], None] | None = None

    @property
    def limit(self) -> int:
        return self._limit

    async def initialize(self) -> None:
        self._taking = True

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await self._run(update, coroutine)
            return
        self._hear(key)
        lock = self._chains.get(key)
        if lock is None:
            lock = self._chains[key] = asyncio.Lock()
        self._refs[key] += 1
        try:
            async with lock:
                await self._run(update, coroutine)
        finally:
            self._refs[key] -= 1
            if self._refs[key] <= 0:
                del self._refs[key]
                self._chains.pop(key, None)
                quiet = self._quiet.pop(key, None)
                if quiet is not None:
                    quiet.set()

    def _hear(self, key: Hashable) -> None:
        now = asyncio.get_running_loop().time()
        heard = self._heard.get(key)
        if heard is None:
            if len(self._heard) >= 4096:  # forget chats quiet for a while: memory stays flat
                quiet = [k for k, d in self._heard.items() if not d or now - d[-1] >= DEMAND_WINDOW]
                for k in quiet:
                    del self._heard[k]
            heard = self._heard[key] = deque()
        heard.append(now)

    def demand(self, chat_id: int | str) -> int:
        """How many updates this chat sent in the last DEMAND_WINDOW seconds (0: none). The
        rate limiter answers the least busy chats first (bot/core/ratelimit.py)."""
        if not isinstance(chat_id, int):
            return 0
        heard = self._heard.get(("chat", chat_id))
        if not heard:
            return 0
        now = asyncio.get_running_loop().time()
        while heard and now - heard[0] >= DEMAND_WINDOW:
            heard.popleft()
        return len(heard)

    async def chat_quiet(self, chat_id: int) -> None:
        """Until no update of this chat waits or is being handled: a burst of them (ten
        /task pasted at once) is over. Delivery waits for it before it sends what the burst
        said in that chat, so it goes as one message (bot/core/bundling.py)."""
        key = ("chat", chat_id)
        while self._refs.get(key, 0) > 0:
            quiet = self._quiet.setdefault(key, asyncio.Event())
            await quiet.wait()

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not self._taking:
            _discard(coroutine)
            return
        async with self._slots:
            await self._turn()
            if not self._taking:  # stopped while waiting: it stays in the inbox
                _discard(coroutine)
                return
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await coroutine
            except asyncio.CancelledError:  # cut short: processed again at the next start
                raise
            except Exception:  # PTB reports it to the error handlers; do not replay it forever
                self._done(update)
                raise
            finally:
                if task is not None:
                    self._running.discard(task)
        self._done(update)

    async def _turn(self) -> None:
        """Wait for a turn of the event loop with room for one more start, first come first
        served (an update of a quiet chat is not overtaken by the next ones of a busy chat)."""
        if self._started < self._per_turn and not self._turn_waiters:
            self._started += 1
            self._reset_soon()
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._turn_waiters.append(fut)
        self._reset_soon()
        await fut  # counted as started by _next_turn

    def _reset_soon(self) -> None:
        if not self._turn_reset:
            self._turn_reset = True
            asyncio.get_running_loop().call_soon(self._next_turn)

    def _next_turn(self) -> None:
        """A new turn of the loop: room again; the longest waiting are let in."""
        self._started = 0
        self._turn_reset = False
        waiters = self._turn_waiters
        while waiters and self._started < self._per_turn:
            fut = waiters.popleft()
            if not fut.done():  # else cancelled while waiting
                fut.set_result(None)
                self._started += 1
        if waiters or self._started:
            self._reset_soon()

    def _done(self, update: object) -> None:
        if self.on_done is not None:
            try:
                self.on_done(update)
            except Exception:
                log.exception("could not mark update done")

    def stop_taking(self) -> None:
        """Start no more updates (those waiting are left for the next start)."""
        self._taking = False

    async def finish(self, timeout: float) -> int:  # noqa: ASYNC109 - a shutdown budget
        """Stop taking; wait up to `timeout` for the updates being handled; cancel the rest.
        Returns how many were cancelled."""
        self._taking = False
        running = set(self._running)
        if not running:
            return 0
        _, late = await asyncio.wait(running, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            log.warning("%d updates were cut short by the stop; they run again at start", len(late))
            await asyncio.wait(late, timeout=1.0)
        return len(late)


def _discard(coroutine: Awaitable[Any]) -> None:
    if inspect.iscoroutine(coroutine):
        coroutine.close()


@dataclass(frozen=True)
class Webhook:
    """Where Telegram pushes updates (behind a reverse proxy: see the README)."""

    listen: str
    port: int
    url_path: str
    url: str
    secret_token: str | None = None


class _StoringQueue(asyncio.Queue[object]):
    """The queue PTB's webhook server puts each update into: `put` stores the update (one
    fsync) and hands it to the application before it returns, that is before the webhook
    answers Telegram (if storing fails, the webhook answers 500 and Telegram sends it again)."""

    def __init__(self, feed: UpdateFeed) -> None:
        super().__init__()
        self._feed = feed

    def put_nowait(self, item: object) -> None:
        if isinstance(item, Update):
            self._feed.accept([item.to_dict()], [item])
        else:
            super().put_nowait(item)

    async def put(self, item: object) -> None:
        self.put_nowait(item)


@dataclass
class FeedStats:
    fetched: int = 0  # updates received from getUpdates (repeats included)
    stored: int = 0  # new updates stored in the inbox
    batches: int = 0  # inbox appends (one fsync each)
    replayed: int = 0  # stored updates processed again at start
    done: int = 0
    poll_errors: int = 0


class UpdateFeed:
    """Polling (or a webhook) into the durable inbox, and from it into the application."""

    def __init__(
        self,
        app: App,
        inbox: Inbox,
        *,
        allowed_updates: Sequence[str] | None = ALLOWED_UPDATES,
        poll_timeout: int = POLL_TIMEOUT,
        max_in_hand: int = MAX_IN_HAND,
    ) -> None:
        processor = app.update_processor
        if not isinstance(processor, ChatOrderedProcessor):
            raise TypeError("the application needs bot.core.updates.configure(builder)")
        self._app = app
        self._inbox = inbox
        self._processor = processor
        self._allowed = list(allowed_updates) if allowed_updates is not None else None
        self._poll_timeout = poll_timeout
        self._max_in_hand = max_in_hand
        self._in_hand: set[int] = set()
        self._last: int | None = None
        self._recent: set[int] = set()
        self._recent_order: deque[int] = deque()
        self._updater: Updater | None = None
        self._room = asyncio.Event()
        self._room.set()
        self._task: asyncio.Task[None] | None = None
        self.stats = FeedStats()
        processor.on_done = self._done

    @property
    def in_hand(self) -> int:
        """Updates stored and handed to the application, not yet done."""
        return len(self._in_hand)

    @property
    def offset(self) -> int | None:
        """The next getUpdates offset (confirms everything stored)."""
        return None if self._last is None else self._last + 1

    async def start(
        self,
        *,
        poll: bool = True,
        webhook: Webhook | None = None,
        allowed_updates: Sequence[str] | None = None,
    ) -> None:
        """Process what the inbox still holds, then poll — or, with `webhook`, serve it (with
        `allowed_updates`, or the feed's own). The application must be running."""
        if not self._app.running:
            raise RuntimeError("start the application before the feed")
        self._last = self._inbox.last_update_id()
        pending = self._inbox.pending()
        if pending:
            log.info("processing %d stored updates first", len(pending))
        for raw in pending:
            self.stats.replayed += 1
            self._remember(int(raw["update_id"]))
            self._submit(raw)
        if webhook is not None:
            updater = Updater(bot=self._app.bot, update_queue=_StoringQueue(self))
            await updater.initialize()
            allowed = self._allowed if allowed_updates is None else list(allowed_updates)
            await updater.start_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.url_path,
                webhook_url=webhook.url,
                secret_token=webhook.secret_token,
                allowed_updates=allowed,
            )
            self._updater = updater
        elif poll:
            self._task = asyncio.create_task(self._poll(), name="updates:poll")

    async def stop(self) -> None:
        """Stop taking updates (a getUpdates under way is abandoned: it confirmed nothing new;
        the webhook server closes, Telegram keeps what it could not deliver)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        updater, self._updater = self._updater, None
        if updater is not None and updater.running:
            await updater.stop()

    def accept(
        self, updates: Sequence[Mapping[str, Any]], parsed: Sequence[Update] | None = None
    ) -> int:
        """Store these updates (one durable write), then hand each to the application; an
        update taken already is skipped. Returns how many were new. Raises if they could not
        be stored (then nothing was handed on, and nothing may be confirmed to Telegram).

        This is the step a webhook takes before answering 200 (see `_StoringQueue`).
        `parsed`: the same updates as PTB objects already (polling), not parsed again."""
        objects = {u.update_id: u for u in parsed or ()}
        fresh: list[dict[str, Any]] = []
        seen: set[int] = set()
        for u in sorted(updates, key=lambda u: int(u["update_id"])):
            uid = int(u["update_id"])
            if uid in self._recent or uid in seen:
                continue
            seen.add(uid)
            fresh.append(dict(u))
        if not fresh:
            return 0
        self._inbox.append(fresh)
        self.stats.batches += 1
        self.stats.stored += len(fresh)
        top = int(fresh[-1]["update_id"])
        self._last = top if self._last is None else max(self._last, top)
        for raw in fresh:
            uid = int(raw["update_id"])
            self._remember(uid)
            self._submit(raw, objects.get(uid))
        return len(fresh)

    def _remember(self, uid: int) -> None:
        self._recent.add(uid)
        self._recent_order.append(uid)
        while len(self._recent_order) > RECENT_IDS:
            self._recent.discard(self._recent_order.popleft())

    def _submit(self, raw: Mapping[str, Any], update: Update | None = None) -> None:
        uid = int(raw["update_id"])
        bot = self._app.bot
        try:
            if update is None:
                update = Update.de_json(dict(raw), bot)
                if isinstance(bot, ExtBot):
                    bot.insert_callback_data(update)
        except Exception:
            log.exception("stored update %s cannot be read; skipped", uid)
            self._inbox.mark_done([uid])
            return
        self._in_hand.add(uid)
        if len(self._in_hand) >= self._max_in_hand:
            self._room.clear()
        self._app.update_queue.put_nowait(update)

    def _done(self, update: object) -> None:
        uid = update.update_id if isinstance(update, Update) else None
        if uid is None or uid not in self._in_hand:
            return
        self._in_hand.discard(uid)
        self.stats.done += 1
        self._inbox.mark_done([uid])
        if len(self._in_hand) < self._max_in_hand:
            self._room.set()

    async def _poll(self) -> None:
        bot = self._app.bot
        failures = 0
        ready = False
        while True:
            await self._room.wait()
            try:
                if not ready:
                    # getUpdates refuses to work while a webhook is set.
                    await bot.delete_webhook(drop_pending_updates=False)
                    ready = True
                batch = await bot.get_updates(
                    offset=self.offset,
                    timeout=self._poll_timeout,
                    allowed_updates=self._allowed,
                )
            except asyncio.CancelledError:
                raise
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay if isinstance(delay, int | float) else delay.total_seconds()
                log.warning("getUpdates: flood control, waiting %.0f s", seconds)
                await asyncio.sleep(float(seconds))
                continue
            except (TelegramError, OSError) as exc:
                failures += 1
                self.stats.poll_errors += 1
                wait = _BACKOFF[min(failures - 1, len(_BACKOFF) - 1)]
                if isinstance(exc, Conflict):
                    why = "another instance is polling with this token"
                elif isinstance(exc, InvalidToken):
                    why = "the token was refused"
                else:
                    why = describe(exc)
                # One line for the first failure of a run, then quiet until it works again.
                level = logging.WARNING if failures == 1 else logging.DEBUG
                if not is_network_error(exc) and failures == 1:
                    level = logging.ERROR
                log.log(level, "getUpdates failed (%s): retry in %.0f s", why, wait)
                await asyncio.sleep(wait)
                continue
            except Exception:
                failures += 1
                self.stats.poll_errors += 1
                log.exception("getUpdates failed; retry in 1 s")
                await asyncio.sleep(1.0)
                continue
            if failures:
                log.info("getUpdates works again (after %d failed attempts)", failures)
                failures = 0
            self.stats.fetched += len(batch)
            try:
                self.accept([u.to_dict() for u in batch], batch)
            except Exception:  # not stored, so not confirmed: Telegram gives them again
                log.exception("could not store %d updates; they are fetched again", len(batch))
                await asyncio.sleep(1.0)


async def stop_application(
    app: App,
    feed: UpdateFeed | None,
    *,
    started: bool = True,
    grace: float = STOP_GRACE,
    budget: float = 4.0,
) -> None:
    """Stop promptly: no more fetching; what is under way gets `grace` seconds; everything
    is done within about `budget` seconds. Leaves the application shut down (`started`:
    post_init ran, so post_stop must too)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    processor = app.update_processor
    if feed is not None:
        await feed.stop()
    if isinstance(processor, ChatOrderedProcessor):
        processor.stop_taking()
    delivery = getattr(app.bot_data, "delivery", None)
    closing: list[Awaitable[Any]] = []
    if isinstance(processor, ChatOrderedProcessor):
        closing.append(processor.finish(grace))
    if delivery is not None:
        closing.append(delivery.close(grace))
    if closing:
        await asyncio.gather(*closing)
    if app.running:
        try:
            await asyncio.wait_for(app.stop(), max(0.1, deadline - loop.time()))
        except TimeoutError:
            log.warning("background work did not stop in time; cancelled")
    if started and app.post_stop is not None:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def serve(
    app: App,
    inbox_of: Callable[[App], Inbox],
    *,
    allowed_updates: Sequence[str] | None = ALLOWED_UPDATES,
    webhook: Webhook | None = None,
    stop_signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM),
) -> None:
    """Run the bot until a stop signal: initialise, start, take updates (polling, or the
    webhook) into the inbox, stop."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in stop_signals:
        loop.add_signal_handler(sig, stopping.set)
    feed: UpdateFeed | None = None
    started = False
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        started = True
        await app.start()
        feed = UpdateFeed(app, inbox_of(app), allowed_updates=allowed_updates)
        await feed.start(webhook=webhook)
        await stopping.wait()
        log.info("stopping (signal)")
    finally:
        await stop_application(app, feed, started=started)
        for sig in stop_signals:
            loop.remove_signal_handler(sig)


def _database_inbox(app: App) -> Inbox:
    inbox: Inbox = app.bot_data.db.inbox
    return inbox


def run(
    app: App,
    *,
    allowed_updates: Sequence[str] | None = ALLOWED_UPDATES,
    webhook: Webhook | None = None,
) -> None:
    """`officebot run`: serve until SIGINT/SIGTERM, with the database's inbox."""
    asyncio.run(serve(app, _database_inbox, allowed_updates=allowed_updates, webhook=webhook))
