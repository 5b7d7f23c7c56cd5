"""The real bot, unchanged, against the fake Bot API with a manual clock.

Used by the end-to-end tests and the offline simulator: start it, act as people through the
fake server, move the clock, and look at what the bot sent. A restart keeps the data dir and
the fake server (its unconfirmed updates are redelivered, as Telegram does).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import BaseRateLimiter, CallbackContext

from bot.app import OfficeApp, build_application
from bot.clock import ManualClock
from bot.config import Settings
from bot.sim.fake_api import FakeBotAPI
from storage import Database

DEFAULT_START = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday


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
        # When set, used instead of the limiter `paced` chooses (e.g. a bench's set-up phase).
        self.rate_limiter = rate_limiter
        self._settings_overrides = settings
        self.app: OfficeApp | None = None
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
        self.db = Database(self.data_dir, clock=self.clock)
        self.db.open()
        from bot.ratelimit import OfficeRateLimiter

        limiter: BaseRateLimiter[Any] | None = self.rate_limiter
        if limiter is None and not self.paced:
            limiter = OfficeRateLimiter(chat_period=0.0, group_period=0.0)
        app = build_application(
            self.settings,
            db=self.db,
            clock=self.clock,
            tick=self.tick_interval,
            rate_limiter=limiter,
        )
        self.app = app
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=None)
        await app.start()

    async def stop(self, *, stop_fake: bool = True) -> None:
        app = self.app
        if app is not None:
            assert app.updater is not None
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            if app.post_stop is not None:
                await app.post_stop(app)
            await app.shutdown()
            self.app = None
        if self.db is not None:
            self.db.close()
            self.db = None
        if stop_fake and self._owns_fake:
            self.fake.stop()

    async def restart(self) -> None:
        """Stop the bot (not the fake server) and start it again on the same data."""
        await self.stop(stop_fake=False)
        await self.start()

    def context(self) -> CallbackContext[Any, Any, Any, Any]:
        assert self.app is not None
        return CallbackContext(self.app)

    async def tick(self) -> None:
        """Run the background loop once now (due work, then the outbox)."""
        from handlers.jobs import job_tick

        await job_tick(self.context())

    async def advance(self, delta: timedelta) -> None:
        """Move the clock forward and let due work happen."""
        self.clock.advance(delta)
        await self.tick()

    async def set_time(self, when: datetime) -> None:
        self.clock.set(when)
        await self.tick()

    async def idle(self, seconds: float = 0.05) -> None:
        await asyncio.sleep(seconds)


def replace_settings(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, **changes)
