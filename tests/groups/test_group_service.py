"""The groups use cases against a real data directory (no HTTP fake): who left, the bot out of a
group, topics for delivery, edits, the deep link, an upgrade and who hears of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.outbox import new_entry
from bot.core.render import Text
from bot.core.workdays import WorkCalendar
from bot.groups.service import GroupService
from bot.people.models import Person, Workspace
from bot.tasks.models import Priority, Task
from bot.tasks.rules import TaskRefused
from bot.tasks.service import Actor, TaskService
from storage import Database

SH = ZoneInfo("Asia/Shanghai")
MON_10 = datetime(2026, 11, 30, 10, tzinfo=SH)
GROUP = -4001
LEADER, ZHANG, WANG = 10, 11, 12
NAMES = {LEADER: ("李主任", "li"), ZHANG: ("张三", "zhang"), WANG: ("王五", "wang")}


@dataclass
class World:
    clock: ManualClock
    db: Database
    tasks: TaskService
    groups: GroupService
    moved: list[tuple[str, str]]

    def assign(self, text: str, *, by: int = LEADER, chat: int = GROUP, **kw: object) -> Task:
        return self.tasks.create(actor=by, chat_id=chat, text=text, **kw).task  # type: ignore[arg-type]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = ManualClock(MON_10)
    settings = Settings(data_dir=tmp_path)
    db = Database(tmp_path / "data", clock=clock)
    db.open()
    for uid, (name, username) in NAMES.items():
        db.put_person(Person(uid, username, name, started=True, chats=(GROUP,)))
    db.put_workspace(Workspace(GROUP, "办公室", members=(LEADER, ZHANG, WANG)))
    tasks = TaskService(db, clock, settings, WorkCalendar.from_settings(settings))
    moved: list[tuple[str, str]] = []
    groups = GroupService(
        db, clock, settings, tasks, space_moved=(lambda a, b: moved.append((a, b)),)
    )
    try:
        yield World(clock, db, tasks, groups, moved)
    finally:
        db.close()


# ----- people leaving ------------------------------------------------------------------------
def test_someone_leaving_is_refused_and_each_assigner_told_once_in_one_message(world: World):
    one = world.assign("@zhang 周五前交总结")
    two = world.assign("@zhang @wang 明天报送材料")
    mine = world.assign("@zhang 周四前准备签到表", by=WANG)
    world.assign("@wang 周五前整理档案")
    entries = world.groups.member_left(GROUP, "办公室", ZHANG, update_id=77)
    assert [(e.template, e.to_user, e.fallback_chat) for e in entries] == [
        ("member_left", LEADER, GROUP),
        ("member_left", WANG, GROUP),
    ]
    assert [n for n, _ in entries[0].params["tasks"]] == [one.number, two.number]
    assert [n for n, _ in entries[1].params["tasks"]] == [mine.number]
    assert world.db.applied(77)
    assert {e.id for e in entries} <= {e.id for e in world.db.pending_outbox()}  # in the write
    ws = world.db.get_workspace(GROUP)
    assert ZHANG in ws.left and ZHANG not in ws.members
    with pytest.raises(TaskRefused) as refused:
        world.groups.check_present(world.db.get_task(one.number), ZHANG)
    assert (refused.value.key, refused.value.values["group"]) == ("left_group", "办公室")
    world.groups.check_present(world.db.get_task(one.number), WANG)  # still in: fine
    # The chat_member update after the service message: nobody is told again. (Its sender,
    # when he left by himself, was counted in the group again by the tracking step.)
    ws = world.db.get_workspace(GROUP)
    world.db.put_workspace(replace(ws, members=(*ws.members, ZHANG)))
    assert world.groups.member_left(GROUP, "办公室", ZHANG) == []
    assert ZHANG not in world.db.get_workspace(GROUP).members
    # Back in the group: he may act again.
    world.groups.members_back(GROUP, [ZHANG])
    world.groups.check_present(world.db.get_task(one.number), ZHANG)


def test_the_offer_to_reassign_replaces_the_one_who_left(world: World):
    two = world.assign("@zhang @wang 明天报送材料")
    world.groups.member_left(GROUP, "办公室", ZHANG)
    offer = world.groups.reassign_offer(two.number, LEADER)
    assert offer is not None and offer.leaver == "张三"
    assert [uid for uid, _ in offer.colleagues] == [LEADER]  # 王五 is on it, 张三 gone
    with pytest.raises(TaskRefused):
        world.groups.reassign_offer(two.number, WANG)  # only the assigner
    after = world.tasks.reassign(two.number, Actor(LEADER), LEADER).task
    assert after.assignee_ids() == (LEADER, WANG)
    assert world.groups.reassign_offer(two.number, LEADER) is None  # settled


# ----- the bot out of a group ------------------------------------------------------------------
def test_the_bot_removed_parks_the_group_until_it_is_back(world: World):
    assert not world.groups.parked(GROUP)
    world.groups.park(GROUP)
    assert world.groups.parked(GROUP) and world.db.get_workspace(GROUP).bot_removed
    assert world.groups.bot_back(GROUP, "办公室", update_id=5) is True
    assert not world.groups.parked(GROUP) and world.db.applied(5)
    assert world.groups.bot_back(GROUP) is False
    assert not world.groups.parked(-999)  # a group never seen


# ----- topics -----------------------------------------------------------------------------------
def test_an_entry_goes_to_its_own_topic_else_to_its_tasks_topic_in_that_group(world: World):
    task = world.assign("@zhang 周五前交总结", thread_id=7)
    assert world.db.get_task(task.number).thread_id == 7
    about = new_entry(
        space=task.space,
        now=MON_10,
        message=Text("x"),
        to_user=ZHANG,
        fallback_chat=GROUP,
        task_number=task.number,
    )
    assert world.groups.topic(about, GROUP) == 7
    assert world.groups.topic(about, ZHANG) is None  # a private chat has no topics
    assert world.groups.topic(about, -5) is None  # another group: not its topic
    own = replace(about, thread_id=9)
    assert world.groups.topic(own, GROUP) == 9
    plain = replace(about, task_number=None)
    assert world.groups.topic(plain, GROUP) is None


# ----- edits ------------------------------------------------------------------------------------
def test_an_edit_of_the_creating_message_updates_the_task_and_tells_everyone(world: World):
    task = world.assign("@zhang 周五前交总结", message_id=40)
    world.clock.advance(timedelta(minutes=14))
    edited = world.groups.edit(
        chat_id=GROUP,
        message_id=40,
        editor=LEADER,
        text="@wang 明天上午十点前交总结，急",
        update_id=9,
    )
    assert edited is not None and not edited.late and edited.error is None
    after = world.db.get_task(task.number)
    assert after.assignee_ids() == (WANG,) and after.priority == Priority.URGENT
    assert after.due is not None and after.due.hour == 10
    assert after.events[-1].action == "edited"
    assert [(e.template, e.to_user or e.to_chat) for e in edited.entries] == [
        ("task_edited", GROUP),  # the answer where it was edited
        ("task_edited", ZHANG),  # off it now: told what changed
        ("task_assigned", WANG),  # on it now: the card
    ]
    changes = {what: (a, b) for what, a, b in edited.entries[0].params["changes"]}
    assert changes["people"] == ("张三", "王五") and changes["priority"] == ("normal", "urgent")
    assert world.db.applied(9) and len(world.db.live_tasks()) == 1


def test_edits_that_change_nothing(world: World):
    task = world.assign("@zhang 周五前交总结", message_id=40)
    groups = world.groups
    same = groups.edit(chat_id=GROUP, message_id=40, editor=LEADER, text="@zhang 周五前交总结")
    assert same is not None and not same.entries  # read the same: nobody told
    assert groups.edit(chat_id=GROUP, message_id=41, editor=LEADER, text="@wang 明天交") is None
    assert groups.edit(chat_id=GROUP, message_id=40, editor=ZHANG, text="@wang 明天交") is None
    bad = groups.edit(chat_id=GROUP, message_id=40, editor=LEADER, text="@zhang " + "字" * 600)
    assert bad is not None and bad.error is not None and not bad.entries
    world.clock.advance(timedelta(minutes=16))
    late = groups.edit(chat_id=GROUP, message_id=40, editor=LEADER, text="@wang 明天交")
    assert late is not None and late.late
    assert world.db.get_task(task.number).assignee_ids() == (ZHANG,)


# ----- the deep link ------------------------------------------------------------------------------
def test_a_start_link_shows_only_ones_own_open_task(world: World):
    task = world.assign("@zhang 周五前交总结")
    assert world.groups.linked_task(f"t{task.number}", ZHANG) == world.db.get_task(task.number)
    assert world.groups.linked_task(f"t{task.number}", 999) is None
    assert world.groups.linked_task("t999", ZHANG) is None
    assert world.groups.linked_task("hello", ZHANG) is None


# ----- an upgrade ---------------------------------------------------------------------------------
def test_an_upgrade_moves_the_group_and_tells_the_features_that_keep_spaces(world: World):
    task = world.assign("@zhang 周五前交总结")
    moved = world.groups.migrate(GROUP, -1004001, update_id=3)
    assert moved.tasks == 1 and world.moved == [("g-4001", "g-1004001")]
    assert world.db.get_task(task.number).chat_id == -1004001
    again = world.groups.migrate(GROUP, -1004001)
    assert not again.changed and world.moved == [("g-4001", "g-1004001")]
