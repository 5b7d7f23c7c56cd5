"""The zh and en catalogs and the one lookup function.

Catalogs live in `bot/i18n/<lang>/<feature>.toml`; a key is `<feature>.<name>` (nested TOML
tables add dots). Values are `str.format` templates. `t()` HTML-escapes every value it fills in
(replies use HTML parse mode), except values wrapped in `Safe`, which are already HTML.
"""

from __future__ import annotations

import html
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from bot.core.config import LANGS, Lang

_DIR = Path(__file__).parent
DEFAULT_LANG: Lang = "zh"


class Safe(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, dict):
            _flatten(key, value, out)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise TypeError(f"catalog value {key} must be a string")


@cache
def catalog(lang: Lang) -> dict[str, str]:
    """All messages of one language, keyed `<feature>.<name>`."""
    out: dict[str, str] = {}
    for path in sorted((_DIR / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(path.stem, tomllib.load(fh), out)
    return out


def normalize_lang(code: str | None, default: Lang = DEFAULT_LANG) -> Lang:
    """Map a Telegram `language_code` (e.g. 'en-US', 'zh-hans') or a setting to zh or en."""
    if not code:
        return default
    base = code.lower().split("-")[0].split("_")[0]
    for lang in LANGS:
        if base == lang:
            return lang
    return default


def has(key: str, lang: Lang = DEFAULT_LANG) -> bool:
    return key in catalog(lang)


def t(lang: Lang, key: str, /, **values: object) -> str:
    """The message `key` in `lang`, with values HTML-escaped (unless `Safe`)."""
    template = catalog(lang).get(key) or catalog(DEFAULT_LANG)[key]
    if not values:
        return template
    escaped = {
        k: v if isinstance(v, Safe) or not isinstance(v, str) else html.escape(v, quote=False)
        for k, v in values.items()
    }
    return template.format(**escaped)


def t_plain(lang: Lang, key: str, /, **values: object) -> str:
    """The message `key` in `lang` for plain text (CLI output): nothing is escaped."""
    template = catalog(lang).get(key) or catalog(DEFAULT_LANG)[key]
    return template.format(**values) if values else template
