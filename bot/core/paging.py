"""Long lists within Telegram's 4,096 characters: pack lines into as few messages as fit. Pure.

Telegram counts the text after entity parsing (tags gone, `&amp;` one character) in UTF-16
code units; a message is packed to a little under the limit so that delivery can still put a
mention in front of it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

TELEGRAM_TEXT_LIMIT = 4096
#: Room kept for what delivery adds (a mention line for someone who never started the bot).
PACK_LIMIT = 3900
_TAG_RE = re.compile(r"<[^>]+>")


def visible_length(text_html: str) -> int:
    """How long Telegram finds this HTML text: tags dropped, entities read, UTF-16 units."""
    plain = html.unescape(_TAG_RE.sub("", text_html))
    return len(plain.encode("utf-16-le")) // 2


def _cut(line: str, room: int) -> str:
    """A line too long for any message on its own: its plain text, shortened, with …"""
    plain = html.unescape(_TAG_RE.sub("", line))
    out = []
    used = 0
    for ch in plain:
        width = len(ch.encode("utf-16-le")) // 2
        if used + width > room - 1:
            break
        out.append(ch)
        used += width
    return html.escape("".join(out), quote=False) + "…"


def shorten(text: str, limit: int) -> str:
    """Plain text (a title) cut to `limit` characters with "…" (list lines stay short)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pack_lines(lines: Sequence[str], *, header: str = "", limit: int = PACK_LIMIT) -> list[str]:
    """Join `lines` with newlines into messages of at most `limit` visible characters each.

    Every message starts with `header` (when given); a line is never split between two
    messages, and a single line longer than a whole message is shortened with "…".
    """
    head_len = visible_length(header) + 1 if header else 0
    room = limit - head_len
    pages: list[list[str]] = []
    current: list[str] = []
    used = 0
    for line in lines:
        width = visible_length(line)
        if width > room:
            line = _cut(line, room)
            width = visible_length(line)
        extra = width + (1 if current else 0)
        if current and used + extra > room:
            pages.append(current)
            current, used, extra = [], 0, width
        current.append(line)
        used += extra
    if current or not pages:
        pages.append(current)
    return ["\n".join(([header] if header else []) + page) for page in pages]


def fit_lines(
    lines: Sequence[str],
    *,
    header: str = "",
    limit: int = PACK_LIMIT,
    more: Callable[[int], str] | None = None,
) -> str:
    """One message: `header` and as many whole lines as fit within `limit` visible characters;
    the lines left out are said by `more(count)` (a line of its own), when given.

    For a message that is edited in place or rendered from the outbox at send time, where
    splitting is not an option (`pack_lines` splits)."""
    out = [header] if header else []
    used = visible_length(header) if header else 0
    reserve = visible_length(more(len(lines))) + 1 if more is not None else 0
    for i, line in enumerate(lines):
        width = visible_length(line) + (1 if out else 0)
        left = len(lines) - i - 1
        room = limit - (reserve if left else 0)
        if used + width > room:
            if more is not None:
                out.append(more(len(lines) - i))
            elif not out:
                out.append(_cut(line, limit))
            return "\n".join(out)
        out.append(line)
        used += width
    return "\n".join(out)


def split_message(text_html: str, *, limit: int = PACK_LIMIT) -> list[str]:
    """A message made of whole lines (each line valid HTML on its own), as one message if it
    fits, else as several: its first line heads each (`pack_lines`)."""
    if visible_length(text_html) <= limit:
        return [text_html]
    head, _, rest = text_html.partition("\n")
    return pack_lines(rest.split("\n"), header=head, limit=limit)
