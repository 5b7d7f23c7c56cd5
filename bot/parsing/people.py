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
# 大家 / 所有人 / 各位 always address people; 全体 / 全员 only alone or with a people word
# (全体同事：…), not inside a longer word (全体会议, 全员培训, 全体职工名单: see _ADDRESSED_RE).
_EVERYONE_RE: Final = re.compile(
    r"(?=[大所全各])(?:大家(?![庭电具])|所有人(?:员)?|各位(?:同事|领导|同志|老师)?"
    r"|(?P<all>全体|全员)(?:人员|同志|同事|员工|职工|干部|成员|党员|师生|教职工|工作人员|老师|同学)?)"
    r"|(?<![a-z0-9_])(?=[ea])(?:everyone|everybody|all\s+of\s+you|(?P<staff>all\s+staff))(?![a-z0-9_])"
)
_EVERYONE_PROBE: Final = re.compile(r"大家|所有人|全体|全员|各位|everyone|everybody|all")
# What can follow 全体/全员 (+ people word) when it addresses them: the end, a space or a mark, a
# phrase already taken (a date, a priority word), or a word said to people — a verb or adverb.
# Anything else is a noun the words describe, and they stay in the title.
_ADDRESSED_RE: Final = re.compile(
    r"$|[\x00-\x40\x5b-\x60\x7b-\x7f，。、；：！？“”‘’《》【】（）「」『』…—·]"
    r"|都|请|务必|须|需|要|必须|应|按时|准时|一律|一起|统一|共同|全部|马上|立即|立刻|尽快|不得|不要|别|禁止"
    r"|参加|出席|参会|参与|到(?!期)|集合|注意|留意|关注|学习|签到|打卡|填写|填报|提交|上交|交(?![流通谈易])"
    r"|完成|准备|报名|确认|阅读|查看|知悉|配合|加班|值班|核对|提供|上报|报送|做|开(?![支销])|起立|撤离"
    r"|自查|遵守|执行|落实|回复|接龙|在|于|把|将|去|来|下楼|休息|放假|更新|修改|检查|收到|听|看"
)
_STAFF_NOUN_RE: Final = re.compile(
    r"\s+(?:meetings?|training|party|list|lunch|dinner|email|e-mail|notice|briefing|photo)(?![a-z])"
)
# Where a Chinese name written without a following space must end after all: before a date or
# time word, a digit, a priority or everyone word, or 和/与/及/跟 joining the next @mention
# ("@张三和@李四明天…", "@王五明天交报告").
_NAME_STOP: Final = re.compile(
    r"[0-9]|[和与及跟](?=$|@)|今天|今日|今晚|今早|明天|明日|明早|明晚|后天|大后天|本周|这周|下周"
    r"|周[一二三四五六日天]|星期|礼拜|上午|中午|下午|晚上|早上|凌晨|傍晚|半夜|午夜|零点|每天|每周|每月"
    r"|月底|月中|年底|下班|上班|节前|节后|元旦|春节|国庆|中秋|端午|清明|劳动节"
    r"|提醒|负责|请|帮忙|把|将|在|于|大家|所有人|全体|全员|各位"
    r"|紧急|特急|加急|急件|急|十万火急|火速|马上|立刻|立即|刻不容缓|尽快|抓紧|重要|优先|要紧|赶紧|尽早"
    r"|不急|不着急|不用|别着急|不重要|有空|有时间|空了"
)
# A Chinese clock time inside a name's run: "@张三三点前" names 张三 (a name keeps two characters).
_NAME_CLOCK_RE: Final = re.compile(
    r"(?:[一二两三四五六七八九十]{1,3}|[零〇]|[0-9]{1,2})[点时](?!钟头)"
)


def take_people(
    scan: Scan,
    mentions: Sequence[tuple[int, int, str]],
    ignore_usernames: Collection[str],
) -> tuple[tuple[str, ...], bool]:
    """Cut every mention; return the people named and whether @all / @everyone was one."""
    if not mentions and "@" not in scan.work:
        return (), False
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
            name_start = m.start("name")
            name = scan.original(name_start, m.end("name"))
            stop = _NAME_STOP.search(scan.work, name_start + 1, m.end("name"))
            clock = _NAME_CLOCK_RE.search(scan.work, name_start + 2, m.end("name"))
            cut_at = min((x.start() for x in (stop, clock) if x is not None), default=m.end("name"))
            name = name[: cut_at - name_start]
            start, end = m.start(), cut_at
            scan.cut(start, end)
        people.append((start, name))
    if len(people) > 1:
        for m in _JOINER_RE.finditer(scan.work):
            scan.cut(m.start(), m.end())
    seen: set[str] = set()
    out: list[str] = []
    for _, name in sorted(people, key=lambda p: p[0]):
        key = name.lower()
        if key not in seen:
            seen.add(key)
            out.append(name)
    return tuple(out), everyone


def take_everyone(scan: Scan) -> bool:
    """Cut the everyone words (大家, 全体同事, everyone…); True if the message has one.

    Runs after the date, time and priority passes, so a phrase they took right after 全体/全员
    ("全体明天…") reads as the masked gap it has become.
    """
    work = scan.work
    if _EVERYONE_PROBE.search(work) is None:
        return False
    everyone = False
    for m in _EVERYONE_RE.finditer(work):
        if m.group("all") is not None and _ADDRESSED_RE.match(work, m.end()) is None:
            continue  # 全体会议, 全员培训: part of the title
        if m.group("staff") is not None and _STAFF_NOUN_RE.match(work, m.end()):
            continue  # "all staff meeting"
        everyone = True
        scan.cut(m.start(), m.end())
    return everyone
