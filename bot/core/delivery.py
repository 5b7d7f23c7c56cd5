"""Sends outbox entries through the Bot API: routing (spec/conversations.md), pacing, failures.

A service never sends; it stores entries with its change. Delivery renders each entry for its
reader, sends it, and records the result. Entries not yet sent when the process died are sent
at the next start (at least once; twice only if the process dies between send and record).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.core.clock import Clock
from bot.core.config import Lang, Settings
from bot.core.feature import SentHook
from bot.core.models import OutboxEntry
from bot.core.render import RenderContext, Rendered, Renderer, button_label
from bot.people.models import Person
from bot.people.rules import group_lang, lang_of, mention, tz_of
from storage import Database

log = logging.getLogger(__name__)

# Back-off for transient failures (network, 5xx, 429 after the limiter's own retries).
_BACKOFF = (5, 30, 120, 600)
_MAX_ATTEMPTS = 12


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
    ) -> None:
        self._bot = bot
        self._db = db
        self._clock = clock
        self._settings = settings
        self._renderer = renderer
        self._inflight: set[str] = set()
        self._running: set[asyncio.Future[Any]] = set()
        self._hooks: dict[str, tuple[SentHook, ...]] = {
            kind: tuple(hooks) for kind, hooks in (sent_hooks or {}).items()
        }
        self._concurrency = asyncio.Semaphore(32)

    @property
    def bot_username(self) -> str:
        """Known once the application is initialised (PTB asks getMe)."""
        try:
            return self._bot.username
        except RuntimeError:  # not initialised yet
            return ""

    async def send(self, entries: Iterable[OutboxEntry]) -> None:
        """Deliver these entries now (the ones that are due); used right after a commit."""
        now = self._clock.now()
        due = [e for e in entries if e.pending and (e.not_before is None or e.not_before <= now)]
        await self._deliver_all(due)

    async def flush(self) -> int:
        """Deliver every pending entry that is due; returns how many were attempted."""
        now = self._clock.now()
        due = [
            e
            for e in self._db.pending_outbox()
            if e.id not in self._inflight and (e.not_before is None or e.not_before <= now)
        ]
        await self._deliver_all(due)
        return len(due)

    async def drain(self) -> None:
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _deliver_all(self, entries: Sequence[OutboxEntry]) -> None:
        if not entries:
            return
        # Messages to one recipient go in order; recipients are served concurrently and the
        # rate limiter paces the whole.
        by_recipient: dict[tuple[str, int], list[OutboxEntry]] = defaultdict(list)
        for e in entries:
            if e.id in self._inflight:
                continue
            self._inflight.add(e.id)
            key = ("u", e.to_user) if e.to_user is not None else ("c", e.to_chat or 0)
            by_recipient[key].append(e)

        async def serve(queue: list[OutboxEntry]) -> None:
            async with self._concurrency:
                for e in queue:
                    try:
                        await self._deliver(e)
                    except Exception:  # one bad entry must not stop the others
                        log.exception("delivery of outbox entry %s failed", e.id)
                    finally:
                        self._inflight.discard(e.id)

        batch = asyncio.gather(*(serve(q) for q in by_recipient.values()))
        self._running.add(batch)
        try:
            await batch
        finally:
            self._running.discard(batch)

    async def _deliver(self, entry: OutboxEntry) -> None:
        # Re-read: another path may have sent or changed it meanwhile.
        current = self._db.get_outbox(entry.id)
        if current is None or not current.pending:
            return
        entry = current
        if entry.to_chat is not None:
            await self._send_to_chat(entry, entry.to_chat, None)
            return
        assert entry.to_user is not None
        person = self._db.get_person(entry.to_user)
        if person is not None and person.reachable_privately:
            try:
                await self._send_to_chat(entry, entry.to_user, person, raise_forbidden=True)
                return
            except Forbidden as exc:
                blocked = "blocked" in (exc.message or "").lower()
                person = replace(person, blocked=blocked, started=person.started and blocked)
                self._db.put_person(person)
        if entry.fallback_chat is not None:
            await self._send_to_chat(entry, entry.fallback_chat, person, with_mention=True)
            return
        self._hold(entry, person)

    def _hold(self, entry: OutboxEntry, person: Person | None) -> None:
        """Nobody can carry it now: keep it for when they start the bot, tell the sender once."""
        now = self._clock.now()
        self._db.mark_outbox(replace(entry, failed="unreachable", attempts=entry.attempts + 1))
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
            self._spawn(self.send([notice]))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    def _context_for(self, chat_id: int, person: Person | None) -> RenderContext:
        now, settings, bot = self._clock.now(), self._settings, self.bot_username
        if person is None and chat_id > 0:
            person = self._db.get_person(chat_id)
        if person is not None or chat_id > 0:
            return RenderContext(lang_of(person, settings), tz_of(person, settings), now, bot)
        ws = self._db.get_workspace(chat_id)
        return RenderContext(group_lang(ws, settings), settings.tz, now, bot)

    async def _send_to_chat(
        self,
        entry: OutboxEntry,
        chat_id: int,
        person: Person | None,
        *,
        with_mention: bool = False,
        raise_forbidden: bool = False,
    ) -> None:
        ctx = self._context_for(chat_id, person)
        rendered = self._renderer.render(entry.template, entry.params, ctx)
        text = rendered.text
        if with_mention and entry.to_user is not None:
            text = f"{mention(person, entry.to_user)}\n{text}"
        reply = (
            ReplyParameters(message_id=entry.reply_to_message_id, allow_sending_without_reply=True)
            if entry.reply_to_message_id and chat_id == (entry.to_chat or entry.fallback_chat)
            else None
        )
        try:
            msg: Message = await self._bot.send_message(
                chat_id,
                text,
                reply_markup=keyboard(rendered, ctx.lang),
                reply_parameters=reply,
            )
        except Forbidden:
            if raise_forbidden:
                raise
            log.warning("chat %s refused outbox entry %s", chat_id, entry.id)
            self._db.mark_outbox(replace(entry, failed="forbidden", attempts=entry.attempts + 1))
            return
        except BadRequest as exc:
            log.warning("outbox entry %s rejected: %s", entry.id, exc.message)
            self._db.mark_outbox(replace(entry, failed=exc.message, attempts=entry.attempts + 1))
            return
        except (RetryAfter, NetworkError, TelegramError) as exc:
            attempts = entry.attempts + 1
            if attempts >= _MAX_ATTEMPTS:
                self._db.mark_outbox(replace(entry, failed=str(exc), attempts=attempts))
                return
            wait = _BACKOFF[min(attempts - 1, len(_BACKOFF) - 1)]
            if isinstance(exc, RetryAfter):
                wait = max(wait, int(exc.retry_after.total_seconds()))  # type: ignore[union-attr]
            log.info("outbox entry %s will be retried in %ss (%s)", entry.id, wait, exc)
            self._db.mark_outbox(
                replace(
                    entry,
                    attempts=attempts,
                    not_before=self._clock.now() + timedelta(seconds=wait),
                )
            )
            return
        sent = replace(
            entry,
            sent_at=self._clock.now(),
            sent_chat_id=msg.chat_id,
            sent_message_id=msg.message_id,
            attempts=entry.attempts + 1,
        )
        self._db.mark_outbox(sent)
        for hook in self._hooks.get(entry.template, ()):
            try:
                hook(sent)
            except Exception:
                log.exception("after-send hook of %s failed", entry.template)
