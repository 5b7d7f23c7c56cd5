"""Storage benchmark: add, update and read-one-queue as the stored history grows.

    .venv/bin/python bench/storage_bench.py [--sizes 1000,10000,100000] [--ops 300]

For each size a data directory is bulk-built through storage.mapping (no per-task fsync), then
opened with the real Database and measured. Writes include the full durable path (temp file,
fsync, rename, directory fsync).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

from bot.core.clock import ManualClock
from bot.core.models import OutboxEntry
from bot.people.models import Person
from bot.tasks.models import Assignee, Priority, Status, Task, TaskEvent
from storage import (
    Database,
    mapping,
)
from storage.archive import month_of

ZONE = timezone(timedelta(hours=8))
NOW = datetime(2025, 6, 30, 10, 0, tzinfo=ZONE)
GROUPS = 40
PEOPLE = 400
MEMBERS_PER_GROUP = 20
PRIVATE_SHARE = 0.2
OPEN_SHARE = 0.1
HISTORY_DAYS = 365
APPLIED_PER_SHARD = 2000
PROBE_USER = 999_999  # has exactly PROBE_QUEUE open tasks at every size
PROBE_QUEUE = 10
PEOPLE_IDS = [10_000 + i for i in range(PEOPLE)]
GROUP_IDS = [-1_000_000_000_000 - g for g in range(GROUPS)]


def members(group_index: int) -> list[int]:
    # Spread people over groups: each person sits in about two groups.
    return [
        PEOPLE_IDS[(group_index * (PEOPLE // GROUPS) + k * 7) % PEOPLE]
        for k in range(MEMBERS_PER_GROUP)
    ]


def make_task(rng: random.Random, number: int, finished: bool, probe: bool = False) -> Task:
    if probe or rng.random() >= PRIVATE_SHARE:
        g = rng.randrange(GROUPS)
        people = members(g)
        chat_id, space = GROUP_IDS[g], f"g{GROUP_IDS[g]}"
        assigner = rng.choice(people)
        assignees = tuple(Assignee(user_id=u) for u in rng.sample(people, rng.choice((1, 1, 2))))
    else:
        assigner = rng.choice(PEOPLE_IDS)
        chat_id, space = assigner, f"p{assigner}"
        assignees = (Assignee(user_id=rng.choice(PEOPLE_IDS)),)
    if probe:
        assignees = (Assignee(user_id=PROBE_USER),)
    age = timedelta(days=rng.uniform(0, HISTORY_DAYS) if finished else rng.uniform(0, 20))
    created = NOW - age - timedelta(days=1)
    updated = created + timedelta(hours=rng.uniform(1, 20))
    events = [TaskEvent(at=created, actor=assigner, action="created")]
    if rng.random() < 0.7:
        events.append(
            TaskEvent(
                at=created + timedelta(hours=1),
                actor=assignees[0].user_id or 0,
                action="acknowledged",
            )
        )
    if finished:
        events.append(
            TaskEvent(at=updated, actor=assignees[0].user_id or 0, action="done", note="ok")
        )
    return Task(
        number=number,
        space=space,
        chat_id=chat_id,
        title=f"Prepare the quarterly report part {number} for the office",
        assigner=assigner,
        assignees=assignees,
        created_at=created,
        due=created + timedelta(days=3) if rng.random() < 0.6 else None,
        priority=rng.choice(list(Priority)),
        status=Status.DONE if finished else rng.choice((Status.OPEN, Status.ACKNOWLEDGED)),
        source_message_id=number * 3,
        events=tuple(events),
        reminder_state={"nags": 1} if not finished and rng.random() < 0.3 else {},
        updated_at=updated,
    )


def populate(data_dir: Path, size: int, rng: random.Random) -> None:
    """Write the shard and archive files directly, in the Database's own layout."""
    shards: dict[str, dict[str, dict[str, object]]] = {}
    archive: dict[str, list[bytes]] = {}
    seq = 0
    open_count = int(size * OPEN_SHARE)
    for number in range(1, size + 1):
        probe = number <= PROBE_QUEUE
        finished = not probe and number > open_count
        task = make_task(rng, number, finished, probe=probe)
        doc = mapping.task_to_dict(task)
        if finished:
            seq += 1
            line = orjson.dumps({"seq": seq, "task": doc}) + b"\n"
            archive.setdefault(month_of(task, NOW), []).append(line)
        else:
            tables = shards.setdefault(task.space, {})
            tables.setdefault("tasks", {})[str(number)] = doc
    for g in GROUP_IDS:  # a busy group's steady state: its newest update ids
        tables = shards.setdefault(f"g{g}", {})
        tables["applied"] = {"1": {"ids": list(range(APPLIED_PER_SHARD))}}
    (data_dir / "spaces").mkdir(parents=True)
    (data_dir / "archive").mkdir()
    for space, tables in shards.items():
        (data_dir / "spaces" / f"{space}.json").write_bytes(orjson.dumps(tables))
    for month, lines in archive.items():
        (data_dir / "archive" / f"{month}.jsonl").write_bytes(b"".join(lines))
    people = {str(u): mapping.to_dict(_person(u)) for u in PEOPLE_IDS}
    (data_dir / "people.json").write_bytes(orjson.dumps({"people": people}))


def _person(user_id: int) -> Person:
    return Person(user_id=user_id, username=f"user{user_id}", first_name="P", started=True)


LABELS = {
    "add": "add",
    "update": "update",
    "read": "read-queue (probe)",
    "read_any": "read-queue (anyone)",
}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Result:
    build_s: float
    first_open_s: float
    open_s: float
    largest_group_live: int
    samples: dict[str, list[float]]

    def p50(self, op: str) -> float:
        return percentile(self.samples[op], 0.5)


def measure(size: int, ops: int, seed: int) -> Result:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="officebot-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        t0 = time.perf_counter()
        populate(data_dir, size, rng)
        build_s = time.perf_counter() - t0
        clock = ManualClock(NOW)

        db = Database(data_dir, clock=clock)
        t0 = time.perf_counter()
        db.open()
        first_open_s = time.perf_counter() - t0  # includes a backup of every shard
        db.close()
        db = Database(data_dir, clock=clock)
        t0 = time.perf_counter()
        db.open()
        open_s = time.perf_counter() - t0
        try:
            spaces = [s for s in db.spaces() if s.startswith("g")]
            largest = max(len(db.tasks_in_chat(int(s[1:]))) for s in spaces)
            add, update, read, read_any = [], [], [], []
            update_id = 10**9
            live = [t for t in db.live_tasks() if t.space.startswith("g")]
            for i in range(ops):
                update_id += 1
                number = db.next_task_number()
                task = replace(make_task(rng, number, False), created_at=NOW, updated_at=NOW)
                entry = OutboxEntry(
                    id=f"b{number}",
                    space=task.space,
                    created_at=NOW,
                    template="task_assigned",
                    params={"number": number},
                    to_user=task.assignees[0].user_id,
                )
                t0 = time.perf_counter()
                with db.transaction(task.space, update_id=update_id) as tx:
                    tx.put_task(task)
                    tx.put_outbox(entry)
                add.append(time.perf_counter() - t0)

                update_id += 1
                old = live[i % len(live)]
                changed = replace(
                    old,
                    status=Status.ACKNOWLEDGED,
                    events=(*old.events, TaskEvent(at=NOW, actor=old.assigner, action="nudged")),
                    updated_at=NOW,
                )
                live[i % len(live)] = changed
                t0 = time.perf_counter()
                with db.transaction(changed.space, update_id=update_id) as tx:
                    tx.put_task(changed)
                update.append(time.perf_counter() - t0)
            for _ in range(ops * 5):
                t0 = time.perf_counter()
                queue = db.tasks_for_assignee(PROBE_USER)
                read.append(time.perf_counter() - t0)
                assert len(queue) == PROBE_QUEUE
                who = rng.choice(PEOPLE_IDS)
                t0 = time.perf_counter()
                db.tasks_for_assignee(who)
                read_any.append(time.perf_counter() - t0)
        finally:
            db.close()
    return Result(
        build_s=build_s,
        first_open_s=first_open_s,
        open_s=open_s,
        largest_group_live=largest,
        samples={"add": add, "update": update, "read": read, "read_any": read_any},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--ops", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(
        f"population: {GROUPS} groups x {MEMBERS_PER_GROUP} members drawn from {PEOPLE} people; "
        f"{PRIVATE_SHARE:.0%} of tasks in private spaces (p<assigner>), the rest in groups;\n"
        f"{OPEN_SHARE:.0%} of stored tasks open (live shards), the rest archived over "
        f"{HISTORY_DAYS} days; every group shard holds {APPLIED_PER_SHARD} applied update ids;\n"
        f"probe person with exactly {PROBE_QUEUE} open tasks at every size (read-queue); "
        f"add = new task + outbox entry + update_id, update = task changed + update_id;\n"
        f"{args.ops} adds, {args.ops} updates, {args.ops * 5} reads per size. Times in ms."
    )
    results: dict[int, Result] = {}
    for size in sizes:
        r = results[size] = measure(size, args.ops, args.seed)
        print(
            f"\n{size:>7} stored  (bulk build {r.build_s:.1f} s; open {r.open_s * 1000:.0f} ms, "
            f"first open with backups {r.first_open_s * 1000:.0f} ms; "
            f"largest group shard {r.largest_group_live} live tasks)"
        )
        for op, label in LABELS.items():
            samples = r.samples[op]
            print(
                f"  {label:<20} p50 {percentile(samples, 0.5) * 1000:8.3f}"
                f"  p90 {percentile(samples, 0.9) * 1000:8.3f}"
                f"  mean {statistics.fmean(samples) * 1000:8.3f}"
            )
    lo, hi = min(sizes), max(sizes)
    big = results[hi]
    checks = [
        ("write p50 <= 5 ms", max(big.p50("add"), big.p50("update")) <= 0.005),
        ("read-queue p50 <= 1 ms", big.p50("read") <= 0.001),
    ]
    if lo != hi:
        print(f"\nratios {hi}/{lo} (p50):")
        for op in ("add", "update", "read"):
            ratio = big.p50(op) / results[lo].p50(op)
            print(f"  {op:<8} {ratio:5.2f}")
            checks.append((f"{op} ratio <= 2", ratio <= 2))
    print(
        f"\ntargets at {hi}: " + ", ".join(f"{n}: {'ok' if ok else 'MISSED'}" for n, ok in checks)
    )
    print(f"generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {sys.platform}")


if __name__ == "__main__":
    main()
