"""The notice service against a real data directory and a manual clock, without the HTTP fake:
each change is one write with every message it queues; the tick does what is due by the clock;
the tracking is edited as the clock allows. No background task, no sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.core.workdays import WorkCalendar
from bot.notices import rules
from bot.notices.rules import Confirm, Kind, NoticeRefused, Outgoing
from bot.notices.service import NoticeService
from bot.notices.tracking import EDIT_GAP
from bot.people.models import Person, Workspace
from storage import Database

SH = ZoneInfo("Asia/Shanghai")
MON_10 = datetime(2026, 11, 30, 10, tzinfo=SH)  # a Monday, in work hours
LEADER, ZHANG, WANG, SUN = 10, 11, 12, 15
GROUP = -100


@dataclass
class StubBot:
    """The one Bot API call the service makes itself: editing the tracking message."""

    username: str = "officebot_bot"
    edits: list[tuple[int, int, str]] = field(default_factory=list)
    markups: list[object] = field(default_factory=list)

    async def edit_message_text(self, text, *, chat_id, message_id, reply_markup=None):
        self.edits.append((chat_id, message_id, text))
        self.markups.append(reply_markup)


@dataclass
class World:
    clock: ManualClock
    db: Database
    bot: StubBot
    service: NoticeService
    writes: list[str] = field(default_factory=list)  # the space of each transaction
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    def deliver(self, entries: list[OutboxEntry] | None = None) -> None:
        """What delivery does with pending entries: sends what it can, holds the notices for
        those it cannot reach, and calls the notices' after-send hooks."""
        hooks = {
            "notice_tracking": self.service.on_tracking_sent,
            "notice_group": self.service.on_group_sent,
            "notice": self.service.on_notice_sent,
        }
        for e in entries if entries is not None else self.db.pending_outbox():
            current = self.db.get_outbox(e.id)
            if current is None or not current.pending:
                continue
            person = self.db.get_person(current.to_user) if current.to_user else None
            if current.to_user is not None and not (person and person.reachable_privately):
                self.db.mark_outbox(replace(current, failed="unreachable", attempts=1))
                continue
            sent = replace(
                current,
                sent_at=self.clock.now(),
                sent_chat_id=current.to_chat or current.to_user,
                sent_message_id=next(self.message_ids),
                attempts=1,
            )
            self.db.mark_outbox(sent)
            if sent.template in hooks:
                hooks[sent.template](sent)

    def pending(self) -> list[str]:
        return [e.id for e in self.db.pending_outbox()]

    def tracking(self, number: int = 1) -> OutboxEntry:
        entry = self.db.get_outbox(f"n{number}:tracking")
        assert entry is not None
        return entry


def _person(uid: int, name: str, *, username: str | None = None, started: bool = True) -> Person:
    return Person(user_id=uid, first_name=name, username=username, started=started)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    clock = ManualClock(MON_10)
    settings = Settings(data_dir=tmp_path)
    db = Database(tmp_path / "data", clock=clock)
    db.open()
    for p in (
        _person(LEADER, "李主任"),
        _person(ZHANG, "张三", username="zhangsan"),
        _person(WANG, "王五", username="wangwu"),
        _person(SUN, "孙八", username="sunba", started=False),  # never started the bot
    ):
        db.put_person(p)
    bot = StubBot()
    service = NoticeService(
        bot,  # type: ignore[arg-type]
        db=db,
        clock=clock,
        settings=settings,
        calendar=WorkCalendar.from_settings(settings),
    )
    w = World(clock, db, bot, service)
    real = db.transaction

    @contextlib.contextmanager
    def counted(space, **kw):
        w.writes.append(space)
        with real(space, **kw) as tx:
            yield tx

    monkeypatch.setattr(db, "transaction", counted)

    async def no_sleeping(*_args, **_kw):
        raise AssertionError("the notices feature does not sleep")

    monkeypatch.setattr(asyncio, "sleep", no_sleeping)
    try:
        yield w
    finally:
        db.close()


async def _no_admin(_chat: int | None) -> bool:
    return False


async def _admin(_chat: int | None) -> bool:
    return True


def _notify(world: World, text: str, chat_id: int = LEADER, update_id: int | None = None):
    return world.service.create(actor=LEADER, chat_id=chat_id, text=text, update_id=update_id)


async def test_a_notice_to_two_hundred_is_queued_whole_in_one_write(world: World):
    staff = list(range(1000, 1200))
    for uid in staff:
        world.db.put_person(_person(uid, f"同事{uid}"))
    world.db.put_workspace(Workspace(chat_id=GROUP, title="全体", members=(LEADER, *staff)))
    tasks = asyncio.all_tasks()
    world.writes.clear()

    created = _notify(world, "大家 明天上午9点在礼堂开全体大会", chat_id=GROUP, update_id=7)

    assert world.writes == [f"g{GROUP}"]  # one durable write …
    assert world.db.applied(7)  # … with the update that caused it
    ids = [e.id for e in created.entries]
    assert ids[:2] == ["n1:tracking", "n1:v1:group"]
    assert ids[2:] == [f"n1:v1:notice:{uid}" for uid in staff]
    assert sorted(world.pending()) == sorted(ids)  # everything is in the outbox, for delivery
    assert world.service.get(1).queue == ()
    tracking = world.tracking().params
    assert (tracking["confirmed_count"], tracking["total"], tracking["waiting_count"]) == (
        0,
        200,
        200,
    )
    assert len(tracking["waiting"]) == rules.MAX_LISTED_MISSING
    assert tracking["more_waiting"] == 200 - rules.MAX_LISTED_MISSING

    # Delivery sends; one of them had blocked the bot (a 403 on the way).
    world.db.put_person(replace(world.db.get_person(1003), blocked=True))
    world.deliver()
    assert world.pending() == []
    await world.service.tick()
    assert asyncio.all_tasks() == tasks  # no background work was started
    (edit,) = world.bot.edits  # the tracking now says who cannot be reached
    assert "已确认 <b>0/200</b>" in edit[2] and "同事1003" in edit[2].split("无法私信")[1]
    assert edit[:2] == (LEADER, world.service.get(1).tracking_message_id)
    buttons = [b.callback_data for row in world.bot.markups[0].inline_keyboard for b in row]
    assert buttons == ["n:change:1", "n:ask-cancel:1"]

    # Confirmations arriving together are shown in one edit, once the clock allows.
    for uid in staff[:5]:
        world.service.confirm(1, 1, uid, None)
        await world.service.refresh_tracking(1)
    await world.service.tick()
    assert len(world.bot.edits) == 1
    world.clock.advance(EDIT_GAP)
    await world.service.tick()
    assert len(world.bot.edits) == 2 and "已确认 <b>5/200</b>" in world.bot.edits[1][2]
    await world.service.tick()
    assert len(world.bot.edits) == 2  # nothing new to show
    assert world.service.get(1).shown_rev == world.service.get(1).rev


async def test_resends_go_at_their_moments_on_the_clock(world: World):
    _notify(world, "@zhangsan @wangwu @sunba 明天上午9点开会 提醒间隔 30分钟")
    world.deliver()
    world.service.confirm(1, 1, ZHANG, "zhangsan")
    await world.service.refresh_tracking(1)
    world.clock.advance(timedelta(minutes=29))
    await world.service.tick()
    assert world.pending() == [] and len(world.bot.edits) == 1
    world.clock.advance(timedelta(minutes=1))
    await world.service.tick()
    # 王五 again; 孙八 cannot be reached privately (his notice is held), 张三 confirmed.
    assert world.pending() == ["n1:v1:resend1:12"]
    assert len(world.bot.edits) == 2 and "已重发 1/3" in world.bot.edits[-1][2]


async def test_a_cancel_tells_those_it_reached_and_withdraws_the_rest(world: World):
    created = _notify(world, "@zhangsan @wangwu @sunba 明天上午9点开会", chat_id=GROUP)
    sent = [e for e in created.entries if e.to_user != WANG]  # 王五's has not gone out yet
    world.deliver(sent)
    assert world.db.get_outbox("n1:v1:notice:15").failed == "unreachable"  # held for 孙八
    world.writes.clear()

    outcome = await world.service.cancel(1, LEADER, _no_admin, update_id=9)

    assert world.writes == [f"g{GROUP}"]
    assert [e.id for e in outcome.entries] == ["n1:cancel:group", "n1:cancel:11"]
    assert world.db.get_outbox("n1:v1:notice:12").failed == "superseded"
    assert world.db.get_outbox("n1:v1:notice:15").failed == "superseded"
    assert world.db.held_outbox(SUN) == []  # starting the bot later brings him nothing
    assert rules.due(outcome.notice, MON_10 + timedelta(days=1)) == []


async def test_a_change_goes_to_everyone_again_and_retires_the_old_version(world: World):
    _notify(world, "@zhangsan @sunba 明天上午9点开会")
    world.deliver()
    world.service.confirm(1, 1, ZHANG, "zhangsan")
    with pytest.raises(NoticeRefused) as refused:
        await world.service.change(1, ZHANG, "改到下午", _no_admin)
    assert refused.value.key == "not_sender"

    outcome = await world.service.change(1, LEADER, "改到明天下午3点", _no_admin)

    assert [e.id for e in outcome.entries] == ["n1:v2:changed:11", "n1:v2:changed:15"]
    assert world.db.get_outbox("n1:v1:notice:15").failed == "superseded"
    assert outcome.notice.version == 2 and outcome.notice.confirmed() == []
    assert outcome.notice.meeting_at == datetime(2026, 12, 1, 15, tzinfo=SH)
    done = world.service.confirm(1, 1, ZHANG, "zhangsan")  # the old card's button
    assert done.result == Confirm.STALE


async def test_a_press_counts_once(world: World):
    _notify(world, "@zhangsan 明天上午9点开会")
    world.writes.clear()
    first = world.service.confirm(1, 1, ZHANG, "zhangsan", update_id=3)
    again = world.service.confirm(1, 1, ZHANG, "zhangsan", update_id=4)
    assert (first.result, again.result) == (Confirm.CONFIRMED, Confirm.ALREADY)
    assert world.writes == ["p10"]  # the second press wrote nothing
    assert first.card.number == 1 and first.card.sender_name == "李主任"


async def test_a_queue_left_by_an_older_version_goes_to_the_outbox_on_the_tick(world: World):
    _notify(world, "@zhangsan @wangwu 明天上午9点开会")
    world.deliver()
    notice = world.service.get(1)
    # An older officebot stored the notice mid fan-out, with messages still queued.
    queued = replace(notice, queue=(Outgoing(ZHANG, Kind.RESEND, 1, 1),))
    with world.db.transaction(notice.space) as tx:
        world.service.store.put(tx, queued)
    assert world.service.run_due() == [1]
    assert world.service.get(1).queue == ()
    assert world.pending() == ["n1:v1:resend1:11"]


async def test_only_the_sender_or_an_admin_looks_and_an_admin_gets_no_buttons(world: World):
    _notify(world, "@zhangsan 明天上午9点开会")
    with pytest.raises(NoticeRefused):
        await world.service.show(1, WANG, _no_admin)
    mine = await world.service.show(1, LEADER, _no_admin)
    theirs = await world.service.show(1, WANG, _admin)
    assert mine.rendered.buttons and not theirs.rendered.buttons
    assert mine.rendered.text == theirs.rendered.text
    exported = await world.service.export(1, WANG, _admin, "en")
    assert exported.filename == "notice-1.csv" and (exported.confirmed, exported.total) == (0, 1)
    assert exported.content.decode("utf-8-sig").splitlines()[0] == (
        "Name,Username,Phone,Status,Confirmed at"
    )


async def test_a_failed_edit_is_tried_again_on_a_later_tick(world: World):
    from telegram.error import NetworkError

    _notify(world, "@zhangsan 明天上午9点开会")
    world.deliver()
    world.service.confirm(1, 1, ZHANG, "zhangsan")
    calls = []

    async def flaky(text, **_kw):
        calls.append(text)
        if len(calls) == 1:
            raise NetworkError("down")

    world.bot.edit_message_text = flaky  # type: ignore[method-assign]
    await world.service.refresh_tracking(1)  # right after the press, as the handler does
    assert world.service.get(1).tracking_stale
    await world.service.tick()
    assert len(calls) == 1  # the next try waits for the clock
    world.clock.advance(EDIT_GAP)
    await world.service.tick()
    assert len(calls) == 2 and not world.service.get(1).tracking_stale


async def test_meetings_for_lists_the_meetings_ahead_a_person_sent_or_received(world: World):
    _notify(world, "@zhangsan @sunba 周三上午9点开预算会")  # 1
    _notify(world, "@zhangsan 今天上午11点碰头")  # 2: over before we look
    _notify(world, "@zhangsan 交一下本周材料")  # 3: no meeting time
    _notify(world, "@zhangsan 明天下午3点开评审会")  # 4: cancelled
    _notify(world, "@sunba 明天上午9点在三楼开会")  # 5: 张三 is not asked
    await world.service.cancel(4, LEADER, _no_admin)
    world.clock.advance(timedelta(hours=2))  # 12:00: the 11:00 meeting is past

    def numbers(user_id: int) -> list[int]:
        return [n.number for n in world.service.meetings_for(user_id)]

    assert numbers(LEADER) == [5, 1]  # the sender, by meeting time: Tuesday, then Wednesday
    assert numbers(ZHANG) == [1]
    assert numbers(SUN) == [5, 1]  # a recipient who never started the bot: still his
    assert numbers(WANG) == []  # an outsider sees none
    world.clock.advance(timedelta(days=2))  # Wednesday 12:00: both are over
    assert numbers(LEADER) == []
