"""The errors the parser raises: a catalog key and values, rendered in the reader's language."""

from __future__ import annotations

from datetime import datetime

from bot.core.fmt import format_when
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


class PastMomentError(ParseError):
    """A moment the message names explicitly (今天 09:00, 本周一, 今天下班前) that has passed.

    `moment` is what the message said, `suggested` the same time on the next day it can mean
    (a one-tap fix: "今天 09:00 已经过了 — 改成明天 09:00？"), `now` the sender's now, against
    which the message names days (今天, 明天). All three are aware, in the configured zone.
    """

    def __init__(
        self, *, moment: datetime, suggested: datetime, now: datetime, phrase: str
    ) -> None:
        super().__init__("parsing.past_moment", phrase=phrase)
        self.moment = moment
        self.suggested = suggested
        self.now = now
        self.phrase = phrase

    def message(self, lang: str | None = None) -> str:
        code = normalize_lang(lang)
        tz = self.now.tzinfo
        assert tz is not None
        return t(
            code,
            self.key,
            moment=format_when(self.moment, code, tz, self.now),
            suggested=format_when(self.suggested, code, tz, self.now),
        )
