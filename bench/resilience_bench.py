"""Resilience benchmark (issue #12 "Never drop, never stall"): the real bot against the fake
Bot API under crashes, bursts, big notices and a slow Telegram. Prints figures; asserts nothing.

    .venv/bin/python bench/resilience_bench.py                  # all four parts, quick (~4 min)
    .venv/bin/python bench/resilience_bench.py --only kill,slow # some of them
    .venv/bin/python bench/resilience_bench.py --full --only burst   # the issue's sizes, per part
    .venv/bin/python bench/resilience_bench.py --tasks 600 --kills 20 --people 100 \\
        --notify 50,200,1000,3000 --slow-tasks 300              # bigger runs

Default sizes: kill 300 tasks / 10 kills, burst 20 people × 20, notify 50 and 200, slow 50
tasks. `--full` (the issue's sizes): burst 50 × 20, notify 50, 200 and 1,000, slow 100 tasks;
all four parts then take ~8 minutes, so run them one `--only` at a time (each stays under ~4
minutes).

Parts (kill, burst and slow run `officebot run` as a subprocess, with the production rate
limiter, real clock and real HTTP timeouts; notify runs the bot in this process through
`bot.sim.runner.BotRunner` so its event loop and its file writes can be watched):

kill    300 tasks (private plain text `周五前核对报表 N`, every tenth one `/task @x 周五前核对报表 N`
        in a group), one every 0.15 s from 12 people, while the bot process is SIGKILLed at 10
        random instants and started again at once on the same data dir. After the last start
        the bot is given time to drain. A task is *confirmed* when a message `已记下 #k 核对报表 N`
        reached a chat; *dropped* = sent but never confirmed; *missing in data* = no task with
        that title in the data files (spaces/*.json, archive/*.jsonl; backups/ left out);
        *duplicated* = one title under two or more task numbers (in the messages or in the
        data); *duplicate messages* = the same text delivered twice to the same chat. Every data
        file (*.json, *.jsonl lines, backups included) is parsed right after each kill and at the
        end.
burst   N people (20; --full 50) each send 20 private tasks back to back (round-robin: all
        the updates are queued at once). Figures: confirmations per second (all confirmations /
        from the first send to the last confirmation), p50/p99 from a task's send to its confirmation reaching the fake
        (the fake's own request time + duration), and a bystander's /start → reply time: a
        /start every 0.2 s during the burst, rotating over 10 bystanders so that no chat asks
        more than once per 2 s (one chat asking every 0.2 s would measure Telegram's 1 message/s
        per chat limit, not the bot). Then the same burst again with SIGTERM once half of it is
        confirmed: seconds until the process exits, and after a restart how many sent tasks are
        never confirmed (lost) or duplicated.
notify  /notify 大家 … in groups of 50, 200 (and, --full, 1,000) people (all started the bot
        and spoke in the group). Per notice, from the command until the last private notice is
        delivered plus 1 s: files opened for writing under the data dir, write calls and bytes
        written to files there (builtins open / io.open and os.write wrapped), os.replace and
        os.fsync calls on data-dir files, and the kernel's write_bytes of this process
        (/proc/self/io) as a cross-check that also sees what the wrappers cannot (mmap, C
        extensions); event-loop lag of a 10 ms heartbeat task in the bot's loop (lateness of
        each wake-up: p50/p99/max; the fake server runs on threads of the same process, so GIL
        contention is part of it); time from the command to the last private notice delivered,
        against n/30 s (Telegram's ~30 messages/s ceiling). Set-up (1,000 /start) runs with an
        unpaced limiter, the notices with the production one.
slow    10 % of sendMessage answers held back 5 s (then, a second run, 15 s) by the fake, which
        still carries the message out (Telegram: the message was sent, the answer was late).
        50 tasks (--full 100; 4 in 5 private, 1 in 5 `/task` in two groups), one every 0.1 s;
        the two runs go side by side (each its own fake and bot; they mostly wait). Figures:
        duplicate messages (same text to the same chat twice), tasks never confirmed, calls
        delayed, and when the last task was confirmed (a late answer holds up the bot's update
        handling; PTB gives up on an answer after 5 s).

The bot's settings make every hour a work hour (OFFICEBOT_WORKDAY=00:00-23:59, every day a
work day) so quiet hours never hold a message back whenever the bench runs.
"""

from __future__ import annotations

import argparse
import asyncio
import builtins
import contextlib
import html
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.ext import BaseRateLimiter
from typing_extensions import override  # typing.override from Python 3.12 on

from bot.core.ratelimit import OVERALL_RATE
from bot.sim.fake_api import FakeBotAPI, FakeChat, FakeUser
from bot.sim.runner import BotRunner

SH = ZoneInfo("Asia/Shanghai")
TITLE = "核对报表 {n}"
CONFIRM_RE = re.compile(r"#(\d+) 核对报表 (\d+)(?!\d)")  # single or in a bundled 已记下（k）
TITLE_RE = re.compile(r"核对报表 (\d+)")
TAG_RE = re.compile(r"<[^>]+>")
_BIN = Path(sys.executable).with_name("officebot")
OFFICEBOT = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "bot.cli"]

FIGURES: list[tuple[str, str, str]] = []


def figure(part: str, name: str, value: str) -> None:
    FIGURES.append((part, name, value))
    print(f"  {name:<52} {value}")


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# ----- what the fake saw -------------------------------------------------------------------------
def plain(text: str) -> str:
    return html.unescape(TAG_RE.sub("", text))


@dataclass(frozen=True)
class Sent:
    """One successful sendMessage as the fake served it."""

    done: float  # time.monotonic() when the fake answered
    chat_id: int
    text: str


def sends(fake: FakeBotAPI, since: float = 0.0) -> list[Sent]:
    out = []
    for call in fake.calls_to("sendMessage"):
        if call.ok and call.at >= since:
            try:
                chat = int(str(call.params.get("chat_id")))
            except ValueError:
                continue
            out.append(Sent(call.at + call.duration, chat, plain(str(call.params.get("text", "")))))
    out.sort(key=lambda s: s.done)
    return out


def confirmations(fake: FakeBotAPI, since_seq: int = 0) -> dict[int, set[int]]:
    """Title number -> task numbers the bot confirmed it under (from the delivered messages)."""
    out: dict[int, set[int]] = defaultdict(set)
    for msg in fake.bot_messages(after=since_seq):
        for m in CONFIRM_RE.finditer(msg.text):
            out[int(m.group(2))].add(int(m.group(1)))
    return out


def first_confirmation(fake: FakeBotAPI, since: float) -> dict[int, float]:
    """Title number -> when its first confirmation reached the fake."""
    out: dict[int, float] = {}
    for s in sends(fake, since):
        for m in CONFIRM_RE.finditer(s.text):
            out.setdefault(int(m.group(2)), s.done)
    return out


def fetched_updates(fake: FakeBotAPI) -> tuple[dict[int, int], int]:
    """(title number -> update id, as getUpdates handed it out; highest offset confirmed)."""
    titles: dict[int, int] = {}
    confirmed = 0
    for call in fake.calls_to("getUpdates"):
        offset = call.params.get("offset")
        with contextlib.suppress(TypeError, ValueError):
            confirmed = max(confirmed, int(str(offset)))
        for update in call.response.get("result") or []:
            text = str((update.get("message") or {}).get("text") or "")
            m = TITLE_RE.search(text)
            if m:
                titles.setdefault(int(m.group(1)), int(update["update_id"]))
    return titles, confirmed


def duplicate_messages(fake: FakeBotAPI, since_seq: int = 0) -> int:
    """Messages whose exact text was already delivered to the same chat (re-sends)."""
    seen = Counter((m.chat_id, m.text) for m in fake.bot_messages(after=since_seq) if not m.deleted)
    return sum(n - 1 for n in seen.values() if n > 1)


# ----- what the data dir holds -------------------------------------------------------------------
def _walk(value: Any, found: dict[int, set[int]]) -> None:
    if isinstance(value, dict):
        title, number = value.get("title"), value.get("number")
        if isinstance(title, str) and isinstance(number, int) and "assignees" in value:
            m = TITLE_RE.fullmatch(title)
            if m:
                found[int(m.group(1))].add(number)
        for v in value.values():
            _walk(v, found)
    elif isinstance(value, list):
        for v in value:
            _walk(v, found)


def scan_data(data_dir: Path) -> tuple[dict[int, set[int]], list[str], int]:
    """(title number -> task numbers found in the live data, unreadable files, files checked).

    Tasks are any JSON object with a title, a number and assignees, outside backups/.
    """
    found: dict[int, set[int]] = defaultdict(set)
    bad: list[str] = []
    checked = 0
    if not data_dir.is_dir():
        return found, bad, checked
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.name.endswith(".tmp"):
            continue
        rel = str(path.relative_to(data_dir))
        in_backups = rel.startswith("backups")
        if path.suffix == ".json":
            checked += 1
            try:
                doc = json.loads(path.read_bytes())
            except (OSError, ValueError):
                bad.append(rel)
                continue
            if not in_backups:
                _walk(doc, found)
        elif path.suffix == ".jsonl":
            checked += 1
            lines = path.read_bytes().split(b"\n")
            for i, line in enumerate(lines):
                if not line.strip():
                    continue
                try:
                    doc = json.loads(line)
                except ValueError:
                    bad.append(f"{rel}:{i + 1}")
                    continue
                if not in_backups:
                    _walk(doc, found)
    return found, bad, checked


# ----- the bot as a process ----------------------------------------------------------------------
def bot_env(fake: FakeBotAPI, data: Path) -> dict[str, str]:
    """Production settings, except that every moment of these days is work time."""
    now = datetime.now(SH)
    days = sorted({(now + timedelta(days=k)).date().isoformat() for k in range(-1, 4)})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OFFICEBOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_API_FILE_URL=fake.file_url,
        OFFICEBOT_DATA_DIR=str(data),
        OFFICEBOT_WORKDAY="00:00-23:59",
        OFFICEBOT_HOLIDAYS="none",
        OFFICEBOT_EXTRA_WORKDAYS=",".join(days),
        OFFICEBOT_DIGEST_TIME=(now + timedelta(hours=12)).strftime("%H:%M"),
    )
    return env


class BotProcess:
    """`officebot run` against the fake; stderr goes to a log file beside the data dir."""

    def __init__(self, fake: FakeBotAPI, root: Path) -> None:
        self.data = root / "data"
        self.env = bot_env(fake, self.data)
        self.cwd = root
        self.log_path = root / "bot.log"
        self._log: IO[bytes] = open(self.log_path, "ab")  # noqa: SIM115 - closed in close()
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [*OFFICEBOT, "run"],
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self.starts += 1

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    async def terminate(self, timeout: float = 60.0) -> float | None:  # noqa: ASYNC109
        """SIGTERM; seconds until the process exited (None: still running after `timeout`,
        then killed)."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return 0.0
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(proc.wait, timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        return time.monotonic() - started

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    async def close(self) -> None:
        await self.terminate(20)
        self._log.close()

    def log_errors(self, lines: int = 10) -> list[str]:
        """The bot's ERROR lines and tracebacks (its log is otherwise start/stop lines)."""
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            return []
        found = [ln for ln in text.splitlines() if " ERROR " in ln or "Traceback" in ln]
        return found[:lines]


async def started(fake: FakeBotAPI, users: list[FakeUser], timeout: float = 60) -> None:  # noqa: ASYNC109
    """Each user taps Start in their private chat; wait for every greeting."""
    mark = fake.mark()
    for u in users:
        fake.send_message(u, fake.private_chat(u), "/start")
    ids = {u.id for u in users}

    def greeted() -> bool:
        got = {m.chat_id for m in fake.bot_messages(after=mark) if "你好" in m.text}
        return ids <= got

    await fake.wait_for(greeted, timeout=timeout, interval=0.05)


async def settle(fake: FakeBotAPI, quiet: float = 1.0, limit: float = 60.0) -> None:
    """Until no update is pending and the bot has sent nothing for `quiet` seconds."""
    deadline = time.monotonic() + limit
    last, since = fake.mark(), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        now_mark = fake.mark()
        if fake.pending_updates() or now_mark != last:
            last, since = now_mark, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


async def wait_confirmed(
    fake: FakeBotAPI,
    want: set[int],
    *,
    since_seq: int,
    stall: float,
    limit: float,
) -> float:
    """Wait until every title in `want` is confirmed, or nothing new came for `stall` s.

    Returns when the last new confirmation arrived (time.monotonic())."""
    deadline = time.monotonic() + limit
    seen = 0
    last = time.monotonic()
    while time.monotonic() < deadline:
        got = set(confirmations(fake, since_seq))
        if want <= got:
            return time.monotonic()
        if len(got) != seen:
            seen, last = len(got), time.monotonic()
        elif time.monotonic() - last >= stall:
            break
        await asyncio.sleep(0.25)
    return last


def office(
    fake: FakeBotAPI, base: int, staff: int, groups: int
) -> tuple[list[FakeUser], list[FakeUser], list[FakeChat]]:
    """`staff` people and one leader per group; the staff split over the groups."""
    people = [
        fake.add_user(base + i, f"同事{i + 1}", username=f"staff{base + i}") for i in range(staff)
    ]
    leaders = []
    chats = []
    for g in range(groups):
        leader = fake.add_user(base + 900 + g, f"主任{g + 1}", username=f"lead{base + g}")
        members = [leader, *people[g::groups]]
        chats.append(fake.add_group(-(10**12) - base - g, f"科室{g + 1}", members=members))
        leaders.append(leader)
    return people, leaders, chats


def assign(
    fake: FakeBotAPI,
    i: int,
    every: int,
    staff: list[FakeUser],
    leaders: list[FakeUser],
    chats: list[FakeChat],
) -> None:
    """Task `i + 1`: every `every`-th one a leader's /task in a group (the groups and their
    members in turn), the rest a colleague's own in private."""
    title = f"周五前{TITLE.format(n=i + 1)}"
    if i % every == 0:
        g = (i // every) % len(chats)
        chat = chats[g]
        members = [u for u in staff if u.id in chat.members]
        member = members[(i // (2 * every)) % len(members)]
        fake.send_message(leaders[g], chat, f"/task @{member.username} {title}")
    else:
        u = staff[i % len(staff)]
        fake.send_message(u, fake.private_chat(u), title)


async def introduce(fake: FakeBotAPI, chats: list[FakeChat], users: list[FakeUser]) -> int:
    """Everyone says hello in their groups (the bot learns who is where; it says nothing)."""
    by_id = {u.id: u for u in users}
    said = 0
    for chat in chats:
        for uid in list(chat.members):
            if uid in by_id:
                fake.send_message(by_id[uid], chat, "大家好")
                said += 1
    await settle(fake, quiet=0.5)
    return said


# ----- part 1: kill storm ------------------------------------------------------------------------
async def part_kill(tasks: int, kills: int, seed: int) -> None:
    print(f"== kill: {tasks} tasks, SIGKILL at {kills} random instants ==")
    rng = random.Random(seed)
    interval = 0.15
    with tempfile.TemporaryDirectory(prefix="bench-kill-") as tmp, FakeBotAPI() as fake:
        root = Path(tmp)
        bot = BotProcess(fake, root)
        staff, leaders, chats = office(fake, 3000, 12, 2)
        bot.start()
        try:
            await started(fake, [*staff, *leaders])
            await introduce(fake, chats, [*staff, *leaders])
            mark = fake.mark()
            span = tasks * interval
            slots = max(kills, int(span / 0.5) - 2)
            kill_at = sorted(0.5 + 0.5 * s for s in rng.sample(range(1, slots + 1), kills))
            sent: set[int] = set()
            bad_after_kill: list[str] = []
            checks = 0
            start = time.monotonic()
            k = 0
            for i in range(tasks):
                n = i + 1
                when = start + i * interval
                while k < len(kill_at) and start + kill_at[k] <= when:
                    await asyncio.sleep(max(0.0, start + kill_at[k] - time.monotonic()))
                    bot.kill()
                    _, bad, _ = scan_data(bot.data)
                    checks += 1
                    bad_after_kill += bad
                    bot.start()
                    k += 1
                await asyncio.sleep(max(0.0, when - time.monotonic()))
                assign(fake, i, 10, staff, leaders, chats)
                sent.add(n)
            while k < len(kill_at):  # instants after the last send (rounding)
                bot.kill()
                checks += 1
                bad_after_kill += scan_data(bot.data)[1]
                bot.start()
                k += 1
            sent_done = time.monotonic()
            last = await wait_confirmed(fake, sent, since_seq=mark, stall=10, limit=150)
            code = await bot.terminate(30)
        finally:
            await bot.close()
        conf = confirmations(fake, mark)
        in_data, bad_end, files = scan_data(bot.data)
        dropped = sorted(sent - set(conf))
        missing = sorted(sent - set(in_data))
        dup = sorted(
            n for n in sent if len(conf.get(n, set())) > 1 or len(in_data.get(n, set())) > 1
        )
        figure("kill", "tasks sent", str(len(sent)))
        figure("kill", "SIGKILLs (bot started again at once)", f"{kills} ({bot.starts} starts)")
        figure("kill", "tasks dropped (never confirmed)", f"{len(dropped)} {dropped[:10] or ''}")
        figure("kill", "tasks missing from the data files", f"{len(missing)} {missing[:10] or ''}")
        figure(
            "kill", "tasks duplicated (one title, ≥2 task numbers)", f"{len(dup)} {dup[:10] or ''}"
        )
        figure(
            "kill", "duplicate messages (same text, same chat)", str(duplicate_messages(fake, mark))
        )
        figure(
            "kill",
            "data files unreadable after a kill / at the end",
            f"{len(bad_after_kill)} in {checks} checks / {len(bad_end)} of {files} files",
        )
        figure("kill", "drain after the last send (last confirmation)", f"{last - sent_done:.1f} s")
        figure("kill", "final SIGTERM → exit", "timeout" if code is None else f"{code:.2f} s")
        if dropped:
            fetched, offset = fetched_updates(fake)
            handed = [n for n in dropped if n in fetched and fetched[n] < offset]
            print(
                f"   of the dropped: {len(handed)} had been handed to the bot by getUpdates (and "
                "confirmed by a later offset, so never sent again), yet were never applied"
            )
        if bad_after_kill or bad_end:
            print("   unreadable:", sorted(set(bad_after_kill + bad_end))[:10])
        errors = bot.log_errors()
        if errors:
            print("   bot log errors:\n     " + "\n     ".join(errors))


# ----- part 2: burst -----------------------------------------------------------------------------
@dataclass
class Burst:
    fake: FakeBotAPI
    people: list[FakeUser]
    per_person: int
    bystanders: list[FakeUser]
    sent_at: dict[int, float] = field(default_factory=dict)
    asks: list[tuple[int, float]] = field(default_factory=list)  # bystander id, when
    mark: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def send_all(self) -> None:
        fake = self.fake
        self.mark = fake.mark()
        n = 0
        for _ in range(self.per_person):
            for u in self.people:
                n += 1
                self.sent_at[n] = time.monotonic()
                fake.send_message(u, fake.private_chat(u), f"周五前{TITLE.format(n=n)}")

    async def bystand(self, every: float = 0.2) -> None:
        i = 0
        while not self.stop.is_set():
            b = self.bystanders[i % len(self.bystanders)]
            self.asks.append((b.id, time.monotonic()))
            self.fake.send_message(b, self.fake.private_chat(b), "/start")
            i += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), every)

    def bystander_waits(self) -> tuple[list[float], int]:
        """Each bystander /start paired in order with the greetings it got: (waits, unanswered)."""
        first = self.asks[0][1] if self.asks else 0.0
        replies: dict[int, list[float]] = defaultdict(list)
        ids = {b.id for b in self.bystanders}
        for s in sends(self.fake, first):
            if s.chat_id in ids and "你好" in s.text:
                replies[s.chat_id].append(s.done)
        asked: dict[int, list[float]] = defaultdict(list)
        for uid, at in self.asks:
            asked[uid].append(at)
        waits: list[float] = []
        missing = 0
        for uid, times in asked.items():
            got = replies.get(uid, [])
            waits += [r - a for a, r in zip(times, got, strict=False)]
            missing += max(0, len(times) - len(got))
        return waits, missing


async def part_burst(people: int, per_person: int) -> None:
    total = people * per_person
    print(f"== burst: {people} people × {per_person} tasks = {total}, back to back ==")
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as tmp, FakeBotAPI() as fake:
        bot = BotProcess(fake, Path(tmp))
        cast = [
            fake.add_user(5000 + i, f"同事{i + 1}", username=f"burst{5000 + i}")
            for i in range(people)
        ]
        watchers = [fake.add_user(5900 + i, f"旁人{i + 1}") for i in range(10)]
        bot.start()
        try:
            await started(fake, [*cast, *watchers], timeout=120)
            await settle(fake, quiet=0.5)
            burst = Burst(fake, cast, per_person, watchers)
            t0 = time.monotonic()
            burst.send_all()
            watching = asyncio.ensure_future(burst.bystand())
            await wait_confirmed(
                fake, set(burst.sent_at), since_seq=burst.mark, stall=30, limit=total / 5 + 60
            )
            burst.stop.set()
            await watching
            await settle(fake, quiet=1.0, limit=60)
        finally:
            await bot.close()
        conf = first_confirmation(fake, t0)
        waits = [conf[n] - at for n, at in burst.sent_at.items() if n in conf]
        end = max(conf.values()) if conf else t0
        figure("burst", "tasks sent / confirmed", f"{total} / {len(conf)}")
        figure("burst", "confirmations per second", f"{len(conf) / max(end - t0, 1e-9):.1f}")
        figure(
            "burst",
            "send → confirmation p50 / p99",
            f"{pct(waits, 50):.2f} s / {pct(waits, 99):.2f} s",
        )
        b_waits, b_missing = burst.bystander_waits()
        figure(
            "burst",
            "bystander /start → reply p50 / p99 / max",
            f"{pct(b_waits, 50):.2f} / {pct(b_waits, 99):.2f} / {max(b_waits, default=float('nan')):.2f} s"
            f"  ({len(burst.asks)} asks, {b_missing} unanswered)",
        )

    print(f"== burst + SIGTERM once half of {total} is confirmed ==")
    with tempfile.TemporaryDirectory(prefix="bench-term-") as tmp, FakeBotAPI() as fake:
        bot = BotProcess(fake, Path(tmp))
        cast = [
            fake.add_user(5000 + i, f"同事{i + 1}", username=f"burst{5000 + i}")
            for i in range(people)
        ]
        bot.start()
        exit_s: float | None = None
        try:
            await started(fake, cast, timeout=120)
            await settle(fake, quiet=0.5)
            burst = Burst(fake, cast, per_person, [])
            burst.send_all()
            await fake.wait_for(
                lambda: len(confirmations(fake, burst.mark)) >= total // 2,
                timeout=total / 5 + 60,
                interval=0.1,
            )
            at_term = len(confirmations(fake, burst.mark))
            exit_s = await bot.terminate(60)
            code = bot.returncode
            at_exit = len(confirmations(fake, burst.mark))
            pending = fake.pending_updates()
            bot.start()
            await wait_confirmed(
                fake, set(burst.sent_at), since_seq=burst.mark, stall=20, limit=total / 5 + 60
            )
        finally:
            await bot.close()
        numbers = confirmations(fake, burst.mark)
        lost = sorted(set(burst.sent_at) - set(numbers))
        dup = sorted(n for n, nums in numbers.items() if len(nums) > 1)
        figure(
            "burst",
            "SIGTERM → exit",
            ("> 60 s (killed)" if exit_s is None else f"{exit_s:.2f} s (status {code})")
            + f"; confirmed {at_term} at SIGTERM, {at_exit} at exit, {pending} updates unconfirmed",
        )
        figure(
            "burst", "after restart: tasks lost (never confirmed)", f"{len(lost)} {lost[:10] or ''}"
        )
        figure("burst", "after restart: tasks duplicated", f"{len(dup)} {dup[:10] or ''}")
        figure(
            "burst", "after restart: duplicate messages", str(duplicate_messages(fake, burst.mark))
        )


# ----- part 3: notify ----------------------------------------------------------------------------
class NoLimit(BaseRateLimiter[int]):
    """For the set-up phase only: no pacing at all."""

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @override  # PTB calls it with every argument by name: the signature is PTB's
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        return await callback(*args, **kwargs)


class _CountingFile:
    """A file object that adds what is written through it to a WriteMeter."""

    def __init__(self, f: IO[Any], meter: WriteMeter) -> None:
        self._f = f
        self._meter = meter

    def write(self, data: Any) -> int:
        n: int = self._f.write(data)
        if self._meter.active:
            self._meter.writes += 1
            self._meter.bytes += len(data.encode("utf-8")) if isinstance(data, str) else len(data)
        return n

    def __enter__(self) -> _CountingFile:
        self._f.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._f.__exit__(*exc)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._f)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)


class WriteMeter:
    """Counts file writes under one directory while `active`, by wrapping open / io.open (files
    opened for writing, and every write through them, also files opened before), os.write on
    a descriptor of a file there, os.replace and os.fsync. Not seen: mmap, C extensions
    (sqlite); the kernel's write_bytes (kernel_write_bytes) covers those."""

    def __init__(self, root: Path) -> None:
        self.root = str(root.resolve())
        self.active = False
        self.opens = self.writes = self.bytes = self.replaces = self.fsyncs = 0
        self._open = builtins.open
        self._replace = os.replace
        self._fsync = os.fsync
        self._write = os.write

    def _fd_mine(self, fd: Any) -> bool:
        with contextlib.suppress(OSError, TypeError, ValueError):
            num = fd if isinstance(fd, int) else fd.fileno()
            return os.readlink(f"/proc/self/fd/{num}").startswith(self.root)
        return False

    def _mine(self, path: Any) -> bool:
        try:
            return os.path.abspath(os.fsdecode(path)).startswith(self.root)
        except TypeError:
            return False

    def install(self) -> None:
        real_open, real_replace, real_fsync = self._open, self._replace, self._fsync
        real_write = self._write

        def counting_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            f = real_open(file, mode, *args, **kwargs)
            if any(c in mode for c in "wax+") and self._mine(file):
                if self.active:
                    self.opens += 1
                return _CountingFile(f, self)
            return f

        def counting_write(fd: int, data: Any) -> int:
            n = real_write(fd, data)
            if self.active and self._fd_mine(fd):
                self.writes += 1
                self.bytes += n
            return n

        def counting_replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
            real_replace(src, dst, *args, **kwargs)
            if self.active and self._mine(dst):
                self.replaces += 1

        def counting_fsync(fd: Any) -> None:
            real_fsync(fd)
            if self.active and self._fd_mine(fd):
                self.fsyncs += 1

        builtins.open = counting_open
        io.open = counting_open  # pathlib opens through io.open
        os.replace = counting_replace
        os.fsync = counting_fsync
        os.write = counting_write

    def uninstall(self) -> None:
        builtins.open = self._open
        io.open = self._open
        os.replace = self._replace
        os.fsync = self._fsync
        os.write = self._write

    def reset(self) -> None:
        self.opens = self.writes = self.bytes = self.replaces = self.fsyncs = 0


def kernel_write_bytes() -> int:
    try:
        with open("/proc/self/io") as f:
            for line in f:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


class Heartbeat:
    """A task in the bot's loop that wakes every `period` s and records how late it woke."""

    def __init__(self, period: float = 0.01) -> None:
        self.period = period
        self.samples: list[tuple[float, float]] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t0 = loop.time()
            await asyncio.sleep(self.period)
            t1 = loop.time()
            self.samples.append((t1, t1 - t0 - self.period))

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def lags(self, start: float, end: float) -> list[float]:
        return [lag for t, lag in self.samples if start <= t <= end]


async def part_notify(sizes: list[int]) -> None:
    print(f"== notify: /notify 大家 to {', '.join(map(str, sizes))} people ==")
    biggest = max(sizes)
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
        data = Path(tmp) / "data"
        runner = BotRunner(data, rate_limiter=NoLimit())
        fake = runner.fake
        meter = WriteMeter(data)
        meter.install()
        await runner.start()
        beat = Heartbeat()
        try:
            leader = fake.add_user(7000, "李主任", username="lizhuren")
            staff = [fake.add_user(10_000 + i, f"同事{i + 1}") for i in range(biggest)]
            groups = {
                n: fake.add_group(-(10**12) - n, f"全体{n}", members=[leader, *staff[:n]])
                for n in sizes
            }
            t_setup = time.monotonic()
            await started(fake, [leader, *staff], timeout=300)
            hellos = await introduce(fake, list(groups.values()), [leader, *staff])
            # The hellos say nothing back: wait until the bot has handled every one of them
            # (else the restart leaves them in the inbox, replayed during the measurement).
            feed = runner.feed
            assert feed is not None
            await fake.wait_for(lambda: feed.in_hand == 0, timeout=300, interval=0.05)
            print(
                f"  (set-up: {biggest + 1} people started, {hellos} group hellos in "
                f"{time.monotonic() - t_setup:.1f} s, unpaced)"
            )
            runner.rate_limiter = None  # the production limiter from here on
            await runner.restart()
            beat.start()
            await asyncio.sleep(1.0)
            for n in sizes:
                ids = {u.id for u in staff[:n]}
                mark = fake.mark()
                meter.reset()
                meter.active = True
                io0 = kernel_write_bytes()
                t0 = time.monotonic()
                fake.send_message(
                    leader, groups[n], f"/notify 大家 明天上午9点在三楼会议室开会（{n} 人）"
                )

                reached: set[int] = set()
                read = [mark]

                def delivered(
                    ids: set[int] = ids, reached: set[int] = reached, read: list[int] = read
                ) -> bool:
                    # Only what came since the last look: the poll runs on the bot's own loop.
                    upto = fake.mark()
                    reached.update(
                        m.chat_id
                        for m in fake.bot_messages(after=read[0])
                        if m.chat_id in ids and "通知（第" in m.text
                    )
                    read[0] = upto
                    return len(reached) >= len(ids)

                try:
                    await fake.wait_for(delivered, timeout=n / 10 + 60, interval=0.1)
                except TimeoutError:
                    print(f"  !! not every notice of {n} arrived in time")
                times = [
                    s.done for s in sends(fake, t0) if s.chat_id in ids and "通知（第" in s.text
                ]
                first, last = min(times, default=float("nan")), max(times, default=float("nan"))
                await asyncio.sleep(1.0)
                meter.active = False
                t1 = time.monotonic()
                io1 = kernel_write_bytes()
                lags = [x * 1000 for x in beat.lags(t0, t1)]
                got = len(
                    {
                        s.chat_id
                        for s in sends(fake, t0)
                        if s.chat_id in ids and "通知（第" in s.text
                    }
                )
                figure("notify", f"n={n}: notices delivered", f"{got} / {n}")
                figure(
                    "notify",
                    f"n={n}: file writes / bytes written",
                    f"{meter.writes} / {meter.bytes / 1e6:.2f} MB"
                    f"  ({meter.opens} files opened, os.replace {meter.replaces}, fsync "
                    f"{meter.fsyncs}; kernel write_bytes {(io1 - io0) / 1e6:.2f} MB)",
                )
                figure(
                    "notify",
                    f"n={n}: event-loop lag p50 / p99 / max",
                    f"{pct(lags, 50):.1f} / {pct(lags, 99):.1f} / {max(lags, default=float('nan')):.1f} ms"
                    f"  ({len(lags)} beats)",
                )
                figure(
                    "notify",
                    f"n={n}: last notice delivered after",
                    f"{last - t0:.2f} s  (n/30 = {n / 30:.2f} s, ratio {(last - t0) / (n / 30):.2f})",
                )
                paced = (n - 1) / OVERALL_RATE  # the limiter's own ceiling, from the first send
                figure(
                    "notify",
                    f"n={n}: first notice after / first → last",
                    f"{first - t0:.2f} s / {last - first:.2f} s  ((n-1)/{OVERALL_RATE:g} = "
                    f"{paced:.2f} s, ratio {(last - first) / paced:.3f})",
                )
        finally:
            await beat.stop()
            await runner.stop()
            meter.uninstall()


# ----- part 4: slow Telegram ---------------------------------------------------------------------
async def slow_run(
    tasks: int, seconds: float, share: float, seed: int, base: int
) -> list[tuple[str, str]]:
    """One slow-Telegram run on its own fake and bot process; returns its figures."""
    label = f"{seconds:g} s"
    with tempfile.TemporaryDirectory(prefix="bench-slow-") as tmp, FakeBotAPI() as fake:
        bot = BotProcess(fake, Path(tmp))
        staff, leaders, chats = office(fake, base, 10, 2)
        bot.start()
        try:
            await started(fake, [*staff, *leaders])
            await introduce(fake, chats, [*staff, *leaders])
            mark = fake.mark()
            fake.delay("sendMessage", seconds, times=None, share=share, seed=seed)
            t0 = time.monotonic()
            sent: set[int] = set()
            for i in range(tasks):
                assign(fake, i, 5, staff, leaders, chats)
                sent.add(i + 1)
                await asyncio.sleep(0.1)
            sending = time.monotonic() - t0
            await wait_confirmed(fake, sent, since_seq=mark, stall=seconds + 20, limit=240)
            # Late answers and the bot's retries (5 s, then 30 s back-off) settle.
            await settle(fake, quiet=seconds + 8, limit=120)
            fake.clear_faults()
        finally:
            await bot.close()
        conf = confirmations(fake, mark)
        first = first_confirmation(fake, t0)
        never = sorted(sent - set(conf))
        all_in = max(first.values(), default=t0) - t0
        return [
            (
                f"{label}: sendMessage delayed / served",
                f"{len(fake.delayed_calls)} / {len(sends(fake, t0))}",
            ),
            (
                f"{label}: duplicate messages (same text, same chat)",
                str(duplicate_messages(fake, mark)),
            ),
            (f"{label}: tasks never confirmed", f"{len(never)} {never[:10] or ''}"),
            (
                f"{label}: every task confirmed after",
                f"{all_in:.1f} s  (the {tasks} tasks were sent over {sending:.1f} s)",
            ),
        ]


async def part_slow(tasks: int, delays: list[float], share: float, seed: int) -> None:
    what = " and ".join(f"{d:g} s" for d in delays)
    print(
        f"== slow: {share:.0%} of sendMessage answers late ({what}; runs side by side), {tasks} tasks =="
    )
    runs = await asyncio.gather(
        *(slow_run(tasks, d, share, seed, 8000 + 1000 * k) for k, d in enumerate(delays))
    )
    for rows in runs:
        for name, value in rows:
            figure("slow", name, value)


# ----- main --------------------------------------------------------------------------------------
PARTS = ("kill", "burst", "notify", "slow")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--only", default=",".join(PARTS), help="comma list of: " + ", ".join(PARTS)
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="the issue's sizes: burst 50 people, notify 50,200,1000, slow 100 tasks (~8 min "
        "for all parts; "
        "run parts one at a time to stay under 4 min each)",
    )
    parser.add_argument("--tasks", type=int, default=300, help="kill: tasks sent (300)")
    parser.add_argument("--kills", type=int, default=10, help="kill: SIGKILLs (10)")
    parser.add_argument("--people", type=int, help="burst: people (20; --full 50)")
    parser.add_argument("--per-person", type=int, default=20, help="burst: tasks each (20)")
    parser.add_argument("--notify", help="notify: audience sizes (50,200; --full 50,200,1000)")
    parser.add_argument("--slow-tasks", type=int, help="slow: tasks (50; --full 100)")
    parser.add_argument("--slow-delays", default="5,15", help="slow: seconds, comma list (5,15)")
    parser.add_argument("--slow-share", type=float, default=0.10, help="slow: share delayed")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    if args.people is None:
        args.people = 50 if args.full else 20
    if args.slow_tasks is None:
        args.slow_tasks = 100 if args.full else 50
    if args.notify is None:
        args.notify = "50,200,1000" if args.full else "50,200"
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(only) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    started_at = time.monotonic()
    for part in PARTS:
        if part not in only:
            continue
        if part == "kill":
            asyncio.run(part_kill(args.tasks, args.kills, args.seed))
        elif part == "burst":
            asyncio.run(part_burst(args.people, args.per_person))
        elif part == "notify":
            asyncio.run(part_notify([int(x) for x in args.notify.split(",")]))
        elif part == "slow":
            delays = [float(x) for x in args.slow_delays.split(",")]
            asyncio.run(part_slow(args.slow_tasks, delays, args.slow_share, args.seed))
    print()
    print(
        f"== resilience figures ({time.monotonic() - started_at:.0f} s; {' '.join(sys.argv[1:])}) =="
    )
    width = max((len(n) for _, n, _ in FIGURES), default=10)
    for part, name, value in FIGURES:
        print(f"{part:<7} {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
