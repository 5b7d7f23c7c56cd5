"""Notice templates render in both languages, escape what people typed, and stay short."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.render import RenderContext, Renderer
from bot.notices.views import MESSAGES

render = Renderer(MESSAGES).render

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
NOTICE = {
    "number": 3,
    "version": 1,
    "text": "明天 <b>9点</b> & 开会",
    "sender_name": "李<主任>",
    "meeting_at": "2026-12-01T09:00:00+08:00",
    "urgent": True,
    "kind": "notice",
    "round": 0,
}


def _tracking(n_waiting: int = 2) -> dict:
    return {
        "number": 3,
        "version": 2,
        "text": NOTICE["text"],
        "status": "open",
        "meeting_at": NOTICE["meeting_at"],
        "total": 3 + n_waiting,
        "confirmed_count": 1,
        "waiting_count": n_waiting,
        "unreachable_count": 1,
        "confirmed": [["张三", "zhangsan", "138", "2026-11-30T10:02:00+08:00"]],
        "waiting": [[f"王{i}", None, None, "private"] for i in range(n_waiting)],
        "unreachable": [["钱七", "qianqi", "139", "blocked"]],
        "more_confirmed": 0,
        "more_waiting": 0,
        "more_unreachable": 0,
        "resends": 1,
        "max_resends": 3,
        "next_at": "2026-11-30T10:30:00+08:00",
        "missing_reported": False,
        "changed_at": "2026-11-30T10:01:00+08:00",
        "cancelled_at": None,
    }


CASES = [
    ("notice", NOTICE),
    ("notice", {**NOTICE, "kind": "resend", "round": 2}),
    ("notice_group", {**NOTICE, "mentions": [[15, "孙<八>"]], "total": 5}),
    ("notice_tracking", _tracking()),
    ("notice_tracking", {**_tracking(), "status": "cancelled", "cancelled_at": NOW.isoformat()}),
    (
        "notice_missing",
        {
            "number": 3,
            "text": "x",
            "count": 1,
            "resends": 3,
            "people": [["王五", None, None, "not_started"]],
            "more": 0,
            "meeting_near": False,
        },
    ),
    ("notice_meeting", {**NOTICE, "mentions": [[15, "孙八"]]}),
    ("notice_cancelled", {"number": 3, "text": "<x>", "who": "李主任"}),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
)
def test_templates_render_and_escape(lang, name, params):
    out = render(name, params, RenderContext(lang, TZ, NOW))
    assert "<b>9点</b>" not in out.text
    assert "<主任>" not in out.text and "<八>" not in out.text and "<x>" not in out.text
    assert len(out.text) < 4096


def test_the_tracking_lists_missing_people_with_phones_and_the_start_link():
    out = render("notice_tracking", _tracking(), RenderContext("zh", TZ, NOW, "officebot_bot"))
    assert "已确认 <b>1/5</b>" in out.text
    assert "钱七（@qianqi）（已屏蔽机器人）☎ 139" in out.text
    assert "https://t.me/officebot_bot?start=hi" in out.text
    assert "张三（@zhangsan） 10:02" in out.text
    assert [b.callback_data for row in out.buttons for b in row] == ["n:change:3", "n:ask-cancel:3"]


def test_entries_stored_before_the_records_were_typed_still_render():
    # A personal 会议即将开始 carried the whole notice head and no mentions.
    old_meeting = {**NOTICE, "kind": "meeting"}
    out = render("notice_meeting", old_meeting, RenderContext("zh", TZ, NOW))
    assert "会议即将开始" in out.text and "明天 09:00" in out.text
    assert [
        b.callback_data
        for row in render("notice", NOTICE, RenderContext("zh", TZ, NOW)).buttons
        for b in row
    ] == ["n:confirm:3:1"]


def test_a_record_missing_a_value_fails_when_the_entry_is_made():
    from bot.notices.views import NoticeCard

    with pytest.raises(TypeError):
        NoticeCard(number=3, version=1, text="x", meeting_at=None, urgent=False)  # no sender
    with pytest.raises(TypeError):
        render("notice_tracking", {"number": 3, "text": "x"}, RenderContext("zh", TZ, NOW))


def test_a_recipient_s_copy_after_a_press():
    from bot.notices.rules import Confirm
    from bot.notices.views import NoticeCard, card_after_press, confirm_answer

    ctx = RenderContext("zh", TZ, NOW)
    card = NoticeCard.from_json(NOTICE)
    at = datetime(2026, 11, 30, 10, 5, tzinfo=TZ)
    confirmed = card_after_press(Confirm.CONFIRMED, card, at, "old", ctx)
    assert confirmed is not None and confirmed.endswith("✅ 已确认（10:05）")
    assert card_after_press(Confirm.STALE, card, None, "old", ctx) == (
        "old\n✏️ 此通知已更改，请看新的通知"
    )
    assert card_after_press(Confirm.NOT_RECIPIENT, card, None, "old", ctx) is None
    assert confirm_answer(Confirm.ALREADY, at, ctx) == ("你已在 10:05 确认过了", False)
    assert confirm_answer(Confirm.SENDER, None, ctx)[1] is True
