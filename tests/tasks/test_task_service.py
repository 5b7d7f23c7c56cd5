"""The task use cases against a real data directory: the state, the entries, and who is told."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.core.render import RenderContext, Renderer
from bot.core.workdays import WorkCalendar
from bot.people.models import Person, Workspace
from bot.tasks import views
from bot.tasks.models import Assignee, Priority, Status, Task
from bot.tasks.rules import Action, SnoozeOption, TaskRefused
from bot.tasks.service import Actor, Outcome, SnoozeLate, TaskService
from storage import Database

SH = ZoneInfo("Asia/Shanghai")
MON_10 = datetime(2026, 11, 30, 10, tzinfo=SH)  # a Monday
GROUP = -100
LEADER, ZHANG, WANG, STRANGER = 10, 11, 12, 13
NAMES = {LEADER: "李主任", ZHANG: "张三", WANG: "王五", STRANGER: "路人"}
USERNAMES = {LEADER: "li", ZHANG: "zhang", WANG: "wang", STRANGER: "luren"}


@dataclass
class World:
    clock: ManualClock
    db: Database
    tasks: TaskService

    def assign(
        self, text: str = "@zhang 周五前交总结", *, by: int = LEADER, chat: int = GROUP
    ) -> Task:
        return self.tasks.create(actor=by, chat_id=chat, text=text).task

    def stored(self, number: int) -> Task:
        task = self.db.get_task(number)
        assert task is not None
        return task


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = ManualClock(MON_10)
    settings = Settings(data_dir=tmp_path)
    db = Database(tmp_path / "data", clock=clock)
    db.open()
    for uid in (LEADER, ZHANG, WANG, STRANGER):
        db.put_person(
            Person(
                user_id=uid,
                first_name=NAMES[uid],
                username=USERNAMES[uid],
                started=True,
                chats=(GROUP,) if uid != STRANGER else (),
            )
        )
    db.put_workspace(Workspace(chat_id=GROUP, title="办公室", members=(LEADER, ZHANG, WANG)))
    tasks = TaskService(db, clock, settings, WorkCalendar.from_settings(settings))
    try:
        yield World(clock, db, tasks)
    finally:
        db.close()


def told(outcome: Outcome) -> list[tuple[str, int | None]]:
    """Who hears what: (message kind, user or chat) per entry, in order."""
    return [
        (e.template, e.to_user if e.to_user is not None else e.to_chat) for e in outcome.entries
    ]


def queued(world: World, outcome: Outcome) -> bool:
    """Every entry was stored with the change (one write), waiting to be sent."""
    pending = {e.id for e in world.db.pending_outbox()}
    return all(e.id in pending for e in outcome.entries)


def by(user_id: int, *, admin: bool = False, update_id: int | None = None) -> Actor:
    return Actor(user_id, admin, update_id)


# ----- creating -----------------------------------------------------------------------------
def test_a_task_made_in_a_group_is_confirmed_there_and_sent_to_its_assignee(world: World):
    outcome = world.tasks.create(
        actor=LEADER, chat_id=GROUP, text="@zhang 周五前交总结", update_id=501
    )
    task = outcome.task
    assert world.stored(task.number).assignee_ids() == (ZHANG,)
    assert told(outcome) == [("task_created", GROUP), ("task_assigned", ZHANG)]
    assert queued(world, outcome) and world.db.applied(501)
    created = outcome.entries[0].params
    # The stored shape: the card's values flat beside the record's own.
    assert created["number"] == task.number and created["assigner_name"] == "李主任"
    assert created["assignee_names"] == ["张三"] and created["self_task"] is False


def test_a_note_to_oneself_is_only_confirmed(world: World):
    outcome = world.tasks.create(actor=ZHANG, chat_id=ZHANG, text="明天上午整理档案")
    assert told(outcome) == [("task_created", ZHANG)]
    assert outcome.entries[0].params["self_task"] is True


def test_an_unknown_username_waits_in_the_confirmation(world: World):
    outcome = world.tasks.create(actor=LEADER, chat_id=GROUP, text="@newbie 明天送材料")
    assert told(outcome) == [("task_created", GROUP)]
    assert outcome.entries[0].params["pending"] == ["newbie"]


# ----- acting on a task ---------------------------------------------------------------------
def test_acknowledge_sends_the_assigner_a_receipt(world: World):
    task = world.assign()
    outcome = world.tasks.acknowledge(task.number, by(ZHANG, update_id=502))
    assert outcome.task.status == Status.ACKNOWLEDGED
    assert world.stored(task.number).status == Status.ACKNOWLEDGED
    assert told(outcome) == [("task_receipt", LEADER)]
    assert outcome.entries[0].params["who"] == "张三"
    assert outcome.toast == "toast_ack"
    assert queued(world, outcome) and world.db.applied(502)


def test_acknowledging_twice_is_refused_and_writes_nothing(world: World):
    task = world.assign()
    world.tasks.acknowledge(task.number, by(ZHANG))
    before = world.db.pending_outbox()
    with pytest.raises(TaskRefused) as refused:
        world.tasks.acknowledge(task.number, by(ZHANG, update_id=503))
    assert refused.value.key == "already_acked"
    assert world.db.pending_outbox() == before and not world.db.applied(503)


def test_an_unknown_number_is_refused(world: World):
    with pytest.raises(TaskRefused) as refused:
        world.tasks.complete(999, by(ZHANG))
    assert (refused.value.key, refused.value.values) == ("unknown", {"number": 999})


def test_done_by_the_assignee_tells_the_assigner(world: World):
    task = world.assign()
    outcome = world.tasks.complete(task.number, by(ZHANG), "已报送")
    assert world.stored(task.number).status == Status.DONE
    assert told(outcome) == [("task_done", LEADER)]
    params = outcome.entries[0].params
    assert (params["all_done"], params["progress"], params["note"]) == (True, "1/1", "已报送")
    assert outcome.toast == "toast_done"


def test_one_part_done_of_two_tells_the_assigner_the_progress(world: World):
    task = world.assign("@zhang @wang 周五前交总结")
    outcome = world.tasks.complete(task.number, by(ZHANG))
    assert outcome.task.status == Status.ACKNOWLEDGED
    assert told(outcome) == [("task_done", LEADER)]
    assert (outcome.entries[0].params["all_done"], outcome.entries[0].params["progress"]) == (
        False,
        "1/2",
    )


def test_the_assigner_closing_it_tells_every_assignee(world: World):
    task = world.assign("@zhang @wang 周五前交总结")
    outcome = world.tasks.complete(task.number, by(LEADER))
    assert outcome.task.status == Status.DONE
    assert told(outcome) == [("task_done", ZHANG), ("task_done", WANG)]
    assert all(e.params["all_done"] for e in outcome.entries)


def test_a_finished_task_runs_the_finish_hooks_once(world: World):
    calls: list[int] = []
    world.tasks.finish_hooks.append(lambda task, _now: (calls.append(task.number), ([], []))[1])
    task = world.assign()
    world.tasks.complete(task.number, by(ZHANG))
    with pytest.raises(TaskRefused):
        world.tasks.complete(task.number, by(LEADER))
    assert calls == [task.number]


def test_cannot_reports_to_the_assigner_with_the_choices(world: World):
    task = world.assign()
    outcome = world.tasks.cannot(task.number, by(ZHANG), "财务科今天不在")
    assert world.stored(task.number).status == Status.CANNOT
    assert told(outcome) == [("task_cannot", LEADER)]
    assert outcome.entries[0].params["report"] == "财务科今天不在"
    with pytest.raises(TaskRefused) as refused:
        world.tasks.cannot(task.number, by(ZHANG), "  ")
    assert refused.value.key == "report_empty"


def test_a_progress_report_reaches_the_assigner_and_changes_nothing(world: World):
    task = world.assign()
    outcome = world.tasks.report(task.number, by(ZHANG), "已联系财务科")
    assert outcome.task.status == Status.OPEN
    assert told(outcome) == [("task_progress", LEADER)]
    assert outcome.entries[0].params["text"] == "已联系财务科"


def test_hand_over_gives_the_colleague_the_card_and_tells_the_assigner(world: World):
    task = world.assign()
    outcome = world.tasks.hand_over(task.number, by(ZHANG), WANG)
    assert world.stored(task.number).assignee_ids() == (WANG,)
    assert told(outcome) == [("task_assigned", WANG), ("task_handed", LEADER)]
    card, notice = (e.params for e in outcome.entries)
    assert (card["heading"], card["from_name"]) == ("tasks.handed_title", "张三")
    assert (notice["giver"], notice["taker"], notice["by"]) == ("张三", "王五", "")
    assert (outcome.toast, outcome.taker) == ("toast_handed", "王五")


def test_hand_over_by_an_admin_also_tells_the_one_it_came_from(world: World):
    task = world.assign()
    outcome = world.tasks.hand_over(task.number, by(STRANGER, admin=True), WANG)
    assert sorted(told(outcome)) == sorted(
        [("task_assigned", WANG), ("task_handed", LEADER), ("task_handed", ZHANG)]
    )


def test_hand_over_to_someone_unknown_is_refused(world: World):
    task = world.assign()
    with pytest.raises(TaskRefused) as refused:
        world.tasks.hand_over(task.number, by(ZHANG), 404)
    assert refused.value.key == "unknown_person"


def test_reassign_after_cannot_tells_the_one_relieved_who_did_it(world: World):
    task = world.assign()
    world.tasks.cannot(task.number, by(ZHANG), "办不了")
    outcome = world.tasks.reassign(task.number, by(LEADER), WANG)
    stored = world.stored(task.number)
    assert stored.assignee_ids() == (WANG,) and stored.status == Status.OPEN
    assert told(outcome) == [("task_assigned", WANG), ("task_handed", ZHANG)]
    card, notice = (e.params for e in outcome.entries)
    assert card["heading"] == "tasks.reassigned_title"
    assert (notice["giver"], notice["taker"], notice["by"]) == ("张三", "王五", "李主任")
    assert outcome.taker == "王五"


def test_keep_after_cannot_sends_the_card_again(world: World):
    task = world.assign()
    world.tasks.cannot(task.number, by(ZHANG), "办不了")
    outcome = world.tasks.keep(task.number, by(LEADER))
    assert world.stored(task.number).status == Status.OPEN
    assert told(outcome) == [("task_assigned", ZHANG)]
    assert outcome.entries[0].params["heading"] == "tasks.kept_title"


def test_ask_reassign_offers_the_assigner_the_colleagues(world: World):
    task = world.assign()
    outcome = world.tasks.ask_reassign(task.number, by(ZHANG))
    assert told(outcome) == [("task_ask_reassign", LEADER)]
    assert outcome.entries[0].params["candidates"] == [[LEADER, "李主任"], [WANG, "王五"]]
    assert outcome.toast == "toast_ask"


def test_undo_cancels_within_ten_minutes_and_tells_the_assignee(world: World):
    task = world.assign()
    outcome = world.tasks.undo(task.number, by(LEADER))
    assert world.stored(task.number).status == Status.CANCELLED
    assert told(outcome) == [("task_cancelled", ZHANG)]
    assert outcome.toast == "toast_undo"


def test_undo_after_ten_minutes_is_refused(world: World):
    task = world.assign()
    world.clock.advance(timedelta(minutes=11))
    with pytest.raises(TaskRefused) as refused:
        world.tasks.undo(task.number, by(LEADER))
    assert refused.value.key == "undo_expired"
    assert world.stored(task.number).status == Status.OPEN


def test_cancel_tells_every_other_assignee(world: World):
    task = world.assign("@zhang @wang 周五前交总结")
    outcome = world.tasks.cancel(task.number, by(LEADER))
    assert told(outcome) == [("task_cancelled", ZHANG), ("task_cancelled", WANG)]


def test_only_the_assigner_may_undo(world: World):
    task = world.assign()
    with pytest.raises(TaskRefused) as refused:
        world.tasks.undo(task.number, by(ZHANG))
    assert refused.value.key == "refused_undo"
    with pytest.raises(TaskRefused) as refused:
        world.tasks.undo(task.number, by(STRANGER))
    assert refused.value.key == "not_yours"


def test_nudge_reaches_whoever_has_not_finished_with_their_buttons(world: World):
    task = world.assign("@zhang @wang 周五前交总结")
    world.tasks.acknowledge(task.number, by(ZHANG))
    outcome = world.tasks.nudge(task.number, by(LEADER))
    assert told(outcome) == [("task_nudge", ZHANG), ("task_nudge", WANG)]
    assert [e.params["acked"] for e in outcome.entries] == [True, False]
    assert {e.origin_user for e in outcome.entries} == {LEADER}
    world.tasks.complete(task.number, by(ZHANG))
    assert told(world.tasks.nudge(task.number, by(LEADER))) == [("task_nudge", WANG)]


def test_a_snooze_is_told_to_nobody_and_leaves_the_deadline(world: World):
    """Issue #13 (1): snoozing used to move the deadline and tell the assigner so."""
    task = world.assign("@zhang @wang 下周二前交总结")
    until = MON_10 + timedelta(days=1)
    outcome = world.tasks.snooze(task.number, by(ZHANG), until)
    stored = world.stored(task.number)
    assert stored.due == task.due
    assert [a.snoozed_until for a in stored.assignees] == [until, None]
    assert told(outcome) == []
    with pytest.raises(TaskRefused) as refused:
        world.tasks.snooze(task.number, by(ZHANG), MON_10 - timedelta(hours=1))
    assert refused.value.key == "snooze_past"


def test_a_new_due_time_by_the_assigner_tells_the_assignees(world: World):
    task = world.assign()
    due = MON_10 + timedelta(days=2)
    outcome = world.tasks.change_due(task.number, by(LEADER), due)
    assert world.stored(task.number).due == due
    assert told(outcome) == [("task_due_changed", ZHANG)]


@pytest.mark.parametrize(
    ("action", "kwargs", "status"),
    [
        pytest.param(Action.ACK, {}, Status.ACKNOWLEDGED, id="ack"),
        pytest.param(Action.DONE, {"note": "好了"}, Status.DONE, id="done"),
        pytest.param(Action.CANNOT, {"note": "不行"}, Status.CANNOT, id="cannot"),
        pytest.param(Action.HAND_OVER, {"to_user": WANG}, Status.OPEN, id="hand"),
        pytest.param(
            Action.SNOOZE, {"until": MON_10 + timedelta(hours=3)}, Status.OPEN, id="snooze"
        ),
    ],
)
def test_act_runs_the_use_case_of_the_action(world: World, action, kwargs, status):
    task = world.assign()
    outcome = world.tasks.act(task.number, ZHANG, action, update_id=600, **kwargs)
    assert outcome.task.status == status and world.db.applied(600)


def test_every_entry_a_use_case_makes_renders(world: World):
    """The records the service builds are the ones the views render (both languages)."""
    task = world.assign("@zhang @wang 周五前交总结")
    n = task.number
    outcomes = [
        world.tasks.acknowledge(n, by(ZHANG)),
        world.tasks.report(n, by(ZHANG), "进展"),
        world.tasks.snooze(n, by(ZHANG), MON_10 + timedelta(hours=2)),
        world.tasks.nudge(n, by(LEADER)),
        world.tasks.ask_reassign(n, by(WANG)),
        world.tasks.cannot(n, by(ZHANG), "办不了"),
        world.tasks.keep(n, by(LEADER)),
        world.tasks.hand_over(n, by(ZHANG), LEADER),
        world.tasks.change_due(n, by(LEADER), MON_10 + timedelta(days=1)),
        world.tasks.complete(n, by(WANG)),
        world.tasks.cancel(n, by(LEADER)),
    ]
    entries: list[OutboxEntry] = [e for o in outcomes for e in o.entries]
    renderer = Renderer(views.MESSAGES)
    kinds = set()
    for lang in ("zh", "en"):
        ctx = RenderContext(lang, SH, MON_10, "officebot_bot")
        for e in entries:
            assert f"#{n}" in renderer.render(e.template, e.params, ctx).text
            kinds.add(e.template)
    assert len(kinds) >= 9


# ----- reading --------------------------------------------------------------------------------
def test_which_task_given_replied_to_or_the_only_open_one(world: World):
    first = world.assign()
    assert world.tasks.which_task(ZHANG, 7, "#3") == 7
    assert world.tasks.which_task(ZHANG, None, "📥 新任务 #3 交总结") == 3
    assert world.tasks.which_task(ZHANG, None, None) == first.number
    assert world.tasks.which_task(ZHANG, None, "no number here") == first.number
    world.assign("@zhang 周四前交报表")
    assert world.tasks.which_task(ZHANG, None, None) is None
    assert world.tasks.which_task(WANG, None, None) is None


def test_the_person_a_typed_answer_names(world: World):
    assert world.tasks.person_named("@wang") == WANG
    assert world.tasks.person_named("wang 谢谢") == WANG
    assert world.tasks.person_named("@nobody") is None
    assert world.tasks.person_named("@") is None
    assert world.tasks.person_named("") is None


def test_my_pages_ten_at_a_time_and_an_old_page_stays_in_range(world: World):
    for i in range(12):
        world.assign(f"第{i + 1}件事 下周五前", by=ZHANG, chat=ZHANG)
    first = world.tasks.my_page(ZHANG, 0)
    assert (len(first.items), first.page, first.pages, first.total) == (10, 0, 2, 12)
    assert not first.has_prev and first.has_next
    last = world.tasks.my_page(ZHANG, 5)
    assert (len(last.items), last.page) == (2, 1)
    assert world.tasks.my_page(WANG, 0).total == 0


def test_next_is_the_top_of_the_queue(world: World):
    world.assign("@zhang 下周五前整理档案")
    urgent = world.assign("@zhang 今天下班前报送材料，急")
    card, count, snoozed = world.tasks.next_for(ZHANG)
    assert card is not None and card.number == urgent.number and (count, snoozed) == (2, 0)
    assert world.tasks.next_for(WANG) == (None, 0, 0)


def test_assigned_lists_each_persons_state_and_offers_a_nudge(world: World):
    task = world.assign("@zhang @wang 周五前交总结")
    world.tasks.acknowledge(task.number, by(ZHANG))
    world.assign("明天上午整理档案")  # a note to myself is not handed out
    items, total = world.tasks.handed_out(LEADER)
    assert total == 1
    (item,) = items
    assert item.card.number == task.number and item.card.assigner_name is None
    assert item.people == (("张三", "acked"), ("王五", "not_acked"))
    assert item.nudge
    world.tasks.complete(task.number, by(LEADER))
    assert world.tasks.handed_out(LEADER) == ([], 0)


def test_the_group_board_lists_open_tasks_under_each_assignee(world: World):
    both = world.assign("@zhang @wang 周五前交总结")
    only = world.assign("@wang 周四前交报表")
    world.tasks.complete(both.number, by(ZHANG))
    total, by_person = world.tasks.chat_board(GROUP)
    assert total == 2
    # In queue order (Thursday's before Friday's); 张三 has done his part of the first.
    assert [(name, [c.number for c in cards]) for name, cards in by_person] == [
        ("王五", [only.number, both.number])
    ]


def test_snooze_menu_and_targets_follow_the_persons_clock(world: World):
    assert world.tasks.snooze_options(ZHANG) == list(SnoozeOption)
    assert world.tasks.snooze_target(ZHANG, SnoozeOption.TOMORROW) == datetime(
        2026, 12, 1, 9, tzinfo=SH
    )
    world.clock.set(datetime(2026, 11, 30, 15, tzinfo=SH))
    assert SnoozeOption.AFTERNOON not in world.tasks.snooze_options(ZHANG)
    assert world.tasks.snooze_target(ZHANG, SnoozeOption.AFTERNOON) is None


def test_a_typed_snooze_time_is_when_to_pick_it_up_a_due_time_a_deadline(world: World):
    task = world.assign()
    snooze = world.tasks.until(task.number, "明天上午", Action.SNOOZE)
    due = world.tasks.until(task.number, "明天上午", Action.CHANGE_DUE)
    assert snooze.hour == 9 and due.hour == 12


def test_candidates_are_the_groups_members_but_the_assignees(world: World):
    task = world.assign()
    assert world.tasks.candidates(task) == [(LEADER, "李主任"), (WANG, "王五")]
    assert world.tasks.candidates(task, exclude=LEADER) == [(WANG, "王五")]


# ----- people becoming known ------------------------------------------------------------------
def test_a_waiting_username_becomes_the_person_and_they_are_sent_the_card(world: World):
    task = world.assign("@newbie 明天上午送材料")
    newbie = Person(user_id=20, username="newbie", first_name="小新", started=True)
    world.db.put_person(newbie)
    entries = world.tasks.bind_person(newbie)
    assert [(e.template, e.to_user) for e in entries] == [("task_assigned", 20)]
    assert world.stored(task.number).assignee_ids() == (20,)
    assert world.tasks.bind_person(newbie) == []


# ----- issue #13: who may change what ---------------------------------------------------------
def test_a_snooze_past_the_deadline_is_asked_about_first(world: World):
    task = world.assign("@zhang 明天上午十点前交总结")
    assert task.due is not None
    with pytest.raises(SnoozeLate) as late:
        world.tasks.snooze(task.number, by(ZHANG), task.due + timedelta(hours=1))
    assert (late.value.due, late.value.rev, late.value.own) == (task.due, task.revision, False)
    assert world.stored(task.number).assignees[0].snoozed_until is None
    outcome = world.tasks.snooze(task.number, by(ZHANG), task.due + timedelta(hours=1), anyway=True)
    assert told(outcome) == [] and world.stored(task.number).due == task.due


def test_next_lets_a_snoozed_task_sleep_and_my_shows_until_when(world: World):
    task = world.assign("@zhang 周五前交总结")
    world.tasks.snooze(task.number, by(ZHANG), MON_10 + timedelta(hours=2))
    assert world.tasks.next_for(ZHANG) == (None, 1, 1)
    (card,) = world.tasks.my_page(ZHANG, 0).items
    assert card.snoozed_until == (MON_10 + timedelta(hours=2)).isoformat()
    world.clock.advance(timedelta(hours=2))
    card, count, snoozed = world.tasks.next_for(ZHANG)
    assert card is not None and (count, snoozed) == (1, 0) and card.snoozed_until is None


def test_a_request_for_more_time_and_its_answers(world: World):
    task = world.assign("@zhang @wang 周三前交总结")
    asked = world.tasks.ask_extension(
        task.number, by(ZHANG), datetime(2026, 12, 7, 18, tzinfo=SH), "还差数据"
    )
    assert told(asked) == [("task_extension_asked", LEADER)]
    assert asked.entries[0].params["rev"] == asked.task.revision and asked.taker == "李主任"
    assert world.stored(task.number).due == task.due
    rev = asked.task.revision
    approved = world.tasks.answer_extension(
        task.number, by(LEADER, update_id=700), rev, approve=True
    )
    # Everyone on the task hears it once: the asker the answer, the other the new deadline.
    assert told(approved) == [("task_extension_answered", ZHANG), ("task_due_changed", WANG)]
    assert approved.entries[1].params["extension"] is True and world.db.applied(700)
    assert world.stored(task.number).due == datetime(2026, 12, 7, 18, tzinfo=SH)
    with pytest.raises(TaskRefused) as refused:
        world.tasks.answer_extension(task.number, by(LEADER), rev, approve=False)
    assert refused.value.key == "extension_settled"


def test_a_declined_request_tells_only_the_asker(world: World):
    task = world.assign("@zhang @wang 周三前交总结")
    world.tasks.ask_extension(task.number, by(ZHANG), datetime(2026, 12, 7, 18, tzinfo=SH))
    outcome = world.tasks.answer_extension(task.number, by(LEADER), None, approve=False)
    assert told(outcome) == [("task_extension_answered", ZHANG)]
    assert outcome.entries[0].params["approved"] is False
    assert world.stored(task.number).due == task.due


def test_the_assigners_changes_tell_exactly_the_people_on_it(world: World):
    task = world.assign("@zhang @wang 周五前交总结")
    world.tasks.complete(task.number, by(WANG))  # 王五 is done: no longer concerned
    due = MON_10 + timedelta(days=2)
    moved = world.tasks.change_due(task.number, by(LEADER), due)
    assert told(moved) == [("task_due_changed", ZHANG)]
    assert moved.entries[0].params["old"] == task.due.isoformat()  # type: ignore[union-attr]
    renamed = world.tasks.rename(task.number, by(LEADER), "交季度总结")
    assert told(renamed) == [("task_changed", ZHANG)]
    assert (renamed.entries[0].params["old"], renamed.entries[0].params["new"]) == (
        "交总结",
        "交季度总结",
    )
    urgent = world.tasks.set_priority(task.number, by(LEADER), Priority.URGENT)
    assert told(urgent) == [("task_changed", ZHANG)] and urgent.toast == "toast_priority"
    for change in (
        lambda: world.tasks.rename(task.number, by(ZHANG), "x"),
        lambda: world.tasks.set_priority(task.number, by(ZHANG), Priority.LOW),
        lambda: world.tasks.change_due(task.number, by(ZHANG), due + timedelta(days=1)),
    ):
        with pytest.raises(TaskRefused):
            change()


def test_reassign_by_command_tells_who_comes_and_who_goes(world: World):
    task = world.assign("@zhang 周五前交总结")
    people, add = world.tasks.people_named("@wang", task)
    outcome = world.tasks.set_people(task.number, by(LEADER), people, add=add)
    assert told(outcome) == [("task_assigned", WANG), ("task_handed", ZHANG)]
    assert outcome.entries[0].params["heading"] == "tasks.reassigned_title"
    assert (outcome.entries[1].params["giver"], outcome.entries[1].params["taker"]) == (
        "张三",
        "王五",
    )
    people, add = world.tasks.people_named("+ 张三", world.stored(task.number))
    assert add and world.tasks.set_people(
        task.number, by(LEADER), people, add=add
    ).task.assignee_ids() == (WANG, ZHANG)


def test_the_people_a_reassign_names(world: World):
    task = world.assign("@zhang 周五前交总结")
    people, add = world.tasks.people_named("@wang 张三、@newbie", task)
    assert [(p.user_id, p.username) for p in people] == [
        (WANG, None),
        (ZHANG, None),
        (None, "newbie"),
    ]
    assert not add
    assert world.tasks.people_named("给王五", task)[0] == [Assignee(user_id=WANG)]
    with pytest.raises(TaskRefused) as refused:
        world.tasks.people_named("某某某", task)
    assert refused.value.key == "unknown_person_named"


def test_a_decision_on_a_report_after_the_task_moved_on_is_refused_and_writes_nothing(world: World):
    task = world.assign("@zhang 周五前交总结")
    report = world.tasks.cannot(task.number, by(ZHANG), "办不了")
    rev = report.entries[0].params["rev"]
    world.tasks.hand_over(task.number, by(ZHANG), WANG)
    before = world.db.pending_outbox()
    for decide in (
        lambda: world.tasks.keep(task.number, by(LEADER, update_id=801), rev=rev),
        lambda: world.tasks.reassign(task.number, by(LEADER, update_id=801), LEADER, rev=rev),
        lambda: world.tasks.cancel(task.number, by(LEADER, update_id=801), rev=rev),
    ):
        with pytest.raises(TaskRefused) as refused:
            decide()
        assert refused.value.key == "stale_handed"
        assert refused.value.values == {"number": task.number, "giver": "张三", "taker": "王五"}
    assert world.db.pending_outbox() == before and not world.db.applied(801)
    assert world.stored(task.number).assignee_ids() == (WANG,)


def test_someone_the_task_moved_on_from_is_told_who_has_it(world: World):
    task = world.assign("@zhang 周五前交总结")
    world.tasks.hand_over(task.number, by(ZHANG), WANG)
    with pytest.raises(TaskRefused) as refused:
        world.tasks.acknowledge(task.number, by(ZHANG))
    assert (refused.value.key, refused.value.values["names"]) == ("no_longer_yours", "王五")
    with pytest.raises(TaskRefused) as refused:
        world.tasks.acknowledge(task.number, by(STRANGER))
    assert refused.value.key == "not_yours"


def test_cancel_with_a_reason_and_undo_of_what_one_did(world: World):
    task = world.assign("@zhang @wang 周五前交总结")
    acked = world.tasks.acknowledge(task.number, by(ZHANG))
    reverted = world.tasks.revert(task.number, by(ZHANG), acked.task.revision)
    assert told(reverted) == [("task_reverted", LEADER)]
    assert reverted.entries[0].params["what"] == "acknowledged"
    outcome = world.tasks.cancel(task.number, by(LEADER), "不用报了")
    assert told(outcome) == [("task_cancelled", ZHANG), ("task_cancelled", WANG)]
    assert outcome.entries[0].params["reason"] == "不用报了"


def test_ones_own_note_reports_to_nobody(world: World):
    task = world.assign("周五前整理档案", by=ZHANG, chat=ZHANG)
    card = world.tasks.card(task)
    assert card.own
    outcome = world.tasks.report(task.number, by(ZHANG), "整理了一半")
    assert told(outcome) == [] and outcome.toast == "report_noted"
    done = world.tasks.complete(task.number, by(ZHANG))
    assert told(done) == [] and done.toast == "toast_done_own"
    with pytest.raises(TaskRefused) as refused:
        world.tasks.cannot(
            world.assign("明天整理档案", by=ZHANG, chat=ZHANG).number, by(ZHANG), "x"
        )
    assert refused.value.key == "cannot_own"


def test_a_card_for_others_says_whose_me_and_where_a_forward_came_from(world: World):
    task = world.assign("@zhang 明天给我打印二十份材料")
    assert world.tasks.card(task).me == "李主任"
    assert world.tasks.card(world.assign("@zhang 周五前交总结")).me is None
    forwarded = world.tasks.create(
        actor=ZHANG, chat_id=ZHANG, text="周五前报送年度总结", source="王局长"
    ).task
    assert world.tasks.card(forwarded).source == "王局长"


def test_assigned_says_when_a_task_was_last_nudged(world: World):
    task = world.assign()
    world.clock.advance(timedelta(minutes=5))
    world.tasks.nudge(task.number, by(LEADER))
    (item,), _ = world.tasks.handed_out(LEADER)
    assert item.nudged_at == (MON_10 + timedelta(minutes=5)).isoformat()


def test_times_asked_for(world: World):
    task = world.assign("@zhang 周三前交总结")
    until, reason = world.tasks.extension_wanted(task.number, "下周一前，还差两个科室的数据")
    assert until == datetime(2026, 12, 7, 18, tzinfo=SH) and reason == "还差两个科室的数据"
    assert world.tasks.extension_wanted(task.number, "下周一") == (until, "")
    with pytest.raises(TaskRefused) as refused:
        world.tasks.until(task.number, "昨天", Action.SNOOZE)
    assert refused.value.key == "time_past"


def test_the_end_of_a_snooze_brings_the_card_back(world: World):
    task = world.assign()
    entry = world.tasks.wake_entry(task, ZHANG, MON_10, "k")
    assert (entry.template, entry.to_user, entry.params["heading"]) == (
        "task_assigned",
        ZHANG,
        "tasks.snooze_over_title",
    )


def test_every_entry_the_new_use_cases_make_renders(world: World):
    task = world.assign("@zhang @wang 周三前交总结")
    n = task.number
    asked = world.tasks.ask_extension(n, by(ZHANG), datetime(2026, 12, 7, 18, tzinfo=SH), "理由")
    acked = world.tasks.acknowledge(n, by(WANG))
    outcomes = [
        asked,
        world.tasks.answer_extension(n, by(LEADER), asked.task.revision, approve=True),
        world.tasks.revert(n, by(WANG), acked.task.revision),
        world.tasks.change_due(n, by(LEADER), MON_10 + timedelta(days=3)),
        world.tasks.rename(n, by(LEADER), "交季度总结"),
        world.tasks.set_priority(n, by(LEADER), Priority.LOW),
        world.tasks.comment(n, by(LEADER), "周四前先给我看初稿"),
        world.tasks.cancel(n, by(LEADER), "不用了"),
    ]
    entries = [e for o in outcomes for e in o.entries]
    renderer = Renderer(views.MESSAGES)
    for lang in ("zh", "en"):
        ctx = RenderContext(lang, SH, MON_10, "officebot_bot")
        for e in entries:
            assert f"#{n}" in renderer.render(e.template, e.params, ctx).text
    assert {e.template for e in entries} >= {
        "task_extension_asked",
        "task_extension_answered",
        "task_reverted",
        "task_changed",
        "task_comment",
        "task_due_changed",
        "task_cancelled",
    }
