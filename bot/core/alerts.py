"""Telling the admins (OFFICEBOT_ADMINS) that something failed — rarely, and never a traceback."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.i18n import t

log = logging.getLogger(__name__)

# Admins hear about failures at most this often per topic, so a broken loop cannot flood them.
ADMIN_NOTICE_EVERY = timedelta(minutes=10)


class AdminAlerts:
    """One throttle per topic ("handler", "outbox" …); built once by the composition root."""

    def __init__(self, bot: Bot, *, settings: Settings, clock: Clock) -> None:
        self._bot = bot
        self._settings = settings
        self._clock = clock
        self._last: dict[str, datetime] = {}

    async def tell(self, topic: str, what: str) -> None:
        """Send `what` (one line, plain) to every admin, unless this topic was told recently."""
        admins = self._settings.admins
        if not admins:
            return
        now = self._clock.now()
        last = self._last.get(topic)
        if last is not None and now - last < ADMIN_NOTICE_EVERY:
            return
        self._last[topic] = now
        for admin in sorted(admins):
            try:
                await self._bot.send_message(
                    admin, t(self._settings.lang, "start.admin_error", what=what[:300])
                )
            except Exception:  # an unreachable admin is not another error
                log.debug("could not notify admin %s", admin, exc_info=True)
