"""The typed bot_data every handler receives: services are handed in, never imported globals."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeAlias

from telegram.ext import CallbackContext, ExtBot

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import Settings
    from bot.delivery import Delivery
    from bot.services.directory import DirectoryService
    from bot.services.notices import NoticeService
    from bot.services.scheduler import Scheduler
    from bot.services.tasks import TaskService
    from bot.workdays import WorkCalendar
    from storage import Database


class BotData:
    """Built empty by PTB's ContextTypes, filled once in `build_application`."""

    settings: Settings
    clock: Clock
    db: Database
    calendar: WorkCalendar
    delivery: Delivery
    tasks: TaskService
    scheduler: Scheduler
    directory: DirectoryService
    notices: NoticeService
    bot_username: str
    tick: timedelta


Ctx: TypeAlias = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
