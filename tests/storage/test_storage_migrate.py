"""A group's move to its supergroup id (storage/migrate.py): everything follows, atomically."""

from __future__ import annotations

from dataclasses import replace

import pytest
from storage_helpers import NOW, make_entry, make_task
from tinydb.table import Document

from bot.people.models import Person, Workspace
from bot.tasks.models import Status
from storage import migrate
from storage.migrate import JOURNAL, migrate_chat

OLD, NEW = -4001, -1004001


def _fill(db):
    """A basic group with two open tasks, one finished, a roster, a notice-like record, an
    unsent group message, a held one, a message waiting privately with the group as fallback."""
    with db.transaction("g-4001", update_id=7) as tx:
        tx.put_task(make_task(1, space="g-4001", chat_id=OLD))
        tx.put_task(make_task(2, space="g-4001", chat_id=OLD, title="second"))
        tx.put_outbox(make_entry("created", space="g-4001", to_user=None, to_chat=OLD))
        tx.put_outbox(make_entry("held", space="g-4001", fallback_chat=OLD))
        tx.table("rosters").insert(Document({"name": "科长", "members": [2, 3]}, doc_id=1))
        tx.table("notices").insert(
            Document({"number": 5, "space": "g-4001", "chat_id": OLD}, doc_id=5)
        )
    with db.transaction("g-4001") as tx:
        tx.put_task(make_task(3, space="g-4001", chat_id=OLD, status=Status.DONE))
    with db.transaction("p2") as tx:
        tx.put_outbox(make_entry("private", space="p2", fallback_chat=OLD))
        tx.put_task(make_task(4, space="p2", chat_id=2))
    db.put_workspace(Workspace(OLD, "办公室", members=(1, 2, 3), admins=(1,), language="en"))
    db.put_person(Person(2, "zhang", chats=(OLD, -77)))
    db.mark_outbox_many([replace(db.get_outbox("held"), failed="unreachable", attempts=1)])


def _check_moved(db):
    assert [t.number for t in db.tasks_in_chat(NEW)] == [1, 2]
    assert db.tasks_in_chat(OLD) == []
    assert {t.space for t in db.tasks_in_chat(NEW)} == {"g-1004001"}
    assert db.get_task(3).chat_id == NEW  # finished, in the archive
    assert db.get_task(4).space == "p2"  # a private task stays
    created = db.get_outbox("created")
    assert (created.space, created.to_chat, created.pending) == ("g-1004001", NEW, True)
    assert db.get_outbox("private").fallback_chat == NEW
    held = db.held_outbox(2)
    assert {e.id for e in held} == {"held"} and held[0].fallback_chat == NEW
    assert {e.id for e in db.pending_outbox()} == {"created", "private"}
    ws = db.get_workspace(NEW)
    assert (ws.title, ws.members, ws.language) == ("办公室", (1, 2, 3), "en")
    assert ws.migrated_from == OLD
    assert db.get_workspace(OLD) is None
    assert db.get_person(2).chats == (NEW, -77)
    assert db.shard_table("g-1004001", "rosters").get(doc_id=1)["members"] == [2, 3]
    notice = db.shard_table("g-1004001", "notices").get(doc_id=5)
    assert (notice["space"], notice["chat_id"]) == ("g-1004001", NEW)
    assert db.applied(7)
    assert "g-4001" not in db.spaces()


def test_everything_under_the_old_id_moves_and_stays_moved(open_db, data_dir):
    db = open_db()
    _fill(db)
    moved = migrate_chat(db, OLD, NEW, update_id=99)
    assert (moved.tasks, moved.archived, moved.outbox) == (2, 1, 2)
    assert moved.tables == {"rosters": 1, "notices": 1}
    _check_moved(db)
    assert db.applied(99)
    assert not (data_dir / "spaces" / "g-4001.json").exists()
    assert not (data_dir / JOURNAL).exists()
    # New task numbers go on from where they were.
    assert db.next_task_number() == 5
    db.close()
    _check_moved(open_db())


def test_moving_again_changes_nothing(open_db):
    db = open_db()
    _fill(db)
    migrate_chat(db, OLD, NEW)
    again = migrate_chat(db, OLD, NEW, update_id=100)
    assert not again.changed
    _check_moved(db)


def test_the_new_chat_keeps_what_it_already_had(open_db):
    db = open_db()
    _fill(db)
    db.put_workspace(Workspace(NEW, "办公室（超级群）", members=(4,), language=None))
    with db.transaction("g-1004001", update_id=8) as tx:
        tx.table("rosters").insert(Document({"name": "新名单", "members": [4]}, doc_id=1))
    migrate_chat(db, OLD, NEW)
    ws = db.get_workspace(NEW)
    assert (ws.title, ws.members, ws.language) == ("办公室（超级群）", (1, 2, 3, 4), "en")
    names = sorted(d["name"] for d in db.shard_table("g-1004001", "rosters").all())
    assert names == ["新名单", "科长"]
    assert db.applied(7) and db.applied(8)


def test_a_crash_after_the_journal_is_finished_at_the_next_open(open_db, data_dir, monkeypatch):
    db = open_db()
    _fill(db)
    real = migrate._apply
    calls = []

    def crash(where, journal):
        calls.append(where)
        # Write one file of the plan, then die.
        rel, data = next(iter(journal["write"].items()))
        real(where, {"write": {rel: data}})
        raise KeyboardInterrupt

    monkeypatch.setattr(migrate, "_apply", crash)
    with pytest.raises(KeyboardInterrupt):
        migrate_chat(db, OLD, NEW)
    assert (data_dir / JOURNAL).exists() and calls
    monkeypatch.setattr(migrate, "_apply", real)
    db.close()
    db = open_db()
    assert not (data_dir / JOURNAL).exists()
    _check_moved(db)


def test_an_entry_marked_in_the_outbox_log_moves_with_its_newest_state(open_db):
    db = open_db()
    _fill(db)
    retry = replace(db.get_outbox("created"), attempts=3, not_before=NOW)
    db.mark_outbox_many([retry])  # newest copy in the log, naming the old chat
    migrate_chat(db, OLD, NEW)
    moved = db.get_outbox("created")
    assert (moved.to_chat, moved.attempts) == (NEW, 3)
    db.close()
    moved = open_db().get_outbox("created")
    assert (moved.space, moved.to_chat, moved.attempts) == ("g-1004001", NEW, 3)


def test_a_chat_that_is_not_a_group_is_refused(open_db):
    db = open_db()
    with pytest.raises(ValueError):
        migrate_chat(db, 5, NEW)
    with pytest.raises(ValueError):
        migrate_chat(db, OLD, OLD)
