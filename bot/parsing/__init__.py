"""The plain-language parser of spec/parsing.md: one message → who, what, when, how urgent.

Pure: no Telegram, no storage; `now` and the settings come in as arguments.
"""

from __future__ import annotations

from typing import Final

from bot.parsing.core import MAX_LENGTH, ParsedMessage, parse_assignment, parse_when
from bot.parsing.errors import ParseError, PastMomentError
from bot.parsing.people import EVERYONE
from bot.parsing.priority import PRIORITY_WORDS

# Catalog keys of example messages, for help texts and error replies (bot/i18n/*/parsing.toml).
EXAMPLE_KEYS: Final = (
    "parsing.example.task",
    "parsing.example.reminder",
    "parsing.example.recurring",
)

__all__ = [
    "EVERYONE",
    "EXAMPLE_KEYS",
    "MAX_LENGTH",
    "PRIORITY_WORDS",
    "ParseError",
    "ParsedMessage",
    "PastMomentError",
    "parse_assignment",
    "parse_when",
]
