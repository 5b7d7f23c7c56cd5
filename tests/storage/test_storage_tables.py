"""NumberedStore (storage/tables.py): numbered records in their space's shard, found by number
through an index kept in memory that is rebuilt from the files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from storage import Database, Transaction
from storage.mapping import RecordMapper
from storage.tables import NumberedStore


@dataclass(frozen=True, slots=True)
class Memo:
    number: int
    space: str
    text: str = ""
    done: bool = False


class MemoStore(NumberedStore[Memo]):
    table = "memos"

    def __init__(self, db: Database) -> None:
        super().__init__(db, RecordMapper(Memo))
        self.open: set[int] = set()

    def _index(self, record: Memo, space: str) -> None:
        super()._index(record, space)
        if not record.done:
            self.open.add(record.number)

    def _forget(self) -> None:
        super()._forget()
        self.open.clear()

    def put(self, tx: Transaction, memo: Memo) -> None:
        self._put(tx, memo)


def write(db: Database, store: MemoStore, *memos: Memo) -> None:
    for memo in memos:
        with db.transaction(memo.space) as tx:
            store.put(tx, memo)


def test_numbers_are_global_found_in_any_space_and_survive_a_reopen(
    db: Database, open_db: Callable[[], Database]
) -> None:
    store = MemoStore(db)
    first, second = store.next_number(), store.next_number()
    write(db, store, Memo(first, "g-1", "a"), Memo(second, "p2", "b", done=True))
    db.close()

    store = MemoStore(open_db())

    assert store.get(first) == Memo(first, "g-1", "a")
    assert store.get(second) == Memo(second, "p2", "b", done=True)
    assert store.get(99) is None
    assert store.in_space("p2") == [Memo(second, "p2", "b", done=True)]
    assert store.open == {first}  # the subclass's index is rebuilt at the first use too
    assert store.next_number() == 3


def test_a_rolled_back_write_is_not_found_though_the_index_named_it(db: Database) -> None:
    store = MemoStore(db)
    number = store.next_number()

    def crash() -> None:
        with db.transaction("g-1") as tx:
            store.put(tx, Memo(number, "g-1"))
            raise RuntimeError("crash before the commit")

    with pytest.raises(RuntimeError):
        crash()

    assert store.open == {number}  # a hint that names more than is true ...
    assert store.get(number) is None  # ... and the stored record says what is
    assert store.next_number() == number + 1  # a number is never handed out twice


def test_forget_reads_everything_again_at_the_next_use(db: Database) -> None:
    store = MemoStore(db)
    write(db, store, Memo(1, "g-1"), Memo(2, "g-1"))
    with db.transaction("g-1") as tx:  # changed behind the store's back (a migration)
        tx.table("memos").remove(doc_ids=[2])

    store._forget()

    assert store.open == set()
    assert store.get(2) is None
    assert store.open == {1}
    assert store.next_number() == 2


def test_an_unchanged_record_is_not_mapped_again_a_changed_one_is(db: Database) -> None:
    """A notice to 1,000 is read every tick: while its document is unchanged the record read
    last is the answer (mapped once); a write, or a write rolled back, is read afresh."""
    store = MemoStore(db)
    write(db, store, Memo(1, "g-1", "a"))
    first = store.get(1)
    assert store.get(1) is first
    write(db, store, Memo(1, "g-1", "b"))
    changed = store.get(1)
    assert changed == Memo(1, "g-1", "b")
    assert store.get(1) is changed

    def crash() -> None:
        with db.transaction("g-1") as tx:
            store.put(tx, Memo(1, "g-1", "c"))
            store.get(1)  # read inside: not what is stored once it is rolled back
            raise RuntimeError("crash before the commit")

    with pytest.raises(RuntimeError):  # written, then rolled back: what is stored counts
        crash()
    assert store.get(1) == Memo(1, "g-1", "b")
