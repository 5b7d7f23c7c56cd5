"""The title: what is left once every parsed phrase and the filler words are cut."""

from __future__ import annotations

import re
from typing import Final

from bot.parsing.scan import Scan

_CLAUSE_CHARS = r"\s\x00,.;:!?，。；：！？、"
# Polite openers only count at the start of a clause: 申请, 请假, 邀请 keep their 请.
_FILLER_RE: Final = re.compile(
    r"(?=[请麻帮记提叫一pkcwrsd])(?:"
    rf"(?<![^{_CLAUSE_CHARS}])(?:(?:请(?![假示教求客柬款愿])(?:你|您)?|麻烦(?:你|您|大家)?|帮忙|记得"
    r"|提醒(?:我们|我|一下)?|叫我)\s*)+"
    r"|提醒我|帮我|一下(?!午)"
    r"|(?<![a-z0-9_])(?:please|pls|plz|kindly|(?:can|could|would)\s+(?:you|u)(?:\s+please)?"
    r"|remind\s+(?:me|us)(?:\s+to)?|remind(?:\s+to)?|set\s+a\s+reminder\s+to|set\s+a\s+reminder"
    r"|don'?t\s+forget\s+to)(?![a-z0-9_]))"
)
# A literal every filler phrase contains: one quick search skips the pass for most messages.
_FILLER_PROBE: Final = re.compile(
    r"请|麻烦|帮忙|记得|提醒|叫我|帮我|一下|please|pls|plz|kindly|can|could|would|remind|set|don"
)
_PUNCT: Final = r"\s,.;:!?，。；：！？、~～\-—…·|/\\"
_RUN_RE: Final = re.compile(rf"[{_PUNCT}]{{2,}}")
_EMPTY_BRACKETS_RE: Final = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|【\s*】|“\s*”|\"\s*\"")
_EDGE_CHARS: Final = " \t\n\r\f\v\u3000\u00a0\x00,.;:!?，。；：！？、~～-—…·|/\\"
_BRACKET_OPENERS: Final = frozenset('(（[【"“')
_LEAD_TO_RE: Final = re.compile(r"^(?:(?:to|and)\s+|的(?!确))", re.IGNORECASE)


def take_filler(scan: Scan) -> None:
    """Cut the polite and reminder filler (请 麻烦 帮我 提醒我, please, remind me to …)."""
    if _FILLER_PROBE.search(scan.work) is None:
        return
    for m in _FILLER_RE.finditer(scan.work):
        scan.cut(m.start(), m.end())


def _collapse(run: re.Match[str]) -> str:
    text = run.group()
    for ch in text:
        if not ch.isspace():
            return ch
    return " "


def build_title(scan: Scan) -> str:
    """The original text without the cut spans, tidied at the seams and trimmed of punctuation.

    Kept spans (URLs, e-mail addresses, paths) stand in as one placeholder character each while
    the title is tidied, so no tidying can touch them, and go back in byte for byte.
    """
    text = scan.text
    kept = scan.kept
    placeholder = ""
    if kept:
        placeholder = _placeholder(text)
        parts: list[str] = []
        pos = 0
        for start, end in kept:
            parts.append(text[pos:start])
            parts.append(placeholder * (end - start))
            pos = end
        parts.append(text[pos:])
        text = "".join(parts)
    pieces: list[str] = []
    seams: list[int] = []  # where in the title something was cut out
    length = 0
    pos = 0
    for start, end in sorted(scan.cuts):
        if start > pos:
            piece = text[pos:start]
            if pieces and _joins_words(pieces[-1], piece):
                pieces.append(" ")
                length += 1
            pieces.append(piece)
            length += len(piece)
        if end > pos:
            seams.append(length)
        pos = max(pos, end)
    if pos < len(text):
        piece = text[pos:]
        if pieces and _joins_words(pieces[-1], piece):
            pieces.append(" ")
        pieces.append(piece)
    title = "".join(pieces)
    if scan.cuts:
        if not _BRACKET_OPENERS.isdisjoint(title):
            title = _EMPTY_BRACKETS_RE.sub("", title)
            seams = []  # positions moved: tidy every run, as before
        title = _collapse_at(title, seams)
    title = _tidy_edges(title).strip()  # and whatever else is white space (\x1f, \u2028 …)
    if kept:
        title = _restore(title, placeholder, "".join(scan.text[a:b] for a, b in kept))
    return title


def _collapse_at(title: str, seams: list[int]) -> str:
    """Runs of punctuation left where something was cut become one mark; runs the message
    itself has elsewhere (~删除~, ||剧透||, a -- b) stay as they were typed. Without known
    seams, every run."""

    def tidy(run: re.Match[str]) -> str:
        text = run.group()
        if seams and not any(run.start() <= at <= run.end() for at in seams):
            return text
        marks = "".join(ch for ch in text if ch in _PAIRED and title.count(ch) > text.count(ch))
        return marks or _collapse(run)

    return _RUN_RE.sub(tidy, title)


def _placeholder(text: str) -> str:
    """A private-use character the text does not contain."""
    cp = 0xE000
    while chr(cp) in text:
        cp += 1
    return chr(cp)


def _restore(title: str, placeholder: str, originals: str) -> str:
    """Each placeholder back to its character of the kept text, in order."""
    chars = iter(originals)
    return "".join(next(chars) if ch == placeholder else ch for ch in title)


def _tidy_edges(title: str) -> str:
    title = _strip_edges(title)
    if title[:1] == "的" or title[:3].lower() in ("to ", "and"):
        title = _LEAD_TO_RE.sub("", title).strip(_EDGE_CHARS)
    return title


# Marks that come in pairs (~删除~, ||剧透||): at an edge they close what the text opened.
_PAIRED: Final = frozenset("~～|")


def _strip_edges(title: str) -> str:
    """Trim leftover punctuation at both ends, but not a paired mark the title also has
    inside (the closing ~ of ~删除~ at the end)."""
    start, end = 0, len(title)
    while start < end and title[start] in _EDGE_CHARS:
        if title[start] in _PAIRED and title.count(title[start]) >= 2:
            break
        start += 1
    while end > start and title[end - 1] in _EDGE_CHARS:
        if title[end - 1] in _PAIRED and title.count(title[end - 1]) >= 2:
            break
        end -= 1
    return title[start:end]


def _joins_words(left: str, right: str) -> bool:
    a, b = left[-1:], right[:1]
    return a.isascii() and a.isalnum() and b.isascii() and b.isalnum()
