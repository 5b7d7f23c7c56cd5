"""Finding contacts: an in-memory index per space, by name, pinyin, initials, unit and digits.

Ranking (spec of issue #6): exact name > name prefix > full pinyin > initials > substring >
unit/title > phone digits; within a rank an exact key before a partial one, then the contacts
used most often, then by name. Every match kind is a prefix search over a sorted key list
(substrings are indexed as suffixes), so a look-up costs a few bisections, not a scan.
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

from bot.directory.models import Contact
from bot.directory.phones import phone_key


class Match(IntEnum):
    EXACT = 0
    NAME_PREFIX = 1
    PINYIN = 2
    INITIALS = 3
    SUBSTRING = 4
    UNIT = 5
    DIGITS = 6


# Surnames whose reading differs from the everyday one (多音字 as a family name).
SURNAME_READINGS: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "区": "ou",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "召": "shao",
    "员": "yun",
    "黑": "he",
    "那": "na",
    "尉": "yu",
    "万": "wan",
    "秘": "bi",
    "长": "chang",
    "重": "chong",
    "华": "hua",
    "任": "ren",
    "纪": "ji",
    "过": "guo",
    "种": "chong",
    "阚": "kan",
    "葛": "ge",
    "沈": "shen",
    "薄": "bo",
    "宿": "su",
    "繁": "po",
}
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
_SPACE_RE = re.compile(r"[\s·•._-]+")
_MAX_SUFFIX_TEXT = 60
_SUFFIX_KINDS = frozenset({Match.SUBSTRING, Match.UNIT, Match.DIGITS})


@lru_cache(maxsize=65536)
def pinyin_variants(name: str) -> tuple[tuple[str, ...], ...]:
    """Syllable lists a name may be typed as: the usual reading, and the surname reading of
    its first character when that differs (单 → dan / shan). Latin letters pass through."""
    if not _HAN_RE.search(name):
        return ()
    base = tuple(s.lower() for s in lazy_pinyin(name, style=Style.NORMAL) if s.strip())
    variants = [base]
    first = name[0]
    if _HAN_RE.match(first) and base:
        readings = {SURNAME_READINGS.get(first, base[0])}
        if first in SURNAME_READINGS:
            readings |= {r for r in pinyin(first, heteronym=True, style=Style.NORMAL)[0]}
        for r in sorted(readings):
            v = (r, *base[1:])
            if v not in variants and first in SURNAME_READINGS:
                variants.append(v)
    return tuple(variants)


def fold(text: str) -> str:
    """The form queries and keys are compared in: lower case, no spaces or dots."""
    return _SPACE_RE.sub("", text.strip().lower())


def _suffixes(text: str, start: int = 0) -> Iterable[str]:
    text = text[:_MAX_SUFFIX_TEXT]
    return (text[i:] for i in range(start, len(text)))


def contact_keys(contact: Contact) -> list[tuple[Match, str]]:
    """Every (kind, key) a contact is found under; prefix search over keys does the rest."""
    name = fold(contact.name)
    keys: set[tuple[Match, str]] = set()
    if name:
        keys.add((Match.EXACT, name))
        keys.add((Match.NAME_PREFIX, name))
        keys.update((Match.SUBSTRING, s) for s in _suffixes(name, 1))
    for syllables in pinyin_variants(contact.name):
        full = "".join(fold(s) for s in syllables)
        keys.add((Match.PINYIN, full))
        keys.add((Match.INITIALS, "".join(s[0] for s in syllables if s)))
        for i in range(1, len(syllables)):  # the given name alone: "san" → 张三
            keys.add((Match.SUBSTRING, "".join(syllables[i:])))
    for field in (contact.unit, contact.email.split("@")[0], contact.username or ""):
        folded = fold(field)
        keys.update((Match.UNIT, s) for s in _suffixes(folded))
    for phone in contact.phones:
        digits = phone_key(phone).replace("x", "")
        keys.update((Match.DIGITS, s) for s in _suffixes(digits))
    return sorted(keys)


@dataclass(frozen=True, slots=True)
class Hit:
    contact: Contact
    match: Match
    exact_key: bool  # the query was a whole key (full pinyin "zhangsan"), not a prefix of one

    @property
    def rank(self) -> tuple[int, int, int, str, int]:
        return (
            self.match,
            0 if self.exact_key else 1,
            -self.contact.uses,
            self.contact.name,
            self.contact.id,
        )


class ContactIndex:
    """The contacts of one space, indexed for `search`. Not thread-safe: guard it outside."""

    def __init__(self, contacts: Iterable[Contact] = ()) -> None:
        self._contacts: dict[int, Contact] = {}
        self._keys: dict[int, list[tuple[Match, str]]] = {}
        self._lists: dict[Match, list[tuple[str, int]]] = {m: [] for m in Match}
        pending: dict[Match, list[tuple[str, int]]] = {m: [] for m in Match}
        for c in contacts:
            keys = contact_keys(c)
            self._contacts[c.id] = c
            self._keys[c.id] = keys
            for kind, key in keys:
                pending[kind].append((key, c.id))
        for kind, rows in pending.items():
            rows.sort()
            self._lists[kind] = rows

    def __len__(self) -> int:
        return len(self._contacts)

    def __contains__(self, contact_id: int) -> bool:
        return contact_id in self._contacts

    def get(self, contact_id: int) -> Contact | None:
        return self._contacts.get(contact_id)

    def all(self) -> list[Contact]:
        return list(self._contacts.values())

    def put(self, contact: Contact) -> None:
        """Add or replace a contact (a changed one is re-keyed; only uses changed: cheap)."""
        old = self._contacts.get(contact.id)
        if old is not None and _same_keys(old, contact):
            self._contacts[contact.id] = contact
            return
        self.remove(contact.id)
        keys = contact_keys(contact)
        self._contacts[contact.id] = contact
        self._keys[contact.id] = keys
        for kind, key in keys:
            insort(self._lists[kind], (key, contact.id))

    def remove(self, contact_id: int) -> None:
        if self._contacts.pop(contact_id, None) is None:
            return
        for kind, key in self._keys.pop(contact_id, ()):
            rows = self._lists[kind]
            i = bisect_left(rows, (key, contact_id))
            if i < len(rows) and rows[i] == (key, contact_id):
                del rows[i]

    def search(self, query: str, limit: int | None = None) -> list[Hit]:
        """Contacts matching `query`, best first (see the module docstring)."""
        q = fold(query)
        if not q:
            return []
        digits = re.sub(r"[\s+()（）-]", "", query.strip())
        if digits.isdigit():
            kinds: tuple[Match, ...] = (Match.DIGITS,)
            q = digits
        elif q.isascii() and q.isalpha():
            kinds = tuple(m for m in Match if m is not Match.DIGITS)
        else:
            kinds = (Match.EXACT, Match.NAME_PREFIX, Match.SUBSTRING, Match.UNIT)
        best: dict[int, tuple[Match, bool]] = {}
        for kind in kinds:
            for key, cid in self._prefixed(kind, q):
                # Suffix-indexed kinds have no "whole key": a suffix equal to q is still a part.
                exact = key == q and kind not in _SUFFIX_KINDS
                if kind is Match.EXACT and key != q:
                    continue
                seen = best.get(cid)
                if seen is None or (kind, not exact) < (seen[0], not seen[1]):
                    best[cid] = (kind, exact)
        hits = [Hit(self._contacts[cid], kind, exact) for cid, (kind, exact) in best.items()]
        hits.sort(key=lambda h: h.rank)
        return hits if limit is None else hits[:limit]

    def _prefixed(self, kind: Match, q: str) -> Iterable[tuple[str, int]]:
        rows = self._lists[kind]
        i = bisect_left(rows, (q,))
        while i < len(rows) and rows[i][0].startswith(q):
            yield rows[i]
            i += 1


def _same_keys(a: Contact, b: Contact) -> bool:
    return (a.name, a.unit, a.phones, a.email, a.username) == (
        b.name,
        b.unit,
        b.phones,
        b.email,
        b.username,
    )


def rank_hits(groups: Iterable[Iterable[Hit]], limit: int | None = None) -> list[Hit]:
    """Merge hits from several spaces' indexes into one ranking."""
    hits = sorted((h for g in groups for h in g), key=lambda h: h.rank)
    return hits if limit is None else hits[:limit]
