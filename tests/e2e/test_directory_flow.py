"""Issue 6 end to end: contacts, name lists, the library and templates through the fake Bot API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.directory.exchange import read_csv, read_vcards
from bot.sim.fake_api import FakeBotAPI, FakeChat, FakeUser
from bot.sim.runner import BotRunner
from tests.e2e.office import Office, answer_of, buttons, make_office


@pytest.fixture
async def office(env: BotRunner) -> Office:
    return await make_office(env, stranger_in_group=False)


def _order(text: str, *names: str) -> list[int]:
    return [text.index(f"{n} ") if f"{n} " in text else text.index(n) for n in names]


async def _ask(
    fake: FakeBotAPI, user: FakeUser, chat: FakeChat | FakeUser, text: str, contains: str
):
    mark = fake.mark()
    fake.send_message(user, chat, text)
    return await fake.wait_for_message(chat.id, contains=contains, after=mark)


async def test_contacts_by_text_and_card_are_found_by_name_pinyin_initials_and_digits(
    office: Office,
):
    fake, group, leader, wang = office.fake, office.group, office.leader, office.wang
    added = await _ask(
        fake,
        leader,
        group,
        "/contact add 张三 办公室主任 13800138000 zhangsan@example.com 备注 周一不在",
        "已记入",
    )
    assert "13800138000" in added.text and "办公室主任" in added.text and "周一不在" in added.text
    await _ask(fake, leader, group, "/contact add 张三丰 武当山 13900001111", "已记入")
    await _ask(fake, leader, group, "/contact add 赵四 财政局 0571-8888 8888-12", "已记入")
    mark = fake.mark()
    fake.share_contact(wang, group, "8613700001234", "四", last_name="李")
    card = await fake.wait_for_message(group.id, contains="已记入", after=mark)
    assert "李四" in card.text and "13700001234" in card.text

    # Members look up from their private chats too (the group's directory is theirs).
    zhang = office.zhang
    chats = [(leader, fake.private_chat(leader)), (zhang, fake.private_chat(zhang))]
    chats.append((wang, fake.private_chat(wang)))
    turn = iter(range(100))

    async def lookup(query: str, contains: str = "找到"):
        user, chat = chats[next(turn) % len(chats)]
        return await _ask(fake, user, chat, query, contains)

    found = await lookup("/contact 张三")
    a, b = _order(found.text, "张三", "张三丰")
    assert a < b
    assert "13800138000" in found.text  # plain digits: Telegram makes them tappable

    found = await lookup("/c zhangsan")
    assert found.text.index("张三 ") < found.text.index("张三丰")
    found = await lookup("/c zhang")
    assert "张三" in found.text and "赵四" not in found.text

    # Initials: both exact (张三, 赵四) before the partial one (张三丰); among the exact ones
    # the contact looked up more often (张三, twice so far) comes first.
    found = await lookup("/c zs")
    z3, z4, z3f = _order(found.text, "张三", "赵四", "张三丰")
    assert z3 < z4 < z3f

    found = await lookup("/c 8000")
    assert "张三" in found.text and "赵四" not in found.text
    found = await lookup("/c 88888888")
    assert "赵四" in found.text and "0571-88888888 转 12" in found.text
    found = await lookup("/c 财政局")
    assert "赵四" in found.text
    await lookup("/c 不存在的人", "没找到")

    # The same number again is merged, not repeated.
    merged = await _ask(fake, leader, group, "/contact add 张三 13800138000 010-12345678", "合并")
    assert "010-12345678" in merged.text
    found = await lookup("/c 张三")
    assert found.text.count("13800138000") == 1


async def test_edit_and_delete_only_by_whoever_added_or_an_admin(office: Office):
    fake, group, leader, zhang, wang = (
        office.fake,
        office.group,
        office.leader,
        office.zhang,
        office.wang,
    )
    added = await _ask(fake, zhang, group, "/contact add 钱七 教育局 13600001111", "已记入")

    # Someone else may not delete or edit it.
    qid = fake.press_button(wang, group, added.message_id, "删 钱七")
    text, alert = await answer_of(fake, qid)
    assert alert and "只有添加人或管理员" in text
    qid = fake.press_button(wang, group, added.message_id, "改 钱七")
    text, alert = await answer_of(fake, qid)
    assert alert and "只有添加人或管理员" in text

    # Whoever added it edits it by replying to the prompt.
    mark = fake.mark()
    fake.press_button(zhang, group, added.message_id, "改 钱七")
    prompt = await fake.wait_for_message(group.id, contains="回复本消息", after=mark)
    mark = fake.mark()
    fake.send_message(zhang, group, "钱七 教育局办公室 13600002222", reply_to=prompt.message_id)
    edited = await fake.wait_for_message(group.id, contains="已修改", after=mark)
    assert "13600002222" in edited.text and "13600001111" not in edited.text

    # An admin (a Telegram admin of the group) may delete it.
    qid = fake.press_button(leader, group, edited.message_id, "删 钱七")
    text, alert = await answer_of(fake, qid)
    assert not alert and "已删除" in text
    await _ask(fake, zhang, group, "/c 钱七", "没找到")


async def test_import_csv_reports_bad_rows_and_export_round_trips(office: Office):
    fake, leader = office.fake, office.leader
    chat = fake.private_chat(leader)
    csv_bytes = (
        "姓名,单位,职务,手机,邮箱,备注\n"
        "孙八,财政局,科长,13512345678,sun@example.com,\n"
        ",人社局,,13512340000,,\n"
        "周九,统计局,,电话待查,,\n"
        "吴十,发改委,主任,010-66668888 转 201,,常驻北京\n"
    ).encode("gbk")
    mark = fake.mark()
    fake.send_document(leader, chat, "通讯录.csv", csv_bytes, caption="/import")
    report = await fake.wait_for_message(chat.id, contains="导入完成", after=mark)
    assert "新增 2 位" in report.text
    assert "第 3 行" in report.text and "缺少姓名" in report.text
    assert "第 4 行" in report.text and "电话待查" in report.text

    # A vCard by replying /import to the file.
    vcf = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:郑十一\r\nORG:信访局\r\n"
        "TEL;TYPE=CELL:+86 139 8888 7777\r\nEND:VCARD\r\n"
    ).encode()
    sent = fake.send_document(leader, chat, "card.vcf", vcf)
    mark = fake.mark()
    fake.send_message(leader, chat, "/import", reply_to=sent["message_id"])
    report = await fake.wait_for_message(chat.id, contains="导入完成", after=mark)
    assert "新增 1 位" in report.text
    found = await _ask(fake, leader, chat, "/c zsy", "找到")
    assert "郑十一" in found.text and "13988887777" in found.text

    mark = fake.mark()
    fake.send_message(leader, chat, "/export contacts")
    await fake.wait_for(
        lambda: (
            len([m for m in fake.bot_messages(chat.id) if m.kind == "document" and m.seq > mark])
            >= 2
        )
    )
    docs = [m for m in fake.bot_messages(chat.id) if m.kind == "document" and m.seq > mark]
    by_ext = {d.file_name.rsplit(".", 1)[1]: d for d in docs if d.file_name}
    back_csv = read_csv(fake.file_content(by_ext["csv"].file_id))
    back_vcf = read_vcards(fake.file_content(by_ext["vcf"].file_id))
    assert back_csv.errors == () and back_vcf.errors == ()
    names = {c.name for c in back_csv.contacts}
    assert names == {"孙八", "吴十", "郑十一"} == {c.name for c in back_vcf.contacts}
    wu = next(c for c in back_vcf.contacts if c.name == "吴十")
    assert wu.phones == ("010-66668888 转 201",) and wu.unit == "发改委 主任"
    assert wu.note == "常驻北京"


async def test_a_roster_named_in_a_task_assigns_each_member(office: Office):
    fake, group, leader, zhang, wang = (
        office.fake,
        office.group,
        office.leader,
        office.zhang,
        office.wang,
    )
    await _ask(fake, leader, group, "/contact add 赵四 财政局 13511112222", "已记入")
    fake.share_contact(leader, group, "+86 13800009999", "张三", contact_user_id=zhang.id)
    await fake.wait_for_message(group.id, contains="已记入")

    created = await _ask(
        fake, leader, group, "/roster new 各科室负责人 @zhangsan @wangwu 赵四 陈某", "已建名单"
    )
    assert "4 人" in created.text and "陈某" in created.text and "通讯录里没有" in created.text

    shown = await _ask(
        fake, leader, fake.private_chat(leader), "/roster 各科室负责人", "各科室负责人"
    )
    assert "办公室" in shown.text  # found from a private chat: it says where it lives
    assert "13800009999" in shown.text  # 张三's card, linked by his Telegram account
    assert "13511112222" in shown.text  # 赵四, a contact without Telegram

    removed = await _ask(fake, leader, group, "/roster remove 各科室负责人 陈某", "移除")
    assert "3 人" in removed.text
    listed = await _ask(fake, zhang, fake.private_chat(zhang), "/roster", "名单")
    assert "各科室负责人" in listed.text

    mark = fake.mark()
    fake.send_message(leader, group, "/task #各科室负责人 周五前报送年度总结")
    await fake.wait_for_message(group.id, contains="已记下", after=mark)
    for person in (zhang, wang):
        card = await fake.wait_for_message(person.id, contains="新任务", after=mark)
        assert "报送年度总结" in card.text and "各科室负责人" not in card.text

    # Only its creator or an admin may delete it.
    await _ask(fake, zhang, group, "/roster del 各科室负责人", "只有添加人或管理员")
    await _ask(fake, leader, group, "/roster del 各科室负责人", "已删除名单")
    await _ask(fake, wang, fake.private_chat(wang), "/roster 各科室负责人", "没有名为")


async def test_a_file_is_saved_found_and_sent_again(office: Office):
    fake, group, leader, zhang, wang = (
        office.fake,
        office.group,
        office.leader,
        office.zhang,
        office.wang,
    )
    mark = fake.mark()
    fake.send_document(
        zhang, group, "2025年工作总结.docx", b"PK fake docx", caption="#资料 年度 财务"
    )
    saved = await fake.wait_for_message(group.id, contains="已存入", after=mark)
    assert "2025年工作总结.docx" in saved.text and "总结" in saved.text and "财务" in saved.text

    # The category can be changed with buttons (by whoever saved it).
    qid = fake.press_button(wang, group, saved.message_id, "改分类")
    text, alert = await answer_of(fake, qid)
    assert alert and "只有添加人或管理员" in text
    fake.press_button(zhang, group, saved.message_id, "改分类")
    choice = await fake.wait_for(
        lambda: (m := fake.message(group.id, saved.message_id)) and "汇报" in buttons(m) and m
    )
    qid = fake.press_button(zhang, group, choice.message_id, "汇报")
    text, _ = await answer_of(fake, qid)
    assert "汇报" in text
    await fake.wait_for(
        lambda: (m := fake.message(group.id, saved.message_id)) and "分类：汇报" in m.text
    )

    # A photo and a /save reply go in too; /save with a category name sets it.
    mark = fake.mark()
    fake.send_photo(leader, group, b"\xff\xd8\xff fake jpeg", caption="#资料 会议现场")
    photo = await fake.wait_for_message(group.id, contains="已存入", after=mark)
    assert "会议现场" in photo.text
    sent = fake.send_document(leader, group, "考勤办法.pdf", b"%PDF-1.4")
    mark = fake.mark()
    fake.send_message(leader, group, "/save 制度 人事", reply_to=sent["message_id"])
    rule = await fake.wait_for_message(group.id, contains="已存入", after=mark)
    assert "制度" in rule.text

    private = fake.private_chat(wang)
    found = await _ask(fake, wang, private, "/docs 总结 2025", "找到 1 份")
    assert "2025年工作总结.docx" in found.text
    mark = fake.mark()
    fake.press_button(wang, private, found.message_id, "2025年工作总结.docx")
    again = await fake.wait_for(
        lambda: next(
            (m for m in fake.bot_messages(private.id) if m.kind == "document" and m.seq > mark),
            None,
        )
    )
    assert fake.calls_to("getFile") == []  # it goes back by its file_id, never downloaded
    assert fake.file_content(again.file_id) == b"PK fake docx"

    found = await _ask(fake, zhang, fake.private_chat(zhang), "/docs 会议现场", "找到 1 份")
    mark = fake.mark()
    fake.press_button(zhang, zhang.id, found.message_id, "图片")
    await fake.wait_for(
        lambda: next(
            (m for m in fake.bot_messages(zhang.id) if m.kind == "photo" and m.seq > mark), None
        )
    )

    # Delete: refused for others, done by the saver.
    fake.press_button(zhang, group, choice.message_id, "删除")
    await fake.wait_for(
        lambda: (m := fake.message(group.id, saved.message_id)) and "已从资料库删除" in m.text
    )
    await _ask(fake, leader, fake.private_chat(leader), "/docs 年度", "没找到资料")


async def test_a_template_is_saved_and_filled_for_a_given_day(office: Office):
    fake, group, leader = office.fake, office.group, office.leader
    source = fake.send_message(
        leader, group, "请各科室负责人于{日期}（{星期}）{时间}到三楼会议室开会。"
    )
    mark = fake.mark()
    fake.send_message(leader, group, "/template save 会议通知", reply_to=source["message_id"])
    await fake.wait_for_message(group.id, contains="已保存模板", after=mark)

    # The runner's clock starts on Monday 30 Nov 2026, 10:00 in Shanghai.
    filled = await _ask(fake, leader, group, "/template 会议通知 下周一上午九点", "三楼会议室")
    assert filled.text == "请各科室负责人于2026年12月7日（星期一）09:00到三楼会议室开会。"
    # From a private chat the group's templates are there too.
    today = await _ask(fake, leader, fake.private_chat(leader), "/template 会议通知", "三楼会议室")
    assert "2026年11月30日（星期一）10:00" in today.text
    listed = await _ask(fake, office.zhang, fake.private_chat(office.zhang), "/template", "模板")
    assert "/template 会议通知" in listed.text


async def test_outsiders_never_see_a_groups_directory_or_library(office: Office):
    fake, group, leader, zhang, wang, stranger = (
        office.fake,
        office.group,
        office.leader,
        office.zhang,
        office.wang,
        office.stranger,
    )
    await _ask(fake, leader, group, "/contact add 冯局长 市政府 13311112222", "已记入")
    fake.send_document(leader, group, "值班安排.xlsx", b"xlsx", caption="#资料")
    await fake.wait_for_message(group.id, contains="已存入")

    # A member finds the group's records from a private chat, marked with where they live.
    found = await _ask(fake, zhang, fake.private_chat(zhang), "/c fjz", "找到")
    assert "冯局长" in found.text
    docs = await _ask(fake, zhang, fake.private_chat(zhang), "/docs 值班", "找到 1 份")
    assert "值班安排.xlsx" in docs.text

    # Someone who was never in the group, and someone who left it, see nothing.
    private = fake.private_chat(stranger)
    await _ask(fake, stranger, private, "/c 冯局长", "没找到")
    await _ask(fake, stranger, private, "/docs 值班", "没找到资料")
    fake.remove_member(group, wang)
    await _ask(fake, wang, fake.private_chat(wang), "/c 冯局长", "没找到")

    # A forged button for the group's document is refused too.
    mine = await _ask(fake, stranger, private, "/contact add 自己人 13000000000", "已记入")
    qid = fake.press(stranger, (private.id, mine.message_id), "d:dg:g-100100:1", strict=False)
    text, alert = await answer_of(fake, qid)
    assert alert and "不在这个群" in text
    assert not [m for m in fake.bot_messages(private.id) if m.kind == "document"]


def _membership_checks(fake: FakeBotAPI, group: FakeChat, user: FakeUser) -> int:
    return len(
        [
            c
            for c in fake.calls_to("getChatMember")
            if int(c.params.get("chat_id", 0)) == group.id
            and int(c.params.get("user_id", 0)) == user.id
        ]
    )


async def test_membership_is_asked_once_and_asked_again_after_a_leave_or_ten_minutes(
    env: BotRunner, office: Office
):
    fake, group, leader, zhang = office.fake, office.group, office.leader, office.zhang
    await _ask(fake, leader, group, "/contact add 冯局长 市政府 13311112222", "已记入")
    private = fake.private_chat(zhang)

    # Three look-ups from a private chat: Telegram is asked about 张三 in the group once.
    for query in ("/c 冯局长", "/c fjz", "/docs"):
        await _ask(fake, zhang, private, query, "")
    assert _membership_checks(fake, group, zhang) == 1

    # After ten minutes the answer is old: asked again (and kept again).
    await env.advance(timedelta(minutes=10))
    await _ask(fake, zhang, private, "/c 冯局长", "找到")
    await _ask(fake, zhang, private, "/c 冯局长", "找到")
    assert _membership_checks(fake, group, zhang) == 2

    # He leaves; the group's service message says so: the kept answer goes at once.
    fake.remove_member(group, zhang, notify=True)
    await _ask(fake, leader, group, "/c 冯局长", "找到")  # handled after the leave
    await _ask(fake, zhang, private, "/c 冯局长", "没找到")
    assert _membership_checks(fake, group, zhang) == 3
