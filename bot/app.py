"""The composition root: every store, service and feature is built here, through constructors.

`FEATURES` lists each feature's declaration (`handlers/<feature>.py: feature(services)`) in the
order their handlers are tried. Adding a feature: its packages (bot/<f>/, handlers/<f>.py,
storage/<f>.py), its service in `build_services`, and one line in `FEATURES`.
"""

from __future__ import annotations

import gc
import logging
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, TypeAlias

# Opt in to PTB's coming behaviour: durations (e.g. RetryAfter.retry_after) as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, Defaults

from bot.context import BotData, OfficeContext, Services
from bot.core.alerts import AdminAlerts
from bot.core.clock import Clock, SystemClock
from bot.core.commands import menu
from bot.core.config import Lang, Settings
from bot.core.delivery import Delivery
from bot.core.feature import Feature, SentHook
from bot.core.models import OutboxEntry
from bot.core.render import Renderer
from bot.core.workdays import WorkCalendar
from bot.directory.service import DirectoryService
from bot.groups.service import GroupService
from bot.notices.service import NoticeService
from bot.people.models import Person
from bot.people.service import PeopleService
from bot.reminders.service import Scheduler
from bot.reports.export import close_workbooks
from bot.reports.service import ReportService
from bot.tasks.service import TaskService
from handlers import directory, groups, notices, people, reminders, reports, start, tasks
from storage import Database
from storage.reminders import ReminderTables
from storage.reports import CollectionStore

log = logging.getLogger(__name__)

# PTB's Application generics are wide; officebot's data lives in the typed BotData.
OfficeApp: TypeAlias = Application[Any, Any, Any, Any, Any, Any]

#: What the bot asks Telegram for (chat_member is opt-in: members who leave or are removed).
ALLOWED_UPDATES: tuple[str, ...] = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
)

# How often the background loop looks for due work and unsent outbox entries.
TICK = timedelta(seconds=2)

#: Every feature, in the order its handlers are tried (the first match in a group wins).
FEATURES: tuple[Callable[[Services], Feature], ...] = (
    groups.feature,  # edits (no further), upgrades, joins and leaves, /start t<n>, 重新安排
    start.feature,  # /start, /help
    tasks.feature,  # /task, /my, /next, /done, /snooze, /report, /assigned, /tasks, buttons
    reminders.feature,  # /digest, /week; reminders, nags, digests on the tick
    people.feature,  # /settings: language, time zone, digest time
    directory.feature,  # /contact, /roster, /docs, /template, files and contact cards
    notices.feature,  # /notify, /notices, confirmations
    reports.feature,  # /collect, /calendar, /export tasks|collect, 加到日历
)


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr; keep httpx at WARNING since Bot API URLs contain the token."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def build_services(
    app: OfficeApp,
    *,
    db: Database,
    clock: Clock,
    settings: Settings,
    calendar: WorkCalendar,
) -> Services:
    """Every feature's use cases, in dependency order (delivery is built after the features)."""
    directory_service = DirectoryService(db, clock, settings)
    task_service = TaskService(
        db, clock, settings, calendar, roster_resolver=directory_service.resolve_roster
    )
    notice_service = NoticeService(
        app.bot,
        db=db,
        clock=clock,
        settings=settings,
        calendar=calendar,
        directory=directory_service,
    )
    scheduler = Scheduler(
        db,
        clock,
        settings,
        calendar,
        task_service,
        store=ReminderTables(db),
        notices_for=notice_service.unconfirmed_for,
        sent_notices_for=notice_service.missing_for_sender,
    )

    def bind_person(person: Person) -> list[OutboxEntry]:
        """Tasks and notices that waited for this person (by @username or name) become theirs."""
        return [*task_service.bind_person(person), *notice_service.bind_person(person)]

    collections = CollectionStore(db)
    group_service = GroupService(
        db,
        clock,
        settings,
        task_service,
        # What keeps records by space in memory, told when a group moves to its new chat id.
        space_moved=(
            notice_service.store.space_moved,
            directory_service.space_moved,
            collections.space_moved,
        ),
    )
    return Services(
        settings=settings,
        clock=clock,
        db=db,
        calendar=calendar,
        people=PeopleService(
            db,
            clock,
            settings,
            bind_person=bind_person,
            person_changed=scheduler.person_changed,
        ),
        tasks=task_service,
        reminders=scheduler,
        directory=directory_service,
        notices=notice_service,
        reports=ReportService(
            db,
            clock,
            settings,
            calendar,
            directory=directory_service,
            notices=notice_service,
            store=collections,
        ),
        groups=group_service,
    )


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    tick: timedelta = TICK,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    features: Sequence[Callable[[Services], Feature]] = FEATURES,
) -> OfficeApp:
    """The real bot over `settings.data_dir`; the database opens in post_init, closes at shutdown.

    `rate_limiter` defaults to Telegram's limits (bot/core/ratelimit.py); the offline simulator
    and most end-to-end tests pass one without per-chat pacing, since their clock is not real.
    """
    from bot.core.ratelimit import OfficeRateLimiter
    from bot.core.updates import ChatOrderedProcessor, configure

    token = settings.require_token()
    # One chat in order, chats in parallel; what each chat asks lately ranks its answers.
    processor = ChatOrderedProcessor()
    builder = (
        ApplicationBuilder()
        .token(token)
        .context_types(ContextTypes(context=OfficeContext, bot_data=BotData))
        .defaults(
            Defaults(
                tzinfo=settings.tz,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(rate_limiter or OfficeRateLimiter(max_retries=3, demand=processor.demand))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if settings.api_file_url:
        builder = builder.base_file_url(settings.api_file_url)
    if settings.proxy:
        # Every request, long polling included (mainland China reaches Telegram through one).
        builder = builder.proxy(settings.proxy).get_updates_proxy(settings.proxy)
    app = configure(builder, processor=processor).build()  # request timeouts, the processor

    clock = clock or SystemClock(settings.tz)
    db = Database(settings.data_dir, clock=clock)
    calendar = WorkCalendar.from_settings(settings)
    services = build_services(app, db=db, clock=clock, settings=settings, calendar=calendar)
    declared = [make(services) for make in features]
    hooks: dict[str, list[SentHook]] = defaultdict(list)
    for feature in declared:
        for kind, hook in feature.sent_hooks.items():
            hooks[kind].append(hook)
    delivery = Delivery(
        app.bot,
        db=db,
        clock=clock,
        settings=settings,
        renderer=Renderer(kind for f in declared for kind in f.messages),
        sent_hooks=hooks,
        routes=services.groups,  # topics, upgrades, groups the bot is out of
        chat_quiet=processor.chat_quiet,  # a chat's burst handled before its replies bundle
    )

    data: BotData = app.bot_data
    data.settings = settings
    data.clock = clock
    data.db = db
    data.calendar = calendar
    data.delivery = delivery
    data.services = services
    data.alerts = AdminAlerts(app.bot, settings=settings, clock=clock)
    data.tick = tick
    data.tick_steps = tuple(step for f in declared for step in f.tick_steps)

    from handlers import register

    register(app, declared)
    return app


async def _post_init(app: OfficeApp) -> None:
    """Open the database, publish the command menu, start the background loop."""
    data: BotData = app.bot_data
    data.db.open()
    # What was loaded at start lives as long as the process: keep it out of full collections.
    gc.freeze()
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
    log.info("officebot started as @%s", app.bot.username)


async def _post_stop(app: OfficeApp) -> None:
    """Stop sending: sends under way may finish; what waits stays in the outbox for the next start."""
    data: BotData = app.bot_data
    await data.delivery.close()


async def _post_shutdown(app: OfficeApp) -> None:
    """Close the database (flushes and releases the data directory's lock)."""
    app.bot_data.db.close()
    close_workbooks()  # the child process of big /export tasks workbooks, if one started
