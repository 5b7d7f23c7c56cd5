"""The collection rules (pure): reading /collect, handing in, reminders, the deadline, rounds."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.config import Settings
from bot.core.workdays import WorkCalendar
from bot.reports import rules
from bot.reports.models import Collection, Item, ItemKind, Member, MemberState, Status
from bot.reports.rules import ReportRefused, Target

SH = ZoneInfo("Asia/Shanghai")
MON_10 = datetime(2026, 11, 30, 10, tzinfo=SH)
FRI_18 = datetime(2026, 12, 4, 18, tzinfo=SH)
CAL = WorkCalendar.from_settings(Settings(data_dir=Path("/nonexistent")))


def _collection(**changes: object) -> Collection:
    c = Collection(
        number=1,
        space="g-100",
        chat_id=-100,
        sender=10,
        title="交本周工作总结",
        created_at=MON_10,
        due=FRI_18,
        members=(Member("张三", 11), Member("王五", 12), Member("@zhao", username="zhao")),
        first_due=FRI_18,
    )
    return replace(c, **changes)  # type: ignore[arg-type]


def _text(at: datetime = MON_10, text: str = "本周完成了预算初稿") -> Item:
    return Item(ItemKind.TEXT, at, text)


# ----- reading /collect -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "targets", "rest"),
    [
        pytest.param(
            "各科室负责人 周五下班前 交本周工作总结",
            [Target("roster", "各科室负责人")],
            "周五下班前 交本周工作总结",
            id="a-roster",
        ),
        pytest.param(
            "#各科室负责人、@ZhangSan 周五前 交总结",
            [Target("roster", "各科室负责人"), Target("user", "zhangsan")],
            "周五前 交总结",
            id="roster-and-person",
        ),
        pytest.param("大家 明天 交材料", [Target("everyone")], "明天 交材料", id="everyone"),
        pytest.param("周五前 交总结", [], "周五前 交总结", id="nobody"),
    ],
)
def test_the_leading_names_are_whom_to_ask(text: str, targets: list[Target], rest: str) -> None:
    found, body = rules.split_targets(text, is_roster=lambda name: name == "各科室负责人")
    assert (found, body) == (targets, rest)


def test_a_text_mention_is_a_person_by_id() -> None:
    found, _ = rules.split_targets("张三 周五前交", is_roster=lambda _: False, mentions={0: 42})
    assert found == [Target("user", "id:42")]


def test_targets_are_stored_so_the_next_round_reads_them_again() -> None:
    for target in (Target("roster", "科长"), Target("user", "wang"), Target("everyone")):
        assert rules.target_of(target.text) == target


def test_each_person_is_asked_once_and_never_the_sender() -> None:
    merged = rules.merge_members(
        [
            Member("张三", 11),
            Member("李主任", 10),
            Member("张三", 11, phone="138"),
            Member("@w", username="w"),
        ],
        sender=10,
    )
    assert [(m.name, m.phone) for m in merged] == [("张三", "138"), ("@w", None)]


def test_too_many_people_are_refused() -> None:
    with pytest.raises(ReportRefused) as refused:
        rules.merge_members([Member(str(i), i) for i in range(1, rules.MAX_MEMBERS + 2)], sender=0)
    assert refused.value.key == "too_many"


@pytest.mark.parametrize(
    ("title", "due", "key"),
    [
        pytest.param("", FRI_18, "no_title", id="no-title"),
        pytest.param("x" * (rules.MAX_TITLE + 1), FRI_18, "title_too_long", id="long"),
        pytest.param("交总结", None, "no_due", id="no-deadline"),
        pytest.param("交总结", MON_10, "due_passed", id="deadline-now"),
    ],
)
def test_a_collection_needs_a_title_and_a_deadline_to_come(title, due, key) -> None:
    with pytest.raises(ReportRefused) as refused:
        rules.check_new(title, due, MON_10)
    assert refused.value.key == key


# ----- handing in -----------------------------------------------------------------------------
def test_handing_in_drafts_until_submitted() -> None:
    c = rules.add_item(_collection(), 11, _text(), MON_10)
    member = c.member_of(11)
    assert member is not None and member.state == MemberState.DRAFTING and len(member.items) == 1
    assert c.rev == 1
    c = rules.submit(c, 11, MON_10 + timedelta(hours=1))
    member = c.member_of(11)
    assert member is not None and member.state == MemberState.SUBMITTED and not member.late
    with pytest.raises(ReportRefused, match="already_submitted"):
        rules.add_item(c, 11, _text(), MON_10)


def test_submitting_nothing_is_refused() -> None:
    with pytest.raises(ReportRefused, match="nothing_to_submit"):
        rules.submit(_collection(), 11, MON_10)


def test_someone_not_asked_is_refused() -> None:
    with pytest.raises(ReportRefused, match="not_asked"):
        rules.add_item(_collection(), 99, _text(), MON_10)


def test_an_answer_at_or_after_the_deadline_is_late() -> None:
    c = rules.add_item(_collection(), 11, _text(), MON_10)
    member = rules.submit(c, 11, FRI_18).member_of(11)
    assert member is not None and member.late
    declined = rules.decline(_collection(), 12, "出差", FRI_18 + timedelta(minutes=1)).member_of(12)
    assert declined is not None and declined.late and declined.reason == "出差"


def test_declining_drops_the_draft_and_handing_in_again_undoes_it() -> None:
    c = rules.add_item(_collection(), 11, _text(), MON_10)
    c = rules.decline(c, 11, "  办不了  ", MON_10)
    member = c.member_of(11)
    assert member is not None and member.state == MemberState.DECLINED and member.items == ()
    assert member.reason == "办不了"
    with pytest.raises(ReportRefused, match="already_declined"):
        rules.decline(c, 11, "again", MON_10)
    member = rules.add_item(c, 11, _text(), MON_10).member_of(11)
    assert member is not None and member.state == MemberState.DRAFTING and member.reason == ""


def test_an_empty_text_and_too_many_items_are_refused() -> None:
    with pytest.raises(ReportRefused, match="empty_item"):
        rules.add_item(_collection(), 11, _text(text="  "), MON_10)
    full = (_text(),) * rules.MAX_ITEMS
    c = _collection(members=(Member("张三", 11, items=full, state=MemberState.DRAFTING),))
    with pytest.raises(ReportRefused, match="too_many_items"):
        rules.add_item(c, 11, _text(), MON_10)


def test_messages_that_hand_in_are_kept_a_few_per_member() -> None:
    c = _collection()
    for message_id in range(1, rules.MAX_MESSAGES + 3):
        c = rules.requested(c, 11, 11, message_id)
    member = c.member_of(11)
    assert member is not None and member.chat_id == 11
    assert member.message_ids == tuple(range(3, rules.MAX_MESSAGES + 3))
    assert rules.requested(c, 99, 99, 1) is c


def test_a_member_known_by_username_binds_to_their_account() -> None:
    c = rules.bind(_collection(), "@zhao", 13, "赵六", MON_10)
    member = c.member_of(13)
    assert member is not None and member.name == "赵六" and member.username == "zhao"


# ----- the deadline ---------------------------------------------------------------------------
def _answered(c: Collection) -> Collection:
    c = rules.submit(
        rules.add_item(c, 11, Item(ItemKind.DOCUMENT, MON_10, file_id="F1"), MON_10), 11, MON_10
    )
    c = rules.decline(c, 12, "出差", MON_10)
    return rules.decline(rules.bind(c, "@zhao", 13, "赵六", MON_10), 13, "病假", MON_10)


def test_the_bundle_goes_once_all_answered_or_at_the_deadline() -> None:
    c = _collection()
    assert not rules.should_bundle(c, FRI_18 - timedelta(seconds=1))
    assert rules.should_bundle(c, FRI_18)
    assert rules.should_bundle(_answered(c), MON_10)
    bundled = rules.bundled(_answered(c), MON_10, "e1", CAL)
    assert (
        bundled.status == Status.CLOSED
        and bundled.bundled
        and not rules.should_bundle(bundled, FRI_18)
    )
    assert [(f.member, f.item, f.after) for f in bundled.forwards] == [("11", 0, "e1")]


def test_a_late_answer_queues_its_files_after_its_own_note() -> None:
    c = rules.bundled(_collection(), FRI_18, "bundle", CAL)
    c = rules.add_item(c, 12, Item(ItemKind.PHOTO, FRI_18, file_id="P"), FRI_18)
    c = rules.submit(c, 12, FRI_18)
    member = c.member_of(12)
    assert member is not None
    c = rules.late_answer(c, member, "late-1", FRI_18)
    assert [(f.member, f.after) for f in c.forwards] == [("12", "late-1")]
    assert rules.forwarded(c, c.forwards[0]).forwards == ()


# ----- reminders ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("created", "due", "moments"),
    [
        pytest.param(
            MON_10,
            FRI_18,
            [
                ("morning", datetime(2026, 12, 4, 9, tzinfo=SH)),
                ("last", datetime(2026, 12, 4, 16, tzinfo=SH)),
            ],
            id="a-week-ahead",
        ),
        pytest.param(
            datetime(2026, 12, 4, 10, tzinfo=SH),
            FRI_18,
            [("last", datetime(2026, 12, 4, 16, tzinfo=SH))],
            id="same-day",
        ),
        pytest.param(
            datetime(2026, 12, 4, 15, 30, tzinfo=SH),
            FRI_18,
            [],
            id="too-soon",
        ),
        pytest.param(
            MON_10,
            datetime(2026, 12, 7, 10, tzinfo=SH),
            [("morning", datetime(2026, 12, 7, 9, tzinfo=SH))],  # the last call would be 08:00
            id="monday-morning-deadline",
        ),
    ],
)
def test_reminders_come_on_the_deadline_day_and_before_the_last_call(created, due, moments) -> None:
    c = _collection(created_at=created, due=due)
    assert sorted(rules.reminder_moments(c, CAL), key=lambda m: m[1]) == sorted(
        moments, key=lambda m: m[1]
    )


def test_a_due_reminder_is_said_once_and_not_after_the_deadline() -> None:
    c = _collection()
    nine = datetime(2026, 12, 4, 9, tzinfo=SH)
    assert rules.due_reminder(c, nine - timedelta(minutes=1), CAL) == ()
    assert rules.due_reminder(c, nine, CAL) == ("morning",)
    c = rules.reminded(c, ("morning",), rules.to_remind(c), nine)
    assert rules.due_reminder(c, nine, CAL) == ()
    assert [m.reminded for m in c.members] == [1, 1, 0]  # not the one without an account
    assert rules.due_reminder(c, datetime(2026, 12, 4, 17, tzinfo=SH), CAL) == ("last",)
    assert rules.due_reminder(c, FRI_18, CAL) == ()


def test_after_a_long_stop_the_missed_steps_come_together() -> None:
    assert rules.due_reminder(_collection(), datetime(2026, 12, 4, 17, tzinfo=SH), CAL) == (
        "morning",
        "last",
    )


def test_those_who_answered_are_not_reminded() -> None:
    c = rules.decline(_collection(), 12, "出差", MON_10)
    assert [m.user_id for m in rules.to_remind(c)] == [11]


# ----- rounds ---------------------------------------------------------------------------------
def test_a_weekly_collection_opens_its_next_round_as_long_before_as_the_first() -> None:
    c = _collection(recurrence="FREQ=WEEKLY;BYDAY=FR")
    assert rules.next_due(c, CAL) == datetime(2026, 12, 11, 18, tzinfo=SH)
    assert rules.next_round_at(c, CAL) == datetime(2026, 12, 7, 10, tzinfo=SH)  # Monday 10:00
    bundled = rules.bundled(c, MON_10, "e", CAL)
    assert bundled.next_at == datetime(2026, 12, 7, 10, tzinfo=SH)


def test_a_lead_longer_than_the_period_opens_at_the_deadline() -> None:
    c = _collection(created_at=MON_10 - timedelta(days=20), recurrence="FREQ=WEEKLY;BYDAY=FR")
    assert rules.next_round_at(c, CAL) == FRI_18


def test_a_one_off_has_no_next_round() -> None:
    assert rules.next_round_at(_collection(), CAL) is None
    assert rules.bundled(_collection(), MON_10, "e", CAL).next_at is None


def test_stop_ends_the_rounds_for_the_sender_only() -> None:
    c = _collection(recurrence="FREQ=WEEKLY;BYDAY=FR", next_at=FRI_18)
    with pytest.raises(ReportRefused, match="not_sender"):
        rules.stop(c, 11, MON_10)
    stopped = rules.stop(c, 10, MON_10)
    assert stopped.recurrence is None and stopped.next_at is None
    with pytest.raises(ReportRefused, match="not_recurring"):
        rules.stop(stopped, 10, MON_10)
    assert rules.stop(c, 11, MON_10, is_admin=True).recurrence is None
