from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.directory.library import find_documents, guess_category, parse_tags, stem
from bot.directory.models import Category, Document
from bot.directory.templates import fill_template, template_fields

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("name", "tags", "expected"),
    [
        pytest.param("2025年工作计划.docx", (), Category.PLAN, id="plan"),
        pytest.param("国庆值班安排表.xlsx", (), Category.ARRANGEMENT, id="arrangement"),
        pytest.param("半年工作汇报.pptx", (), Category.REPORT, id="report"),
        pytest.param("年度工作总结.docx", (), Category.SUMMARY, id="summary"),
        pytest.param("总结报告.doc", (), Category.SUMMARY, id="longer-word-wins"),
        pytest.param("关于报送2024年工作总结的通知.docx", (), Category.NOTICE, id="head-noun-last"),
        pytest.param("考勤管理办法.pdf", (), Category.RULES, id="rules"),
        pytest.param("会议通知模板.doc", (), Category.TEMPLATE, id="template-last"),
        pytest.param("IMG_0001.jpg", (), Category.OTHER, id="nothing"),
        pytest.param("IMG_0001.jpg", ("总结",), Category.SUMMARY, id="tag-names-it"),
        pytest.param("年度工作总结.docx", ("制度",), Category.RULES, id="tag-beats-name"),
        pytest.param("scan.pdf", ("财务", "上半年汇报材料"), Category.REPORT, id="word-in-a-tag"),
        pytest.param("Q3 report.pdf", (), Category.REPORT, id="english"),
    ],
)
def test_guess_category(name, tags, expected):
    assert guess_category(name, tags) == expected


@pytest.mark.parametrize(
    ("caption", "tags"),
    [
        pytest.param("#资料 年度 总结,财务", ("年度", "总结", "财务"), id="caption"),
        pytest.param("/save 制度、人事 制度", ("制度", "人事"), id="save-dedup"),
        pytest.param("#资料", (), id="none"),
        pytest.param("#资料 #2024 #季度", ("2024", "季度"), id="hashtags"),
    ],
)
def test_parse_tags(caption, tags):
    assert parse_tags(caption) == tags


def test_stem():
    assert stem("年度总结.docx") == "年度总结"


DOCS = [
    Document(
        1,
        "f1",
        "2024年工作总结.docx",
        tags=("年度",),
        category=Category.SUMMARY,
        saved_at=datetime(2025, 1, 5, tzinfo=TZ),
    ),
    Document(
        2,
        "f2",
        "值班安排.xlsx",
        tags=("春节",),
        category=Category.ARRANGEMENT,
        saved_at=datetime(2025, 1, 20, tzinfo=TZ),
    ),
    Document(
        3,
        "f3",
        "上半年汇报.pptx",
        category=Category.REPORT,
        saved_at=datetime(2024, 7, 1, tzinfo=TZ),
    ),
]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        pytest.param("", [2, 1, 3], id="all-newest-first"),
        pytest.param("总结", [1], id="name"),
        pytest.param("春节", [2], id="tag"),
        pytest.param("汇报", [3], id="category"),
        pytest.param("report", [3], id="category-in-english"),
        pytest.param("2024", [1, 3], id="year-in-name-or-saved"),
        pytest.param("2025年", [2, 1], id="year-with-nian"),
        pytest.param("2024 汇报", [3], id="every-word"),
        pytest.param("无此资料", [], id="nothing"),
    ],
)
def test_find_documents(query, ids):
    assert [d.id for d in find_documents(DOCS, query)] == ids


@pytest.mark.parametrize(
    ("text", "when", "expected"),
    [
        pytest.param(
            "请于{日期}（{星期}）{时间}到会",
            datetime(2026, 12, 7, 9, 0, tzinfo=TZ),
            "请于2026年12月7日（星期一）09:00到会",
            id="chinese",
        ),
        pytest.param(
            "Meet on {weekday} {date} at {time}",
            datetime(2026, 12, 6, 15, 30, tzinfo=TZ),
            "Meet on Sunday 2026-12-06 at 15:30",
            id="english",
        ),
        pytest.param(
            "{ 日期 }｛星期｝",
            datetime(2026, 12, 5, tzinfo=TZ),
            "2026年12月5日星期六",
            id="loose-braces",
        ),
        pytest.param(
            "{其他} {name} {{日期}",
            datetime(2026, 12, 5, tzinfo=TZ),
            "{其他} {name} {2026年12月5日",
            id="others-untouched",
        ),
    ],
)
def test_fill_template(text, when, expected):
    assert fill_template(text, when) == expected


def test_template_fields():
    assert template_fields("{日期} {时间} {日期}") == ["日期", "时间"]
