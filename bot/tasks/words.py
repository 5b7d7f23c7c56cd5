"""What people type that is not a new task (pure): a reply to one of the bot's messages about a
task (收到 / 完成 / 办不了 / a progress note), a private message that is chatter or a question,
the assigner's changes said in words (改派 #3 给王五, 取消 #3, #3 改到周五), and times said in
the past (昨天).

spec/conversations.md "Talking to the bot in reply" settles what each means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_PUNCT = "，,。.!！?？~～、;；:：…-—\"'“”‘’()（）[]【】 \t\n"


def _only(text: str, phrases: tuple[str, ...]) -> bool:
    """The text is made of these phrases (and punctuation) and nothing else."""
    rest = text.lower()
    for phrase in phrases:  # longest first
        rest = rest.replace(phrase, " ")
    return not rest.strip(_PUNCT) and bool(text.strip(_PUNCT))


def _by_length(*phrases: str) -> tuple[str, ...]:
    return tuple(sorted(phrases, key=len, reverse=True))


ACK_PHRASES = _by_length(
    "收到",
    "收到了",
    "好的",
    "好",
    "好滴",
    "好嘞",
    "嗯",
    "嗯嗯",
    "行",
    "可以",
    "没问题",
    "知道了",
    "明白",
    "明白了",
    "了解",
    "马上办",
    "马上",
    "这就办",
    "在办",
    "正在办",
    "立即办理",
    "ok",
    "okay",
    "k",
    "got it",
    "noted",
    "will do",
    "on it",
    "sure",
    "roger",
    "👌",
    "👍",
)
THANKS_PHRASES = _by_length(
    "谢谢", "多谢", "感谢", "谢了", "辛苦了", "辛苦", "thanks", "thank you", "thx", "ty"
)
GREETING_PHRASES = _by_length(
    "你好",
    "您好",
    "在吗",
    "在不在",
    "早",
    "早上好",
    "上午好",
    "下午好",
    "晚上好",
    "hi",
    "hello",
    "hey",
    "good morning",
    "good afternoon",
)
DONE_WORDS = _by_length(
    "已完成",
    "完成了",
    "完成",
    "办好了",
    "办完了",
    "已办好",
    "已办完",
    "已办结",
    "办结",
    "做好了",
    "做完了",
    "搞定了",
    "搞定",
    "弄好了",
    "done",
    "finished",
    "completed",
    "all done",
)
CANNOT_WORDS = _by_length(
    "办不了",
    "做不了",
    "完成不了",
    "办不成",
    "没法办",
    "无法办理",
    "无法完成",
    "can't",
    "cannot",
    "can not",
    "unable",
)


# ----- a reply to one of the bot's messages about a task --------------------------------------
class ReplyKind(StrEnum):
    ACK = "ack"  # 收到 / 好的 / ok
    DONE = "done"  # 完成 / 已完成 / 办好了 / done (+ the rest as the note)
    CANNOT = "cannot"  # 办不了 / 做不了 / can't (+ the rest as the report)
    PROGRESS = "progress"  # anything else: a progress note (汇报)


@dataclass(frozen=True, slots=True)
class ReplyAct:
    kind: ReplyKind
    note: str = ""


def _after(text: str, words: tuple[str, ...]) -> str | None:
    """The rest of the text when it starts with one of `words` (None: it does not)."""
    low = text.lower()
    for word in words:
        if not low.startswith(word):
            continue
        rest = text[len(word) :]
        if word.isascii() and rest[:1].isalnum():
            continue  # "done" is not "doneness"
        return rest.strip(_PUNCT)
    return None


def read_reply(text: str) -> ReplyAct:
    """What a reply about a task means (spec: 收到 → acknowledged, 完成 … → done with the rest
    as the note, 办不了 … → the cannot-do report, anything else → a progress note)."""
    text = text.strip()
    rest = _after(text, DONE_WORDS)
    if rest is not None:
        return ReplyAct(ReplyKind.DONE, rest)
    rest = _after(text, CANNOT_WORDS)
    if rest is not None:
        return ReplyAct(ReplyKind.CANNOT, rest)
    if _only(text, ACK_PHRASES):
        return ReplyAct(ReplyKind.ACK)
    return ReplyAct(ReplyKind.PROGRESS, text)


# ----- a private message that is not a task ---------------------------------------------------
class Said(StrEnum):
    THANKS = "thanks"
    ACK = "ack"
    GREETING = "greeting"
    PHONE = "phone"  # a question about someone's phone: the directory answers it
    QUESTION = "question"
    TASK = "task"


@dataclass(frozen=True, slots=True)
class PrivateText:
    said: Said
    who: str = ""  # for PHONE: the person or unit asked about


_PHONE_ZH = re.compile(
    r"^(?:请问|问一下|查一下|查查)?\s*(?P<who>[^\s，,。？?]{1,20}?)\s*的?\s*"
    r"(?:电话号码|电话|手机号码|手机号|手机|联系方式|座机|号码)\s*"
    r"(?:是)?\s*(?:多少|什么|几号)?\s*(?:啊|呀|呢)?\s*[？?]*$"
)
_PHONE_ZH_FIRST = re.compile(r"^(?:电话|手机|号码)\s*[:：]?\s*(?P<who>\S.{0,19}?)\s*[？?]*$")
_PHONE_EN = re.compile(
    r"^(?:what(?:'s| is)\s+)?(?:the\s+)?(?:phone(?:\s+number)?|number|tel)\s+(?:of|for)\s+"
    r"(?P<who>.{1,40}?)\s*\??$|^(?:what(?:'s| is)\s+)?(?P<who2>.{1,40}?)'s\s+"
    r"(?:phone(?:\s+number)?|number)\s*\??$",
    re.I,
)
# A phone number to call is work (给张伟打电话), not a question about one.
_CALL_WORDS = ("打", "给", "拨", "回", "通知", "告诉", "联系", "问")
_QUESTION_START = (
    "请问",
    "问一下",
    "怎么",
    "怎样",
    "为什么",
    "为啥",
    "什么",
    "谁",
    "哪",
    "是不是",
    "能不能",
    "可不可以",
    "有没有",
    "how ",
    "what ",
    "why ",
    "who ",
    "where ",
    "when ",
    "which ",
    "is ",
    "are ",
    "can ",
    "could ",
    "do ",
    "does ",
)


def _phone_question(text: str) -> str | None:
    for pattern in (_PHONE_ZH, _PHONE_ZH_FIRST):
        m = pattern.match(text)
        if m and not any(w in m.group("who") for w in _CALL_WORDS):
            return m.group("who")
    m = _PHONE_EN.match(text)
    if m:
        return (m.group("who") or m.group("who2") or "").strip()
    return None


def read_private(text: str) -> PrivateText:
    """What a private message is, before it would become a task."""
    text = text.strip()
    if _only(text, (*THANKS_PHRASES, *ACK_PHRASES)) and not _only(text, ACK_PHRASES):
        return PrivateText(Said.THANKS)
    if _only(text, ACK_PHRASES):
        return PrivateText(Said.ACK)
    if _only(text, GREETING_PHRASES):
        return PrivateText(Said.GREETING)
    who = _phone_question(text)
    if who:
        return PrivateText(Said.PHONE, who)
    low = text.lower()
    if low.endswith(("?", "？", "吗", "么", "呢")) or low.startswith(_QUESTION_START):
        return PrivateText(Said.QUESTION)
    return PrivateText(Said.TASK)


# ----- the assigner's changes in words ------------------------------------------------------
class Change(StrEnum):
    REASSIGN = "reassign"  # 改派 #3 给王五
    ADD = "add"  # 加派 #3 王五
    CANCEL = "cancel"  # 取消 #3 [理由]
    DUE = "due"  # #3 改到周五 (by an assignee: a request for more time)
    EXTEND = "extend"  # #3 延期到下周一 / 申请延期 #3 下周一 材料没齐
    RENAME = "rename"  # 改标题 #3 新标题
    PRIORITY = "priority"  # #3 急 / 优先级 #3 不急


@dataclass(frozen=True, slots=True)
class ChangeSaid:
    """A change said in words: which, about which task, and the rest (who, when, why)."""

    change: Change
    number: int
    rest: str


_N = r"#?\s*(?P<n>\d{1,9})"
_CHANGES: tuple[tuple[Change, re.Pattern[str]], ...] = (
    (Change.REASSIGN, re.compile(rf"^(?:改派|转派|改由|改给)\s*{_N}\s*(?:给|由)?\s*(?P<rest>.+)$")),
    (Change.ADD, re.compile(rf"^(?:加派|加上|增派)\s*{_N}\s*(?:给)?\s*(?P<rest>.+)$")),
    (Change.REASSIGN, re.compile(rf"^reassign\s+{_N}\s+(?:to\s+)?(?P<rest>.+)$", re.I)),
    (Change.CANCEL, re.compile(rf"^(?:取消|撤销任务)\s*{_N}\s*[,，。:：]?\s*(?P<rest>.*)$")),
    (Change.CANCEL, re.compile(rf"^cancel\s+{_N}\s*[,:]?\s*(?P<rest>.*)$", re.I)),
    (Change.EXTEND, re.compile(rf"^(?:申请延期|延期)\s*{_N}\s*(?:到|至)?\s*(?P<rest>.+)$")),
    (Change.EXTEND, re.compile(r"^#\s*(?P<n>\d{1,9})\s*(?:申请)?延期(?:到|至)\s*(?P<rest>.+)$")),
    (
        Change.DUE,
        re.compile(
            r"^#\s*(?P<n>\d{1,9})\s*(?:改到|改期到|改期|截止时间改为|截止时间改到|截止改到|"
            r"改为|推到|延到)\s*(?P<rest>.+)$"
        ),
    ),
    (Change.DUE, re.compile(rf"^(?:改期|改截止时间)\s*{_N}\s*(?:到|为)?\s*(?P<rest>.+)$")),
    (Change.DUE, re.compile(r"^#\s*(?P<n>\d{1,9})\s+(?:due|move to)\s+(?P<rest>.+)$", re.I)),
    (Change.RENAME, re.compile(rf"^(?:改标题|标题改为)\s*{_N}\s*[:：]?\s*(?P<rest>.+)$")),
    (Change.RENAME, re.compile(rf"^rename\s+{_N}\s+(?:to\s+)?(?P<rest>.+)$", re.I)),
    (
        Change.PRIORITY,
        re.compile(rf"^(?:优先级|轻重缓急)\s*{_N}\s*(?:改为|改成|设为)?\s*(?P<rest>\S+)$"),
    ),
    (
        Change.PRIORITY,
        re.compile(
            r"^#\s*(?P<n>\d{1,9})\s*(?:改为|改成)?\s*(?P<rest>急|紧急|特急|尽快|重要|一般|不急)$"
        ),
    ),
)


def read_change(text: str) -> ChangeSaid | None:
    """A change to a task said in words (None: the text is something else)."""
    text = text.strip()
    for change, pattern in _CHANGES:
        m = pattern.match(text)
        if m:
            return ChangeSaid(change, int(m.group("n")), m.group("rest").strip())
    return None


# ----- times that have passed ---------------------------------------------------------------
_PAST = re.compile(
    r"昨天|前天|昨晚|昨日|上周|上个?星期|上礼拜|上个?月|去年|刚才|\byesterday\b|\blast\s+"
    r"(?:week|month|year|night|mon|tue|wed|thu|fri|sat|sun)|\bago\b",
    re.I,
)


def names_the_past(text: str) -> bool:
    """The text names a moment already gone (昨天, 上周五, yesterday, 2 hours ago)."""
    return _PAST.search(text) is not None
