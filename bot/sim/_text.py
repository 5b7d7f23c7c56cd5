"""Text handling for the fake Bot API: Telegram-style HTML parsing and entity detection."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)

_SIMPLE_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message follows Telegram's wording."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity starting at ``text[pos] == '&'``; return (char, end) or None."""
    end = text.find(";", pos + 1)
    if end == -1 or end - pos > 12:
        return None
    body = text[pos + 1 : end]
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end + 1
    code: int | None = None
    if re.fullmatch(r"#[0-9]{1,8}", body):
        code = int(body[1:])
    elif re.fullmatch(r"#[xX][0-9a-fA-F]{1,6}", body):
        code = int(body[2:], 16)
    if code is None or code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), end + 1


class _Open:
    __slots__ = ("attrs", "begin", "name", "start")

    def __init__(self, name: str, attrs: dict[str, str], start: int, begin: int) -> None:
        self.name = name
        self.attrs = attrs
        self.start = start  # UTF-16 offset in the plain text
        self.begin = begin  # byte offset of the tag in the source


def _read_attributes(text: str, i: int, tag: str, begin_byte: int) -> tuple[dict[str, str], int]:
    """Parse attributes after the tag name; ``i`` points after the name. Returns (attrs, i after '>')."""
    n = len(text)
    attrs: dict[str, str] = {}
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")
        if text[i] == ">":
            return attrs, i + 1
        start = i
        while i < n and (text[i].isalnum() or text[i] in "-_"):
            i += 1
        name = text[start:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {begin_byte}'
            )
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")
        if text[i] != "=":
            if text[i] == ">" or text[i - 1].isspace():
                attrs[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {begin_byte}"
            )
        raw, i = _read_value(text, i + 1, begin_byte)
        attrs[name] = _unescape_lenient(raw)


def _read_value(text: str, i: int, begin_byte: int) -> tuple[str, int]:
    """An attribute's value after its '=' (quoted or bare); returns (raw value, i after it)."""
    n = len(text)
    while i < n and text[i].isspace():
        i += 1
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")
    if text[i] in "\"'":
        end = text.find(text[i], i + 1)
        if end == -1:
            raise EntityParseError(f"Unclosed end of attribute value at byte offset {begin_byte}")
        return text[i + 1 : end], end + 1
    start = i
    while i < n and not text[i].isspace() and text[i] != ">":
        i += 1
    return text[start:i], i


def _unescape_lenient(raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "&":
            decoded = _decode_entity(raw, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(raw[i])
        i += 1
    return "".join(out)


def _entity_for(tag: _Open, end: int, inner_lang: str | None) -> JSONDict | None:
    length = end - tag.start
    if length <= 0:
        return None
    entity: JSONDict = {"offset": tag.start, "length": length}
    if tag.name in _SIMPLE_TAG_TYPES:
        entity["type"] = _SIMPLE_TAG_TYPES[tag.name]
        if tag.name == "pre" and inner_lang:
            entity["language"] = inner_lang
        return entity
    if tag.name == "a":
        url = tag.attrs.get("href", "")
        if not url:
            return None
        user_id = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user_id:
            entity["type"] = "text_mention"
            entity["user"] = {"id": int(user_id.group(1)), "is_bot": False, "first_name": ""}
        else:
            entity["type"] = "text_link"
            entity["url"] = url
        return entity
    if tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        return entity
    if tag.name == "tg-emoji":
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
        return entity
    return None  # pragma: no cover - every allowed tag is handled above


@dataclass
class _HtmlState:
    """What parse_html has read so far."""

    out: list[str] = field(default_factory=list)
    offset16: int = 0
    stack: list[_Open] = field(default_factory=list)
    entities: list[JSONDict] = field(default_factory=list)
    pre_lang: dict[int, str] = field(default_factory=dict)  # id(pre) -> inner code's language

    def add_text(self, chunk: str) -> None:
        self.out.append(chunk)
        self.offset16 += utf16_len(chunk)


def _end_tag(text: str, i: int, begin_byte: int, st: _HtmlState) -> int:
    """Read `</name>` from `i` (after the slash); close the open tag. Returns i after '>'."""
    n = len(text)
    if not st.stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {begin_byte}")
    start = i
    while i < n and not text[i].isspace() and text[i] != ">":
        i += 1
    end_name = text[start:i].lower()
    while i < n and text[i].isspace():
        i += 1
    if i >= n or text[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {begin_byte}")
    top = st.stack[-1]
    if end_name != top.name:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {begin_byte}, expected "</{top.name}>", '
            f'found "</{end_name}>"'
        )
    st.stack.pop()
    if top.name == "code" and st.stack and st.stack[-1].name == "pre":
        cls = top.attrs.get("class", "")
        if cls.startswith("language-") and top.start == st.stack[-1].start:
            st.pre_lang[id(st.stack[-1])] = cls[len("language-") :]
            return i + 1
    entity = _entity_for(top, st.offset16, st.pre_lang.get(id(top)))
    if entity is not None:
        st.entities.append(entity)
    return i + 1


def _start_tag(text: str, i: int, begin_byte: int, st: _HtmlState) -> int:
    """Read `<name attrs>` from `i` (after '<'); open the tag. Returns i after '>'."""
    n = len(text)
    start = i
    while i < n and not text[i].isspace() and text[i] != ">":
        i += 1
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {begin_byte}")
    name = text[start:i].lower()
    if name not in ALLOWED_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin_byte}')
    attrs, i = _read_attributes(text, i, name, begin_byte)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {begin_byte}'
        )
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise EntityParseError(
            f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {begin_byte}'
        )
    st.stack.append(_Open(name, attrs, st.offset16, begin_byte))
    return i


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[JSONDict]]:
    """Parse Telegram HTML into (plain text, entities) or raise :class:`EntityParseError`.

    With ``strict_ampersand`` a ``&`` that does not start a valid entity is an error (the Bot
    API docs require escaping it; the real server happens to tolerate it).
    """
    st = _HtmlState()
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                st.add_text(decoded[0])
                i = decoded[1]
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f'Unescaped "&" at byte offset {_byte_offset(text, i)}; use "&amp;"'
                )
        if ch != "<":
            st.add_text(ch)
            i += 1
            continue
        begin_byte = _byte_offset(text, i)
        if i + 1 < n and text[i + 1] == "/":
            i = _end_tag(text, i + 2, begin_byte, st)
        else:
            i = _start_tag(text, i + 1, begin_byte, st)
    if st.stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{st.stack[-1].name}"'
        )
    st.entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(st.out), st.entities


_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}(?!\w)")
_HASHTAG_RE = re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")
_URL_RE = re.compile(r"(?<![\w/])https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]}。，；：！？）]")
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?!\w)"
)


def derive_entities(text: str) -> list[JSONDict]:
    """Entities a Telegram client/server would attach to plain user text.

    Detects bot_command (``/cmd`` and ``/cmd@bot``), mention, hashtag, url and email, with
    UTF-16 offsets. Earlier, longer matches win over overlapping ones.
    """
    found: list[tuple[int, int, str]] = []
    for kind, rx in (
        ("url", _URL_RE),
        ("email", _EMAIL_RE),
        ("bot_command", _COMMAND_RE),
        ("mention", _MENTION_RE),
        ("hashtag", _HASHTAG_RE),
    ):
        for m in rx.finditer(text):
            if any(m.start() < e and s < m.end() for s, e, _ in found):
                continue
            found.append((m.start(), m.end(), kind))
    found.sort()
    return [
        {
            "type": kind,
            "offset": utf16_len(text[:s]),
            "length": utf16_len(text[s:e]),
        }
        for s, e, kind in found
    ]


def entity_for_substring(text: str, substring: str, etype: str) -> JSONDict:
    """Entity dict of type ``etype`` covering the first occurrence of ``substring`` in ``text``."""
    idx = text.find(substring)
    if idx < 0 or not substring:
        raise ValueError(f"{substring!r} does not occur in {text!r}")
    return {
        "type": etype,
        "offset": utf16_len(text[:idx]),
        "length": utf16_len(substring),
    }
