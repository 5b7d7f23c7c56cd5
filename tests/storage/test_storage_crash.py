"""kill -9 at random moments: every file still parses, and every reported commit is there."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
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


# A notice to 200 at the storage level: one transaction creates the entries, delivery marks
# them in batches of 30 (a held one now and then), other changes rewrite the shard meanwhile.
# Each batch is reported before ("sending") and after ("marked") its mark returned; at start
# the child first delivers what is still pending, as the bot does.
NOTICE_CHILD = """
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.core.models import OutboxEntry
from bot.tasks.models import Assignee, Task
from storage import Database

data_dir, base = Path(sys.argv[1]), int(sys.argv[2])
zone = timezone(timedelta(hours=8))
db = Database(data_dir)
db.open()
space = "g-1"
k = 0

def deliver(entries):
    global k
    for start in range(0, len(entries), 30):
        batch = entries[start:start + 30]
        now = datetime.now(zone)
        done = []
        for e in batch:
            k += 1
            if e.to_user % 41 == 0 and e.attempts == 0:
                done.append(replace(e, failed="unreachable", attempts=1))
            else:
                done.append(replace(e, sent_at=now, sent_chat_id=e.to_user,
                                    sent_message_id=base + k, attempts=e.attempts + 1))
        print("sending", *[e.id for e in batch], flush=True)
        db.mark_outbox_many(done)
        print("marked", *[e.id for e in batch], flush=True)
        if k % 90 == 0:
            number = db.next_task_number()
            task = Task(number=number, space=space, chat_id=-1, title=f"t{number}", assigner=1,
                        assignees=(Assignee(user_id=2),), created_at=now, updated_at=now)
            with db.transaction(space) as tx:
                tx.put_task(task)
                tx.table("notes").insert({"n": number})

deliver(db.pending_outbox())
n = base
while True:
    n += 1
    now = datetime.now(zone)
    entries = [OutboxEntry(id=f"n{n}:{uid}", space=space, created_at=now, template="notice",
                           params={"text": "x" * 200, "number": n}, to_user=uid)
               for uid in range(1, 201)]
    with db.transaction(space, update_id=n) as tx:
        for e in entries:
            tx.put_outbox(e)
    print("made", n, flush=True)
    deliver(entries)
"""


def run_notice_child(data_dir: Path, base: int, rng: random.Random) -> list[list[str]]:
    with subprocess.Popen(
        [sys.executable, "-c", NOTICE_CHILD, str(data_dir), str(base)],
        cwd=REPO,
        bufsize=0,  # unbuffered: communicate() reads the fd, and must not miss what readline read
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert first, child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0.05, 0.6))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        assert child.returncode == -signal.SIGKILL
    return [
        line.split()
        for line in (first + rest).decode().splitlines(keepends=True)
        if line.endswith("\n")  # a line cut by the kill was not reported
    ]


def check_outbox_files_parse(data_dir: Path) -> None:
    for path in (data_dir / "outbox").glob("*.jsonl"):
        for line in path.read_bytes().splitlines():
            orjson.loads(line)


@dataclass
class NoticeLedger:
    """What the notice child reported over all rounds."""

    made: set[int] = field(default_factory=set)
    marked: set[str] = field(default_factory=set)
    sends: dict[str, int] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)  # id -> kills while being marked

    def record(self, lines: list[list[str]]) -> None:
        """One round's reported lines: a batch "sending" and not "marked" was cut by the kill."""
        open_batch: list[str] = []
        for kind, *rest in lines:
            if kind == "made":
                self.made.add(int(rest[0]))
            elif kind == "sending":
                open_batch = rest
                for entry_id in rest:
                    self.sends[entry_id] = self.sends.get(entry_id, 0) + 1
            elif kind == "marked":
                assert rest == open_batch
                self.marked.update(rest)
                open_batch = []
        for entry_id in open_batch:
            self.in_flight[entry_id] = self.in_flight.get(entry_id, 0) + 1


def check_notice_entries(db: Database, ledger: NoticeLedger, where: str) -> None:
    for n in ledger.made:  # every created entry is there
        for uid in range(1, 201):
            assert db.get_outbox(f"n{n}:{uid}") is not None, f"{where}: n{n}:{uid}"
    for entry_id in ledger.marked:  # every reported mark is there
        entry = db.get_outbox(entry_id)
        assert entry is not None, f"{where}: {entry_id}"
        assert not entry.pending, f"{where}: {entry_id} pending again"
        assert entry.sent_at is not None or entry.failed == "unreachable", where
    for entry in db.pending_outbox():  # what is left is sent at the next start
        assert entry.id not in ledger.marked, f"{where}: {entry.id}"
        assert entry.attempts == 0, f"{where}: {entry.id}"
    for uid in range(41, 201, 41):
        for n in ledger.made:
            entry = db.get_outbox(f"n{n}:{uid}")
            assert entry is not None
            if entry.id in ledger.marked:
                assert [e.id for e in db.held_outbox(uid)].count(entry.id) == 1, where


def check_re_sends(ledger: NoticeLedger, where: str) -> None:
    for entry_id, count in ledger.sends.items():
        # Sent twice only if a kill came while its batch was being marked.
        assert count <= 1 + ledger.in_flight.get(entry_id, 0), f"{where}: {entry_id} x{count}"


@pytest.mark.slow
def test_kill_9_during_a_notice_to_200_loses_no_entry_and_re_sends_at_most_a_batch(
    tmp_path: Path,
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    ledger = NoticeLedger()
    for round_ in range(6):
        ledger.record(run_notice_child(data_dir, base=(round_ + 1) * 1_000_000, rng=rng))
        where = f"seed {seed}, round {round_}"
        with Database(data_dir) as db:  # open() cuts torn tails and removes temp files
            check_files_parse(data_dir)
            check_outbox_files_parse(data_dir)
            check_notice_entries(db, ledger, where)
        check_re_sends(ledger, where)
    assert len(ledger.marked) > 200, f"seed {seed}: the child hardly ran"
