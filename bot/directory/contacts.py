"""Reading a contact out of free text: `张三 办公室主任 13800138000 zs@example.com 备注…`.

What comes before the first number or e-mail is the name then the unit/title; what follows the
last one (or anything after 备注/note) is the note. Labels such as 电话: or 单位: are dropped.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from bot.directory.phones import find_phones, normalize_phone, phone_key

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_NOTE_RE = re.compile(r"(?:备注|附注|说明|note)\s*[:：]?\s*", re.IGNORECASE)
_LABEL_RE = re.compile(
    r"(?:姓名|名字|单位|职务|部门|电话|手机|座机|办公电话|邮箱|电子邮件|email|e-mail|phone|tel|name|unit|title)\s*[:：]",
    re.IGNORECASE,
)
# Words that only introduce a number or address ("座机 0571-…") and are no part of the unit.
_BARE_LABELS = frozenset(
    {
        "-",
        ":",
        "：",
        "转",
        "电话",
        "手机",
        "座机",
        "办公电话",
        "邮箱",
        "tel",
        "phone",
        "mobile",
        "email",
    }
)
_SEP_RE = re.compile(r"[\s,，;；、|/]+")
MAX_NAME = 40
MAX_FIELD = 200


@dataclass(frozen=True, slots=True)
class ParsedContact:
    name: str
    unit: str = ""
    phones: tuple[str, ...] = ()
    email: str = ""
    note: str = ""


class ContactParseError(ValueError):
    """The text holds no name (the only thing a contact cannot do without)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key  # catalog key under directory.*


def parse_contact_text(text: str) -> ParsedContact:
    """Name, unit/title, phones, e-mail and note from one line of free text."""
    text = text.strip()
    note = ""
    m = _NOTE_RE.search(text)
    if m is not None:
        text, note = text[: m.start()], text[m.end() :].strip()
    spans: list[tuple[int, int]] = []
    phones: list[str] = []
    for start, end, number in find_phones(text):
        spans.append((start, end))
        if phone_key(number) not in {phone_key(p) for p in phones}:
            phones.append(number)
    emails = [(em.start(), em.end(), em.group(0)) for em in EMAIL_RE.finditer(text)]
    spans += [(s, e) for s, e, _ in emails]
    spans.sort()
    if spans:
        head = text[: spans[0][0]]
        middle = " ".join(text[a[1] : b[0]] for a, b in itertools.pairwise(spans))
        tail = text[spans[-1][1] :]
    else:
        head, middle, tail = text, "", ""
    words = _words(head)
    if not words:
        raise ContactParseError("no_name")
    name, rest = _take_name(words)
    unit_words = rest + _words(middle)
    if tail.strip():
        note = " ".join(x for x in (_clean(tail), note) if x)
    return ParsedContact(
        name=name[:MAX_NAME],
        unit=" ".join(unit_words)[:MAX_FIELD],
        phones=tuple(phones),
        email=emails[0][2].lower() if emails else "",
        note=note[:MAX_FIELD],
    )


def _clean(text: str) -> str:
    return " ".join(_words(text))


def _words(text: str) -> list[str]:
    text = _LABEL_RE.sub(" ", text)
    text = text.replace("（", " ").replace("）", " ").replace("(", " ").replace(")", " ")
    return [w for w in _SEP_RE.split(text) if w and w.lower() not in _BARE_LABELS]


def _take_name(words: list[str]) -> tuple[str, list[str]]:
    # A Latin name may be two capitalised words ("John Smith"); a Chinese name is one word.
    first = words[0]
    if (
        len(words) > 1
        and first.isascii()
        and first[:1].isupper()
        and words[1].isascii()
        and words[1][:1].isupper()
        and words[1].isalpha()
    ):
        return f"{first} {words[1]}", words[2:]
    return first, words[1:]


def contact_from_card(first_name: str, last_name: str, phone_number: str) -> ParsedContact:
    """A shared Telegram contact card: a Chinese name reads family name first (李 + 四 = 李四);
    the number as given, or with the + Telegram leaves off."""
    han = any("\u3400" <= ch <= "\u9fff" for ch in first_name + last_name)
    name = f"{last_name}{first_name}" if han else f"{first_name} {last_name}".strip()
    phone = normalize_phone(phone_number) or normalize_phone("+" + phone_number.lstrip("+"))
    return ParsedContact(name=name or phone_number, phones=(phone,) if phone else ())
