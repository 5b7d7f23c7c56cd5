"""Office week (issue #14 "Say one thing once"): a fixed, deterministic week of one office run
through the real bot, counting what the bot says to each person. Prints figures; asserts
nothing.

    .venv/bin/python bench/office_week.py            # the week, figures (~1-2 min)
    .venv/bin/python bench/office_week.py --log      # also every message, in order
    .venv/bin/python bench/office_week.py --examples 30

The office: 李主任 (leader), 张科长 and 王科长 (section heads of 一科 and 二科), six staff (three in
each section). Groups 办公室 (everyone; the leader is its admin), 一科 and 二科. Everyone has started
the bot and spoken in their groups before Monday 08:00. Default settings (zh, Asia/Shanghai, work
day 09:00-18:00, digest 08:30, Chinese holidays). The week is Monday 30 Nov 2026 08:00 → Friday
4 Dec 2026 20:00; the manual clock moves one minute at a time and the bot's background tick runs
at every minute (its own wall-clock tick is switched off, so every run is the same). Per-chat
pacing is off (BotRunner(paced=False): the clock is not real), the 29/s overall pace stays.

The script (SCRIPT below): 40 tasks — the leader assigns in 办公室 and privately, the heads in their
section groups, staff note a few things for themselves (one of them an explicit reminder) —
with due times today, tomorrow, Friday, next week, undated, urgent, important and low. Most are
acknowledged (收到 on the card) within minutes, three late (after 2.5-3.5 hours), four never; most
are finished with 完成, some stay open; three pass their due time undone (#13, #20, #32 of the
script). Two notices: /notify 大家 in 办公室 (one person confirms the next morning, one never), and
/notify to the roster 一科 (one never). One hand-over (转交 on the card, to 周明).

Definitions
-----------
* A message is a new bot message (sendMessage/sendDocument; edits and button toasts are not
  messages). A person's messages are those in their private chat plus group messages that
  mention them (the bot's fallback when it cannot write privately). Group posts are counted
  per group.
* A reply is a message to the person who acted (sent a message or pressed a button) in the
  same step, in that person's chat: the answer to what they just did. Every other message is
  a push. "Messages per person per work day" counts pushes (the table also shows all).
* Facts. Each message is read (from its text) into the facts it states about a task or a
  notice, e.g. ("assigned", #n), ("acked", #n), ("done", #n), ("due-soon", #n), ("due-now",
  #n), ("overdue", #n, day), ("unacked", #n, day), ("notice", k), ("meeting-soon", k),
  ("notice-missing", k, day); a morning digest states one fact per listed item and section
  (overdue / due today / not acknowledged / next three days / handed-out status, of that day);
  a weekly summary states ("week", date). A message with none of these but with task numbers
  in its first line states ("<first line with digits masked>", #n).
* A repeat is a push whose every fact the recipient had already been told (by any earlier
  message, reply or push), "day" facts on the same day; or a push whose normalised text
  (tags stripped, every run of digits masked, the (补发) mark dropped) equals one the recipient
  already received that named the same task or notice. E.g. a second "not acknowledged" about
  #n on the same day, an overdue nag after the morning digest listed #n as overdue, a notice
  resent to someone who has not confirmed it.
* Off-hours: a push sent before 09:00 or after 18:00 (18:00 itself is in hours) on a work
  day, or at any time on a day off, that is neither urgent (its text carries "🔴 紧急", the
  priority label or a notice's urgent mark) nor an explicit reminder (a reminder the person set:
  the "✅ 知道了" button, "⏰ 即将开始" / "⏰ 提醒：<title>"; or a meeting's "⏰ 会议即将开始"). The
  morning digest at the person's digest time is counted on its own line ("digests before
  09:00"), not as off-hours: the person chose that time (/digest).

Targets of the issue: leader ≤ 12 pushes on the busiest day, staff ≤ 8, repeats 0, off-hours 0.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import html
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sim.fake_api import BotMessage, FakeBotAPI, FakeChat, FakeUser
from bot.sim.runner import BotRunner

SH = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)
START = datetime(2026, 11, 30, 7, 30, tzinfo=SH)  # set-up (not counted) before 08:00
FROM = datetime(2026, 11, 30, 8, 0, tzinfo=SH)
UNTIL = datetime(2026, 12, 4, 20, 0, tzinfo=SH)
WORK_START, WORK_END = dtime(9, 0), dtime(18, 0)
DAYS = ["周一", "周二", "周三", "周四", "周五"]
QUIET = 0.12  # seconds without bot activity that end a step


# ----- the cast ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    key: str
    uid: int
    name: str
    username: str
    role: str  # leader | head | staff


CAST = [
    Member("li", 101, "李主任", "lizhuren", "leader"),
    Member("zhangkz", 201, "张科长", "zhangkz", "head"),
    Member("wangkz", 202, "王科长", "wangkz", "head"),
    Member("liu", 301, "刘洋", "liuyang", "staff"),
    Member("chen", 302, "陈静", "chenjing", "staff"),
    Member("yang", 303, "杨帆", "yangfan", "staff"),
    Member("zhao", 304, "赵磊", "zhaolei", "staff"),
    Member("sun", 305, "孙丽", "sunli", "staff"),
    Member("zhou", 306, "周明", "zhouming", "staff"),
]
BY_KEY = {m.key: m for m in CAST}
BY_UID = {m.uid: m for m in CAST}
GROUPS: dict[str, tuple[int, str, list[str]]] = {
    "office": (-1001000000001, "办公室", [m.key for m in CAST]),
    "sec1": (-1001000000002, "一科", ["zhangkz", "liu", "chen", "yang"]),
    "sec2": (-1001000000003, "二科", ["wangkz", "zhao", "sun", "zhou"]),
}


# ----- the script --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """One task: who writes what where and when, and what the assignee then does.

    `ack`: minutes after creation when the assignee presses 收到 (None: never); `done`: (day,
    "HH:MM") when they press 完成 (None: stays open); `hand`: (day, "HH:MM", to) a 转交.
    """

    day: int  # 0 = Monday
    at: str
    by: str
    where: str  # office | sec1 | sec2 | private
    text: str
    to: str | None = None  # None: a note for oneself
    ack: int | None = None
    done: tuple[int, str] | None = None
    hand: tuple[int, str, str] | None = None


SCRIPT: list[Plan] = [
    # Monday
    Plan(
        0,
        "09:05",
        "li",
        "office",
        "@zhangkz 周五前交本科室季度工作总结",
        "zhangkz",
        10,
        (3, "16:00"),
    ),
    Plan(
        0, "09:06", "li", "office", "@wangkz 周五前交本科室季度工作总结", "wangkz", 15, (4, "11:00")
    ),
    Plan(
        0,
        "09:08",
        "li",
        "office",
        "@liuyang 今天下午五点前把会议室预订表发给我，急",
        "liu",
        5,
        (0, "15:30"),
    ),
    Plan(
        0,
        "09:10",
        "li",
        "office",
        "@zhaolei 明天下午三点前整理好来访登记",
        "zhao",
        200,
        (1, "14:00"),
    ),
    Plan(0, "09:12", "li", "office", "@sunli 下周一前更新通讯录，不急", "sun", 30),
    Plan(
        0,
        "09:30",
        "zhangkz",
        "sec1",
        "@chenjing 明天上午十点前核对上月报销单",
        "chen",
        20,
        (1, "09:50"),
    ),
    Plan(0, "09:32", "zhangkz", "sec1", "@yangfan 周三前起草培训通知", "yang", None, (2, "16:00")),
    Plan(
        0,
        "09:35",
        "wangkz",
        "sec2",
        "@zhouming 今天下班前把设备清单发给我",
        "zhou",
        10,
        (0, "17:40"),
    ),
    Plan(0, "09:40", "wangkz", "sec2", "@zhaolei 周四前完成档案整理", "zhao", 5, (3, "15:00")),
    Plan(
        0,
        "10:15",
        "li",
        "private",
        "@chenjing 明天上午把领导讲话稿初稿给我，重要",
        "chen",
        10,
        (1, "11:30"),
    ),
    Plan(0, "10:30", "liu", "private", "下午三点前给财务科打电话", None, None, (0, "15:10")),
    Plan(
        0,
        "11:00",
        "li",
        "office",
        "@zhouming 周三下午三点前准备好会议材料，急",
        "zhou",
        8,
        (2, "14:00"),
    ),
    Plan(0, "14:00", "zhangkz", "sec1", "@liuyang 明天前报送安全检查表", "liu"),  # overdue
    Plan(
        0,
        "15:00",
        "li",
        "private",
        "@wangkz 明天下午四点前把预算调整方案报给我",
        "wangkz",
        5,
        (1, "15:30"),
    ),
    # Tuesday
    Plan(
        1, "09:10", "li", "office", "@yangfan 今天下午四点前把签到表打印好", "yang", 3, (1, "15:00")
    ),
    Plan(1, "09:20", "wangkz", "sec2", "@sunli 周四前统计各科室加班情况", "sun", 40, (3, "17:00")),
    Plan(
        1,
        "09:45",
        "li",
        "private",
        "@zhangkz 明天上午十点前提交人员考勤汇总，急",
        "zhangkz",
        2,
        (2, "09:30"),
    ),
    Plan(1, "10:00", "chen", "private", "周五前整理档案，不急"),
    Plan(
        1,
        "11:00",
        "zhangkz",
        "sec1",
        "@chenjing 周四下午三点前准备好座谈会发言材料",
        "chen",
        180,
        (3, "14:30"),
    ),
    Plan(1, "14:30", "li", "office", "@zhaolei 今天下班前把车辆使用登记交给我", "zhao"),  # overdue
    Plan(1, "15:00", "wangkz", "sec2", "@zhouming 下周二前完成办公用品采购计划", "zhou", 25),
    Plan(
        1,
        "16:00",
        "li",
        "office",
        "@sunli 明天下午两点前把接待方案发给我，急",
        "sun",
        6,
        (2, "13:00"),
    ),
    Plan(1, "16:30", "zhangkz", "sec1", "@yangfan 整理会议纪要", "yang", 10, (3, "10:00")),
    # Wednesday
    Plan(2, "09:05", "li", "office", "@liuyang 今天下午三点前联系印刷厂", "liu", 4, (2, "14:40")),
    Plan(
        2,
        "09:15",
        "wangkz",
        "sec2",
        "@zhaolei 明天下午五点前上报固定资产盘点结果",
        "zhao",
        12,
        (3, "16:30"),
    ),
    Plan(
        2,
        "09:30",
        "li",
        "private",
        "@zhouming 周五上午十点前把接待车辆安排好",
        "zhou",
        20,
        (3, "11:00"),
    ),
    Plan(2, "10:00", "zhangkz", "sec1", "@chenjing 周五前完成文件归档，不急", "chen", 60),
    Plan(
        2,
        "10:30",
        "li",
        "office",
        "@wangkz 明天上午十点前汇报二科工作进度",
        "wangkz",
        3,
        (3, "09:45"),
    ),
    Plan(2, "14:00", "sun", "private", "明天上午十点提醒我给档案馆打电话"),  # explicit reminder
    Plan(
        2,
        "15:00",
        "li",
        "office",
        "@yangfan 今天下午五点前把会议通知贴出去，急",
        "yang",
        2,
        (2, "16:40"),
    ),
    Plan(
        2,
        "16:00",
        "li",
        "office",
        "@sunli 周四下午三点前准备好来访接待",
        "sun",
        None,
        None,
        (2, "16:20", "zhou"),
    ),
    # Thursday
    Plan(
        3, "09:10", "li", "office", "@zhaolei 今天下午四点前把会议记录整理好", "zhao", 15
    ),  # overdue
    Plan(3, "09:30", "zhangkz", "sec1", "@liuyang 明天前提交月度信息报表", "liu", 10, (4, "10:00")),
    Plan(3, "10:00", "wangkz", "sec2", "@sunli 下周三前起草年度总结提纲", "sun", 30),
    Plan(
        3,
        "11:00",
        "li",
        "private",
        "@zhangkz 明天下午三点前把评优材料报给我",
        "zhangkz",
        None,
        (4, "14:00"),
    ),
    Plan(
        3, "14:00", "li", "office", "@zhouming 明天上午十一点前订好会议室", "zhou", 5, (4, "10:30")
    ),
    Plan(3, "15:30", "chen", "private", "明天下午两点前给人事处回电话", None, None, (4, "13:50")),
    # Friday
    Plan(
        4,
        "09:15",
        "li",
        "office",
        "@yangfan 今天下午三点前把周报发给我，急",
        "yang",
        3,
        (4, "14:45"),
    ),
    Plan(4, "10:00", "wangkz", "sec2", "@zhaolei 下周一上午前准备好例会材料", "zhao", 150),
    Plan(4, "11:00", "li", "office", "@chenjing 下周五前完成年终总结初稿", "chen", 20),
]
# The hand-over target acknowledges and finishes: (minutes after the hand-over, done at).
HANDED_ACK, HANDED_DONE = 10, (3, "14:00")


@dataclass(frozen=True)
class NoticePlan:
    day: int
    at: str
    by: str
    where: str
    text: str
    confirms: dict[str, tuple[int, str] | None]  # who → (day, "HH:MM") they press 收到; None never


NOTICES = [
    NoticePlan(
        0,
        "16:00",
        "li",
        "office",
        "大家 周三下午三点在三楼会议室开全体会议，请准时参加",
        {
            "zhangkz": (0, "16:05"),
            "wangkz": (0, "16:10"),
            "liu": (0, "16:03"),
            "chen": (0, "16:20"),
            "yang": None,
            "zhao": (1, "10:00"),
            "sun": (0, "16:40"),
            "zhou": (0, "16:02"),
        },
    ),
    NoticePlan(
        2,
        "10:00",
        "zhangkz",
        "sec1",
        "一科 周四上午十点在二楼小会议室开科务会",
        {"liu": (2, "10:05"), "chen": (2, "10:40"), "yang": None},
    ),
]
ROSTER = (2, "09:55", "zhangkz", "sec1", "/roster new 一科 @liuyang @chenjing @yangfan")


def at(day: int, hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(MONDAY + timedelta(days=day), dtime(h, m), tzinfo=SH)


# ----- what the bot said -------------------------------------------------------------------------
@dataclass
class Said:
    """One new bot message, when (simulated) and in answer to whom."""

    at: datetime
    msg: BotMessage
    actor: int | None  # the person whose action this step was (None: the clock)
    setup: bool = False

    @property
    def text(self) -> str:
        return self.msg.text

    def buttons(self) -> list[str]:
        rows = (self.msg.reply_markup or {}).get("inline_keyboard", [])
        return [str(b.get("text", "")) for row in rows for b in row]


@dataclass(order=True)
class Event:
    when: datetime
    order: int
    name: str = field(compare=False)
    actor: str = field(compare=False)
    run: Callable[[], Awaitable[object]] = field(compare=False)


class Week:
    def __init__(self, runner: BotRunner) -> None:
        self.runner = runner
        self.fake: FakeBotAPI = runner.fake
        self.clock = runner.clock  # a ManualClock
        self.users: dict[str, FakeUser] = {}
        self.groups: dict[str, FakeChat] = {}
        self.said: list[Said] = []
        self.events: list[Event] = []
        self._order = 0
        self._seq = 0
        self._mark = -1
        self.numbers: dict[int, int] = {}  # script index → task number
        self.misses: list[str] = []
        self.done_counts: Counter[str] = Counter()
        self.t_ticks = self.t_actions = 0.0
        self.stragglers = 0  # bot tasks still running 30 s after a step (should stay 0)

    # -- plumbing
    def schedule(
        self, when: datetime, name: str, actor: str, run: Callable[[], Awaitable[object]]
    ) -> None:
        self._order += 1
        heapq.heappush(self.events, Event(when, self._order, name, actor, run))

    def collect(self, actor: int | None, *, setup: bool = False) -> list[Said]:
        if self.fake.mark() == self._mark:
            return []  # nothing sent or edited since the last look
        self._mark = self.fake.mark()
        new = []
        for msg in self.fake.bot_messages():
            if msg.seq > self._seq:
                new.append(Said(self.clock.now(), msg, actor, setup))
        if new:
            self._seq = max(s.msg.seq for s in new)
            # One step's sends to different people race each other; a stable order for the log.
            new.sort(key=lambda s: (s.msg.chat_id, s.msg.seq))
        self.said += new
        return new

    def _activity(self) -> tuple[int, int, int]:
        fake = self.fake
        return fake.mark(), len(fake.callback_answers), fake.pending_updates()

    async def settle(self) -> None:
        """Until every update is handled and the bot stayed quiet for QUIET seconds."""
        fake, app = self.fake, self.runner.app
        deadline = time.monotonic() + 20
        last, since = self._activity(), time.monotonic()
        while time.monotonic() < deadline:
            if fake.pending_updates():
                await asyncio.sleep(0.005)
                continue
            if app is not None:
                await asyncio.wait_for(app.update_queue.join(), 20)
            now_activity = self._activity()
            if now_activity != last:
                last, since = now_activity, time.monotonic()
            elif time.monotonic() - since >= QUIET:
                return
            await asyncio.sleep(0.01)

    async def background(self, before: set[asyncio.Task[Any]]) -> None:
        """Wait for the tasks the bot started since `before` (sends it did not await, the
        notice pump pacing itself in wall-clock time), so that the simulated clock stands
        still until the bot is done with this step. PTB's own long poll is left alone."""
        current = asyncio.current_task()
        pending = {
            t
            for t in asyncio.all_tasks()
            if t not in before and t is not current and not _is_polling(t)
        }
        if pending:
            _, late = await asyncio.wait(pending, timeout=30)
            self.stragglers += len(late)

    async def act(self, who: str, run: Callable[[], object], *, setup: bool = False) -> list[Said]:
        t0 = time.monotonic()
        before = asyncio.all_tasks()
        run()
        await self.settle()
        await self.background(before)
        self.t_actions += time.monotonic() - t0
        return self.collect(self.users[who].id, setup=setup)

    def chat(self, where: str, who: str) -> FakeChat:
        if where == "private":
            return self.fake.private_chat(self.users[who])
        return self.groups[where]

    def find_button(self, uid: int, data: str) -> tuple[BotMessage, str] | None:
        """The newest message with a button whose data is `data` (a task button may carry the
        task's revision after it: `t:ack:3@1`), and that button's data."""
        for msg in reversed(self.fake.bot_messages(uid)):
            rows = (msg.reply_markup or {}).get("inline_keyboard", [])
            for b in (b for row in rows for b in row):
                found = str(b.get("callback_data") or "")
                if found == data or found.startswith(data + "@"):
                    return msg, found
        return None

    async def press(self, who: str, data: str, what: str) -> bool:
        user = self.users[who]
        found = self.find_button(user.id, data)
        if found is None:
            self.misses.append(
                f"{self.clock.now():%a %H:%M} {user.first_name}: no button {data} ({what})"
            )
            return False
        msg, pressed = found
        await self.act(who, lambda: self.fake.press(user, msg, pressed))
        self.done_counts[what] += 1
        return True

    # -- the office
    async def set_up(self) -> None:
        fake = self.fake
        for m in CAST:
            self.users[m.key] = fake.add_user(m.uid, m.name, username=m.username)
        for key, (cid, title, members) in GROUPS.items():
            self.groups[key] = fake.add_group(
                cid,
                title,
                members=[self.users[k] for k in members],
                admins=[self.users["li"]] if key == "office" else [],
            )
        for m in CAST:
            user = self.users[m.key]
            await self.act(
                m.key,
                partial(fake.send_message, user, fake.private_chat(user), "/start"),
                setup=True,
            )
        for key, (_, _, members) in GROUPS.items():
            for k in members:
                user = self.users[k]
                await self.act(
                    k,
                    partial(fake.send_message, user, self.groups[key], "大家好"),
                    setup=True,
                )

    def plan(self) -> None:
        for i, p in enumerate(SCRIPT):
            self.schedule(at(p.day, p.at), f"task {i + 1}", p.by, partial(self.create, i, p))
        for k, n in enumerate(NOTICES):
            self.schedule(at(n.day, n.at), f"notice {k + 1}", n.by, partial(self.notify, n))
        day, hhmm, who, where, text = ROSTER
        self.schedule(
            at(day, hhmm),
            "roster",
            who,
            lambda: self.say(who, where, text),
        )

    async def say(self, who: str, where: str, text: str) -> list[Said]:
        user, chat = self.users[who], self.chat(where, who)
        return await self.act(who, lambda: self.fake.send_message(user, chat, text))

    async def create(self, i: int, p: Plan) -> None:
        text = f"/task {p.text}" if p.where != "private" else p.text
        said = await self.say(p.by, p.where, text)
        number = next(
            (int(m.group(1)) for s in said for m in [re.search(r"已记下 #(\d+)", s.text)] if m),
            None,
        )
        if number is None:
            self.misses.append(f"task {i + 1}: no confirmation for {text!r}")
            return
        self.numbers[i] = number
        doer = p.to or p.by
        created = self.clock.now()
        if p.ack is not None and p.to is not None:
            self.schedule(
                created + timedelta(minutes=p.ack),
                f"ack #{number}",
                doer,
                lambda: self.press(doer, f"t:ack:{number}", "收到 (ack)"),
            )
        if p.done is not None:
            self.schedule(at(*p.done), f"done #{number}", doer, lambda: self.finish(doer, number))
        if p.hand is not None:
            day, hhmm, to = p.hand
            self.schedule(
                at(day, hhmm), f"hand #{number}", doer, lambda: self.hand(doer, number, to)
            )

    async def finish(self, who: str, number: int) -> None:
        if not await self.press(who, f"t:done:{number}", "完成 (done)"):
            self.misses.pop()
            await self.say(who, "private", f"/done #{number}")
            self.done_counts["/done"] += 1

    async def hand(self, who: str, number: int, to: str) -> None:
        if not await self.press(who, f"t:hand:{number}", "转交 (hand over)"):
            return
        user = self.users[who]
        target = self.users[to]
        for msg in reversed(self.fake.bot_messages(user.id)):
            rows = (msg.reply_markup or {}).get("inline_keyboard", [])
            for b in (b for row in rows for b in row):
                if target.first_name in str(b.get("text")) and b.get("callback_data"):
                    data = str(b["callback_data"])
                    await self.act(who, partial(self.fake.press, user, msg, data))
                    self.done_counts["转交 → person"] += 1
                    now = self.clock.now()
                    self.schedule(
                        now + timedelta(minutes=HANDED_ACK),
                        f"ack #{number}",
                        to,
                        lambda: self.press(to, f"t:ack:{number}", "收到 (ack)"),
                    )
                    self.schedule(
                        at(*HANDED_DONE), f"done #{number}", to, lambda: self.finish(to, number)
                    )
                    return
        self.misses.append(f"hand #{number}: no button for {target.first_name}")

    async def notify(self, n: NoticePlan) -> None:
        said = await self.say(n.by, n.where, f"/notify {n.text}")
        number = next(
            (int(m.group(1)) for s in said for m in [re.search(r"通知 第 (\d+) 号", s.text)] if m),
            None,
        )
        if number is None:
            self.misses.append(f"notice {n.text[:10]}: no tracking message")
            return
        for who, when in n.confirms.items():
            if when is not None:
                self.schedule(
                    at(*when),
                    f"confirm notice {number}",
                    who,
                    partial(self.confirm, who, number),
                )

    async def confirm(self, who: str, number: int) -> None:
        user = self.users[who]
        for msg in reversed(self.fake.bot_messages(user.id)):
            rows = (msg.reply_markup or {}).get("inline_keyboard", [])
            for b in (b for row in rows for b in row):
                data = str(b.get("callback_data") or "")
                if data.startswith((f"n:confirm:{number}:", f"n:ok:{number}:")):
                    await self.act(who, partial(self.fake.press, user, msg, data))
                    self.done_counts["收到 (notice)"] += 1
                    return
        self.misses.append(f"confirm notice {number}: no button for {user.first_name}")

    async def run(self) -> None:
        await self.set_up()
        self.clock.set(FROM)
        self.plan()
        now = FROM
        while now < UNTIL:
            while self.events and self.events[0].when <= now:
                event = heapq.heappop(self.events)
                await event.run()
            now += timedelta(minutes=1)
            self.clock.set(now)
            t0 = time.monotonic()
            before = asyncio.all_tasks()
            await self.runner.tick()
            await self.background(before)
            self.t_ticks += time.monotonic() - t0
            self.collect(None)
        await self.settle()
        self.collect(None)


def _is_polling(task: asyncio.Task[Any]) -> bool:
    """PTB's getUpdates loop (it lives as long as the bot; waiting for it would cost a poll)."""
    name = getattr(task.get_coro(), "__qualname__", "")
    return name.startswith("Updater.") or name == "Event.wait"


# ----- reading the messages ----------------------------------------------------------------------
_DIGITS = re.compile(r"\d+")
_NUM = re.compile(r"#(\d+)")
_NOTICE = re.compile(r"通知(?:（| )第 ?(\d+) ?号")


def normalised(text: str) -> str:
    return _DIGITS.sub("#", html.unescape(text).replace("（补发）", ""))


_DIGEST_SECTIONS = (
    ("overdue", "🔴 已逾期（"),
    ("due-today", "📅 今天到期（"),
    ("unacked", "📭 还没确认收到（"),
    ("upcoming", "🗓 未来三天（"),
    ("handed", "📤 你交办的"),
)
# A task message's head: (prefix, kind, a fact of the day), first match wins.
_TASK_HEADS: tuple[tuple[str, str, bool], ...] = (
    ("📥 新任务", "assigned", False),
    ("📥 转交给你", "assigned", False),
    ("📥 交办人改派给你", "assigned", False),
    ("✅ 已记下", "created", False),
    ("👌", "acked", False),
    ("⏰ 提醒：#", "due-soon", False),
    ("⏰ 提醒：", "reminder", False),
    ("⏰ 即将开始", "reminder", False),
    ("🔔", "due-now", False),
    ("🔴", "overdue", True),
    ("⚠️ 你交办的", "overdue", True),
    ("📭 还没确认收到", "unacked", True),
    ("📭", "unacked", True),
    ("👉", "handed", False),
)


def facts(text: str, day: date) -> set[tuple[Any, ...]]:
    """The facts a message states (see the module docstring)."""
    lines = text.splitlines()
    head = lines[0] if lines else ""
    if head.startswith("🌅 早报"):
        return _digest_facts(lines[1:], day) or {("digest", day)}
    if head.startswith("📊 本周总结"):
        return {("week", day)}
    notice = _notice_fact(head, day)
    if notice is not None:
        return {notice}
    return _task_facts(head, day)


def _digest_facts(lines: list[str], day: date) -> set[tuple[Any, ...]]:
    """A digest's lines: each task under its section; a handed task by the state it is in."""
    out: set[tuple[Any, ...]] = set()
    section = ""
    current: int | None = None
    for line in lines:
        s = line.strip()
        section = next((key for key, label in _DIGEST_SECTIONS if s.startswith(label)), section)
        m = re.match(r"#(\d+) ", s)
        if m:
            current = int(m.group(1))
            out.add((section, current, day))
        elif section == "handed" and current is not None and "：" in s:
            state = s.split("：", 1)[1]
            if "未确认收到" in state:
                out.add(("unacked", current, day))
            elif "已逾期" in state:
                out.add(("overdue", current, day))
    return out


def _notice_fact(head: str, day: date) -> tuple[Any, ...] | None:
    """What a message about notice k says, or None (not a notice's message)."""
    notice = _NOTICE.search(head)
    if not notice:
        return None
    k = int(notice.group(1))
    if head.startswith(("📢", "🔔")):
        return ("notice", k)
    if head.startswith("✏️ 通知已更改"):
        return ("notice-changed", k)
    if "会议即将开始" in head:
        return ("meeting-soon", k)
    if head.startswith("⚠️"):
        return ("notice-missing", k, day)
    if head.startswith("📋"):
        return ("notice-tracking", k)
    if head.startswith("🗑"):
        return ("notice-cancelled", k)
    return None


def _task_facts(head: str, day: date) -> set[tuple[Any, ...]]:
    """What a message about a task (its first #n) says, by its head."""
    nums = [int(x) for x in _NUM.findall(head)]
    if not nums:
        return set()
    n = nums[0]
    for prefix, kind, daily in _TASK_HEADS:
        if head.startswith(prefix):
            return {(kind, n, day) if daily else (kind, n)}
    if head.startswith("✅") and "已完成" in head:
        return {("done", n)}
    return {(normalised(head), n)}


def recipients(said: Said, by_username: dict[str, int]) -> list[int]:
    """The people a message is for: its private chat, or the people a group message mentions."""
    if said.msg.chat_id > 0:
        return [said.msg.chat_id]
    out = []
    for ent in said.msg.entities or []:
        user = ent.get("user") if isinstance(ent, dict) else None
        if isinstance(user, dict) and user.get("id") in BY_UID:
            out.append(int(user["id"]))
    for name in re.findall(r"@(\w+)", said.text.splitlines()[0] if said.text else ""):
        if name in by_username:
            out.append(by_username[name])
    return sorted(set(out))


def exempt_off_hours(said: Said) -> str | None:
    """Why an off-hours message may go out anyway, or None."""
    text = said.text
    if "🔴 紧急" in text:
        return "urgent"
    if any("知道了" in b for b in said.buttons()):
        return "reminder"
    if text.startswith(("⏰ 即将开始", "⏰ 会议即将开始")) or re.match(r"⏰ 提醒：[^#]", text):
        return "reminder"
    if text.startswith("📊 本周任务图"):
        return "the weekly summary's chart, sent right after it (the person chose that time)"
    return None


def off_hours(moment: datetime) -> bool:
    local = moment.astimezone(SH)
    if local.weekday() >= 5:
        return True
    t = local.time()
    return t < WORK_START or t > WORK_END


@dataclass
class Verdict:
    said: Said
    person: int
    push: bool
    repeat: str | None = None
    kind: str = ""  # of the repeated fact (or "same text")
    off: str | None = None  # "off-hours" | "digest"


def judge(said: list[Said]) -> list[Verdict]:
    by_username = {m.username: m.uid for m in CAST}
    known: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
    texts: dict[int, set[tuple[str, tuple[int, ...]]]] = defaultdict(set)
    out = []
    for s in said:
        day = s.at.astimezone(SH).date()
        f = facts(s.text, day)
        nums = tuple(sorted(set(_NUM.findall(s.text.splitlines()[0] if s.text else "")))) or tuple(
            sorted(set(_NOTICE.findall(s.text)))
        )
        norm = normalised(s.text)
        for uid in recipients(s, by_username):
            v = Verdict(s, uid, push=s.actor != uid)
            if not s.setup and v.push:
                if f and f <= known[uid]:
                    v.repeat = "every fact already told: " + ", ".join(
                        sorted(str(x[:2]) for x in f)
                    )
                    v.kind = "+".join(sorted({str(x[0]) for x in f}))
                elif nums and (norm, nums) in texts[uid]:
                    v.repeat = "same text as before about " + ",".join(f"#{n}" for n in nums)
                    v.kind = "same text"
                if off_hours(s.at):
                    if s.text.startswith("🌅 早报"):
                        v.off = "digest"
                    elif exempt_off_hours(s) is None:
                        v.off = "off-hours"
            known[uid] |= f
            if nums:
                texts[uid].add((norm, nums))
            out.append(v)
    return out


# ----- report ------------------------------------------------------------------------------------
def report(week: Week, verdicts: list[Verdict], examples: int, elapsed: float) -> None:
    counted = [v for v in verdicts if not v.said.setup and FROM <= v.said.at <= UNTIL]
    pushes: dict[tuple[int, int], int] = Counter()
    totals: dict[tuple[int, int], int] = Counter()
    for v in counted:
        d = (v.said.at.astimezone(SH).date() - MONDAY).days
        totals[(v.person, d)] += 1
        if v.push:
            pushes[(v.person, d)] += 1
    print("== office week: Mon 30 Nov 08:00 → Fri 4 Dec 20:00, 9 people, 40 tasks, 2 notices ==")
    created = len(week.numbers)
    print(
        f"script: {created}/{len(SCRIPT)} tasks created, "
        + ", ".join(f"{k} ×{n}" for k, n in sorted(week.done_counts.items()))
        + f"; simulated in {elapsed:.0f} s (ticks {week.t_ticks:.0f} s, actions "
        f"{week.t_actions:.0f} s, stragglers {week.stragglers})"
    )
    for miss in week.misses:
        print("  script miss:", miss)
    print()
    print("messages per person per work day: pushes (all incl. replies)")
    print(f"  {'':<8}{'role':<7}" + "".join(f"{d:>10}" for d in DAYS) + f"{'week':>10}")
    for m in CAST:
        cells = [f"{pushes[(m.uid, d)]} ({totals[(m.uid, d)]})" for d in range(5)]
        week_p = sum(pushes[(m.uid, d)] for d in range(5))
        week_t = sum(totals[(m.uid, d)] for d in range(5))
        print(
            f"  {m.name:<6}{m.role:<7}"
            + "".join(f"{c:>10}" for c in cells)
            + f"{f'{week_p} ({week_t})':>10}"
        )
    group_posts: Counter[tuple[int, int]] = Counter()
    for s in week.said:
        if not s.setup and s.msg.chat_id < 0 and FROM <= s.at <= UNTIL:
            group_posts[(s.msg.chat_id, (s.at.astimezone(SH).date() - MONDAY).days)] += 1
    for _key, (cid, title, _) in GROUPS.items():
        cells = [str(group_posts[(cid, d)]) for d in range(5)]
        print(
            f"  群{title:<5}{'group':<7}"
            + "".join(f"{c:>10}" for c in cells)
            + f"{sum(group_posts[(cid, d)] for d in range(5)):>10}"
        )
    cells_p = [pushes[(m.uid, d)] for m in CAST for d in range(5)]
    cells_t = [totals[(m.uid, d)] for m in CAST for d in range(5)]
    repeats = [v for v in counted if v.repeat]
    offs = [v for v in counted if v.off == "off-hours"]
    digests = [v for v in counted if v.off == "digest"]
    empty = [
        v for v in counted if v.said.text.startswith("🌅 早报") and "今天没有待办" in v.said.text
    ]
    lead_p, lead_at = _busiest("leader", pushes)
    staff_p, staff_at = _busiest("staff", pushes)
    head_p, head_at = _busiest("head", pushes)
    print()
    print("== office-week figures ==")
    rows = [
        ("pushes per person-day: max / median", f"{max(cells_p)} / {statistics.median(cells_p):g}"),
        (
            "all messages per person-day: max / median",
            f"{max(cells_t)} / {statistics.median(cells_t):g}",
        ),
        ("leader, busiest day (pushes; target ≤ 12)", f"{lead_p} ({lead_at})"),
        ("section heads, busiest day (pushes)", f"{head_p} ({head_at})"),
        ("staff, busiest day (pushes; target ≤ 8)", f"{staff_p} ({staff_at})"),
        ("messages repeating a fact already told (target 0)", str(len(repeats))),
        ("off-hours, not urgent, not a reminder (target 0)", str(len(offs))),
        ("morning digests before 09:00 (at the digest time)", str(len(digests))),
        ("  of them empty (spec: not sent unless asked for)", str(len(empty))),
        (
            "messages in the week (to people / group posts)",
            f"{sum(cells_t)} / {sum(group_posts.values())}",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    kinds = Counter(v.kind for v in repeats)
    if kinds:
        print("  repeats by fact: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    heads = Counter(_kind(v.said.text) for v in repeats)
    if heads:
        print("  repeats by message: " + ", ".join(f"{k} {n}" for k, n in heads.most_common()))
    okinds = Counter(_kind(v.said.text) for v in offs)
    if okinds:
        print("  off-hours by kind: " + ", ".join(f"{k} {n}" for k, n in okinds.most_common()))
    if examples:
        print()
        print(f"examples (first {examples} of each):")
        for v in repeats[:examples]:
            print(f"  repeat   {_line(v)}  — {v.repeat}")
        for v in offs[:examples]:
            print(f"  off-hour {_line(v)}")


def _busiest(role: str, table: dict[tuple[int, int], int]) -> tuple[int, str]:
    """The most messages someone of `role` had on one day, and who and when."""
    return max(
        (table[(m.uid, d)], f"{m.name} {DAYS[d]}") for m in CAST if m.role == role for d in range(5)
    )


def _kind(text: str) -> str:
    head = text.splitlines()[0] if text else ""
    head = _DIGITS.sub("#", head)
    return re.split(r"[（(：:]", head, maxsplit=1)[0][:18].strip()


def _line(v: Verdict) -> str:
    who = BY_UID[v.person].name if v.person in BY_UID else str(v.person)
    head = (v.said.text.splitlines() or [""])[0]
    return f"{v.said.at:%a %H:%M} → {who}: {head[:60]}"


def print_log(week: Week) -> None:
    print("== every message ==")
    for s in week.said:
        if s.setup:
            continue
        where = BY_UID[s.msg.chat_id].name if s.msg.chat_id in BY_UID else f"群{s.msg.chat_id}"
        why = "reply to " + BY_UID[s.actor].name if s.actor in BY_UID else "clock"
        head = s.text.replace("\n", " ⏎ ")
        print(f"{s.at:%a %H:%M} → {where} [{why}] {head[:150]}")
    print()


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-week-") as tmp:
        # tick=1 day: the wall-clock tick never fires again; the week ticks every simulated minute.
        runner = BotRunner(Path(tmp) / "data", paced=False, tick=timedelta(days=1))
        runner.clock.set(START)  # BotRunner's own ManualClock (no import of the clock module)
        await runner.start()
        t0 = time.monotonic()
        week = Week(runner)
        try:
            await week.run()
        finally:
            await runner.stop()
        elapsed = time.monotonic() - t0
    if args.log:
        print_log(week)
    report(week, judge(week.said), args.examples, elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--log", action="store_true", help="print every message of the week")
    parser.add_argument("--examples", type=int, default=12, help="examples of repeats/off-hours")
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
