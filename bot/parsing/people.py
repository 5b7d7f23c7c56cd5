"""Who a message is for: @mentions, Telegram mention entities and the everyone words."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Final

from bot.parsing.scan import Scan

EVERYONE: Final = "*"
_EVERYONE_NAMES: Final = frozenset({"all", "everyone", "everybody"})

# A username is ASCII letters, digits, underscore; a Chinese name runs to the next space or
# punctuation. Not after a letter or dot, so e-mail addresses are left alone.
_MENTION_RE: Final = re.compile(
    r"@(?<![a-z0-9_.]@)(?:(?P<user>[a-z0-9_]+)"
    r"|(?P<name>[^\x00-\x7f，。、；：！？“”‘’《》【】（）「」『』…—·\s]"
    r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f，。、；：！？“”‘’《》【】（）「」『』…—\s]*))"
)
# 和 / and between two mentions goes with them ("@张三和@李四", "@alice and @bob").
_JOINER_RE: Final = re.compile(r"(?<=\x00)\s*(?:和|与|及|跟|、|,|and|&)\s*(?=\x00)")
_EVERYONE_RE: Final = re.compile(
    r"(?=[大所全各])(?:大家|所有人|全体(?:同事|成员|人员|同志|员工)?|全员|各位(?:同事|领导)?)"
    r"|(?<![a-z0-9_])(?=[ea])(?:everyone|everybody|all\s+of\s+you|all\s+staff)(?![a-z0-9_])"
)
_EVERYONE_PROBE: Final = re.compile(r"大家|所有人|全体|全员|各位|everyone|everybody|all")
# Where a Chinese name written without a following space must end after all: before a date or
# time word, a digit, or 和/与/及/跟 joining the next @mention ("@张三和@李四明天…").
_NAME_STOP: Final = re.compile(
    r"[0-9]|[和与及跟](?=$|@)|今天|今日|今晚|明天|明日|明早|明晚|后天|大后天|本周|这周|下周|周[一二三四五六日天]"
    r"|星期|礼拜|上午|中午|下午|晚上|早上|每天|每周|每月|月底|年底|下班|提醒|负责|请|帮忙|把|将|在|于"
)


def take_people(
    scan: Scan,
    mentions: Sequence[tuple[int, int, str]],
    ignore_usernames: Collection[str],
) -> tuple[str, ...]:
    """Cut every mention and everyone word; return the assignees (("*",) for everyone)."""
    if not mentions and "@" not in scan.work and _EVERYONE_PROBE.search(scan.work) is None:
        return ()
    ignored = {u.lstrip("@").lower() for u in ignore_usernames}
    people: list[tuple[int, str]] = []
    everyone = False
    length = len(scan.text)
    for start, end, raw_name in mentions:
        if not (0 <= start < end <= length):
            continue
        name = raw_name.lstrip("@").strip()
        scan.cut(start, end)
        if not name or name.lower() in ignored:
            continue
        if name.lower() in _EVERYONE_NAMES:
            everyone = True
        else:
            people.append((start, name))
    for m in _MENTION_RE.finditer(scan.work) if "@" in scan.work else ():
        if m.group("user") is not None:
            start, end = m.span()
            name = scan.original(m.start("user"), m.end("user"))
            key = name.lower()
            scan.cut(start, end)
            if key in ignored:
                continue
            if key in _EVERYONE_NAMES:
                everyone = True
                continue
        else:
            name = scan.original(m.start("name"), m.end("name"))
            stop = _NAME_STOP.search(scan.work, m.start("name") + 1, m.end("name"))
            if stop:
                name = name[: stop.start() - m.start("name")]
            start, end = m.start(), m.start("name") + len(name)
            scan.cut(start, end)
        people.append((start, name))
    if len(people) > 1:
        for m in _JOINER_RE.finditer(scan.work):
            scan.cut(m.start(), m.end())
    for m in _EVERYONE_RE.finditer(scan.work) if _EVERYONE_PROBE.search(scan.work) else ():
        everyone = True
        scan.cut(m.start(), m.end())
    if everyone:
        return (EVERYONE,)
    seen: set[str] = set()
    out: list[str] = []
    for _, name in sorted(people, key=lambda p: p[0]):
        key = name.lower()
        if key not in seen:
            seen.add(key)
            out.append(name)
    return tuple(out)
