"""Sends outbox entries through the Bot API: routing (spec/conversations.md), pacing, failures.

A service never sends; it stores entries with its change. Delivery renders each entry for its
reader, sends it, and records the result.

* **In the background.** `send()` and `flush()` only queue entries and return: a handler or
  the tick never waits for Telegram. One worker per recipient sends that recipient's entries
  in order (the rate limiter paces each chat to Telegram's limits); recipients are served
  concurrently. `wait=True` (or `drain()`) waits for the outcome, for callers that read it.
* **Recorded in batches.** Results are written with one durable write per batch
  (`Database.mark_outbox_many`): while more sends are under way, results are gathered for up
  to `MARK_WINDOW`; the last of a burst, or a lone send, is written at once. An entry stays
  "in flight" until its result is written, so nothing picks it up twice.
* **At least once, never twice on purpose.** Entries not yet sent when the process stops or
  dies are sent at the next start (a duplicate only if it dies between a send reaching
  Telegram and its record). A failed send is retried only when it cannot have been delivered
  (bot/core/neterrors.py): a timeout after the request was written marks it `uncertain`.
* **Groups** (`ChatRoutes`, bot/groups/service.py). A message for a forum group goes to its
  topic; a topic closed or deleted meanwhile sends it to the General topic instead (once). A
  group that became a supergroup (ChatMigrated) has everything moved to its new id, and the
  send goes there. While the bot is out of a group its messages for it wait (parked, not
  retried) until it is added back. A mention in a group for someone who never started the
  bot comes with a button that opens the bot's private chat on that task.
* **Failures.** Temporary ones (network before delivery, 429, 5xx) back off and retry, up to
  `MAX_ATTEMPTS`. A permanent refusal (BadRequest: can't parse entities, chat not found,
  message is too long, …) fails the entry at once; a render error after `RENDER_ATTEMPTS`.
  Either is logged once, and the admins (OFFICEBOT_ADMINS) are told once per entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)

from bot.core import bundling
from bot.core.clock import Clock
from bot.core.config import Lang, Settings
from bot.core.feature import SentHook
from bot.core.models import Button, OutboxEntry
from bot.core.neterrors import ON_WIRE, describe, is_network_error, may_have_been_delivered
from bot.core.render import RenderContext, Rendered, Renderer, Text, button_label
from bot.core.spaces import private_space
from bot.groups.rules import start_link, task_payload, topic_gone
from bot.people.models import Person
from bot.people.rules import group_lang, lang_of, mention, tz_of
from storage import Database

log = logging.getLogger(__name__)

Recipient = tuple[str, int]

# Back-off for temporary failures (network before delivery, 5xx, 429 after the limiter's own
# retries), in seconds by attempt.
BACKOFF = (5, 30, 120, 600)
MAX_ATTEMPTS = 12
# A render error is a bug or bad data; retried a few times in case the data changes.
RENDER_ATTEMPTS = 3
# Results are written at most every MARK_WINDOW seconds (or MARK_BATCH at once): a notice to 200
# is a dozen durable writes, not 200; a crash re-sends at most what one window sent.
MARK_WINDOW = 0.5
MARK_BATCH = 64
# Admins hear of at most this many given-up entries per window (each entry at most once).
ADMIN_NOTICES = 5
ADMIN_WINDOW = timedelta(minutes=10)
ADMIN_KEY = "poison"

UNCERTAIN = "uncertain"


def keyboard(rendered: Rendered, lang: Lang) -> InlineKeyboardMarkup | ForceReply | None:
    if rendered.force_reply:
        return ForceReply(selective=True)
    if not rendered.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(button_label(b, lang), url=b.url)
                if b.url
                else InlineKeyboardButton(button_label(b, lang), callback_data=b.callback_data)
                for b in row
            ]
            for row in rendered.buttons
        ]
    )


class ChatRoutes(Protocol):
    """What delivery asks about groups (bot/groups/service.py `GroupService`)."""

    def topic(self, entry: OutboxEntry, chat_id: int) -> int | None:
        """The forum topic of `chat_id` the entry goes to (None: the General topic)."""

    def parked(self, chat_id: int) -> bool:
        """Is the bot out of this group (its messages wait)?"""

    def park(self, chat_id: int) -> None:
        """Telegram refused a send to the group: the bot is out of it."""

    def migrated(self, old: int, new: int) -> None:
        """The group became supergroup `new`: move everything kept under `old` there."""


class _NoGroups:
    """No forum topics, nothing parked, nothing moved (a Delivery built without routes)."""

    def topic(self, _entry: OutboxEntry, _chat_id: int) -> int | None:
        return None

    def parked(self, _chat_id: int) -> bool:
        return False

    def park(self, _chat_id: int) -> None:
        """Nothing to remember."""

    def migrated(self, _old: int, _new: int) -> None:
        """Nothing to move."""


class _RenderError(Exception):
    """Rendering an entry failed (a bug in a template or data it cannot use)."""


@dataclass
class DeliveryStats:
    """Counters since start (for benchmarks and logs)."""

    sent: int = 0
    retried: int = 0
    uncertain: int = 0
    failed: int = 0
    marks: int = 0  # durable writes of results (one per batch)
    marked: int = 0  # results written


def _recipient(entry: OutboxEntry) -> Recipient:
    return ("u", entry.to_user) if entry.to_user is not None else ("c", entry.to_chat or 0)


class Delivery:
    """The one place that turns outbox entries into Telegram messages."""

    def __init__(
        self,
        bot: Bot,
        *,
        db: Database,
        clock: Clock,
        settings: Settings,
        renderer: Renderer,
        sent_hooks: Mapping[str, Sequence[SentHook]] | None = None,
        routes: ChatRoutes | None = None,
        chat_quiet: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self._bot = bot
        self._routes: ChatRoutes = routes if routes is not None else _NoGroups()
        # Until a burst of updates in a chat is handled (bot/core/updates.py), if known.
        self._chat_quiet = chat_quiet
        self._db = db
        self._clock = clock
        self._settings = settings
        self._renderer = renderer
        self.stats = DeliveryStats()
        # Queued, being sent, or sent and waiting for its result to be written.
        self._inflight: set[str] = set()
        self._queues: dict[Recipient, deque[OutboxEntry]] = {}
        self._workers: dict[Recipient, asyncio.Task[None]] = {}
        self._results: list[OutboxEntry] = []
        self._mark_timer: asyncio.TimerHandle | None = None
        self._waiters: dict[str, list[asyncio.Future[None]]] = defaultdict(list)
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._hooks: dict[str, tuple[SentHook, ...]] = {
            kind: tuple(hooks) for kind, hooks in (sent_hooks or {}).items()
        }
        self._closing = False
        self._admin_told: deque[datetime] = deque()
        # Entries going out in one message with the entry of this id (bot/core/bundling.py).
        self._bundles: dict[str, list[OutboxEntry]] = {}

    @property
    def bot_username(self) -> str:
        """Known once the application is initialised (PTB asks getMe)."""
        try:
            return self._bot.username
        except RuntimeError:  # not initialised yet
            return ""

    # ----- queueing --------------------------------------------------------------------------

    async def send(self, entries: Iterable[OutboxEntry], *, wait: bool = False) -> None:
        """Queue the entries that are due (used right after a commit) and return at once.

        With `wait=True`, return once they were sent or given up (their result is stored).
        """
        now = self._clock.now()
        due = [e for e in entries if e.pending and self._due(e, now)]
        self._enqueue(due)
        if wait:
            await self._wait_for([e.id for e in due])

    async def flush(self) -> int:
        """Queue every pending entry that is due; returns how many were queued. Never waits
        for Telegram (the tick calls it)."""
        return self._enqueue(self.ready)

    @property
    def ready(self) -> list[OutboxEntry]:
        """Pending entries due now by the clock and not queued yet: what a flush queues (held
        ones — a later not_before, a kind held to the quarter hour, a parked group — are not)."""
        now = self._clock.now()
        return [
            e
            for e in self._db.pending_outbox()
            if e.id not in self._inflight and self._due(e, now) and not self._parked(e)
        ]

    def _due(self, entry: OutboxEntry, now: datetime) -> bool:
        """Its time has come: not held back (a retry, quiet hours), and a kind held on the
        clock's grid released (bot/core/bundling.py)."""
        if entry.not_before is not None and entry.not_before > now:
            return False
        hold = self._renderer.hold(entry.template)
        return not hold or bundling.released_at(entry.created_at, hold, self._settings.tz) <= now

    def _parked(self, entry: OutboxEntry) -> bool:
        """Waits for a group the bot is out of (and, for a person, nowhere else to go)."""
        if entry.to_chat is not None:
            return self._routes.parked(entry.to_chat)
        if entry.fallback_chat is None or not self._routes.parked(entry.fallback_chat):
            return False
        person = self._db.get_person(entry.to_user or 0)
        return person is None or not person.reachable_privately

    def _enqueue(self, entries: Sequence[OutboxEntry]) -> int:
        if self._closing:
            return 0
        queued = 0
        for e in entries:
            if e.id in self._inflight:
                continue
            self._inflight.add(e.id)
            key = _recipient(e)
            self._queues.setdefault(key, deque()).append(e)
            queued += 1
            if key not in self._workers:
                self._workers[key] = asyncio.get_running_loop().create_task(
                    self._work(key), name=f"delivery:{key[0]}{key[1]}"
                )
        return queued

    @property
    def busy(self) -> bool:
        """Something is queued, being sent, or waiting for its result to be written."""
        return bool(self._inflight or self._workers or self._results)

    async def drain(self) -> None:
        """Wait until everything queued so far was sent or given up and recorded."""
        while self.busy and not self._closing:
            fut = asyncio.get_running_loop().create_future()
            self._idle_waiters.append(fut)
            await fut

    async def _wait_for(self, ids: Sequence[str]) -> None:
        loop = asyncio.get_running_loop()
        futures = []
        for entry_id in ids:
            if entry_id in self._inflight:
                fut = loop.create_future()
                self._waiters[entry_id].append(fut)
                futures.append(fut)
        if futures:
            await asyncio.gather(*futures)

    async def close(self, timeout: float = 2.0) -> None:  # noqa: ASYNC109 - a shutdown budget
        """Stop: queued entries stay in the outbox for the next start; sends under way get
        `timeout` seconds, then are cancelled (one cancelled on the wire counts as uncertain)."""
        self._closing = True
        workers = list(self._workers.values())
        if workers:
            _, late = await asyncio.wait(workers, timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)
        self._write_results()
        for entry_id in list(self._inflight):
            self._forget(entry_id)
        self._wake_idle()

    # ----- the worker of one recipient -------------------------------------------------------

    async def _work(self, key: Recipient) -> None:
        queue = self._queues[key]
        try:
            while queue and not self._closing:
                entry = queue.popleft()
                await self._after_burst(entry)
                self._bundle(entry, queue)
                ON_WIRE.set(None)
                try:
                    await self._deliver(entry)
                except asyncio.CancelledError:
                    if ON_WIRE.get():  # it may have reached Telegram: never send it again
                        self._record(self._uncertain(entry, "cancelled while sending"))
                    else:
                        self._forget(entry.id)
                    raise
                except Exception:  # a bug here must not stop the others
                    log.exception("delivery of outbox entry %s failed", entry.id)
                    self._record(self._retry_later(entry, "internal error"))
        finally:
            for left in queue:  # closing: they stay pending in the outbox
                self._forget(left.id)
            queue.clear()
            self._queues.pop(key, None)
            self._workers.pop(key, None)
            self._wake_idle()

    def _forget(self, entry_id: str) -> None:
        self._inflight.discard(entry_id)
        for fut in self._waiters.pop(entry_id, ()):
            if not fut.done():
                fut.set_result(None)
        for other in self._bundles.pop(entry_id, ()):
            self._forget(other.id)

    async def _after_burst(self, entry: OutboxEntry) -> None:
        """A bundleable entry for a chat whose updates are still being handled waits for the
        last of them: what that burst says there goes as one message."""
        chat = entry.to_chat if entry.to_chat is not None else entry.to_user
        if self._chat_quiet is None or chat is None:
            return
        if self._renderer.bundleable(entry.template, entry.params):
            await self._chat_quiet(chat)

    def _bundle(self, head: OutboxEntry, queue: deque[OutboxEntry]) -> None:
        """Take what goes out with `head` as one message: queued for the same person, or due
        in the outbox and not queued yet (a receipt held to this quarter hour), of bundleable
        kinds, due now (bot/core/bundling.py decides)."""
        if not self._renderer.bundleable(head.template, head.params):
            return
        now = self._clock.now()
        key = _recipient(head)
        waiting = [
            e
            for e in self._db.pending_outbox()
            if e.id not in self._inflight
            and _recipient(e) == key
            and self._due(e, now)
            and not self._parked(e)
        ]
        person = self._db.get_person(head.to_user) if head.to_user is not None else None
        extra = bundling.take(
            head,
            [*queue, *waiting],
            now=now,
            bundleable=lambda e: self._renderer.bundleable(e.template, e.params),
            private=person is not None and person.reachable_privately,
        )
        if not extra:
            return
        taken = {e.id for e in extra}
        kept = [e for e in queue if e.id not in taken]
        queue.clear()
        queue.extend(kept)
        self._inflight.update(taken)
        fresh = [c for e in extra if (c := self._db.get_outbox(e.id)) is not None and c.pending]
        for gone in taken - {c.id for c in fresh}:
            self._forget(gone)
        if fresh:
            self._bundles[head.id] = fresh

    def _wake_idle(self) -> None:
        if self.busy and not self._closing:
            return
        waiters, self._idle_waiters = self._idle_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    # ----- recording results -----------------------------------------------------------------

    def _record(self, entry: OutboxEntry) -> None:
        """Keep a result; written with the others of its window (one write per shard). The
        entries bundled with it have the same result (they went in the same message)."""
        self._results.append(entry)
        self._results.extend(
            bundling.same_outcome(entry, e) for e in self._bundles.pop(entry.id, ())
        )
        # More sends under way than results waiting (a big notice): gather them for up to
        # MARK_WINDOW; the last one of a burst, or a lone send, is written at once.
        more_coming = len(self._inflight) > len(self._results)
        if len(self._results) >= MARK_BATCH or not more_coming:
            self._write_results()
        elif self._mark_timer is None:
            self._mark_timer = asyncio.get_running_loop().call_later(
                MARK_WINDOW, self._write_results
            )

    def _write_results(self) -> None:
        if self._mark_timer is not None:
            self._mark_timer.cancel()
            self._mark_timer = None
        results, self._results = self._results, []
        if not results:
            return
        try:
            self._mark_many(results)
        except Exception:  # disk trouble: the entries stay pending and are tried again
            log.exception("could not record %d delivery results", len(results))
        for entry in results:
            self._forget(entry.id)
            if entry.sent_at is not None:
                for hook in self._hooks.get(entry.template, ()):
                    try:
                        hook(entry)
                    except Exception:
                        log.exception("after-send hook of %s failed", entry.template)
        self._wake_idle()

    def _mark_many(self, entries: list[OutboxEntry]) -> None:
        self.stats.marks += 1
        self.stats.marked += len(entries)
        entries = [self._where_stored(e) for e in entries]
        self._db.mark_outbox_many(entries)  # one append + fsync for the whole batch

    def _where_stored(self, entry: OutboxEntry) -> OutboxEntry:
        """A result for an entry whose group moved to a new chat id meanwhile (an upgrade):
        recorded where the entry is now, naming the new chat."""
        stored = self._db.get_outbox(entry.id)
        if stored is None or stored.space == entry.space:
            return entry
        return replace(
            entry,
            space=stored.space,
            to_chat=stored.to_chat,
            fallback_chat=stored.fallback_chat,
            sent_chat_id=stored.sent_chat_id if entry.sent_chat_id is None else entry.sent_chat_id,
        )

    # ----- outcomes --------------------------------------------------------------------------

    def _sent(self, entry: OutboxEntry, msg: Message) -> OutboxEntry:
        self.stats.sent += 1
        return replace(
            entry,
            sent_at=self._clock.now(),
            sent_chat_id=msg.chat_id,
            sent_message_id=msg.message_id,
            attempts=entry.attempts + 1,
        )

    def _uncertain(self, entry: OutboxEntry, why: str) -> OutboxEntry:
        self.stats.uncertain += 1
        log.warning(
            "outbox entry %s (%s) may have been delivered (%s): not sent again",
            entry.id,
            entry.template,
            why,
        )
        return replace(entry, failed=f"{UNCERTAIN}: {why}", attempts=entry.attempts + 1)

    def _retry_later(
        self, entry: OutboxEntry, why: str, *, at_least: float = 0.0, method: str = "sendMessage"
    ) -> OutboxEntry:
        attempts = entry.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return self._give_up(entry, f"gave up after {attempts} attempts: {why}", attempts)
        wait = max(BACKOFF[min(attempts - 1, len(BACKOFF) - 1)], at_least)
        self.stats.retried += 1
        log.warning(
            "%s for outbox entry %s failed (%s): retry in %d s (attempt %d of %d)",
            method,
            entry.id,
            why,
            wait,
            attempts + 1,
            MAX_ATTEMPTS,
        )
        return replace(
            entry, attempts=attempts, not_before=self._clock.now() + timedelta(seconds=wait)
        )

    def _give_up(
        self, entry: OutboxEntry, reason: str, attempts: int, *, exc: BaseException | None = None
    ) -> OutboxEntry:
        self.stats.failed += 1
        log.error(
            "outbox entry %s (%s) failed for good: %s",
            entry.id,
            entry.template,
            reason,
            exc_info=exc,
        )
        self._tell_admins(entry, reason)
        return replace(entry, failed=reason[:300], attempts=attempts)

    def _tell_admins(self, entry: OutboxEntry, reason: str) -> None:
        """Each given-up entry once (a deterministic key), and a few per window at most."""
        admins = self._settings.admins
        if not admins or entry.id.startswith(f"{ADMIN_KEY}:"):
            return
        now = self._clock.now()
        while self._admin_told and now - self._admin_told[0] >= ADMIN_WINDOW:
            self._admin_told.popleft()
        if len(self._admin_told) >= ADMIN_NOTICES:
            log.info("admins not told about outbox entry %s (enough notices lately)", entry.id)
            return
        self._admin_told.append(now)
        from bot.core.outbox import new_entry

        message = Text(
            key="delivery.failed_admin",
            values={"what": reason[:300], "template": entry.template, "entry": entry.id},
        )
        notices = []
        for admin in sorted(admins):
            notice = new_entry(
                space=private_space(admin),
                now=now,
                message=message,
                to_user=admin,
                key=f"{ADMIN_KEY}:{entry.id}:{admin}",
            )
            if self._db.get_outbox(notice.id) is not None:
                continue
            with self._db.transaction(notice.space) as tx:
                tx.put_outbox(notice)
            notices.append(notice)
        self._enqueue(notices)

    # ----- routing ---------------------------------------------------------------------------

    async def _deliver(self, entry: OutboxEntry) -> None:
        # Re-read: another path may have sent or changed it meanwhile.
        current = self._db.get_outbox(entry.id)
        if current is None or not current.pending:
            self._forget(entry.id)
            return
        entry = current
        if self._parked(entry):  # the bot is out of the group: it waits (see flush)
            self._forget(entry.id)
            return
        if entry.to_chat is not None:
            self._record(await self._send_to_chat(entry, entry.to_chat, None))
            return
        assert entry.to_user is not None
        person = self._db.get_person(entry.to_user)
        if person is not None and person.reachable_privately:
            try:
                result = await self._send_to_chat(entry, entry.to_user, person, private=True)
                self._record(result)
                return
            except Forbidden as exc:
                blocked = "blocked" in (exc.message or "").lower()
                person = replace(person, blocked=blocked, started=person.started and blocked)
                self._db.put_person(person)
        if entry.fallback_chat is not None and self._routes.parked(entry.fallback_chat):
            self._forget(entry.id)  # unreachable privately, and the bot is out of the group
            return
        if entry.fallback_chat is not None:
            self._record(
                await self._send_to_chat(entry, entry.fallback_chat, person, with_mention=True)
            )
            return
        self._hold(entry, person)

    def _hold(self, entry: OutboxEntry, person: Person | None) -> None:
        """Nobody can carry it now: keep it for when they start the bot, tell the sender once."""
        now = self._clock.now()
        self._record(replace(entry, failed="unreachable", attempts=entry.attempts + 1))
        origin = entry.origin_user
        if origin is None or origin == entry.to_user or entry.template == "unreachable":
            return
        from bot.core.outbox import new_entry

        notice = new_entry(
            space=entry.space,
            now=now,
            template="unreachable",
            params={
                "user_id": entry.to_user,
                "name": person.display_name if person else str(entry.to_user),
                "username": person.username if person else None,
                "task_number": entry.task_number,
            },
            to_user=origin,
            key=f"unreachable:{entry.id}",
        )
        if self._db.get_outbox(notice.id) is None:
            with self._db.transaction(entry.space) as tx:
                tx.put_outbox(notice)
            self._enqueue([notice])

    def _context_for(self, chat_id: int, person: Person | None) -> RenderContext:
        now, settings, bot = self._clock.now(), self._settings, self.bot_username
        if person is None and chat_id > 0:
            person = self._db.get_person(chat_id)
        if person is not None or chat_id > 0:
            return RenderContext(lang_of(person, settings), tz_of(person, settings), now, bot)
        ws = self._db.get_workspace(chat_id)
        return RenderContext(group_lang(ws, settings), settings.tz, now, bot)

    def _render(
        self, entry: OutboxEntry, chat_id: int, person: Person | None, with_mention: bool
    ) -> tuple[str, InlineKeyboardMarkup | ForceReply | None]:
        try:
            ctx = self._context_for(chat_id, person)
            rendered = self._render_bundle(entry, ctx) or self._renderer.render(
                entry.template, entry.params, ctx
            )
            text = rendered.text
            if with_mention and entry.to_user is not None:
                text = f"{mention(person, entry.to_user)}\n{text}"
                rendered = self._with_start_link(rendered, entry)
            return text, keyboard(rendered, ctx.lang)
        except Exception as exc:
            raise _RenderError(f"{type(exc).__name__}: {exc}") from exc

    def _render_bundle(self, head: OutboxEntry, ctx: RenderContext) -> Rendered | None:
        """The head and what goes with it as one message (None: it goes alone)."""
        extra = self._bundles.get(head.id)
        if not extra:
            return None
        items = [self._renderer.item(e.template, e.params, ctx) for e in (head, *extra)]
        if any(item is None for item in items):  # one of them must go alone: all go alone
            for other in self._bundles.pop(head.id):
                self._forget(other.id)
            return None
        return self._renderer.render_bundle([i for i in items if i is not None], ctx)

    def _with_start_link(self, rendered: Rendered, entry: OutboxEntry) -> Rendered:
        """A mention in a group for someone the bot cannot write to: a button that opens the
        bot's private chat (Start shows them the task at once)."""
        if rendered.force_reply or not self.bot_username:
            return rendered
        link = start_link(self.bot_username, task_payload(entry.task_number))
        row = (Button("groups.btn_open_bot", "", url=link),)
        return replace(rendered, buttons=(*rendered.buttons, row))

    async def _send_to_chat(
        self,
        entry: OutboxEntry,
        chat_id: int,
        person: Person | None,
        *,
        with_mention: bool = False,
        private: bool = False,
    ) -> OutboxEntry:
        """Send one entry to one chat; the entry as it should be recorded. A private chat's
        Forbidden is raised (the caller falls back to the group)."""
        try:
            text, markup = self._render(entry, chat_id, person, with_mention)
        except _RenderError as exc:
            attempts = entry.attempts + 1
            if attempts >= RENDER_ATTEMPTS:
                return self._give_up(
                    entry, f"render error: {exc}", attempts, exc=exc.__cause__ or exc
                )
            wait = BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
            log.warning(
                "outbox entry %s (%s) could not be rendered (%s): retry in %d s (attempt %d of %d)",
                entry.id,
                entry.template,
                exc,
                wait,
                attempts + 1,
                RENDER_ATTEMPTS,
            )
            return replace(
                entry, attempts=attempts, not_before=self._clock.now() + timedelta(seconds=wait)
            )
        reply = (
            ReplyParameters(message_id=entry.reply_to_message_id, allow_sending_without_reply=True)
            if entry.reply_to_message_id and chat_id == (entry.to_chat or entry.fallback_chat)
            else None
        )
        target = chat_id
        thread = self._routes.topic(entry, chat_id)
        # Again only to follow a group that became a supergroup, or to the General topic when
        # the entry's topic is closed or gone (each at most once).
        for _ in range(3):
            try:
                msg: Message = await self._bot.send_message(
                    target,
                    text,
                    reply_markup=markup,
                    reply_parameters=reply,
                    message_thread_id=thread,
                )
                return self._sent(entry, msg)
            except ChatMigrated as exc:
                log.info(
                    "chat %s is now %s; outbox entry %s follows", target, exc.new_chat_id, entry.id
                )
                self._routes.migrated(target, exc.new_chat_id)
                entry = self._db.get_outbox(entry.id) or entry  # moved with its group
                target = exc.new_chat_id
            except Forbidden:
                if private:
                    raise
                log.warning("chat %s refused outbox entry %s: it waits", chat_id, entry.id)
                self._routes.park(target)
                return entry  # still pending: sent once the bot is back in the group
            except BadRequest as exc:
                if thread is not None and topic_gone(exc.message):
                    log.info(
                        "topic %s of %s is gone; entry %s goes to General", thread, target, entry.id
                    )
                    thread, reply = None, None
                    continue
                # Telegram refuses this message as it is: sending it again cannot help.
                return self._give_up(
                    entry, f"refused by Telegram: {exc.message}", entry.attempts + 1
                )
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay if isinstance(delay, int | float) else delay.total_seconds()
                return self._retry_later(entry, describe(exc), at_least=float(seconds))
            except InvalidToken as exc:
                return self._retry_later(entry, describe(exc))
            except TelegramError as exc:
                if is_network_error(exc) and may_have_been_delivered(exc):
                    return self._uncertain(entry, describe(exc))
                return self._retry_later(entry, describe(exc))
        return self._retry_later(entry, "chat migrated twice, or its topic is gone")
