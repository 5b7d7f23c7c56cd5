"""The report buttons' callback data (pure): the one place that builds it and reads it back.

    rep:<verb>:<collection number>     rep:submit:3 (提交), rep:decline:3 (办不了)
    cal:<what>:<number>                cal:task:12, cal:notice:3, cal:collect:3 (加到日历)

Anything else, a tampered number or an unknown verb, reads as None.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

COLLECT_PREFIX = "rep"
CALENDAR_PREFIX = "cal"
#: The data every button of this feature starts with (for the dispatcher's pattern).
PATTERN = r"^(?:rep|cal):"
MAX_BYTES = 64  # Telegram's limit on callback data
_MAX_DIGITS = 9
E = TypeVar("E", bound=StrEnum)


class Verb(StrEnum):
    """What a collection button does; the value is what the data says."""

    SUBMIT = "submit"  # 提交: what was handed in is final
    DECLINE = "decline"  # 办不了: ask why


class CalendarOf(StrEnum):
    """What a 加到日历 button makes a calendar file of."""

    TASK = "task"  # a task's deadline
    NOTICE = "notice"  # a meeting notice's meeting
    COLLECT = "collect"  # a collection's deadline


@dataclass(frozen=True, slots=True)
class CollectPress:
    verb: Verb
    number: int


@dataclass(frozen=True, slots=True)
class CalendarPress:
    of: CalendarOf
    number: int


Press = CollectPress | CalendarPress


def build(press: Press) -> str:
    """The callback data of a button (at most 64 bytes; `parse` reads it back)."""
    if isinstance(press, CollectPress):
        data = f"{COLLECT_PREFIX}:{press.verb.value}:{press.number}"
    else:
        data = f"{CALENDAR_PREFIX}:{press.of.value}:{press.number}"
    if parse(data) != press:
        raise ValueError(f"not a report button: {press!r}")
    return data


def parse(data: str) -> Press | None:
    """What a button's data asks for; None for anything this codec did not make."""
    if len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) != 3:
        return None
    prefix, word, number_text = parts
    number = _digits(number_text)
    if number is None:
        return None
    if prefix == COLLECT_PREFIX:
        verb = _enum(Verb, word)
        return None if verb is None else CollectPress(verb, number)
    if prefix == CALENDAR_PREFIX:
        of = _enum(CalendarOf, word)
        return None if of is None else CalendarPress(of, number)
    return None


def _digits(text: str) -> int | None:
    """A positive decimal number as written by `build` (ASCII digits only)."""
    if not text or len(text) > _MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def _enum(kind: type[E], word: str) -> E | None:
    try:
        return kind(word)
    except ValueError:
        return None
