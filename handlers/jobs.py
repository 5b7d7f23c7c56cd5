"""The background loop: every tick, ask what is due by the clock and send what waits."""

from __future__ import annotations

import logging

from bot.context import Ctx

log = logging.getLogger(__name__)


async def job_tick(context: Ctx) -> None:
    """Run every feature's due-work step (in the composition root's order), then the outbox."""
    data = context.bot_data
    data.ticking += 1
    try:
        for step in data.tick_steps:
            try:
                await step(context)
            except Exception:
                log.exception("tick step %s failed", getattr(step, "__name__", step))
        await data.delivery.flush()
    finally:
        data.ticking -= 1
