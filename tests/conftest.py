"""Shared fixtures: the real bot against the fake Bot API, with a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sim.runner import BotRunner


@pytest.fixture
async def env(tmp_path) -> AsyncIterator[BotRunner]:
    """A started officebot on a fresh data dir; stopped (and its fake server) afterwards.

    Unpaced per chat (see BotRunner.paced): Telegram's limits are tested on their own
    (tests/reminders/test_ratelimit.py, tests/e2e/test_pacing.py, the 200-recipient notice).
    """
    runner = BotRunner(tmp_path / "data", paced=False)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
