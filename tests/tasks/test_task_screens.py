"""What the person acting sees (bot/tasks/screens.py) and the cards issue #13 changed: every
button is the codec's and carries the task's revision; one's own note reads as one's own."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.render import RenderContext, Rendered, Renderer
from bot.tasks import callbacks, screens, views
from bot.tasks.callbacks import Flag, SavePress, TaskPress, Verb
from bot.tasks.models import Priority
from bot.tasks.screens import HandedOut

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, tzinfo=SH)
CTX = RenderContext("zh", SH, NOW, "officebot_bot")
EN = RenderContext("en", SH, NOW, "officebot_bot")
CARD = views.Card(
    number=7,
    title="交总结",
    assigner_name="李主任",
    assignee_names=["张三"],
    due="2026-12-04T18:00:00+08:00",
    revision=4,
)


def presses(rendered: Rendered) -> list[callbacks.Press | None]:
    """The task buttons' presses (加到日历 is the reports feature's)."""
    return [
        callbacks.parse(b.callback_data)
        for row in rendered.buttons
        for b in row
        if not b.callback_data.startswith("cal:")
    ]


def test_a_cards_buttons_carry_its_revision():
    rendered = Renderer(views.MESSAGES).render(
        "task_assigned", {**CARD.to_json(), "heading": "tasks.assigned_title"}, CTX
    )
    assert presses(rendered) == [
        TaskPress(Verb.ACK, 7, 4),
        TaskPress(Verb.DONE, 7, 4),
        TaskPress(Verb.SNOOZE, 7, 4),
        TaskPress(Verb.HAND, 7, 4),
        TaskPress(Verb.CANNOT, 7, 4),
    ]


def test_ones_own_note_has_no_pair_and_nobody_to_report_to():
    own = views.Card(7, "整理档案", "张三", ["张三"], own=True, revision=1)
    rendered = views.card_with_state(own, CTX, buttons=True)
    assert "交办人" not in rendered.text and "承办人" not in rendered.text
    assert [p.verb for p in presses(rendered) if isinstance(p, TaskPress)] == [
        Verb.DONE,
        Verb.SNOOZE,
        Verb.HAND,
    ]
    assert "来自" not in screens.queue_line(own, CTX)


def test_a_card_for_others_says_whose_me_where_it_came_from_and_the_readers_snooze():
    card = views.Card(
        7,
        "给我打印二十份材料",
        "李主任",
        ["张三"],
        me="李主任",
        source="王局长",
        snoozed_until="2026-12-01T09:00:00+08:00",
    )
    text = "\n".join(views.card_lines(card, CTX))
    assert "“我”指 李主任" in text and "来源：王局长" in text and "你已推迟到 明天 09:00" in text
    assert "“me” here is 李主任" in "\n".join(views.card_lines(card, EN))
    assert "⏰ 推迟到 明天 09:00" in screens.queue_line(card, CTX)


def test_the_snooze_menu_offers_more_time_when_the_deadline_is_someone_elses():
    rows = screens.snooze_menu(7, [], rev=4, extend=True)
    assert [[callbacks.parse(b.callback_data) for b in row] for row in rows] == [
        [TaskPress(Verb.EXTEND, 7, 4)],
        [TaskPress(Verb.SNOOZE_TYPED, 7, 4), TaskPress(Verb.BACK, 7, 4)],
    ]


def test_a_late_snooze_offers_more_time_or_to_snooze_anyway():
    until, due = NOW + timedelta(days=5), NOW + timedelta(days=4)
    at = int(until.timestamp())
    rendered = screens.late_snooze(7, until, due, 4, CTX, own=False)
    assert "就会逾期" in rendered.text
    assert presses(rendered) == [
        TaskPress(Verb.EXTEND, 7, 4, at=at),
        TaskPress(Verb.SNOOZE_ANYWAY, 7, 4, at=at),
    ]
    own = screens.late_snooze(7, until, due, 4, CTX, own=True)
    assert presses(own)[0] == TaskPress(Verb.DUE, 7, 4, at=at)


def test_the_assigners_card_has_every_change():
    rendered = views.assigner_card(CARD, CTX, deciding=True)
    assert [p.verb for p in presses(rendered) if isinstance(p, TaskPress)] == [
        Verb.DUE,
        Verb.REASSIGN,
        Verb.RENAME,
        Verb.PRIORITY,
        Verb.NUDGE,
        Verb.CANCEL,
        Verb.KEEP,
    ]
    done = views.assigner_card(views.Card(7, "x", status="done"), CTX)
    assert done.buttons == ()


def test_assigned_lines_say_when_they_were_nudged_and_keep_their_buttons():
    item = HandedOut(
        views.Card(7, "交总结", revision=4), (("张三", "acked"),), True, NOW.isoformat()
    )
    rendered = screens.assigned_list([item], 1, CTX)
    assert "📣 已催办 今天 10:00" in rendered.text
    assert presses(rendered) == [
        TaskPress(Verb.NUDGE, 7, 4, flag=Flag.LIST),
        TaskPress(Verb.MANAGE, 7, 4),
    ]


def test_questions_that_need_a_tap():
    cancel = screens.cancel_question(7, "交总结", 4, "zh", "不用了")
    assert "理由：不用了" in cancel.text
    assert presses(cancel) == [
        TaskPress(Verb.CANCEL, 7, 4, flag=Flag.YES),
        TaskPress(Verb.CANCEL, 7, 4, flag=Flag.NO),
    ]
    assert presses(screens.done_question(7, "交总结", 4, "zh")) == [
        TaskPress(Verb.DONE, 7, 4, flag=Flag.YES)
    ]
    assert presses(screens.save_offer("en")) == [SavePress()]
    undo = screens.acted("replied_ack", 7, 5, CTX)
    assert "已确认收到 #7" in undo.text and presses(undo) == [TaskPress(Verb.REVERT, 7, 5)]


def test_the_priority_menu_marks_the_current_one():
    rows = screens.priority_menu(7, Priority.NORMAL, rev=4)
    marks = [b.values["mark"] for row in rows[:2] for b in row]
    assert marks == ["", "", "✓ ", ""]
    assert callbacks.parse(rows[0][0].callback_data) == TaskPress(
        Verb.PRIORITY, 7, 4, priority=Priority.URGENT
    )


def test_entries_stored_before_revisions_still_render_with_buttons_that_work():
    renderer = Renderer(views.MESSAGES)
    cannot = renderer.render(
        "task_cannot", {"number": 7, "title": "x", "who": "张三", "report": "r"}, CTX
    )
    assert TaskPress(Verb.KEEP, 7) in presses(cannot)  # checked against the task as it is
    due = renderer.render(
        "task_due_changed", {"number": 7, "title": "x", "who": "张三", "due": CARD.due}, CTX
    )
    assert "截止时间改为" in due.text and "原为" not in due.text
