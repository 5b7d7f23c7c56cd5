"""Scheduler benchmark: rebuild at start, an idle tick, composing digests, and a burst of
reminders paced under Telegram's limits. Prints figures; asserts nothing.

    .venv/bin/python bench/scheduler_bench.py [--pending 10000] [--digests 2000] [--burst 1000]

1. Rebuild: 10,000 pending reminders in a real data directory; time to derive every next moment
   (target <= 2 s), and the cost of one tick when nothing is due.
2. Digests: CPU time to compose 2,000 morning digests (target <= 1 s), and to render them.
3. Burst: 1,000 reminders due in the same minute, sent by the real Delivery through the real
   OfficeRateLimiter to the FakeBotAPI: when the last one arrives relative to the due time
   (target: within 1000/30 s + 2 s), how many 429s (target 0), and the most sends seen in any
   one-second window (must not exceed 30).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.render import RenderContext, Renderer
from bot.core.workdays import WorkCalendar
from bot.people.models import Person
from bot.reminders import views as reminder_views
from bot.reminders.service import Scheduler
from bot.tasks import views as task_views
from bot.tasks.models import Assignee, Kind, Priority, Status, Task, TaskEvent
from bot.tasks.service import TaskService
from storage import Database
from storage.reminders import ReminderTables

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=SH)  # a Monday
GROUPS = 40


def _world(path: Path, clock: ManualClock, settings: Settings) -> tuple[Database, Scheduler]:
    db = Database(path, clock=clock)
    db.open()
    cal = WorkCalendar.from_settings(settings)
    tasks = TaskService(db, clock, settings, cal)
    return db, Scheduler(db, clock, settings, cal, tasks, store=ReminderTables(db))


def _renderer() -> Renderer:
    """The message kinds these benchmarks send (the app collects every feature's)."""
    return Renderer((*task_views.MESSAGES, *reminder_views.MESSAGES))


def _people(db: Database, ids: list[int]) -> None:
    with db.transaction("p1") as tx:
        for uid in ids:
            tx.put_person(Person(user_id=uid, first_name=f"P{uid}", started=True))


def _task(number: int, rng: random.Random, people: list[int], now: datetime) -> Task:
    group = -1_000_000_000_000 - number % GROUPS
    assignee = rng.choice(people)
    assigner = rng.choice(people)
    created = now - timedelta(days=rng.randrange(0, 10), minutes=rng.randrange(0, 600))
    due = now + timedelta(minutes=rng.randrange(-3 * 24 * 60, 14 * 24 * 60))
    acked = rng.random() < 0.8
    return Task(
        number=number,
        space=f"g{group}",
        chat_id=group,
        title=f"任务 {number} 报送材料",
        assigner=assigner,
        assignees=(Assignee(user_id=assignee, acknowledged_at=created if acked else None),),
        created_at=created,
        due=due,
        priority=rng.choice(list(Priority)),
        status=Status.ACKNOWLEDGED if acked else Status.OPEN,
        events=(TaskEvent(at=created, actor=assigner, action="created"),),
        updated_at=created,
    )


def _bulk(db: Database, tasks: list[Task]) -> None:
    by_space: dict[str, list[Task]] = {}
    for task in tasks:
        by_space.setdefault(task.space, []).append(task)
    for space, items in by_space.items():
        with db.transaction(space) as tx:
            for task in items:
                tx.put_task(task)


def bench_rebuild(pending: int) -> None:
    print(f"== rebuild: {pending} pending tasks ==")
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(NOW)
        settings = Settings(data_dir=Path(tmp))
        db, _ = _world(Path(tmp) / "data", clock, settings)
        people = list(range(10_000, 10_400))
        _people(db, people)
        _bulk(db, [_task(db.next_task_number(), rng, people, NOW) for _ in range(pending)])
        db.close()

        t0 = time.perf_counter()
        db, scheduler = _world(Path(tmp) / "data", clock, settings)
        t1 = time.perf_counter()
        scheduler.rebuild()
        t2 = time.perf_counter()
        print(f"open data dir            {t1 - t0:7.3f} s")
        print(f"rebuild the index        {t2 - t1:7.3f} s   (target <= 2 s)")
        print(f"tasks with a next moment {scheduler.pending()}")
        # Catch up once (the overdue ones fire), then measure idle ticks.
        t3 = time.perf_counter()
        work = scheduler.run()
        t4 = time.perf_counter()
        print(
            f"first tick (catch-up)    {t4 - t3:7.3f} s   ({work.tasks} tasks, "
            f"{len(work.entries)} entries)"
        )
        ticks = 1
        while scheduler.run().tasks:  # the rest of the catch-up (MAX_PER_TICK per tick)
            ticks += 1
        print(f"catch-up done in         {ticks} ticks")
        runs = 50
        t5 = time.perf_counter()
        for i in range(runs):
            clock.set(NOW + timedelta(seconds=4 + 2 * i))
            scheduler.run()
        t6 = time.perf_counter()
        print(f"idle tick (nothing due)  {(t6 - t5) / runs * 1000:7.2f} ms")
        # Reschedule: one change picked up.
        task = db.live_tasks()[len(db.live_tasks()) // 2]
        with db.transaction(task.space) as tx:
            tx.put_task(replace(task, due=NOW + timedelta(days=3), reminder_state={}))
        t7 = time.perf_counter()
        scheduler.run()
        t8 = time.perf_counter()
        print(f"tick with one change     {(t8 - t7) * 1000:7.2f} ms")
        db.close()


def bench_digests(count: int) -> None:
    print(f"== digests: {count} people ==")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(NOW)
        settings = Settings(data_dir=Path(tmp))
        db, scheduler = _world(Path(tmp) / "data", clock, settings)
        people = list(range(20_000, 20_000 + count))
        _people(db, people)
        _bulk(db, [_task(db.next_task_number(), rng, people, NOW) for _ in range(count * 5)])
        persons = [p for p in (db.get_person(uid) for uid in people) if p is not None]
        c0 = time.process_time()
        composed = [scheduler.summaries.digest(p, NOW) for p in persons]
        c1 = time.process_time()
        ctx = RenderContext("zh", SH, NOW)
        renderer = _renderer()
        for digest in composed:
            renderer.render(digest.KIND, digest.to_json(), ctx)
        c2 = time.process_time()
        items = sum(s["count"] for digest in composed for s in digest.sections)
        print(
            f"compose {len(persons)} digests     {c1 - c0:7.3f} s CPU   (target <= 1 s; "
            f"{items} items)"
        )
        print(f"render them (zh)         {c2 - c1:7.3f} s CPU")
        db.close()


async def _burst(count: int) -> None:
    from telegram.ext import ExtBot

    from bot.core.delivery import Delivery
    from bot.core.ratelimit import OfficeRateLimiter
    from bot.sim.fake_api import FakeBotAPI

    print(f"== burst: {count} reminders due in the same minute ==")
    due = NOW.replace(hour=15)
    people = list(range(30_000, 30_000 + count // 2))
    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI() as fake:
        clock = ManualClock(NOW)
        settings = Settings(data_dir=Path(tmp), token=fake.token)
        db, scheduler = _world(Path(tmp) / "data", clock, settings)
        _people(db, people)
        for uid in people:
            user = fake.add_user(uid, f"P{uid}")
            fake.send_message(user, fake.private_chat(user), "/start")
        tasks = []
        for i in range(count):
            uid = people[i % len(people)]
            tasks.append(
                Task(
                    number=db.next_task_number(),
                    space=f"p{uid}",
                    chat_id=uid,
                    title=f"开会 {i}",
                    assigner=uid,
                    assignees=(Assignee(user_id=uid),),
                    created_at=NOW,
                    due=due + timedelta(seconds=(i * 60) // count),
                    kind=Kind.REMINDER,
                    events=(TaskEvent(at=NOW, actor=uid, action="created"),),
                    updated_at=NOW,
                )
            )
        _bulk(db, tasks)
        scheduler.rebuild()
        bot = ExtBot(
            fake.token,
            base_url=fake.base_url,
            base_file_url=fake.file_url,
            rate_limiter=OfficeRateLimiter(max_retries=3),
        )
        await bot.initialize()
        delivery = Delivery(bot, db=db, clock=clock, settings=settings, renderer=_renderer())
        fake.clear_calls()
        clock.set(due + timedelta(seconds=59))  # the minute is over: all of them are due
        start = time.monotonic()
        # As the tick step does: each committed batch starts sending while the rest is written.
        sending = []
        decided_tasks = 0
        for batch in scheduler.batches():
            decided_tasks += batch.tasks
            sending.append(asyncio.ensure_future(delivery.send(batch.entries)))
            await asyncio.sleep(0)
        decided = time.monotonic()
        await asyncio.gather(*sending)
        await delivery.drain()
        sends = [c for c in fake.calls_to("sendMessage")]
        ok = sorted(c.at for c in sends if c.ok)
        too_many = sum(1 for c in sends if c.status == 429)
        last = ok[-1] - start if ok else float("nan")
        worst, j = 0, 0
        for i, t in enumerate(ok):
            while t - ok[j] >= 1.0:
                j += 1
            worst = max(worst, i - j + 1)
        target = count / 30 + 2
        print(f"decided and stored       {decided - start:7.3f} s   ({decided_tasks} tasks)")
        print(f"sent                     {len(ok)} / {count}")
        print(f"last one sent after      {last:7.2f} s   (target <= {target:.2f} s)")
        print(f"429 responses            {too_many}")
        print(f"most sends in any 1 s    {worst}   (limit 30)")
        await bot.shutdown()
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--digests", type=int, default=2_000)
    parser.add_argument("--burst", type=int, default=1_000)
    args = parser.parse_args()
    bench_rebuild(args.pending)
    bench_digests(args.digests)
    asyncio.run(_burst(args.burst))


if __name__ == "__main__":
    main()
