"""The fan-out and the tracking pacer (pure): what each decision puts in the outbox, what it
retires, and when a tracking message is edited."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.models import OutboxEntry
from bot.core.workdays import WorkCalendar
from bot.notices import fanout, records, rules
from bot.notices.rules import Due, Kind, Notice, Outgoing, Reach, Recipient
from bot.notices.tracking import EDIT_GAP, TrackingPacer

TZ = ZoneInfo("Asia/Shanghai")
MON_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # a Monday
CAL = WorkCalendar()
# 张三 and 王五 started the bot, 孙八 did not; "@new" has no account the bot knows.
REACH = {11: Reach.PRIVATE, 12: Reach.PRIVATE, 15: Reach.NOT_STARTED}


def _notice(**changes) -> Notice:
    base = Notice(
        number=4,
        space="g-1",
        chat_id=-1,
        sender=10,
        text="明天上午9点开会",
        created_at=MON_10,
        recipients=(
            Recipient("张三", 11, "zhangsan", "138"),
            Recipient("王五", 12, "wangwu"),
            Recipient("孙八", 15, "sunba", "139"),
            Recipient("@new", None, "new"),
        ),
        meeting_at=MON_10 + timedelta(hours=23),
    )
    return rules.initial(replace(base, **changes), MON_10, CAL)


def _fan(notice: Notice, stored: dict[str, OutboxEntry] | None = None):
    return fanout.fan_out(
        notice, reach=REACH, sender_name="李主任", stored=(stored or {}).get, now=MON_10
    )


def _stored(*entries: OutboxEntry) -> dict[str, OutboxEntry]:
    return {e.id: e for e in entries}


def test_the_first_send_goes_to_everyone_with_an_account_in_one_go():
    notice, made = _fan(_notice())
    assert notice.queue == ()
    assert [(e.id, e.to_user, e.template) for e in made.entries] == [
        ("n4:v1:notice:11", 11, "notice"),
        ("n4:v1:notice:12", 12, "notice"),
        ("n4:v1:notice:15", 15, "notice"),  # held by delivery until he starts the bot
    ]
    assert all(e.fallback_chat is None for e in made.entries)
    assert made.entries[0].params["sender_name"] == "李主任"
    assert made.entries[0].params["meeting_at"] == (MON_10 + timedelta(hours=23)).isoformat()
    assert made.retired == ()


def test_resends_and_meeting_reminders_go_only_to_those_reachable_now():
    notice = replace(_notice(), queue=())
    resent = rules.resend(notice, MON_10, CAL, reachable={11, 12})
    stale = Outgoing(12, Kind.RESEND, version=0, round=1)  # decided for an earlier version
    queued = replace(resent, queue=(*resent.queue, stale, Outgoing(15, Kind.MEETING, 1)))
    _, made = _fan(queued)
    assert [e.id for e in made.entries] == ["n4:v1:resend1:11", "n4:v1:resend1:12"]
    assert made.entries[0].params["kind"] == "resend" and made.entries[0].params["round"] == 1


def test_a_change_retires_what_the_earlier_version_had_not_delivered():
    notice = replace(_notice(), queue=())
    held = OutboxEntry("n4:v1:notice:15", "g-1", MON_10, "notice", to_user=15, failed="unreachable")
    pending = OutboxEntry("n4:v1:resend1:12", "g-1", MON_10, "notice", to_user=12)
    sent = OutboxEntry("n4:v1:notice:11", "g-1", MON_10, "notice", to_user=11, sent_at=MON_10)
    changed = rules.change(notice, 10, "改到下午", None, MON_10, CAL, is_admin=False)
    _, made = _fan(changed, _stored(held, pending, sent))
    assert sorted((e.id, e.failed) for e in made.retired) == [
        ("n4:v1:notice:15", "superseded"),
        ("n4:v1:resend1:12", "superseded"),
    ]
    assert {e.id for e in made.entries} == {f"n4:v2:changed:{u}" for u in (11, 12, 15)}


def test_a_cancel_tells_only_those_it_reached_and_withdraws_the_rest():
    notice = replace(_notice(), queue=())
    sent = OutboxEntry("n4:v1:notice:11", "g-1", MON_10, "notice", to_user=11, sent_at=MON_10)
    pending = OutboxEntry("n4:v1:notice:12", "g-1", MON_10, "notice", to_user=12)
    held = OutboxEntry("n4:v1:notice:15", "g-1", MON_10, "notice", to_user=15, failed="unreachable")
    stored = _stored(sent, pending, held)
    unsent = fanout.unsent(notice, stored.get)
    assert unsent == {12, 15}
    cancelled = rules.cancel(notice, 10, MON_10, is_admin=False, unsent=unsent)
    _, made = _fan(cancelled, stored)
    assert [e.id for e in made.entries] == ["n4:cancel:11"]
    assert made.entries[0].params == {
        "number": 4,
        "text": "明天上午9点开会",
        "who": "李主任",
        "changes": [],  # issue 14: a changed notice says its changes with its text
    }
    assert sorted(e.id for e in fanout.withdrawn(notice, stored.get)) == [
        "n4:v1:notice:12",
        "n4:v1:notice:15",
    ]


def test_due_work_reports_to_the_sender_and_reminds_group_confirmers_in_the_group():
    meeting = MON_10 + timedelta(hours=2)
    notice = replace(_notice(meeting_at=meeting), queue=())
    notice, *_ = rules.confirm(notice, 11, None, 1, MON_10)
    notice, *_ = rules.confirm(notice, 15, None, 1, MON_10)  # in the group: no private chat
    at = meeting - rules.MEETING_LEAD
    assert rules.due(notice, at) == [Due.REPORT, Due.MEETING]
    after, entries = fanout.apply_due(
        notice, rules.due(notice, at), reach=REACH, calendar=CAL, now=at
    )
    assert [(e.id, e.to_user, e.to_chat, e.template) for e in entries] == [
        ("n4:v1:missing", 10, None, "notice_missing"),
        ("n4:v1:meeting:group", None, -1, "notice_meeting"),
    ]
    assert entries[0].params["meeting_near"] is True
    assert entries[1].params["mentions"] == [[15, "孙八"]]
    assert [(o.user_id, o.kind) for o in after.queue] == [(11, Kind.MEETING)]
    assert after.missing_reported and after.meeting_reminded


def test_the_group_post_mentions_those_the_bot_cannot_write_to():
    post = fanout.group_post(_notice(), "李主任", REACH, MON_10)
    assert post.id == "n4:v1:group" and post.to_chat == -1
    assert post.params["mentions"] == [[15, "孙八"]] and post.params["total"] == 4
    changed = rules.change(_notice(), 10, "改了", None, MON_10, CAL, is_admin=False)
    again = fanout.group_post(changed, "李主任", REACH, MON_10)
    assert again.id == "n4:v2:group" and again.params["kind"] == "group_changed"


# ----- the tracking pacer -----------------------------------------------------------------------
def _tracked(**changes) -> Notice:
    return replace(_notice(), tracking_message_id=77, tracking_chat_id=10, **changes)


def test_a_tracking_is_edited_when_its_notice_changed_at_most_once_per_gap():
    pacer = TrackingPacer()
    notice = _tracked()
    shows = records.tracking(notice, REACH)
    pacer.sent(4, shows)
    assert not pacer.due(notice, shows, MON_10)  # shows what the notice says
    confirmed, *_ = rules.confirm(notice, 11, None, 1, MON_10)
    now_shows = records.tracking(confirmed, REACH)
    assert pacer.due(confirmed, now_shows, MON_10)
    pacer.editing(4, MON_10)
    pacer.shown(4, now_shows)
    both, *_ = rules.confirm(confirmed, 12, None, 1, MON_10)
    both_shows = records.tracking(both, REACH)
    assert not pacer.due(both, both_shows, MON_10 + EDIT_GAP / 2)  # together in one edit
    assert pacer.due(both, both_shows, MON_10 + EDIT_GAP)


def test_a_tracking_is_edited_when_who_can_be_reached_changed():
    pacer = TrackingPacer()
    notice = _tracked()
    pacer.sent(4, records.tracking(notice, REACH))
    blocked = {**REACH, 12: Reach.BLOCKED}  # a 403 on the way: nothing in the notice changed
    assert pacer.due(notice, records.tracking(notice, blocked), MON_10)


def test_after_a_restart_only_the_notice_s_revision_tells():
    notice = _tracked()
    shows = records.tracking(notice, REACH)
    assert not TrackingPacer().due(notice, shows, MON_10)
    assert TrackingPacer().due(replace(notice, rev=2, shown_rev=1), shows, MON_10)
    assert not TrackingPacer().due(replace(notice, tracking_message_id=None, rev=2), shows, MON_10)


def test_the_pacer_forgets_notices_with_nothing_left_to_do():
    pacer = TrackingPacer()
    notice = _tracked(rev=1)
    pacer.editing(4, MON_10)
    pacer.keep_only({5})
    assert pacer.due(notice, records.tracking(notice, REACH), MON_10)  # no gap remembered


def test_the_sweep_leaves_a_change_of_this_moment_to_whoever_made_it():
    pacer = TrackingPacer()
    notice = _tracked()
    pacer.sent(4, records.tracking(notice, REACH))
    confirmed, *_ = rules.confirm(notice, 11, None, 1, MON_10)
    shows = records.tracking(confirmed, REACH)
    assert not pacer.due(confirmed, shows, MON_10, sweep=True)  # the press's handler edits
    assert pacer.due(confirmed, shows, MON_10)
    assert pacer.due(confirmed, shows, MON_10 + EDIT_GAP, sweep=True)  # nobody did: the tick
    blocked = {**REACH, 12: Reach.BLOCKED}  # no one edits for a 403: the sweep does at once
    assert pacer.due(notice, records.tracking(notice, blocked), MON_10, sweep=True)


def test_a_change_made_before_the_tracking_id_was_known_is_shown_by_the_sweep_at_once():
    """Pressed 收到 while the tracking message's send was not yet recorded: the press found
    no message to edit, so the tick's sweep edits it at once (it waited for the clock)."""
    pacer = TrackingPacer()
    confirmed, *_ = rules.confirm(_tracked(), 11, None, 1, MON_10)
    pacer.sent(4, records.tracking(_tracked(), REACH), rev=confirmed.rev)
    assert pacer.due(confirmed, records.tracking(confirmed, REACH), MON_10, sweep=True)
    later, *_ = rules.confirm(confirmed, 12, None, 1, MON_10)  # after: its maker edits
    assert not pacer.due(later, records.tracking(later, REACH), MON_10, sweep=True)
