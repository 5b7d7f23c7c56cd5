"""The directory's pure rules: whose spaces a chat sees, and how command words read."""

import pytest

from bot.directory.contacts import contact_from_card
from bot.directory.exchange import FileFormat, file_format
from bot.directory.rules import (
    ExportAsk,
    MemberRef,
    Mention,
    RosterAction,
    TemplateAction,
    after_two_words,
    candidate_spaces,
    export_ask,
    is_add_word,
    member_refs,
    needs_membership,
    roster_action,
    template_action,
)


def test_a_group_sees_its_own_a_private_chat_its_own_then_its_groups():
    assert candidate_spaces("g-1", 11, [-2, -3]) == ["g-1"]
    assert candidate_spaces("p11", 11, [-2, -3]) == ["p11", "g-2", "g-3"]


@pytest.mark.parametrize(
    ("where", "space", "chat"),
    [("p11", "p11", None), ("p11", "g-2", -2), ("g-2", "g-2", None), ("p11", "p12", None)],
)
def test_only_another_groups_space_needs_telegram_to_confirm(where, space, chat):
    assert needs_membership(where, space) == chat


@pytest.mark.parametrize(
    ("word", "action"),
    [
        ("new", RosterAction.NEW),
        ("ADD", RosterAction.ADD),
        ("rm", RosterAction.REMOVE),
        ("remove", RosterAction.REMOVE),
        ("del", RosterAction.DELETE),
        ("delete", RosterAction.DELETE),
        ("各科室负责人", None),
    ],
)
def test_roster_words(word, action):
    assert roster_action(word) == action


@pytest.mark.parametrize(
    ("word", "action"),
    [
        ("保存", TemplateAction.SAVE),
        ("Save", TemplateAction.SAVE),
        ("删除", TemplateAction.DELETE),
        ("会议通知", None),
    ],
)
def test_template_words(word, action):
    assert template_action(word) == action


@pytest.mark.parametrize(
    ("args", "ask"),
    [
        ("", ExportAsk.CONTACTS),
        (" 通讯录 ", ExportAsk.CONTACTS),
        ("notice 3", ExportAsk.NOTICE),
        ("photos", ExportAsk.UNKNOWN),
    ],
)
def test_export_words(args, ask):
    assert export_ask(args) == ask


def test_add_words():
    assert is_add_word("添加") and is_add_word("ADD") and not is_add_word("张三")


def test_people_named_in_a_roster_command_keep_their_order():
    text = "@zhangsan 王五，赵四 李 四"
    mentions = [Mention(start=len("@zhangsan 王五，赵四 "), end=len(text), user_id=14)]
    assert member_refs(text, mentions) == [
        MemberRef(name="@zhangsan", username="zhangsan"),
        MemberRef(name="王五"),
        MemberRef(name="赵四"),
        MemberRef(name="李 四", user_id=14),
    ]


def test_members_start_after_the_verb_and_the_name():
    text = " new 名单 @a @b"
    assert text[after_two_words(text) :] == " @a @b"
    assert after_two_words("") == 0


@pytest.mark.parametrize(
    ("name", "mime", "fmt"),
    [
        ("通讯录.CSV", "", FileFormat.CSV),
        ("list.txt", "", FileFormat.CSV),
        ("x", "text/csv", FileFormat.CSV),
        ("card.vcf", "", FileFormat.VCARD),
        ("x", "text/x-vcard", FileFormat.VCARD),
        ("photo.jpg", "image/jpeg", None),
    ],
)
def test_files_import_can_read(name, mime, fmt):
    assert file_format(name, mime) == fmt


def test_a_contact_card_reads_a_chinese_name_family_first():
    card = contact_from_card("四", "李", "8613700001234")
    assert (card.name, card.phones) == ("李四", ("13700001234",))
    card = contact_from_card("Anna", "Berg", "")
    assert (card.name, card.phones) == ("Anna Berg", ())
