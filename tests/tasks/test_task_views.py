"""How tasks read: every message kind renders from what the outbox already holds, its buttons are
the codec's, and a typed record keeps the stored shape."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.render import MessageParams, RenderContext, Rendered, Renderer
from bot.reports import callbacks as report_callbacks
from bot.tasks import callbacks, screens, views
from bot.tasks.callbacks import TaskPress, Verb
from bot.tasks.rules import Page, Prompt, SnoozeOption

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, tzinfo=SH)
CTX = RenderContext("zh", SH, NOW, "officebot_bot")
# A card's values as the task service has always stored them, flat in each entry's params.
CARD = {
    "number": 7,
    "title": "交总结",
    "assigner_name": "李主任",
    "assignee_names": ["张三"],
    "due": "2026-12-04T17:00:00+08:00",
    "priority": "urgent",
    "recurrence": None,
    "kind": "task",
    "status": "open",
    "status_at": "2026-11-30T10:00:00+08:00",
    "overdue": False,
}
ABOUT = {"number": 7, "title": "交总结"}

# What entries already waiting in an outbox hold (the params written before records were typed).
STORED: list[Any] = [
    pytest.param(
        "task_created", {**CARD, "pending": ["newbie"], "self_task": False}, "已记下", id="created"
    ),
    pytest.param(
        "task_assigned",
        {**CARD, "heading": "tasks.assigned_title", "note": ""},
        "新任务",
        id="assigned",
    ),
    pytest.param(
        "task_assigned",
        {**CARD, "heading": "tasks.handed_title", "note": "", "from_name": "张三"},
        "转交人：张三",
        id="handed-card",
    ),
    pytest.param(
        "task_receipt", {**ABOUT, "who": "张三", "at": NOW.isoformat()}, "张三 已收到", id="receipt"
    ),
    pytest.param(
        "task_done",
        {**ABOUT, "who": "张三", "note": "好了", "all_done": False, "progress": "1/2"},
        "1/2",
        id="done",
    ),
    pytest.param(
        "task_cannot", {**ABOUT, "who": "张三", "report": "财务科不在"}, "财务科不在", id="cannot"
    ),
    pytest.param(
        "task_progress", {**ABOUT, "who": "张三", "text": "已联系"}, "已联系", id="progress"
    ),
    pytest.param(
        "task_handed",
        {**ABOUT, "giver": "张三", "taker": "王五"},
        "已由 张三 转交给 王五",
        id="handed",
    ),
    pytest.param(
        "task_handed",
        {**ABOUT, "giver": "张三", "taker": "王五", "by": "李主任"},
        "李主任 已把",
        id="reassigned",
    ),
    pytest.param("task_cancelled", {**ABOUT, "who": "李主任"}, "已被 李主任 取消", id="cancelled"),
    pytest.param(
        "task_due_changed", {**ABOUT, "who": "张三", "due": CARD["due"]}, "截止时间改为", id="due"
    ),
    pytest.param("task_nudge", {**CARD, "who": "李主任", "acked": True}, "李主任 催办", id="nudge"),
    pytest.param(
        "task_ask_reassign",
        {**ABOUT, "who": "张三", "candidates": [[12, "王五"], [10, "李主任"]]},
        "请示另安排",
        id="ask",
    ),
    pytest.param(
        "unreachable",
        {"user_id": 11, "name": "张三", "username": "zhang", "task_number": 7},
        "#7 暂时送不到 张三",
        id="unreachable",
    ),
]


def _data(rendered: Rendered) -> list[str]:
    return [b.callback_data for row in rendered.buttons for b in row]


@pytest.mark.parametrize(("kind", "params", "says"), STORED)
def test_what_the_outbox_already_holds_still_renders(kind: str, params: dict[str, Any], says: str):
    renderer = Renderer(views.MESSAGES)
    rendered = renderer.render(kind, params, CTX)
    assert says in rendered.text
    # Task buttons read back through the tasks codec; 加到日历 through the reports codec.
    assert all(
        (report_callbacks.parse(d) if d.startswith("cal:") else callbacks.parse(d)) is not None
        for d in _data(rendered)
    )
    # Read as its record and stored again, an entry keeps every value it had.
    record = next(k.params for k in views.MESSAGES if k.name == kind).from_json(params)
    assert record.to_json().items() >= params.items()
    assert renderer.render(kind, record.to_json(), CTX) == rendered


def test_every_kind_has_a_typed_record():
    for kind in views.MESSAGES:
        assert issubclass(kind.params, MessageParams) and dataclasses.is_dataclass(kind.params)
    assert len(views.MESSAGES) == 17


def test_a_record_without_a_required_value_cannot_be_made():
    with pytest.raises(TypeError):
        views.TaskReceipt.from_json({"number": 7, "title": "交总结", "who": "张三"})
    with pytest.raises(TypeError):
        views.TaskAssigned.from_json({"title": "no number", "heading": "tasks.assigned_title"})


def test_a_card_record_is_stored_flat():
    card = views.Card.from_json(CARD)
    record = views.TaskNudge(card, "李主任", acked=True)
    # The card's values (with those a card gained later, at their defaults) beside its own.
    later = {
        "revision": None,
        "own": False,
        "me": None,
        "source": None,
        "snoozed_until": None,
        "urgency": "",
    }
    assert record.to_json() == {**CARD, **later, "who": "李主任", "acked": True}
    assert views.TaskNudge.from_json(record.to_json()) == record


def test_an_assignee_gets_the_work_buttons_and_they_say_what_they_do():
    rendered = Renderer(views.MESSAGES).render(
        "task_assigned", {**CARD, "heading": "tasks.assigned_title"}, CTX
    )
    work = ["t:ack:7", "t:done:7", "t:snooze:7", "t:hand:7", "t:cannot:7"]
    # A card with a due time also offers 加到日历 (the reports feature's .ics).
    assert _data(rendered) == ([*work, "cal:task:7"] if CARD.get("due") else work)
    acked = views.work_buttons(7, acked=True)
    assert [b.callback_data for b in acked[0]] == ["t:done:7"]


def test_the_card_of_a_finished_task_has_no_buttons():
    done = views.Card.from_json({**CARD, "status": "done"})
    rendered = views.card_with_state(done, CTX, buttons=True)
    assert "已完成" in rendered.text and rendered.buttons == ()


def test_the_snooze_menu_after_two_oclock_has_no_afternoon():
    options = [SnoozeOption.HOUR, SnoozeOption.TOMORROW, SnoozeOption.MONDAY]
    rows = screens.snooze_menu(7, options)
    assert [[b.callback_data for b in row] for row in rows] == [
        ["t:snooze:7:1h", "t:snooze:7:tam"],
        ["t:snooze:7:mon"],
        ["t:snooze-typed:7", "t:back:7"],
    ]


def test_the_hand_menu_offers_colleagues_two_a_row():
    rows = screens.hand_menu(7, [(12, "王五"), (10, "李主任"), (13, "路人")])
    people = [b.values["name"] for row in rows[:2] for b in row]
    assert people == ["王五", "李主任", "路人"]
    assert callbacks.parse(rows[0][0].callback_data) == TaskPress(Verb.HAND, 7, person=12)
    assert [b.callback_data for b in rows[-1]] == ["t:hand-typed:7", "t:back:7"]


def test_my_page_turns_with_the_codecs_buttons():
    card = views.Card.from_json(CARD)
    page = Page((card,), 1, 3, 21)
    rendered = screens.my_page(page, CTX)
    assert "第 2/3 页" in rendered.text and "交总结" in rendered.text
    assert _data(rendered) == ["t:my:0", "t:my:2"]
    assert screens.my_page(Page((), 0, 1, 0), CTX).text == "🎉 你现在没有待办任务。"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("prompt", list(Prompt))
def test_our_questions_are_recognised_from_their_text(lang, prompt: Prompt):
    text = screens.prompt_text(lang, prompt, 42)
    assert screens.which_prompt(text) == (prompt, 42)
    assert screens.which_prompt("@张三 " + text) == (prompt, 42)  # in a group: by name first
    assert screens.which_prompt(text + " 好的") is None


def test_a_message_that_is_not_a_question_is_not_one():
    assert screens.which_prompt("📥 新任务 #42 交总结") is None
    assert screens.which_prompt("no number") is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"urgency": "overdue", "priority": "normal"},
            "#7 交总结 · 🔴 逾期 · 12月4日 周五 17:00",
            id="overdue",
        ),
        pytest.param(
            {"urgency": "soon", "priority": "normal"},
            "#7 交总结 · ⏳ 12月4日 周五 17:00",
            id="soon",
        ),
        pytest.param(
            {"urgency": "today", "priority": "high"},
            "#7 交总结 · 📅 12月4日 周五 17:00 · 🟠 较急",
            id="today-high",
        ),
        pytest.param(
            {"urgency": "urgent"}, "#7 交总结 · 🔴 紧急 · 12月4日 周五 17:00", id="urgent"
        ),
        pytest.param(
            {"urgency": "low", "priority": "low", "due": None}, "#7 交总结 · 🟢 不急", id="low"
        ),
        pytest.param(
            {"overdue": True, "priority": "normal"},
            "#7 交总结 · 🔴 逾期 · 12月4日 周五 17:00",
            id="old-card",
        ),
    ],
)
def test_a_queue_line_says_why_it_is_where_it_is(changes, expected):
    card = views.Card.from_json({**CARD, "assigner_name": None, **changes})
    line = screens.queue_line(card, CTX).replace("<b>", "").replace("</b>", "")
    assert line == expected
