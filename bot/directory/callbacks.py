"""The directory buttons' data, built and read in one place: `d:<verb>:<space>:<id>[:<category>]`
(pure). Also the reference an edit prompt carries, so a reply to it is understood later.

    d:contact-edit:<space>:<id>         ask for a contact's new details
    d:contact-del:<space>:<id>          delete a contact
    d:doc-get:<space>:<id>              send a document again
    d:doc-cats:<space>:<id>             show the category buttons
    d:doc-cat:<space>:<id>:<category>   set the category (its ASCII name: report, plan …)
    d:doc-del:<space>:<id>              delete a document

A space is `g<chat id>` or `p<user id>`. Buttons sent before the verbs were spelt out use two
letters (ce cd dg dk dc dd) and a category's position instead of its name; they still work.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.directory.models import CATEGORY_KEYS, Category

PREFIX = "d"
MAX_BYTES = 64


class Verb(StrEnum):
    EDIT_CONTACT = "contact-edit"
    DELETE_CONTACT = "contact-del"
    SEND_DOC = "doc-get"
    CHOOSE_CATEGORY = "doc-cats"
    SET_CATEGORY = "doc-cat"
    DELETE_DOC = "doc-del"

    @property
    def about_contact(self) -> bool:
        return self in (Verb.EDIT_CONTACT, Verb.DELETE_CONTACT)


_OLD_VERBS = {
    "ce": Verb.EDIT_CONTACT,
    "cd": Verb.DELETE_CONTACT,
    "dg": Verb.SEND_DOC,
    "dk": Verb.CHOOSE_CATEGORY,
    "dc": Verb.SET_CATEGORY,
    "dd": Verb.DELETE_DOC,
}
#: Old buttons named a category by its place in this order.
_OLD_CATEGORY_ORDER: tuple[Category, ...] = tuple(Category)
_BY_NAME = {name: c for c, name in CATEGORY_KEYS.items()}
_MAX_ID_DIGITS = 9
_MAX_CHAT_DIGITS = 20


@dataclass(frozen=True, slots=True)
class Press:
    """A directory button pressed: what to do with which record of which space."""

    verb: Verb
    space: str
    record_id: int
    category: Category | None = None  # SET_CATEGORY only

    def names(self, space: str, record_id: int) -> bool:
        """Is this button about that record?"""
        return (self.space, self.record_id) == (space, record_id)


def build(verb: Verb, space: str, record_id: int, category: Category | None = None) -> str:
    if (verb is Verb.SET_CATEGORY) != (category is not None):
        raise ValueError(f"{verb} takes a category exactly when it sets one")
    data = f"{PREFIX}:{verb}:{space}:{record_id}"
    if category is not None:
        data += f":{CATEGORY_KEYS[category]}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: str) -> Press | None:
    """The press this data means; None for anything not built here (or tampered with)."""
    parts = data.split(":")
    if len(parts) not in (4, 5) or parts[0] != PREFIX:
        return None
    old = parts[1] in _OLD_VERBS
    verb = _OLD_VERBS.get(parts[1]) or _verb(parts[1])
    space, number = parts[2], parts[3]
    if verb is None or not is_space(space) or not _digits(number, _MAX_ID_DIGITS):
        return None
    record_id = int(number)
    if len(parts) == 4:
        return None if verb is Verb.SET_CATEGORY else Press(verb, space, record_id)
    if verb is not Verb.SET_CATEGORY:  # the old form allowed (and ignored) a number on any verb
        return Press(verb, space, record_id) if old and _digits(parts[4], 2) else None
    category = _old_category(parts[4]) if old else _BY_NAME.get(parts[4])
    return None if category is None else Press(verb, space, record_id, category)


def _verb(word: str) -> Verb | None:
    try:
        return Verb(word)
    except ValueError:
        return None


def _old_category(text: str) -> Category | None:
    if not _digits(text, 2) or int(text) >= len(_OLD_CATEGORY_ORDER):
        return None
    return _OLD_CATEGORY_ORDER[int(text)]


def _digits(text: str, most: int) -> bool:
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


def is_space(text: str) -> bool:
    """`g<chat id>` or `p<user id>` (ids may be negative)."""
    if text[:1] not in ("g", "p"):
        return False
    number = text[1:].removeprefix("-")
    return _digits(number, _MAX_CHAT_DIGITS)


# ----- the edit prompt's reference --------------------------------------------------------------
_REF_OPEN, _REF_CLOSE = "[ref ", "]"


def edit_ref(space: str, contact_id: int) -> str:
    """What the edit prompt carries: `[ref g-100100/c5]`."""
    return f"{_REF_OPEN}{space}/c{contact_id}{_REF_CLOSE}"


def parse_edit_ref(text: str) -> tuple[str, int] | None:
    """The (space, contact id) an edit prompt's text refers to, if it carries a reference."""
    start = text.find(_REF_OPEN)
    while start >= 0:
        end = text.find(_REF_CLOSE, start)
        if end < 0:
            return None
        space, sep, contact = text[start + len(_REF_OPEN) : end].partition("/c")
        if sep and is_space(space) and _digits(contact, _MAX_ID_DIGITS):
            return space, int(contact)
        start = text.find(_REF_OPEN, start + 1)
    return None
