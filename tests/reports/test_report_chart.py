"""The weekly picture: the counts by day, by assigner and per member, and the PNG (Pillow) with
its Chinese text drawn from the shipped font."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

from bot.reports import chart
from bot.reports.chart import Bar, Panel, Picture
from bot.tasks.models import Assignee, Status, Task

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, tzinfo=SH)
NOW = datetime(2026, 12, 2, 12, tzinfo=SH)  # Wednesday noon
DAYS = ["一", "二", "三", "四", "五", "六", "日"]
NAMES = {10: "李主任", 11: "张三", 12: "王五"}


def _task(number: int, **changes: object) -> Task:
    task = Task(
        number=number,
        space="g-100",
        chat_id=-100,
        title="x",
        assigner=10,
        assignees=(Assignee(user_id=11),),
        created_at=MONDAY,
        updated_at=MONDAY,
    )
    return replace(task, **changes)  # type: ignore[arg-type]


def test_a_persons_week_by_day_and_by_assigner() -> None:
    tasks = [
        _task(
            1,
            status=Status.DONE,
            assignees=(Assignee(user_id=11, done_at=NOW - timedelta(days=1)),),
        ),
        _task(2, due=NOW - timedelta(hours=1)),  # overdue, due Wednesday
        _task(3, due=NOW + timedelta(days=2), assigner=12),  # open, due Friday
        _task(4),  # open, no due: by assigner only
        _task(5, status=Status.DONE, updated_at=MONDAY - timedelta(days=1)),  # last week
        _task(6, status=Status.CANCELLED),
    ]
    by_day, by_assigner = chart.week_counts(
        11, tasks, start=MONDAY, now=NOW, tz=SH, day_labels=DAYS, name=lambda uid: NAMES[uid]
    )
    assert [(b.label, b.done, b.open, b.overdue) for b in by_day if b.total] == [
        ("二", 1, 0, 0),
        ("三", 0, 0, 1),
        ("五", 0, 1, 0),
    ]
    assert [(b.label, b.done, b.open, b.overdue) for b in by_assigner] == [
        ("李主任", 1, 1, 1),
        ("王五", 0, 1, 0),
    ]


def test_a_groups_week_per_member() -> None:
    tasks = [
        _task(1, assignees=(Assignee(user_id=11), Assignee(user_id=12, done_at=NOW))),
        _task(2, assignees=(Assignee(user_id=12),), due=NOW - timedelta(hours=1)),
    ]
    bars = chart.group_counts(tasks, start=MONDAY, now=NOW, name=lambda uid: NAMES[uid])
    assert [(b.label, b.done, b.open, b.overdue) for b in bars] == [
        ("王五", 1, 0, 1),
        ("张三", 0, 1, 0),
    ]


def test_many_rows_are_summed_into_one() -> None:
    tasks = [_task(i, assigner=100 + i) for i in range(chart.MAX_ROWS + 5)]
    _, by_assigner = chart.week_counts(
        11, tasks, start=MONDAY, now=NOW, tz=SH, day_labels=DAYS, name=str
    )
    assert len(by_assigner) == chart.MAX_ROWS and by_assigner[-1].open == 6


def _picture(rows: int = 3) -> Picture:
    return Picture(
        title="本周任务 · 张三",
        subtitle="11月30日 周一 – 12月6日 周日",
        legend={"done": "已完成", "open": "未完成", "overdue": "逾期"},
        panels=(
            Panel(
                "按天",
                tuple(Bar(f"周{d}", i % 3, i % 2, i % 4 == 0) for i, d in enumerate(DAYS)),
                by_day=True,
            ),
            Panel("按交办人", tuple(Bar(f"领导{i}", i, 1, 0) for i in range(rows))),
        ),
        empty_note="本周没有任务。",
        footer="本周完成 3",
    )


def test_the_png_is_drawn_with_its_size_and_colours_in_well_under_a_second() -> None:
    started = time.perf_counter()
    png = chart.render_week_chart(_picture())
    assert time.perf_counter() - started < 1.0
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == chart.WIDTH
    more = Image.open(io.BytesIO(chart.render_week_chart(_picture(rows=10))))
    assert more.height > image.height  # a row per assigner
    colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=1 << 20) or ()}
    assert set(chart.COLORS.values()) <= colours


def _glyph(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    image = Image.new("L", (40, 40), 0)
    ImageDraw.Draw(image).text((4, 4), ch, font=font, fill=255)
    return image.tobytes()


def test_the_shipped_font_has_real_glyphs_for_the_chinese_it_draws() -> None:
    font = ImageFont.truetype(chart.font_path(), 24)
    missing = _glyph(font, "\U000f0000")  # a private-use character: the font's empty box
    for ch in "本周任务已完成未完成逾期按天交办人成员周一二三四五六日自己李主任张三王五赵钱孙":
        glyph = _glyph(font, ch)
        assert glyph != missing and any(glyph), ch
    assert _glyph(font, "本") != _glyph(font, "周")


def test_an_empty_week_still_draws_and_says_so() -> None:
    empty = Picture(
        "本周任务 · 王五", "", {}, (Panel("按天", (Bar("周一"),), by_day=True),), "本周没有任务。"
    )
    assert empty.empty
    image = Image.open(io.BytesIO(chart.render_week_chart(empty)))
    assert image.width == chart.WIDTH
