"""Issue 17 end to end, through the fake Bot API: a collection to a roster of four (one never
started the bot, one hands in a file, one is late, one says 办不了) with its tracking, reminders,
bundle and a restart in the middle; /export tasks read back with openpyxl; 加到日历 and /calendar
read back with icalendar; the weekly chart opened with Pillow; an outsider gets nothing."""

from __future__ import annotations

import dataclasses
import functools
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import openpyxl
import pytest
from PIL import Image

from bot.app import FEATURES, build_application
from bot.context import Services
from bot.core.feature import Feature
from bot.people.models import Person, Workspace
from bot.sim import runner
from bot.sim.fake_api import BotMessage, FakeBotAPI, FakeChat, FakeUser
from bot.sim.runner import BotRunner
from handlers import reports
from tests.e2e.office import buttons, put_roster, started

SH = ZoneInfo("Asia/Shanghai")
GROUP = -100300
ROSTER = "各科室负责人"


@dataclass
class Office:
    fake: FakeBotAPI
    group: FakeChat
    leader: FakeUser
    zhang: FakeUser  # hands in a file
    zhao: FakeUser  # in the group, never started the bot
    qian: FakeUser  # hands in late
    sun: FakeUser  # 办不了
    stranger: FakeUser  # started the bot, not in the group

    @property
    def four(self) -> list[FakeUser]:
        return [self.zhang, self.zhao, self.qian, self.sun]


async def _answer(fake: FakeBotAPI, qid: str) -> tuple[str, bool]:
    answer = await fake.wait_for(
        lambda: next((a for a in fake.callback_answers if a.query_id == qid), None)
    )
    return answer.text or "", answer.show_alert


async def _document(fake: FakeBotAPI, chat_id: int, after: int, name: str) -> BotMessage:
    """The next document the bot sends to `chat_id` whose file name ends with `name`."""
    return await fake.wait_for(
        lambda: next(
            (
                m
                for m in fake.bot_messages(chat_id)
                if m.seq > after and m.kind == "document" and (m.file_name or "").endswith(name)
            ),
            None,
        )
    )


def _reminders(fake: FakeBotAPI, user: FakeUser) -> list[BotMessage]:
    return [m for m in fake.bot_messages(user.id) if m.text.startswith("⏰ 提醒：收集")]


@pytest.fixture
async def office(env: BotRunner) -> Office:
    fake = env.fake
    assert env.db is not None
    leader = fake.add_user(10, "李主任", username="lizhuren")
    zhang = fake.add_user(11, "张三", username="zhangsan")
    zhao = fake.add_user(13, "赵六", username="zhaoliu")
    qian = fake.add_user(14, "钱七", username="qianqi")
    sun = fake.add_user(15, "孙八", username="sunba")
    stranger = fake.add_user(16, "路人", username="luren")
    members = [leader, zhang, zhao, qian, sun]
    group = fake.add_group(GROUP, "办公室", members=members, admins=[leader])
    await started(fake, leader, zhang, qian, sun, stranger)
    # 赵六 is known from the group but never started the bot.
    env.db.put_person(
        Person(user_id=zhao.id, first_name="赵六", username="zhaoliu", chats=(GROUP,))
    )
    env.db.put_workspace(
        Workspace(chat_id=GROUP, title="办公室", members=tuple(u.id for u in members))
    )
    office = Office(fake, group, leader, zhang, zhao, qian, sun, stranger)
    _make_roster(env, office)
    return office


def _make_roster(env: BotRunner, office: Office) -> None:
    """The directory's roster of the four, each with an office phone."""
    put_roster(env, GROUP, ROSTER, office.four, created_by=10)


async def test_a_collection_is_tracked_reminded_bundled_and_survives_a_restart(
    env: BotRunner, office: Office
) -> None:
    fake, leader = office.fake, office.leader
    fake.send_message(leader, office.group, f"/collect {ROSTER} 周五下班前 交本周工作总结")
    await fake.wait_for_message(GROUP, contains="已发出收集 第 1 号")
    tracking = await fake.wait_for_message(leader.id, contains="已交 0/4")
    assert (
        "赵六" in tracking.text
        and "未启动机器人" in tracking.text
        and "13800000001" in tracking.text
    )
    # The one who never started the bot: held, and the sender told (as tasks do).
    await fake.wait_for_message(leader.id, contains="暂时联系不上 赵六")
    requests = {}
    for u in (office.zhang, office.qian, office.sun):
        requests[u.id] = await fake.wait_for_message(u.id, contains="收集汇报")
        assert "李主任 请你交：交本周工作总结" in requests[u.id].text
        assert set(buttons(requests[u.id])) >= {"✅ 提交", "🙅 办不了", "📅 加到日历"}
    assert not [m for m in fake.bot_messages(office.zhao.id) if "收集" in m.text]

    # 张三 hands in a file (replying to the request), then presses 提交.
    zhang_chat = fake.private_chat(office.zhang)
    fake.send_document(
        office.zhang,
        zhang_chat,
        "第49周工作总结.docx",
        b"PK\x03\x04 docx",
        caption="请审阅",
        reply_to=requests[office.zhang.id].message_id,
    )
    ack = await fake.wait_for_message(office.zhang.id, contains="已收到")
    qid = fake.press_button(office.zhang, office.zhang.id, ack.message_id, "提交")
    assert await _answer(fake, qid) == ("✅ 已提交", False)
    await fake.wait_for(
        lambda: "已交 1/4" in (fake.message(leader.id, tracking.message_id) or tracking).text
    )

    # 孙八: 办不了, and why.
    qid = fake.press_button(office.sun, office.sun.id, requests[office.sun.id].message_id, "办不了")
    await _answer(fake, qid)
    prompt = await fake.wait_for_message(office.sun.id, contains="办不了的原因")
    fake.send_message(
        office.sun, fake.private_chat(office.sun), "出差在外，下周一补", reply_to=prompt.message_id
    )
    await fake.wait_for_message(office.sun.id, contains="已告知发起人")
    await fake.wait_for(
        lambda: "出差在外" in (fake.message(leader.id, tracking.message_id) or tracking).text
    )

    # A restart in the middle: nothing is lost, replies to the requests still hand in.
    await env.restart()
    mark = fake.mark()
    await env.set_time(datetime(2026, 12, 4, 9, 0, tzinfo=SH))  # Friday's work start
    reminder = await fake.wait_for_message(office.qian.id, contains="提醒", after=mark)
    assert "还没有交" in reminder.text
    await env.set_time(datetime(2026, 12, 4, 16, 0, tzinfo=SH))  # the last call
    await fake.wait_for(lambda: len(_reminders(fake, office.qian)) == 2)
    assert _reminders(fake, office.zhang) == _reminders(fake, office.sun) == []  # they answered

    # The deadline: everything to the sender in one message, then the file by its file_id.
    mark = fake.mark()
    await env.set_time(datetime(2026, 12, 4, 18, 0, tzinfo=SH))
    bundle = await fake.wait_for_message(leader.id, contains="汇总", after=mark)
    assert "已交 1/4" in bundle.text
    assert "张三" in bundle.text and "第49周工作总结.docx" in bundle.text
    assert "孙八 办不了：出差在外，下周一补" in bundle.text
    assert "钱七" in bundle.text and "13800000002" in bundle.text  # missing, with phones
    passed = await _document(fake, leader.id, bundle.seq, "第49周工作总结.docx")
    assert passed.file_id is not None and fake.file_content(passed.file_id) == b"PK\x03\x04 docx"
    assert "张三" in passed.text and "请审阅" in passed.text

    # 钱七 hands in late: accepted, marked 迟交, passed on to the sender on its own.
    qian_chat = fake.private_chat(office.qian)
    fake.send_message(office.qian, qian_chat, "本周完成了预算初稿。", reply_to=reminder.message_id)
    ack = await fake.wait_for_message(office.qian.id, contains="已收到")
    qid = fake.press_button(office.qian, office.qian.id, ack.message_id, "提交")
    assert (await _answer(fake, qid))[0] == "✅ 已提交（迟交）"
    late = await fake.wait_for_message(leader.id, contains="迟交")
    assert "本周完成了预算初稿。" in late.text and "2/4" in late.text
    await fake.wait_for(
        lambda: "已交 2/4" in (fake.message(leader.id, tracking.message_id) or tracking).text
    )
    assert "钱七" in (fake.message(leader.id, tracking.message_id) or tracking).text

    # /collect lists it; /export collect 1 is the sender's workbook, read back.
    fake.send_message(leader, fake.private_chat(leader), "/collect")
    listed = await fake.wait_for_message(leader.id, contains="收集（1）")
    assert "第 1 号 · 交本周工作总结" in listed.text and "已交 2/4" in listed.text
    mark = fake.mark()
    fake.send_message(leader, fake.private_chat(leader), "/export collect 1")
    doc = await _document(fake, leader.id, mark, "collect-1.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(fake.file_content(doc.file_id or "")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "用户名", "电话", "状态")
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["张三"][3] == "已交" and "第49周工作总结.docx" in by_name["张三"][6]
    assert by_name["钱七"][3] == "迟交" and by_name["钱七"][5] == "本周完成了预算初稿。"
    assert by_name["孙八"][3] == "办不了" and by_name["孙八"][7] == "出差在外，下周一补"
    assert by_name["赵六"][3] == "未交" and by_name["赵六"][2] == "13800000001"

    # An outsider gets none of it.
    fake.send_message(office.stranger, fake.private_chat(office.stranger), "/export collect 1")
    await fake.wait_for_message(office.stranger.id, contains="只有发起人")


async def _task(fake: FakeBotAPI, who: FakeUser, chat: FakeChat, text: str, number: int) -> None:
    fake.send_message(who, chat, f"/task {text}")
    await fake.wait_for_message(chat.id, contains=f"已记下 #{number}")


async def test_export_tasks_is_read_back_and_an_outsider_gets_none_of_it(office: Office) -> None:
    fake, leader, group = office.fake, office.leader, office.group
    await _task(fake, leader, group, "@zhangsan 周五前交季度总结", 1)
    await _task(fake, leader, group, "@zhangsan 明天下午三点前把会议通知发给各科室，急", 2)
    await _task(fake, leader, group, "@qianqi 周三前准备签到表", 3)
    fake.send_message(office.zhang, fake.private_chat(office.zhang), "/done #1 已交到办公室")
    await fake.wait_for_message(office.zhang.id, contains="#1")

    mark = fake.mark()
    fake.send_message(leader, group, "/export tasks")
    await fake.wait_for_message(GROUP, contains="已私信发给你")
    doc = await _document(fake, leader.id, mark, "tasks-2026-11.xlsx")
    assert "办公室 · 2026年11月：3 件任务" in doc.text
    book = openpyxl.load_workbook(io.BytesIO(fake.file_content(doc.file_id or "")))
    tasks, people = book["任务"], book["按人统计"]
    rows = list(tasks.iter_rows(values_only=True))
    assert rows[0] == (
        "编号",
        "标题",
        "交办人",
        "承办人",
        "创建时间",
        "截止时间",
        "轻重缓急",
        "状态",
        "完成时间",
        "备注与汇报",
    )
    created = datetime(2026, 11, 30, 10, 0)
    assert rows[1] == (
        1,
        "交季度总结",
        "李主任",
        "张三",
        created,
        datetime(2026, 12, 4, 18, 0),
        "普通",
        "已完成",
        created,
        "张三 完成：已交到办公室",
    )
    assert rows[2][:8] == (
        2,
        "把会议通知发给各科室",
        "李主任",
        "张三",
        created,
        datetime(2026, 12, 1, 15, 0),
        "紧急",
        "待办",
    )
    assert rows[3][:8] == (
        3,
        "准备签到表",
        "李主任",
        "钱七",
        created,
        datetime(2026, 12, 2, 18, 0),
        "普通",
        "待办",
    )
    assert len(rows) == 4
    counts = {r[0]: r[1:] for r in people.iter_rows(min_row=2, values_only=True)}
    assert counts["张三"] == (2, 1, 1, 0, 0, 0)
    assert counts["钱七"] == (1, 0, 1, 0, 0, 0)
    assert counts["李主任"] == (0, 0, 0, 0, 0, 3)

    # Privately, one's own; an outsider has none of the group's tasks, nor its files.
    outsider = office.stranger
    fake.send_message(outsider, fake.private_chat(outsider), "/export tasks 本月")
    await fake.wait_for_message(outsider.id, contains="没有任务")
    card = await fake.wait_for_message(office.zhang.id, contains="新任务 #2", after=0)
    qid = fake.press(outsider, (outsider.id, 2), "cal:task:2", strict=False)
    text, alert = await _answer(fake, qid)
    assert alert and "不是你的" in text
    assert not [m for m in fake.bot_messages(outsider.id) if m.kind == "document"]
    # …while 张三 gets his deadline as a calendar file, from a button on his card.
    mark = fake.mark()
    qid = fake.press(office.zhang, card, "cal:task:2", strict=False)
    assert (await _answer(fake, qid))[0] == "📅 日历文件已私信发给你"
    ics = await _document(fake, office.zhang.id, mark, "task-2.ics")
    event = icalendar.Calendar.from_ical(fake.file_content(ics.file_id or "")).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 12, 1, 15, 0, tzinfo=SH)
    assert event.walk("VALARM")[0].decoded("trigger") == -timedelta(minutes=15)  # urgent


async def test_calendar_files_carry_the_zone_and_the_reminder_lead(office: Office) -> None:
    fake, leader, group, zhang = office.fake, office.leader, office.group, office.zhang
    await _task(fake, leader, group, "@zhangsan 周三下午三点前交材料 提前半小时提醒", 1)
    await _task(fake, leader, group, "@zhangsan 周四上午十点前报送统计表，重要", 2)
    await _task(fake, leader, group, "@zhangsan 整理档案", 3)  # no due: not in the calendar
    fake.send_message(
        leader, fake.private_chat(leader), "/notify @zhangsan 明天上午9点在三楼会议室开预算会"
    )
    notice = await fake.wait_for_message(zhang.id, contains="预算会")

    mark = fake.mark()
    fake.send_message(zhang, fake.private_chat(zhang), "/calendar")
    doc = await _document(fake, zhang.id, mark, "officebot.ics")
    assert "3 项" in doc.text  # the two deadlines and the meeting (#17)
    cal = icalendar.Calendar.from_ical(fake.file_content(doc.file_id or ""))
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"task-1@officebot", "task-2@officebot", "notice-1@officebot"}
    first = events["task-1@officebot"]
    assert first.decoded("dtstart") == datetime(2026, 12, 2, 15, 0, tzinfo=SH)
    assert str(first.decoded("dtstart").tzinfo) == "Asia/Shanghai"
    assert first.walk("VALARM")[0].decoded("trigger") == -timedelta(minutes=30)  # remind_before
    second = events["task-2@officebot"]
    assert second.walk("VALARM")[0].decoded("trigger") == -timedelta(minutes=60)  # important
    assert "截止：#2 报送统计表" in str(second["SUMMARY"])

    mark = fake.mark()
    qid = fake.press(zhang, notice, "cal:notice:1", strict=False)
    await _answer(fake, qid)
    doc = await _document(fake, zhang.id, mark, "notice-1.ics")
    meeting = icalendar.Calendar.from_ical(fake.file_content(doc.file_id or "")).walk("VEVENT")[0]
    assert meeting.decoded("dtstart") == datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    assert meeting.walk("VALARM")[0].decoded("trigger") == -timedelta(minutes=30)
    qid = fake.press(office.stranger, (office.stranger.id, 2), "cal:notice:1", strict=False)
    assert "不是发给你的" in (await _answer(fake, qid))[0]


async def _calendar(fake: FakeBotAPI, user: FakeUser) -> icalendar.Calendar:
    """What /calendar sends `user` privately, read back."""
    mark = fake.mark()
    fake.send_message(user, fake.private_chat(user), "/calendar")
    doc = await _document(fake, user.id, mark, "officebot.ics")
    return icalendar.Calendar.from_ical(fake.file_content(doc.file_id or ""))


async def test_calendar_holds_the_meetings_ahead_one_sent_or_was_sent(
    env: BotRunner, office: Office
) -> None:
    fake, leader, zhang, outsider = office.fake, office.leader, office.zhang, office.stranger
    await _task(fake, leader, office.group, "@zhangsan 周三下午三点前交材料", 1)
    fake.send_message(
        leader, fake.private_chat(leader), "/notify @zhangsan 明天上午9点在三楼会议室开预算会"
    )
    await fake.wait_for_message(zhang.id, contains="预算会")

    cal = await _calendar(fake, zhang)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"task-1@officebot", "notice-1@officebot"}
    meeting, task = events["notice-1@officebot"], events["task-1@officebot"]
    assert meeting.decoded("dtstart") == datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    assert str(meeting.decoded("dtstart").tzinfo) == "Asia/Shanghai"
    assert "会议：" in str(meeting["SUMMARY"]) and "预算会" in str(meeting["SUMMARY"])
    assert meeting.walk("VALARM")[0].decoded("trigger") == -timedelta(minutes=30)
    assert task.decoded("dtstart") == datetime(2026, 12, 2, 15, 0, tzinfo=SH)
    assert task.walk("VALARM")[0].decoded("trigger") < timedelta(0)

    # The sender has the meeting he called (the task is 张三's to do, not his).
    mine = await _calendar(fake, leader)
    assert [str(e["UID"]) for e in mine.walk("VEVENT")] == ["notice-1@officebot"]

    # An outsider has neither: no file, and the empty answer says what it would hold.
    mark = fake.mark()
    fake.send_message(outsider, fake.private_chat(outsider), "/calendar")
    await fake.wait_for_message(outsider.id, contains="也没有要开的会", after=mark)
    await env.settle()
    assert not [m for m in fake.bot_messages(outsider.id) if m.kind == "document"]


async def test_old_or_tampered_buttons_get_an_answer_and_change_nothing(office: Office) -> None:
    fake = office.fake
    for data in ("rep:submit:99", "rep:frobnicate:1", "cal:task:x", "cal:moon:1"):
        qid = fake.press(office.zhang, (office.zhang.id, 2), data, strict=False)
        text, alert = await _answer(fake, qid)
        assert alert and text


async def test_collect_says_how_and_refuses_what_it_cannot_do(office: Office) -> None:
    fake, leader = office.fake, office.leader
    chat = fake.private_chat(leader)
    for text, expected in (
        ("/collect", "还没有收集"),
        ("/collect 明天交材料", "要向谁收集"),
        (f"/collect {ROSTER} 交材料", "截止时间是什么时候"),
        ("/collect 大家 明天下班前 交材料", "私聊里没有“大家”"),
        ("/collect stop 7", "没有第 7 号收集"),
    ):
        fake.send_message(leader, chat, text)
        await fake.wait_for_message(leader.id, contains=expected)
    # Someone who never started the bot is asked to, before anything is sent for them.
    fake.send_message(office.zhao, office.group, f"/collect {ROSTER} 明天下班前 交材料")
    await fake.wait_for_message(GROUP, contains="请先私聊")


def _with_week_charts(services: Services) -> Feature:
    """The reports feature with its weekly chart after every weekly summary: the one line the
    composition adds once /week wires it (see handlers/reports.py `on_week_sent`)."""
    declared = reports.feature(services)
    hooks = {**declared.sent_hooks, "week": services.reports.on_week_sent}
    return dataclasses.replace(declared, sent_hooks=hooks)


@pytest.fixture
async def charted(tmp_path, monkeypatch) -> AsyncIterator[BotRunner]:
    features = tuple(_with_week_charts if f is reports.feature else f for f in FEATURES)
    monkeypatch.setattr(
        runner, "build_application", functools.partial(build_application, features=features)
    )
    bot = BotRunner(tmp_path / "data", paced=False)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


def _dark_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    """The share of pixels in `box` that are ink (not the white background)."""
    histogram = image.crop(box).convert("L").histogram()
    return sum(histogram[:160]) / sum(histogram)


async def test_week_comes_with_a_chart_of_the_week(charted: BotRunner) -> None:
    fake = charted.fake
    leader = fake.add_user(10, "李主任", username="lizhuren")
    zhang = fake.add_user(11, "张三", username="zhangsan")
    group = fake.add_group(GROUP, "办公室", members=[leader, zhang], admins=[leader])
    await started(fake, leader, zhang)
    fake.send_message(zhang, group, "大家好")
    await _task(fake, leader, group, "@zhangsan 今天下午三点前交材料", 1)
    await _task(fake, leader, group, "@zhangsan 周三前准备签到表", 2)
    await _task(fake, leader, group, "@zhangsan 周五前交季度总结", 3)
    fake.send_message(zhang, fake.private_chat(zhang), "/done #2")
    await fake.wait_for_message(zhang.id, contains="#2")
    await charted.set_time(datetime(2026, 11, 30, 16, 0, tzinfo=SH))  # #1 is overdue now

    mark = fake.mark()
    fake.send_message(zhang, fake.private_chat(zhang), "/week")
    await fake.wait_for_message(zhang.id, contains="本周总结", after=mark)
    photo = await fake.wait_for(
        lambda: next(
            (m for m in fake.bot_messages(zhang.id) if m.seq > mark and m.kind == "photo"), None
        )
    )
    image = Image.open(io.BytesIO(fake.file_content(photo.file_id or "")))
    assert image.format == "PNG" and image.width == 960 and 500 <= image.height <= 1200
    assert _dark_share(image, (30, 20, 400, 62)) > 0.04  # the title "本周任务 · 张三" is drawn
    assert _dark_share(image, (500, 20, 930, 62)) == 0  # and nothing beside it
    colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 20) or ()}
    assert {(67, 160, 71), (30, 136, 229), (229, 57, 53)} <= colours  # done, open, overdue


async def test_it_reads_in_english_for_those_who_speak_it(env: BotRunner) -> None:
    fake = env.fake
    boss = fake.add_user(20, "Alice", username="alice", language_code="en")
    bob = fake.add_user(21, "Bob", username="bob", language_code="en")
    await _started_en(fake, boss, bob)
    fake.send_message(boss, fake.private_chat(boss), "/collect @bob by Friday 5pm weekly report")
    tracking = await fake.wait_for_message(boss.id, contains="handed in 0/1")
    request = await fake.wait_for_message(bob.id, contains="Report request")
    assert "Alice asks you for: weekly report" in request.text
    assert set(buttons(request)) == {"✅ Submit", "🙅 Can't do it", "📅 Add to calendar"}
    fake.send_message(
        bob, fake.private_chat(bob), "Done: the budget draft.", reply_to=request.message_id
    )
    ack = await fake.wait_for_message(bob.id, contains="Received")
    qid = fake.press_button(bob, bob.id, ack.message_id, "Submit")
    assert (await _answer(fake, qid))[0] == "✅ Submitted"
    bundle = await fake.wait_for_message(boss.id, contains="handed in 1/1")
    assert "Done: the budget draft." in bundle.text
    await fake.wait_for(
        lambda: (
            "Everyone handed in" in (fake.message(boss.id, tracking.message_id) or tracking).text
        )
    )


async def _started_en(fake: FakeBotAPI, *users: FakeUser) -> None:
    for u in users:
        fake.send_message(u, fake.private_chat(u), "/start")
        await fake.wait_for_message(u.id, contains="Hello")
