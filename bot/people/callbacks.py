"""The /settings buttons' data, built and read in one place: `set:<verb>[:<value>]` (pure).

    set:home                      back to the menu
    set:lang  /  set:lang:en      the language page / choose a language
    set:tz    /  set:tz:<Zone>    the zone page / choose a zone (IANA name)
    set:tz-type                   ask for a zone name to be typed
    set:digest / set:digest:0800 / set:digest:off    the digest page / a time / no digest
    set:quiet:on / set:quiet:off  nothing to report: send nothing / one line
    set:group-lang:en             a group's language (its admins)

Buttons sent before the verbs were spelt out (`set:tzx`, `set:dg:…`, `set:dq`, `set:glang:…`)
are read as their new verbs; the old `set:dq` toggled, so it carries no value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PREFIX = "set"
MAX_BYTES = 64


class Verb(StrEnum):
    HOME = "home"
    LANG = "lang"
    ZONE = "tz"
    TYPE_ZONE = "tz-type"
    DIGEST = "digest"
    QUIET = "quiet"
    GROUP_LANG = "group-lang"


_OLD_VERBS = {"tzx": Verb.TYPE_ZONE, "dg": Verb.DIGEST, "dq": Verb.QUIET, "glang": Verb.GROUP_LANG}
_NO_VALUE = frozenset({Verb.HOME, Verb.TYPE_ZONE})
_NEEDS_VALUE = frozenset({Verb.GROUP_LANG})
QUIET_ON, QUIET_OFF = "on", "off"


@dataclass(frozen=True, slots=True)
class Press:
    """A settings button pressed: what it is about, and the value it chooses (if any)."""

    verb: Verb
    value: str | None = None

    @property
    def quiet(self) -> bool | None:
        """For QUIET: the chosen setting; None for an old toggle button."""
        return None if self.value is None else self.value == QUIET_ON


def build(verb: Verb, value: str | None = None) -> str:
    data = f"{PREFIX}:{verb}" if value is None else f"{PREFIX}:{verb}:{value}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def quiet(on: bool) -> str:
    return build(Verb.QUIET, QUIET_ON if on else QUIET_OFF)


def parse(data: str) -> Press | None:
    """The press this data means; None for anything not built here (or tampered with)."""
    prefix, _, rest = data.partition(":")
    if prefix != PREFIX or not rest:
        return None
    word, sep, value = rest.partition(":")
    verb = _OLD_VERBS.get(word) or _verb(word)
    if verb is None:
        return None
    if not sep:
        return None if verb in _NEEDS_VALUE else Press(verb)
    if verb in _NO_VALUE or not value:
        return None
    if verb is Verb.QUIET and value not in (QUIET_ON, QUIET_OFF):
        return None
    return Press(verb, value)


def _verb(word: str) -> Verb | None:
    try:
        return Verb(word)
    except ValueError:
        return None
