"""How reminders read: one typed record per kind, entries stored before the records still render."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.render import MessageParams, RenderContext, Renderer
from bot.reminders.views import (
    MESSAGES,
    AckEscalation,
    AckResend,
    BeforeDue,
    CardReminder,
    DueNow,
    Escalation,
    MorningDigest,
    Overdue,
    WeekSummary,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 17, tzinfo=SH)
CTX = RenderContext("zh", SH, NOW)
CTX_EN = RenderContext("en", SH, NOW)


def card(**changes: Any) -> dict[str, Any]:
    base = {
        "number": 7,
        "title": "报送材料",
        "assigner_name": "李主任",
        "assignee_names": ["张三"],
        "due": datetime(2026, 11, 30, 15, tzinfo=SH).isoformat(),
        "priority": "normal",
        "recurrence": None,
        "kind": "task",
        "status": "acknowledged",
        "status_at": None,
        "overdue": True,
    }
    return {**base, **changes}


ITEM = {"number": 7, "title": "报送材料", "due": None, "priority": "urgent", "kind": "task"}
RECORDS: list[MessageParams] = [
    BeforeDue(card=card(), late=True, acked=False),
    DueNow(card=card(kind="reminder"), late=False, acked=True),
    Overdue(card=card(), late=False, acked=True),
    AckResend(card=card(), late=False, acked=False),
    Escalation(7, "报送材料", due=card()["due"], names=["张三", "王五"]),
    AckEscalation(7, "报送材料", "张三", datetime(2026, 11, 30, 10, tzinfo=SH).isoformat()),
    MorningDigest(
        day="2026-11-30",
        sections=[
            {
                "key": "overdue",
                "count": 1,
                "groups": [{"assigner": "李主任", "self": False, "items": [ITEM]}],
            }
        ],
        handed=[{**ITEM, "people": [["王五", "not_acked"]]}],
        undated=2,
        empty=False,
        late=False,
    ),
    WeekSummary(
        start="2026-11-30", done=[ITEM], open=[], handed_done=1, handed_open=2, empty=False
    ),
]


def test_every_kind_is_declared_once_with_its_record():
    assert sorted(kind.name for kind in MESSAGES) == sorted(r.KIND for r in RECORDS)
    assert {kind.name: kind.params for kind in MESSAGES} == {r.KIND: type(r) for r in RECORDS}


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.KIND)
def test_a_record_comes_back_from_its_json_and_renders_in_both_languages(record):
    assert type(record).from_json(record.to_json()) == record
    renderer = Renderer(MESSAGES)
    for ctx in (CTX, CTX_EN):
        assert renderer.render(record.KIND, record.to_json(), ctx).text


@pytest.mark.parametrize("kind", [BeforeDue, DueNow, Overdue, AckResend], ids=lambda k: k.KIND)
def test_a_card_reminder_stored_flat_before_the_records_renders_the_same(
    kind: type[CardReminder],
):
    new = kind(card=card(), late=True, acked=True)
    old_json = {**card(), "late": True, "acked": True}
    assert kind.from_json(old_json) == new
    renderer = Renderer(MESSAGES)
    assert renderer.render(kind.KIND, old_json, CTX) == renderer.render(
        kind.KIND, new.to_json(), CTX
    )


def test_a_record_missing_a_value_fails_when_it_is_read():
    with pytest.raises(TypeError):
        Escalation.from_json({"number": 7, "title": "x", "due": card()["due"]})


def test_a_reminder_of_ones_own_has_got_it_and_snooze_a_task_its_work_buttons():
    renderer = Renderer(MESSAGES)
    own = renderer.render("rem_due", DueNow(card(kind="reminder"), False, False).to_json(), CTX)
    assert [b.callback_data for row in own.buttons for b in row] == ["t:done:7", "t:snooze:7"]
    task = renderer.render("rem_nag", Overdue(card(), False, True).to_json(), CTX)
    assert "t:ack:7" not in [b.callback_data for row in task.buttons for b in row]
    assert "2 小时" in task.text  # overdue since 15:00, measured when rendered


def test_the_escalations_offer_a_nudge():
    renderer = Renderer(MESSAGES)
    for record in (RECORDS[4], RECORDS[5]):
        rendered = renderer.render(record.KIND, record.to_json(), CTX)
        assert [b.callback_data for row in rendered.buttons for b in row] == ["t:nudge:7"]
    assert "张三、王五" in renderer.render("rem_escalate", RECORDS[4].to_json(), CTX).text


def test_the_digest_lists_sections_what_was_handed_out_and_the_undated_count():
    text = Renderer(MESSAGES).render("digest", RECORDS[6].to_json(), CTX_EN).text
    lines = text.splitlines()
    assert "Overdue" in lines[2] and "From 李主任" in lines[3]
    assert "    王五: 📭 not acknowledged" in lines
    assert lines[-1] == "2 more without a due time, see /my"


def test_no_two_nags_of_a_day_read_the_same_and_the_daily_one_names_the_day():
    render = Renderer(MESSAGES)
    heads = []
    for round_ in (1, 2, 3, 0):
        params = Overdue(card=card(), late=False, acked=True, round=round_).to_json()
        heads.append(render.render("rem_nag", params, CTX).text.splitlines()[0])
    assert len(set(heads)) == 4
    assert "第 2 次提醒" in heads[1] and "最后一次" in heads[2] and "11月30日 周一" in heads[3]
    # A nag stored before the rounds existed reads as the first.
    old = {"card": card(), "late": False, "acked": True}
    assert render.render("rem_nag", old, CTX).text.splitlines()[0] == heads[0]


def test_an_assignees_bundle_line_offers_the_one_button_that_ends_it_and_a_look():
    render = Renderer(MESSAGES)
    unacked = AckResend(card=card(), late=False, acked=False).to_json()
    item = render.item("rem_ack_resend", unacked, CTX)
    assert item is not None and item.section == "reminders.bundle_unacked"
    assert [b.callback_data for b in item.buttons] == ["t:ack:7", "t:view:7"]
    nag = render.item("rem_nag", Overdue(card=card(), late=False, acked=True).to_json(), CTX)
    assert nag is not None and [b.callback_data for b in nag.buttons] == ["t:done:7", "t:view:7"]
    assert "已逾期 2 小时" in nag.text
