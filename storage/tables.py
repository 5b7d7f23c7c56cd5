"""Numbered records in the space shards: the common part of the notice and collection stores.

Each record lives in its space's shard, in the store's table, under doc id = its number; the
numbers come from one counter for the whole bot (the highest stored, plus one). In memory, the
store keeps which space holds each number. That index is a hint: it may name more than is true
(a write that was rolled back), never less, so readers re-check the stored record.

A feature's store subclasses `NumberedStore`, names its `table`, and extends `_index` (called
for every stored record at the first use, and for every record it writes) with what else it
finds records by. Everything kept in memory is guarded by `_lock`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from tinydb.table import Document as TinyDoc

from storage.database import Database, Transaction
from storage.mapping import RecordMapper


class Numbered(Protocol):
    @property
    def number(self) -> int: ...

    @property
    def space(self) -> str: ...


_R = TypeVar("_R", bound=Numbered)

READ_CACHE = 256  # records kept as last read (the most recently read)


class NumberedStore(Generic[_R]):
    table: ClassVar[str]

    def __init__(self, db: Database, mapper: RecordMapper[_R]) -> None:
        self.db = db
        self.mapper = mapper
        self._lock = threading.RLock()
        self._space: dict[int, str] = {}
        self._top = 0
        self._loaded = False
        # The last record read of each number, with the document it was read from: a stored
        # document equal to it (a comparison in C, its unchanged parts the same objects) is not
        # mapped again (a notice to 1,000 is read every tick).
        self._read: OrderedDict[int, tuple[dict[str, Any], _R]] = OrderedDict()

    # --- the index -----------------------------------------------------------------------------

    def _index(self, record: _R, space: str) -> None:
        """Note that `space` holds `record` (extend it, calling it first; under `_lock`)."""
        self._space[record.number] = space
        self._top = max(self._top, record.number)

    def _load(self) -> None:
        """Index every stored record, once (under `_lock`)."""
        if self._loaded:
            return
        for space in self.db.spaces():
            self._load_space(space)
        self._loaded = True

    def _load_space(self, space: str) -> None:
        for record in self.in_space(space):
            self._index(record, space)

    def _forget(self) -> None:
        """Drop what is kept in memory: it is read again from storage at the next use (extend
        it with the subclass's own indexes; under `_lock`)."""
        self._space.clear()
        self._top = 0
        self._loaded = False
        self._read.clear()

    # --- reads and writes ----------------------------------------------------------------------

    def next_number(self) -> int:
        with self._lock:
            self._load()
            self._top += 1
            return self._top

    def get(self, number: int) -> _R | None:
        with self._lock:
            self._load()
            space = self._space.get(number)
        if space is None:
            return None
        doc = self.db.shard_table(space, self.table).get(doc_id=number)
        if doc is None or isinstance(doc, list):
            return None
        with self._lock:
            seen = self._read.get(number)
            if seen is not None and seen[0] == doc:
                self._read.move_to_end(number)
                return seen[1]
        record = self.mapper.load(doc)
        with self._lock:
            self._read[number] = (dict(doc), record)
            self._read.move_to_end(number)
            while len(self._read) > READ_CACHE:
                self._read.popitem(last=False)
        return record

    def in_space(self, space: str) -> list[_R]:
        return [self.mapper.load(d) for d in self.db.shard_table(space, self.table).all()]

    def _put(self, tx: Transaction, record: _R) -> None:
        """Write `record` in `tx` (a transaction in its space) and index it."""
        with self._lock:
            self._load()
            self._index(record, record.space)
        tx.table(self.table).upsert(TinyDoc(self.mapper.dump(record), doc_id=record.number))
