"""The background loop: every tick, ask what is due by the clock and send what waits."""

from __future__ import annotations

import logging

from bot.context import Ctx

log = logging.getLogger(__name__)

# Features with due work (reminders, digests, notices) add a coroutine function here:
# `async def step(context) -> None`, run in order at every tick.
TICK_STEPS: list[object] = []


async def job_tick(context: Ctx) -> None:
    """Run every due-work step, then deliver the outbox."""
    data = context.bot_data
    for step in TICK_STEPS:
        try:
            await step(context)  # type: ignore[operator]
        except Exception:
            log.exception("tick step %s failed", getattr(step, "__name__", step))
    await data.delivery.flush()
