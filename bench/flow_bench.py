"""Update/delivery path figures (issue #12): `officebot run` as a subprocess against the fake Bot
API, production rate limiter, real clock and real HTTP timeouts. Prints figures; asserts nothing.

    .venv/bin/python bench/flow_bench.py                 # every part (~4 min)
    .venv/bin/python bench/flow_bench.py --only burst,slow

bystander  one person sends 10 tasks, then another sends /start: seconds to that reply.
burst      50 people x 20 private tasks, round-robin, all at once: confirmations per second
           (all of them / first send to last confirmation), p50/p99 send → confirmation.
sigterm    the same 1,000 queued, SIGTERM once 100 are confirmed: seconds to exit, exit code;
           after a restart: tasks never confirmed (lost), confirmed twice (duplicated).
slow       100 tasks from 20 people; 10 % of sendMessage answers 5 s late (the fake carries the
           message out at once), then 15 s: duplicate messages, tasks never confirmed.
kill       200 tasks from 10 people, one per 0.1 s, while the process is SIGKILLed at 5 random
           instants and started again: tasks dropped (never confirmed) and duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.sim.fake_api import FakeBotAPI, FakeUser

ROOT = Path(__file__).resolve().parents[1]
BOT_ROOT = ROOT  # --bot-root: run another checkout's bot (e.g. to compare with main)
TITLE = re.compile(r"#(\d+) 核对报表(\d+)")  # single 已记下 #n or a bundled 已记下（k）


def _env(fake: FakeBotAPI, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OFFICEBOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_API_FILE_URL=fake.file_url,
        OFFICEBOT_DATA_DIR=str(data),
        PYTHONPATH=str(BOT_ROOT),
    )
    return env


def _spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=env,
            cwd=BOT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _confirmed(fake: FakeBotAPI) -> dict[int, list[float]]:
    """Title number → the fake's time of each confirmation of it."""
    sends = {}
    for c in fake.calls_to("sendMessage"):
        result = c.response.get("result") if c.ok else None
        if isinstance(result, dict):
            sends[(result["chat"]["id"], result["message_id"])] = c
    out: dict[int, list[float]] = {}
    for m in fake.bot_messages():
        hit = TITLE.search(m.text)
        if hit:
            call = sends.get((m.chat_id, m.message_id))
            at = (call.at + call.duration) if call else time.monotonic()
            out.setdefault(int(hit.group(2)), []).append(at)
    return out


def _duplicate_messages(fake: FakeBotAPI) -> int:
    seen = Counter((m.chat_id, m.text) for m in fake.bot_messages())
    return sum(n - 1 for n in seen.values() if n > 1)


async def _wait(pred: Callable[[], bool], within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if pred():
            return True
        await asyncio.sleep(0.05)
    return pred()


def _people(fake: FakeBotAPI, n: int, base: int) -> list[FakeUser]:
    return [fake.add_user(base + i, f"同事{i}") for i in range(n)]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def _started(
    fake: FakeBotAPI, proc_env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    proc = _spawn(proc_env, log)
    probe = fake.add_user(9_999_000 + random.randrange(999), "探针")
    fake.send_message(probe, fake.private_chat(probe), "/start")
    await fake.wait_for_message(probe.id, contains="你好", timeout=60)
    return proc


def _stop(
    proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, within: float = 10.0
) -> tuple[int, float]:
    """Signal, wait up to `within` s (a supervisor's stop timeout), then SIGKILL."""
    started = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.returncode, time.monotonic() - started


async def bystander(tmp: Path) -> None:
    with FakeBotAPI() as fake:
        proc = await _started(fake, _env(fake, tmp / "data"), tmp / "bot.log")
        try:
            busy, other = _people(fake, 2, 1000)
            for i in range(10):
                fake.send_message(busy, fake.private_chat(busy), f"周五前核对报表{i}")
            sent = time.monotonic()
            fake.send_message(other, fake.private_chat(other), "/start")
            await fake.wait_for_message(other.id, contains="你好", timeout=60)
            waited = time.monotonic() - sent
            await _wait(lambda: len(_confirmed(fake)) >= 10, 60)
            print(
                f"bystander  /start answered after {waited:.2f} s while another chat had 10 tasks"
            )
        finally:
            _stop(proc)


async def burst(tmp: Path, *, sigterm: bool) -> None:
    with FakeBotAPI() as fake:
        env = _env(fake, tmp / "data")
        proc = await _started(fake, env, tmp / "bot.log")
        people = _people(fake, 50, 2000)
        base = fake.mark()  # bot messages so far (the probe's)
        sent_at: dict[int, float] = {}
        n = 0
        for _round in range(20):
            for u in people:
                fake.send_message(u, fake.private_chat(u), f"周五前核对报表{n}")
                sent_at[n] = time.monotonic()
                n += 1
        first = min(sent_at.values())
        if not sigterm:
            await _wait(lambda: fake.mark() >= base + n, 300)
            conf = _confirmed(fake)
            last = max(t for ts in conf.values() for t in ts)
            lat = [conf[k][0] - sent_at[k] for k in conf]
            print(
                f"burst      {len(conf)}/{n} confirmed, {len(conf) / (last - first):.1f} "
                f"confirmations/s; send → confirmation p50 {_pct(lat, 0.5):.1f} s, "
                f"p99 {_pct(lat, 0.99):.1f} s; duplicate messages {_duplicate_messages(fake)}"
            )
            _stop(proc)
            return
        await _wait(lambda: len(_confirmed(fake)) >= 100, 120)
        before = len(_confirmed(fake))
        code, took = _stop(proc)
        proc = await _started(fake, env, tmp / "bot.log")
        await _wait(lambda: len(_confirmed(fake)) >= n, 300)
        await asyncio.sleep(2)
        conf = _confirmed(fake)
        lost = n - len(conf)
        dup = sum(len(v) - 1 for v in conf.values())
        print(
            f"sigterm    1,000 queued, SIGTERM after {before} confirmed: exit {code} after "
            f"{took:.2f} s; after a restart lost {lost}, duplicated {dup}"
        )
        _stop(proc)


async def slow(tmp: Path, seconds: float) -> None:
    with FakeBotAPI() as fake:
        proc = await _started(fake, _env(fake, tmp / f"data{seconds:.0f}"), tmp / "bot.log")
        try:
            fake.answer_late("sendMessage", seconds, fraction=0.1, seed=12)
            people = _people(fake, 20, 3000)
            for i in range(100):
                u = people[i % len(people)]
                fake.send_message(u, fake.private_chat(u), f"周五前核对报表{i}")
            await _wait(lambda: len(_confirmed(fake)) >= 100, 180)
            await asyncio.sleep(seconds + 2)
            conf = _confirmed(fake)
            print(
                f"slow {seconds:>4.0f}s 10 % of sends answered {seconds:.0f} s late "
                f"({fake.late_answers} calls): duplicate messages {_duplicate_messages(fake)}, "
                f"never confirmed {100 - len(conf)}"
            )
        finally:
            _stop(proc)


async def kill(tmp: Path) -> None:
    rng = random.Random(7)
    with FakeBotAPI() as fake:
        env = _env(fake, tmp / "data")
        proc = await _started(fake, env, tmp / "bot.log")
        people = _people(fake, 10, 4000)
        total = 200
        kills = sorted(rng.sample(range(10, total - 10), 5))
        for i in range(total):
            u = people[i % len(people)]
            fake.send_message(u, fake.private_chat(u), f"周五前核对报表{i}")
            await asyncio.sleep(0.1)
            if i in kills:
                proc.kill()
                proc.wait()
                proc = _spawn(env, tmp / "bot.log")
        await _wait(lambda: len(_confirmed(fake)) >= total, 180)
        await asyncio.sleep(2)
        conf = _confirmed(fake)
        dup = sum(len(v) - 1 for v in conf.values())
        print(
            f"kill       {total} tasks, {len(kills)} x kill -9: dropped {total - len(conf)}, "
            f"duplicated {dup}, duplicate messages {_duplicate_messages(fake)}"
        )
        _stop(proc)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="bystander,burst,sigterm,slow,kill")
    parser.add_argument("--bot-root", type=Path, default=ROOT)
    args = parser.parse_args()
    parts = set(args.only.split(","))
    global BOT_ROOT
    BOT_ROOT = args.bot_root.resolve()
    with tempfile.TemporaryDirectory() as root:
        tmp = Path(root)
        if "bystander" in parts:
            await bystander(tmp / "b")
        if "burst" in parts:
            await burst(tmp / "u", sigterm=False)
        if "sigterm" in parts:
            await burst(tmp / "t", sigterm=True)
        if "slow" in parts:
            await slow(tmp / "s", 5.0)
            await slow(tmp / "s", 15.0)
        if "kill" in parts:
            await kill(tmp / "k")


if __name__ == "__main__":
    asyncio.run(main())
