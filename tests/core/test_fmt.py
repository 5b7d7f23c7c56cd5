from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.fmt import format_when, join_names

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # a Monday


@pytest.mark.parametrize(
    ("when", "lang", "expected"),
    [
        pytest.param(datetime(2026, 12, 2, 15, 0, tzinfo=TZ), "zh", "12月2日 周三 15:00", id="zh"),
        pytest.param(datetime(2026, 12, 2, 15, 0, tzinfo=TZ), "en", "Wed 2 Dec 15:00", id="en"),
        pytest.param(datetime(2026, 11, 30, 15, 0, tzinfo=TZ), "zh", "今天 15:00", id="zh-today"),
        pytest.param(
            datetime(2026, 12, 1, 9, 0, tzinfo=TZ), "en", "Tomorrow 09:00", id="en-tomorrow"
        ),
        pytest.param(
            datetime(2027, 1, 4, 9, 0, tzinfo=TZ),
            "zh",
            "2027年1月4日 周一 09:00",
            id="zh-next-year",
        ),
        pytest.param(
            datetime(2026, 12, 2, 7, 0, tzinfo=ZoneInfo("UTC")),
            "zh",
            "12月2日 周三 15:00",
            id="zone",
        ),
    ],
)
def test_dates_read_as_the_spec_says(when, lang, expected):
    assert format_when(when, lang, TZ, NOW) == expected


def test_without_now_no_relative_words():
    assert format_when(datetime(2026, 12, 1, 15, 0, tzinfo=TZ), "zh", TZ) == "12月1日 周二 15:00"


@pytest.mark.parametrize(
    ("priority", "zh", "en"),
    [
        pytest.param("urgent", "🔴 紧急", "🔴 Urgent", id="urgent"),
        pytest.param("high", "🟠 较急", "🟠 Soon", id="high-not-重要"),
        pytest.param("normal", "", "", id="normal-shows-nothing"),
        pytest.param("low", "🟢 不急", "🟢 Low", id="low"),
    ],
)
def test_priority_labels_read_as_the_轻重缓急_scale(priority: str, zh: str, en: str) -> None:
    from bot.core.fmt import priority_label
    from bot.tasks.models import Priority

    assert (priority_label(Priority(priority), "zh"), priority_label(Priority(priority), "en")) == (
        zh,
        en,
    )


def test_names_are_listed_as_each_language_writes_a_list():
    """张三、王五 in Chinese; never a 、 between English names (the digest once read
    "not confirmed: Zhang San ☎ —、Wang Wu ☎ —")."""
    assert join_names(["张三", "王五"], "zh") == "张三、王五"
    assert join_names(["Zhang San", "Wang Wu"], "en") == "Zhang San, Wang Wu"
    assert join_names([], "en") == ""
