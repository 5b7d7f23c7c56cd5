"""The real bot, unchanged, against the fake Bot API with a manual clock.

Used by the end-to-end tests and the offline simulator: start it, act as people through the
fake server, move the clock, and look at what the bot sent. A restart keeps the data dir and
the fake server (its unconfirmed updates are redelivered, as Telegram does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import BaseRateLimiter

from bot.app import ALLOWED_UPDATES, FEATURES, OfficeApp, build_application
from bot.context import OfficeContext, Services
from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.feature import Feature
from bot.core.models import OutboxEntry
from bot.core.updates import UpdateFeed, Webhook, stop_application
from bot.sim.fake_api import FakeBotAPI
from storage import Database

DEFAULT_START = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
# How often settle() looks again (it waits on what the bot has to do, never for a set time).
_SETTLE_POLL = 0.01


class BotRunner:
    """One running officebot wired to a FakeBotAPI; async start/stop/restart."""

    def __init__(
        self,
        data_dir: Path,
        *,
        fake: FakeBotAPI | None = None,
        clock: ManualClock | None = None,
        tick: timedelta = timedelta(seconds=0.2),
        paced: bool = True,
        webhook: bool = False,
        features: Sequence[Callable[[Services], Feature]] = FEATURES,
        rate_limiter: BaseRateLimiter[Any] | None = None,
        **settings: Any,
    ) -> None:
        self.fake = fake or FakeBotAPI()
        self._owns_fake = fake is None
        self.clock = clock or ManualClock(DEFAULT_START)
        self.fake.clock = self.clock.now
        self.data_dir = data_dir
        self.tick_interval = tick
        # Telegram counts wall-clock seconds; with a manual clock the per-chat (1/s) and
        # per-group (20/min) waits only slow things down. The overall 29/s pace and 429
        # handling stay either way.
        self.paced = paced
        self.features = tuple(features)
        # Webhook mode: the fake pushes updates to the bot's own web server on 127.0.0.1.
        self.webhook = webhook
        self.webhook_port = 0
        self.webhook_secret = "officebot-test-secret"
        # When set, used instead of the limiter `paced` chooses (e.g. a bench's set-up phase).
        self.rate_limiter = rate_limiter
        self._settings_overrides = settings
        self.app: OfficeApp | None = None
        self.feed: UpdateFeed | None = None
        self.db: Database | None = None

    @property
    def settings(self) -> Settings:
        return Settings(
            token=self.fake.token,
            api_base_url=self.fake.base_url,
            api_file_url=self.fake.file_url,
            data_dir=self.data_dir,
            **self._settings_overrides,
        )

    def configure(self, **settings: Any) -> None:
        """Change settings for the next (re)start."""
        self._settings_overrides.update(settings)

    async def start(self) -> None:
        if self._owns_fake:
            self.fake.start()
        from bot.core.ratelimit import OfficeRateLimiter

        limiter: BaseRateLimiter[Any] | None = self.rate_limiter
        if limiter is None and not self.paced:
            limiter = OfficeRateLimiter(chat_period=0.0, group_period=0.0)
        app = build_application(
            self.settings,
            clock=self.clock,
            tick=self.tick_interval,
            rate_limiter=limiter,
            features=self.features,
        )
        self.app = app
        self.db = app.bot_data.db
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        # As in production (bot/core/updates.py): stored in the inbox, then processed.
        self.feed = UpdateFeed(app, app.bot_data.db.inbox, allowed_updates=None, poll_timeout=1)
        webhook = None
        if self.webhook:
            if not self.webhook_port:  # a restart keeps the port: the fake's URL stays valid
                self.webhook_port = _free_port()
            webhook = Webhook(
                listen="127.0.0.1",
                port=self.webhook_port,
                url_path="telegram",
                url=self.webhook_url,
                secret_token=self.webhook_secret,
            )
        await self.feed.start(webhook=webhook, allowed_updates=ALLOWED_UPDATES)

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.webhook_port}/telegram"

    async def stop(self, *, stop_fake: bool = True) -> None:
        app = self.app
        if app is not None:
            await stop_application(app, self.feed)
            self.feed = None
            self.app = None
            self.db = None
        if stop_fake and self._owns_fake:
            self.fake.stop()

    async def restart(self) -> None:
        """Stop the bot (not the fake server) and start it again on the same data."""
        await self.stop(stop_fake=False)
        await self.start()

    def context(self) -> OfficeContext:
        assert self.app is not None
        return OfficeContext(self.app)

    async def tick(self) -> None:
        """Run the background loop once now (due work, then the outbox)."""
        from handlers.jobs import job_tick

        await job_tick(self.context())
        # Delivery runs in the background; a test looks at what the tick sent once it is sent.
        assert self.app is not None
        await self.app.bot_data.delivery.drain()

    async def advance(self, delta: timedelta) -> None:
        """Move the clock forward and let due work happen."""
        self.clock.advance(delta)
        await self.tick()

    async def set_time(self, when: datetime) -> None:
        self.clock.set(when)
        await self.tick()

    async def settle(self, within: float = 10.0) -> None:
        """Until the bot has nothing left to do now: every update the fake holds is fetched and
        handled, no outbox entry due now by the clock waits unsent, and no send is under way.

        What is held for later (a retry's or quiet hours' not_before, a kind held to the next
        quarter hour, a group the bot is out of) does not count: move the clock and tick for
        it. A test calls this before it asserts that nothing (else) was sent. Raises
        TimeoutError, saying what is still pending, after `within` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while pending := self.pending_work():
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"the bot did not settle within {within} s: {'; '.join(pending)}\n"
                    + self.fake.dump()
                )
            await asyncio.sleep(_SETTLE_POLL)

    def pending_work(self) -> list[str]:
        """What the bot still has to do now, one phrase each (empty: it has settled)."""
        app, feed = self.app, self.feed
        if app is None or feed is None:
            return ["the bot is not running"]
        delivery = app.bot_data.delivery
        # Read together, with no await between: a consistent picture of the event loop's side.
        # An update is counted by the fake until a getUpdates confirms it, which the bot asks
        # only after it stored the update and handed it on (`feed.in_hand`, until handled).
        unfetched, in_hand, ready = self.fake.pending_updates(), feed.in_hand, delivery.ready
        pending = [
            f"{unfetched} updates not yet fetched from the fake" if unfetched else "",
            f"{in_hand} updates being handled" if in_hand else "",
            f"outbox entries due now and not queued: {_ids(ready)}" if ready else "",
            "sends queued, under way, or their results not yet recorded" if delivery.busy else "",
            "a tick is running" if app.bot_data.ticking else "",
        ]
        return [p for p in pending if p]


def _ids(entries: Sequence[OutboxEntry]) -> str:
    return ", ".join(f"{e.id} ({e.template})" for e in entries[:5]) + (
        f" and {len(entries) - 5} more" if len(entries) > 5 else ""
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def replace_settings(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, **changes)
