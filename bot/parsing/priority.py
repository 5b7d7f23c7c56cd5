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
        "high-priority",
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
        "不要紧",
        "不太急",
        "不是很急",
        "no rush",
        "not urgent",
        "not critical",
        "not that urgent",
        "not very urgent",
        "not too urgent",
        "not so urgent",
        "not that important",
        "not very important",
        "not too important",
        "not so important",
        "not a priority",
        "no need to hurry",
        "no need to rush",
        "not in a hurry",
        "no urgency",
        "nothing urgent",
        "non-urgent",
        "low-priority",
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


# Negations beyond the listed words: 不太着急, 没那么重要, 无需赶时间… are all low.
_NEGATION_ZH: Final = (
    r"(?P<neg>(?:不是特别|不是很|不是太|不怎么|不那么|没那么|没有那么|并不|也不|不太|不算|不大|不很"
    r"|不需要|用不着|没必要|不用|不必|无需|无须|别|不)(?:太|那么|很)?"
    r"(?:着急|紧急|重要|要紧|急|赶(?:时间)?))"
    # A degree word goes with the priority word it grades: 非常紧急 is urgent, 很重要 high.
    r"|(?P<deg>(?:非常|特别|十分|比较|相当|极其|极为|尤其|超级|很|挺|超|太|最)(?P<stem>紧急|重要|要紧|着急|急))"
)
_NEGATION_FIRSTS: Final = "不没并也用无别非特十比相极尤超很挺太最"
# Longer words that hold a priority word but are not one (急诊, 应急预案, 着急的是): matched like
# the priority words, so the longest word at a place wins, and then left in the title.
NEUTRAL_WORDS: Final = (
    "急诊",
    "急救",
    "急性",
    "急躁",
    "急于",
    "急促",
    "急剧",
    "急忙",
    "急转",
    "急流",
    "焦急",
    "心急",
    "性急",
    "危急",
    "告急",
    "应急",
    "救急",
    "情急",
    "着急的",
    "重要的是",
    "紧急的是",
    "要紧的是",
    "重要性",
    "紧迫性",
)
# A priority word that describes the noun after it (重要文件, 紧急通知, urgent meeting) is part of
# the title, not the task's priority.
_DESCRIBING: Final = frozenset(
    {"重要", "紧急", "特急", "加急", "急", "要紧", "优先", "important", "urgent", "critical"}
)
_NOUN_AFTER_ZH: Final = re.compile(
    r"(?:的)?(?:文件|材料|资料|客户|会议|通知|预案|情况|事件|事故|电话|邮件|公文|通报|信息|消息|事项|问题"
    r"|项目|领导|嘉宾|来宾|贵宾|客人|讲话|指示|批示|部署|演练|状态|联系人|出口|疏散|救援|措施|响应|合同|订单"
    r"|数据|报告|文档|公告|快递|包裹|物资|设备|议题|环节|节点|岗位|部门|场合|程序|流程|人物|人士|活动|成果"
    r"|内容|意义|作用|讲座|培训|新闻|指标|工程|决定|精神|批件|来电|来信|会谈|会见|日程|事宜|文章|档案|证件"
    r"|附件|票据|会)"
)
_NOUN_AFTER_EN: Final = re.compile(
    r"\s+(?:documents?|docs?|files?|clients?|customers?|meetings?|notices?|calls?|e-?mails?|messages?"
    r"|issues?|updates?|announcements?|visitors?|guests?|contracts?|reports?|papers?|information|info"
    r"|news|deadlines?|dates?|points?|notes?|care|cases?|items?)(?![a-z])"
)
# An English word counts only standing alone: not inside a serial, a path or a hyphenated word
# (R3-p1-012, v2/p1, re-urgent), which (?<![a-z0-9_]) alone would allow.
_EN_BEFORE: Final = r"(?<![-/.:#\\@])"
_EN_AFTER: Final = r"(?![a-z0-9_]|[-/.:#\\@][a-z0-9])"
_FIRST_WORD_RE: Final = re.compile(r"[a-z0-9]+")
_NEG_STEMS: Final = ("着急", "紧急", "重要", "要紧", "急", "赶")


def _needs_chars(words: list[str]) -> str:
    """A small set of characters every one of `words` contains one of (greedy hitting set),
    avoiding characters common in any message (不 一 上 有 …) wherever a word has another.
    """
    left = set(words)
    chosen: list[str] = []
    while left:
        counts: dict[str, int] = {}
        for word in left:
            rare = set(word) - _COMMON or set(word)
            for ch in rare:
                counts[ch] = counts.get(ch, 0) + 1
        best = max(sorted(counts), key=lambda ch: counts[ch])
        chosen.append(best)
        left = {w for w in left if best not in w}
    return re.escape("".join(sorted(chosen)))


_COMMON: Final = frozenset("不一上了有时要大下中人的是在这个没也很太最别用无需必")


def _family() -> Family:
    words = sorted((w for ws in PRIORITY_WORDS.values() for w in ws), key=len, reverse=True)
    zh = [
        re.escape(w)
        for w in sorted([*words, *NEUTRAL_WORDS], key=len, reverse=True)
        if not w[0].isascii() or w[0] == "!"
    ]
    english = [w for w in words if w[0].isascii() and w[0].isalnum()]
    branches = [
        f"(?P<w{i}>{_EN_BEFORE}{re.escape(w).replace(chr(92) + ' ', chr(92) + 's+')}{_EN_AFTER})"
        for i, w in enumerate(english)
    ]
    firsts = "".join(
        sorted(
            {w[0] for w in [*words, *NEUTRAL_WORDS] if not w[0].isascii()} | set(_NEGATION_FIRSTS)
        )
    )
    first_word = {
        f"w{i}": m.group() for i, w in enumerate(english) if (m := _FIRST_WORD_RE.match(w))
    }
    return Family(
        zh_first=firsts + "!",
        zh=_NEGATION_ZH + "|" + "|".join(zh),
        en="|".join(branches),
        en_first=first_word,
        # Every Chinese phrase holds one of these characters and every English one starts with
        # one of these words: a message with none of them (most) skips the pass.
        needs_chars=_needs_chars(
            [*(w for w in words if not w[0].isascii() or w[0] == "!"), *_NEG_STEMS]
        ),
        needs_words=set(first_word.values()),
    )


_PRIORITIES: Final = _family()
_WORD_PRIORITY: Final = {re.sub(r"\s+", " ", w): p for p, ws in PRIORITY_WORDS.items() for w in ws}
_LOW: Final = Priority.LOW


def take_priority(scan: Scan) -> Priority:
    """Cut every priority word; the most urgent one said wins (none said: normal)."""
    best = Priority.NORMAL
    said = False
    work = scan.work
    for m in _PRIORITIES.finditer(scan):
        name = m.lastgroup
        if name == "neg":
            found = _LOW
        else:
            word = m.group("stem") if name == "deg" else re.sub(r"\s+", " ", m.group())
            if word == "着急":
                word = "急"
            found_or_none = _WORD_PRIORITY.get(word)
            if found_or_none is None:
                continue  # 急诊, 应急: a longer word, part of the title
            found = found_or_none
            if word in _DESCRIBING and (
                _NOUN_AFTER_EN.match(work, m.end())
                if word.isascii()
                else _NOUN_AFTER_ZH.match(work, m.end())
            ):
                continue  # 重要文件, 紧急通知, urgent meeting: the title's words
        if not said or PRIORITY_RANK[found] < PRIORITY_RANK[best]:
            best = found
            said = True
        scan.cut(m.start(), m.end())
    return best
