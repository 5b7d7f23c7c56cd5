"""People end to end: /settings (language and time zone change how dates read; digest time; a
group's language, admins only), and messages sent as a chat (an anonymous admin, a channel)."""

from __future__ import annotations

import pytest

from bot.people import callbacks
from bot.people.callbacks import Verb
from bot.people.rules import ANONYMOUS_ADMIN_ID, CHANNEL_BOT_ID
from bot.sim.fake_api import FakeBotAPI, FakeChat, FakeUser
from bot.sim.runner import BotRunner
from tests.e2e.office import Office, make_office


async def _start(fake: FakeBotAPI, user: FakeUser) -> None:
    fake.send_message(user, fake.private_chat(user), "/start")
    await fake.wait_for_message(user.id, contains="你好")


async def _menu(fake: FakeBotAPI, user: FakeUser, contains: str = "设置"):
    fake.send_message(user, fake.private_chat(user), "/settings")
    return await fake.wait_for_message(user.id, contains=contains)


async def _edited(fake: FakeBotAPI, user: FakeUser, message_id: int, contains: str):
    return await fake.wait_for(
        lambda: (m := fake.message(user.id, message_id)) and contains in m.text and m
    )


async def test_language_and_zone_change_how_dates_are_shown(env: BotRunner):
    fake = env.fake
    zhang = fake.add_user(11, "张三", username="zhangsan")
    await _start(fake, zhang)
    chat = fake.private_chat(zhang)
    fake.send_message(zhang, chat, "明天下午三点前 报送材料")
    await fake.wait_for_message(zhang.id, contains="已记下")
    fake.send_message(zhang, chat, "/my")
    mine = await fake.wait_for_message(zhang.id, contains="报送材料")
    assert "明天 15:00" in mine.text

    menu = await _menu(fake, zhang)
    assert "Asia/Shanghai" in menu.text and "08:30" in menu.text
    fake.press_button(zhang, zhang.id, menu.message_id, "语言")
    await fake.wait_for(
        lambda: "English" in str(fake.message(zhang.id, menu.message_id).reply_markup)
    )
    fake.press_button(zhang, zhang.id, menu.message_id, "English")
    menu_en = await _edited(fake, zhang, menu.message_id, "Settings")
    assert "Language: English" in menu_en.text
    fake.send_message(zhang, chat, "/my")
    mine = await fake.wait_for_message(zhang.id, contains="My tasks")
    assert "Tomorrow 15:00" in mine.text

    # New York: Tuesday 15:00 in Beijing is Tuesday 02:00 there (and Sunday evening now).
    fake.press_button(zhang, zhang.id, menu.message_id, "Time zone")
    await fake.wait_for(
        lambda: "America/New_York" in str(fake.message(zhang.id, menu.message_id).reply_markup)
    )
    fake.press_button(zhang, zhang.id, menu.message_id, "America/New_York")
    await _edited(fake, zhang, menu.message_id, "America/New_York")
    fake.send_message(zhang, chat, "/my")
    mine = await fake.wait_for_message(zhang.id, contains="My tasks")
    assert "Tue 1 Dec 02:00" in mine.text
    assert env.db is not None
    person = env.db.get_person(zhang.id)
    assert person is not None and (person.language, person.tz) == ("en", "America/New_York")


async def test_a_zone_can_be_typed_and_a_wrong_one_is_refused(env: BotRunner):
    fake = env.fake
    wang = fake.add_user(12, "王五", username="wangwu")
    await _start(fake, wang)
    menu = await _menu(fake, wang)
    fake.press_button(wang, wang.id, menu.message_id, "时区")
    await fake.wait_for(
        lambda: (
            callbacks.build(Verb.TYPE_ZONE)
            in str(fake.message(wang.id, menu.message_id).reply_markup)
        )
    )
    fake.press_button(wang, wang.id, menu.message_id, "输入时区名")
    prompt = await fake.wait_for_message(wang.id, contains="时区名称")
    fake.send_message(wang, fake.private_chat(wang), "Mars/Olympus", reply_to=prompt.message_id)
    await fake.wait_for_message(wang.id, contains="不认识时区")
    fake.send_message(wang, fake.private_chat(wang), "europe/berlin", reply_to=prompt.message_id)
    saved = await fake.wait_for_message(wang.id, contains="已保存")
    assert "Europe/Berlin" in saved.text
    # A reply to a task prompt is still a task matter, not a zone (the filter is specific).
    fake.send_message(wang, fake.private_chat(wang), "/settings tz 纽约")
    await fake.wait_for_message(wang.id, contains="America/New_York")


async def test_digest_time_from_the_settings_menu(env: BotRunner):
    fake = env.fake
    zhao = fake.add_user(13, "赵六", username="zhaoliu")
    await _start(fake, zhao)
    menu = await _menu(fake, zhao)
    fake.press_button(zhao, zhao.id, menu.message_id, "早报时间")
    await fake.wait_for(
        lambda: (
            callbacks.build(Verb.DIGEST, "0800")
            in str(fake.message(zhao.id, menu.message_id).reply_markup)
        )
    )
    fake.press_button(zhao, zhao.id, menu.message_id, "08:00")
    await _edited(fake, zhao, menu.message_id, "08:00")
    fake.press_button(zhao, zhao.id, menu.message_id, "早报时间")
    await fake.wait_for(
        lambda: (
            callbacks.build(Verb.DIGEST, "off")
            in str(fake.message(zhao.id, menu.message_id).reply_markup)
        )
    )
    fake.press_button(zhao, zhao.id, menu.message_id, "关闭早报")
    await _edited(fake, zhao, menu.message_id, "已关闭")


async def test_a_groups_language_is_set_by_its_admins_only(env: BotRunner):
    fake = env.fake
    leader = fake.add_user(10, "李主任", username="lizhuren")
    zhang = fake.add_user(11, "张三", username="zhangsan")
    group = fake.add_group(-100100, "办公室", members=[leader, zhang], admins=[leader])
    fake.send_message(zhang, group, "/settings")
    await fake.wait_for_message(group.id, contains="只有群管理员")
    fake.send_message(leader, group, "/settings")
    menu = await fake.wait_for_message(group.id, contains="本群设置")
    qid = fake.press_button(zhang, group.id, menu.message_id, "English")
    answer = await fake.wait_for(
        lambda: next((a for a in fake.callback_answers if a.query_id == qid), None)
    )
    assert answer.show_alert
    fake.press_button(leader, group.id, menu.message_id, "English")
    await fake.wait_for(lambda: "Group settings" in fake.message(group.id, menu.message_id).text)
    fake.send_message(zhang, group, "/help")
    helped = await fake.wait_for_message(group.id, contains="privacy")
    assert "用法" not in helped.text


# ----- messages sent as a chat ------------------------------------------------------------------
AS_YOURSELF = "请以你自己的身份发送"


@pytest.fixture
async def office(env: BotRunner) -> Office:
    return await make_office(env, stranger_in_group=False)


async def _said_since(fake: FakeBotAPI, office: Office, mark: int) -> list[str]:
    """Everything the bot said in the group after `mark`, once a later /help is answered
    (updates are handled in order, so whatever came before has been handled by then)."""
    fake.send_message(office.leader, office.group, "/help")
    await fake.wait_for_message(office.group.id, contains="/task", after=mark)
    texts = [m.text for m in fake.bot_messages(office.group.id) if m.seq > mark]
    return texts[:-1]


def _no_stand_in_stored(env: BotRunner, group: FakeChat) -> None:
    assert env.db is not None
    ids = {p.user_id for p in env.db.people()}
    assert ANONYMOUS_ADMIN_ID not in ids and CHANNEL_BOT_ID not in ids
    ws = env.db.get_workspace(group.id)
    assert ws is not None and ANONYMOUS_ADMIN_ID not in ws.members


async def test_an_anonymous_admins_command_gets_one_line_and_makes_no_task(
    env: BotRunner, office: Office
):
    fake, group = office.fake, office.group
    assert env.db is not None
    mark = fake.mark()
    fake.send_as_chat(group, "/task @zhangsan 明天下午三点前把会议通知发给各科室")
    fake.send_as_chat(group, "/done #1")
    said = await _said_since(fake, office, mark)
    assert len(said) == 2 and all(AS_YOURSELF in text for text in said)
    assert env.db.live_tasks() == []
    assert not [m for m in fake.bot_messages(office.zhang.id) if m.seq > mark]
    _no_stand_in_stored(env, group)


async def test_a_channel_or_a_message_without_a_sender_gets_the_same_line(
    env: BotRunner, office: Office
):
    fake, group = office.fake, office.group
    channel = FakeChat(id=-100777, type="channel", title="通知频道")
    mark = fake.mark()
    fake.send_as_chat(group, "/task @wangwu 周四前准备签到表", channel=channel)
    fake.send_as_chat(group, "/my", with_from=False)
    said = await _said_since(fake, office, mark)
    assert len(said) == 2 and all(AS_YOURSELF in text for text in said)
    assert fake.internal_errors == []
    assert env.db is not None and env.db.live_tasks() == []
    _no_stand_in_stored(env, group)


async def test_chatter_sent_as_a_chat_or_a_command_for_another_bot_is_left_alone(
    env: BotRunner, office: Office
):
    fake, group = office.fake, office.group
    mark = fake.mark()
    fake.send_as_chat(group, "大家好，今天下午开会")
    fake.send_as_chat(group, "/done@some_other_bot #1")
    assert await _said_since(fake, office, mark) == []
    _no_stand_in_stored(env, group)


async def test_the_line_is_in_the_groups_language(office: Office):
    fake, group = office.fake, office.group
    fake.send_message(office.leader, group, "/settings lang en")
    await fake.wait_for_message(group.id, contains="Group settings")
    mark = fake.mark()
    fake.send_as_chat(group, "/done #1")
    line = await fake.wait_for_message(group.id, contains="yourself", after=mark)
    assert line.text.startswith("Please send this as yourself")
