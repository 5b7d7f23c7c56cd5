"""Dates, times of day and durations (spec/parsing.md "Dates" and "Times of day").

Two passes over the scan: date phrases (and durations) first, then times of day. Each keeps the
first phrase it finds; `resolve` turns what was kept into one aware moment.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from bot.core.config import Settings
from bot.core.workdays import HOLIDAYS, HolidayUnknownError, WorkCalendar
from bot.parsing.errors import ParseError, PastMomentError
from bot.parsing.numbers import EN_NUM, EN_NUM_WORDS, NUM, SMALL, to_int
from bot.parsing.scan import Family, Scan
from bot.tasks.models import Kind

_E: Final = r"(?![a-z0-9_])"  # ASCII word end

_WD_ZH = "一二三四五六日天1234567"
_WD_VALUE = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
EN_DAYS = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun"
)
_EN_DAY_VALUE = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
_EN_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_ORD = r"(?:st|nd|rd|th)"
_EN_DAY_FIRST = EN_DAYS.replace("|", " ") + " this coming next"
_EN_MONTH_FIRST = _EN_MONTHS.replace("|", " ")
_DAYS_IN_MONTH_LEAP = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def en_weekday(word: str) -> int:
    """monday/mon/tues… → 0…6."""
    return _EN_DAY_VALUE[word[:3]]


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def en_month(word: str) -> int:
    return _MONTHS.index(word[:3]) + 1


def zh_weekday(ch: str) -> int:
    return _WD_VALUE[ch]


# --- the date pass --------------------------------------------------------------------------

_DATE_ZH: Final = (
    # durations first: at one start position they beat a bare "N日"
    rf"(?P<zh_hours>(?:(?P<zh_hn>[0-9]+\.[0-9]+|{NUM})(?:个)?(?P<zh_hhalf>半)?|(?P<zh_honly>半))"
    r"(?:个)?(?:小时|钟头)(?P<zh_hdir>以后|之后|后|之内|以内|内))"
    rf"|(?P<zh_mins>(?P<zh_mn>{NUM})(?:分钟|分)(?P<zh_mdir>以后|之后|后|之内|以内|内)|一刻钟(?:以后|之后|后))"
    # "3个月后" is a span of months; "12月内" (no 个) is the month of December (zh_mon).
    rf"|(?P<zh_ndays>(?P<zh_dn>{NUM})(?:(?:个)?(?P<zh_du>工作日|天|日|周|星期|礼拜)|个(?P<zh_dmo>月))"
    r"(?P<zh_ddir>以后|之后|后|之内|以内|内))"
    rf"|(?P<zh_ymd>(?P<zh_y>[0-9]{{4}}|[零〇一二三四五六七八九]{{4}})年(?P<zh_y_m>{SMALL})月"
    rf"(?P<zh_y_d>{SMALL})[日号])"
    rf"|(?P<zh_md>(?P<zh_yr>今年|明年|后年)?(?<![0-9])(?P<zh_m>{SMALL})月(?P<zh_d>{SMALL})"
    r"(?:[日号]|(?=之前|以前|前|[\s,.;:!?。、\x00]|$)))"
    rf"|(?P<zh_mmend>(?P<zh_mme_m>{SMALL})月份?(?:的)?(?:月底|月末|底|末))"
    rf"|(?P<zh_xun>(?:(?P<zh_xun_m>{SMALL})月份?|(?P<zh_xun_rel>本月|这个月|这月|下一?个?月))(?:的)?"
    r"(?P<zh_xun_w>上旬|中旬|下旬|中(?![心间国文午部层]))"
    r"|(?<![个几每0-9一二三四五六七八九十])(?P<zh_xun_w2>上旬|中旬|下旬|月中))"
    rf"|(?P<zh_mon>(?P<zh_mon_m>{SMALL})月(?:份(?:之内|以内|内)?|之内|以内|内))"
    rf"|(?P<zh_nmd>下个?月(?:的)?(?P<zh_nmd_d>{SMALL})[号日])"
    r"|(?P<zh_nmend>下个?月(?:的)?(?:月底|月末|底|末))"
    r"|(?P<zh_mend>(?:本|这个?)?月[底末])"
    r"|(?P<zh_yend>(?P<zh_ye>今|明)?年(?:年)?[底末])"
    rf"|(?P<zh_wd>(?P<zh_wpre>本|这个|这|下一个|下个|下)?(?:周|星期|礼拜)(?P<zh_wdc>[{_WD_ZH}]))"
    r"|(?P<zh_week>(?P<zh_wkpre>本|这个|这|下一个|下个|下)(?:周|星期|礼拜)(?:之内|以内|内)?)"
    r"|(?P<zh_nwd>下一?个?工作日)"
    r"|(?P<zh_rel>大后天|后天|明天|明日|明儿|明早|明晚|今天|今日|今儿|今早|今晚|今夜|当天)"
    rf"|(?P<zh_dom>(?<![0-9月第])(?P<zh_dom_d>{SMALL})[号日]"
    r"(?!楼|房|室|厅|馆|线|门|窗|柜|桌|位|机|车|栋|座|层|台|文|件|表|会议室|院|街|路|码|子|元))"
)
_DATE_EN: Final = (
    rf"(?P<en_dat>the\s+day\s+after\s+tomorrow{_E})"
    rf"|(?P<en_rel>(?:today|tonight|tomorrow|tmrw|tmr|tmw){_E})"
    rf"|(?P<en_nmd>next\s+month\s+on\s+the\s+(?P<en_nmd_d>[0-9]{{1,2}}){_ORD}?{_E})"
    rf"|(?P<en_th>the\s+(?P<en_th_d>[0-9]{{1,2}}){_ORD}(?P<en_th_nm>\s+(?:of\s+)?next\s+month)?{_E})"
    rf"|(?P<en_eonm>(?:the\s+)?end\s+of\s+next\s+month{_E})"
    rf"|(?P<en_eom>(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|eom|month[- ]end){_E})"
    rf"|(?P<en_eoy>(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?year|eoy|year[- ]end){_E})"
    rf"|(?P<en_eonw>(?:the\s+)?end\s+of\s+next\s+week{_E})"
    rf"|(?P<en_wd>(?:(?P<en_wpre>this\s+coming|this|next|coming)\s+)?(?P<en_wdn>{EN_DAYS}){_E})"
    rf"|(?P<en_week>(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week|eow|this\s+week|(?P<en_nw>next\s+week)){_E})"
    rf"|(?P<en_md>(?P<en_md_m>{_EN_MONTHS})\.?\s*(?P<en_md_d>[0-9]{{1,2}}){_ORD}?{_E}"
    rf"(?:,?\s*(?P<en_md_y>[0-9]{{4}}){_E})?)"
    rf"|(?P<en_dm>(?P<en_dm_d>[0-9]{{1,2}}){_ORD}?\s*(?:of\s+)?(?P<en_dm_m>{_EN_MONTHS}){_E}"
    rf"(?:,?\s*(?P<en_dm_y>[0-9]{{4}}){_E})?)"
    rf"|(?P<en_in>(?P<en_in_w>in|within)\s+(?P<en_in_n>[0-9]+\.[0-9]+|{EN_NUM}|half\s+an?|a\s+couple\s+of)"
    r"\s*(?P<en_in_u>business\s+days?|working\s+days?|work\s+days?|days?|weeks?|months?|"
    r"hours?|hrs?|h|minutes?|mins?|m|d)(?P<en_in_half>\s+and\s+a\s+half)?(?![a-z0-9_]))"
    rf"|(?P<en_later>(?P<en_la_n>[0-9]+\.[0-9]+|{EN_NUM}|a\s+couple\s+of)\s*"
    r"(?P<en_la_u>days?|weeks?|months?|hours?|hrs?|minutes?|mins?)\s+(?:from\s+now|later)(?![a-z0-9_]))"
    rf"|(?P<en_nwd>next\s+(?:working|business|work)\s*day{_E})"
    rf"|(?P<en_mon>(?P<en_mon_p>mid|early|late|(?:the\s+)?end\s+of)[-\s]+(?P<en_mon_m>{_EN_MONTHS}){_E})"
    rf"|(?P<en_midm>mid[-\s]?month{_E})"
    r"|(?P<iso>(?<![0-9])(?P<iso_y>[0-9]{4})[-/](?P<iso_m>[0-9]{1,2})[-/](?P<iso_d>[0-9]{1,2})(?![0-9]))"
    r"|(?P<slash>(?<![0-9/.])(?P<sl_m>[0-9]{1,2})/(?P<sl_d>[0-9]{1,2})(?![0-9/]))"
)
_DATES: Final = Family(
    zh_first="0-9零〇一二两三四五六七八九十百半今明后大当下本这周星礼月年上中",
    zh=_DATE_ZH,
    en=_DATE_EN,
    en_first={
        "en_dat": "the",
        "en_rel": "today tonight tomorrow tmrw tmr tmw",
        "en_nmd": "next",
        "en_th": "the",
        "en_eonm": "the end",
        "en_eom": "the end eom month",
        "en_eoy": "the end eoy year",
        "en_eonw": "the end",
        "en_wd": _EN_DAY_FIRST,
        "en_week": "the end eow this next",
        "en_md": _EN_MONTH_FIRST,
        "en_dm": "#",
        "en_in": "in within",
        "en_later": "# " + " ".join(EN_NUM_WORDS),
        "en_nwd": "next",
        "en_mon": "mid early late end the",
        "en_midm": "mid midmonth",
        "iso": "#",
        "slash": "#",
    },
)

# --- public holidays ------------------------------------------------------------------------
# 国庆前, 春节后第一个工作日, 节前, before National Day: the last work day before a holiday's
# days off, or the first one after them (bot.workdays.WorkCalendar.holiday_edges). 年前/年后 and
# 过年 are the Spring Festival; 十一 and 五一 only right before a direction (十一前, 五一后).
_ZH_NUM_BEFORE = "0-9零〇一二两三四五六七八九十百千第月"
_HOLIDAY_ZH: Final = (
    r"(?P<hol>(?P<hol_name>元旦(?:节)?|春节|过年|过节|收假"
    r"|(?<![0-9零〇一二两三四五六七八九十百千几多今明去前后每当上下本全半周学新老青中晚往近同成数跨历翌次])年"
    rf"|清明(?:节)?|(?<![{_ZH_NUM_BEFORE}])五一(?:劳动节|节)?|劳动节|端午(?:节)?|中秋(?:节)?|国庆(?:节)?"
    rf"|(?<![{_ZH_NUM_BEFORE}])十一|(?<![环章季关细情调拍枝竹音礼时小])节)"
    r"(?:小长假|长假|假期|黄金周|放假|收假|假)?"
    r"(?:(?P<hol_before>之前|以前|前)|(?P<hol_after>(?:之后|以后|后)(?:的)?(?:第一个工作日|第一个上班日|首个工作日"
    r"|第一天上班|上班第一天|第一天|首日)?|(?:的)?第一个工作日)))"
)
_HOLIDAY_EN: Final = (
    r"(?<![a-z0-9_])(?P<hol_en>(?:(?P<hen_after>after|the\s+first\s+(?:working|work|business)\s+day\s+after)"
    r"|before|by|until|till|ahead\s+of|prior\s+to)\s+(?:the\s+)?"
    r"(?P<hen_name>chinese\s+new\s+year|lunar\s+new\s+year|spring\s+festival|new\s+year'?s?(?:\s+day)?"
    r"|national\s+day|golden\s+week|mid-?autumn(?:\s+festival)?|moon\s+festival|dragon\s+boat(?:\s+festival)?"
    r"|qingming(?:\s+festival)?|tomb[-\s]sweeping(?:\s+day|\s+festival)?|may\s+day|labou?r\s+day|holidays?)"
    r"(?:\s+(?:holidays?|break|festival))?(?![a-z0-9_]))"
)
_HOLIDAY_RE: Final = re.compile(f"{_HOLIDAY_ZH}|{_HOLIDAY_EN}")
_HOLIDAY_PROBE: Final = re.compile(
    r"元旦|春节|过[年节]|收假|年[前后之以]|清明|五一|劳动节|端午|中秋|国庆|十一|节[前后之以]"
)
# Every English holiday phrase has one of these words.
_HOLIDAY_WORDS: Final = frozenset(
    {"year", "festival", "national", "golden", "autumn", "dragon", "qingming", "tomb", "may"}
    | {"labour", "labor", "holiday", "holidays"}
)
_NEW_YEAR, _SPRING, _TOMB, _LABOUR, _DRAGON, _MID_AUTUMN, _NATIONAL = HOLIDAYS
_HOLIDAY_NAMES: Final[dict[str, str | None]] = {
    "元旦": _NEW_YEAR,
    "春节": _SPRING,
    "过年": _SPRING,
    "年": _SPRING,
    "清明": _TOMB,
    "五一": _LABOUR,
    "劳动": _LABOUR,
    "端午": _DRAGON,
    "中秋": _MID_AUTUMN,
    "国庆": _NATIONAL,
    "十一": _NATIONAL,
    "chinese": _SPRING,
    "lunar": _SPRING,
    "spring": _SPRING,
    "new": _NEW_YEAR,
    "national": _NATIONAL,
    "golden": _NATIONAL,
    "mid": _MID_AUTUMN,
    "moon": _MID_AUTUMN,
    "dragon": _DRAGON,
    "qingming": _TOMB,
    "tomb": _TOMB,
    "may": _LABOUR,
    "labour": _LABOUR,
    "labor": _LABOUR,
}


def _holiday_token(scan: Scan, m: re.Match[str]) -> DateSpec:
    text = scan.original(m.start(), m.end()).strip()
    if m.group("hol") is not None:
        raw = m.group("hol_name")
        name = _HOLIDAY_NAMES.get(raw[:2], _HOLIDAY_NAMES.get(raw[:1]))
        if raw in ("过节", "收假", "节"):
            name = None
        after = m.group("hol_after") is not None
    else:
        word = m.group("hen_name").split()[0].split("-")[0]
        name = None if word.startswith("holiday") else _HOLIDAY_NAMES[word]
        after = m.group("hen_after") is not None
    return DateSpec("holiday", 1 if after else 0, text=text, holiday=name)


def _holiday_edge(spec: DateSpec, cal: WorkCalendar, on_or_after: date) -> date:
    """The first holiday edge (see _HOLIDAY_ZH) on or after `on_or_after`."""
    try:
        return cal.holiday_edge(spec.holiday, after=spec.a == 1, on_or_after=on_or_after)
    except HolidayUnknownError as exc:
        if not cal.use_cn:
            raise ParseError("parsing.holiday_off", holiday=spec.text) from None
        raise ParseError("parsing.holiday_unknown", holiday=spec.text, year=exc.year) from None


# --- the time-of-day pass --------------------------------------------------------------------

_ZH_MIN = r"(?:[0-9]{1,2}分?|零[一二三四五六七八九]分?|[一二三四五]?十[一二三四五六七八九]?分?|[一二三四五六七八九]分)"
_AP = r"(?P<ap>a\.?m\.?|p\.?m\.?)(?![a-z])"
_TIME_ZH: Final = (
    r"(?P<eod>下班(?:之前|以前|前))"
    r"|(?P<sod>上班(?:之前|以前|前))"
    rf"|(?P<zclock>(?<![0-9.第])(?P<zh_h>{SMALL})[点时](?:(?P<zh_half>半)|(?P<zh_q1>一刻)|(?P<zh_q3>三刻)"
    rf"|(?P<zh_min>{_ZH_MIN})|整)?钟?"
    r"(?!建议|意见|要求|内容|看法|想法|注意|说明|原因|问题|事项|理由|措施|体会|儿|点))"
    rf"|(?P<pod>上午|早上|早晨|清晨|中午|正午|下午|傍晚|晚上|夜里|夜间|夜晚|凌晨|半夜|深夜|午夜"
    rf"|早(?=\s*{SMALL}[点时:])|晚(?=\s*{SMALL}[点时:]))"
)
_TIME_EN: Final = (
    r"(?P<eod_en>(?:(?:the\s+)?end\s+of\s+(?:the\s+)?(?:business\s+|work\s+)?day"
    rf"|eod|cob|close\s+of\s+business|end\s+of\s+business){_E})"
    rf"|(?P<hm>(?<![0-9:.])(?P<hm_h>[0-9]{{1,2}}):(?P<hm_m>[0-9]{{2}})(?![0-9])(?:\s*{_AP})?)"
    rf"|(?P<hap>(?<![0-9:.])(?P<hap_h>[0-9]{{1,2}})(?:\.(?P<hap_m>[0-9]{{2}}))?\s*"
    r"(?P<ap2>a\.?m\.?|p\.?m\.?)(?![a-z]))"
    r"|(?P<oclock>(?P<oc_h>[0-9]{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"\s*o'?clock(?![a-z]))"
    r"|(?P<athour>(?:at\s+(?P<at_h>[0-9]{1,2})(?![0-9])"
    r"(?!\s*(?:[%:/]|\.[0-9]|(?:[ap]\.?m|o'?clock|st|nd|rd|th|x)(?![a-z])))"
    r"|(?:by|before|until|till|around)\s+(?P<by_h>[0-9]{1,2})"
    r"(?=\s*$|\s*[,.;!?)\x00]|\s+(?:today|tomorrow|tonight|on|this|next|in|and|or|please|pls|sharp|"
    r"the|for|every|each|to)(?![a-z0-9_]))))"
    rf"|(?P<pod_en>(?:(?:in\s+the|this)\s+)?(?:morning|afternoon|evening){_E}"
    rf"|(?:at\s+)?(?:noon|midday|midnight|night){_E})"
)
_TIMES: Final = Family(
    zh_first="0-9零〇一二两三四五六七八九十上下早晚中正傍夜凌清半深午",
    zh=_TIME_ZH,
    en=_TIME_EN,
    en_first={
        "eod_en": "the end eod cob close",
        "hm": "#",
        "hap": "#",
        "oclock": "# one two three four five six seven eight nine ten eleven twelve",
        "athour": "at by before until till around",
        "pod_en": "in this morning afternoon evening at noon midday midnight night",
    },
)

_RANGE_END_RE: Final = re.compile(
    rf"\s*(?:到|至|-|~|–|—|to|until|till)\s*(?:上午|中午|下午|晚上)?\s*"
    rf"(?:{SMALL}[点时](?:半|一刻|三刻|{_ZH_MIN})?|[0-9]{{1,2}}:[0-9]{{2}}(?:\s*[ap]\.?m\.?)?"
    r"|[0-9]{1,2}\s*[ap]\.?m\.?)(?![a-z0-9])"
)

_POD_WORDS = {
    "上午": "morning",
    "早上": "morning",
    "早晨": "morning",
    "清晨": "morning",
    "早": "morning",
    "中午": "noon",
    "正午": "noon",
    "下午": "afternoon",
    "傍晚": "evening",
    "晚上": "evening",
    "夜晚": "evening",
    "晚": "evening",
    "夜里": "night",
    "夜间": "night",
    "半夜": "night",
    "深夜": "night",
    "凌晨": "dawn",
    "午夜": "midnight",
    "midnight": "midnight",
    "morning": "morning",
    "afternoon": "afternoon",
    "evening": "evening",
    "noon": "noon",
    "midday": "noon",
    "night": "evening",
}
# Parts of the day that only qualify a clock time; alone they are not a moment.
_POD_NEEDS_CLOCK = frozenset({"dawn", "night"})

# Deadline words and prepositions around a date or time: they leave the title with it.
_LEFT_EXT: Final = re.compile(
    r"(?:(?:截止到|截止于|截止|截至到|截至|最晚|最迟|不晚于|不迟于|务必于|务必在|于|在|从|自)\s*"
    r"|(?<![a-z0-9_])(?:(?:by|before|no\s+later\s+than|not\s+later\s+than|due(?:\s+(?:by|on|at))?"
    r"|until|till|on|at|for|from|starting|around|about)\s+)+)$"
)
_LEFT_LAST: Final = frozenset(" \t\n\r到止于至晚迟在从自")
_LEFT_TO: Final = re.compile(r"(?:要到|到)\s*$")
_RIGHT_EXT: Final = re.compile(
    r"\s*(?:(?P<dl>之前|以前|前(?!往|进|台|面|辈|后|夕|任|者|天|几|期|方|排|提(?!交|供|出|报|醒|请|名|前))|为止|截止)(?:的)?"
    r"|之内|以内|左右|前后|开始|起(?![来床草])|的(?!确)"
    r"|\s(?:at\s+the\s+latest|sharp)(?![a-z0-9_]))"
)


@dataclass(slots=True)
class DateSpec:
    """A date phrase, before it is placed against today.

    Treated as immutable, but not `frozen`: a frozen dataclass sets each field through
    object.__setattr__, which made building one (once per dated message) cost 1 µs.
    """

    kind: str
    a: int = 0
    b: int = 0
    c: int = 0
    text: str = ""
    part: str | None = None  # 明早 / 明晚 / tonight carry a part of the day
    holiday: str | None = None  # kind "holiday": chinese_calendar's name; None for any holiday


@dataclass(slots=True)
class Found:
    """What the date and time passes kept."""

    date: DateSpec | None = None
    delta: timedelta | None = None
    hour: int | None = None
    minute: int = 0
    ap: str | None = None  # 'am' / 'pm' written with the clock
    fixed: bool = False  # "03:30": the hour is as written
    pod: str | None = None
    edge: str | None = None  # 'end' (下班前, EOD) or 'start' (上班前)
    midnight: bool = False  # 晚上12点, 零点, midnight: 00:00 that ends the day named

    @property
    def anything(self) -> bool:
        return (
            self.date is not None
            or self.delta is not None
            or self.hour is not None
            or self.pod is not None
            or self.edge is not None
        )


def extend(scan: Scan, start: int, end: int) -> tuple[int, int]:
    """Widen a phrase over its deadline words and prepositions (截止…前, by …, at …)."""
    work = scan.work
    right = _RIGHT_EXT.match(work, end)
    deadline = False
    if right:
        end = right.end()
        deadline = right.group("dl") is not None
    lo = max(0, start - 24)
    # Most phrases have no deadline word before them: look only when the character before
    # could end one (a space before an English word, or 到 止 于 至 晚 迟 在).
    before = work[start - 1] if start else ""
    left = _LEFT_EXT.search(work, lo, start) if before in _LEFT_LAST else None
    if left:
        start = left.start()
    elif deadline:
        to = _LEFT_TO.search(work, lo, start) if before in _LEFT_LAST else None
        if to:
            start = to.start()
    return start, end


def _valid_md(month: int | None, day: int | None) -> bool:
    return (
        month is not None
        and day is not None
        and 1 <= month <= 12
        and 1 <= day <= _DAYS_IN_MONTH_LEAP[month - 1]
    )


def _bad_date(text: str) -> ParseError:
    return ParseError("parsing.bad_date", date=text)


def _hours_delta(n: float, half: bool) -> timedelta | None:
    minutes = round((n + (0.5 if half else 0)) * 60)
    return timedelta(minutes=minutes) if minutes > 0 else None


def _en_amount(raw: str) -> float | None:
    raw = raw.strip()
    if raw.startswith("half"):
        return 0.5
    if raw.startswith("a couple"):
        return 2
    if "." in raw:
        return float(raw)
    value = to_int(raw)
    return None if value is None else float(value)


def _unit_result(n: float, unit: str, text: str) -> DateSpec | timedelta | None:
    """A relative phrase: hours and minutes are a moment, days and longer a date."""
    if unit.startswith(("h", "小", "钟")):
        return _hours_delta(n, False)
    if unit.startswith(("m", "分")) and not unit.startswith(("mo", "月")):
        minutes = round(n)
        return timedelta(minutes=minutes) if minutes > 0 else None
    whole = round(n)
    if whole != n or whole < 0:
        return None
    if unit.startswith(("business", "working", "work", "工作")):
        return DateSpec("in_workdays", whole, text=text) if whole > 0 else None
    if unit.startswith(("w", "周", "星", "礼")):
        return DateSpec("in_days", 7 * whole, text=text)
    if unit.startswith(("mo", "月")):
        return DateSpec("in_months", whole, text=text)
    return DateSpec("in_days", whole, text=text)


_YEAR_OFFSET: Final = {"今年": 0, "明年": 1, "后年": 2}
# 上旬 / 中旬 / 下旬 / 月中 / M月中: the day of the month they end on (-1: the last).
_XUN_DAY: Final = {"上旬": 10, "中旬": 20, "下旬": -1, "月中": 15, "中": 15}
_THIS_MONTH: Final = 0  # DateSpec("month_day") month codes besides 1–12
_NEXT_MONTH: Final = 13
_REL_DAYS: Final = {"大": 3, "后": 2, "明": 1}
_REL_PART: Final = {"早": "morning", "晚": "evening", "夜": "evening"}


# One reader per date-pass phrase (a named branch of _DATE_ZH / _DATE_EN). Which phrase a
# match is, is settled by the order of the branches in the pattern; the readers below only say
# what the phrase that won means. They come in three tables, each in the patterns' order:
# phrases that are always a span of time (no date, so no phrase text), phrases that always
# name the same date, and phrases read from their words.
_DateReader = Callable[[re.Match[str], str], DateSpec | timedelta | None]


def _zh_hours(m: re.Match[str]) -> timedelta | None:
    """半小时, 2个半小时, 1.5小时后."""
    if m.group("zh_honly"):
        return _hours_delta(0.5, False)
    raw = m.group("zh_hn")
    n = float(raw) if "." in raw else to_int(raw)
    return None if n is None else _hours_delta(float(n), bool(m.group("zh_hhalf")))


def _zh_minutes(m: re.Match[str]) -> timedelta | None:
    """30分钟后, 一刻钟后."""
    if m.group("zh_mn") is None:
        return timedelta(minutes=15)
    n = to_int(m.group("zh_mn"))
    return timedelta(minutes=n) if n else None


def _zh_days_later(m: re.Match[str], text: str) -> DateSpec | timedelta | None:
    """3天后, 5个工作日内, 2周后, 3个月后."""
    n = to_int(m.group("zh_dn"))
    return None if n is None else _unit_result(n, m.group("zh_du") or m.group("zh_dmo"), text)


def _zh_year_month_day(m: re.Match[str], text: str) -> DateSpec:
    """2026年12月5日."""
    y, mo, d = to_int(m.group("zh_y")), to_int(m.group("zh_y_m")), to_int(m.group("zh_y_d"))
    if y is None or not _valid_md(mo, d) or mo is None or d is None:
        raise _bad_date(text)
    try:
        date(y, mo, d)
    except ValueError:
        raise _bad_date(text) from None
    return DateSpec("ymd", y, mo, d, text=text)


def _zh_month_day(m: re.Match[str], text: str) -> DateSpec:
    """12月5日, 明年3月1号."""
    mo, d = to_int(m.group("zh_m")), to_int(m.group("zh_d"))
    if mo is None or d is None or not (1 <= mo <= 12 and 1 <= d <= 31):
        # "13月5日" is a date gone wrong; say so rather than guess.
        raise _bad_date(text)
    if not _valid_md(mo, d):
        raise _bad_date(text)
    year_word = m.group("zh_yr")
    if year_word is not None:
        # 今年/明年/后年 fix the year: no rolling forward.
        return DateSpec("md_fixed", mo, d, _YEAR_OFFSET[year_word], text=text)
    return DateSpec("md", mo, d, 0, text=text)


def _zh_month_last_day(m: re.Match[str], text: str) -> DateSpec | None:
    """12月底 (zh_mmend), 12月内 / 12月份 (zh_mon): the last day of that month."""
    mo = to_int(m.group("zh_mme_m") or m.group("zh_mon_m"))
    if mo is None or not 1 <= mo <= 12:
        return None
    return DateSpec("month_day", mo, -1, 1, text=text)


def _zh_xun(m: re.Match[str], text: str) -> DateSpec | None:
    """12月上旬, 下个月中旬, 本月下旬, 月中."""
    day = _XUN_DAY[m.group("zh_xun_w") or m.group("zh_xun_w2")]
    raw_month = m.group("zh_xun_m")
    if raw_month is not None:
        mo = to_int(raw_month)
        if mo is None or not 1 <= mo <= 12:
            return None
        return DateSpec("month_day", mo, day, 1, text=text)
    rel = m.group("zh_xun_rel")
    if rel is not None and rel.startswith("下"):
        return DateSpec("month_day", _NEXT_MONTH, day, 0, text=text)
    # 上旬 alone rolls on to next month's once past; 本月上旬 does not.
    return DateSpec("month_day", _THIS_MONTH, day, 0 if rel else 1, text=text)


def _zh_next_month_day(m: re.Match[str], text: str) -> DateSpec:
    """下个月5号."""
    d = to_int(m.group("zh_nmd_d"))
    if d is None or not 1 <= d <= 31:
        raise _bad_date(text)
    return DateSpec("next_dom", d, text=text)


def _zh_year_end(m: re.Match[str], text: str) -> DateSpec:
    """年底, 今年年底, 明年底."""
    return DateSpec("year_end", 1 if m.group("zh_ye") == "明" else 0, text=text)


def _zh_weekday(m: re.Match[str], text: str) -> DateSpec:
    """周五, 本周三, 下星期一."""
    pre = m.group("zh_wpre") or ""
    kind = "next_wd" if pre.startswith("下") else "this_wd" if pre else "wd"
    return DateSpec(kind, zh_weekday(m.group("zh_wdc")), text=text)


def _zh_week(m: re.Match[str], text: str) -> DateSpec:
    """本周, 下周内."""
    kind = "next_week" if m.group("zh_wkpre").startswith("下") else "this_week"
    return DateSpec(kind, text=text)


def _zh_relative_day(m: re.Match[str], text: str) -> DateSpec:
    """今天, 明天, 后天, 大后天; 明早 / 今晚 also name a part of the day."""
    word = m.group("zh_rel")
    return DateSpec("rel", _REL_DAYS.get(word[0], 0), text=text, part=_REL_PART.get(word[1]))


def _zh_day_of_month(m: re.Match[str], text: str) -> DateSpec | None:
    """5号, 20日."""
    d = to_int(m.group("zh_dom_d"))
    if d is None or not 1 <= d <= 31:
        return None
    return DateSpec("dom", d, text=text)


def _en_relative_day(m: re.Match[str], text: str) -> DateSpec:
    """today, tonight, tomorrow, tmr."""
    word = m.group("en_rel")
    if word == "tonight":
        return DateSpec("rel", 0, text=text, part="evening")
    return DateSpec("rel", 0 if word == "today" else 1, text=text)


def _en_next_month_day(m: re.Match[str], text: str) -> DateSpec:
    """next month on the 5th."""
    d = int(m.group("en_nmd_d"))
    if not 1 <= d <= 31:
        raise _bad_date(text)
    return DateSpec("next_dom", d, text=text)


def _en_the_day(m: re.Match[str], text: str) -> DateSpec | None:
    """the 5th, the 5th of next month."""
    d = int(m.group("en_th_d"))
    if not 1 <= d <= 31:
        return None
    return DateSpec("next_dom" if m.group("en_th_nm") else "dom", d, text=text)


def _en_weekday_meant(scan: Scan, m: re.Match[str]) -> bool:
    """Whether an en_wd match names a day: "sat" and "sun" are words too.

    A bare one is a day after on/by/before/until…, written with a capital (Sun, SAT), or right
    before a time of day ("sun 3pm").
    """
    if m.group("en_wdn") not in ("sat", "sun") or m.group("en_wpre"):
        return True
    before = scan.work[max(0, m.start() - 8) : m.start()]
    return bool(
        _SAT_SUN_BEFORE_RE.search(before)
        or scan.text[m.start()].isupper()
        or _SAT_SUN_TIME_RE.match(scan.work, m.end())
    )


def _en_weekday(m: re.Match[str], text: str) -> DateSpec:
    """friday, this friday, next fri, coming monday."""
    pre = (m.group("en_wpre") or "").split()
    kind = "next_wd" if pre[:1] == ["next"] else "this_wd" if pre[:1] == ["this"] else "wd"
    return DateSpec(kind, en_weekday(m.group("en_wdn")), text=text)


def _en_week(m: re.Match[str], text: str) -> DateSpec:
    """this week, end of the week, EOW, next week."""
    return DateSpec("next_week" if m.group("en_nw") else "this_week", text=text)


def _en_month_and_day(m: re.Match[str], text: str) -> DateSpec:
    """Dec 5, Dec 5th 2026 (en_md); 5 December, the 5th of Dec, 2026 (en_dm)."""
    order = "md" if m.lastgroup == "en_md" else "dm"
    mo = en_month(m.group(f"en_{order}_m"))
    d = int(m.group(f"en_{order}_d"))
    year = m.group(f"en_{order}_y")
    if not _valid_md(mo, d):
        raise _bad_date(text)
    if year:
        try:
            date(int(year), mo, d)
        except ValueError:
            raise _bad_date(text) from None
        return DateSpec("ymd", int(year), mo, d, text=text)
    return DateSpec("md", mo, d, 0, text=text)


def _en_within(m: re.Match[str], text: str) -> DateSpec | timedelta | None:
    """in 2 hours, within 3 business days, in an hour and a half."""
    amount = _en_amount(m.group("en_in_n"))
    if amount is None:
        return None
    if m.group("en_in_half"):
        amount += 0.5
    return _unit_result(amount, m.group("en_in_u"), text)


def _en_later(m: re.Match[str], text: str) -> DateSpec | timedelta | None:
    """3 days from now, two weeks later."""
    amount = _en_amount(m.group("en_la_n"))
    return None if amount is None else _unit_result(amount, m.group("en_la_u"), text)


def _en_part_of_month(m: re.Match[str], text: str) -> DateSpec:
    """mid-December, early Jan, late March, end of May."""
    part = m.group("en_mon_p")
    day = 15 if part == "mid" else 10 if part == "early" else -1
    return DateSpec("month_day", en_month(m.group("en_mon_m")), day, 1, text=text)


def _iso_date(m: re.Match[str], text: str) -> DateSpec:
    """2026-12-05, 2026/12/5."""
    y, mo, d = int(m.group("iso_y")), int(m.group("iso_m")), int(m.group("iso_d"))
    try:
        date(y, mo, d)
    except ValueError:
        raise _bad_date(text) from None
    return DateSpec("ymd", y, mo, d, text=text)


def _slash_date(m: re.Match[str], text: str) -> DateSpec | None:
    """12/5 (month first)."""
    mo, d = int(m.group("sl_m")), int(m.group("sl_d"))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None  # 24/7, 1/50: not a date
    if not _valid_md(mo, d):
        raise _bad_date(text)
    return DateSpec("md", mo, d, 0, text=text)


_DURATIONS: Final[dict[str, Callable[[re.Match[str]], timedelta | None]]] = {
    "zh_hours": _zh_hours,
    "zh_mins": _zh_minutes,
}
# DateSpec(kind, a, b, c) of the phrases that always name the same date.
_FIXED_DATES: Final[dict[str, tuple[str, int, int, int]]] = {
    "zh_nmend": ("month_end", 1, 0, 0),  # 下个月底
    "zh_mend": ("month_end", 0, 0, 0),  # 月底, 本月末
    "zh_nwd": ("next_workday", 0, 0, 0),  # 下一个工作日
    "en_dat": ("rel", 2, 0, 0),  # the day after tomorrow
    "en_eonm": ("month_end", 1, 0, 0),  # end of next month
    "en_eom": ("month_end", 0, 0, 0),  # end of the month, EOM
    "en_eoy": ("year_end", 0, 0, 0),  # end of the year, EOY
    "en_eonw": ("next_week", 0, 0, 0),  # end of next week
    "en_nwd": ("next_workday", 0, 0, 0),  # next working day
    "en_midm": ("month_day", _THIS_MONTH, 15, 1),  # mid-month
}
_DATE_READERS: Final[dict[str, _DateReader]] = {
    "zh_ndays": _zh_days_later,
    "zh_ymd": _zh_year_month_day,
    "zh_md": _zh_month_day,
    "zh_mmend": _zh_month_last_day,
    "zh_xun": _zh_xun,
    "zh_mon": _zh_month_last_day,
    "zh_nmd": _zh_next_month_day,
    "zh_yend": _zh_year_end,
    "zh_wd": _zh_weekday,
    "zh_week": _zh_week,
    "zh_rel": _zh_relative_day,
    "zh_dom": _zh_day_of_month,
    "en_rel": _en_relative_day,
    "en_nmd": _en_next_month_day,
    "en_th": _en_the_day,
    "en_wd": _en_weekday,
    "en_week": _en_week,
    "en_md": _en_month_and_day,
    "en_dm": _en_month_and_day,
    "en_in": _en_within,
    "en_later": _en_later,
    "en_mon": _en_part_of_month,
    "iso": _iso_date,
    "slash": _slash_date,
}


def _date_token(scan: Scan, m: re.Match[str]) -> DateSpec | timedelta | None:
    """One date-pass match → a date, a duration, or None (not a date after all)."""
    name = m.lastgroup or ""
    duration = _DURATIONS.get(name)
    if duration is not None:
        return duration(m)
    if name == "en_wd" and not _en_weekday_meant(scan, m):
        return None
    text = scan.original(m.start(), m.end()).strip()
    fixed = _FIXED_DATES.get(name)
    if fixed is not None:
        return DateSpec(*fixed, text=text)
    reader = _DATE_READERS.get(name)
    return None if reader is None else reader(m, text)


_SAT_SUN_BEFORE_RE: Final = re.compile(
    r"(?:^|[^a-z])(?:on|by|before|until|till|due|every|this|next)\s+$"
)
_SAT_SUN_TIME_RE: Final = re.compile(
    r",?\s*(?:[0-9]{1,2}(?::[0-9]{2})?\s*[ap]\.?m\.?|[0-9]{1,2}:[0-9]{2}|at\s+[0-9]"
    r"|morning|afternoon|evening|night|noon|midday|midnight|eod)(?![a-z])"
)


# A clock time as read: (hour or None if the words are no number, minute, am/pm as written,
# the hour is as written); _clock checks it.
_RawClock = tuple[int | None, int, str | None, bool]
_SMALL_WORDS_BEFORE_YIDIAN = frozenset("快早晚慢多少好大小高低轻重有点些再稍差短长近远")


def _zh_a_little(scan: Scan, m: re.Match[str]) -> bool:
    """快一点 / 早一点 / 有一点: "a little", not one o'clock."""
    if m.group("zh_h") != "一" or m.group("zh_min") or m.group("zh_half"):
        return False
    prev = scan.work[m.start() - 1] if m.start() else ""
    return prev in _SMALL_WORDS_BEFORE_YIDIAN


def _zh_clock_minute(m: re.Match[str]) -> int | None:
    """半 一刻 三刻 十五分 零五: the minutes after 三点 (0 when none are said)."""
    if m.group("zh_half"):
        return 30
    if m.group("zh_q1"):
        return 15
    if m.group("zh_q3"):
        return 45
    if m.group("zh_min"):
        return to_int(m.group("zh_min").rstrip("分"))
    return 0


def _zh_clock(m: re.Match[str]) -> _RawClock | None:
    """三点, 下午3点半, 10点一刻, 03点 (a leading zero: the hour as written)."""
    raw = m.group("zh_h")
    minute = _zh_clock_minute(m)
    if minute is None:
        return None
    return to_int(raw), minute, None, raw.isdigit() and len(raw) == 2 and raw[0] == "0"


def _hm_clock(m: re.Match[str]) -> _RawClock:
    """15:30, 3:30pm; 09:00, 13:00 and 0:30 are the hour as written."""
    raw = m.group("hm_h")
    hour = int(raw)
    fixed = (len(raw) == 2 and raw[0] == "0") or hour >= 13 or hour == 0
    return hour, int(m.group("hm_m")), m.group("ap"), fixed


def _ap_clock(m: re.Match[str]) -> _RawClock:
    """3pm, 10 a.m., 3.30pm."""
    return int(m.group("hap_h")), int(m.group("hap_m") or 0), m.group("ap2"), False


def _oclock(m: re.Match[str]) -> _RawClock:
    """3 o'clock, three oclock."""
    return to_int(m.group("oc_h")), 0, None, False


def _at_hour(m: re.Match[str]) -> _RawClock:
    """at 3, by 5 today."""
    return int(m.group("at_h") or m.group("by_h")), 0, None, False


_CLOCK_READERS: Final[dict[str, Callable[[re.Match[str]], _RawClock | None]]] = {
    "zclock": _zh_clock,
    "hm": _hm_clock,
    "hap": _ap_clock,
    "oclock": _oclock,
    "athour": _at_hour,
}
_CLOCK_GROUPS: Final = frozenset(_CLOCK_READERS)


def _clock(scan: Scan, m: re.Match[str]) -> tuple[int, int, str | None, bool] | None:
    """A clock match → (hour, minute, am/pm, hour-as-written) or None."""
    name = m.lastgroup or ""
    if name == "zclock" and _zh_a_little(scan, m):
        return None
    raw = _CLOCK_READERS[name](m)
    if raw is None:
        return None
    hour, minute, ap, fixed = raw
    if hour is None or minute > 59:
        return None
    if ap:
        ap = "am" if ap.startswith("a") else "pm"
        if not 1 <= hour <= 12:
            return None
    elif hour > 24 or (hour == 24 and minute):
        return None
    return hour, minute, ap, fixed


def take_when(scan: Scan, *, dates: bool = True) -> Found:
    """Find and cut the first date phrase (or duration) and the first time of day."""
    found = Found()
    if dates:
        _take_date(scan, found)
    if found.delta is None:
        _take_time_of_day(scan, found)
    return found


def _first_holiday(scan: Scan) -> re.Match[str] | None:
    """The first holiday phrase (国庆前, after Spring Festival), searched only if one may occur."""
    probe = _HOLIDAY_PROBE.search(scan.work) is not None or not _HOLIDAY_WORDS.isdisjoint(
        scan.word_set
    )
    return _HOLIDAY_RE.search(scan.work) if probe else None


def _take_date(scan: Scan, found: Found) -> None:
    """The first date phrase or duration, or a holiday phrase before it, into `found`."""
    holiday = _first_holiday(scan)
    for m in _DATES.finditer(scan):
        if holiday is not None and holiday.start() <= m.start():
            break  # the holiday phrase comes first
        result = _date_token(scan, m)
        if result is None:
            continue
        if isinstance(result, timedelta):
            found.delta = result
        else:
            found.date = result
            found.pod = result.part
        scan.cut(*extend(scan, m.start(), m.end()))
        return
    if holiday is not None:
        found.date = _holiday_token(scan, holiday)
        scan.cut(*extend(scan, holiday.start(), holiday.end()))


_Span = tuple[int, int]


def _take_time_of_day(scan: Scan, found: Found) -> None:
    """The first part of the day, clock time and work-day edge, into `found`; cut them."""
    pod, pod_span, clock_span, edge_span = _find_times(scan, found)
    if pod is not None and (found.hour is not None or pod not in _POD_NEEDS_CLOCK):
        found.pod = pod
    else:
        pod_span = None
    if clock_span is not None:
        # "10点到11点", "10am to 11am": the end of a range leaves the title with its start.
        tail = _RANGE_END_RE.match(scan.work, clock_span[1])
        if tail:
            clock_span = (clock_span[0], tail.end())
    for span in (pod_span, clock_span, edge_span):
        if span is not None:
            scan.cut(*extend(scan, *span))


def _find_times(
    scan: Scan, found: Found
) -> tuple[str | None, _Span | None, _Span | None, _Span | None]:
    """One pass over the times of day: the clock and edge go into `found`; the part of the day
    and the spans of all three come back (the part of the day still to be judged)."""
    pod: str | None = None
    pod_span: _Span | None = None
    clock_span: _Span | None = None
    edge_span: _Span | None = None
    for m in _TIMES.finditer(scan):
        name = m.lastgroup
        if name in ("pod", "pod_en"):
            if pod is None:
                word = m.group().split()[-1]
                pod = _POD_WORDS.get(word, "evening" if word == "tonight" else "morning")
                pod_span = (m.start(), m.end())
        elif name in ("eod", "eod_en", "sod"):
            if edge_span is None:
                found.edge = "start" if name == "sod" else "end"
                edge_span = (m.start(), m.end())
        elif name in _CLOCK_GROUPS and clock_span is None:
            clock = _clock(scan, m)
            if clock is not None:
                found.hour, found.minute, found.ap, found.fixed = clock
                clock_span = (m.start(), m.end())
    return pod, pod_span, clock_span, edge_span


# --- placing what was found against now -------------------------------------------------------


def _pod_hour(hour: int, pod: str | None, ap: str | None, fixed: bool) -> int:
    if ap == "am":
        return hour % 12
    if ap == "pm":
        return hour % 12 + 12
    if pod in ("afternoon", "evening"):
        return hour + 12 if hour < 12 else hour
    if pod == "noon":
        return hour + 12 if 1 <= hour <= 5 else hour
    if pod == "night":
        return hour + 12 if 6 <= hour < 12 else (0 if hour == 12 else hour)
    if pod in ("dawn", "midnight"):
        return 0 if hour == 12 else hour
    if pod == "morning" or fixed:
        return hour
    # A bare hour: 1–7 are afternoon office hours.
    return hour + 12 if 1 <= hour <= 7 else hour


# Times of day are immutable: built once, not per message.
_T0: Final = time(0)
_T9: Final = time(9)
_T12: Final = time(12)
_T14: Final = time(14)
_T19: Final = time(19)
_T21: Final = time(21)
_REMINDER: Final = Kind.REMINDER  # an enum member lookup is not free either


def _is_midnight(found: Found) -> bool:
    """晚上12点 今晚12点 夜里12点 零点 0点 24点 午夜 midnight: the end of the day named.

    Not 凌晨0点 / 凌晨12点 (the early morning that starts the day) nor a written 00:00 or 12am.
    """
    pod = found.pod
    if found.hour is None:
        return pod == "midnight"
    if found.minute or found.ap is not None:
        return False
    if found.hour == 12:
        return pod in ("evening", "night", "midnight")
    if found.hour == 24:
        return True
    return found.hour == 0 and not found.fixed and pod not in ("dawn", "morning")


def _time_of_day(found: Found, settings: Settings, kind: Kind, dated: bool) -> time | None:
    reminder = kind == _REMINDER
    if (found.hour is not None or found.pod == "midnight") and _is_midnight(found):
        found.midnight = True
        return _T0
    if found.hour is not None:
        hour = _pod_hour(found.hour, found.pod, found.ap, found.fixed)
        if hour > 23:
            hour -= 12
        return time(hour, found.minute)
    pod = found.pod
    if pod == "morning":
        return _T9 if reminder else _T12
    if pod == "noon":
        return _T12
    if pod == "afternoon":
        return _T14 if reminder else settings.workday_end
    if pod == "evening":
        return _T19 if reminder else _T21
    if found.edge == "end":
        return settings.workday_end
    if found.edge == "start":
        return settings.workday_start
    if dated:
        return settings.workday_start if reminder else settings.workday_end
    return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _dom_from(year: int, month: int, day: int) -> date:
    """Day `day` of the first month from (year, month) on that has it."""
    for i in range(13):
        y, mo = _add_months(year, month, i)
        if day <= _calendar.monthrange(y, mo)[1]:
            return date(y, mo, day)
    raise ParseError("parsing.bad_date", date=str(day))


def _month_day(year: int, month: int, day: int) -> date:
    """Day `day` of the month (-1: its last day)."""
    return _month_end(year, month) if day == -1 else date(year, month, day)


def _md_from(year: int, month: int, day: int) -> date:
    for y in range(year, year + 9):
        try:
            return date(y, month, day)
        except ValueError:
            continue
    raise ParseError("parsing.bad_date", date=f"{month}/{day}")


def _real_date(year: int, month: int, day: int, spec: DateSpec) -> date:
    """That date, or the phrase's bad_date error when there is no such day."""
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError("parsing.bad_date", date=spec.text) from None


# What kind of day each DateSpec kind names (see _place).
_WEEK_KINDS: Final = frozenset({"wd", "this_wd", "next_wd", "this_week", "next_week"})
_CALENDAR_KINDS: Final = frozenset(
    {"md", "md_fixed", "month_day", "ymd", "dom", "next_dom", "month_end", "year_end"}
)


def _place(spec: DateSpec, today: date, cal: WorkCalendar) -> tuple[date, str | None]:
    """The date a phrase names, and how it rolls forward if its moment has passed."""
    if spec.kind in _WEEK_KINDS:
        return _place_in_week(spec, today)
    if spec.kind in _CALENDAR_KINDS:
        return _place_in_calendar(spec, today)
    return _place_from_today(spec, today, cal)


def _place_in_week(spec: DateSpec, today: date) -> tuple[date, str | None]:
    """周五, 本周三, 下周一, 本周, 下周: a day of this week or the next."""
    k = spec.kind
    if k == "wd":
        return today + timedelta(days=(spec.a - today.weekday()) % 7), "week"
    monday = today - timedelta(days=today.weekday())
    if k == "this_wd":
        return monday + timedelta(days=spec.a), "this_week"
    if k == "next_wd":
        return monday + timedelta(days=7 + spec.a), "week"
    if k == "this_week":
        if today.weekday() >= 5:
            # Said on the weekend: this week still has its Sunday; once that is past, next Friday.
            return monday + timedelta(days=6), "weekend"
        return monday + timedelta(days=4), "week"
    if k == "next_week":
        return monday + timedelta(days=11), None
    raise AssertionError(k)


def _place_in_calendar(spec: DateSpec, today: date) -> tuple[date, str | None]:
    """12月5日, 2026年12月5日, 5号, 下月5号, 月底, 12月上旬, 年底: a day of a month or year."""
    k = spec.kind
    if k == "md":
        if spec.c == 0:
            return _md_from(today.year, spec.a, spec.b), "year"
        return _real_date(today.year + spec.c, spec.a, spec.b, spec), None
    if k == "md_fixed":
        return _real_date(today.year + spec.c, spec.a, spec.b, spec), None
    if k == "month_day":
        return _place_month_day(spec, today)
    if k == "ymd":
        return date(spec.a, spec.b, spec.c), None
    if k == "dom":
        return _dom_from(today.year, today.month, spec.a), "dom"
    if k == "next_dom":
        y, mo = _add_months(today.year, today.month, 1)
        return _real_date(y, mo, spec.a, spec), None
    if k == "month_end":
        y, mo = _add_months(today.year, today.month, spec.a)
        return _month_end(y, mo), "month_end"
    if k == "year_end":
        return date(today.year + spec.a, 12, 31), "year_end"
    raise AssertionError(k)


def _place_month_day(spec: DateSpec, today: date) -> tuple[date, str | None]:
    """Day spec.b (-1: the last) of month spec.a: this month's, next month's, or month 1–12."""
    if spec.a == _THIS_MONTH:
        return _month_day(today.year, today.month, spec.b), "month_day" if spec.c else None
    if spec.a == _NEXT_MONTH:
        y, mo = _add_months(today.year, today.month, 1)
        return _month_day(y, mo, spec.b), None
    return _month_day(today.year, spec.a, spec.b), "month_day_year"


def _place_from_today(spec: DateSpec, today: date, cal: WorkCalendar) -> tuple[date, str | None]:
    """今天, 明天, 3天后, 3个月后, 3个工作日内, 下一个工作日, 国庆前: counted from today."""
    k = spec.kind
    if k == "rel":
        # 今天 / today is the day named, not rolled; 明天 and later cannot pass anyway.
        return today + timedelta(days=spec.a), "today" if spec.a == 0 else "day"
    if k == "in_days":
        return today + timedelta(days=spec.a), "day"
    if k == "in_months":
        y, mo = _add_months(today.year, today.month, spec.a)
        return date(y, mo, min(today.day, _calendar.monthrange(y, mo)[1])), "day"
    if k == "in_workdays":
        d = today
        for _ in range(spec.a):
            d = cal.next_workday(d)
        return d, "day"
    if k == "next_workday":
        return cal.next_workday(today), "workday"
    if k == "holiday":
        return _holiday_edge(spec, cal, today), "holiday"
    raise AssertionError(k)


def _roll(d: date, step: str, spec: DateSpec | None, cal: WorkCalendar) -> date:
    if step == "day":
        return d + timedelta(days=1)
    if step == "week":
        return d + timedelta(days=7)
    if step == "weekend":
        return d + timedelta(days=5)
    if step == "workday":
        return cal.next_workday(d)
    if step == "holiday" and spec is not None:
        return _holiday_edge(spec, cal, d + timedelta(days=1))
    if step == "year" and spec is not None:
        return _md_from(d.year + 1, spec.a, spec.b)
    if step == "dom" and spec is not None:
        y, mo = _add_months(d.year, d.month, 1)
        return _dom_from(y, mo, spec.a)
    if step == "month_end":
        y, mo = _add_months(d.year, d.month, 1)
        return _month_end(y, mo)
    if step == "month_day" and spec is not None:
        y, mo = _add_months(d.year, d.month, 1)
        return _month_day(y, mo, spec.b)
    if step == "month_day_year" and spec is not None:
        return _month_day(d.year + 1, d.month, spec.b)
    if step == "year_end":
        return date(d.year + 1, 12, 31)
    raise AssertionError(step)


def resolve(
    found: Found,
    *,
    now: datetime,
    settings: Settings,
    calendar: WorkCalendar,
    kind: Kind,
    recurrence: RuleMatcher | None = None,
) -> datetime | None:
    """The moment `found` names, never before `now` (which is in settings.tz).

    A moment the message names explicitly (今天 09:00, 本周一, 2026年12月5日) that has passed
    raises PastMomentError (or ParseError "parsing.past_date" for an earlier day); one with no
    day named rolls forward to the next day it can mean.
    """
    tz = settings.tz
    if found.delta is not None:
        return (now + found.delta).replace(second=0, microsecond=0)
    tod = _time_of_day(
        found, settings, kind, dated=found.date is not None or recurrence is not None
    )
    if tod is None:
        return None
    today = now.date()
    # The end of a day named as midnight is 00:00 of the day after it.
    spill = _ONE_DAY if found.midnight else _NO_DAYS
    # 下班前 / 上班前 mean a work day's: on a day off, the next work day's.
    on_workday = found.edge is not None and found.hour is None and found.pod is None
    if recurrence is not None:
        base = _place(found.date, today, calendar)[0] if found.date is not None else today
        return recurrence.first(base, tod, now)
    if found.date is None:
        d = calendar.workday_on_or_after(today) if on_workday else today
        moment = datetime.combine(d + spill, tod, tzinfo=tz)
        if moment < now:
            nxt = calendar.next_workday(d) if on_workday else d + _ONE_DAY
            moment = datetime.combine(nxt + spill, tod, tzinfo=tz)
        return moment
    spec = found.date
    d, step = _place(spec, today, calendar)
    if on_workday:
        d = calendar.workday_on_or_after(d)
    moment = datetime.combine(d + spill, tod, tzinfo=tz)
    for _ in range(12):
        if moment >= now:
            return moment
        if step is None or step in _EXPLICIT:
            raise _past(spec, step, d, moment, now, tod, spill, calendar, on_workday)
        d = _roll(d, step, spec, calendar)
        if on_workday:
            d = calendar.workday_on_or_after(d)
        moment = datetime.combine(d + spill, tod, tzinfo=tz)
    raise ParseError("parsing.past_date", date=spec.text)


_ONE_DAY: Final = timedelta(days=1)
_NO_DAYS: Final = timedelta(0)
# Steps of a day the message named itself (今天, 本周X): passed, they are an error, not rolled.
_EXPLICIT: Final = frozenset({"today", "this_week"})


def _past(
    spec: DateSpec,
    step: str | None,
    d: date,
    moment: datetime,
    now: datetime,
    tod: time,
    spill: timedelta,
    calendar: WorkCalendar,
    on_workday: bool,
) -> ParseError:
    """The error for an explicitly named moment that has passed, with its one-tap fix."""
    if step is None and d != now.date():
        return ParseError("parsing.past_date", date=spec.text)
    if on_workday:
        nxt = calendar.next_workday(d)
    elif step == "this_week":
        nxt = d + timedelta(days=7)
    else:
        nxt = d + _ONE_DAY
    suggested = datetime.combine(nxt + spill, tod, tzinfo=moment.tzinfo)
    return PastMomentError(moment=moment, suggested=suggested, now=now, phrase=spec.text)


class RuleMatcher:
    """Which days a parsed recurrence runs on, to find its first occurrence."""

    __slots__ = ("calendar", "monthday", "weekdays", "workdays")

    def __init__(
        self,
        *,
        calendar: WorkCalendar,
        weekdays: frozenset[int] | None = None,
        monthday: int | None = None,
        workdays: bool = False,
    ) -> None:
        self.calendar = calendar
        self.weekdays = weekdays
        self.monthday = monthday
        self.workdays = workdays

    def matches(self, d: date) -> bool:
        if self.workdays:
            return self.calendar.is_workday(d)
        if self.weekdays is not None and d.weekday() not in self.weekdays:
            return False
        if self.monthday is not None:
            last = _calendar.monthrange(d.year, d.month)[1]
            return d.day == (last if self.monthday == -1 else self.monthday)
        return True

    def first(self, base: date, tod: time, now: datetime) -> datetime | None:
        for i in range(400):
            d = base + timedelta(days=i)
            if self.matches(d):
                moment = datetime.combine(d, tod, tzinfo=now.tzinfo)
                if moment >= now:
                    return moment
        return None
