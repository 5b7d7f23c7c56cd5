"""The text being parsed: the original, a normalised copy of the same length, and the cut spans.

Every phrase pass matches against `work` (full-width folded to ASCII, ASCII lower-cased, spaces
unified, already-taken phrases masked) and cuts spans that index the original text too, so the
title is rebuilt from what the sender actually wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

MASK = "\x00"
# A URL, e-mail address or file path: hidden from every pass, kept in the title as typed.
KEEP = "\x01"


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp + 32)
        table[cp + 0xFEE0] = chr(cp + 32)  # full-width capitals fold to lower-case ASCII
    spaces = [0x00A0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF, 0x85]
    spaces += list(range(0x2000, 0x200C))
    for cp in spaces:
        table[cp] = " "
    table[0] = " "  # the mask character must only ever mean "taken"
    table[1] = " "  # and the keep character "verbatim"
    table[0xFE6B] = "@"  # small commercial at
    return table


_NORM = _build_table()
_FOLD_RE: Final = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_NORM)) + "]")

# Text that must stay exactly as typed (spec "Words that only look like ours"): URLs (ASCII up
# to a space or a non-ASCII character; trailing sentence punctuation is not part of one),
# e-mail addresses, and file paths (Windows, UNC, and Unix paths of two or more parts).
_PATH_PART = r"[^\x00\x01\s\\/:*?\"<>|，。；：！？、（）【】《》“”‘’]"
# URLs with a scheme first, so no other kind can take a piece of one ("a@b.http://…", "/a/bhttp://…").
_URL_RE: Final = re.compile(r"(?:https?|ftp)://[\x21-\x7e]*[a-z0-9/#=_~\-+&%]")
_VERBATIM_RE: Final = re.compile(
    r"(?<![a-z0-9_.\-])www\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)+(?:[/?#][\x21-\x7e]*[a-z0-9/#=_~\-+&%])?"
    r"|(?<![a-z0-9_.\-])(?:[a-z0-9\-]+\.)+(?:com|cn|net|org|gov|edu|io)(?![a-z0-9\-])"
    r"(?::[0-9]{1,5})?(?:/[\x21-\x7e]*[a-z0-9/#=_~\-+&%])?"
    r"|[a-z0-9][a-z0-9_.+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?![a-z0-9\-])"
    rf"|(?<![a-z0-9])[a-z]:[\\/]+(?:{_PATH_PART}+[\\/]+)*(?:{_PATH_PART}*?\.[a-z0-9]{{1,5}}(?![a-z0-9])|{_PATH_PART}*)"
    rf"|\\\\{_PATH_PART}+(?:\\{_PATH_PART}*?\.[a-z0-9]{{1,5}}(?![a-z0-9])|\\{_PATH_PART}+)+"
    r"|(?<![^\s(（\[【\"“'‘,，:：])(?:~|\.{1,2})?(?:/[a-z0-9_.\-]*[a-z_][a-z0-9_.\-]*){2,}/?"
)
# One of these must occur for any of the above to: a quick probe skips the search.
_VERBATIM_PROBE: Final = re.compile(r"://|@|www\.|\\|/|\.(?:com|cn|net|org|gov|edu|io)")


def normalize(text: str) -> str:
    """Fold `text` for matching; the result has exactly the same length."""
    if text.isascii():
        return text.lower().replace("\x00", " ").replace("\x01", " ")
    # Mostly Chinese with a few full-width marks: replacing just those beats translating all.
    return _FOLD_RE.sub(_fold, text)


def _fold(m: re.Match[str]) -> str:
    return _NORM[ord(m.group())]


class Scan:
    """One message under parsing."""

    __slots__ = ("_words", "cuts", "kept", "text", "word_set", "work")

    def __init__(self, text: str) -> None:
        self.text = text
        work = normalize(text)
        self.kept: list[tuple[int, int]] = []
        if _VERBATIM_PROBE.search(work) is not None:
            for rx in (_URL_RE, _VERBATIM_RE):
                for m in rx.finditer(work):
                    start, end = m.span()
                    self.kept.append((start, end))
                    work = work[:start] + KEEP * (end - start) + work[end:]
            self.kept.sort()
        self.work = work
        self.cuts: list[tuple[int, int]] = []
        # The ASCII words present, computed once: masking only hides some of them, so this stays
        # a safe superset (a phrase is always matched against the current `work`).
        self.word_set = frozenset(_WORD_RE.findall(self.work))
        self._words: list[tuple[int, str]] | None = None

    def cut(self, start: int, end: int) -> None:
        """Take [start, end) out of the title and hide it from later passes."""
        if end <= start:
            return
        self.cuts.append((start, end))
        self.work = self.work[:start] + MASK * (end - start) + self.work[end:]

    def original(self, start: int, end: int) -> str:
        return self.text[start:end]

    @property
    def words(self) -> list[tuple[int, str]]:
        """(start, word) of every ASCII word, found on first use (most passes never need it)."""
        if self._words is None:
            self._words = [(m.start(), m.group()) for m in _WORD_RE.finditer(self.work)]
        return self._words


class Family:
    """One family of phrases (dates, times, …) in Chinese and English, matched in one pass.

    `re` tries every branch of an alternation at every position, which is slow for big
    families. So the Chinese alternation is only tried where its first character can start a
    phrase (a one-character look-ahead, after a quick probe that one occurs at all), and an
    English branch only at a word it can start with: `en_first` names, per branch, its
    possible first words ("#" for a number), and each such word gets its own small pattern.
    `zh_needs` / `en_needs` skip a half outright when the message lacks a word every phrase of
    it contains. `needs` does the same for the whole family, in one regex search, from
    substrings one of which every phrase (in either language) contains: most messages say no
    recurrence, lead time or priority at all, and that search is far cheaper than the passes.
    Matches come back in text order, not overlapping.
    """

    __slots__ = (
        "_by_word",
        "_digit_rx",
        "_en_needs",
        "_needs",
        "_needs_chars",
        "_needs_words",
        "_zh",
        "_zh_needs",
        "_zh_probe",
    )

    def __init__(
        self,
        *,
        zh_first: str,
        zh: str,
        en: str,
        en_first: Mapping[str, str],
        zh_needs: Iterable[str] = (),
        en_needs: Iterable[str] = (),
        needs: Iterable[str] = (),
        needs_chars: str = "",
        needs_words: Iterable[str] = (),
    ) -> None:
        self._zh = re.compile(rf"(?=[{zh_first}])(?:{zh})") if zh else None
        self._zh_probe = re.compile(rf"[{zh_first}]")
        self._zh_needs = _any_of(zh_needs)
        self._needs = _any_of(needs)
        # The same skip, cheaper: a character class (one C-level scan) for the Chinese phrases
        # and a set lookup in the message's ASCII words for the English ones.
        self._needs_chars = re.compile(f"[{needs_chars}]") if needs_chars else None
        self._needs_words = frozenset(needs_words)
        self._en_needs = frozenset(en_needs)
        per_word: dict[str, list[str]] = {}
        for branch in split_branches(en) if en else []:
            name = _BRANCH_NAME_RE.match(branch)
            if name is None or name.group(1) not in en_first:
                raise ValueError(f"English branch without first words: {branch[:40]}")
            for word in dict.fromkeys(en_first[name.group(1)].split()):
                per_word.setdefault(word, []).append(branch)
        compiled = {
            word: re.compile(rf"(?<![a-z0-9_])(?:{'|'.join(branches)})")
            for word, branches in per_word.items()
        }
        self._digit_rx = compiled.pop("#", None)
        self._by_word = compiled

    def finditer(self, scan: Scan) -> Iterable[re.Match[str]]:
        """The family's matches in `scan.work`, in text order, not overlapping.

        When only the Chinese half can match (the usual case), its matches come lazily, so a
        pass that stops at its first phrase does not pay for scanning the rest of the message.
        A cut made while iterating does not change them: they index the string as it was.
        """
        work = scan.work
        if self._needs is not None and self._needs.search(work) is None:
            return ()
        if (
            self._needs_chars is not None
            and self._needs_chars.search(work) is None
            and self._needs_words.isdisjoint(scan.word_set)
        ):
            return ()
        zh_rx = self._zh
        if zh_rx is not None and (
            self._zh_probe.search(work) is None
            or (self._zh_needs is not None and self._zh_needs.search(work) is None)
        ):
            zh_rx = None
        en: list[re.Match[str]] = []
        words = scan.word_set
        if words and (not self._en_needs or not self._en_needs.isdisjoint(words)):
            by_word = self._by_word
            digit_rx = self._digit_rx
            if not by_word.keys().isdisjoint(words) or (
                digit_rx is not None and _DIGIT_RE.search(work) is not None
            ):
                taken = 0
                for start, text in scan.words:
                    if start < taken:
                        continue
                    rx = by_word.get(text)
                    if rx is None and digit_rx is not None and text[0] in _DIGITS:
                        rx = digit_rx
                    if rx is not None:
                        m = rx.match(work, start)
                        if m is not None and not _possessive(work, m.end()):
                            en.append(m)
                            taken = m.end()
        if not en:
            return zh_rx.finditer(work) if zh_rx is not None else ()
        if zh_rx is None:
            return en
        merged: list[re.Match[str]] = []
        end = 0
        for m in sorted([*zh_rx.finditer(work), *en], key=_start):
            if m.start() >= end:
                merged.append(m)
                end = m.end()
        return merged


def _start(m: re.Match[str]) -> int:
    return m.start()


def _possessive(work: str, end: int) -> bool:
    """The phrase is followed by 's: it names something ("next Tuesday's meeting"), it is no
    date or time of this message, and the title keeps it whole."""
    return work[end : end + 2] in ("'s", "’s") and not work[end + 2 : end + 3].isalnum()


def _any_of(needs: Iterable[str]) -> re.Pattern[str] | None:
    """A search for any of the substrings `needs` (None for none): one scan, in C."""
    words = sorted(set(needs), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def split_branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regex source (outside groups and character classes)."""
    out: list[str] = []
    depth = 0
    start = 0
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


_BRANCH_NAME_RE: Final = re.compile(r"\(\?P<(\w+)>")
_DIGIT_RE: Final = re.compile(r"[0-9]")


_WORD_RE: Final = re.compile(r"[a-z0-9]+")
_DIGITS: Final = frozenset("0123456789")
