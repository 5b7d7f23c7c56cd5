"""The typed bot_data every handler receives: services are handed in, never imported globals."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeAlias

from telegram.ext import CallbackContext, ExtBot

if TYPE_CHECKING:
    from bot.core.clock import Clock
    from bot.core.config import Settings
    from bot.core.delivery import Delivery
    from bot.core.workdays import WorkCalendar
    from bot.directory.service import DirectoryService
    from bot.notices.service import NoticeService
    from bot.reminders.service import Scheduler
    from bot.tasks.service import TaskService
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
