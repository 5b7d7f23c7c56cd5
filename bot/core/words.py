"""Words that name one of a few choices (`/roster rm …`, `/template 删除 …`, `/notice 取消 …`):
each choice listed with the words that say it, read whatever their case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

Choice = TypeVar("Choice")


class Words(Generic[Choice]):
    """`Words({A: ("a", "甲"), B: ("b",)}).read("A")` is A; a word it does not know, None."""

    def __init__(self, said: Mapping[Choice, Iterable[str]]) -> None:
        self._by_word = {word.lower(): choice for choice, words in said.items() for word in words}

    def read(self, word: str) -> Choice | None:
        return self._by_word.get(word.lower())
