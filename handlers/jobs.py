"""The background loop: every tick, ask what is due by the clock and send what waits."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.context import Ctx

log = logging.getLogger(__name__)

TickStep = Callable[[Ctx], Awaitable[None]]
# Features with due work (reminders, digests, notices) add a step here from their
# `register(app)` (once: `add_tick_step`); steps run in order at every tick.
TICK_STEPS: list[TickStep] = []


def add_tick_step(step: TickStep) -> None:
    if step not in TICK_STEPS:
        TICK_STEPS.append(step)


async def job_tick(context: Ctx) -> None:
    """Run every due-work step, then deliver the outbox."""
    data = context.bot_data
    for step in TICK_STEPS:
        try:
            await step(context)
        except Exception:
            log.exception("tick step %s failed", getattr(step, "__name__", step))
    await data.delivery.flush()
