"""The files the feature makes for a reader, through the same permission rules as the rest:
`/export tasks` (xlsx), 加到日历 and `/calendar` (ics), the weekly picture (PNG).

Reads go through `Reads` (the Database has these methods); each maker is plain CPU work
that handlers run in a thread (`asyncio.to_thread`), and a big export's workbook is made in
a child process from there (`export.tasks_workbook_apart`), so it never holds up the bot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.config import Lang, Settings
from bot.core.fmt import format_date
from bot.core.i18n import t_plain
from bot.core.render import RenderContext
from bot.core.workdays import WorkCalendar
from bot.people.models import Person, Workspace
from bot.people.rules import group_lang, lang_of, name_of, tz_of
from bot.reminders.digest import week_start
from bot.reports import calendar as ical
from bot.reports import chart, export
from bot.reports.chart import Panel, Picture
from bot.reports.export import Period
from bot.reports.models import Collection
from bot.reports.rules import ReportRefused
from bot.tasks.models import Task
from bot.tasks.rules import open_for


class Reads(Protocol):
    """What the files are made from (storage.Database)."""

    def get_person(self, user_id: int) -> Person | None: ...
    def get_workspace(self, chat_id: int) -> Workspace | None: ...
    def get_task(self, number: int) -> Task | None: ...
    def tasks_for_assignee(self, user_id: int) -> list[Task]: ...
    def tasks_by_assigner(self, user_id: int) -> list[Task]: ...
    def tasks_in_chat(self, chat_id: int) -> list[Task]: ...
    def finished_tasks(self, *, user_id: int, since: datetime) -> list[Task]: ...
    def finished_since(
        self, since: datetime, *, chat_id: int | None = None, user_id: int | None = None
    ) -> Iterator[Task]: ...


@dataclass(frozen=True, slots=True)
class Meeting:
    """A meeting notice as a calendar needs it (from the notices feature)."""

    number: int
    start: datetime
    text: str
    sender: int
    chat_id: int
    recipients: frozenset[int]


MeetingOf = Callable[[int], Meeting | None]


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose tasks an export holds: a group's (chat_id < 0), or one person's own."""

    chat_id: int
    user_id: int
    name: str

    @property
    def group(self) -> bool:
        return self.chat_id < 0


@dataclass(frozen=True, slots=True)
class File:
    content: bytes
    filename: str
    count: int = 0  # rows or events in it


class ReportFiles:
    def __init__(
        self,
        reads: Reads,
        clock: Clock,
        settings: Settings,
        calendar: WorkCalendar,
        *,
        meeting_of: MeetingOf,
    ) -> None:
        self.reads = reads
        self.clock = clock
        self.settings = settings
        self.calendar = calendar
        self.meeting_of = meeting_of

    def reader(self, user_id: int) -> RenderContext:
        person = self.reads.get_person(user_id)
        return RenderContext(
            lang_of(person, self.settings), tz_of(person, self.settings), self.clock.now()
        )

    def _names(self) -> Callable[[int | None, str | None], str]:
        cache: dict[tuple[int | None, str | None], str] = {}

        def name(user_id: int | None, username: str | None) -> str:
            key = (user_id, username)
            if key not in cache:
                person = self.reads.get_person(user_id) if user_id is not None else None
                cache[key] = name_of(person, user_id, username)
            return cache[key]

        return name

    def _is_member(self, user_id: int, chat_id: int) -> bool:
        ws = self.reads.get_workspace(chat_id)
        return user_id in self.settings.admins or (ws is not None and user_id in ws.members)

    # ----- /export tasks ---------------------------------------------------------------------
    def task_scope(self, user_id: int, chat_id: int) -> Scope:
        """In a group, that group's tasks (for its members only); in private, the person's."""
        if chat_id < 0:
            if not self._is_member(user_id, chat_id):
                raise ReportRefused("not_member")
            ws = self.reads.get_workspace(chat_id)
            return Scope(chat_id, user_id, ws.title if ws and ws.title else str(chat_id))
        return Scope(user_id, user_id, self._names()(user_id, None))

    def tasks_of(self, scope: Scope, period: Period) -> Iterator[Task]:
        """The tasks in the scope that were made, due or finished in the period, each once:
        the live ones first, then the finished ones of each member in turn (in private, the
        person's own), by when they finished."""
        return (task for _, task in sorted(self._placed(scope, period), key=lambda pt: pt[0]))

    def _placed(self, scope: Scope, period: Period) -> Iterator[tuple[export.Place, Task]]:
        """The tasks of `tasks_of`, each with its place in that order, as they are read: the
        live ones in order, then the finished ones as the archive has them.

        The finished ones are read from the archive here, in the caller's thread, without
        holding the Database's lock (`Reads.finished_since`), and are not kept: a month's
        export of thousands of tasks neither keeps a handler waiting for the Database nor
        leaves so much behind that a full garbage collection (which holds every thread) sets
        in while it runs.
        """
        seen: set[int] = set()

        def fresh(tasks: Iterable[Task]) -> Iterator[Task]:
            for task in tasks:
                if task.number not in seen and (not scope.group or task.chat_id == scope.chat_id):
                    seen.add(task.number)
                    if export.in_period(task, period):
                        yield task

        if scope.group:
            ws = self.reads.get_workspace(scope.chat_id)
            live = [self.reads.tasks_in_chat(scope.chat_id)]
            people: Sequence[int] = ws.members if ws else ()
            archived = self.reads.finished_since(period.start, chat_id=scope.chat_id)
        else:
            live = [
                self.reads.tasks_for_assignee(scope.user_id),
                self.reads.tasks_by_assigner(scope.user_id),
            ]
            people = (scope.user_id,)
            archived = self.reads.finished_since(period.start, user_id=scope.user_id)
        for position, task in enumerate(fresh(chain.from_iterable(live))):
            yield (0, position, 0.0, 0), task
        rank: dict[int, int] = {}
        for i, uid in enumerate(people):
            rank.setdefault(uid, i)
        for task in fresh(archived):
            first = min((rank[uid] for uid in task.participants() if uid in rank), default=None)
            if first is not None and task.updated_at is not None:
                yield (1, first, task.updated_at.timestamp(), task.number), task

    def tasks_workbook(self, scope: Scope, period: Period, lang: Lang, tz: ZoneInfo) -> File:
        """The workbook of /export tasks: a row per task, counts per person (CPU: a thread;
        a big one is made in a child process meanwhile, see `export.tasks_workbook_apart`)."""
        names = self._names()
        now = self.clock.now()
        # Rows are tuples of plain values: the collector stops tracking them at once.
        rows: dict[int, tuple[Any, ...]] = {}
        tally = export.Tally()
        for place, task in self._placed(scope, period):
            rows[task.number] = tuple(export.task_row(task, names, now, tz, lang))
            tally.add(task, now, place)
            if len(rows) == export.APART_FROM:
                export.start_workbooks()  # it starts while the rest are read
        title = t_plain(lang, "reports.export_title", scope=scope.name, period=period.label(lang))
        ordered = [rows[number] for number in sorted(rows)]
        counts = export.count_rows(tally.in_order(), names)
        content = export.tasks_workbook_apart(ordered, counts, lang, title)
        return File(content, f"tasks-{period.slug}.xlsx", len(rows))

    def collection_workbook(self, c: Collection, tz: ZoneInfo, lang: Lang) -> bytes:
        return export.collection_workbook(c, tz, lang)

    # ----- calendars -------------------------------------------------------------------------
    def _task_event(self, task: Task, lang: Lang) -> ical.Event:
        summary = t_plain(lang, "reports.cal_task", number=task.number, title=task.title)
        who = self._names()(task.assigner, None)
        description = t_plain(
            lang, "reports.cal_task_description", number=task.number, assigner=who
        )
        return ical.task_event(task, self.calendar, summary, description)

    def _collect_event(self, c: Collection, lang: Lang) -> ical.Event:
        summary = t_plain(lang, "reports.cal_collect", number=c.number, title=c.title)
        who = self._names()(c.sender, None)
        description = t_plain(lang, "reports.cal_collect_description", number=c.number, sender=who)
        return ical.collect_event(c.number, c.due, summary, description)

    def _file(self, events: list[ical.Event], name: str, filename: str, user_id: int) -> File:
        ctx = self.reader(user_id)
        return File(ical.ics(events, ctx.tz, ctx.now, name), filename, len(events))

    def task_calendar(self, number: int, user_id: int) -> File:
        """加到日历 on a task: for its people, when it has a due time."""
        task = self.reads.get_task(number)
        if task is None:
            raise ReportRefused("unknown_task", number=number)
        if user_id not in task.participants():
            raise ReportRefused("not_yours", number=number)
        if task.due is None:
            raise ReportRefused("no_due_task", number=number)
        lang = self.reader(user_id).lang
        event = self._task_event(task, lang)
        return self._file([event], event.summary, f"task-{number}.ics", user_id)

    def notice_calendar(self, number: int, user_id: int) -> File:
        """加到日历 on a meeting notice: for its sender, recipients and group."""
        meeting = self.meeting_of(number)
        if meeting is None:
            raise ReportRefused("no_meeting", number=number)
        allowed = user_id == meeting.sender or user_id in meeting.recipients
        if not allowed and not (meeting.chat_id < 0 and self._is_member(user_id, meeting.chat_id)):
            raise ReportRefused("not_yours_notice", number=number)
        lang = self.reader(user_id).lang
        title = meeting.text.strip().splitlines()[0][:60] if meeting.text.strip() else str(number)
        summary = t_plain(lang, "reports.cal_meeting", title=title)
        description = t_plain(
            lang, "reports.cal_meeting_description", number=number, text=meeting.text
        )
        event = ical.meeting_event(number, meeting.start, summary, description)
        return self._file([event], summary, f"notice-{number}.ics", user_id)

    def collect_calendar(self, c: Collection, user_id: int) -> File:
        if user_id != c.sender and c.member_of(user_id) is None:
            raise ReportRefused("not_asked", number=c.number)
        lang = self.reader(user_id).lang
        event = self._collect_event(c, lang)
        return self._file([event], event.summary, f"collect-{c.number}.ics", user_id)

    def my_calendar(
        self, user_id: int, asking: Iterable[Collection], *, meetings: Iterable[Meeting] = ()
    ) -> File:
        """/calendar: every open deadline of mine — tasks I am to do, reports I am to hand in —
        and the meetings ahead I called or was called to, each the same event (the same UID)
        as its notice's 加到日历 makes: importing both keeps one."""
        lang = self.reader(user_id).lang
        tasks = sorted(
            (t for t in self.reads.tasks_for_assignee(user_id) if open_for(t, user_id) and t.due),
            key=lambda t: (t.due, t.number),
        )
        events = [self._task_event(t, lang) for t in tasks]
        for c in asking:
            member = c.member_of(user_id)
            if member is not None and not member.answered and c.is_open:
                events.append(self._collect_event(c, lang))
        for m in meetings:
            first = m.text.strip().splitlines()[0][:60] if m.text.strip() else str(m.number)
            about = t_plain(lang, "reports.cal_meeting_description", number=m.number, text=m.text)
            summary = t_plain(lang, "reports.cal_meeting", title=first)
            events.append(ical.meeting_event(m.number, m.start, summary, about))
        return self._file(events, t_plain(lang, "reports.cal_mine"), "officebot.ics", user_id)

    # ----- the weekly picture ----------------------------------------------------------------
    def _legend(self, lang: Lang) -> dict[str, str]:
        return {s: t_plain(lang, f"reports.chart_{s}") for s in ("done", "open", "overdue")}

    def _subtitle(self, start: datetime, lang: Lang) -> str:
        end = start + timedelta(days=6)
        tz = start.tzinfo or self.settings.tz
        first, last = format_date(start, lang, tz), format_date(end, lang, tz)
        return t_plain(lang, "reports.chart_week", start=first, end=last)

    def person_picture(self, user_id: int) -> Picture:
        """A person's week: done / open / overdue by day and by assigner."""
        ctx = self.reader(user_id)
        lang = ctx.lang
        start = week_start(ctx.now, ctx.tz)
        tasks = [
            *self.reads.tasks_for_assignee(user_id),
            *self.reads.finished_tasks(user_id=user_id, since=start),
        ]
        names = self._names()

        def assigner(uid: int) -> str:
            return t_plain(lang, "reports.chart_self") if uid == user_id else names(uid, None)

        labels = [t_plain(lang, f"reports.day_{i}") for i in range(7)]
        by_day, by_assigner = chart.week_counts(
            user_id, tasks, start=start, now=ctx.now, tz=ctx.tz, day_labels=labels, name=assigner
        )
        return Picture(
            title=t_plain(lang, "reports.chart_title_person", name=names(user_id, None)),
            subtitle=self._subtitle(start, lang),
            legend=self._legend(lang),
            panels=(
                Panel(t_plain(lang, "reports.chart_by_day"), by_day, by_day=True),
                Panel(t_plain(lang, "reports.chart_by_assigner"), by_assigner),
            ),
            empty_note=t_plain(lang, "reports.chart_empty"),
            footer=_footer(by_assigner, lang),
        )

    def group_picture(self, chat_id: int) -> Picture:
        """A group's week, per member (the group's own tasks, as its /tasks shows them)."""
        ws = self.reads.get_workspace(chat_id)
        lang = group_lang(ws, self.settings)
        now = self.clock.now()
        start = week_start(now, self.settings.tz)
        tasks = list(self.reads.tasks_in_chat(chat_id))
        for uid in ws.members if ws else ():
            tasks += [
                t
                for t in self.reads.finished_tasks(user_id=uid, since=start)
                if t.chat_id == chat_id
            ]
        names = self._names()
        per_member = chart.group_counts(
            tasks, start=start, now=now, name=lambda uid: names(uid, None)
        )
        return Picture(
            title=t_plain(
                lang, "reports.chart_title_group", name=ws.title if ws and ws.title else ""
            ),
            subtitle=self._subtitle(start, lang),
            legend=self._legend(lang),
            panels=(Panel(t_plain(lang, "reports.chart_by_member"), per_member),),
            empty_note=t_plain(lang, "reports.chart_empty"),
            footer=_footer(per_member, lang),
        )

    def person_chart(self, user_id: int) -> bytes:
        """The PNG of a person's week (CPU: run it in a thread)."""
        return chart.render_week_chart(self.person_picture(user_id))

    def group_chart(self, chat_id: int) -> bytes:
        return chart.render_week_chart(self.group_picture(chat_id))


def _footer(bars: Iterable[chart.Bar], lang: Lang) -> str:
    bars = list(bars)
    return t_plain(
        lang,
        "reports.chart_footer",
        done=sum(b.done for b in bars),
        open=sum(b.open for b in bars),
        overdue=sum(b.overdue for b in bars),
    )
