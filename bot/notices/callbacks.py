"""The data of the notices' buttons (pure): one codec builds it for views and reads it for the
handler. `n:<verb>:<number>[:<version>]`, e.g. `n:confirm:12:1`, `n:ask-cancel:12`.

Buttons sent before the verbs were spelled out (`n:ok:12:1`, `n:ch`, `n:cx`, `n:cxy`, `n:bk`)
are still read, as the verbs they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "n:"
#: What the handler's CallbackQueryHandler listens for: every button of this feature.
PATTERN = r"^n:"


class Verb(StrEnum):
    CONFIRM = "confirm"  # 收到, on a notice (carries the notice's version)
    CHANGE = "change"  # 更改, on the tracking: asks for the new text
    ASK_CANCEL = "ask-cancel"  # 取消通知, on the tracking: asks "really?"
    CANCEL = "cancel"  # 确定取消: cancels
    BACK = "back"  # 返回: the tracking as it was, without the question


# The two-letter verbs of buttons already out there.
_OLD = {
    "ok": Verb.CONFIRM,
    "ch": Verb.CHANGE,
    "cx": Verb.ASK_CANCEL,
    "cxy": Verb.CANCEL,
    "bk": Verb.BACK,
}
_DATA = re.compile(r"n:(?P<verb>[a-z-]{2,12}):(?P<number>\d{1,9})(?::(?P<version>\d{1,6}))?")


@dataclass(frozen=True, slots=True)
class Press:
    """A press of one of our buttons: what to do to which notice (and which version of it)."""

    verb: Verb
    number: int
    version: int | None = None


def build(verb: Verb, number: int, version: int | None = None) -> str:
    """The callback data of a button; 收到 names the version it confirms, the others none."""
    if (verb == Verb.CONFIRM) != (version is not None):
        raise ValueError(f"{verb} {'needs' if verb == Verb.CONFIRM else 'takes no'} version")
    data = f"{PREFIX}{verb.value}:{number}" + ("" if version is None else f":{version}")
    if len(data.encode()) > 64:  # Telegram's limit
        raise ValueError(f"callback data too long: {data!r}")
    return data


def parse(data: str | None) -> Press | None:
    """The press this data means, or None for data that is not (or no longer) ours."""
    m = _DATA.fullmatch(data or "")
    if m is None:
        return None
    word = m.group("verb")
    verb = _OLD.get(word)
    if verb is None:
        try:
            verb = Verb(word)
        except ValueError:
            return None
    raw = m.group("version")
    if (verb == Verb.CONFIRM) != (raw is not None):
        return None
    return Press(verb, int(m.group("number")), None if raw is None else int(raw))
