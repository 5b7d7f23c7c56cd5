"""Priority words (轻重缓急): one pass, the longest word at a place wins, the most urgent overall."""

from __future__ import annotations

import re
from typing import Final

from bot.parsing.scan import Family, Scan
from bot.tasks.models import PRIORITY_RANK, Priority

PRIORITY_WORDS: Final[dict[Priority, tuple[str, ...]]] = {
    Priority.URGENT: (
        "紧急",
        "特急",
        "加急",
        "急件",
        "急",
        "十万火急",
        "火速",
        "马上",
        "立刻",
        "立即",
        "刻不容缓",
        "urgent",
        "urgently",
        "immediately",
        "right away",
        "right now",
        "critical",
        "asap!",
        "p1",
        "!!!",
    ),
    Priority.HIGH: (
        "尽快",
        "抓紧",
        "重要",
        "优先",
        "要紧",
        "赶紧",
        "高优先级",
        "尽早",
        "asap",
        "as soon as possible",
        "important",
        "high priority",
        "soon",
        "p2",
        "!!",
    ),
    Priority.NORMAL: ("p3", "普通", "一般"),
    Priority.LOW: (
        "不急",
        "不着急",
        "不用急",
        "不紧急",
        "有空",
        "有时间",
        "空了",
        "低优先级",
        "不重要",
        "别急",
        "别着急",
        "不用着急",
        "不必着急",
        "无需着急",
        "不赶",
        "不赶时间",
        "no rush",
        "not urgent",
        "low priority",
        "whenever",
        "when you have time",
        "when you can",
        "p4",
        "not important",
        "no hurry",
        "whenever you can",
        "at your convenience",
    ),
}


def _family() -> Family:
    words = sorted((w for ws in PRIORITY_WORDS.values() for w in ws), key=len, reverse=True)
    zh = [re.escape(w) for w in words if not w[0].isascii() or w[0] == "!"]
    english = [w for w in words if w[0].isascii() and w[0].isalnum()]
    branches = [
        f"(?P<w{i}>{re.escape(w).replace(chr(92) + ' ', chr(92) + 's+')}(?![a-z0-9_]))"
        for i, w in enumerate(english)
    ]
    firsts = "".join(sorted({w[0] for w in words if not w[0].isascii()}))
    return Family(
        zh_first=firsts + "!",
        zh="|".join(zh),
        en="|".join(branches),
        en_first={f"w{i}": w.split()[0] for i, w in enumerate(english)},
        # Each word as written (its longest part, for "as soon as possible"), to skip the
        # pass when the message has none of them.
        needs=[max(w.split(), key=len) for w in words],
    )


_PRIORITIES: Final = _family()
_WORD_PRIORITY: Final = {re.sub(r"\s+", " ", w): p for p, ws in PRIORITY_WORDS.items() for w in ws}


def take_priority(scan: Scan) -> Priority:
    """Cut every priority word; the most urgent one said wins (none said: normal)."""
    best = Priority.NORMAL
    said = False
    for m in _PRIORITIES.finditer(scan):
        word = re.sub(r"\s+", " ", m.group())
        found = _WORD_PRIORITY[word]
        if not said or PRIORITY_RANK[found] < PRIORITY_RANK[best]:
            best = found
            said = True
        scan.cut(m.start(), m.end())
    return best
