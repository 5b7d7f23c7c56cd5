"""Notices in a space's shard (table "notices", doc id = notice number), and the small
in-memory indexes that find a notice by number and the ones with work left.

Dict <-> record mapping for bot/notices/ lives here and nowhere else (a RecordMapper: the
documents are those the hand-written mapping wrote, key for key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.notices.rules import Notice, Outgoing
from storage.database import Database, Transaction
from storage.mapping import Doc, RecordMapper
from storage.tables import NumberedStore

NOTICES = "notices"

# Outgoing messages are stored as rows, `[user_id, kind, version, round]`.
_NOTICES = RecordMapper(Notice, rows=(Outgoing,))


def notice_to_dict(notice: Notice) -> Doc:
    return _NOTICES.dump(notice)


def notice_from_dict(doc: Mapping[str, Any]) -> Notice:
    return _NOTICES.load(doc)


class NoticeStore(NumberedStore[Notice]):
    """get/list/put notices (storage/tables.py); the set of notices with work left is a hint
    like the index: readers re-check the stored notice."""

    table = NOTICES

    def __init__(self, db: Database) -> None:
        super().__init__(db, _NOTICES)
        self._active: set[int] = set()

    def _index(self, record: Notice, space: str) -> None:
        super()._index(record, space)
        if record.active():
            self._active.add(record.number)

    def put(self, tx: Transaction, notice: Notice) -> None:
        """Write `notice` in `tx` (whose space must be the notice's)."""
        if tx.space != notice.space:
            raise ValueError(f"notice {notice.number} lives in {notice.space}, not {tx.space}")
        self._put(tx, notice)

    def space_moved(self, old: str, new: str) -> None:
        """A group's notices moved to its new chat id's space (bot/groups/)."""
        with self._lock:
            for number, space in list(self._space.items()):
                if space == old:
                    self._space[number] = new

    def active(self) -> list[Notice]:
        """Notices with work left (queued messages, resends, reminders, a stale tracking)."""
        with self._lock:
            self._load()
            numbers = sorted(self._active)
        out = []
        for number in numbers:
            notice = self.get(number)
            if notice is not None and notice.active():
                out.append(notice)
            else:
                with self._lock:
                    self._active.discard(number)
        return out

    def all(self) -> list[Notice]:
        with self._lock:
            self._load()
            spaces = sorted(set(self._space.values()))
        return [n for s in spaces for n in self.in_space(s)]
