"""What people type that is not a new task (bot/tasks/words.py), table-driven."""

from __future__ import annotations

import pytest

from bot.tasks.words import (
    Change,
    ReplyAct,
    ReplyKind,
    Said,
    names_the_past,
    read_change,
    read_private,
    read_reply,
)


@pytest.mark.parametrize(
    ("text", "act"),
    [
        pytest.param("收到", ReplyAct(ReplyKind.ACK), id="shoudao"),
        pytest.param("好的，马上办", ReplyAct(ReplyKind.ACK), id="haode-mashangban"),
        pytest.param("收到！👍", ReplyAct(ReplyKind.ACK), id="with-emoji"),
        pytest.param("OK", ReplyAct(ReplyKind.ACK), id="ok"),
        pytest.param("got it, on it", ReplyAct(ReplyKind.ACK), id="en-ack"),
        pytest.param("已完成", ReplyAct(ReplyKind.DONE), id="yiwancheng"),
        pytest.param(
            "办好了，已报送财务科", ReplyAct(ReplyKind.DONE, "已报送财务科"), id="with-note"
        ),
        pytest.param("Done - sent it", ReplyAct(ReplyKind.DONE, "sent it"), id="en-done"),
        pytest.param("办不了，财务科不在", ReplyAct(ReplyKind.CANNOT, "财务科不在"), id="cannot"),
        pytest.param("can't: no access", ReplyAct(ReplyKind.CANNOT, "no access"), id="en-cannot"),
        pytest.param("已联系财务科", ReplyAct(ReplyKind.PROGRESS, "已联系财务科"), id="progress"),
        pytest.param(
            "doneness is 50%", ReplyAct(ReplyKind.PROGRESS, "doneness is 50%"), id="prefix"
        ),
        pytest.param(
            "好好整理一下", ReplyAct(ReplyKind.PROGRESS, "好好整理一下"), id="not-only-ack"
        ),
    ],
)
def test_what_a_reply_about_a_task_means(text, act):
    assert read_reply(text) == act


@pytest.mark.parametrize(
    ("text", "said", "who"),
    [
        pytest.param("谢谢", Said.THANKS, "", id="xiexie"),
        pytest.param("好的，辛苦了", Said.THANKS, "", id="xinku"),
        pytest.param("thank you!", Said.THANKS, "", id="en-thanks"),
        pytest.param("收到", Said.ACK, "", id="ack"),
        pytest.param("你好", Said.GREETING, "", id="hello"),
        pytest.param("张伟的电话是多少", Said.PHONE, "张伟", id="phone-of"),
        pytest.param("张伟电话？", Said.PHONE, "张伟", id="phone-short"),
        pytest.param("电话 张伟", Said.PHONE, "张伟", id="phone-first"),
        pytest.param("财务科的联系方式", Said.PHONE, "财务科", id="a-unit"),
        pytest.param("phone of Zhang Wei", Said.PHONE, "Zhang Wei", id="en-phone-of"),
        pytest.param("Zhang Wei's number?", Said.PHONE, "Zhang Wei", id="en-s-number"),
        pytest.param("给张伟打电话", Said.TASK, "", id="a-call-to-make"),
        pytest.param("明天几点开会？", Said.QUESTION, "", id="question-mark"),
        pytest.param("报表交了吗", Said.QUESTION, "", id="ma"),
        pytest.param("what time is the meeting", Said.QUESTION, "", id="en-question"),
        pytest.param("周五前整理档案", Said.TASK, "", id="a-task"),
    ],
)
def test_what_a_private_message_is(text, said, who):
    got = read_private(text)
    assert (got.said, got.who) == (said, who)


@pytest.mark.parametrize(
    ("text", "change", "number", "rest"),
    [
        pytest.param("改派 #3 给王五", Change.REASSIGN, 3, "王五", id="gaipai"),
        pytest.param("改派3 @wangwu", Change.REASSIGN, 3, "@wangwu", id="no-hash"),
        pytest.param("加派 #3 王五", Change.ADD, 3, "王五", id="jiapai"),
        pytest.param("取消 #3", Change.CANCEL, 3, "", id="quxiao"),
        pytest.param("取消 #3，不用报了", Change.CANCEL, 3, "不用报了", id="with-reason"),
        pytest.param("#3 改到周五", Change.DUE, 3, "周五", id="gaidao"),
        pytest.param("改期 #3 到下周一", Change.DUE, 3, "下周一", id="gaiqi"),
        pytest.param("#3 延期到下周一", Change.EXTEND, 3, "下周一", id="yanqi"),
        pytest.param(
            "申请延期 #3 下周一 材料没齐", Change.EXTEND, 3, "下周一 材料没齐", id="apply"
        ),
        pytest.param("改标题 #3 交季度报表", Change.RENAME, 3, "交季度报表", id="rename"),
        pytest.param("#3 急", Change.PRIORITY, 3, "急", id="ji"),
        pytest.param("优先级 #3 不急", Change.PRIORITY, 3, "不急", id="priority"),
        pytest.param("reassign #3 to @wang", Change.REASSIGN, 3, "@wang", id="en-reassign"),
        pytest.param("cancel #3 not needed", Change.CANCEL, 3, "not needed", id="en-cancel"),
        pytest.param("#3 due next Monday", Change.DUE, 3, "next Monday", id="en-due"),
    ],
)
def test_changes_said_in_words(text, change, number, rest):
    said = read_change(text)
    assert said is not None and (said.change, said.number, said.rest) == (change, number, rest)


@pytest.mark.parametrize(
    "text", ["取消会议", "明天改到三楼开会", "#3", "改派给王五", "周五前交报表"]
)
def test_other_text_is_no_change(text):
    assert read_change(text) is None


@pytest.mark.parametrize(
    ("text", "past"),
    [
        ("昨天", True),
        ("上周五", True),
        ("yesterday", True),
        ("2 hours ago", True),
        ("明天", False),
        ("下周一", False),
        ("last", False),
    ],
)
def test_times_said_in_the_past(text, past):
    assert names_the_past(text) is past
