"""The groups feature's button data (pure): the one place that builds it and reads it back.

grp:reassign:<task number>     to the assigner of a task whose assignee left the group:
                               the card with colleagues to give it to (a new message)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PREFIX = "grp"
PATTERN = rf"^{PREFIX}:"
MAX_BYTES = 64  # Telegram's limit on callback data
_MAX_NUMBER_DIGITS = 9


class Verb(StrEnum):
    REASSIGN = "reassign"  # 重新安排 #n: offer the colleagues to give it to


@dataclass(frozen=True, slots=True)
class Press:
    verb: Verb
    number: int


def build(verb: Verb, number: int) -> str:
    data = f"{PREFIX}:{verb.value}:{number}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def parse(data: str) -> Press | None:
    """The press `data` stands for; None for anything this codec did not make."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    try:
        verb = Verb(parts[1])
    except ValueError:
        return None
    digits = parts[2]
    if (
        not (digits.isascii() and digits.isdigit())
        or len(digits) > _MAX_NUMBER_DIGITS
        or int(digits) <= 0
    ):
        return None
    return Press(verb, int(digits))
