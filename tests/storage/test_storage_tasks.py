"""Task indexes, numbering and the archive of finished tasks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from storage_helpers import NOW, make_task

from bot.tasks.models import Assignee, Status
from storage import Database, space_of_chat


def numbers(tasks: list[object]) -> list[int]:
    return [t.number for t in tasks]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("chat_id", "user_id", "space"),
    [
        pytest.param(-1001234, 7, "g-1001234", id="group"),
        pytest.param(7, 7, "p7", id="private"),
    ],
)
def test_space_of_chat(chat_id: int, user_id: int, space: str) -> None:
    assert space_of_chat(chat_id, user_id) == space


def test_indexes_answer_who_what_where(db: Database, view: Callable[[Database], Database]) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1, assigner=1, assignees=(Assignee(user_id=2), Assignee(user_id=3))))
        tx.put_task(make_task(2, assigner=2, assignees=(Assignee(username="Dora"),)))
    with db.transaction("p3") as tx:
        tx.put_task(
            make_task(3, space="p3", chat_id=3, assigner=3, assignees=(Assignee(user_id=3),))
        )

    db = view(db)

    assert numbers(db.live_tasks()) == [1, 2, 3]
    assert numbers(db.tasks_for_assignee(3)) == [1, 3]
    assert numbers(db.tasks_for_assignee(2)) == [1]
    assert numbers(db.tasks_by_assigner(2)) == [2]
    assert numbers(db.tasks_in_chat(-100)) == [1, 2]
    assert numbers(db.tasks_in_chat(3)) == [3]
    assert numbers(db.tasks_pending_username("@dora")) == [2]
    assert numbers(db.tasks_pending_username("DORA")) == [2]
    assert db.tasks_for_assignee(99) == []


def test_a_replaced_task_moves_in_every_index(
    db: Database, view: Callable[[Database], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1, assigner=1, assignees=(Assignee(username="dora"),)))
    with db.transaction("g-100") as tx:  # dora turned up: the pending name is bound to her id
        tx.put_task(make_task(1, assigner=4, assignees=(Assignee(user_id=8, username="dora"),)))

    db = view(db)

    assert db.tasks_pending_username("dora") == []
    assert numbers(db.tasks_for_assignee(8)) == [1]
    assert db.tasks_by_assigner(1) == []
    assert numbers(db.tasks_by_assigner(4)) == [1]


def test_task_numbers_continue_after_a_reopen(
    db: Database, open_db: Callable[[], Database]
) -> None:
    first, second = db.next_task_number(), db.next_task_number()
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(first))
        tx.put_task(make_task(second, status=Status.DONE))  # archived counts too
    db.close()

    db = open_db()

    assert (first, second) == (1, 2)
    assert db.next_task_number() == 3


def test_a_stored_number_moves_the_counter_on(db: Database) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(40))

    assert db.next_task_number() == 41


def test_a_finished_task_moves_to_the_archive(
    db: Database, data_dir: Path, view: Callable[[Database], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))
        tx.put_task(make_task(2))
    done = make_task(1, status=Status.DONE, updated_at=NOW + timedelta(hours=1))
    with db.transaction("g-100") as tx:
        tx.put_task(done)

    db = view(db)

    assert db.get_task(1) == done
    assert numbers(db.live_tasks()) == [2]
    assert numbers(db.tasks_for_assignee(2)) == [2]
    shard = orjson.loads((data_dir / "spaces" / "g-100.json").read_bytes())
    assert list(shard["tasks"]) == ["2"]
    assert (data_dir / "archive" / "2025-03.jsonl").read_bytes().count(b"\n") == 1


def test_finished_tasks_of_a_person_since(
    db: Database, view: Callable[[Database], Database]
) -> None:
    old = make_task(1, status=Status.DONE, updated_at=NOW - timedelta(days=60))
    mine = make_task(2, status=Status.CANCELLED, updated_at=NOW - timedelta(days=3), assigner=5)
    theirs = make_task(
        3, status=Status.DONE, updated_at=NOW - timedelta(days=2), assignees=(Assignee(user_id=6),)
    )
    with db.transaction("g-100") as tx:
        for task in (old, mine, theirs):
            tx.put_task(task)

    db = view(db)

    assert db.finished_tasks(user_id=2, since=NOW - timedelta(days=7)) == [mine]
    assert db.finished_tasks(user_id=5, since=NOW - timedelta(days=7)) == [mine]
    assert db.finished_tasks(user_id=6, since=NOW - timedelta(days=7)) == [theirs]
    # Older than the recent window: read from the month files on demand.
    assert db.finished_tasks(user_id=2, since=NOW - timedelta(days=90)) == [old, mine]
    assert db.get_task(1) == old


def test_an_archived_task_read_on_demand_after_reopen(
    db: Database, open_db: Callable[[], Database]
) -> None:
    finished = make_task(1, status=Status.DONE, updated_at=NOW - timedelta(days=400))
    with db.transaction("g-100") as tx:
        tx.put_task(finished)
    db.close()

    db = open_db()

    assert 1 not in db._archive.recent  # type: ignore[attr-defined]
    assert db.get_task(1) == finished


def test_a_reopened_task_is_live_again(db: Database, view: Callable[[Database], Database]) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1, status=Status.DONE))
    reopened = make_task(1, status=Status.OPEN, updated_at=NOW + timedelta(minutes=1))
    with db.transaction("g-100") as tx:
        tx.put_task(reopened)

    db = view(db)

    assert db.get_task(1) == reopened
    assert numbers(db.tasks_for_assignee(2)) == [1]
    assert db.finished_tasks(user_id=2, since=NOW - timedelta(days=1)) == []


def test_a_task_finished_twice_is_archived_once(
    db: Database, view: Callable[[Database], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1, status=Status.DONE))
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1, status=Status.OPEN))
    final = make_task(1, status=Status.CANCELLED, updated_at=NOW + timedelta(minutes=2))
    with db.transaction("g-100") as tx:
        tx.put_task(final)

    db = view(db)

    assert db.get_task(1) == final
    assert db.live_tasks() == []
    assert db.finished_tasks(user_id=2, since=NOW) == [final]


def test_after_a_crash_between_archive_and_shard_the_archive_wins(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))
        tx.put_task(make_task(2))
    shard = data_dir / "spaces" / "g-100.json"
    before_archiving = shard.read_bytes()
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1, status=Status.DONE))
    db.close()
    shard.write_bytes(before_archiving)  # as if killed after the append, before the shard write

    db = open_db()

    assert db.get_task(1) == make_task(1, status=Status.DONE)
    assert numbers(db.live_tasks()) == [2]
    with db.transaction("g-100") as tx:  # the next write of the shard drops the stale copy
        tx.put_task(make_task(2, title="touched"))
    assert list(orjson.loads(shard.read_bytes())["tasks"]) == ["2"]


def test_a_task_can_move_to_another_space(
    db: Database, view: Callable[[Database], Database]
) -> None:
    with db.transaction("p2") as tx:
        tx.put_task(make_task(1, space="p2", chat_id=2))
    moved = make_task(1, space="g-100", updated_at=NOW + timedelta(minutes=1))
    with db.transaction("g-100") as tx:
        tx.put_task(moved)

    db = view(db)

    assert db.live_tasks() == [moved]
    assert db.tasks_in_chat(2) == []
    assert db.shard_table("p2", "notes").all() == []


def test_a_task_in_two_spaces_after_a_crash_keeps_the_newer(
    db: Database, data_dir: Path, open_db: Callable[[], Database]
) -> None:
    with db.transaction("p2") as tx:
        tx.put_task(make_task(1, space="p2", chat_id=2))
    private = (data_dir / "spaces" / "p2.json").read_bytes()
    moved = make_task(1, space="g-100", updated_at=NOW + timedelta(minutes=1))
    with db.transaction("g-100") as tx:
        tx.put_task(moved)
    db.close()
    (data_dir / "spaces" / "p2.json").write_bytes(private)  # killed before the old copy went

    assert open_db().live_tasks() == [moved]


def test_writes_stay_in_their_shard(db: Database, data_dir: Path) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))
    with db.transaction("g-200") as tx:
        tx.put_task(make_task(2, space="g-200", chat_id=-200))

    g100 = orjson.loads((data_dir / "spaces" / "g-100.json").read_bytes())
    g200 = orjson.loads((data_dir / "spaces" / "g-200.json").read_bytes())
    assert list(g100["tasks"]) == ["1"]
    assert list(g200["tasks"]) == ["2"]


def test_a_task_keeps_a_replaced_status(db: Database) -> None:
    with db.transaction("g-100") as tx:
        tx.put_task(make_task(1))
    with db.transaction("g-100") as tx:
        tx.put_task(replace(make_task(1), status=Status.CANNOT))

    task = db.get_task(1)
    assert task is not None
    assert task.status is Status.CANNOT
    assert numbers(db.live_tasks()) == [1]  # cannot waits for the assigner: still live
