"""The task buttons' callback data (pure): the one place that builds it and reads it back.

    t:<verb>:<task number>[:<argument>]      e.g. t:ack:12, t:hand:12:34, t:snooze:12:1h
    t:my:<page>                              a page of /my

A verb without its argument opens a menu (`t:hand:12`: whom to hand #12 to?); with it, it acts
(`t:hand:12:34`: hand #12 to user 34). Buttons already sent in chats carry the older two-letter
verbs (`t:cx:12`, `t:ho:12:34`, `my:2` …): they are read as the verbs they stood for. Anything
else, a tampered number or an argument a verb does not take, reads as None.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.tasks.rules import SnoozeOption

PREFIX = "t"
#: The data every task button starts with (for the dispatcher's pattern), old ones included.
PATTERN = r"^(?:t|my):"
MAX_BYTES = 64  # Telegram's limit on callback data
_MAX_NUMBER_DIGITS = 9
_MAX_USER_DIGITS = 20


class Verb(StrEnum):
    """What a task button does; the value is what the data says."""

    ACK = "ack"  # 收到
    DONE = "done"  # 完成
    SNOOZE = "snooze"  # 推迟: the menu of times; with an option, snooze to it
    SNOOZE_TYPED = "snooze-typed"  # 自定义时间: ask for a time
    HAND = "hand"  # 转交: the menu of colleagues; with a user id, hand it to them
    HAND_TYPED = "hand-typed"  # ask for an @username to hand it to
    ASK_REASSIGN = "ask-reassign"  # 请示另安排: ask the assigner to give it to someone else
    CANNOT = "cannot"  # 办不了: ask what was found
    REASSIGN = "reassign"  # 交给别人 (assigner): the menu; with a user id, give it to them
    REASSIGN_TYPED = "reassign-typed"  # ask for an @username to give it to
    CANCEL = "cancel"  # 取消任务
    KEEP = "keep"  # 仍由原人办理
    UNDO = "undo"  # 撤销
    DUE = "due"  # 改截止时间: ask for the new due time
    NUDGE = "nudge"  # 催办
    BACK = "back"  # « 返回: the card as it stands
    VIEW = "view"  # 看看 (on a message listing several tasks): the card, as a new message


# Verbs that may carry a person (a user id) or a snooze option; every other verb takes nothing.
_PERSON_VERBS = frozenset({Verb.HAND, Verb.REASSIGN})
_OPTION_VERBS = frozenset({Verb.SNOOZE})

# The verbs of buttons sent before this codec (still in chats), as the verbs they stood for.
_OLD_VERBS: dict[str, Verb] = {
    "cx": Verb.CANCEL,
    "kp": Verb.KEEP,
    "ask": Verb.ASK_REASSIGN,
    "snz": Verb.SNOOZE,
    "sz": Verb.SNOOZE,  # with its option; `sz:<n>:custom` was the typed time
    "re": Verb.REASSIGN,
    "ra": Verb.REASSIGN,
    "ho": Verb.HAND,
    "hn": Verb.HAND_TYPED,
    "rn": Verb.REASSIGN_TYPED,
    "cant": Verb.CANNOT,
}
_OLD_TYPED_SNOOZE = "custom"
_OLD_PAGE_PREFIX = "my"
_PAGE_VERB = "my"


@dataclass(frozen=True, slots=True)
class TaskPress:
    """A press of a button about task #number: the verb and, for some, whom or when."""

    verb: Verb
    number: int
    person: int | None = None  # HAND / REASSIGN to this user
    option: SnoozeOption | None = None  # SNOOZE to this time


@dataclass(frozen=True, slots=True)
class PagePress:
    """A press of « / » under /my: show this page (0-based)."""

    page: int


Press = TaskPress | PagePress


def build(press: Press) -> str:
    """The callback data of a button (at most 64 bytes; `parse` reads it back)."""
    if isinstance(press, PagePress):
        parts = [PREFIX, _PAGE_VERB, str(press.page)]
    else:
        parts = [PREFIX, press.verb.value, str(press.number)]
        if press.person is not None:
            parts.append(str(press.person))
        elif press.option is not None:
            parts.append(press.option.value)
    data = ":".join(parts)
    if parse(data) != press:
        raise ValueError(f"not a task button: {press!r}")
    return data


def button_data(verb: Verb, number: int, *, person: int | None = None) -> str:
    """Shorthand for `build(TaskPress(verb, number, person))`."""
    return build(TaskPress(verb, number, person=person))


def parse(data: str) -> Press | None:
    """What a button's data asks for; None for anything this codec did not make."""
    if len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if parts[0] == _OLD_PAGE_PREFIX and len(parts) == 2:
        return _page(parts[1])
    if parts[0] != PREFIX or not 3 <= len(parts) <= 4:
        return None
    word, number_text, *rest = parts[1:]
    if word == _PAGE_VERB:
        return _page(number_text) if not rest else None
    number = _digits(number_text, _MAX_NUMBER_DIGITS)
    if number is None:
        return None
    arg = rest[0] if rest else None
    if word == "sz" and arg == _OLD_TYPED_SNOOZE:
        return TaskPress(Verb.SNOOZE_TYPED, number)
    verb = _OLD_VERBS.get(word) or _verb(word)
    if verb is None:
        return None
    return _with_arg(verb, number, arg)


def _with_arg(verb: Verb, number: int, arg: str | None) -> TaskPress | None:
    if arg is None:
        return TaskPress(verb, number)
    if verb in _PERSON_VERBS:
        person = _digits(arg, _MAX_USER_DIGITS)
        return None if person is None else TaskPress(verb, number, person=person)
    if verb in _OPTION_VERBS:
        option = _option(arg)
        return None if option is None else TaskPress(verb, number, option=option)
    return None


def _page(text: str) -> PagePress | None:
    page = _digits(text, _MAX_NUMBER_DIGITS)
    return None if page is None else PagePress(page)


def _digits(text: str, most: int) -> int | None:
    """A non-negative decimal number as written by `build` (ASCII digits only)."""
    if not text or len(text) > most or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def _verb(word: str) -> Verb | None:
    try:
        return Verb(word)
    except ValueError:
        return None


def _option(word: str) -> SnoozeOption | None:
    try:
        return SnoozeOption(word)
    except ValueError:
        return None
