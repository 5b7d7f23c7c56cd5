"""Outbox write-path benchmark: a /notify to N people, at the storage level.

    .venv/bin/python bench/outbox_bench.py [--sizes 50,200,1000] [--batch 30]

A group shard is prepared as a busy group's steady state: 100 live tasks, 2,000 applied update
ids and ~2,000 entries sent over the last two days. Then, for each N, on a fresh copy of it:
N outbox entries are created in ONE transaction (what a notice's fan-out stores), and marked
sent in delivery-sized batches (`--batch`, delivery sends ~30/s), either

  per-entry   `mark_outbox(entry)` once per message (what bot/core/delivery.py does today), or
  batch       `mark_outbox_many(batch)` once per batch (only where storage has it),
  +shard      the same, and the shard rewritten after every batch: what a design that keeps
              marks in the (lean) shard would cost, for comparison only.

Every durable write of storage is counted by wrapping `atomic_write` / `append_durable` where
storage modules use them: bytes, number of writes, time inside them, the longest one; and the
longest single storage call (a transaction or a mark: the event loop is blocked that long).
Runs unchanged on the storage before and after issue #12 (prints which API it found).
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

import storage
import storage.engine
from bot.core.clock import ManualClock
from bot.core.models import OutboxEntry
from bot.tasks.models import Assignee, Task, TaskEvent
from storage import Database, mapping

ZONE = timezone(timedelta(hours=8))
NOW = datetime(2025, 6, 30, 10, 0, tzinfo=ZONE)
GROUP = -1_001_234_567_890
SPACE = f"g{GROUP}"
HISTORY = 2000  # entries sent over the last two days
LIVE_TASKS = 100
APPLIED = 2000
TEXT = (
    "各位同事：本周五下午三点在三楼会议室召开季度工作总结会，请准时参加，"
    "并提前准备好本部门的工作汇报材料（PPT 不超过十页）。如有特殊情况不能参加，请回复说明原因。"
)


# --- counting every durable write -----------------------------------------------------------


@dataclass
class Writes:
    count: int = 0
    bytes: int = 0
    seconds: float = 0.0
    longest: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, size: int, took: float) -> None:
        self.count += 1
        self.bytes += size
        self.seconds += took
        self.longest = max(self.longest, took)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


CURRENT = Writes()


def _counted(kind: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(path: Path, data: bytes, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(path, data, *args, **kwargs)
        finally:
            CURRENT.add(f"{kind}:{Path(path).parent.name}", len(data), time.perf_counter() - t0)

    wrapper.__counted__ = True  # type: ignore[attr-defined]
    return wrapper


def instrument() -> None:
    """Wrap the durable write functions in every storage module that holds them."""
    originals = {
        "atomic_write": storage.engine.atomic_write,
        "append_durable": storage.engine.append_durable,
    }
    wrapped = {name: _counted(name, fn) for name, fn in originals.items()}
    for name, module in list(sys.modules.items()):
        if not (name == "storage" or name.startswith("storage.")) or module is None:
            continue
        for attr, fn in originals.items():
            if getattr(module, attr, None) is fn:
                setattr(module, attr, wrapped[attr])


# --- the data -------------------------------------------------------------------------------


def entry(i: int, created: datetime, prefix: str) -> OutboxEntry:
    uid = 100_000 + i
    return OutboxEntry(
        id=f"{prefix}:v1:notice:{uid}",
        space=SPACE,
        created_at=created,
        template="notice",
        params={
            "number": 7,
            "version": 1,
            "text": TEXT,
            "sender_name": "王主任",
            "meeting_at": None,
            "urgent": False,
            "kind": "notice",
            "round": 0,
        },
        to_user=uid,
    )


def sent(e: OutboxEntry, at: datetime, message_id: int) -> OutboxEntry:
    return replace(
        e, sent_at=at, sent_chat_id=e.to_user, sent_message_id=message_id, attempts=e.attempts + 1
    )


def populate(data_dir: Path, clock: ManualClock) -> None:
    tasks = {}
    for number in range(1, LIVE_TASKS + 1):
        t = Task(
            number=number,
            space=SPACE,
            chat_id=GROUP,
            title=f"准备第 {number} 份季度报告材料",
            assigner=100_001,
            assignees=(Assignee(user_id=100_002 + number % 50),),
            created_at=NOW - timedelta(days=3),
            updated_at=NOW - timedelta(days=3),
            events=(TaskEvent(at=NOW - timedelta(days=3), actor=100_001, action="created"),),
        )
        tasks[str(number)] = mapping.task_to_dict(t)
    tables = {"tasks": tasks, "applied": {"1": {"ids": list(range(APPLIED))}}}
    (data_dir / "spaces").mkdir(parents=True)
    (data_dir / "spaces" / f"{SPACE}.json").write_bytes(orjson.dumps(tables))

    # Two days of notices, 50 people each, created and delivered through the real API.
    batches = HISTORY // 50
    start = NOW - timedelta(hours=47)
    with Database(data_dir, clock=clock) as db:
        for b in range(batches):
            clock.set(start + timedelta(hours=47 * b / batches))
            made = [entry(b * 50 + i, clock.now(), f"h{b}") for i in range(50)]
            with db.transaction(SPACE) as tx:
                for e in made:
                    tx.put_outbox(e)
            done = [sent(e, clock.now(), 10_000 + b * 50 + i) for i, e in enumerate(made)]
            if hasattr(db, "mark_outbox_many"):
                db.mark_outbox_many(done)
            else:  # the old storage: the cheapest it offers, one transaction for the lot
                with db.transaction(SPACE) as tx:
                    for e in done:
                        tx.put_outbox(e)
    clock.set(NOW)


# --- the measurement ------------------------------------------------------------------------


@dataclass
class Run:
    size: int
    mode: str
    writes: Writes
    calls: list[float]
    shard_bytes: int
    open_s: float

    @property
    def longest_call(self) -> float:
        return max(self.calls)


def run(base: Path, size: int, mode: str, batch: int) -> Run:
    global CURRENT
    with tempfile.TemporaryDirectory(prefix="officebot-outbox-") as tmp:
        data_dir = Path(tmp) / "data"
        shutil.copytree(base, data_dir)
        clock = ManualClock(NOW)
        db = Database(data_dir, clock=clock)
        CURRENT = Writes()  # not the previous run's: open() may write a backup
        t0 = time.perf_counter()
        db.open()
        open_s = time.perf_counter() - t0
        CURRENT = Writes()
        calls: list[float] = []
        try:
            made = [entry(i, NOW, "n9") for i in range(size)]
            t0 = time.perf_counter()
            with db.transaction(SPACE, update_id=10**9) as tx:
                for e in made:
                    tx.put_outbox(e)
            calls.append(time.perf_counter() - t0)
            for start in range(0, size, batch):
                clock.advance(timedelta(seconds=1))
                done = [
                    sent(e, clock.now(), 900_000 + start + i)
                    for i, e in enumerate(made[start : start + batch])
                ]
                if mode in ("batch", "+shard"):
                    t0 = time.perf_counter()
                    db.mark_outbox_many(done)  # type: ignore[attr-defined]
                    if mode == "+shard":
                        with db.transaction(SPACE) as tx:
                            tx.table("bench").insert({"batch": start})
                    calls.append(time.perf_counter() - t0)
                else:
                    for e in done:
                        t0 = time.perf_counter()
                        db.mark_outbox(e)
                        calls.append(time.perf_counter() - t0)
            assert not db.pending_outbox()
            probe = db.get_outbox(made[-1].id)
            assert probe is not None and probe.sent_message_id is not None
        finally:
            db.close()
        shard = (data_dir / "spaces" / f"{SPACE}.json").stat().st_size
        return Run(size, mode, CURRENT, calls, shard, open_s)


def median_run(runs: list[Run]) -> Run:
    """The run whose longest call is the median one (times vary with the machine's load;
    bytes and write counts do not)."""
    return sorted(runs, key=lambda r: r.longest_call)[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,1000")
    parser.add_argument("--batch", type=int, default=30)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per case; the median run is shown"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    instrument()
    has_many = hasattr(Database, "mark_outbox_many")
    modes = ["per-entry", "batch", "+shard"] if has_many else ["per-entry"]
    with tempfile.TemporaryDirectory(prefix="officebot-outbox-base-") as tmp:
        base = Path(tmp) / "data"
        populate(base, ManualClock(NOW))
        shard = (base / "spaces" / f"{SPACE}.json").stat().st_size
        print(
            f"group shard before the notice: {shard / 1024:.0f} KiB ({LIVE_TASKS} live tasks, "
            f"{APPLIED} applied ids, {HISTORY} entries sent over two days, "
            f"mark_outbox_many: {'yes' if has_many else 'no'})"
        )
        print(
            f"notice to N people: 1 transaction creating N entries, marks in batches of "
            f"{args.batch}; median of {args.repeat} runs (worst longest call in brackets)"
        )
        header = (
            f"{'N':>5} {'mode':<10} {'written':>10} {'writes':>7} {'shard+log':>11} {'in writes':>10} "
            f"{'longest write':>14} {'longest call':>22} {'shard after':>12} {'open':>8}"
        )
        print(header)
        results: dict[tuple[int, str], Run] = {}
        for size in sizes:
            for mode in modes:
                runs = [run(base, size, mode, args.batch) for _ in range(args.repeat)]
                r = results[(size, mode)] = median_run(runs)
                worst = max(x.longest_call for x in runs)
                w = r.writes
                print(
                    f"{size:>5} {mode:<10} {w.bytes / 1e6:>8.2f}MB {w.count:>7} "
                    f"{w.kinds.get('atomic_write:spaces', 0):>5}+"
                    f"{w.kinds.get('append_durable:outbox', 0):<5}"
                    f"{w.seconds * 1000:>8.1f}ms {w.longest * 1000:>12.2f}ms "
                    f"{r.longest_call * 1000:>11.2f}ms ({worst * 1000:5.1f}ms) "
                    f"{r.shard_bytes / 1024:>9.0f}KiB {r.open_s * 1000:>6.0f}ms"
                )
                other = {
                    k: n
                    for k, n in w.kinds.items()
                    if k not in ("atomic_write:spaces", "append_durable:outbox")
                }
                if other:
                    print(f"{'':>17}other writes: {other}")
    best = "batch" if has_many else "per-entry"
    if 200 in sizes and 1000 in sizes:
        r200, r1000 = results[(200, best)], results[(1000, best)]
        ratio = r1000.writes.bytes / r200.writes.bytes
        worst_call = max(r.longest_call for r in results.values() if r.mode == best)
        checks = [
            ("200: <= 1 MB written", r200.writes.bytes <= 1_000_000),
            ("200: <= 20 writes", r200.writes.count <= 20),
            (f"bytes(1000)/bytes(200) = {ratio:.2f} <= 6", ratio <= 6),
            (f"longest call {worst_call * 1000:.1f} ms <= 20 ms", worst_call <= 0.020),
        ]
        print(
            f"\ntargets ({best}): "
            + ", ".join(f"{n}: {'ok' if ok else 'MISSED'}" for n, ok in checks)
        )
    print(f"generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {sys.platform}")


if __name__ == "__main__":
    main()
