"""ReportService against a real data directory: who is asked, what is stored, what is queued
for whom and when — by the clock, across a restart, exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.core.render import RenderContext, Renderer
from bot.core.workdays import WorkCalendar
from bot.directory.service import DirectoryService, MemberRef
from bot.people.models import Person, Workspace
from bot.reports import views
from bot.reports.models import Collection, Item, ItemKind, MemberState, Status
from bot.reports.rules import ReportRefused
from bot.reports.service import ReportService
from storage import Database

SH = ZoneInfo("Asia/Shanghai")
MON_10 = datetime(2026, 11, 30, 10, tzinfo=SH)
FRI_18 = datetime(2026, 12, 4, 18, tzinfo=SH)
GROUP = -100
LEADER, ZHANG, WANG, ZHAO = 10, 11, 12, 13
PEOPLE = {
    LEADER: ("李主任", "li"),
    ZHANG: ("张三", "zhang"),
    WANG: ("王五", "wang"),
    ZHAO: ("赵六", "zhao"),
}
RENDERER = Renderer(views.MESSAGES)


@dataclass
class World:
    path: Path
    clock: ManualClock
    settings: Settings
    db: Database
    directory: DirectoryService
    reports: ReportService

    def restart(self) -> None:
        self.db.close()
        self.db = Database(self.path, clock=self.clock)
        self.db.open()
        cal = WorkCalendar.from_settings(self.settings)
        self.directory = DirectoryService(self.db, self.clock, self.settings)
        self.reports = ReportService(
            self.db, self.clock, self.settings, cal, directory=self.directory
        )

    def collect(
        self, text: str = "@zhang @wang @zhao 周五下班前 交本周工作总结", **kw: object
    ) -> Collection:
        return self.reports.create(actor=LEADER, chat_id=GROUP, text=text, **kw).collection  # type: ignore[arg-type]

    def sent(
        self, entries: tuple[OutboxEntry, ...] | list[OutboxEntry], message_id: int = 100
    ) -> None:
        """Delivery sent these entries: their sent hooks run, as the Bot API answered."""
        for i, e in enumerate(entries):
            chat = e.to_user or e.to_chat or 0
            done = replace(
                e, sent_at=self.clock.now(), sent_chat_id=chat, sent_message_id=message_id + i
            )
            self.db.mark_outbox(done)
            if e.template in ("collect_request", "collect_reminder"):
                self.reports.on_request_sent(done)
            elif e.template == "collect_tracking":
                self.reports.on_tracking_sent(done)

    def stored(self, number: int = 1) -> Collection:
        return self.reports.get(number)

    def text(self, entry: OutboxEntry) -> str:
        ctx = RenderContext("zh", SH, self.clock.now())
        return RENDERER.render(entry.template, entry.params, ctx).text


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = ManualClock(MON_10)
    settings = Settings(data_dir=tmp_path)
    db = Database(tmp_path / "data", clock=clock)
    db.open()
    for uid, (name, username) in PEOPLE.items():
        db.put_person(
            Person(
                user_id=uid, first_name=name, username=username, started=uid != ZHAO, chats=(GROUP,)
            )
        )
    db.put_workspace(Workspace(chat_id=GROUP, title="办公室", members=tuple(PEOPLE)))
    cal = WorkCalendar.from_settings(settings)
    directory = DirectoryService(db, clock, settings)
    reports = ReportService(db, clock, settings, cal, directory=directory)
    w = World(tmp_path / "data", clock, settings, db, directory, reports)
    try:
        yield w
    finally:
        w.db.close()


def told(entries: tuple[OutboxEntry, ...] | list[OutboxEntry]) -> list[tuple[str, int | None]]:
    return [(e.template, e.to_user) for e in entries]


def _text(text: str = "本周完成了预算初稿") -> Item:
    return Item(ItemKind.TEXT, MON_10, text)


def _reply(world: World, uid: int, item: Item, message_id: int, update_id: int | None = None):
    return world.reports.hand_in(uid, uid, message_id, item, update_id=update_id)


def test_a_collection_asks_each_member_and_tracks_for_the_sender(world: World) -> None:
    outcome = world.reports.create(
        actor=LEADER,
        chat_id=GROUP,
        text="@zhang @wang @zhao 周五下班前 交本周工作总结",
        update_id=7,
    )
    c = outcome.collection
    assert (c.number, c.title, c.due, c.space) == (1, "交本周工作总结", FRI_18, f"g{GROUP}")
    assert told(outcome.entries) == [
        ("collect_request", ZHANG),
        ("collect_request", WANG),
        ("collect_request", ZHAO),  # held by delivery; the sender told (origin_user)
        ("collect_tracking", LEADER),
    ]
    assert {e.origin_user for e in outcome.entries[:3]} == {LEADER}
    assert world.db.applied(7)
    tracking = world.text(outcome.entries[-1])
    assert "已交 <b>0/3</b>" in tracking and "赵六（未启动机器人）" in tracking


def test_a_roster_is_resolved_with_its_phones(world: World) -> None:
    world.directory.create_roster(
        f"g{GROUP}", LEADER, "科长", [MemberRef("张三", ZHANG), MemberRef("@钱", username="qian")]
    )
    c = world.collect("科长 明天下班前 交材料")
    assert [(m.name, m.user_id, m.username) for m in c.members] == [
        ("张三", ZHANG, "zhang"),
        ("@qian", None, "qian"),
    ]
    assert c.targets == ("#科长",)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("周五前交总结", "no_targets", id="nobody"),
        pytest.param("@zhang 交总结", "no_due", id="no-deadline"),
        pytest.param("@li 周五前交总结", "no_members", id="only-the-sender"),
    ],
)
def test_what_a_collection_cannot_be(world: World, text: str, key: str) -> None:
    with pytest.raises(ReportRefused) as refused:
        world.collect(text)
    assert refused.value.key == key


def test_everyone_means_the_group_but_the_sender(world: World) -> None:
    c = world.collect("大家 明天下班前 交材料")
    assert [m.user_id for m in c.members] == [ZHANG, WANG, ZHAO]
    with pytest.raises(ReportRefused, match="everyone_private"):
        world.reports.create(actor=LEADER, chat_id=LEADER, text="大家 明天下班前 交材料")


def test_a_reply_to_the_request_hands_in_and_submit_tells_nobody_until_all_answered(
    world: World,
) -> None:
    outcome = world.reports.create(
        actor=LEADER, chat_id=GROUP, text="@zhang @wang 周五下班前 交总结"
    )
    world.sent(outcome.entries)
    request = world.stored().member_of(ZHANG)
    assert request is not None and request.message_ids == (100,)
    assert _reply(world, ZHANG, _text(), 999) is None  # not a reply to one of ours
    handed = _reply(world, ZHANG, _text(), 100, update_id=8)
    assert handed is not None and handed.member.state == MemberState.DRAFTING
    assert world.db.applied(8)
    assert world.reports.submit(1, ZHANG, update_id=9).entries == ()
    wang = world.stored().member_of(WANG)
    assert wang is not None
    _reply(
        world,
        WANG,
        Item(ItemKind.DOCUMENT, MON_10, "请审阅", "F1", "总结.docx"),
        wang.message_ids[0],
    )
    done = world.reports.submit(1, WANG)
    assert told(done.entries) == [("collect_bundle", LEADER)]
    bundle = world.text(done.entries[0])
    assert (
        "已交 2/2" in bundle and "本周完成了预算初稿" in bundle and "总结.docx（请审阅）" in bundle
    )
    c = done.collection
    assert c.status == Status.CLOSED and c.bundled and len(c.forwards) == 1


def test_the_deadline_brings_the_bundle_and_files_follow_it(world: World) -> None:
    outcome = world.reports.create(
        actor=LEADER, chat_id=GROUP, text="@zhang @wang 周五下班前 交总结"
    )
    world.sent(outcome.entries)
    zhang = world.stored().member_of(ZHANG)
    assert zhang is not None
    _reply(world, ZHANG, Item(ItemKind.PHOTO, MON_10, "", "P1"), zhang.message_ids[0])
    world.reports.submit(1, ZHANG)
    world.clock.set(FRI_18 - timedelta(seconds=1))
    assert told(world.reports.run_due()) == [("collect_reminder", WANG)]  # the last call
    world.clock.set(FRI_18)
    entries = world.reports.run_due()
    assert told(entries) == [("collect_bundle", LEADER)]
    assert "⏳ 未交（1）" in world.text(entries[0])
    assert world.reports.files_to_pass() == []  # the bundle is not out yet
    world.sent(entries)
    [passing] = world.reports.files_to_pass()
    assert (passing.member.name, passing.item.file_id) == ("张三", "P1")
    assert world.reports.files_to_pass() == []  # claimed: a second tick does not send it too
    world.reports.release(1, passing.forward)
    [passing] = world.reports.files_to_pass()
    assert world.reports.file_caption(passing) == "收集 第 1 号 · 张三"
    world.reports.passed(1, passing.forward)
    assert world.reports.files_to_pass() == []
    assert world.reports.run_due() == []  # said once


def test_reminders_go_to_those_missing_and_reachable_once_each(world: World) -> None:
    outcome = world.reports.create(
        actor=LEADER, chat_id=GROUP, text="@zhang @wang @zhao 周五下班前 交总结"
    )
    world.sent(outcome.entries)
    world.reports.decline(1, WANG, "出差")
    world.clock.set(datetime(2026, 12, 4, 9, tzinfo=SH))
    entries = world.reports.run_due()
    assert told(entries) == [("collect_reminder", ZHANG)]  # 王五 answered; 赵六 cannot be reached
    assert world.reports.run_due() == []
    world.sent(entries, message_id=200)
    member = world.stored().member_of(ZHANG)
    assert member is not None and member.message_ids == (100, 200)  # a reply to either hands in
    world.clock.set(datetime(2026, 12, 4, 16, tzinfo=SH))
    assert told(world.reports.run_due()) == [("collect_reminder", ZHANG)]
    tracking, _ = world.reports.render_tracking(world.stored())
    assert "已提醒 1 人" in tracking.text


def test_a_late_answer_is_told_on_its_own(world: World) -> None:
    outcome = world.reports.create(
        actor=LEADER, chat_id=GROUP, text="@zhang @wang 周五下班前 交总结"
    )
    world.sent(outcome.entries)
    world.clock.set(FRI_18)
    world.sent(world.reports.run_due())
    zhang = world.stored().member_of(ZHANG)
    assert zhang is not None
    world.clock.set(FRI_18 + timedelta(hours=1))
    _reply(world, ZHANG, _text("补交"), zhang.message_ids[0])
    late = world.reports.submit(1, ZHANG)
    assert told(late.entries) == [("collect_late", LEADER)]
    assert "迟交" in world.text(late.entries[0]) and "补交" in world.text(late.entries[0])
    assert world.stored().member_of(ZHANG).late  # type: ignore[union-attr]


def test_the_tracking_message_is_kept_true(world: World) -> None:
    outcome = world.reports.create(actor=LEADER, chat_id=GROUP, text="@zhang 周五下班前 交总结")
    world.sent(outcome.entries)
    c = world.stored()
    assert (c.tracking_chat_id, c.tracking_message_id, c.tracking_stale) == (LEADER, 101, False)
    world.reports.decline(1, ZHANG, "出差")
    [stale] = world.reports.stale_trackings()
    rendered, lang = world.reports.render_tracking(stale)
    assert lang == "zh" and "出差" in rendered.text
    world.reports.tracking_shown(1, stale.rev)
    assert world.reports.stale_trackings() == []


def test_someone_named_by_username_gets_the_request_once_seen(world: World) -> None:
    world.collect("@zhang @qian 周五下班前 交总结")
    assert world.reports.run_due() == []
    world.db.put_person(Person(user_id=14, first_name="钱七", username="qian", started=True))
    entries = world.reports.run_due()
    assert told(entries) == [("collect_request", 14)]
    assert world.stored().member_of(14) is not None
    assert world.reports.run_due() == []


def test_a_weekly_collection_opens_its_next_round_by_itself(world: World) -> None:
    c = world.collect("@zhang 每周五下班前 交周报")
    assert c.recurrence == "FREQ=WEEKLY;BYDAY=FR"
    world.clock.set(FRI_18)
    world.reports.run_due()
    assert world.stored().next_at == datetime(2026, 12, 7, 10, tzinfo=SH)
    world.clock.set(datetime(2026, 12, 7, 10, tzinfo=SH))
    entries = world.reports.run_due()
    assert told(entries) == [("collect_request", ZHANG), ("collect_tracking", LEADER)]
    second = world.stored(2)
    assert (second.round, second.due, second.status) == (
        2,
        datetime(2026, 12, 11, 18, tzinfo=SH),
        Status.OPEN,
    )
    assert world.stored(1).next_number == 2 and world.stored(1).next_at is None
    assert world.reports.run_due() == []
    world.reports.stop(1, LEADER)  # stops the series at its latest round
    assert world.stored(2).recurrence is None


def test_everything_survives_a_restart(world: World) -> None:
    outcome = world.reports.create(
        actor=LEADER, chat_id=GROUP, text="@zhang @wang 周五下班前 交总结"
    )
    world.sent(outcome.entries)
    world.restart()
    assert world.reports.is_request(ZHANG, 100)
    assert _reply(world, ZHANG, _text(), 100) is not None
    world.reports.submit(1, ZHANG)
    world.restart()
    assert [c.number for c in world.reports.store.active()] == [1]
    assert world.reports.store.next_number() == 2
    member = world.stored().member_of(ZHANG)
    assert member is not None and member.state == MemberState.SUBMITTED


def test_the_list_shows_what_i_sent_and_what_i_am_asked(world: World) -> None:
    world.collect("@zhang 周五下班前 交总结")
    world.reports.create(actor=ZHANG, chat_id=ZHANG, text="@wang 明天下班前 交材料")
    mine = world.reports.listing(ZHANG, ZHANG)
    assert [(i.number, i.mine, i.state) for i in mine] == [(2, True, ""), (1, False, "waiting")]
    in_group = world.reports.listing(WANG, GROUP)
    assert [i.number for i in in_group] == [1]


def test_only_the_sender_exports_a_collection(world: World) -> None:
    world.collect()
    c, content = world.reports.export(1, LEADER)
    assert content.startswith(b"PK") and c.number == 1
    with pytest.raises(ReportRefused, match="not_sender"):
        world.reports.export(1, ZHANG)
    assert world.reports.export(1, ZHANG, is_admin=True)[0].number == 1


def test_a_weekly_summary_sent_owes_its_chart_once(world: World) -> None:
    entry = OutboxEntry(
        id="week:11:2026-W49",
        space="p11",
        created_at=MON_10,
        template="week",
        to_user=ZHANG,
        sent_at=MON_10,
        sent_chat_id=ZHANG,
        sent_message_id=5,
    )
    world.reports.on_week_sent(entry)
    world.reports.on_week_sent(entry)
    [owed] = world.reports.owed_charts()
    assert (owed.user_id, owed.chat_id) == (ZHANG, ZHANG)
    assert world.reports.owed_charts() == []  # claimed while it is being sent
    world.reports.chart_release(owed)
    world.restart()
    [owed] = world.reports.owed_charts()
    world.reports.chart_sent(owed)
    world.restart()
    assert world.reports.owed_charts() == []
