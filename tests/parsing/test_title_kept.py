"""Issue 14, titles kept as typed: URLs, paths written with either slash, paired marks next to
a cut (~删除~, ||剧透||), and English possessives (a phrase before 's names a thing, no due)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.config import Settings
from bot.parsing import parse_assignment

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, tzinfo=SH)


@pytest.mark.parametrize(
    ("text", "title", "dated"),
    [
        pytest.param(
            "明天下午三点前把材料上传到 http://oa.example.gov.cn/upload",
            "把材料上传到 http://oa.example.gov.cn/upload",
            True,
            id="url",
        ),
        pytest.param(
            "周五前整理 C://文件//总结.doc", "整理 C://文件//总结.doc", True, id="slashes"
        ),
        pytest.param("C:/docs/a.txt by Friday", "C:/docs/a.txt", True, id="one-slash"),
        pytest.param("周五前把 ~删除~ ||剧透|| 改掉", "把 ~删除~ ||剧透|| 改掉", True, id="marks"),
        pytest.param("周五前 ||剧透||", "||剧透||", True, id="marks-at-the-edge"),
        pytest.param("明天下午三点前，，把报表发给我", "把报表发给我", True, id="seams-tidied"),
        pytest.param(
            "prepare slides for next Tuesday's meeting",
            "prepare slides for next Tuesday's meeting",
            False,
            id="possessive",
        ),
        pytest.param("send tomorrow's report by Friday", "send tomorrow's report", True, id="both"),
    ],
)
def test_titles_keep_what_was_typed(text: str, title: str, dated: bool) -> None:
    parsed = parse_assignment(text, now=NOW, settings=Settings())
    assert parsed.title == title
    assert (parsed.due is not None) is dated
