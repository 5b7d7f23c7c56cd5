"""The task buttons' callback data (pure): the one place that builds it and reads it back.

    t:<verb>:<task number>[@<revision>][:<argument>]   e.g. t:ack:12@3, t:snooze:12@3:1h
    t:my:<page>                                         a page of /my
    t:save                                              记为任务: the message it answers

The revision is how many things had happened to the task when the button was made: a press
is checked against what happened since (a decision on an older message no longer fits once the
task was handed on). A verb without its argument opens a menu or asks (`t:hand:12`: whom to hand
#12 to?); with it, it acts (`t:hand:12:34`: hand #12 to user 34). Buttons already sent in chats
carry no revision, or the older two-letter verbs (`t:cx:12`, `t:ho:12:34`, `my:2` …): they are
read as the verbs they stood for and checked against the task as it is now. Anything else, a
tampered number or an argument a verb does not take, reads as None.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from bot.tasks.models import Priority
from bot.tasks.rules import SnoozeOption

PREFIX = "t"
#: The data every task button starts with (for the dispatcher's pattern), old ones included.
PATTERN = r"^(?:t|my):"
MAX_BYTES = 64  # Telegram's limit on callback data
_MAX_NUMBER_DIGITS = 9
_MAX_USER_DIGITS = 20
_MAX_MOMENT_DIGITS = 11  # Unix seconds
E = TypeVar("E", bound=StrEnum)


class Verb(StrEnum):
    """What a task button does; the value is what the data says."""

    ACK = "ack"  # 收到
    DONE = "done"  # 完成 (with `yes`: the answer to "要标记为完成吗？")
    SNOOZE = "snooze"  # 推迟: the menu of times; with an option, snooze to it
    SNOOZE_TYPED = "snooze-typed"  # 自定义时间: ask for a time
    SNOOZE_ANYWAY = "snooze-anyway"  # 仍推迟到 <moment>: past the deadline, after the warning
    HAND = "hand"  # 转交: the menu of colleagues; with a user id, hand it to them
    HAND_TYPED = "hand-typed"  # ask for an @username to hand it to
    ASK_REASSIGN = "ask-reassign"  # 请示另安排: ask the assigner to give it to someone else
    CANNOT = "cannot"  # 办不了: ask what was found
    EXTEND = "extend"  # 申请延期: ask until when and why; with a moment, ask for that
    EXTENSION_OK = "ext-ok"  # 同意 (the assigner, on a request for more time)
    EXTENSION_OTHER = "ext-other"  # 改个时间: ask the assigner for the time
    EXTENSION_NO = "ext-no"  # 不同意
    REASSIGN = "reassign"  # 改派 (assigner): the menu; with a user id, give it to them
    REASSIGN_TYPED = "reassign-typed"  # ask for an @username to give it to
    CANCEL = "cancel"  # 取消任务: asks to confirm; with `yes`, cancels; with `no`, does not
    KEEP = "keep"  # 仍由原人办理
    UNDO = "undo"  # 撤销 a task just given (within ten minutes)
    REVERT = "revert"  # 撤销 what one just did (收到, 完成 …): the act at the revision
    DUE = "due"  # 改期: ask for the new due time; with a moment, set it
    RENAME = "rename"  # 改标题: ask for it
    PRIORITY = "priority"  # 轻重缓急: the menu; with a priority, set it
    MANAGE = "manage"  # ⚙️ the assigner's card of a task, with every change as a button
    NUDGE = "nudge"  # 催办 (with `list`: pressed under /assigned, which stays)
    BACK = "back"  # « 返回: the card as it stands
    VIEW = "view"  # 看看 (on a message listing several tasks): the card, as a new message


class Flag(StrEnum):
    """A word some verbs take: a confirmation, or where the button was."""

    YES = "yes"  # CANCEL / DONE: confirmed (on the bot's question)
    NO = "no"  # CANCEL: not after all
    LIST = "list"  # NUDGE: pressed under /assigned


# What each verb may carry besides the task; every other verb takes nothing.
_PERSON_VERBS = frozenset({Verb.HAND, Verb.REASSIGN})
_OPTION_VERBS = frozenset({Verb.SNOOZE})
_MOMENT_VERBS = frozenset({Verb.SNOOZE_ANYWAY, Verb.EXTEND, Verb.DUE})
_PRIORITY_VERBS = frozenset({Verb.PRIORITY})
_FLAG_VERBS: dict[Verb, frozenset[Flag]] = {
    Verb.CANCEL: frozenset({Flag.YES, Flag.NO}),
    Verb.DONE: frozenset({Flag.YES}),
    Verb.NUDGE: frozenset({Flag.LIST}),
}
_NEEDS_ARGUMENT = frozenset({Verb.SNOOZE_ANYWAY})

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
_SAVE_VERB = "save"


@dataclass(frozen=True, slots=True)
class TaskPress:
    """A press of a button about task #number: the verb, the revision the button was made at
    (None: an older button), and for some verbs whom, when or which."""

    verb: Verb
    number: int
    rev: int | None = None
    person: int | None = None  # HAND / REASSIGN to this user
    option: SnoozeOption | None = None  # SNOOZE to this time
    at: int | None = None  # a moment (Unix seconds): SNOOZE_ANYWAY, EXTEND, DUE to it
    priority: Priority | None = None  # PRIORITY: set to it
    flag: Flag | None = None  # CANCEL yes; NUDGE from the list


@dataclass(frozen=True, slots=True)
class PagePress:
    """A press of « / » under /my: show this page (0-based)."""

    page: int


@dataclass(frozen=True, slots=True)
class SavePress:
    """记为任务: save the message the bot's offer answers as a task."""


Press = TaskPress | PagePress | SavePress


def _argument(press: TaskPress) -> str | None:
    values = [press.person, press.option, press.at, press.priority, press.flag]
    given = [str(v) for v in values if v is not None]
    if len(given) > 1:
        raise ValueError(f"not a task button: {press!r}")
    return given[0] if given else None


def build(press: Press) -> str:
    """The callback data of a button (at most 64 bytes; `parse` reads it back)."""
    if isinstance(press, PagePress):
        parts = [PREFIX, _PAGE_VERB, str(press.page)]
    elif isinstance(press, SavePress):
        parts = [PREFIX, _SAVE_VERB]
    else:
        number = str(press.number) if press.rev is None else f"{press.number}@{press.rev}"
        parts = [PREFIX, press.verb.value, number]
        arg = _argument(press)
        if arg is not None:
            parts.append(arg)
    data = ":".join(parts)
    if parse(data) != press:
        raise ValueError(f"not a task button: {press!r}")
    return data


def button_data(
    verb: Verb, number: int, *, rev: int | None = None, person: int | None = None
) -> str:
    """Shorthand for `build(TaskPress(verb, number, rev, person))`."""
    return build(TaskPress(verb, number, rev, person=person))


def parse(data: str) -> Press | None:
    """What a button's data asks for; None for anything this codec did not make."""
    if len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if parts[0] == _OLD_PAGE_PREFIX and len(parts) == 2:
        return _page(parts[1])
    if parts == [PREFIX, _SAVE_VERB]:
        return SavePress()
    if parts[0] != PREFIX or not 3 <= len(parts) <= 4:
        return None
    word, number_text, *rest = parts[1:]
    if word == _PAGE_VERB:
        return _page(number_text) if not rest else None
    task = _number(number_text)
    if task is None:
        return None
    number, rev = task
    arg = rest[0] if rest else None
    if word == "sz" and arg == _OLD_TYPED_SNOOZE:
        return TaskPress(Verb.SNOOZE_TYPED, number, rev)
    verb = _OLD_VERBS.get(word) or _verb(word)
    if verb is None:
        return None
    return _with_arg(TaskPress(verb, number, rev), arg)


def _number(text: str) -> tuple[int, int | None] | None:
    """`12` or `12@3`: the task number and the revision the button was made at."""
    number_text, at, rev_text = text.partition("@")
    number = _digits(number_text, _MAX_NUMBER_DIGITS)
    if number is None:
        return None
    if not at:
        return number, None
    rev = _digits(rev_text, _MAX_NUMBER_DIGITS)
    return None if rev is None else (number, rev)


def _with_arg(press: TaskPress, arg: str | None) -> TaskPress | None:
    verb = press.verb
    if arg is None:
        return None if verb in _NEEDS_ARGUMENT else press
    if verb in _PERSON_VERBS:
        person = _digits(arg, _MAX_USER_DIGITS)
        return None if person is None else replace(press, person=person)
    if verb in _OPTION_VERBS:
        option = _enum(SnoozeOption, arg)
        return None if option is None else replace(press, option=option)
    if verb in _MOMENT_VERBS:
        at = _digits(arg, _MAX_MOMENT_DIGITS)
        return None if at is None else replace(press, at=at)
    if verb in _PRIORITY_VERBS:
        priority = _enum(Priority, arg)
        return None if priority is None else replace(press, priority=priority)
    flag = _enum(Flag, arg)
    if flag is not None and flag in _FLAG_VERBS.get(verb, ()):
        return replace(press, flag=flag)
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


def _enum(cls: type[E], word: str) -> E | None:
    try:
        return cls(word)
    except ValueError:
        return None
