"""Issue 5 end to end: reminders before and at due, overdue nags and escalation, the
not-acknowledged resend, quiet hours, digests, recurrences and a restart — through the fake API,
moving a ManualClock (never sleeping for minutes)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.sim.fake_api import FakeBotAPI, FakeUser
from bot.sim.runner import BotRunner
from tests.e2e.office import Office, buttons, make_office, started

SH = ZoneInfo("Asia/Shanghai")
MON = datetime(2026, 11, 30, 10, 0, tzinfo=SH)  # the runner's start: a Monday, 10:00


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the test week: day 30 = Mon 30 Nov, 1 = Tue 1 Dec, …"""
    month = 11 if day >= 20 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
async def office(env: BotRunner) -> Office:
    return await make_office(env, stranger_in_group=False)


def _texts(fake: FakeBotAPI, chat_id: int, since: int, contains: str) -> list[str]:
    """The bot's messages in a chat since a mark that contain `contains` (digests apart,
    unless asked for: they mention every task)."""
    return [
        m.text
        for m in fake.bot_messages(chat_id)
        if m.seq > since and contains in m.text and ("早报" not in m.text or "早报" in contains)
    ]


async def _next(fake: FakeBotAPI, chat_id: int, since: int, contains: str) -> str:
    """Wait for the first matching message (not a digest) since the mark."""
    found = await fake.wait_for(lambda: _texts(fake, chat_id, since, contains))
    return found[0]


async def _assign(office: Office, text: str, who: FakeUser | None = None) -> int:
    """Assign in the group; the assignee presses 收到 (keeps the ack flow out of the way)."""
    fake = office.fake
    mark = fake.mark()
    fake.send_message(office.leader, office.group, f"/task {text}")
    confirm = await fake.wait_for_message(office.group.id, contains="已记下", after=mark)
    number = int(confirm.text.split("#")[1].split()[0])
    if who is not None:
        card = await fake.wait_for_message(who.id, contains=f"#{number}", after=mark)
        fake.press_button(who, who.id, card.message_id, "收到")
        await fake.wait_for_message(office.leader.id, contains="已收到", after=mark)
    return number


async def test_reminded_before_and_at_due_then_one_nag_and_each_morning_the_digest(
    env: BotRunner, office: Office
):
    """Issue 14: on the day it falls overdue a task nags (backing off, here once: the next
    would be after hours); from the next day the morning digest says it, nothing repeats it."""
    fake, zhang, leader = office.fake, office.zhang, office.leader
    n = await _assign(office, "@zhangsan 今天下午三点前报送材料，重要", who=zhang)

    mark = fake.mark()
    await env.set_time(at(30, 13, 59))
    await env.settle()
    assert _texts(fake, zhang.id, mark, f"#{n}") == []

    await env.set_time(at(30, 14, 0))
    before = await fake.wait_for_message(zhang.id, contains="还有 1 小时", after=mark)
    assert f"#{n}" in before.text and "报送材料" in before.text and "今天 15:00" in before.text
    assert "完成" in " ".join(buttons(before)) and "补发" not in before.text

    mark = fake.mark()
    await env.set_time(at(30, 15, 0))
    due = await fake.wait_for_message(zhang.id, contains="现在到期", after=mark)
    assert f"#{n}" in due.text

    mark = fake.mark()
    await env.set_time(at(30, 17, 0))
    nag = await fake.wait_for_message(zhang.id, contains="已逾期", after=mark)
    assert "2 小时" in nag.text and "推迟" in " ".join(buttons(nag))
    for day, hour, minute in (
        (30, 23, 0),
        (1, 8, 30),
        (1, 9, 0),
        (1, 15, 0),
        (2, 9, 0),
        (2, 15, 0),
    ):
        await env.set_time(at(day, hour, minute))
    await env.settle()
    # The digests of Tuesday and Wednesday list it (his 🔴, her 📤); nothing else repeats it.
    assert len(_texts(fake, zhang.id, mark, "已逾期")) == 1
    assert _texts(fake, leader.id, mark, "你交办的") == []
    digests = _texts(fake, zhang.id, mark, "早报")
    assert len(digests) == 2 and all(f"#{n}" in d and "已逾期" in d for d in digests)
    assert all(f"#{n}" in d for d in _texts(fake, leader.id, mark, "早报"))

    # Without a digest, once a day at work start for him, once a day for the assigner.
    fake.send_message(zhang, fake.private_chat(zhang), "/digest off")
    fake.send_message(leader, fake.private_chat(leader), "/digest off")
    await fake.wait_for(lambda: len(_texts(fake, leader.id, mark, "早报：已关闭")) == 1)
    mark = fake.mark()
    await env.set_time(at(3, 9, 0))
    daily = await fake.wait_for_message(zhang.id, contains="已逾期", after=mark)
    assert "12月3日 周四" in daily.text  # says which day: never the same text twice
    await env.set_time(at(3, 15, 0))
    esc = await _next(fake, leader.id, mark, "你交办的")
    assert f"#{n}" in esc and "张三" in esc and "已逾期" in esc
    assert any("催办" in label for label in buttons(fake.last_bot_message(leader.id)))

    # Reported as impossible: the nagging stops.
    card = next(m for m in reversed(fake.bot_messages(zhang.id)) if "🙅 办不了" in buttons(m))
    fake.press_button(zhang, zhang.id, card.message_id, "办不了")
    prompt = await fake.wait_for_message(zhang.id, contains="办不了：请回复")
    fake.send_message(zhang, fake.private_chat(zhang), "材料缺页", reply_to=prompt.message_id)
    await fake.wait_for_message(leader.id, contains="反馈办不了")
    mark = fake.mark()
    for day, hour in ((3, 17), (4, 9), (4, 15), (7, 11)):
        await env.set_time(at(day, hour))
    await env.settle()
    assert _texts(fake, zhang.id, mark, "已逾期") == []
    assert _texts(fake, leader.id, mark, "你交办的") == []


async def test_urgent_overdue_nags_back_off_and_reach_the_assigner_after_two_hours(
    env: BotRunner, office: Office
):
    fake, zhang, leader = office.fake, office.zhang, office.leader
    n = await _assign(office, "@zhangsan 十一点前把车安排好，急", who=zhang)
    mark = fake.mark()
    await env.set_time(at(30, 10, 45))
    await fake.wait_for_message(zhang.id, contains="还有 15 分钟", after=mark)
    await env.set_time(at(30, 11, 0))
    await fake.wait_for_message(zhang.id, contains="现在到期", after=mark)
    for hour, minute in ((11, 30), (12, 0), (12, 30), (13, 0), (14, 0), (14, 30), (17, 0)):
        await env.set_time(at(30, hour, minute))
    await fake.wait_for(lambda: len(_texts(fake, zhang.id, mark, "已逾期")) == 3)
    nags = _texts(fake, zhang.id, mark, "已逾期")
    heads = [text.splitlines()[0] for text in nags]
    assert len(set(heads)) == 3  # no two read the same
    assert "第 2 次提醒" in heads[1] and "最后一次" in heads[2]
    await _next(fake, leader.id, mark, f"你交办的 #{n}")
    assert len(_texts(fake, leader.id, mark, "你交办的")) == 1


async def test_an_unacknowledged_card_due_soon_is_sent_again_once_and_the_assigner_told_once(
    env: BotRunner, office: Office
):
    """Issue 14: the card again only for a task due within the next work day; the assigner
    hears of both tasks in one message, each with 催办 and 看看."""
    fake, wang, leader = office.fake, office.wang, office.leader
    soon = await _assign(office, "@wangwu 明天下午三点前整理一下会议纪要")
    later = await _assign(office, "@wangwu 周五前把档案整理好")
    mark = fake.mark()
    await env.set_time(at(30, 10, 29))
    await env.settle()
    assert _texts(fake, wang.id, mark, "还没确认收到") == []
    await env.set_time(at(30, 10, 30))
    again = await fake.wait_for_message(wang.id, contains="还没确认收到", after=mark)
    assert f"#{soon}" in again.text and f"#{later}" not in again.text
    assert "收到" in " ".join(buttons(again))
    await env.set_time(at(30, 12, 0))
    told = await fake.wait_for_message(leader.id, contains="还没确认收到", after=mark)
    assert "王五" in told.text and f"#{soon}" in told.text and f"#{later}" in told.text
    labels = buttons(told)
    for number in (soon, later):
        assert f"📣 催办 #{number}" in labels and f"👀 看看 #{number}" in labels
    for hour in (14, 16):
        await env.set_time(at(30, hour))
    await env.set_time(at(1, 11))
    await env.settle()
    assert len(_texts(fake, wang.id, mark, "还没确认收到")) == 1
    assert len(_texts(fake, leader.id, mark, "还没确认收到")) == 1

    # 看看 shows the card as a new message; 催办 on one line keeps the list.
    fake.press_button(leader, leader.id, told.message_id, f"👀 看看 #{later}")
    card = await fake.wait_for_message(leader.id, contains="承办人：王五", after=told.seq)
    assert f"#{later}" in card.text and "截止" in card.text
    fake.press_button(leader, leader.id, told.message_id, f"📣 催办 #{soon}")
    await fake.wait_for_message(wang.id, contains="催办", after=mark)
    kept = await fake.wait_for(
        lambda: (
            (m := fake.message(leader.id, told.message_id))
            and f"📣 催办 #{soon}" not in buttons(m)
            and m
        )
    )
    assert f"#{soon}" in kept.text and f"📣 催办 #{later}" in buttons(kept)


async def test_quiet_hours_hold_a_normal_task_but_not_a_reminder(env: BotRunner, office: Office):
    fake, zhang = office.fake, office.zhang
    n = await _assign(office, "@zhangsan 今晚八点前把发言稿发我", who=zhang)
    chat = fake.private_chat(zhang)
    fake.send_message(zhang, chat, "晚上八点提醒我吃药")
    await fake.wait_for_message(zhang.id, contains="已记下")
    mark = fake.mark()
    await env.set_time(at(30, 19, 0))
    await env.set_time(at(30, 20, 0))
    pill = await fake.wait_for_message(zhang.id, contains="提醒", after=mark)
    assert "吃药" in pill.text
    await env.settle()
    assert _texts(fake, zhang.id, mark, f"#{n}") == []  # the task waits for work hours
    await env.set_time(at(1, 9, 0))
    due = await _next(fake, zhang.id, mark, f"#{n}")
    assert "现在到期" in due


async def test_a_morning_digest_goes_at_0830_on_a_work_day_grouped_by_assigner(
    env: BotRunner, office: Office
):
    fake, zhang, leader, wang = office.fake, office.zhang, office.leader, office.wang
    await _assign(office, "@zhangsan 明天下午三点前报送材料", who=zhang)
    late = await _assign(office, "@zhangsan 今天下午五点前交表，急", who=zhang)
    await _assign(office, "@wangwu 周四前写总结")
    fake.send_message(zhang, fake.private_chat(zhang), "周三上午十点 自己去一趟银行")
    await fake.wait_for_message(zhang.id, contains="已记下")
    fake.send_message(wang, fake.private_chat(wang), "/digest quiet")
    await fake.wait_for_message(wang.id, contains="已保存")

    mark = fake.mark()
    await env.set_time(at(1, 8, 29))
    await env.settle()
    assert _texts(fake, zhang.id, mark, "早报") == []
    await env.set_time(at(1, 8, 30))
    digest = await fake.wait_for_message(zhang.id, contains="早报", after=mark)
    text = digest.text
    assert "12月1日 周二" in text and "补发" not in text
    assert text.index("已逾期") < text.index(f"#{late}") < text.index("今天到期")
    assert text.index("今天到期") < text.index("报送材料") < text.index("未来三天")
    assert text.index("未来三天") < text.index("自己的事") < text.index("银行")
    assert "李主任 交办" in text
    # The leader hears what waits on others: 王五 has not acknowledged.
    mine = await fake.wait_for_message(leader.id, contains="早报", after=mark)
    assert "你交办的" in mine.text and "写总结" in mine.text and "王五" in mine.text
    # 王五 is quiet but has something: he gets it.
    theirs = await fake.wait_for_message(wang.id, contains="早报", after=mark)
    assert "写总结" in theirs.text and "还没确认收到" in theirs.text

    # Not twice that day, even across a restart.
    await env.set_time(at(1, 9, 0))
    await env.restart()
    await env.tick()
    await env.settle()
    assert len(_texts(fake, zhang.id, mark, "早报")) == 1


async def test_a_digest_is_skipped_on_a_public_holiday_and_sent_on_a_make_up_work_day(tmp_path):
    env = BotRunner(
        tmp_path / "data", paced=False, clock=ManualClock(datetime(2026, 9, 30, 10, 0, tzinfo=SH))
    )
    await env.start()
    try:
        fake = env.fake
        zhang = fake.add_user(11, "张三", username="zhangsan")
        await started(fake, zhang)
        fake.send_message(zhang, fake.private_chat(zhang), "/digest loud")
        await fake.wait_for_message(zhang.id, contains="已保存")
        mark = fake.mark()
        await env.set_time(datetime(2026, 10, 1, 8, 30, tzinfo=SH))  # 国庆节
        await env.set_time(datetime(2026, 10, 9, 18, 0, tzinfo=SH))
        await env.settle()
        assert _texts(fake, zhang.id, mark, "早报") == []
        await env.set_time(datetime(2026, 10, 10, 8, 30, tzinfo=SH))  # Saturday, 调休
        digest = await fake.wait_for_message(zhang.id, contains="早报", after=mark)
        assert "10月10日 周六" in digest.text and "没有待办" in digest.text
        assert "补发" not in digest.text
    finally:
        await env.stop()


async def test_a_recurring_task_spawns_its_next_instance_when_done_and_when_due_passes(
    env: BotRunner, office: Office
):
    fake, zhang = office.fake, office.zhang
    weekly = await _assign(office, "@zhangsan 每周五下午五点前交周报", who=zhang)
    card = next(m for m in fake.bot_messages(zhang.id) if f"#{weekly}" in m.text)
    mark = fake.mark()
    fake.press_button(zhang, zhang.id, card.message_id, "完成")
    nxt = await fake.wait_for_message(zhang.id, contains="下一次", after=mark)
    assert "交周报" in nxt.text and "12月11日 周五 17:00" in nxt.text
    second = int(nxt.text.split("#")[1].split()[0])
    assert second > weekly

    # By due passing: the next one comes at 17:00 on Friday, exactly once.
    mark = fake.mark()
    await env.set_time(at(11, 17, 0))
    third = await fake.wait_for_message(zhang.id, contains="下一次", after=mark)
    assert "12月18日 周五 17:00" in third.text
    await env.set_time(at(11, 17, 5))
    await env.restart()
    await env.tick()
    await env.settle()
    assert len(_texts(fake, zhang.id, mark, "下一次")) == 1
    # Done late: no second successor.
    late_card = [
        m
        for m in fake.bot_messages(zhang.id)
        if f"#{second}" in m.text and "完成" in str(m.reply_markup)
    ][-1]
    fake.press_button(zhang, zhang.id, late_card.message_id, "完成")
    await fake.wait_for_message(office.leader.id, contains=f"#{second}", after=mark)
    await env.settle()
    assert len(_texts(fake, zhang.id, mark, "下一次")) == 1


async def test_a_restart_loses_no_reminder_and_repeats_none_and_a_missed_one_comes_late(
    env: BotRunner, office: Office
):
    fake, zhang = office.fake, office.zhang
    chat = fake.private_chat(zhang)
    fake.send_message(zhang, chat, "下午三点提醒我开会")
    await fake.wait_for_message(zhang.id, contains="已记下")
    fake.send_message(zhang, chat, "下午四点提醒我取快递")
    await fake.wait_for_message(zhang.id, contains="已记下")
    mark = fake.mark()

    # Stopped from 14:00 to 15:30: the 15:00 reminder fell due while down.
    await env.set_time(at(30, 14, 0))
    await env.stop(stop_fake=False)
    env.clock.set(at(30, 15, 30))
    await env.start()
    await env.tick()
    late = await fake.wait_for_message(zhang.id, contains="开会", after=mark)
    assert "补发" in late.text
    await env.restart()
    await env.tick()
    await env.set_time(at(30, 16, 0))
    parcel = await fake.wait_for_message(zhang.id, contains="取快递", after=mark)
    assert "补发" not in parcel.text
    await env.restart()
    await env.set_time(at(30, 17, 0))
    await env.settle()
    assert len(_texts(fake, zhang.id, mark, "开会")) == 1
    assert len(_texts(fake, zhang.id, mark, "取快递")) == 1


async def test_a_429_and_a_403_during_the_digest(env: BotRunner, office: Office):
    fake, zhang, leader, wang = office.fake, office.zhang, office.leader, office.wang
    for u in (zhang, leader, wang):
        fake.send_message(u, fake.private_chat(u), "/digest loud")
        await fake.wait_for_message(u.id, contains="已保存")
    fake.block(wang.id, notify=False)
    fake.fail("sendMessage", status=429, retry_after=1, times=1)
    mark = fake.mark()
    await env.set_time(at(1, 8, 30))
    for u in (zhang, leader):
        await fake.wait_for_message(u.id, contains="早报", after=mark)
    assert any(c.status == 429 for c in fake.calls_to("sendMessage"))
    assert env.db is not None
    person = await fake.wait_for(lambda: (p := env.db.get_person(wang.id)) and p.blocked and p)
    assert not person.reachable_privately
    # Nothing is sent twice after all that.
    await env.tick()
    await env.settle()
    assert len(_texts(fake, zhang.id, mark, "早报")) == 1
    assert len(_texts(fake, leader.id, mark, "早报")) == 1


async def test_digest_command_now_off_and_a_time(env: BotRunner, office: Office):
    fake, zhang = office.fake, office.zhang
    chat = fake.private_chat(zhang)
    fake.send_message(zhang, chat, "/digest")
    usage = await fake.wait_for_message(zhang.id, contains="08:30")
    assert "/digest off" in usage.text
    await _assign(office, "@zhangsan 今天下午五点前交表", who=zhang)
    fake.send_message(zhang, chat, "/digest now")
    now = await fake.wait_for_message(zhang.id, contains="早报")
    assert "交表" in now.text and "今天到期" in now.text

    fake.send_message(zhang, chat, "/digest 07:45")
    saved = await fake.wait_for_message(zhang.id, contains="已保存")
    assert "07:45" in saved.text
    mark = fake.mark()
    await env.set_time(at(1, 7, 44))
    await env.settle()
    assert _texts(fake, zhang.id, mark, "早报") == []
    await env.set_time(at(1, 7, 45))
    await fake.wait_for_message(zhang.id, contains="早报", after=mark)

    fake.send_message(zhang, chat, "/digest off")
    await fake.wait_for_message(zhang.id, contains="已关闭")
    mark = fake.mark()
    await env.set_time(at(2, 8, 30))
    await env.set_time(at(2, 9, 0))
    await env.settle()
    assert _texts(fake, zhang.id, mark, "早报") == []

    # In a group, /digest now is sent privately.
    fake.send_message(zhang, office.group, "/digest now")
    await fake.wait_for_message(office.group.id, contains="已私信")
    await fake.wait_for_message(zhang.id, contains="早报")


async def test_week_summary_on_demand_and_on_friday_evening(env: BotRunner, office: Office):
    fake, zhang = office.fake, office.zhang
    done = await _assign(office, "@zhangsan 今天下班前 交考勤表", who=zhang)
    await _assign(office, "@zhangsan 下周一前 修改制度草案", who=zhang)
    card = next(m for m in fake.bot_messages(zhang.id) if f"#{done}" in m.text)
    fake.press_button(zhang, zhang.id, card.message_id, "完成")
    await fake.wait_for_message(office.leader.id, contains="已完成")
    fake.send_message(zhang, fake.private_chat(zhang), "/week")
    week = await fake.wait_for_message(zhang.id, contains="本周总结")
    assert week.text.index("本周完成") < week.text.index("交考勤表") < week.text.index("仍未完成")
    assert week.text.index("仍未完成") < week.text.index("修改制度草案")
    leader_week = None
    fake.send_message(office.leader, fake.private_chat(office.leader), "/week")
    leader_week = await fake.wait_for_message(office.leader.id, contains="本周总结")
    assert "本周完成 1 项" in leader_week.text

    mark = fake.mark()
    await env.set_time(at(4, 17, 59))
    await env.settle()
    assert _texts(fake, zhang.id, mark, "本周总结") == []
    await env.set_time(at(4, 18, 0))  # Friday, the week's last work day, at work-day end
    friday = await fake.wait_for_message(zhang.id, contains="本周总结", after=mark)
    assert "修改制度草案" in friday.text
    await env.set_time(at(5, 10, 0))
    await env.settle()
    assert len(_texts(fake, zhang.id, mark, "本周总结")) == 1
