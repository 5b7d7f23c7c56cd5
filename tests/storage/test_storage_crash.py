"""kill -9 at random moments: every file still parses, and every reported commit is there."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from bot.tasks.models import Status
from storage import Database

REPO = Path(__file__).resolve().parents[2]

# The child commits in a tight loop and reports each commit only after commit() returned.
CHILD = """
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.core.models import OutboxEntry
from bot.people.models import Person
from bot.tasks.models import Assignee, Status, Task
from storage import Database

data_dir, base = Path(sys.argv[1]), int(sys.argv[2])
zone = timezone(timedelta(hours=8))
db = Database(data_dir)
db.open()
update_id = base
live = [t.number for t in db.live_tasks()]
spaces = ["g-1", "g-2", "p3"]
i = 0
while True:
    i += 1
    update_id += 1
    now = datetime.now(zone)
    number = db.next_task_number()
    space = spaces[number % 3]
    task = Task(number=number, space=space, chat_id=-1 if space == "g-1" else -2 if space == "g-2" else 3,
                title=f"t{number} " + "x" * (number % 50), assigner=1,
                assignees=(Assignee(user_id=2),), created_at=now, updated_at=now)
    with db.transaction(space, update_id=update_id) as tx:
        tx.put_task(task)
        tx.put_outbox(OutboxEntry(id=f"e{number}", space=space, created_at=now, template="t", to_user=2))
        tx.table("notes").insert({"n": number})
    print("new", number, update_id, flush=True)
    live.append(number)
    if i % 3 == 0:
        victim = db.get_task(live.pop(0))
        update_id += 1
        with db.transaction(victim.space, update_id=update_id) as tx:
            tx.put_task(replace(victim, status=Status.DONE, updated_at=now))
        print("done", victim.number, update_id, flush=True)
    if i % 7 == 0:
        db.put_person(Person(user_id=number, username=f"u{number}"))
        print("person", number, 0, flush=True)
"""


def run_and_kill(data_dir: Path, base: int, rng: random.Random) -> list[tuple[str, int, int]]:
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), str(base)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None
        first = child.stdout.readline()  # it is up and committing
        assert first, child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0.02, 0.4))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        assert child.returncode == -signal.SIGKILL
    reported = []
    for line in (first + rest).decode().splitlines(keepends=True):
        if line.endswith("\n"):  # a line cut by the kill was not reported
            kind, number, update_id = line.split()
            reported.append((kind, int(number), int(update_id)))
    return reported


def check_files_parse(data_dir: Path) -> None:
    for path in data_dir.rglob("*.json"):
        if path.parent.name != "backups":
            orjson.loads(path.read_bytes())
    for path in (data_dir / "archive").glob("*.jsonl"):
        for line in path.read_bytes().splitlines():
            orjson.loads(line)


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_no_reported_commit(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    reported: list[tuple[str, int, int]] = []
    for round_ in range(6):
        reported += run_and_kill(data_dir, base=(round_ + 1) * 1_000_000, rng=rng)

        with Database(data_dir) as db:  # open() cuts torn tails and removes temp files
            check_files_parse(data_dir)
            for kind, number, update_id in reported:
                where = f"seed {seed}, round {round_}: {kind} #{number}"
                if kind == "person":
                    assert db.get_person(number) is not None, where
                    continue
                task = db.get_task(number)
                assert task is not None, where
                assert db.applied(update_id), where
                if kind == "done":
                    assert task.status is Status.DONE, where
                    assert number not in {t.number for t in db.live_tasks()}, where
            assert len(db.live_tasks()) == len({t.number for t in db.live_tasks()})
    assert len(reported) > 20, f"seed {seed}: the child hardly ran"
