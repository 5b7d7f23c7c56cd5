"""The groups feature's pure parts: topics, deep links, who left, what an edit changed, the
button codec and the messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.paging import TELEGRAM_TEXT_LIMIT, visible_length
from bot.core.render import RenderContext
from bot.groups import callbacks, rules, views
from bot.groups.callbacks import Press, Verb
from bot.groups.rules import Reading
from bot.tasks.models import Assignee, Priority, Status, Task, TaskEvent

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, tzinfo=SH)


def _task(number: int = 1, **kw: object) -> Task:
    values: dict[str, object] = {
        "number": number,
        "space": "g-1",
        "chat_id": -1,
        "title": "交总结",
        "assigner": 10,
        "assignees": (Assignee(user_id=11, acknowledged_at=NOW),),
        "created_at": NOW,
        "events": (TaskEvent(at=NOW, actor=10, action="created"),),
    }
    values.update(kw)
    return Task(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("thread", "topic", "expected"),
    [
        pytest.param(5, True, 5, id="a-topic"),
        pytest.param(5, False, None, id="a-reply-thread-without-topics"),
        pytest.param(None, None, None, id="general"),
    ],
)
def test_the_topic_of_a_message(thread, topic, expected):
    assert rules.topic_of(thread, topic) == expected


def test_telegrams_words_for_a_topic_that_is_gone():
    assert rules.topic_gone("Bad Request: message thread not found")
    assert rules.topic_gone("Bad Request: TOPIC_CLOSED")
    assert not rules.topic_gone("Bad Request: can't parse entities")


def test_deep_links_name_the_task():
    assert rules.start_link("officebot_bot", rules.task_payload(12)) == (
        "https://t.me/officebot_bot?start=t12"
    )
    assert rules.task_payload(None) == "hi"
    assert rules.task_in_payload("t12") == 12
    assert rules.task_in_payload("hi") is None and rules.task_in_payload("t") is None


def test_who_left_holds_which_open_tasks_by_assigner():
    tasks = [
        _task(1),
        _task(2, assigner=12),
        _task(3, assignees=(Assignee(user_id=11, done_at=NOW), Assignee(user_id=13))),
        _task(4, status=Status.DONE),
        _task(5, assigner=11),  # their own
    ]
    held = rules.left_tasks(tasks, 11)
    assert {k: [t.number for t in v] for k, v in held.items()} == {10: [1], 12: [2]}


def test_an_edit_only_by_its_maker_within_15_minutes_while_open():
    task = _task()
    assert rules.may_edit(task, 10, NOW + timedelta(minutes=15))
    assert not rules.may_edit(task, 10, NOW + timedelta(minutes=16))
    assert not rules.may_edit(task, 11, NOW)
    assert not rules.may_edit(_task(status=Status.DONE), 10, NOW)


def test_an_edit_says_what_changed_and_keeps_what_people_did():
    task = _task()
    due = NOW + timedelta(days=1)
    reading = Reading("交总结", due, Priority.URGENT, (Assignee(user_id=11), Assignee(user_id=12)))
    edit = rules.apply_edit(task, reading, 10, NOW)
    assert edit is not None
    assert [c.what for c in edit.changes] == ["due", "priority", "people"]
    assert edit.task.assignees[0].acknowledged_at == NOW  # 张三's 收到 stays
    assert (edit.added, edit.removed, edit.kept) == ((12,), (), (11,))
    assert edit.task.events[-1].action == "edited" and edit.task.reminder_state == {}
    same = Reading("交总结", None, Priority.NORMAL, (Assignee(user_id=11),))
    assert rules.apply_edit(task, same, 10, NOW) is None


def test_the_codec_reads_what_it_builds_and_nothing_else():
    data = callbacks.build(Verb.REASSIGN, 123)
    assert data == "grp:reassign:123" and len(data.encode()) <= 64
    assert callbacks.parse(data) == Press(Verb.REASSIGN, 123)
    for bad in (
        "grp:reassign:",
        "grp:reassign:x",
        "grp:nope:1",
        "t:reassign:1",
        "grp:reassign:0",
        "grp:reassign:１２",
        "grp:reassign:1:2",
    ):
        assert callbacks.parse(bad) is None, bad


def _ctx(lang: str = "zh") -> RenderContext:
    return RenderContext(lang, SH, NOW, "officebot_bot")  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_message_about_someone_who_left_fits_however_many_tasks(lang):
    many = views.MemberLeft("张三", "办公室", [[n, "核对报表" * 20] for n in range(1, 301)])
    rendered = views.member_left(many, _ctx(lang))
    assert visible_length(rendered.text) <= TELEGRAM_TEXT_LIMIT
    shown = sum(len(row) for row in rendered.buttons)
    assert shown == views.MAX_BUTTONS
    assert all(len(b.callback_data.encode()) <= 64 for row in rendered.buttons for b in row)
    few = views.member_left(views.MemberLeft("张三", "办公室", [[4, "交总结"]]), _ctx(lang))
    assert "#4" in few.text and len(few.buttons) == 1


def test_an_edit_reads_from_what_to_what_in_the_readers_zone():
    record = views.TaskEdited(
        3,
        "交总结",
        "李主任",
        [
            ["due", None, (NOW + timedelta(days=1)).isoformat()],
            ["priority", "normal", "urgent"],
            ["people", "张三", "王五"],
            ["title", "交总结", "交季度总结"],
        ],
    )
    text = views.task_edited(record, _ctx()).text
    assert text.splitlines() == [
        "✏️ 李主任 修改了 <b>#3</b> 交总结：",
        "截止：无截止时间 → 明天 10:00",
        "轻重缓急：普通 → 🔴 紧急",
        "承办人：张三 → 王五",
        "内容：交总结 → 交季度总结",
    ]
    stored = views.TaskEdited.from_json(record.to_json())
    assert stored == record
