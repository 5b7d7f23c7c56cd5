"""Issue 14 end to end — say one thing once: bundling, the re-send rule, the empty digest, the
queue in 轻重缓急 order, notices for late starters and changes, and the smaller fixes; through
the fake Bot API, moving a ManualClock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.sim.fake_api import FakeBotAPI
from bot.sim.runner import BotRunner
from tests.e2e.office import Office, buttons, make_office

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the test week: day 30 = Mon 30 Nov, 1 = Tue 1 Dec, …"""
    month = 11 if day >= 20 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
async def office(env: BotRunner) -> Office:
    return await make_office(env, stranger_in_group=False)


def _since(fake: FakeBotAPI, chat_id: int, mark: int, contains: str = "") -> list[str]:
    return [m.text for m in fake.bot_messages(chat_id) if m.seq > mark and contains in m.text]


async def _settled(env: BotRunner) -> None:
    await env.settle()
    await env.tick()


async def _assign(office: Office, text: str) -> int:
    fake = office.fake
    mark = fake.mark()
    fake.send_message(office.leader, office.group, f"/task {text}")
    confirm = await fake.wait_for_message(office.group.id, contains="已记下", after=mark)
    return int(confirm.text.split("#")[1].split()[0])


# ----- bundling -----------------------------------------------------------------------------
async def test_a_burst_of_ten_tasks_reaches_each_assignee_as_cards_and_the_assigner_as_one(
    env: BotRunner, office: Office
):
    fake, leader, group = office.fake, office.leader, office.group
    mark = fake.mark()
    people = ("zhangsan", "wangwu")
    for i in range(10):  # pasted at once: ten messages before the bot reads any
        fake.send_message(leader, group, f"/task @{people[i % 2]} 周五前报送材料{i + 1}")
    await fake.wait_for(lambda: len(_since(fake, office.zhang.id, mark, "新任务")) == 5)
    await fake.wait_for(lambda: len(_since(fake, office.wang.id, mark, "新任务")) == 5)
    summary = await fake.wait_for_message(group.id, contains="已记下", after=mark)
    await _settled(env)
    in_group = _since(fake, group.id, mark)
    assert len(in_group) == 1, in_group
    assert summary.text.startswith("✅ 已记下（10）")
    for i in range(10):
        assert f"报送材料{i + 1}" in summary.text
    labels = buttons(summary)
    assert "↩️ 撤销 #1" in labels and "👀 看看 #10" in labels


async def test_not_acknowledged_and_overdue_news_for_one_person_come_as_one_message(
    env: BotRunner, office: Office
):
    fake, leader = office.fake, office.leader
    # Three tasks a few minutes apart, none acknowledged: 张三 gets the cards again at 10:45
    # and the leader hears of all three at 12:15 (the grid's next quarter), each time in one
    # message, with a line and buttons for each.
    numbers = []
    for minute in (1, 4, 9):
        await env.set_time(at(30, 10, minute))
        numbers.append(await _assign(office, f"@zhangsan 明天下午三点前报送材料{minute}"))
    mark = fake.mark()
    for hour, minute in ((12, 0), (12, 5), (12, 10), (12, 15)):
        await env.set_time(at(30, hour, minute))
    told = await fake.wait_for_message(leader.id, contains="还没确认收到", after=mark)
    await _settled(env)
    assert len(_since(fake, leader.id, mark, "还没确认收到")) == 1
    assert told.text.startswith("📭 你交办的还没确认收到（3）")
    for n in numbers:
        assert f"#{n}" in told.text and f"📣 催办 #{n}" in buttons(told)
    (resend,) = _since(fake, office.zhang.id, 0, "还没确认收到")
    assert resend.startswith("📭 还没确认收到（3）")
    card = next(m for m in fake.bot_messages(office.zhang.id) if m.text == resend)
    assert all(f"👌 收到 #{n}" in buttons(card) for n in numbers)


# ----- digests ----------------------------------------------------------------------------
async def test_an_empty_digest_is_not_sent_unless_asked_for_and_an_empty_week_is_skipped(
    env: BotRunner, office: Office
):
    fake, zhang, wang, leader = office.fake, office.zhang, office.wang, office.leader
    n = await _assign(office, "@zhangsan 周三前报送材料")
    mark = fake.mark()
    fake.send_message(wang, fake.private_chat(wang), "/digest loud")
    await fake.wait_for_message(wang.id, contains="没有事时发一句话", after=mark)
    mark = fake.mark()
    await env.set_time(at(1, 8, 30))
    digest = await fake.wait_for_message(zhang.id, contains="早报", after=mark)
    assert f"#{n}" in digest.text
    loud = await fake.wait_for_message(wang.id, contains="早报", after=mark)
    assert "今天没有待办" in loud.text  # he asked for the line on a day with nothing
    await _settled(env)
    assert _since(fake, leader.id, mark, "早报") != []  # his 📤: #n not acknowledged
    # Friday evening: 王五 has had nothing this week, loud or not: no weekly summary.
    mark = fake.mark()
    await env.set_time(at(4, 18, 0))
    await fake.wait_for_message(zhang.id, contains="本周总结", after=mark)
    await _settled(env)
    assert _since(fake, wang.id, mark, "本周总结") == []
    fake.send_message(wang, fake.private_chat(wang), "/week")  # asked for: it goes, empty
    asked = await fake.wait_for_message(wang.id, contains="本周总结", after=mark)
    assert "本周没有完成或待办的事项" in asked.text


async def test_by_default_a_day_with_nothing_sends_no_digest(env: BotRunner, office: Office):
    fake, wang = office.fake, office.wang
    mark = fake.mark()
    await env.set_time(at(1, 8, 30))
    await env.set_time(at(1, 9, 0))
    await _settled(env)
    assert _since(fake, wang.id, mark) == []
    fake.send_message(wang, fake.private_chat(wang), "/digest")
    setting = await fake.wait_for_message(wang.id, contains="早报：每个工作日", after=mark)
    assert "没有事时不发" in setting.text and "/digest loud" in setting.text


# ----- the queue ----------------------------------------------------------------------------
async def test_my_lists_in_true_order_of_urgency_and_says_why(env: BotRunner, office: Office):
    fake, zhang = office.fake, office.zhang
    friday_important = await _assign(office, "@zhangsan 周五前把讲话稿写好，重要")
    today_three = await _assign(office, "@zhangsan 今天下午三点前把报销单交上来")
    soon = await _assign(office, "@zhangsan 十一点前给财务科回电话")
    someday_low = await _assign(office, "@zhangsan 整理一下书柜，不急")
    urgent_friday = await _assign(office, "@zhangsan 周五前报送安全检查表，急")
    await env.set_time(at(30, 10, 30))
    mark = fake.mark()
    fake.send_message(zhang, fake.private_chat(zhang), "/my")
    page = await fake.wait_for_message(zhang.id, contains="我的待办", after=mark)
    lines = page.text.splitlines()[1:]
    order = [int(line.split()[0].lstrip("#")) for line in lines]
    # A normal task due today 15:00 no longer sits below a 重要 one due on Friday.
    assert order == [soon, urgent_friday, today_three, friday_important, someday_low]
    assert "⏳ 今天 11:00" in lines[0]
    assert "🔴 紧急" in lines[1]
    assert "📅 今天 15:00" in lines[2]
    assert "🟠 较急" in lines[3] and "重要" not in page.text
    assert "🟢 不急" in lines[4]
    # Once it is past 11:00, the call is overdue and says so.
    await env.set_time(at(30, 11, 5))
    mark = fake.mark()
    fake.send_message(zhang, fake.private_chat(zhang), "/my")
    page = await fake.wait_for_message(zhang.id, contains="我的待办", after=mark)
    assert page.text.splitlines()[1].startswith(f"#{soon}") and "🔴 逾期" in page.text


# ----- notices ------------------------------------------------------------------------------
async def test_a_notice_reaches_someone_who_starts_the_bot_after_it_went_out(
    env: BotRunner, office: Office
):
    fake, leader = office.fake, office.leader
    newbie = fake.add_user(20, "赵六", username="zhaoliu")  # the bot has never seen him
    fake.send_message(leader, office.group, "/notify @zhaoliu @zhangsan 明天上午9点开预算会")
    tracking = await fake.wait_for_message(leader.id, contains="已确认 0/2")
    assert "机器人不认识此人" in tracking.text
    await fake.wait_for_message(office.zhang.id, contains="预算会")
    mark = fake.mark()
    fake.send_message(newbie, fake.private_chat(newbie), "/start")
    got = await fake.wait_for_message(newbie.id, contains="预算会", after=mark)
    assert "通知" in got.text and "✅ 收到" in buttons(got)
    await env.advance(timedelta(minutes=1))  # the tracking is edited as the clock allows
    shown = await fake.wait_for(
        lambda: (
            (m := fake.message(leader.id, tracking.message_id))
            and "机器人不认识此人" not in m.text
            and m
        )
    )
    assert "赵六（@zhaoliu）" in shown.text
    fake.press_button(newbie, newbie.id, got.message_id, "收到")
    await fake.wait_for_message(newbie.id, contains="已确认", include_edits=True)
    await env.advance(timedelta(minutes=1))
    await fake.wait_for(lambda: "已确认 1/2" in fake.message(leader.id, tracking.message_id).text)


async def test_a_changed_notice_keeps_its_text_and_says_what_changed(office: Office):
    fake, leader = office.fake, office.leader
    fake.send_message(leader, office.group, "/notify @zhangsan @wangwu 明天上午9点在三楼开预算会")
    await fake.wait_for_message(leader.id, contains="已确认 0/2")
    await fake.wait_for_message(office.wang.id, contains="预算会")
    mark = fake.mark()
    fake.send_message(
        leader, fake.private_chat(leader), "/notice change 1 改为明天下午3点，地点不变"
    )
    changed = await fake.wait_for_message(office.wang.id, contains="已更改", after=mark)
    assert "明天上午9点在三楼开预算会" in changed.text  # the original text
    assert "✏️ 更改：改为明天下午3点，地点不变" in changed.text
    assert "明天 15:00" in changed.text and "✅ 收到" in buttons(changed)
    # Changed again: both changes, in order; a change naming no time keeps the meeting time.
    mark = fake.mark()
    fake.send_message(leader, fake.private_chat(leader), "/notice change 1 请带上笔记本电脑")
    again = await fake.wait_for_message(office.wang.id, contains="已更改", after=mark)
    text = again.text
    assert text.index("改为明天下午3点") < text.index("请带上笔记本电脑")
    assert "明天 15:00" in text


async def test_notify_to_a_list_that_does_not_exist_says_so_and_names_the_near_ones(
    office: Office,
):
    fake, leader, group = office.fake, office.leader, office.group
    fake.send_message(leader, group, "/roster new 各科室负责人 @zhangsan @wangwu")
    await fake.wait_for_message(group.id, contains="各科室负责人")
    mark = fake.mark()
    fake.send_message(leader, group, "/notify 科室负责人 明天上午9点开会")
    near = await fake.wait_for_message(group.id, contains="没有名单", after=mark)
    assert "“科室负责人”" in near.text and "你是不是要找：各科室负责人" in near.text
    mark = fake.mark()
    fake.send_message(leader, group, "/notify 不存在的名单 明天上午9点开会")
    none = await fake.wait_for_message(group.id, contains="没有名单", after=mark)
    assert "“不存在的名单”" in none.text and "各科室负责人" in none.text
    assert fake.bot_messages(office.zhang.id)[-1].seq < mark  # nobody was notified


# ----- smaller things -----------------------------------------------------------------------
async def test_template_save_without_a_replied_message_says_to_reply(office: Office):
    fake, leader = office.fake, office.leader
    fake.send_message(leader, fake.private_chat(leader), "/template save 会议通知")
    answer = await fake.wait_for_message(leader.id, contains="template save")
    assert "回复" in answer.text and "会议通知" in answer.text


async def test_a_contact_with_a_landline_and_its_extension(office: Office):
    fake, leader = office.fake, office.leader
    chat = fake.private_chat(leader)
    fake.send_message(leader, chat, "/contact add 刘晓燕 办公室 办公电话 87001234-2")
    saved = await fake.wait_for_message(leader.id, contains="刘晓燕")
    assert "87001234 转 2" in saved.text and "（无电话）" not in saved.text


@pytest.mark.parametrize(
    ("text", "title"),
    [
        pytest.param(
            "明天下午三点前把材料上传到 http://oa.example.gov.cn/upload",
            "把材料上传到 http://oa.example.gov.cn/upload",
            id="url",
        ),
        pytest.param("周五前整理 C://文件//总结.doc", "整理 C://文件//总结.doc", id="path"),
        pytest.param("周五前把 ~删除~ ||剧透|| 改掉", "把 ~删除~ ||剧透|| 改掉", id="markup"),
        pytest.param(
            "prepare slides for next Tuesday's meeting",
            "prepare slides for next Tuesday's meeting",
            id="possessive",
        ),
    ],
)
async def test_titles_keep_urls_paths_marks_and_possessives(office: Office, text: str, title: str):
    fake, zhang = office.fake, office.zhang
    fake.send_message(zhang, fake.private_chat(zhang), text)
    noted = await fake.wait_for_message(zhang.id, contains="已记下")
    assert noted.text.splitlines()[0].endswith(title)


async def test_a_notice_is_not_sent_again_the_digest_lists_it_and_the_sender_hears_in_time(
    env: BotRunner, office: Office
):
    """Issue 14: say one thing once. Without an interval asked for, whoever has not confirmed
    finds the notice in their morning digest; the sender hears who is missing before the
    meeting. (With 提醒间隔 it is sent again as asked: test_notices_flow.)"""
    fake, leader, zhang, wang = office.fake, office.leader, office.zhang, office.wang
    fake.send_message(leader, office.group, "/notify @zhangsan @wangwu 周三下午三点在三楼开全体会")
    tracking = await fake.wait_for_message(leader.id, contains="已确认 0/2")
    assert "早报" in tracking.text and "会前 30 分钟" in tracking.text
    card = await fake.wait_for_message(wang.id, contains="全体会")
    fake.press_button(wang, wang.id, card.message_id, "收到")
    await fake.wait_for_message(wang.id, contains="已确认（10:00）", include_edits=True)
    mark = fake.mark()
    for day, hour, minute in ((30, 10, 30), (30, 11, 0), (30, 16, 0), (1, 8, 30), (1, 12, 0)):
        await env.set_time(at(day, hour, minute))
    await _settled(env)
    assert _since(fake, zhang.id, mark, "提醒：请确认收到") == []
    (digest,) = _since(fake, zhang.id, mark, "早报")
    assert "还没确认的通知（1）" in digest and "第 1 号" in digest and "全体会" in digest
    assert all("还没确认的通知" not in d for d in _since(fake, wang.id, mark, "早报"))
    # The sender's digest says whom to phone, each morning until the meeting; no report then
    # repeats it half an hour before the meeting.
    (sent,) = _since(fake, leader.id, mark, "早报")
    assert "你发的通知还有人没确认（1）" in sent and "张三" in sent
    mark = fake.mark()
    await env.set_time(at(2, 8, 30))
    await env.set_time(at(2, 14, 30))
    await fake.wait_for_message(wang.id, contains="会议即将开始", after=mark)
    await _settled(env)
    assert [d for d in _since(fake, leader.id, mark) if "张三" in d] == _since(
        fake, leader.id, mark, "早报"
    )


async def test_a_sender_without_a_digest_hears_who_is_missing_before_the_meeting(
    env: BotRunner, office: Office
):
    fake, leader, wang = office.fake, office.leader, office.wang
    fake.send_message(leader, fake.private_chat(leader), "/digest off")
    await fake.wait_for_message(leader.id, contains="早报：已关闭")
    fake.send_message(leader, office.group, "/notify @zhangsan @wangwu 明天下午三点开全体会")
    await fake.wait_for_message(leader.id, contains="已确认 0/2")
    card = await fake.wait_for_message(wang.id, contains="全体会")
    fake.press_button(wang, wang.id, card.message_id, "收到")
    await fake.wait_for_message(wang.id, contains="已确认（10:00）", include_edits=True)
    mark = fake.mark()
    await env.set_time(at(1, 14, 30))
    report = await fake.wait_for_message(leader.id, contains="未确认", after=mark)
    assert "张三" in report.text and "30 分钟后开始" in report.text
