"""Properties of the parser over arbitrary text: it parses or says why; never crashes, never past."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.config import Settings
from bot.parsing import ParsedMessage, ParseError, parse_assignment

SETTINGS = Settings()
TZ = ZoneInfo("Asia/Shanghai")

# Pieces of real messages, so that random combinations exercise the phrase passes, not just
# the "nothing found" path that random Unicode mostly takes.
FRAGMENTS = [
    "明天",
    "后天",
    "大后天",
    "今晚",
    "明早",
    "周五",
    "下周一",
    "本周",
    "下周",
    "月底",
    "下个月底",
    "年底",
    "12月5日",
    "2月30日",
    "13月",
    "31号",
    "下个月31号",
    "3天后",
    "两周后",
    "半小时后",
    "一个半小时后",
    "下个工作日",
    "上午",
    "中午",
    "下午",
    "晚上",
    "凌晨",
    "三点",
    "三点半",
    "十二点一刻",
    "0点",
    "24点",
    "3:30",
    "25:61",
    "前",
    "之前",
    "截止",
    "为止",
    "下班前",
    "每天",
    "每个工作日",
    "每周一三五",
    "隔周二",
    "每月31号",
    "每月底",
    "急",
    "不急",
    "马上",
    "尽快",
    "有空",
    "@张三",
    "@zhangsan",
    "大家",
    "提醒我",
    "提前30分钟",
    "提前半小时提醒",
    "请",
    "麻烦",
    "一下",
    "交报告",
    "三楼",
    "，",
    "。",
    "！！！",
    "　",
    " ",
    "tomorrow",
    "today",
    "tonight",
    "next Friday",
    "this week",
    "end of month",
    "Dec 5",
    "Feb 30",
    "the 31st",
    "in 2 hours",
    "in an hour and a half",
    "within 3 days",
    "at 3",
    "3pm",
    "12am",
    "13pm",
    "9:30am",
    "noon",
    "EOD",
    "by",
    "before",
    "every day",
    "every other Tuesday",
    "every month on the 31st",
    "weekdays",
    "urgent",
    "not urgent",
    "asap",
    "p4",
    "!!",
    "remind me",
    "10 minutes before",
    "please",
    "send the report",
    "room 3",
    "2020-1-5",
    "2026-12-31",
    "12/31",
    # issue #16: words inside words, holidays, midnight, verbatim text
    "全体会议",
    "全体同事",
    "全员培训",
    "重要文件",
    "紧急通知",
    "急诊",
    "不要紧",
    "没那么急",
    "晚上12点",
    "零点",
    "24点",
    "午夜",
    "凌晨0点",
    "本周一",
    "今天",
    "12月份",
    "12月底",
    "月中",
    "上旬",
    "下旬",
    "2026年12月5日",
    "元旦前",
    "国庆节后第一天",
    "春节后第一个工作日",
    "节前",
    "年前",
    "十一假期后",
    "前提交",
    "R3-p1-012",
    "http://oa.gov.cn/2026/12/05/notice",
    "zhangsan@example.com",
    "C:\\文件\\总结.doc",
    "midnight",
    "Sun",
    "mid-December",
    "before National Day",
    "after the holidays",
    "not that urgent",
]
SHANGHAI_NOWS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(TZ)
)
MESSAGES = st.one_of(
    st.text(max_size=4000),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join),
)


def outcome(text: str, now: datetime) -> ParsedMessage | ParseError:
    """The parse, or the ParseError it raised (anything else propagates and fails the test)."""
    try:
        return parse_assignment(text, now=now, settings=SETTINGS)
    except ParseError as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(text=MESSAGES, now=SHANGHAI_NOWS)
@example(text=":\x1f", now=datetime(2026, 11, 30, 10, tzinfo=TZ))  # white space Python knows
def test_parses_or_explains_never_crashes_never_past(text: str, now: datetime) -> None:
    first = outcome(text, now)
    again = outcome(text, now)
    if isinstance(first, ParseError):
        assert first.message("zh").strip()
        assert first.message("en").strip()
        assert isinstance(again, ParseError)
        assert again.key == first.key  # same input, same answer
        return
    assert again == first  # same input, same answer
    assert first.title.strip()
    if first.due is not None:
        assert first.due.tzinfo is not None
        assert first.due >= now
    first.to_json_dict()


@settings(max_examples=100, deadline=None)
@given(
    text=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8).map("".join),
    now=st.datetimes(
        min_value=datetime(2025, 1, 1),
        max_value=datetime(2029, 12, 31),
        timezones=st.sampled_from([ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), TZ]),
    ),
)
def test_any_zone_of_now_is_read_in_the_configured_zone(text: str, now: datetime) -> None:
    try:
        parsed = parse_assignment(text, now=now, settings=SETTINGS)
    except ParseError:
        return
    if parsed.due is not None:
        assert parsed.due >= now
        assert parsed.due.tzinfo == TZ


_URL_HOST = st.from_regex(r"[a-z0-9]{1,8}(\.[a-z0-9]{1,8}){1,3}", fullmatch=True)
_URL_PATH = st.from_regex(r"(/[A-Za-z0-9._~%=&?#!:@-]{0,12}){0,4}[A-Za-z0-9/]", fullmatch=True)
URLS = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https", "HTTPS", "ftp"]),
    _URL_HOST,
    st.one_of(st.just(""), _URL_PATH),
)
# The dangerous surroundings: dates, times, people, priorities and punctuation right next to it.
AROUND = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=6).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(before=AROUND, url=URLS, after=AROUND, now=SHANGHAI_NOWS)
def test_a_url_stays_in_the_title_byte_for_byte(
    before: str, url: str, after: str, now: datetime
) -> None:
    parsed = outcome(before + url + after, now)
    if isinstance(parsed, ParseError):
        assert parsed.key != "parsing.no_title"  # the URL alone is a title
        return
    assert url in parsed.title
