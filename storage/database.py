"""The Database: shards of TinyDB in memory, one durable write per shard per transaction,
in-memory indexes for every read the bot makes, and the archive of finished tasks.

Layout of a data directory:
    .lock                      flock: one process owns the directory
    people.json                tables people, workspaces
    spaces/g<chat_id>.json     a group's tasks, live outbox entries, applied update ids,
                               feature tables
    spaces/p<user_id>.json     the same for one person's private space
    archive/<YYYY-MM>.jsonl    finished tasks, append-only (storage/archive.py)
    outbox/marks-<YYYY-MM-DD>.jsonl
                               delivery's marks, append-only, one fsync per batch
                               (storage/outlog.py); a day's file goes after SENT_OUTBOX_KEEP
    inbox.jsonl                fetched Telegram updates not yet processed (storage/inbox.py)
    backups/<shard>.<UTC>.json rolling copies of good shard bytes

The outbox: a transaction writes its entries into its shard. Delivery's marks
(`mark_outbox_many`) only append to the outbox log; in memory the shard drops an entry that
was sent or given up and keeps one still to send or held (failed='unreachable'), so the shard
that every change rewrites holds only live entries, and its next write (or a flush before a
log file is deleted) catches the file up. Each stored copy of an entry carries a revision
(`_rev` in a shard, `rev` in the log): at load the highest wins, so a crash anywhere leaves
the newest durable state of every entry, never a lost or resurrected one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from tinydb.table import Table

from bot.core import spaces
from bot.core.clock import Clock, SystemClock
from bot.core.models import OutboxEntry
from bot.people.models import Person, Workspace
from bot.tasks.models import Task
from storage import mapping
from storage.archive import Archive, PreparedLine
from storage.engine import (
    Backups,
    Data,
    DirLock,
    ShardDB,
    ShardStorage,
    atomic_write,
    dumps,
    fsync_dir,
    loads,
    open_shard_db,
    remove_temp_files,
)
from storage.errors import CorruptDataFile, MappingError
from storage.inbox import Inbox
from storage.migrate import finish_pending
from storage.outlog import Logged, OutboxLog, day_end, day_of, line_of

log = logging.getLogger(__name__)

PEOPLE = "people"
#: Tables of a space shard that only the Database writes (its indexes must stay true).
RESERVED_TABLES = frozenset({"tasks", "outbox", "applied"})
APPLIED_KEEP = 2000
SENT_OUTBOX_KEEP = timedelta(days=2)
RECENT_WINDOW = timedelta(days=14)
HOUSEKEEPING_EVERY = 3600.0  # seconds between backups / outbox pruning of one shard
_SPACE_RE = re.compile(r"[gp]-?\d+")
_APPLIED_DOC = "1"
#: `OutboxEntry.failed` of an entry held for a person the bot cannot reach yet (bot/delivery.py):
#: kept (never pruned) until released.
HELD = "unreachable"
INBOX_FILE = "inbox.jsonl"


def space_of_chat(chat_id: int, user_id: int) -> str:
    """The shard a chat's tasks live in: the group's for a group, else the person's own."""
    return spaces.space_of_chat(chat_id, user_id)


def _check_space(space: str) -> None:
    if not _SPACE_RE.fullmatch(space):
        raise ValueError(f"bad space {space!r}: expected 'g<chat_id>' or 'p<user_id>'")


@dataclass(eq=False)
class _Shard:
    name: str  # "people" or a space
    path: Path
    storage: ShardStorage
    db: ShardDB
    on_disk: bool = False
    last_backup: float = float("-inf")  # time.monotonic()
    last_prune: float = float("-inf")
    # What the indexes hold from this shard (committed state only).
    task_numbers: set[int] = field(default_factory=set)
    outbox_ids: dict[str, int] = field(default_factory=dict)  # entry id -> TinyDB doc id
    next_outbox_doc: int = 1
    # Memory holds outbox marks (from the outbox log) that the file does not have yet.
    outbox_dirty: bool = False

    @property
    def data(self) -> Data:
        return self.storage.data


@dataclass
class _SpaceContent:
    tasks: dict[int, tuple[Task, int | None]]  # number -> (task, archive seq it supersedes)
    outbox: dict[str, tuple[int, int, OutboxEntry]]  # id -> (doc id, rev, entry)
    applied: list[int]


class Transaction:
    """Changes buffered until the `with` block ends; then written, one atomic write per shard."""

    def __init__(self, db: Database, space: str | None, update_id: int | None) -> None:
        self._db = db
        self.space = space
        self.update_id = update_id
        self._tasks: dict[int, tuple[Task, mapping.Doc]] = {}
        self._outbox: dict[str, tuple[OutboxEntry, mapping.Doc]] = {}
        self._people: dict[int, tuple[Person, mapping.Doc]] = {}
        self._workspaces: dict[int, tuple[Workspace, mapping.Doc]] = {}
        self._touched: set[str] = set()  # shards changed through TinyDB tables
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("transaction already finished")

    def put_task(self, task: Task) -> None:
        """Insert or replace task #number; a finished task goes to the archive."""
        self._check_open()
        _check_space(task.space)
        self._tasks[task.number] = (task, mapping.task_to_dict(task))

    def put_outbox(self, entry: OutboxEntry) -> None:
        """Insert or replace the entry with this id, in the shard of `entry.space`."""
        self._check_open()
        _check_space(entry.space)
        self._outbox[entry.id] = (entry, mapping.outbox_to_dict(entry))

    def put_person(self, person: Person) -> None:
        self._check_open()
        self._people[person.user_id] = (person, mapping.person_to_dict(person))

    def put_workspace(self, workspace: Workspace) -> None:
        self._check_open()
        self._workspaces[workspace.chat_id] = (workspace, mapping.workspace_to_dict(workspace))

    def table(self, name: str) -> Table:
        """A feature's own table in this space's shard; its changes join this transaction."""
        self._check_open()
        if self.space is None:
            raise RuntimeError("this transaction has no space")
        if name in RESERVED_TABLES:
            raise ValueError(f"table {name!r} belongs to the Database; use its methods")
        return self._db._shard(self.space).db.table(name)


class Database:
    """officebot's durable state. See the module docstring for the files it owns."""

    def __init__(
        self, data_dir: Path, *, keep_backups: int = 5, clock: Clock | None = None
    ) -> None:
        self._dir = Path(data_dir)
        self._keep_backups = keep_backups
        self._clock: Clock = clock if clock is not None else SystemClock(UTC)
        self._lock = threading.RLock()
        self._dirlock: DirLock | None = None
        self._archive = Archive(self._dir / "archive")
        self._outlog = OutboxLog(self._dir / "outbox")
        self._inbox: Inbox | None = None
        self._backups = Backups(self._dir / "backups", keep_backups)
        self._reset()

    def _reset(self) -> None:
        self._people_shard: _Shard | None = None
        self._shards: dict[str, _Shard] = {}
        self._tx: Transaction | None = None
        self._live: dict[int, Task] = {}
        self._task_space: dict[int, str] = {}
        self._sup: dict[int, int] = {}  # reopened task -> archive seq its live copy supersedes
        self._by_assignee: dict[int, set[int]] = {}
        self._by_assigner: dict[int, set[int]] = {}
        self._by_chat: dict[int, set[int]] = {}
        self._by_pending: dict[str, set[int]] = {}
        self._outbox: dict[str, OutboxEntry] = {}
        self._outbox_space: dict[str, str] = {}
        self._outbox_rev: dict[str, int] = {}  # entry id -> rev of the copy indexed
        self._logged: dict[str, Logged] = {}  # entry id -> its newest line in the outbox log
        self._next_rev = 1
        self._last_log_prune = float("-inf")
        self._pending: dict[str, OutboxEntry] = {}
        self._held: dict[int, dict[str, OutboxEntry]] = {}  # to_user -> entries held for them
        self._people: dict[int, Person] = {}
        self._by_username: dict[str, int] = {}
        self._workspaces: dict[int, Workspace] = {}
        self._applied: set[int] = set()
        self._next_number = 1

    # --- lifecycle ----------------------------------------------------------------------------

    def open(self) -> None:
        """Lock the directory, clean up after a crash, load and check every file, index."""
        with self._lock:
            if self._dirlock is not None:
                raise RuntimeError("database already open")
            self._dir.mkdir(parents=True, exist_ok=True)
            lock = DirLock(self._dir)
            lock.acquire()
            try:
                self._load()
                self._inbox = Inbox(self._dir / INBOX_FILE, lock=False)
            except BaseException:
                self._reset()
                lock.release()
                raise
            self._dirlock = lock

    def _load(self) -> None:
        made = False
        for sub in ("spaces", "archive", "outbox", "backups"):
            path = self._dir / sub
            if not path.is_dir():
                path.mkdir()
                made = True
        if made:
            fsync_dir(self._dir)
        finish_pending(self._dir)  # a group's move to its new chat id, cut short by a crash
        for path in remove_temp_files(
            self._dir,
            self._dir / "spaces",
            self._dir / "archive",
            self._dir / "outbox",
            self._dir / "backups",
        ):
            log.warning("removed temp file left by a crash: %s", path)
        self._backups.scan()
        now = self._clock.now()
        self._archive.load(recent_since=now - RECENT_WINDOW)
        for path in self._archive.truncated:
            log.warning("cut a torn last line from %s", path)
        self._logged = self._outlog.load()
        for path in self._outlog.truncated:
            log.warning("cut a torn last line from %s", path)
        self._next_rev = max((x.rev for x in self._logged.values()), default=0) + 1

        raw: dict[str, bytes] = {}
        people = self._new_shard(PEOPLE, self._dir / "people.json")
        self._people_shard = people
        data, raw_bytes = self._read(people)
        if raw_bytes is not None:
            raw[PEOPLE] = raw_bytes
        self._index_people(people, data)
        for entry in sorted(os.scandir(self._dir / "spaces"), key=lambda e: e.name):
            name, dot, ext = entry.name.partition(".")
            if not (entry.is_file() and dot and ext == "json" and _SPACE_RE.fullmatch(name)):
                continue
            shard = self._shard(name)
            data, raw_bytes = self._read(shard)
            if raw_bytes is not None:
                raw[name] = raw_bytes
            self._index_space(shard, data)
        self._index_logged(None)

        top = max(self._live, default=0)
        self._next_number = max(top, self._archive.max_number) + 1

        stamp = time.monotonic()
        for name, content in raw.items():
            if not self._backups.same_as_newest(name, content):
                self._backup(name, content, now)
            self._shard_by_name(name).last_backup = stamp
        self._prune_outlog(force=True)

    def close(self) -> None:
        with self._lock:
            if self._dirlock is None:
                return
            if self._tx is not None:
                raise RuntimeError("close() inside a transaction")
            for shard in self._all_shards():
                shard.db.close()
            if self._inbox is not None:
                self._inbox.close()
                self._inbox = None
            self._reset()
            lock, self._dirlock = self._dirlock, None
            lock.release()

    def __enter__(self) -> Database:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def inbox(self) -> Inbox:
        """The durable inbox of fetched Telegram updates (`<data_dir>/inbox.jsonl`); open while
        the Database is, covered by its directory lock."""
        if self._inbox is None:
            raise RuntimeError("database is not open")
        return self._inbox

    def _require_open(self) -> None:
        if self._dirlock is None:
            raise RuntimeError("database is not open")

    # --- shards -------------------------------------------------------------------------------

    def _new_shard(self, name: str, path: Path) -> _Shard:
        storage = ShardStorage({}, on_write=lambda: self._storage_written(name))
        return _Shard(name=name, path=path, storage=storage, db=open_shard_db(storage))

    def _shard(self, space: str) -> _Shard:
        """The shard of `space`, made empty in memory if it has no file yet."""
        shard = self._shards.get(space)
        if shard is None:
            _check_space(space)
            shard = self._new_shard(space, self._dir / "spaces" / f"{space}.json")
            self._shards[space] = shard
        return shard

    def _shard_by_name(self, name: str) -> _Shard:
        if name == PEOPLE:
            assert self._people_shard is not None
            return self._people_shard
        return self._shard(name)

    def _all_shards(self) -> list[_Shard]:
        head = [self._people_shard] if self._people_shard is not None else []
        return head + list(self._shards.values())

    def _read(self, shard: _Shard) -> tuple[Data, bytes | None]:
        """Parse a shard's file into its TinyDB layout; CorruptDataFile if that fails."""
        try:
            raw = shard.path.read_bytes()
        except FileNotFoundError:
            shard.on_disk = False
            return {}, None
        except OSError as exc:
            raise self._corrupt(shard, str(exc)) from exc
        try:
            data = loads(raw)
            _check_layout(data)
        except (ValueError, MappingError) as exc:
            raise self._corrupt(shard, str(exc)) from exc
        shard.on_disk = True
        return data, raw

    def _corrupt(self, shard: _Shard, reason: str) -> CorruptDataFile:
        return CorruptDataFile(shard.path, self._backups.newest_good(shard.name), reason)

    def _storage_written(self, name: str) -> None:
        # TinyDB changed a table: inside a transaction it joins the transaction's write;
        # outside one it is written at once, so memory never runs ahead of the disk.
        with self._lock:
            if self._tx is not None:
                self._tx._touched.add(name)
                return
            tx = Transaction(self, None, None)
            tx._touched.add(name)
            self._commit(tx)

    # --- indexes ------------------------------------------------------------------------------

    def _index_people(self, shard: _Shard, data: Data) -> None:
        try:
            people = [mapping.from_dict(Person, d) for d in data.get("people", {}).values()]
            spaces = [mapping.from_dict(Workspace, d) for d in data.get("workspaces", {}).values()]
        except MappingError as exc:
            raise self._corrupt(shard, str(exc)) from exc
        shard.storage.data = data
        shard.db.clear_query_caches()
        self._people.clear()
        self._by_username.clear()
        self._workspaces.clear()
        for person in people:
            self._index_person(person)
        for workspace in spaces:
            self._workspaces[workspace.chat_id] = workspace

    def _index_person(self, person: Person) -> None:
        old = self._people.get(person.user_id)
        if old is not None and old.username:
            key = _name_key(old.username)
            if self._by_username.get(key) == person.user_id:
                del self._by_username[key]
        self._people[person.user_id] = person
        if person.username:
            self._by_username[_name_key(person.username)] = person.user_id

    def _parse_space(self, shard: _Shard, data: Data) -> _SpaceContent:
        tasks: dict[int, tuple[Task, int | None]] = {}
        outbox: dict[str, tuple[int, int, OutboxEntry]] = {}
        try:
            for key, doc in data.get("tasks", {}).items():
                task = mapping.from_dict(Task, doc)
                if str(task.number) != key or task.space != shard.name:
                    raise MappingError(f"task #{task.number} ({task.space}) filed under {key}")
                sup = doc.get("_sup")
                tasks[task.number] = (task, sup if isinstance(sup, int) else None)
            for key, doc in data.get("outbox", {}).items():
                entry = mapping.from_dict(OutboxEntry, doc)
                rev = doc.get("_rev", 0)
                if not isinstance(rev, int) or isinstance(rev, bool):
                    raise MappingError(f"outbox[{key}]: bad _rev {rev!r}")
                outbox[entry.id] = (int(key), rev, entry)
            applied_doc = data.get("applied", {}).get(_APPLIED_DOC, {"ids": []})
            applied = applied_doc.get("ids")
            if not isinstance(applied, list) or not all(type(i) is int for i in applied):
                raise MappingError("applied ids must be a list of ints")
        except MappingError as exc:
            raise self._corrupt(shard, str(exc)) from exc
        return _SpaceContent(tasks, outbox, applied)

    def _index_space(self, shard: _Shard, data: Data) -> None:
        content = self._parse_space(shard, data)
        shard.storage.data = data
        shard.db.clear_query_caches()
        stored = data.get("tasks", {})
        for number, (task, sup) in content.tasks.items():
            ref = self._archive.index.get(number)
            if ref is not None:
                if sup is not None and sup >= ref.seq:
                    self._archive.drop(number)  # reopened after it was archived
                else:
                    # A crash between the archive append and this shard's write: archive wins.
                    del stored[str(number)]
                    continue
            other = self._task_space.get(number)
            if other is not None:
                # A crash while a task moved between spaces: keep the newer copy.
                if _newer(self._live[number], task):
                    del stored[str(number)]
                    continue
                loser = self._shards[other]
                del loser.data["tasks"][str(number)]
                loser.task_numbers.discard(number)
                self._unindex_task(number)
            self._index_task(task)
            shard.task_numbers.add(number)
            if sup is not None:
                self._sup[number] = sup
        stored_outbox = data.get("outbox", {})
        for entry_id, (doc_id, rev, entry) in content.outbox.items():
            self._next_rev = max(self._next_rev, rev + 1)
            logged = self._logged.get(entry_id)
            if logged is not None and logged.rev > rev:
                # Marked in the outbox log after this file was written: the log's copy counts.
                shard.outbox_dirty = True
                del stored_outbox[str(doc_id)]
                if logged.entry.space != shard.name or not _in_shard(logged.entry):
                    continue  # sent or given up: indexed from the log by _index_logged
                entry, rev = logged.entry, logged.rev
                stored_outbox[str(doc_id)] = _shard_doc(entry, rev)
            other = self._outbox_space.get(entry_id)
            if other is not None and other != shard.name:
                # A crash while an entry moved between spaces: the newer copy wins (copies
                # written before revisions: the later file read).
                if self._outbox_rev.get(entry_id, 0) > rev:
                    del stored_outbox[str(doc_id)]
                    shard.outbox_dirty = True
                    continue
                self._drop_from_shard(entry_id)
            self._index_outbox(entry, rev)
            shard.outbox_ids[entry_id] = doc_id
        shard.next_outbox_doc = max(shard.outbox_ids.values(), default=0) + 1
        self._applied.update(content.applied)

    def _index_logged(self, space: str | None) -> None:
        """Index entries (of `space`, or all) whose newest copy is in the outbox log and that
        no shard indexed: sent or given up ones, and live ones a shard file lacks."""
        for entry_id, logged in self._logged.items():
            entry = logged.entry
            if space is not None and entry.space != space:
                continue
            if self._outbox_rev.get(entry_id, -1) >= logged.rev:
                continue
            self._drop_from_shard(entry_id)
            if _in_shard(entry):
                shard = self._shard(entry.space)
                doc_id = shard.next_outbox_doc
                shard.next_outbox_doc += 1
                shard.data.setdefault("outbox", {})[str(doc_id)] = _shard_doc(entry, logged.rev)
                shard.outbox_ids[entry_id] = doc_id
                shard.outbox_dirty = True
            self._index_outbox(entry, logged.rev)

    def _drop_from_shard(self, entry_id: str) -> None:
        """Remove an entry's copy from the shard memory holding it, if any (not the index)."""
        space = self._outbox_space.get(entry_id)
        shard = self._shards.get(space) if space is not None else None
        if shard is None:
            return
        doc_id = shard.outbox_ids.pop(entry_id, None)
        if doc_id is not None:
            shard.data.get("outbox", {}).pop(str(doc_id), None)
            shard.outbox_dirty = True

    def _unindex_space(self, shard: _Shard) -> None:
        for number in shard.task_numbers:
            self._unindex_task(number)
            self._sup.pop(number, None)
        shard.task_numbers.clear()
        for entry_id in shard.outbox_ids:
            self._unindex_outbox(entry_id)
        shard.outbox_ids.clear()
        shard.outbox_dirty = False
        applied = shard.data.get("applied", {}).get(_APPLIED_DOC, {}).get("ids", [])
        self._applied.difference_update(applied)

    def _reload(self, name: str) -> None:
        """Make memory match the file again (after a failed transaction or write)."""
        shard = self._shard_by_name(name)
        data, _ = self._read(shard)
        if name == PEOPLE:
            self._index_people(shard, data)
        else:
            self._unindex_space(shard)
            self._index_space(shard, data)
            self._index_logged(name)

    def _index_task(self, task: Task) -> None:
        number = task.number
        self._live[number] = task
        self._task_space[number] = task.space
        for user in set(task.assignee_ids()):
            self._by_assignee.setdefault(user, set()).add(number)
        self._by_assigner.setdefault(task.assigner, set()).add(number)
        self._by_chat.setdefault(task.chat_id, set()).add(number)
        for name in _pending_names(task):
            self._by_pending.setdefault(name, set()).add(number)

    def _unindex_task(self, number: int) -> None:
        task = self._live.pop(number, None)
        if task is None:
            return
        del self._task_space[number]
        for user in set(task.assignee_ids()):
            _discard(self._by_assignee, user, number)
        _discard(self._by_assigner, task.assigner, number)
        _discard(self._by_chat, task.chat_id, number)
        for name in _pending_names(task):
            _discard(self._by_pending, name, number)

    def _index_outbox(self, entry: OutboxEntry, rev: int) -> None:
        self._unindex_outbox(entry.id)
        self._outbox[entry.id] = entry
        self._outbox_space[entry.id] = entry.space
        self._outbox_rev[entry.id] = rev
        if entry.pending:
            self._pending[entry.id] = entry
        elif _held(entry):
            assert entry.to_user is not None
            self._held.setdefault(entry.to_user, {})[entry.id] = entry

    def _unindex_outbox(self, entry_id: str) -> None:
        old = self._outbox.pop(entry_id, None)
        self._outbox_space.pop(entry_id, None)
        self._outbox_rev.pop(entry_id, None)
        self._pending.pop(entry_id, None)
        if old is not None and old.to_user is not None:
            held = self._held.get(old.to_user)
            if held is not None:
                held.pop(entry_id, None)
                if not held:
                    del self._held[old.to_user]

    # --- exactly once -------------------------------------------------------------------------

    def applied(self, update_id: int) -> bool:
        """Has a transaction carrying this Telegram update_id been committed?"""
        with self._lock:
            return update_id in self._applied

    # --- writes -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, space: str, *, update_id: int | None = None) -> Iterator[Transaction]:
        """Buffer changes; on a clean exit write them (one atomic write per shard touched),
        with `update_id` recorded in `space`'s shard. On an exception nothing is written."""
        _check_space(space)
        with self._transaction(space, update_id) as tx:
            yield tx

    @contextlib.contextmanager
    def _transaction(self, space: str | None, update_id: int | None) -> Iterator[Transaction]:
        with self._lock:
            self._require_open()
            if self._tx is not None:
                raise RuntimeError("transactions do not nest")
            tx = Transaction(self, space, update_id)
            self._tx = tx
            try:
                yield tx
            except BaseException:
                self._tx = None
                tx._closed = True
                for name in sorted(tx._touched):
                    self._reload(name)
                raise
            self._tx = None
            tx._closed = True
            self._commit(tx)

    def put_person(self, person: Person) -> None:
        with self._transaction(None, None) as tx:
            tx.put_person(person)

    def put_workspace(self, workspace: Workspace) -> None:
        with self._transaction(None, None) as tx:
            tx.put_workspace(workspace)

    def mark_outbox(self, entry: OutboxEntry) -> None:
        """Replace an entry (typically once sent or given up): `mark_outbox_many([entry])`."""
        self.mark_outbox_many([entry])

    def mark_outbox_many(self, entries: Sequence[OutboxEntry]) -> None:
        """Record delivery's results for a batch (sent / failed / held / retry / released),
        durable before it returns: ONE append + fsync to the outbox log for the whole batch,
        whatever shards the entries live in; no shard is rewritten.

        Entries the Database does not hold in that space (new ones, or moved to another space)
        go through a transaction instead, one per space. The last copy of an id wins."""
        batch = {e.id: e for e in entries}
        for e in batch.values():
            _check_space(e.space)
        with self._lock:
            self._require_open()
            if self._tx is not None:
                raise RuntimeError("transactions do not nest")
            known = [e for e in batch.values() if self._outbox_space.get(e.id) == e.space]
            other: dict[str, list[OutboxEntry]] = {}
            for e in batch.values():
                if self._outbox_space.get(e.id) != e.space:
                    other.setdefault(e.space, []).append(e)
            for space, group in sorted(other.items()):
                with self._transaction(space, None) as tx:
                    for e in group:
                        tx.put_outbox(e)
            if known:
                self._log_marks(known)
            self._prune_outlog()

    def _log_marks(self, entries: list[OutboxEntry]) -> None:
        first = self._next_rev
        lines = [line_of(first + i, e) for i, e in enumerate(entries)]  # TypeError: no write
        self._next_rev += len(entries)
        day = day_of(self._clock.now())
        # Durable before memory changes: memory never runs ahead of the disk. If the append
        # fails part-way, what reached the disk counts at the next open (a re-send at most).
        self._outlog.append(day, b"".join(lines))
        for i, entry in enumerate(entries):
            rev = first + i
            self._logged[entry.id] = Logged(rev, day, entry)
            shard = self._shards[entry.space]
            table = shard.data.setdefault("outbox", {})
            doc_id = shard.outbox_ids.get(entry.id)
            if _in_shard(entry):
                if doc_id is None:
                    doc_id = shard.next_outbox_doc
                    shard.next_outbox_doc += 1
                    shard.outbox_ids[entry.id] = doc_id
                table[str(doc_id)] = _shard_doc(entry, rev)
            elif doc_id is not None:
                del table[str(doc_id)]
                del shard.outbox_ids[entry.id]
            shard.outbox_dirty = True
            self._index_outbox(entry, rev)

    def _prune_outlog(self, *, force: bool = False) -> None:
        """Delete the outbox log's files whose every line is older than SENT_OUTBOX_KEEP, and
        forget the sent / given-up entries only they held. Shards that lag behind the log are
        rewritten first, so no live entry's newest state is lost with a file."""
        stamp = time.monotonic()
        if not force and stamp - self._last_log_prune < HOUSEKEEPING_EVERY:
            return
        self._last_log_prune = stamp
        cutoff = self._clock.now() - SENT_OUTBOX_KEEP
        old = {day for day in self._outlog.days() if day_end(day) <= cutoff}
        if not old:
            return
        try:
            dirty = {s.name for s in self._shards.values() if s.outbox_dirty}
            if dirty:
                flush = Transaction(self, None, None)
                flush._touched.update(dirty)
                self._commit(flush)
            for day in sorted(old):
                self._outlog.remove(day)
        except OSError:
            log.exception("could not prune the outbox log; will try again")
            return
        for entry_id, logged in list(self._logged.items()):
            if logged.day not in old:
                continue
            del self._logged[entry_id]
            space = self._outbox_space.get(entry_id)
            in_shard = space is not None and entry_id in self._shards[space].outbox_ids
            if self._outbox_rev.get(entry_id) == logged.rev and not in_shard:
                self._unindex_outbox(entry_id)  # sent or given up long ago: gone with its file

    def next_task_number(self) -> int:
        with self._lock:
            self._require_open()
            number = self._next_number
            self._next_number += 1
            return number

    def _commit(self, tx: Transaction) -> None:
        touched = set(tx._touched)
        try:
            plan = self._apply(tx, touched)
            self._write(tx, touched, plan)
        except BaseException:
            for name in sorted(touched):
                self._reload(name)
            raise
        self._index_commit(tx, plan)

    def _apply(self, tx: Transaction, touched: set[str]) -> _Plan:
        """Put the transaction into the shards' memory and serialise; nothing on disk yet."""
        plan = _Plan(now=self._clock.now())
        self._apply_people(tx, touched)
        self._apply_tasks(tx, touched, plan)
        self._apply_outbox(tx, touched, plan)
        self._apply_update_id(tx, touched, plan)
        self._housekeep(tx, touched, plan)
        # Serialise everything before the first byte goes to disk: a value that cannot be
        # written fails the whole transaction, not half of it.
        for name in touched:
            plan.payload[name] = dumps(self._shard_by_name(name).data)
        return plan

    def _apply_people(self, tx: Transaction, touched: set[str]) -> None:
        if not (tx._people or tx._workspaces):
            return
        data = self._shard_by_name(PEOPLE).data
        people = data.setdefault("people", {})
        for user_id, (_, doc) in tx._people.items():
            people[str(user_id)] = doc
        spaces = data.setdefault("workspaces", {})
        for chat_id, (_, doc) in tx._workspaces.items():
            spaces[str(chat_id)] = doc
        touched.add(PEOPLE)

    def _apply_tasks(self, tx: Transaction, touched: set[str], plan: _Plan) -> None:
        """A live task into its space's shard (out of the one it left); a finished one into
        the archive's plan."""
        for number, (task, doc) in tx._tasks.items():
            old_space = self._task_space.get(number)
            if old_space is not None and (task.finished or old_space != task.space):
                self._shards[old_space].data.get("tasks", {}).pop(str(number), None)
                touched.add(old_space)
                if not task.finished:
                    plan.moved_from.add(old_space)
            if task.finished:
                plan.archive.append(self._archive.prepare(task, plan.now))
                continue
            ref = self._archive.index.get(number)
            sup = ref.seq if ref is not None else self._sup.get(number)
            if sup is not None:
                doc = {**doc, "_sup": sup}
                plan.sup[number] = sup
            self._shard(task.space).data.setdefault("tasks", {})[str(number)] = doc
            touched.add(task.space)

    def _apply_outbox(self, tx: Transaction, touched: set[str], plan: _Plan) -> None:
        """Each entry into its space's shard under its doc id (a fresh one in a new space),
        with a new revision."""
        for entry_id, (entry, doc) in tx._outbox.items():
            old_space = self._outbox_space.get(entry_id)
            if old_space is not None and old_space != entry.space:
                old = self._shards[old_space]
                old_doc = old.outbox_ids.get(entry_id)
                if old_doc is not None:  # else only the outbox log has it (sent / given up)
                    old.data.get("outbox", {}).pop(str(old_doc), None)
                    touched.add(old_space)
                    plan.moved_from.add(old_space)
            shard = self._shard(entry.space)
            doc_id = shard.outbox_ids.get(entry_id) if old_space == entry.space else None
            if doc_id is None:
                doc_id = shard.next_outbox_doc
                shard.next_outbox_doc += 1
            rev = self._next_rev
            self._next_rev += 1
            plan.outbox_doc[entry_id] = (doc_id, rev)
            doc["_rev"] = rev  # the transaction's own copy (put_outbox made it)
            shard.data.setdefault("outbox", {})[str(doc_id)] = doc
            touched.add(entry.space)

    def _apply_update_id(self, tx: Transaction, touched: set[str], plan: _Plan) -> None:
        """Record the transaction's update id in its space (the newest APPLIED_KEEP kept)."""
        if tx.update_id is None:
            return
        assert tx.space is not None
        main = self._shard(tx.space)
        table = main.data.setdefault("applied", {})
        ids: list[int] = list(table.get(_APPLIED_DOC, {}).get("ids", []))
        ids.append(tx.update_id)
        if len(ids) > APPLIED_KEEP + APPLIED_KEEP // 10:
            ids.sort()
            plan.unapplied.extend(ids[:-APPLIED_KEEP])
            ids = ids[-APPLIED_KEEP:]
        table[_APPLIED_DOC] = {"ids": ids}
        touched.add(tx.space)

    def _housekeep(self, tx: Transaction, touched: set[str], plan: _Plan) -> None:
        """Prune the old sent entries of the touched spaces, each at most every
        HOUSEKEEPING_EVERY."""
        stamp = time.monotonic()
        for name in touched:
            if name == PEOPLE:
                continue
            shard = self._shards[name]
            if stamp - shard.last_prune >= HOUSEKEEPING_EVERY:
                self._prune_outbox(shard, tx, plan)
                shard.last_prune = stamp

    def _prune_outbox(self, shard: _Shard, tx: Transaction, plan: _Plan) -> None:
        cutoff = plan.now - SENT_OUTBOX_KEEP
        table = shard.data.get("outbox", {})
        for entry_id, doc_id in shard.outbox_ids.items():
            entry = self._outbox[entry_id]
            if entry.pending or _held(entry) or entry_id in tx._outbox:
                continue
            if entry_id in self._logged:
                continue  # an older copy is in the outbox log: pruned once that file goes
            if (entry.sent_at or entry.created_at) < cutoff:
                table.pop(str(doc_id), None)
                plan.pruned.append(entry_id)

    def _write(self, tx: Transaction, touched: set[str], plan: _Plan) -> None:
        """People first, then the archive, then the spaces, the transaction's own last: a crash
        part-way leaves the update_id unrecorded, so the update is applied again.

        Exception: a space a task (or entry) moved out of is written after the space it moved
        to, so a crash in between leaves two copies (the newer wins at load), never none.
        """
        if PEOPLE in touched:
            self._write_shard(PEOPLE, plan)
        self._archive.append(plan.archive)
        spaces = [tx.space] if tx.space is not None and tx.space in touched else []
        late = sorted(plan.moved_from.intersection(touched).difference(spaces))
        early = sorted(touched.difference(spaces, late, {PEOPLE}))
        for name in [*early, *spaces, *late]:
            self._write_shard(name, plan)

    def _write_shard(self, name: str, plan: _Plan) -> None:
        shard = self._shard_by_name(name)
        payload = plan.payload[name]
        atomic_write(shard.path, payload)
        shard.on_disk = True
        shard.outbox_dirty = False
        stamp = time.monotonic()
        if stamp - shard.last_backup >= HOUSEKEEPING_EVERY:
            shard.last_backup = stamp
            self._backup(name, payload, plan.now)

    def _backup(self, name: str, payload: bytes, now: datetime) -> None:
        try:
            self._backups.make(name, payload, now)
        except OSError:
            log.exception("could not write a backup of %s", name)

    def _index_commit(self, tx: Transaction, plan: _Plan) -> None:
        """Bring the indexes up to the state just written."""
        for person, _ in tx._people.values():
            self._index_person(person)
        for workspace, _ in tx._workspaces.values():
            self._workspaces[workspace.chat_id] = workspace
        for number, (task, _) in tx._tasks.items():
            old_space = self._task_space.get(number)
            if old_space is not None:
                self._unindex_task(number)
                self._shards[old_space].task_numbers.discard(number)
            self._next_number = max(self._next_number, number + 1)
            if task.finished:
                self._sup.pop(number, None)
                continue
            self._index_task(task)
            self._shards[task.space].task_numbers.add(number)
            if number in plan.sup:
                self._sup[number] = plan.sup[number]
                self._archive.drop(number)
        for entry_id in plan.pruned:
            shard = self._shards[self._outbox_space[entry_id]]
            del shard.outbox_ids[entry_id]
            self._unindex_outbox(entry_id)
        for entry_id, (entry, _) in tx._outbox.items():
            old_space = self._outbox_space.get(entry_id)
            if old_space is not None and old_space != entry.space:
                self._shards[old_space].outbox_ids.pop(entry_id, None)
            doc_id, rev = plan.outbox_doc[entry_id]
            self._shards[entry.space].outbox_ids[entry_id] = doc_id
            self._index_outbox(entry, rev)
        if tx.update_id is not None:
            self._applied.add(tx.update_id)
        self._applied.difference_update(plan.unapplied)

    # --- reads --------------------------------------------------------------------------------

    def get_task(self, number: int) -> Task | None:
        """Task #number, live or archived."""
        with self._lock:
            task = self._live.get(number)
            return task if task is not None else self._archive.get(number)

    def live_tasks(self) -> list[Task]:
        with self._lock:
            return [self._live[n] for n in sorted(self._live)]

    def tasks_for_assignee(self, user_id: int) -> list[Task]:
        with self._lock:
            return self._tasks_of(self._by_assignee.get(user_id))

    def tasks_by_assigner(self, user_id: int) -> list[Task]:
        with self._lock:
            return self._tasks_of(self._by_assigner.get(user_id))

    def tasks_in_chat(self, chat_id: int) -> list[Task]:
        with self._lock:
            return self._tasks_of(self._by_chat.get(chat_id))

    def tasks_pending_username(self, username: str) -> list[Task]:
        """Live tasks waiting for @username to show up (case-insensitive, '@' optional)."""
        with self._lock:
            return self._tasks_of(self._by_pending.get(_name_key(username)))

    def _tasks_of(self, numbers: Iterable[int] | None) -> list[Task]:
        return [self._live[n] for n in sorted(numbers or ())]

    def finished_tasks(self, *, user_id: int, since: datetime) -> list[Task]:
        """Archived tasks changed at or after `since` that `user_id` assigned or was given."""
        with self._lock:
            return self._archive.finished(user_id, since)

    def finished_since(
        self, since: datetime, *, chat_id: int | None = None, user_id: int | None = None
    ) -> Iterator[Task]:
        """Archived tasks changed at or after `since` — of this chat, with this person among
        its people (each filter when given) — in no set order: `finished_tasks` for a long
        read (a month's /export tasks, in a thread) that does not hold the lock while it reads.

        Under the lock it only notes what to read, in one pass over the archive's index: the
        tasks already in memory (finished recently) and where every other line is. The lines
        are read and parsed as the iterator runs, without the lock: the archive only appends,
        and a line is indexed once it is whole on disk, so a place noted here reads that line
        later (a task that changes meanwhile is read as it was when this was called).
        """
        first = since.astimezone(UTC).strftime("%Y-%m")
        ready: list[Task] = []
        places: dict[str, list[tuple[int, int]]] = {}
        with self._lock:
            self._require_open()
            archive = self._archive
            for number, ref in archive.index.items():
                if ref.month < first:
                    continue
                task = archive.recent.get(number)
                if task is not None:
                    ready.append(task)
                else:
                    places.setdefault(ref.month, []).append((ref.offset, ref.length))
        some = chat_id if chat_id is not None else user_id
        needle = None if some is None else str(some).encode()  # a cheap test before a parse

        def wanted(task: Task) -> bool:
            return (
                task.updated_at is not None
                and task.updated_at >= since
                and (chat_id is None or task.chat_id == chat_id)
                and (user_id is None or user_id in task.participants())
            )

        def read() -> Iterator[Task]:
            yield from filter(wanted, ready)
            for month, spans in sorted(places.items()):
                data = (archive.dir / f"{month}.jsonl").read_bytes()
                for offset, length in sorted(spans):
                    line = data[offset : offset + length]
                    if needle is None or needle in line:
                        task = Archive._parse(line)
                        if wanted(task):
                            yield task

        return read()

    def pending_outbox(self) -> list[OutboxEntry]:
        """Entries not yet sent nor given up, oldest first."""
        with self._lock:
            return sorted(self._pending.values(), key=lambda e: (e.created_at, e.id))

    def held_outbox(self, user_id: int) -> list[OutboxEntry]:
        """Entries held for a person the bot could not reach (failed='unreachable'), oldest
        first: released by delivery once they become reachable."""
        with self._lock:
            held = self._held.get(user_id, {})
            return sorted(held.values(), key=lambda e: (e.created_at, e.id))

    def get_outbox(self, entry_id: str) -> OutboxEntry | None:
        with self._lock:
            return self._outbox.get(entry_id)

    def get_person(self, user_id: int) -> Person | None:
        with self._lock:
            return self._people.get(user_id)

    def find_person(self, username: str) -> Person | None:
        """The person with this username (case-insensitive, '@' optional)."""
        with self._lock:
            user_id = self._by_username.get(_name_key(username))
            return None if user_id is None else self._people.get(user_id)

    def people(self) -> list[Person]:
        with self._lock:
            return [self._people[k] for k in sorted(self._people)]

    def get_workspace(self, chat_id: int) -> Workspace | None:
        with self._lock:
            return self._workspaces.get(chat_id)

    def workspaces(self) -> list[Workspace]:
        with self._lock:
            return [self._workspaces[k] for k in sorted(self._workspaces)]

    def shard_table(self, space: str, name: str) -> Table:
        """Read a feature's table of a space; write only through `Transaction.table`."""
        with self._lock:
            self._require_open()
            if name in RESERVED_TABLES:
                raise ValueError(f"table {name!r} belongs to the Database; use its methods")
            return self._shard(space).db.table(name)

    def spaces(self) -> list[str]:
        """Spaces that have a file."""
        with self._lock:
            return sorted(name for name, shard in self._shards.items() if shard.on_disk)


@dataclass
class _Plan:
    now: datetime
    archive: list[PreparedLine] = field(default_factory=list)
    sup: dict[int, int] = field(default_factory=dict)
    outbox_doc: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (doc id, rev)
    pruned: list[str] = field(default_factory=list)
    unapplied: list[int] = field(default_factory=list)
    moved_from: set[str] = field(default_factory=set)
    payload: dict[str, bytes] = field(default_factory=dict)


def _check_layout(data: Any) -> None:
    """TinyDB's layout: {table: {"<int doc id>": {document}}}."""
    if not isinstance(data, dict):
        raise MappingError("top level is not an object")
    for table_name, table in data.items():
        if not isinstance(table, dict):
            raise MappingError(f"table {table_name!r} is not an object")
        for doc_id, doc in table.items():
            if not isinstance(doc, dict):
                raise MappingError(f"{table_name}[{doc_id}] is not an object")
            try:
                int(doc_id)
            except ValueError:
                raise MappingError(f"{table_name}: bad document id {doc_id!r}") from None


def _held(entry: OutboxEntry) -> bool:
    return entry.failed == HELD and entry.sent_at is None and entry.to_user is not None


def _in_shard(entry: OutboxEntry) -> bool:
    """Does a mark keep this entry in its shard (still to send, or held), or is it done?"""
    return entry.pending or _held(entry)


def _shard_doc(entry: OutboxEntry, rev: int) -> mapping.Doc:
    return {**mapping.outbox_to_dict(entry), "_rev": rev}


def _name_key(username: str) -> str:
    return username.lstrip("@").lower()


def _pending_names(task: Task) -> set[str]:
    return {
        _name_key(a.username)
        for a in task.assignees
        if a.user_id is None and a.username is not None
    }


def _discard(index: dict[Any, set[int]], key: Any, number: int) -> None:
    numbers = index.get(key)
    if numbers is not None:
        numbers.discard(number)
        if not numbers:
            del index[key]


def _newer(a: Task, b: Task) -> bool:
    """Is `a` at least as recent as `b` (a missing updated_at counts as oldest)?"""
    floor = datetime.min.replace(tzinfo=UTC)
    return (a.updated_at or floor) >= (b.updated_at or floor)


__all__ = ["Database", "Transaction", "space_of_chat"]
