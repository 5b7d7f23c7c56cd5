"""One message in, one ParsedMessage out: the phrase passes in their order."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from bot.core.config import Settings
from bot.core.workdays import WorkCalendar
from bot.parsing.errors import ParseError
from bot.parsing.people import EVERYONE, take_everyone, take_people
from bot.parsing.priority import take_priority
from bot.parsing.remind import take_remind_before
from bot.parsing.repeat import take_repeat
from bot.parsing.scan import Scan
from bot.parsing.title import build_title, take_filler
from bot.parsing.when import Found, RuleMatcher, resolve, take_when
from bot.tasks.models import Kind, Priority

MAX_LENGTH: Final = 2000
_ONE_MINUTE: Final = timedelta(minutes=1)

_KIND_RE: Final = re.compile(r"提醒|叫我|(?<![a-z0-9_])remind(?:er|ers)?(?![a-z0-9_])")
_REMINDER: Final = Kind.REMINDER  # enum member lookups cost ~0.1 µs each; look up once
_TASK: Final = Kind.TASK


def _kind(work: str) -> Kind:
    """A reminder if the message says 提醒 / 叫我 / remind (the same as `_KIND_RE.search`)."""
    # Substring tests are much cheaper than a regex search over every position; the regex
    # only still decides whether "remind" stands as a word of its own.
    if "提醒" in work or "叫我" in work or ("remind" in work and _KIND_RE.search(work)):
        return _REMINDER
    return _TASK


# parse_when also takes a bare amount: "30分钟", "2 hours", "1h" (snooze buttons and replies).
_BARE_DURATION_RE: Final = re.compile(
    r"^\s*(?P<n>[0-9]+(?:\.[0-9]+)?|[一二两三四五六七八九十半]{1,3})\s*(?:个)?\s*"
    r"(?P<u>分钟|分|小时|钟头|天|min|mins|minutes?|m|h|hrs?|hours?|d|days?)\s*$"
)


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """What one message asks for (spec/parsing.md "Input and output")."""

    title: str
    assignees: tuple[str, ...]  # order of first mention, no '@'; () = the sender; ("*",) = everyone
    due: datetime | None
    priority: Priority
    recurrence: str | None
    remind_before: int | None  # minutes
    kind: Kind
    # The deadline falls on a day off (a weekend or public holiday by the work calendar; for a
    # midnight deadline, the day it ends). The parser keeps the date; the bot says so when it
    # confirms ("12月5日 周六（休息日）"). Not part of the JSON the CLI prints.
    due_on_day_off: bool = False

    def to_json_dict(self) -> dict[str, Any]:
        """The object `officebot parse` prints."""
        return {
            "title": self.title,
            "assignees": list(self.assignees),
            "due": self.due.isoformat() if self.due is not None else None,
            "priority": str(self.priority),
            "recurrence": self.recurrence,
            "remind_before": self.remind_before,
            "kind": str(self.kind),
        }


# The slots' own setters, in field order (see _parsed).
(
    _SET_TITLE,
    _SET_ASSIGNEES,
    _SET_DUE,
    _SET_PRIORITY,
    _SET_RECURRENCE,
    _SET_REMIND,
    _SET_KIND,
    _SET_DAY_OFF,
) = (ParsedMessage.__dict__[name].__set__ for name in ParsedMessage.__slots__)


def _parsed(
    title: str,
    assignees: tuple[str, ...],
    due: datetime | None,
    priority: Priority,
    recurrence: str | None,
    remind_before: int | None,
    kind: Kind,
    due_on_day_off: bool,
) -> ParsedMessage:
    """The same object as ParsedMessage(...) for under half the cost.

    The frozen dataclass __init__ sets each field through object.__setattr__ (~2 µs for seven
    fields, a tenth of a whole parse); filling the slots directly takes under 1 µs.
    """
    parsed = object.__new__(ParsedMessage)
    _SET_TITLE(parsed, title)
    _SET_ASSIGNEES(parsed, assignees)
    _SET_DUE(parsed, due)
    _SET_PRIORITY(parsed, priority)
    _SET_RECURRENCE(parsed, recurrence)
    _SET_REMIND(parsed, remind_before)
    _SET_KIND(parsed, kind)
    _SET_DAY_OFF(parsed, due_on_day_off)
    return parsed


_CALENDARS: dict[int, tuple[Settings, WorkCalendar]] = {}


def _calendar(settings: Settings) -> WorkCalendar:
    """The settings' work calendar, looked up by identity first (hashing Settings is not free)."""
    hit = _CALENDARS.get(id(settings))
    if hit is not None and hit[0] is settings:
        return hit[1]
    cal = WorkCalendar.from_settings(settings)
    if len(_CALENDARS) > 64:
        _CALENDARS.clear()
    _CALENDARS[id(settings)] = (settings, cal)
    return cal


def _check_length(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ParseError("parsing.too_long", length=len(text), limit=MAX_LENGTH)
    if not text or text.isspace():  # what `not text.strip()` says, without the copy
        raise ParseError("parsing.empty")


def parse_assignment(
    text: str,
    *,
    now: datetime,
    settings: Settings,
    calendar: WorkCalendar | None = None,
    mentions: Sequence[tuple[int, int, str]] = (),
    ignore_usernames: Collection[str] = (),
) -> ParsedMessage:
    """Read one message: who, what, by when, how urgent, how often. Raises ParseError."""
    _check_length(text)
    cal = calendar if calendar is not None else _calendar(settings)
    now = now.astimezone(settings.tz)
    scan = Scan(text)
    people, everyone = take_people(scan, mentions, ignore_usernames)
    kind = _kind(scan.work)
    remind_before = take_remind_before(scan)
    repeat = take_repeat(scan)
    found = take_when(scan)
    if repeat is not None and repeat.pod is not None and found.pod is None:
        found.pod = repeat.pod
    priority = take_priority(scan)
    everyone = take_everyone(scan) or everyone
    assignees = (EVERYONE,) if everyone else people
    take_filler(scan)
    matcher = None
    if repeat is not None:
        matcher = RuleMatcher(
            calendar=cal,
            weekdays=repeat.weekdays,
            monthday=repeat.monthday,
            workdays=repeat.workdays,
        )
    due = resolve(found, now=now, settings=settings, calendar=cal, kind=kind, recurrence=matcher)
    title = build_title(scan)
    if not title:
        raise ParseError("parsing.no_title")
    day_off = False
    if due is not None:
        # 晚上12点 / midnight is 00:00 of the next day but ends the day named.
        day = (due - _ONE_MINUTE).date() if found.midnight else due.date()
        day_off = not cal.is_workday(day)
    return _parsed(
        title,
        assignees,
        due,
        priority,
        repeat.rule if repeat is not None else None,
        remind_before,
        kind,
        day_off,
    )


def parse_when(
    text: str,
    *,
    now: datetime,
    settings: Settings,
    calendar: WorkCalendar | None = None,
    kind: Kind = Kind.TASK,
) -> datetime:
    """Read only a date/time phrase ("明天上午", "周五下午3点", "in 2 hours", "30分钟")."""
    _check_length(text)
    cal = calendar if calendar is not None else _calendar(settings)
    now = now.astimezone(settings.tz)
    scan = Scan(text)
    bare = _BARE_DURATION_RE.match(scan.work)
    if bare:
        scan = Scan(f"{text.strip()}后" if not bare.group("u").isascii() else f"in {text.strip()}")
    found: Found = take_when(scan)
    if not found.anything:
        raise ParseError("parsing.no_time")
    due = resolve(found, now=now, settings=settings, calendar=cal, kind=kind)
    if due is None:
        raise ParseError("parsing.no_time")
    return due
