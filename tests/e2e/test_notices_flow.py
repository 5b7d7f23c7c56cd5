"""Issue 7 end to end: /notify → 收到 → the tracking kept true → resends → the sender told;
meeting reminders, cancel/change, restart, /notices, /export notice — through the fake API."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from bot.notices.tracking import EDIT_GAP
from bot.people.models import Person, Workspace
from bot.sim.fake_api import FakeBotAPI, FakeChat, FakeUser
from bot.sim.runner import BotRunner
from tests.e2e.office import buttons, put_roster, started

GROUP = -100200
ROSTER = "各科室负责人"
TEXT = "明天上午9点在三楼会议室开预算会，请准时参加"


@dataclass
class Office:
    fake: FakeBotAPI
    group: FakeChat
    leader: FakeUser
    zhang: FakeUser  # started
    wang: FakeUser  # started
    zhao: FakeUser  # started
    qian: FakeUser  # started, then blocked the bot
    sun: FakeUser  # never started the bot
    stranger: FakeUser  # in the group, on no list

    @property
    def five(self) -> list[FakeUser]:
        return [self.zhang, self.wang, self.zhao, self.qian, self.sun]


async def _answer(fake: FakeBotAPI, qid: str) -> tuple[str, bool]:
    answer = await fake.wait_for(
        lambda: next((a for a in fake.callback_answers if a.query_id == qid), None)
    )
    return answer.text or "", answer.show_alert


async def _edited(fake: FakeBotAPI, chat_id: int, message_id: int, text: str):
    """Wait until message `message_id` reads `text` (after an edit)."""
    return await fake.wait_for(
        lambda: (m := fake.message(chat_id, message_id)) and text in m.text and m
    )


async def _tracking_reads(env: BotRunner, tracking, text: str):
    """The sender's tracking message once it reads `text`. It is edited on the tick, at most
    once per EDIT_GAP of the clock (what arrives together is shown in one edit): after an
    edit at this same moment the clock has to move on, as it does for the sender."""
    await env.advance(EDIT_GAP)
    return await _edited(env.fake, tracking.chat_id, tracking.message_id, text)


def _private_sends(fake: FakeBotAPI, since: int, users: list[FakeUser]) -> dict[int, list[str]]:
    """This feature's private messages (other features' digests aside) since `since`."""
    ids = {u.id for u in users}
    out: dict[int, list[str]] = {u.id: [] for u in users}
    for m in fake.bot_messages():
        if m.seq > since and m.chat_id in ids and "通知" in m.text:
            out[m.chat_id].append(m.text)
    return out


@pytest.fixture
async def office(env: BotRunner) -> Office:
    fake = env.fake
    assert env.db is not None
    leader = fake.add_user(10, "李主任", username="lizhuren")
    zhang = fake.add_user(11, "张三", username="zhangsan")
    wang = fake.add_user(12, "王五", username="wangwu")
    zhao = fake.add_user(13, "赵六", username="zhaoliu")
    qian = fake.add_user(14, "钱七", username="qianqi")
    sun = fake.add_user(15, "孙八", username="sunba")
    stranger = fake.add_user(16, "路人", username="luren")
    everyone = [leader, zhang, wang, zhao, qian, sun, stranger]
    group = fake.add_group(GROUP, "办公室", members=everyone, admins=[leader])
    await started(fake, leader, zhang, wang, zhao, qian, stranger)
    # Seen in the group (set up directly: the group's 1 message/s pace makes six /help
    # round trips slow). 孙八 never started the bot.
    env.db.put_person(Person(user_id=sun.id, first_name="孙八", username="sunba"))
    env.db.put_workspace(
        Workspace(chat_id=GROUP, title="办公室", members=tuple(u.id for u in everyone))
    )
    fake.block(qian.id, notify=False)  # the bot learns it from a 403
    return Office(fake, group, leader, zhang, wang, zhao, qian, sun, stranger)


def _make_roster(env: BotRunner, office: Office) -> None:
    """The directory's roster of the five, each with an office phone."""
    put_roster(env, GROUP, ROSTER, office.five, created_by=10)


async def _notify(office: Office, text: str, chat: FakeChat | None = None):
    """Send /notify; return (tracking message, group post or None)."""
    fake = office.fake
    where = chat or office.group
    fake.send_message(office.leader, where, f"/notify {text}")
    tracking = await fake.wait_for_message(office.leader.id, contains="已确认 0/")
    post = None
    if where.id < 0:
        post = await fake.wait_for_message(where.id, contains="通知")
    return tracking, post


async def test_a_roster_notice_is_confirmed_tracked_resent_and_reported(
    env: BotRunner, office: Office
):
    fake, leader = office.fake, office.leader
    _make_roster(env, office)
    # Resent at an interval the sender asks for (without one: once, see test_budget_flow).
    tracking, post = await _notify(office, f"{ROSTER} {TEXT} 提醒间隔 30分钟")

    # The group post carries 收到 and names the one the bot cannot write to.
    assert TEXT in post.text and any("收到" in label for label in buttons(post))
    assert "孙八" in post.text
    # Each reachable one gets it privately with 收到; the blocked one is found out by a 403.
    cards = {}
    for u in (office.zhang, office.wang, office.zhao):
        cards[u.id] = await fake.wait_for_message(u.id, contains="预算会")
        assert "✅ 收到" in buttons(cards[u.id])
    assert "明天 09:00" in cards[office.zhang.id].text

    # Two confirm privately, 孙八 (never started) in the group.
    for u in (office.zhang, office.wang):
        qid = fake.press_button(u, u.id, cards[u.id].message_id, "收到")
        text, alert = await _answer(fake, qid)
        assert not alert and "已确认" in text
        card = await _edited(fake, u.id, cards[u.id].message_id, "已确认（10:00）")
        assert not buttons(card)
    qid = fake.press_button(office.sun, office.group.id, post.message_id, "收到")
    assert not (await _answer(fake, qid))[1]

    # One tracking message, edited: 3/5, who confirmed, who is missing with phones.
    view = await _tracking_reads(env, tracking, "已确认 3/5")
    assert "张三" in view.text and "王五" in view.text and "孙八" in view.text
    missing = view.text.split("未确认")[1]
    assert "赵六" in missing and "13800000002" in missing
    unreachable = view.text.split("无法私信")[1]
    assert "钱七" in unreachable and "已屏蔽" in unreachable and "13800000003" in unreachable
    assert "https://t.me/officebot_bot?start=hi" in view.text
    assert len([m for m in fake.bot_messages(leader.id) if "已确认" in m.text]) == 1

    # A second press counts once; someone not on the list is refused.
    qid = fake.press_button(office.sun, office.group.id, post.message_id, "收到")
    text, alert = await _answer(fake, qid)
    assert not alert and "确认过" in text
    qid = fake.press_button(office.stranger, office.group.id, post.message_id, "收到")
    text, alert = await _answer(fake, qid)
    assert alert and "不是发给你的" in text
    qid = fake.press(
        office.zhang,
        (office.zhang.id, cards[office.zhang.id].message_id),
        "n:ok:1:1",
        strict=False,
    )
    assert "确认过" in (await _answer(fake, qid))[0]
    assert "已确认 3/5" in fake.message(leader.id, tracking.message_id).text

    # After 30 minutes: sent again to the one missing who can be reached, and only to them.
    def attempts_to_qian() -> int:
        return len(
            [c for c in fake.calls_to("sendMessage") if str(c.params.get("chat_id")) == "14"]
        )

    before = attempts_to_qian()
    for round_ in (1, 2, 3):
        mark = fake.mark()
        await env.advance(timedelta(minutes=30))
        again = await fake.wait_for_message(
            office.zhao.id, contains=f"第 {round_} 次提醒", after=mark
        )
        assert "预算会" in again.text and "✅ 收到" in buttons(again)
        await _edited(fake, leader.id, tracking.message_id, f"已重发 {round_}/3")
        sent = _private_sends(fake, mark, office.five)
        assert [len(sent[u.id]) for u in office.five] == [0, 0, 1, 0, 0], sent
        assert attempts_to_qian() == before  # blocked: listed, not tried again

    # After the third resend: the sender is told who is still missing, with phones.
    mark = fake.mark()
    await env.advance(timedelta(minutes=30))
    report = await fake.wait_for_message(leader.id, contains="仍有 2 人未确认", after=mark)
    assert "赵六" in report.text and "13800000002" in report.text
    assert "钱七" in report.text and "13800000003" in report.text
    # And nobody is nagged any more.
    mark = fake.mark()
    await env.advance(timedelta(minutes=30))
    await env.advance(timedelta(minutes=30))
    await env.settle()
    assert _private_sends(fake, mark, office.five) == {u.id: [] for u in office.five}
    assert not [m for m in fake.bot_messages(leader.id) if m.seq > mark]

    # 赵六 confirms late: still counted, the tracking shows 4/5.
    fake.press_button(office.zhao, office.zhao.id, cards[office.zhao.id].message_id, "收到")
    await _edited(fake, leader.id, tracking.message_id, "已确认 4/5")


async def test_meeting_reminder_reaches_confirmers_and_tracking_survives_a_restart(
    env: BotRunner, office: Office
):
    fake, leader = office.fake, office.leader
    tracking, _ = await _notify(office, "@zhangsan @wangwu @zhaoliu 今天下午3点在三楼开会")
    card_zhang = await fake.wait_for_message(office.zhang.id, contains="三楼开会")
    card_wang = await fake.wait_for_message(office.wang.id, contains="三楼开会")
    fake.press_button(office.zhang, office.zhang.id, card_zhang.message_id, "收到")
    await _edited(fake, leader.id, tracking.message_id, "已确认 1/3")

    await env.restart()

    # A confirmation after the restart still edits the same tracking message.
    fake.press_button(office.wang, office.wang.id, card_wang.message_id, "收到")
    await _edited(fake, leader.id, tracking.message_id, "已确认 2/3")
    assert len([m for m in fake.bot_messages(leader.id) if "已确认" in m.text]) == 1

    # 14:30: the two confirmers are reminded; 赵六 is not (never confirmed); the sender
    # hears who is still missing while there is time to phone.
    mark = fake.mark()
    await env.set_time(datetime(2026, 11, 30, 14, 30, tzinfo=env.clock.now().tzinfo))
    for u in (office.zhang, office.wang):
        soon = await fake.wait_for_message(u.id, contains="会议即将开始", after=mark)
        assert "今天 15:00" in soon.text
    report = await fake.wait_for_message(leader.id, contains="会议 30 分钟后开始", after=mark)
    assert "赵六" in report.text
    await env.settle()
    assert not [
        t for t in _private_sends(fake, mark, [office.zhao])[office.zhao.id] if "会议即将开始" in t
    ]
    # Once only.
    mark = fake.mark()
    await env.advance(timedelta(minutes=10))
    await env.settle()
    assert _private_sends(fake, mark, [office.zhang, office.wang]) == {
        office.zhang.id: [],
        office.wang.id: [],
    }


async def test_change_and_cancel_tell_everyone_who_got_it(env: BotRunner, office: Office):
    fake, leader, group = office.fake, office.leader, office.group
    tracking, post = await _notify(office, f"@zhangsan @wangwu @sunba {TEXT}")
    old_zhang = await fake.wait_for_message(office.zhang.id, contains="预算会")
    old_wang = await fake.wait_for_message(office.wang.id, contains="预算会")
    fake.press_button(office.zhang, office.zhang.id, old_zhang.message_id, "收到")
    await _edited(fake, leader.id, tracking.message_id, "已确认 1/3")

    # Change by command: everyone gets the new text and confirms again.
    mark = fake.mark()
    fake.send_message(
        leader, fake.private_chat(leader), "/notice change 1 预算会改到明天下午3点，四楼"
    )
    await fake.wait_for_message(leader.id, contains="已更改通知 第 1 号")
    new_zhang = await fake.wait_for_message(office.zhang.id, contains="已更改", after=mark)
    new_wang = await fake.wait_for_message(office.wang.id, contains="已更改", after=mark)
    assert "四楼" in new_wang.text and "明天 15:00" in new_wang.text
    assert "✅ 收到" in buttons(new_zhang)
    new_post = await fake.wait_for_message(group.id, contains="已更改", after=mark)
    assert "四楼" in new_post.text
    await _tracking_reads(env, tracking, "已确认 0/3")
    # The old group post lost its button; an old private button is refused.
    await fake.wait_for(lambda: not buttons(fake.message(group.id, post.message_id)))
    qid = fake.press_button(office.wang, office.wang.id, old_wang.message_id, "收到")
    text, alert = await _answer(fake, qid)
    assert alert and "已更改" in text
    qid = fake.press_button(office.wang, office.wang.id, new_wang.message_id, "收到")
    await _answer(fake, qid)
    await _tracking_reads(env, tracking, "已确认 1/3")

    # Cancel from the tracking message, with a question first.
    fake.press_button(leader, leader.id, tracking.message_id, "取消通知")
    await _edited(fake, leader.id, tracking.message_id, "确定取消")
    mark = fake.mark()
    qid = fake.press_button(leader, leader.id, tracking.message_id, "确定取消")
    assert "已取消" in (await _answer(fake, qid))[0]
    for u in (office.zhang, office.wang):
        told = await fake.wait_for_message(u.id, contains="已取消", after=mark)
        assert "四楼" in told.text
    await fake.wait_for_message(group.id, contains="已取消", after=mark)
    final = await _tracking_reads(env, tracking, "🗑 已取消")
    assert not buttons(final)
    qid = fake.press_button(office.zhang, office.zhang.id, new_zhang.message_id, "收到")
    text, alert = await _answer(fake, qid)
    assert alert and "已取消" in text

    # 孙八 starts the bot later: the notice held for him is not delivered any more.
    mark = fake.mark()
    fake.send_message(office.sun, fake.private_chat(office.sun), "/start")
    await fake.wait_for_message(office.sun.id, contains="你好")
    await env.tick()
    await env.settle()
    assert not [t for t in _private_sends(fake, mark, [office.sun])[office.sun.id] if "预算会" in t]


async def test_only_the_sender_or_an_admin_manages_a_notice(office: Office):
    fake = office.fake
    await _notify(office, f"@zhangsan {TEXT}")
    # Each asks in their own chat (a private chat is paced at one message a second).
    asks = [
        (office.zhang, "/notice cancel 1", "只有发送人或管理员"),
        (office.wang, "/export notice 1", "只有发送人或管理员"),
        (office.zhao, "/notice 1", "只有发送人或管理员"),
        (office.stranger, "/notice 99", "没有找到通知 第 99 号"),
    ]
    for user, text, _ in asks:
        fake.send_message(user, fake.private_chat(user), text)
    for user, _, expected in asks:
        await fake.wait_for_message(user.id, contains=expected)
    assert fake.last_bot_message(office.zhang.id) is not None
    assert (
        "已取消"
        not in fake.message(
            office.leader.id, fake.last_bot_message(office.leader.id).message_id
        ).text
    )


async def test_notices_list_and_csv_export(env: BotRunner, office: Office):
    fake, leader, group = office.fake, office.leader, office.group
    _make_roster(env, office)
    tracking, _ = await _notify(office, f"{ROSTER} {TEXT}")
    card = await fake.wait_for_message(office.zhang.id, contains="预算会")
    qid = fake.press_button(office.zhang, office.zhang.id, card.message_id, "收到")
    await _answer(fake, qid)
    await _tracking_reads(env, tracking, "已确认 1/5")

    fake.send_message(leader, group, "/notices")
    listing = await fake.wait_for_message(group.id, contains="最近的通知")
    assert "第 1 号" in listing.text and "已确认 1/5" in listing.text and "预算会" in listing.text

    chat = fake.private_chat(leader)
    fake.send_message(leader, chat, "/export notice 1")
    doc = await fake.wait_for(
        lambda: next((m for m in fake.bot_messages(leader.id) if m.kind == "document"), None)
    )
    assert doc.file_name == "notice-1.csv" and "1/5" in doc.text
    raw = fake.file_content(doc.file_id)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "用户名", "电话", "状态", "确认时间"]
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"张三", "王五", "赵六", "钱七", "孙八"}
    assert by_name["张三"][1:] == ["@zhangsan", "13800000000", "已确认", "2026-11-30 10:00"]
    assert by_name["赵六"][3] == "未确认" and by_name["赵六"][4] == ""
    assert "无法私信" in by_name["孙八"][3]
    # The directory's /export (contacts) stays silent for `/export notice`: one answer only.
    assert not [m for m in fake.bot_messages(leader.id) if "/export contacts" in m.text]

    # In a group the list (it has phones) goes privately.
    fake.send_message(leader, group, "/export notice 1")
    await fake.wait_for_message(group.id, contains="已私信")


async def test_resends_wait_for_work_hours_unless_urgent(env: BotRunner, office: Office):
    fake, leader = office.fake, office.leader
    tz = env.clock.now().tzinfo
    await env.set_time(datetime(2026, 11, 30, 17, 50, tzinfo=tz))
    chat = fake.private_chat(leader)
    fake.send_message(leader, chat, "/notify @zhangsan 明天上午10点交材料 提醒间隔 15分钟")
    tracking = await fake.wait_for_message(leader.id, contains="已确认 0/1")
    await fake.wait_for_message(office.zhang.id, contains="交材料")
    assert "提醒间隔" not in fake.last_bot_message(office.zhang.id).text
    fake.send_message(leader, chat, "/notify @wangwu 紧急：今晚8点前回复 提醒间隔 15分钟")
    await fake.wait_for_message(office.wang.id, contains="今晚8点前回复")

    # 18:05: the urgent one is sent again, the other waits for the morning.
    mark = fake.mark()
    await env.set_time(datetime(2026, 11, 30, 18, 5, tzinfo=tz))
    await fake.wait_for_message(office.wang.id, contains="第 1 次提醒", after=mark)
    await env.set_time(datetime(2026, 11, 30, 23, 0, tzinfo=tz))
    await env.settle()
    assert not [m for m in fake.bot_messages(office.zhang.id) if m.seq > mark]
    assert "明天 09:00" in fake.message(leader.id, tracking.message_id).text
    await env.set_time(datetime(2026, 12, 1, 9, 0, tzinfo=tz))
    await fake.wait_for_message(office.zhang.id, contains="第 1 次提醒", after=mark)


async def test_bad_notify_commands_get_clear_answers(office: Office):
    fake = office.fake
    cases = [
        (office.leader, "/notify", "用法"),
        (office.zhang, "/notify 明天开会", "要通知谁"),
        (office.wang, "/notify 大家 明天开会", "只能在群里用"),
        (office.zhao, "/notify @zhangsan", "请写出通知内容"),
        (office.qian, "/notify @zhangsan 开会 提醒间隔 1分钟", "5 到 1440 分钟"),
        (office.stranger, "/notify @luren 开会", "没有可以通知的人"),
    ]
    fake.unblock(office.qian.id, notify=False)
    for user, text, _ in cases:
        fake.send_message(user, fake.private_chat(user), text)
    for user, _, expected in cases:
        await fake.wait_for_message(user.id, contains=expected)
    assert not [m for m in fake.bot_messages() if "开会" in m.text]


async def test_a_notice_to_two_hundred_respects_telegram_rate_limits(env: BotRunner):
    fake = env.fake
    assert env.db is not None
    leader = fake.add_user(10, "李主任", username="lizhuren")
    staff = [fake.add_user(1000 + i, f"同事{i}") for i in range(200)]
    group = fake.add_group(-100300, "全体", members=[leader, *staff], admins=[leader])
    await started(fake, leader)
    # Two hundred colleagues who started the bot long ago (set up directly: 200 /start
    # round trips would take longer than the notice itself).
    with fake._cond:
        fake._started.update(u.id for u in staff)
    for u in staff:
        env.db.put_person(
            Person(user_id=u.id, first_name=u.first_name, started=True, chats=(group.id,))
        )
    env.db.put_workspace(
        Workspace(chat_id=group.id, title="全体", members=tuple(u.id for u in staff))
    )
    fake.send_message(leader, group, "/notify 大家 明天上午9点在礼堂开全体大会")
    start = fake.calls_to("sendMessage")[-1].at if fake.calls_to("sendMessage") else 0.0
    ids = {u.id for u in staff}

    def delivered() -> int:
        return len({m.chat_id for m in fake.bot_messages() if m.chat_id in ids})

    await fake.wait_for(lambda: delivered() >= 200, timeout=20)
    calls = [c for c in fake.calls_to("sendMessage") if c.at >= start]
    assert not [c for c in fake.calls if c.status == 429]
    times = sorted(c.at for c in calls)
    worst = max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times))
    if worst > 30:
        for c in calls:
            print(
                round(c.at - times[0], 3),
                c.params.get("chat_id"),
                c.status,
                c.params.get("text", "")[:20],
            )
    assert worst <= 30, worst
    tracking = await fake.wait_for_message(leader.id, contains="已确认 0/200")
    assert len(tracking.html) < 4096


async def test_the_change_button_asks_for_the_new_text(office: Office):
    fake, leader = office.fake, office.leader
    tracking, _ = await _notify(office, f"@zhangsan {TEXT}")
    await fake.wait_for_message(office.zhang.id, contains="预算会")
    fake.press_button(leader, leader.id, tracking.message_id, "更改")
    prompt = await fake.wait_for_message(leader.id, contains="请回复本消息")
    mark = fake.mark()
    fake.send_message(
        leader, fake.private_chat(leader), "预算会改到后天上午10点", reply_to=prompt.message_id
    )
    await fake.wait_for_message(leader.id, contains="已更改通知 第 1 号", after=mark)
    changed = await fake.wait_for_message(office.zhang.id, contains="后天上午10点", after=mark)
    assert "已更改" in changed.text and "✅ 收到" in buttons(changed)
    # The reply was the notice's new text, not a new task.
    assert not [m for m in fake.bot_messages(leader.id) if "已记下" in m.text]
