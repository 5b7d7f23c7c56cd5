"""Notices in a space's shard (table "notices", doc id = notice number), and the small
in-memory index that finds a notice by number and the ones with work left.

Dict <-> record mapping for bot/notices/ lives here and nowhere else (a RecordMapper: the
documents are those the hand-written mapping wrote, key for key).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from tinydb.table import Document as TinyDoc

from bot.notices.rules import Notice, Outgoing
from storage.database import Database, Transaction
from storage.mapping import Doc, RecordMapper

NOTICES = "notices"

# Outgoing messages are stored as rows, `[user_id, kind, version, round]`.
_NOTICES = RecordMapper(Notice, rows=(Outgoing,))


def notice_to_dict(notice: Notice) -> Doc:
    return _NOTICES.dump(notice)


def notice_from_dict(doc: Mapping[str, Any]) -> Notice:
    return _NOTICES.load(doc)


class NoticeStore:
    """get/list/put notices. The index (number -> space) and the set of notices with work
    left are hints kept in memory: they may name more than is true (a rolled-back write),
    never less, so readers re-check the stored notice."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.RLock()
        self._space: dict[int, str] = {}
        self._active: set[int] = set()
        self._top = 0
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        for space in self.db.spaces():
            for doc in self.db.shard_table(space, NOTICES).all():
                notice = notice_from_dict(doc)
                self._space[notice.number] = space
                self._top = max(self._top, notice.number)
                if notice.active():
                    self._active.add(notice.number)
        self._loaded = True

    def next_number(self) -> int:
        with self._lock:
            self._load()
            self._top += 1
            return self._top

    def get(self, number: int) -> Notice | None:
        with self._lock:
            self._load()
            space = self._space.get(number)
        if space is None:
            return None
        doc = self.db.shard_table(space, NOTICES).get(doc_id=number)
        if doc is None or isinstance(doc, list):
            return None
        return notice_from_dict(doc)

    def put(self, tx: Transaction, notice: Notice) -> None:
        """Write `notice` in `tx` (whose space must be the notice's)."""
        if tx.space != notice.space:
            raise ValueError(f"notice {notice.number} lives in {notice.space}, not {tx.space}")
        with self._lock:
            self._load()
            self._space[notice.number] = notice.space
            self._top = max(self._top, notice.number)
            if notice.active():
                self._active.add(notice.number)
        tx.table(NOTICES).upsert(TinyDoc(notice_to_dict(notice), doc_id=notice.number))

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

    def in_space(self, space: str) -> list[Notice]:
        return [notice_from_dict(d) for d in self.db.shard_table(space, NOTICES).all()]

    def all(self) -> list[Notice]:
        with self._lock:
            self._load()
            spaces = sorted(set(self._space.values()))
        return [n for s in spaces for n in self.in_space(s)]
