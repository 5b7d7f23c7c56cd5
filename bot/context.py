"""What every handler receives: the typed bot data and a context that knows who is speaking.

`BotData` is built once by the composition root (bot/app.py); `OfficeContext` is PTB's
per-update context with `services`, `person` and `lang` worked out once per update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from telegram import Chat, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.i18n import normalize_lang
from bot.people.rules import group_lang, lang_of

if TYPE_CHECKING:
    from datetime import timedelta

    from bot.core.alerts import AdminAlerts
    from bot.core.clock import Clock
    from bot.core.config import Lang, Settings
    from bot.core.delivery import Delivery
    from bot.core.feature import TickStep
    from bot.core.workdays import WorkCalendar
    from bot.directory.service import DirectoryService
    from bot.groups.service import GroupService
    from bot.notices.service import NoticeService
    from bot.people.models import Person
    from bot.people.service import PeopleService
    from bot.reminders.service import Scheduler
    from bot.reports.service import ReportService
    from bot.tasks.service import TaskService
    from storage import Database


@dataclass(frozen=True, slots=True)
class Services:
    """What a feature is built from: the shared machinery and every feature's use cases, made
    once by the composition root. A new feature may build its own store and service from the
    first four in its `feature(services)` declaration (docs/ARCHITECTURE.md, worked example)."""

    settings: Settings
    clock: Clock
    db: Database
    calendar: WorkCalendar
    people: PeopleService
    tasks: TaskService
    reminders: Scheduler
    directory: DirectoryService
    notices: NoticeService
    reports: ReportService
    groups: GroupService


class BotData:
    """PTB's bot_data: made empty by ContextTypes, filled once by `bot.app.build_application`."""

    settings: Settings
    clock: Clock
    db: Database
    calendar: WorkCalendar
    delivery: Delivery
    services: Services
    alerts: AdminAlerts
    tick: timedelta
    tick_steps: tuple[TickStep, ...]
    ticking: int = 0  # ticks under way (handlers/jobs.py): a weekly chart drawn after a summary


class OfficeContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """PTB's context for one update, plus who is speaking and in which language."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.incoming: Update | None = None
        self._person: Person | None = None
        self._person_known = False

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> OfficeContext:
        ctx = super().from_update(update, application)
        if isinstance(update, Update):
            ctx.incoming = update
        return ctx

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def person(self) -> Person | None:
        """The stored record of the person speaking (None for a stranger or a channel)."""
        if not self._person_known and self._user_id is not None:
            self._person = self.bot_data.db.get_person(self._user_id)
            self._person_known = True
        return self._person

    def remember_person(self, person: Person) -> None:
        """The tracking step just stored this person: later handlers see the fresh record."""
        self._person = person
        self._person_known = True

    @property
    def user_lang(self) -> Lang:
        """The speaker's own language (for what goes to them privately)."""
        data = self.bot_data
        person = self.person
        if (
            person is None
            and self.incoming is not None
            and self.incoming.effective_user is not None
        ):
            return normalize_lang(self.incoming.effective_user.language_code, data.settings.lang)
        return lang_of(person, data.settings)

    @property
    def lang(self) -> Lang:
        """The language to answer in: the group's in a group, else the speaker's."""
        chat = self.incoming.effective_chat if self.incoming is not None else None
        if chat is not None and chat.type != Chat.PRIVATE:
            return group_lang(self.bot_data.db.get_workspace(chat.id), self.bot_data.settings)
        return self.user_lang


Ctx: TypeAlias = OfficeContext
