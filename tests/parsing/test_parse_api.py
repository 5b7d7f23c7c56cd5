"""The parser's public face beyond the corpus: mentions from Telegram, parse_when, errors."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.config import Settings
from bot.core.i18n import catalog
from bot.core.workdays import CN_LAST_YEAR
from bot.parsing import (
    MAX_LENGTH,
    ParsedMessage,
    ParseError,
    PastMomentError,
    parse_assignment,
    parse_when,
)
from bot.tasks.models import Kind, Priority

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = Settings()
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)


def test_mention_entities_are_assignees_in_text_order_and_leave_the_title() -> None:
    text = "王五 明天交报告 @zhangsan"
    parsed = parse_assignment(text, now=FRIDAY, settings=SETTINGS, mentions=[(0, 2, "id:12345")])
    assert parsed.assignees == ("id:12345", "zhangsan")
    assert parsed.title == "交报告"


def test_the_bot_itself_is_not_an_assignee() -> None:
    parsed = parse_assignment(
        "@OfficeBot @lisi 明天交报告", now=FRIDAY, settings=SETTINGS, ignore_usernames={"officebot"}
    )
    assert parsed.assignees == ("lisi",)
    assert parsed.title == "交报告"
    entity = parse_assignment(
        "@OfficeBot 提醒我明天开会",
        now=FRIDAY,
        settings=SETTINGS,
        mentions=[(0, 10, "@OfficeBot")],
        ignore_usernames=["@officebot"],
    )
    assert entity.assignees == ()
    assert entity.kind == Kind.REMINDER


def test_out_of_range_mention_spans_are_ignored() -> None:
    parsed = parse_assignment("交报告", now=FRIDAY, settings=SETTINGS, mentions=[(5, 9, "x")])
    assert parsed.assignees == ()


def test_now_in_another_zone_is_read_in_the_configured_zone() -> None:
    utc_now = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in Shanghai
    parsed = parse_assignment("下午3点开会", now=utc_now, settings=SETTINGS)
    assert parsed.due == datetime(2026, 11, 27, 15, 0, tzinfo=SHANGHAI)
    assert parsed.due is not None and parsed.due.utcoffset() == SHANGHAI.utcoffset(parsed.due)


def test_workday_end_comes_from_the_settings() -> None:
    short = Settings(workday_end=datetime(2000, 1, 1, 17, 30).time())
    parsed = parse_assignment("明天交报告", now=FRIDAY, settings=short)
    assert parsed.due == datetime(2026, 11, 28, 17, 30, tzinfo=SHANGHAI)


def test_to_json_dict_has_exactly_the_cli_keys() -> None:
    parsed = parse_assignment("@zhangsan 明天下午三点前交报告，急", now=FRIDAY, settings=SETTINGS)
    assert isinstance(parsed, ParsedMessage)
    assert parsed.priority == Priority.URGENT
    assert parsed.to_json_dict() == {
        "title": "交报告",
        "assignees": ["zhangsan"],
        "due": "2026-11-28T15:00:00+08:00",
        "priority": "urgent",
        "recurrence": None,
        "remind_before": None,
        "kind": "task",
    }


def test_a_message_over_the_limit_says_so() -> None:
    with pytest.raises(ParseError) as info:
        parse_assignment("交" * (MAX_LENGTH + 1), now=FRIDAY, settings=SETTINGS)
    assert info.value.key == "parsing.too_long"
    assert str(MAX_LENGTH) in info.value.message("zh")
    assert str(MAX_LENGTH) in info.value.message("en")
    parse_assignment("交" * MAX_LENGTH, now=FRIDAY, settings=SETTINGS)


def test_error_messages_are_actionable() -> None:
    with pytest.raises(ParseError) as info:
        parse_assignment("明天下午三点", now=FRIDAY, settings=SETTINGS)
    assert "例如" in info.value.message("zh")
    assert "for example" in info.value.message("en")
    with pytest.raises(ParseError) as bad:
        parse_assignment("2月30日交报告", now=FRIDAY, settings=SETTINGS)
    assert "2月30日" in bad.value.message("zh")
    assert "2月30日" in bad.value.message("en")


def test_every_parsing_key_exists_in_both_languages() -> None:
    zh = {k for k in catalog("zh") if k.startswith("parsing.")}
    en = {k for k in catalog("en") if k.startswith("parsing.")}
    assert zh == en
    for key in (
        *("empty", "no_title", "too_long", "bad_date", "past_date", "no_time"),
        *("past_moment", "holiday_unknown", "holiday_off"),
    ):
        assert f"parsing.{key}" in zh


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        pytest.param("明天上午", Kind.TASK, datetime(2026, 11, 28, 12, 0), id="zh-morning-task"),
        pytest.param(
            "明天上午", Kind.REMINDER, datetime(2026, 11, 28, 9, 0), id="zh-morning-reminder"
        ),
        pytest.param("周五下午3点", Kind.TASK, datetime(2026, 11, 27, 15, 0), id="zh-friday-3pm"),
        pytest.param("下周一", Kind.TASK, datetime(2026, 11, 30, 18, 0), id="zh-next-monday"),
        pytest.param("2小时后", Kind.TASK, datetime(2026, 11, 27, 12, 0), id="zh-in-2-hours"),
        pytest.param("30分钟", Kind.TASK, datetime(2026, 11, 27, 10, 30), id="zh-bare-minutes"),
        pytest.param("半小时", Kind.TASK, datetime(2026, 11, 27, 10, 30), id="zh-bare-half-hour"),
        pytest.param("in 2 hours", Kind.TASK, datetime(2026, 11, 27, 12, 0), id="en-in-2-hours"),
        pytest.param("2h", Kind.TASK, datetime(2026, 11, 27, 12, 0), id="en-bare-2h"),
        pytest.param("tomorrow 9am", Kind.TASK, datetime(2026, 11, 28, 9, 0), id="en-tomorrow-9am"),
        pytest.param(
            "next Monday", Kind.REMINDER, datetime(2026, 11, 30, 9, 0), id="en-date-reminder"
        ),
        pytest.param("EOD", Kind.TASK, datetime(2026, 11, 27, 18, 0), id="en-eod"),
    ],
)
def test_parse_when(text: str, kind: Kind, expected: datetime) -> None:
    assert parse_when(text, now=FRIDAY, settings=SETTINGS, kind=kind) == expected.replace(
        tzinfo=SHANGHAI
    )


@pytest.mark.parametrize("text", ["交报告", "whenever", "", "三楼"])
def test_parse_when_without_a_time_says_so(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_when(text, now=FRIDAY, settings=SETTINGS)
    assert info.value.key in ("parsing.no_time", "parsing.empty")
    assert info.value.message("en")


# --- issue #16: explicitly past moments, deadlines on days off, holidays ------------------------

MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)


def test_an_explicitly_past_moment_names_it_and_offers_the_fix() -> None:
    with pytest.raises(PastMomentError) as info:
        parse_assignment("今天上午9点开会", now=MONDAY, settings=SETTINGS)
    error = info.value
    assert isinstance(error, ParseError)  # handlers that catch ParseError keep working
    assert error.key == "parsing.past_moment"
    assert error.moment == datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    assert error.suggested == datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    assert error.phrase == "今天"
    assert error.message("zh") == "今天 09:00 已经过了 — 改成明天 09:00？"
    assert error.message("en") == "Today 09:00 has already passed. Change it to Tomorrow 09:00?"


def test_this_monday_said_on_wednesday_suggests_next_monday() -> None:
    wednesday = datetime(2026, 12, 2, 14, 0, tzinfo=SHANGHAI)
    with pytest.raises(PastMomentError) as info:
        parse_assignment("本周一下午3点交材料", now=wednesday, settings=SETTINGS)
    assert info.value.moment == datetime(2026, 11, 30, 15, 0, tzinfo=SHANGHAI)
    assert info.value.suggested == datetime(2026, 12, 7, 15, 0, tzinfo=SHANGHAI)
    assert info.value.message("zh") == "11月30日 周一 15:00 已经过了 — 改成12月7日 周一 15:00？"


def test_today_eod_after_work_suggests_the_next_work_day() -> None:
    friday_evening = datetime(2026, 11, 27, 19, 30, tzinfo=SHANGHAI)
    with pytest.raises(PastMomentError) as info:
        parse_assignment("今天下班前交周报", now=friday_evening, settings=SETTINGS)
    assert info.value.suggested == datetime(2026, 11, 30, 18, 0, tzinfo=SHANGHAI)


def test_parse_when_says_so_too() -> None:
    with pytest.raises(PastMomentError):
        parse_when(
            "今天下午3点", now=datetime(2026, 11, 30, 16, 0, tzinfo=SHANGHAI), settings=SETTINGS
        )
    assert parse_when(
        "下午3点", now=datetime(2026, 11, 30, 16, 0, tzinfo=SHANGHAI), settings=SETTINGS
    ) == datetime(2026, 12, 1, 15, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "day_off"),
    [
        pytest.param("12月5日交材料", True, id="saturday"),
        pytest.param("周五晚上12点前交", False, id="friday-midnight-ends-friday"),
        pytest.param("周六晚上12点前交", True, id="saturday-midnight-ends-saturday"),
        pytest.param("12月4日交材料", False, id="friday"),
        pytest.param("交材料", False, id="no-deadline"),
    ],
)
def test_a_deadline_on_a_day_off_keeps_its_date_and_says_so(text: str, day_off: bool) -> None:
    parsed = parse_assignment(text, now=MONDAY, settings=SETTINGS)
    assert parsed.due_on_day_off is day_off
    assert "due_on_day_off" not in parsed.to_json_dict()  # the CLI prints the spec's keys only


def test_the_day_off_follows_the_configured_extra_holidays() -> None:
    extra = Settings(extra_holidays=frozenset({date(2026, 12, 4)}))
    parsed = parse_assignment("12月4日交材料", now=MONDAY, settings=extra)
    assert parsed.due == datetime(2026, 12, 4, 18, 0, tzinfo=SHANGHAI)
    assert parsed.due_on_day_off is True


def test_holidays_without_a_holiday_calendar_are_a_clear_error() -> None:
    none = Settings(holidays="none")
    with pytest.raises(ParseError) as info:
        parse_assignment("国庆前交总结", now=MONDAY, settings=none)
    assert info.value.key == "parsing.holiday_off"
    assert "国庆前" in info.value.message("zh")
    assert "OFFICEBOT_HOLIDAYS" in info.value.message("en")


@pytest.mark.skipif(CN_LAST_YEAR >= 2027, reason="chinese-calendar now knows 2027")
@pytest.mark.parametrize("text", ["元旦前完成年终总结", "国庆节后第一天交总结"])
def test_the_issue_examples_name_the_unknown_year(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_assignment(text, now=MONDAY, settings=SETTINGS)
    assert info.value.key == "parsing.holiday_unknown"
    assert "2027" in info.value.message("zh")
    assert "2027" in info.value.message("en")
