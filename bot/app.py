"""Building the Application: settings, storage, clock and delivery wired into PTB."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any, TypeAlias

# Opt in to PTB's coming behaviour: durations (e.g. RetryAfter.retry_after) as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, Defaults

from bot.context import BotData
from bot.core.clock import Clock, SystemClock
from bot.core.commands import menu
from bot.core.config import Lang, Settings
from bot.core.delivery import Delivery
from bot.core.workdays import WorkCalendar
from bot.directory.service import DirectoryService
from bot.notices.service import NoticeService
from bot.reminders.service import Scheduler
from bot.tasks.service import TaskService
from storage import Database

log = logging.getLogger(__name__)

# PTB's Application generics are wide; officebot's data lives in the typed BotData.
OfficeApp: TypeAlias = Application[Any, Any, Any, Any, Any, Any]

# How often the background loop looks for due work and unsent outbox entries.
TICK = timedelta(seconds=2)


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr; keep httpx at WARNING since Bot API URLs contain the token."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def build_application(
    settings: Settings,
    *,
    db: Database,
    clock: Clock | None = None,
    tick: timedelta = TICK,
    rate_limiter: BaseRateLimiter[Any] | None = None,
) -> OfficeApp:
    """The real bot. `db` must be open; the caller owns closing it.

    `rate_limiter` defaults to Telegram's limits (bot/ratelimit.py); the offline simulator and
    most end-to-end tests pass one without per-chat pacing, since their clock is not real.
    """
    from bot.core.ratelimit import OfficeRateLimiter

    token = settings.require_token()
    builder = (
        ApplicationBuilder()
        .token(token)
        .context_types(ContextTypes(bot_data=BotData))
        .defaults(
            Defaults(
                tzinfo=settings.tz,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(rate_limiter or OfficeRateLimiter(max_retries=3))
        .post_init(_post_init)
        .post_stop(_post_stop)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if settings.api_file_url:
        builder = builder.base_file_url(settings.api_file_url)
    app = builder.build()

    data: BotData = app.bot_data
    data.settings = settings
    data.clock = clock or SystemClock(settings.tz)
    data.db = db
    data.calendar = WorkCalendar.from_settings(settings)
    data.delivery = Delivery(app.bot, db=db, clock=data.clock, settings=settings)
    data.tasks = TaskService(db, data.clock, settings, data.calendar)
    data.scheduler = Scheduler(db, data.clock, settings, data.calendar, data.tasks)
    data.directory = DirectoryService(db, data.clock, settings)
    data.tasks.roster_resolver = data.directory.resolve_roster
    data.notices = NoticeService(
        app.bot,
        db=db,
        clock=data.clock,
        settings=settings,
        calendar=data.calendar,
        delivery=data.delivery,
        directory=data.directory,
    )
    data.bot_username = ""
    data.tick = tick

    from handlers import register

    register(app)
    return app


async def _post_init(app: OfficeApp) -> None:
    """Learn who we are, publish the command menu, start the background loop."""
    data: BotData = app.bot_data
    me = await app.bot.get_me()
    data.bot_username = me.username or ""
    data.delivery.bot_username = data.bot_username
    langs: tuple[tuple[str | None, Lang], ...] = (
        (None, data.settings.lang),
        ("zh", "zh"),
        ("en", "en"),
    )
    for lang_code, lang in langs:
        commands = [BotCommand(name, desc) for name, desc in menu(lang)]
        await app.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=lang_code
        )
    if app.job_queue is not None:
        from handlers.jobs import job_tick

        app.job_queue.run_repeating(
            job_tick, interval=data.tick, first=0.1, name="tick", job_kwargs={"max_instances": 1}
        )
    log.info("officebot started as @%s", data.bot_username)


async def _post_stop(app: OfficeApp) -> None:
    """Let in-flight deliveries finish before the process exits."""
    data: BotData = app.bot_data
    await data.delivery.drain()
