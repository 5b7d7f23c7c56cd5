"""The one error the parser raises: a catalog key and values, rendered in the reader's language."""

from __future__ import annotations

from bot.core.i18n import normalize_lang, t


class ParseError(ValueError):
    """A message the parser cannot turn into a task, with a message the sender can act on.

    `key` is a catalog key (`parsing.no_title`, …); `values` fill its template. The values are
    digits and date words matched by the parser, so the text is safe in Telegram HTML as is.
    """

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values: dict[str, object] = values

    def message(self, lang: str | None = None) -> str:
        """The message in `lang` ('zh' or 'en'; anything else falls back to Chinese)."""
        return t(normalize_lang(lang), self.key, **self.values)
