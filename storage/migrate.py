"""A group that became a supergroup: everything kept under its old chat id moves to the new id
in one atomic step (spec/conversations.md, "Migration").

What moves: the old group's space shard (`spaces/g<old>.json`: its tasks, live outbox
entries, applied update ids and every feature table — rosters, contacts, documents, notices …)
is merged into `g<new>`; its workspace (settings, members, language) becomes the new chat's;
and every record anywhere that names the old chat is rewritten to name the new one: the chat id
(an int equal to the old id, in any field of any record of any shard: `chat_id`, `to_chat`,
`fallback_chat`, `sent_chat_id`, a person's `chats` …) and the space name (a string equal to
`g<old>`). Finished tasks of the group in the archive get a new, rewritten line (the highest
seq counts). Task and notice numbers, entry ids and message ids stay as they are (Telegram keeps
a migrated group's message ids), so nothing is shown twice and old buttons keep working.

Chat ids of groups are negative and nothing else the bot stores is a negative number equal to
one, so rewriting by value is exact, and it reaches the tables of features this module does not
know.

Atomic: the new contents of every file concerned are first written to one journal
(`migration.json`, an atomic write); then the files are replaced one by one, the old shard is
deleted and the journal removed. A crash in between leaves the journal, and the Database redoes
it when it opens (`finish_pending`) before reading anything, so the data directory is seen
either before the migration or after it, never half-way. This module works on the Database's
shards under its lock (it is storage's own friend); afterwards the Database reads its files
again, so every index matches the new state.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from bot.people.models import Workspace
from bot.tasks.models import Task
from storage import mapping
from storage.engine import append_durable, atomic_write, dumps, fsync_dir, loads
from storage.errors import MappingError

if TYPE_CHECKING:
    from storage.database import Database

log = logging.getLogger(__name__)

JOURNAL = "migration.json"
_RESERVED_MERGE = ("tasks", "outbox", "applied")
_APPLIED_DOC = "1"


@dataclass
class Moved:
    """What a migration moved (counts of records), for logs and tests."""

    old: int
    new: int
    tasks: int = 0
    archived: int = 0
    outbox: int = 0
    tables: dict[str, int] = field(default_factory=dict)  # feature table -> documents moved
    rewritten: int = 0  # values naming the old chat rewritten anywhere
    workspace: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.rewritten or self.tasks or self.outbox or self.tables or self.workspace)


# ----- rewriting values (pure) -----------------------------------------------------------------
class _Rewriter:
    """Replaces the old chat id (int) and its space name (str) by the new ones, and counts."""

    def __init__(self, old: int, new: int) -> None:
        self.old, self.new = old, new
        self._strings = {f"g{old}": f"g{new}", str(old): str(new)}
        self.count = 0

    def value(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            if value == self.old:
                self.count += 1
                return self.new
            return value
        if isinstance(value, str):
            if value == f"g{self.old}":
                self.count += 1
                return f"g{self.new}"
            return value
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.key(k): self.value(v) for k, v in value.items()}
        return value

    def key(self, key: str) -> str:
        swapped = self._strings.get(key)
        if swapped is None:
            return key
        self.count += 1
        return swapped


def _dedupe(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


# ----- planning the new contents ---------------------------------------------------------------
@dataclass
class _Plan:
    write: dict[str, Any] = field(default_factory=dict)  # relative path -> new shard data
    delete: list[str] = field(default_factory=list)
    archive: list[tuple[str, bytes]] = field(default_factory=list)  # (month, line)


def _merge_table(name: str, into: dict[str, Any], docs: dict[str, Any], moved: Moved) -> None:
    """The old group's documents of a feature table go into the new group's table: under
    their own ids, or (for an id the new group already uses for something else) a fresh one."""
    if not docs:
        return
    top = max((int(k) for k in into), default=0)
    for doc_id, doc in docs.items():
        if doc_id in into:
            if into[doc_id] == doc:
                continue
            top += 1
            log.warning("migration: %s document %s moved as %s (id taken)", name, doc_id, top)
            doc_id = str(top)
        into[doc_id] = doc
        top = max(top, int(doc_id))
        moved.tables[name] = moved.tables.get(name, 0) + 1


def _merge_space(
    target: dict[str, Any], source: dict[str, Any], moved: Moved, fresh_rev: Callable[[], int]
) -> None:
    """Merge the old space's (rewritten) shard data into the new space's."""
    tasks = target.setdefault("tasks", {})
    for key, doc in source.get("tasks", {}).items():
        tasks[key] = doc
        moved.tasks += 1
    outbox = target.setdefault("outbox", {})
    top = max((int(k) for k in outbox), default=0)
    for doc in source.get("outbox", {}).values():
        top += 1
        outbox[str(top)] = {**doc, "_rev": fresh_rev()}
        moved.outbox += 1
    old_ids = source.get("applied", {}).get(_APPLIED_DOC, {}).get("ids", [])
    if old_ids:
        applied = target.setdefault("applied", {})
        ids = list(applied.get(_APPLIED_DOC, {}).get("ids", []))
        ids += [i for i in old_ids if i not in set(ids)]
        applied[_APPLIED_DOC] = {"ids": ids}
    for name, docs in source.items():
        if name in _RESERVED_MERGE:
            continue
        _merge_table(name, target.setdefault(name, {}), docs, moved)


def _merge_workspaces(spaces: dict[str, Any], old: int, new: int, moved: Moved) -> None:
    """The old group's workspace becomes the new chat's (kept settings, joined member lists)."""
    before = spaces.pop(str(old), None)
    if before is None:
        return
    moved.workspace = True
    mine = mapping.workspace_from_dict({**before, "chat_id": new, "migrated_from": old})
    there = spaces.get(str(new))
    if there is not None:
        theirs = mapping.workspace_from_dict(there)
        mine = Workspace(
            chat_id=new,
            title=theirs.title or mine.title,
            members=tuple(_dedupe([*mine.members, *theirs.members])),
            admins=tuple(_dedupe([*mine.admins, *theirs.admins])),
            language=mine.language or theirs.language,
            updated_at=max(
                (d for d in (mine.updated_at, theirs.updated_at) if d is not None), default=None
            ),
            left=tuple(u for u in _dedupe([*mine.left, *theirs.left]) if u not in theirs.members),
            bot_removed=theirs.bot_removed,  # the bot is in the new chat as it says there
            migrated_from=old,
        )
    spaces[str(new)] = mapping.workspace_to_dict(mine)


def _plan_people(data: dict[str, Any], old: int, new: int, moved: Moved) -> dict[str, Any] | None:
    rw = _Rewriter(old, new)
    spaces = dict(data.get("workspaces", {}))
    had = str(old) in spaces
    _merge_workspaces(spaces, old, new, moved)
    rest = {name: table for name, table in data.items() if name != "workspaces"}
    out: dict[str, Any] = rw.value(rest)
    for doc in out.get("people", {}).values():
        if isinstance(doc.get("chats"), list):
            doc["chats"] = _dedupe(doc["chats"])
    moved.rewritten += rw.count
    if not rw.count and not had:
        return None
    out["workspaces"] = spaces
    return out


def _plan_space(
    data: dict[str, Any], old: int, new: int, moved: Moved, fresh_rev: Callable[[], int]
) -> dict[str, Any] | None:
    """Another shard (not the old group's): its values that name the old chat, rewritten."""
    rw = _Rewriter(old, new)
    out: dict[str, Any] = {}
    for name, table in data.items():
        docs: dict[str, Any] = {}
        for doc_id, doc in table.items():
            before = rw.count
            docs[doc_id] = rw.value(doc)
            if name == "outbox" and rw.count != before:
                docs[doc_id]["_rev"] = fresh_rev()  # the rewritten copy wins over the log's
        out[name] = docs
    moved.rewritten += rw.count
    return out if rw.count else None


def _plan_archive(db: Database, old: int, new: int, moved: Moved) -> list[tuple[str, bytes]]:
    """New lines for the group's finished tasks (their current lines name the old chat)."""
    archive = db._archive
    lines: list[tuple[str, bytes]] = []
    for month, offset, line in archive.lines_with(str(old).encode()):
        doc = orjson.loads(line)
        task_doc = doc.get("task") if isinstance(doc, dict) else None
        if not isinstance(task_doc, dict) or task_doc.get("chat_id") != old:
            continue
        if not archive.is_current(int(task_doc.get("number", 0)), month, offset):
            continue  # superseded by a later line, or live again
        rw = _Rewriter(old, new)
        task = mapping.from_dict(Task, rw.value(task_doc))
        prepared = archive.prepare(task, db._clock.now())
        lines.append((month, prepared.line))
        moved.archived += 1
    return lines


def _plan(db: Database, old: int, new: int, update_id: int | None) -> tuple[_Plan, Moved]:
    moved = Moved(old, new)
    plan = _Plan()
    old_space, new_space = f"g{old}", f"g{new}"

    def fresh_rev() -> int:
        rev = db._next_rev
        db._next_rev += 1
        return rev

    people = db._people_shard
    assert people is not None
    new_people = _plan_people(people.data, old, new, moved)
    if new_people is not None:
        plan.write["people.json"] = new_people
    source_shard = db._shards.get(old_space)
    source = _Rewriter(old, new)
    source_data = source.value(source_shard.data) if source_shard is not None else {}
    moved.rewritten += source.count
    for name, shard in sorted(db._shards.items()):
        if name in (old_space, new_space):
            continue
        rewritten = _plan_space(shard.data, old, new, moved, fresh_rev)
        if rewritten is not None:
            plan.write[f"spaces/{name}.json"] = rewritten
    target_shard = db._shards.get(new_space)
    target: dict[str, Any] = {}
    if target_shard is not None:
        target = _plan_space(target_shard.data, old, new, moved, fresh_rev) or loads(
            dumps(target_shard.data)
        )
    if source_data:
        _merge_space(target, source_data, moved, fresh_rev)
    plan.archive = _plan_archive(db, old, new, moved)
    if not moved.changed and not plan.archive:
        return plan, moved
    if update_id is not None:
        applied = target.setdefault("applied", {})
        ids = list(applied.get(_APPLIED_DOC, {}).get("ids", []))
        if update_id not in ids:
            ids.append(update_id)
        applied[_APPLIED_DOC] = {"ids": ids}
    if target or source_data or update_id is not None:
        plan.write[f"spaces/{new_space}.json"] = target
    if source_shard is not None and source_shard.on_disk:
        plan.delete.append(f"spaces/{old_space}.json")
    return plan, moved


# ----- applying ----------------------------------------------------------------------------------
def _apply(data_dir: Path, journal: dict[str, Any]) -> None:
    """Write what the journal says (again, if it was written before a crash): idempotent."""
    for rel, data in journal.get("write", {}).items():
        atomic_write(data_dir / rel, dumps(data))
    archive = data_dir / "archive"
    for month, line in journal.get("archive", []):
        archive.mkdir(exist_ok=True)
        append_durable(archive / f"{month}.jsonl", line.encode())
    removed = False
    for rel in journal.get("delete", []):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(data_dir / rel)
            removed = True
    if removed:
        fsync_dir(data_dir / "spaces")


def finish_pending(data_dir: Path) -> bool:
    """Redo a migration a crash interrupted (the Database calls this when it opens, before it
    reads anything). Returns whether there was one."""
    path = data_dir / JOURNAL
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return False
    journal = loads(raw)
    if not isinstance(journal, dict):
        raise MappingError(f"{path}: not a migration journal")
    log.warning(
        "finishing the move of chat %s to %s that a crash interrupted",
        journal.get("old"),
        journal.get("new"),
    )
    _apply(data_dir, journal)
    path.unlink()
    fsync_dir(data_dir)
    return True


def migrate_chat(db: Database, old: int, new: int, *, update_id: int | None = None) -> Moved:
    """Move everything kept under group `old` to `new` (see the module docstring), recording
    `update_id` as applied in the new group's space, in one atomic step. Doing it again (the
    other chat's service message, a ChatMigrated error, a redelivered update) finds nothing left
    to move and changes nothing."""
    if old >= 0 or new >= 0 or old == new:
        raise ValueError(f"cannot move chat {old} to {new}: both must be groups, and differ")
    with db._lock:
        db._require_open()
        if db._tx is not None:
            raise RuntimeError("migrate_chat inside a transaction")
        plan, moved = _plan(db, old, new, update_id)
        if not moved.changed and not plan.archive:
            return moved
        journal = {
            "old": old,
            "new": new,
            "write": plan.write,
            "delete": plan.delete,
            "archive": [[month, line.decode()] for month, line in plan.archive],
        }
        data_dir = db._dir
        atomic_write(data_dir / JOURNAL, dumps(journal))
        _apply(data_dir, journal)
        (data_dir / JOURNAL).unlink()
        fsync_dir(data_dir)
        # Read everything again: every index (tasks by chat, outbox, workspaces …) follows.
        db._reset()
        db._load()
    log.info(
        "chat %s moved to %s: %d tasks, %d archived, %d outbox entries, tables %s",
        old,
        new,
        moved.tasks,
        moved.archived,
        moved.outbox,
        moved.tables,
    )
    return moved


__all__ = ["JOURNAL", "Moved", "finish_pending", "migrate_chat"]
