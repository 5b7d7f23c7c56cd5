"""The pure rules of notices: reading /notify, confirming, when to send again, the tracking."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.workdays import WorkCalendar
from bot.notices import rules
from bot.notices.rules import (
    Confirm,
    Due,
    Kind,
    Notice,
    NoticeRefused,
    NoticeStatus,
    Reach,
    Recipient,
    Target,
)

TZ = ZoneInfo("Asia/Shanghai")
MON_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # a Monday
CAL = WorkCalendar()


def _notice(**changes) -> Notice:
    base = Notice(
        number=1,
        space="g-1",
        chat_id=-1,
        sender=10,
        text="明天上午9点开会",
        created_at=MON_10,
        recipients=(
            Recipient("张三", 11, "zhangsan", "138"),
            Recipient("王五", 12, "wangwu", None),
            Recipient("孙八", 15, "sunba", "139"),
        ),
    )
    return rules.initial(replace(base, **changes), MON_10, CAL)


ROSTERS = {"各科室负责人", "办公室"}


@pytest.mark.parametrize(
    ("text", "targets", "body"),
    [
        pytest.param(
            "各科室负责人 明天上午9点开预算会",
            [Target("roster", "各科室负责人")],
            "明天上午9点开预算会",
            id="roster",
        ),
        pytest.param(
            "#办公室 @ZhangSan、@wangwu 下午开会",
            [Target("roster", "办公室"), Target("user", "zhangsan"), Target("user", "wangwu")],
            "下午开会",
            id="roster-hash-and-people",
        ),
        pytest.param("大家 明天开会", [Target("everyone", "")], "明天开会", id="everyone-zh"),
        pytest.param(
            "everyone meeting at 3pm", [Target("everyone", "")], "meeting at 3pm", id="everyone-en"
        ),
        pytest.param("明天开会", [], "明天开会", id="no-target"),
        pytest.param("财务科 明天开会", [], "财务科 明天开会", id="unknown-roster-is-text"),
        pytest.param("@zhangsan", [Target("user", "zhangsan")], "", id="no-text"),
    ],
)
def test_split_targets(text, targets, body):
    got, rest = rules.split_targets(text, is_roster=ROSTERS.__contains__)
    assert (got, rest) == (targets, body)


def test_text_mentions_are_targets_by_offset():
    got, rest = rules.split_targets("老赵 明天开会", is_roster=lambda _: False, mentions={0: 77})
    assert got == [Target("user", "id:77")] and rest == "明天开会"


@pytest.mark.parametrize(
    ("text", "minutes", "rest"),
    [
        pytest.param("明天开会 提醒间隔 15分钟", 15, "明天开会", id="zh"),
        pytest.param("明天开会，提醒间隔十五分钟", 15, "明天开会", id="zh-numerals"),
        pytest.param("明天开会 每隔1小时提醒一次", 60, "明天开会", id="zh-every-hour"),
        pytest.param("meeting at 3pm remind every 15 min", 15, "meeting at 3pm", id="en"),
        pytest.param("meeting remind every 2 hours", 120, "meeting", id="en-hours"),
        pytest.param("明天开会", None, "明天开会", id="none"),
    ],
)
def test_take_interval(text, minutes, rest):
    assert rules.take_interval(text) == (rest, minutes)


@pytest.mark.parametrize("minutes", [1, 4, 1441])
def test_intervals_out_of_range_are_refused(minutes):
    with pytest.raises(NoticeRefused):
        rules.check_interval(minutes)


@pytest.mark.parametrize(
    ("text", "due", "expected"),
    [
        pytest.param("明天上午9点开会", MON_10 + timedelta(hours=23), True, id="clock-time"),
        pytest.param("周五大扫除", datetime(2026, 12, 4, 18, 0, tzinfo=TZ), False, id="date-only"),
        pytest.param("周五18点聚餐", datetime(2026, 12, 4, 18, 0, tzinfo=TZ), True, id="18-said"),
        pytest.param("开会", MON_10 - timedelta(hours=1), False, id="past"),
        pytest.param("开会", None, False, id="no-time"),
    ],
)
def test_meeting_time_needs_a_time_of_day(text, due, expected):
    got = rules.meeting_time(text, due, MON_10, time(18, 0))
    assert (got is not None) == expected


def test_recipients_are_merged_and_the_sender_left_out():
    merged = rules.merge_recipients(
        [
            Recipient("张三", 11),
            Recipient("张三 (roster)", 11, "zhangsan", "138"),
            Recipient("李主任", 10),
            Recipient("@new", None, "new"),
            Recipient("@new", None, "new"),
        ],
        sender=10,
    )
    assert [(r.name, r.user_id, r.username, r.phone) for r in merged] == [
        ("张三", 11, "zhangsan", "138"),
        ("@new", None, "new", None),
    ]


def test_initial_queues_everyone_with_an_account_and_plans_the_resend():
    notice = _notice()
    assert [(o.user_id, o.kind) for o in notice.queue] == [
        (11, Kind.NOTICE),
        (12, Kind.NOTICE),
        (15, Kind.NOTICE),
    ]
    assert notice.next_at == MON_10 + timedelta(minutes=30)


def test_a_press_counts_once_and_strangers_are_refused():
    notice = _notice()
    at = MON_10 + timedelta(minutes=2)
    once, result, who = rules.confirm(notice, 11, "zhangsan", 1, at)
    assert result == Confirm.CONFIRMED and who is not None and who.confirmed_at == at
    twice, result, _ = rules.confirm(once, 11, "zhangsan", 1, at + timedelta(minutes=1))
    assert result == Confirm.ALREADY and twice == once
    assert rules.confirm(once, 99, None, 1, at)[1] == Confirm.NOT_RECIPIENT
    assert rules.confirm(once, 10, None, 1, at)[1] == Confirm.SENDER
    assert rules.confirm(once, 12, None, 2, at)[1] == Confirm.STALE
    assert [r.name for r in once.confirmed()] == ["张三"]
    assert once.rev == notice.rev + 1


def test_a_pending_username_confirms_by_username():
    notice = _notice(recipients=(Recipient("@new", None, "new"),))
    _, result, who = rules.confirm(notice, 42, "New", 1, MON_10)
    assert result == Confirm.CONFIRMED and who is not None and who.user_id == 42


def _advance(notice: Notice, now: datetime, reachable=frozenset({11, 12})) -> Notice:
    for action in rules.due(notice, now):
        if action == Due.RESEND:
            notice = rules.resend(notice, now, CAL, reachable)
        elif action == Due.REPORT:
            notice = rules.reported(notice, now)
        else:
            notice = rules.meeting_reminded(notice, now, reachable)
    return notice


def test_three_resends_then_one_report_then_nothing():
    notice = replace(_notice(meeting_at=None), queue=())
    notice, _, _ = rules.confirm(notice, 11, None, 1, MON_10)
    now = MON_10
    seen = []
    for _ in range(6):
        now += timedelta(minutes=30)
        seen.append(rules.due(notice, now))
        notice = _advance(notice, now)
    assert seen == [[Due.RESEND], [Due.RESEND], [Due.RESEND], [Due.REPORT], [], []]
    resent = [o for o in notice.queue if o.kind == Kind.RESEND]
    # Only the reachable one who has not confirmed (孙八 cannot be written to).
    assert [(o.user_id, o.round) for o in resent] == [(12, 1), (12, 2), (12, 3)]
    assert not replace(notice, queue=()).active()  # once the queue is sent: nothing left


def test_nothing_is_due_once_everyone_confirmed():
    notice = _notice(meeting_at=None)
    for uid in (11, 12, 15):
        notice, _, _ = rules.confirm(notice, uid, None, 1, MON_10)
    assert rules.due(notice, MON_10 + timedelta(hours=5)) == []


@pytest.mark.parametrize(
    ("at", "urgent", "expected"),
    [
        pytest.param(MON_10, False, MON_10, id="work-hours"),
        pytest.param(
            datetime(2026, 11, 30, 18, 20, tzinfo=TZ),
            False,
            datetime(2026, 12, 1, 9, 0, tzinfo=TZ),
            id="evening-waits-for-morning",
        ),
        pytest.param(
            datetime(2026, 12, 4, 18, 30, tzinfo=TZ),
            False,
            datetime(2026, 12, 7, 9, 0, tzinfo=TZ),
            id="friday-evening-waits-for-monday",
        ),
        pytest.param(
            datetime(2026, 11, 30, 18, 20, tzinfo=TZ),
            True,
            datetime(2026, 11, 30, 18, 20, tzinfo=TZ),
            id="urgent-goes-at-once",
        ),
    ],
)
def test_quiet_hours(at, urgent, expected):
    assert rules.quiet_until(at, urgent=urgent, calendar=CAL) == expected


def test_the_meeting_reminder_goes_to_confirmers_and_the_sender_hears_who_is_missing():
    meeting = datetime(2026, 11, 30, 15, 0, tzinfo=TZ)
    notice = replace(_notice(meeting_at=meeting), queue=())
    notice = rules.initial(notice, MON_10, CAL)
    notice = replace(notice, queue=())
    notice, _, _ = rules.confirm(notice, 11, None, 1, MON_10)
    notice, _, _ = rules.confirm(notice, 15, None, 1, MON_10)
    at = meeting - timedelta(minutes=30)
    assert rules.due(notice, at) == [Due.REPORT, Due.MEETING]
    reminded = rules.meeting_reminded(notice, at, reachable={11, 12})
    # 孙八 confirmed but cannot be written to privately: the group reminds them.
    assert [(o.user_id, o.kind) for o in reminded.queue] == [(11, Kind.MEETING)]
    assert rules.due(rules.reported(reminded, at), at + timedelta(minutes=5)) == []


def test_a_meeting_too_close_for_a_reminder_gets_none():
    notice = _notice(meeting_at=MON_10 + timedelta(minutes=20))
    assert notice.meeting_reminded
    # Resends stop when the meeting starts; then the sender is told.
    assert rules.due(notice, MON_10 + timedelta(minutes=30)) == [Due.REPORT]


def test_cancel_tells_those_who_got_it_and_only_the_sender_or_an_admin_may():
    notice = _notice()
    with pytest.raises(NoticeRefused) as refused:
        rules.cancel(notice, 11, MON_10, is_admin=False)
    assert refused.value.key == "not_sender"
    # Two were sent already, 孙八's is still queued: he is not told of the end of it.
    sent = replace(notice, queue=notice.queue[2:])
    cancelled = rules.cancel(sent, 99, MON_10, is_admin=True)
    assert cancelled.status == NoticeStatus.CANCELLED and not cancelled.open
    assert [(o.user_id, o.kind) for o in cancelled.queue] == [
        (11, Kind.CANCELLED),
        (12, Kind.CANCELLED),
    ]
    assert rules.due(cancelled, MON_10 + timedelta(hours=1)) == []
    with pytest.raises(NoticeRefused):
        rules.cancel(cancelled, 10, MON_10, is_admin=False)


def test_change_resets_confirmations_and_tells_everyone_again():
    notice, _, _ = rules.confirm(replace(_notice(), queue=()), 11, None, 1, MON_10)
    later = MON_10 + timedelta(minutes=40)
    changed = rules.change(notice, 10, "改到下午3点", None, later, CAL, is_admin=False)
    # Issue 14: the notice keeps its text; the change is said beside it.
    assert changed.version == 2 and changed.text == "明天上午9点开会"
    assert changed.changes == ("改到下午3点",)
    assert changed.confirmed() == [] and changed.resends == 0
    assert {o.kind for o in changed.queue} == {Kind.CHANGED}
    assert changed.next_at == later + timedelta(minutes=30)
    assert rules.confirm(changed, 11, None, 1, later)[1] == Confirm.STALE


def test_tracking_puts_the_missing_first_with_reasons_and_cuts_long_lists():
    people = tuple(Recipient(f"p{i}", 100 + i, None, f"1{i}") for i in range(100))
    notice = _notice(recipients=people)
    for uid in range(100, 130):
        notice, _, _ = rules.confirm(notice, uid, None, 1, MON_10)
    reach = {100 + i: (Reach.PRIVATE if i < 80 else Reach.BLOCKED) for i in range(100)}
    view = rules.tracking(notice, reach)
    assert view.total == 100
    assert len(view.confirmed) == rules.MAX_LISTED_CONFIRMED and view.more_confirmed == 5
    assert len(view.waiting) == rules.MAX_LISTED_MISSING and view.more_waiting == 10
    assert len(view.unreachable) == 20 and view.unreachable[0].reach == Reach.BLOCKED
    full = rules.tracking(notice, reach, full=True)
    assert len(full.confirmed) + len(full.waiting) + len(full.unreachable) == 100


# ----- reading the commands --------------------------------------------------------------------
def test_read_notify_takes_the_text_and_interval_from_the_replied_message():
    command = rules.read_notify(
        "各科室负责人", is_roster=ROSTERS.__contains__, replied_text="周五开会 提醒间隔 15分钟"
    )
    assert command.targets == (Target("roster", "各科室负责人"),)
    assert (command.text, command.interval) == ("周五开会", 15)
    default = rules.read_notify("@zhangsan 开会", is_roster=ROSTERS.__contains__)
    assert default.interval == rules.DEFAULT_INTERVAL


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("明天开会", "no_targets", id="nobody"),
        pytest.param("#财务科 明天开会", "unknown_roster", id="no-such-roster"),
        pytest.param("@zhangsan", "no_text", id="no-text"),
        pytest.param("@zhangsan 开会 提醒间隔 1分钟", "bad_interval", id="interval"),
    ],
)
def test_read_notify_refuses_with_a_reason(text, key):
    with pytest.raises(NoticeRefused) as refused:
        rules.read_notify(text, is_roster=ROSTERS.__contains__)
    assert refused.value.key == key


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param("12", rules.ManageCommand(rules.Manage.SHOW, 12), id="show"),
        pytest.param("第12号", rules.ManageCommand(rules.Manage.SHOW, 12), id="show-zh"),
        pytest.param("cancel #3", rules.ManageCommand(rules.Manage.CANCEL, 3), id="cancel"),
        pytest.param("取消 3", rules.ManageCommand(rules.Manage.CANCEL, 3), id="cancel-zh"),
        pytest.param(
            "change 3 改到 下午",
            rules.ManageCommand(rules.Manage.CHANGE, 3, "改到 下午"),
            id="change",
        ),
        pytest.param(
            "修改 3 新内容", rules.ManageCommand(rules.Manage.CHANGE, 3, "新内容"), id="修改"
        ),
        pytest.param("导出 No. 5", rules.ManageCommand(rules.Manage.EXPORT, 5), id="export"),
    ],
)
def test_read_manage(args, expected):
    assert rules.read_manage(args) == expected


@pytest.mark.parametrize(
    ("args", "key"),
    [
        pytest.param("", "notice_usage", id="empty"),
        pytest.param("cancel", "notice_usage", id="no-number"),
        pytest.param("change 3", "no_text", id="no-text"),
    ],
)
def test_read_manage_refuses_with_the_usage(args, key):
    with pytest.raises(NoticeRefused) as refused:
        rules.read_manage(args)
    assert refused.value.key == key


def test_read_export():
    assert rules.read_export("notice 7") == 7
    assert rules.read_export("Notice #7") == 7
    with pytest.raises(NoticeRefused) as refused:
        rules.read_export("notice")
    assert refused.value.key == "export_usage"


def test_cancel_does_not_tell_those_it_has_not_reached_yet():
    notice = replace(_notice(), queue=())
    cancelled = rules.cancel(notice, 10, MON_10, is_admin=False, unsent={12})
    assert [(o.user_id, o.kind) for o in cancelled.queue] == [
        (11, Kind.CANCELLED),
        (15, Kind.CANCELLED),
    ]


# ----- issue 14: say one thing once ------------------------------------------------------------
def _at(day: int, hour: int, minute: int = 0) -> datetime:
    month = 11 if day >= 20 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("meeting", "resends", "expected"),
    [
        pytest.param(None, rules.NO_RESENDS, _at(1, 9), id="no-meeting-report-after-the-digest"),
        pytest.param(_at(2, 15), rules.NO_RESENDS, None, id="meeting-report-at-its-reminder"),
        pytest.param(_at(2, 15), rules.MAX_RESENDS, _at(30, 10, 30), id="asked-interval"),
    ],
)
def test_a_notice_is_sent_again_only_when_the_sender_asked(meeting, resends, expected):
    notice = _notice(meeting_at=meeting, max_resends=resends)
    assert rules.first_resend_at(notice, MON_10, CAL) == expected


def test_without_an_interval_nobody_is_sent_it_again_and_the_sender_hears_who_is_missing():
    command = rules.read_notify("@zhangsan 明天开会", is_roster=ROSTERS.__contains__)
    asked = rules.read_notify("@zhangsan 明天开会 提醒间隔 15分钟", is_roster=ROSTERS.__contains__)
    assert (command.resends, asked.resends) == (rules.NO_RESENDS, rules.MAX_RESENDS)
    plain = replace(_notice(max_resends=rules.NO_RESENDS), queue=())
    assert plain.next_at == _at(1, 9)
    assert rules.due(plain, _at(1, 8, 59)) == []
    assert rules.due(plain, _at(1, 9)) == [Due.REPORT]  # after the morning digest said it
    meeting = replace(_notice(max_resends=rules.NO_RESENDS, meeting_at=_at(1, 15)), queue=())
    assert rules.due(meeting, _at(1, 14, 29)) == []
    assert rules.due(meeting, _at(1, 14, 30)) == [Due.REPORT, Due.MEETING]


def test_a_recipient_the_bot_did_not_know_is_bound_when_seen():
    notice = replace(
        _notice(
            recipients=(Recipient("@zhaoliu", None, "zhaoliu"), Recipient("张三", 11, "zhangsan"))
        ),
        queue=(),
    )
    found = rules.waits_for(notice, 20, "ZhaoLiu", "")
    assert found is not None and found.username == "zhaoliu"
    bound = rules.bind(notice, found, 20, "赵六", MON_10)
    assert [(r.name, r.user_id) for r in bound.recipients] == [("赵六", 20), ("张三", 11)]
    assert bound.queue == (rules.Outgoing(20, Kind.NOTICE, 1),)
    assert rules.waits_for(bound, 20, "zhaoliu", "") is None  # reached already
    assert rules.waits_for(notice, 20, "someone", "") is None
    by_name = replace(notice, recipients=(Recipient("赵六", None, None),))
    assert rules.waits_for(by_name, 20, None, "赵六") is not None
    changed = replace(notice, version=2)
    assert rules.bind(changed, found, 20, "赵六", MON_10).queue[-1].kind == Kind.CHANGED


@pytest.mark.parametrize(
    ("text", "rosters", "key", "said"),
    [
        pytest.param(
            "科室负责人 明天开会",
            ("各科室负责人", "一科"),
            "unknown_roster_near",
            "各科室负责人",
            id="near",
        ),
        pytest.param(
            "不存在的名单 明天开会",
            ("一科", "二科"),
            "unknown_roster_list",
            "一科 / 二科",
            id="others",
        ),
        pytest.param("不存在的名单 明天开会", (), "unknown_roster", "", id="no-rosters"),
        pytest.param("#财务 明天开会", ("财务科",), "unknown_roster_near", "财务科", id="hash"),
        pytest.param("明天开会", ("一科",), "no_targets", "", id="one-word-is-no-name"),
    ],
)
def test_notify_to_a_list_that_does_not_exist(text, rosters, key, said):
    with pytest.raises(NoticeRefused) as refused:
        rules.read_notify(text, is_roster=lambda _n: False, rosters=rosters)
    assert refused.value.key == key
    assert said in " ".join(str(v) for v in refused.value.values.values())


def test_a_change_keeps_the_text_and_the_meeting_unless_it_names_one():
    notice = replace(_notice(meeting_at=_at(1, 9)), queue=())
    kept = rules.change(notice, 10, "地点改为二楼", None, MON_10, CAL, is_admin=False)
    assert (kept.text, kept.changes, kept.meeting_at) == (
        "明天上午9点开会",
        ("地点改为二楼",),
        _at(1, 9),
    )
    moved = rules.change(kept, 10, "改为下午3点", _at(1, 15), MON_10, CAL, is_admin=False)
    assert moved.changes == ("地点改为二楼", "改为下午3点") and moved.meeting_at == _at(1, 15)
