"""How collections read: stored records render after a restart, in zh and en; the 办不了
question is recognised again from its text; a long bundle is cut into parts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.render import RenderContext, Renderer
from bot.reports import views
from bot.reports.views import CollectBundle, CollectLate, CollectRequest, CollectTracking, Line

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, tzinfo=SH)
DUE = "2026-12-04T18:00:00+08:00"
RENDERER = Renderer(views.MESSAGES)


def _render(kind: str, params: dict[str, object], lang: str = "zh") -> str:
    return RENDERER.render(kind, params, RenderContext(lang, SH, NOW)).text  # type: ignore[arg-type]


def test_every_kind_renders_from_its_stored_json_in_both_languages() -> None:
    line = Line("张三", "submitted", at=DUE, texts=["<b>初稿</b>"], files=["a.docx"])
    records = [
        CollectRequest(1, "交总结", "李主任", DUE, user_id=11, recurrence="FREQ=WEEKLY;BYDAY=FR"),
        views.CollectReminder(1, "交总结", DUE, user_id=11, drafted=2),
        CollectTracking(
            1,
            "交总结",
            DUE,
            lines=[line.to_json(), Line("王五", "waiting", reach="not_started").to_json()],
        ),
        CollectBundle(1, "交总结", DUE, count=1, total=2, lines=[line.to_json()], files=1),
        CollectLate(1, "交总结", line=line.to_json(), count=1, total=2),
    ]
    for record in records:
        for lang in ("zh", "en"):
            text = _render(record.KIND, record.to_json(), lang)
            assert text and "{" not in text
    bundle = _render("collect_bundle", records[3].to_json())
    assert "&lt;b&gt;初稿&lt;/b&gt;" in bundle  # what people hand in is escaped


def test_a_request_carries_submit_decline_and_add_to_calendar() -> None:
    rendered = views.collect_request(
        CollectRequest(3, "交总结", "李主任", DUE, user_id=11), RenderContext("zh", SH, NOW)
    )
    data = [b.callback_data for row in rendered.buttons for b in row]
    assert data == ["rep:submit:3", "rep:decline:3", "cal:collect:3"]


def test_records_missing_optional_values_still_render() -> None:
    assert "第 5 号" in _render("collect_tracking", {"number": 5, "title": "x", "due": DUE})
    with pytest.raises(TypeError):
        _render("collect_request", {"number": 5})


def test_a_line_reads_old_or_partial_json() -> None:
    assert Line.from_json({"name": "张三"}) == Line("张三", "waiting")


def test_the_tracking_says_who_is_in_late_declined_and_missing() -> None:
    lines = [
        Line("张三", "submitted", at=DUE, late=True).to_json(),
        Line("王五", "declined", reason="出差").to_json(),
        Line("赵六", "waiting", phone="138", reach="not_started").to_json(),
        Line("钱七", "drafting", drafted=2).to_json(),
    ]
    text = _render("collect_tracking", CollectTracking(1, "交总结", DUE, lines=lines).to_json())
    assert "已交 <b>1/4</b>" in text
    assert "张三 12月4日 周五 18:00（迟交）" in text
    assert "王五：出差" in text
    assert "赵六（未启动机器人） ☎ 138" in text
    assert "钱七（已发 2 条，未提交） ☎ 无电话" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_decline_question_is_recognised_from_its_text(lang: str) -> None:
    assert views.which_prompt(views.decline_prompt(lang, 42)) == 42  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["", "收集 第 x 号：办不了的原因是什么？请回复这条消息说明。", "hello"]
)
def test_other_texts_are_not_the_question(text: str) -> None:
    assert views.which_prompt(text) is None


def test_a_long_bundle_is_cut_into_parts_under_the_limit() -> None:
    lines = [Line(f"人{i}", "submitted", texts=["字" * 1000]) for i in range(8)]
    parts = views.bundle_parts(lines)
    assert len(parts) > 1 and sum(len(p) for p in parts) == 8
    assert all(sum(len(t) for x in part for t in x.texts) <= views.BUNDLE_LIMIT for part in parts)
