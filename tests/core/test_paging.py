"""Long lists are packed under Telegram's limit without splitting a line."""

from __future__ import annotations

import pytest

from bot.core.paging import (
    PACK_LIMIT,
    TELEGRAM_TEXT_LIMIT,
    fit_lines,
    pack_lines,
    visible_length,
)


def test_visible_length_counts_what_telegram_counts():
    assert visible_length("<b>急</b> &amp; 办") == 5
    assert visible_length("🔴") == 2  # one emoji, two UTF-16 units


def test_a_short_list_is_one_message_with_its_header():
    assert pack_lines(["a", "b"], header="<b>H</b>") == ["<b>H</b>\na\nb"]
    assert pack_lines([]) == [""]


@pytest.mark.parametrize("count", [300, 1000])
def test_300_tasks_page_under_the_limit_and_keep_every_line(count):
    lines = [
        f"🔴 #{n} <b>核对第{n}季度的报表和说明材料</b> &amp; 交办人：李主任" for n in range(count)
    ]
    pages = pack_lines(lines, header="📋 <b>待办</b>")
    assert len(pages) > 1
    for page in pages:
        assert visible_length(page) <= PACK_LIMIT < TELEGRAM_TEXT_LIMIT
        assert page.startswith("📋 <b>待办</b>\n")
    kept = [line for page in pages for line in page.split("\n")[1:]]
    assert kept == lines


def test_a_line_longer_than_a_message_is_shortened_not_split():
    long = "<b>" + "字" * 5000 + "</b>"
    (page,) = pack_lines([long])
    assert visible_length(page) <= PACK_LIMIT
    assert page.endswith("…") and "<b>" not in page


def test_fit_lines_keeps_one_message_and_says_how_many_were_left_out():
    lines = [f"#{n} <b>核对第{n}季度的报表</b> &amp; 说明" for n in range(300)]
    text = fit_lines(lines, header="<b>晨报</b>", more=lambda n: f"……还有 {n} 件")
    assert visible_length(text) <= PACK_LIMIT
    shown = text.split("\n")[1:-1]
    assert shown == lines[: len(shown)]
    assert text.endswith(f"……还有 {300 - len(shown)} 件")
    assert fit_lines(lines[:3], header="H", more=lambda n: f"{n}") == "\n".join(["H", *lines[:3]])
    assert visible_length(fit_lines(["字" * 5000])) <= PACK_LIMIT
