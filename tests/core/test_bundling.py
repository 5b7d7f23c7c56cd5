"""Say one thing once (bot/core/bundling.py, the Renderer's items): which queued entries go out
together, how several read as one message, and that a lone one reads as it always did."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import bundling
from bot.core.bundling import Item
from bot.core.models import Button, OutboxEntry
from bot.core.render import RenderContext, Renderer
from bot.reminders import views as reminder_views
from bot.tasks import views as task_views

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 12, tzinfo=SH)
CTX = RenderContext("zh", SH, NOW, "officebot_bot")
RENDERER = Renderer((*task_views.MESSAGES, *reminder_views.MESSAGES))


def ack_escalation(number: int, **changes: object) -> OutboxEntry:
    params = {
        "number": number,
        "title": f"任务{number}",
        "name": "张三",
        "since": "2026-11-30T10:00:00+08:00",
    }
    base = {"id": f"e{number}", "space": "g-1", "created_at": NOW, "template": "rem_ack_escalate"}
    return OutboxEntry(**{**base, "params": params, "to_user": 10, **changes})  # type: ignore[arg-type]


def bundleable(entry: OutboxEntry) -> bool:
    return RENDERER.bundleable(entry.template, entry.params)


def test_what_goes_with_an_entry_is_the_same_persons_bundleable_and_due():
    head = ack_escalation(1)
    queued = [
        ack_escalation(2),
        ack_escalation(3, to_user=11),  # someone else
        ack_escalation(4, fallback_chat=-5),  # routed otherwise if they cannot be reached
        ack_escalation(5, not_before=NOW + timedelta(hours=1)),  # not yet
        ack_escalation(6, template="task_done"),  # not a bundleable kind
        ack_escalation(7, sent_at=NOW),  # gone already
        ack_escalation(8),
    ]
    taken = bundling.take(head, queued, now=NOW, bundleable=bundleable)
    assert [e.id for e in taken] == ["e2", "e8"]
    assert bundling.take(queued[4], queued, now=NOW, bundleable=bundleable) == []


def test_a_bundle_holds_at_most_max_items():
    queued = [ack_escalation(n) for n in range(2, 40)]
    taken = bundling.take(ack_escalation(1), queued, now=NOW, bundleable=bundleable)
    assert len(taken) + 1 == bundling.MAX_ITEMS


def test_items_read_as_sections_in_the_order_they_come_each_with_its_buttons():
    a, b = Button("x", "t:nudge:1"), Button("y", "t:view:2")
    items = [
        Item("reminders.bundle_ack_escalate", "<b>#1</b> 甲", (a,)),
        Item("reminders.bundle_escalate", "<b>#2</b> 乙", (b,)),
        Item("reminders.bundle_ack_escalate", "<b>#3</b> 丙"),
    ]
    text, rows = bundling.merge(items, "zh")
    assert text.splitlines() == [
        "📭 <b>你交办的还没确认收到</b>（2）",
        "· <b>#1</b> 甲",
        "· <b>#3</b> 丙",
        "",
        "⚠️ <b>你交办的已逾期</b>（1）",
        "· <b>#2</b> 乙",
    ]
    assert rows == ((a,), (b,))


def test_the_assigners_bundle_has_nudge_and_view_for_each_task():
    items = [
        RENDERER.item(e.template, e.params, CTX) for e in (ack_escalation(4), ack_escalation(7))
    ]
    rendered = RENDERER.render_bundle([i for i in items if i is not None], CTX)
    assert rendered.text.startswith("📭 <b>你交办的还没确认收到</b>（2）")
    assert [[b.callback_data for b in row] for row in rendered.buttons] == [
        ["t:nudge:4", "t:view:4"],
        ["t:nudge:7", "t:view:7"],
    ]


@pytest.mark.parametrize(
    ("template", "params", "expected"),
    [
        pytest.param("rem_ack_escalate", ack_escalation(1).params, True, id="ack-escalation"),
        pytest.param(
            "rem_due",
            {
                "card": {"number": 1, "title": "吃药", "kind": "reminder", "due": NOW.isoformat()},
                "late": False,
                "acked": True,
            },
            False,
            id="a-reminder-rings-alone",
        ),
        pytest.param("task_done", {"number": 1, "title": "t", "who": "x"}, False, id="done-report"),
        pytest.param("no_such_kind", {}, False, id="unknown"),
        pytest.param("rem_ack_escalate", {"number": 1}, False, id="unreadable"),
    ],
)
def test_which_entries_are_bundleable(template, params, expected):
    assert RENDERER.bundleable(template, params) is expected


def test_what_went_in_the_same_message_is_recorded_the_same_way():
    sent = OutboxEntry(
        "e1", "g-1", NOW, "rem_nag", sent_at=NOW, sent_chat_id=10, sent_message_id=7, attempts=1
    )
    other = ack_escalation(2)
    recorded = bundling.same_outcome(sent, other)
    assert (recorded.sent_at, recorded.sent_message_id, recorded.attempts) == (NOW, 7, 1)
    later = OutboxEntry("e1", "g-1", NOW, "rem_nag", not_before=NOW + timedelta(seconds=30))
    retried = bundling.same_outcome(later, other)
    assert retried.pending and retried.not_before == NOW + timedelta(seconds=30)
