"""Collections in a space's shard (table "collections", doc id = collection number) and the weekly
charts owed to people (table "week_charts" of their private space), with the small in-memory
indexes that find them.

Dict <-> record mapping for bot/reports lives here and nowhere else. The indexes are hints:
they may name more than is true (a write that was rolled back), never less, so readers check
the stored record.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from tinydb.table import Document as TinyDoc

from bot.core.models import OutboxEntry
from bot.reports.models import (
    Collection,
    Forward,
    Item,
    ItemKind,
    Member,
    MemberState,
    OwedChart,
    Status,
)
from storage.database import Database
from storage.errors import MappingError
from storage.mapping import dt_from_str, dt_to_str

COLLECTIONS = "collections"
WEEK_CHARTS = "week_charts"

Doc = dict[str, Any]


def _dt(value: Any) -> Any:
    return None if value is None else dt_from_str(value)


def _str_dt(value: Any) -> str | None:
    return None if value is None else dt_to_str(value)


# ----- mapping ----------------------------------------------------------------------------------
def item_to_dict(i: Item) -> Doc:
    return {
        "kind": i.kind.value,
        "at": dt_to_str(i.at),
        "text": i.text,
        "file_id": i.file_id,
        "file_name": i.file_name,
    }


def item_from_dict(doc: Any) -> Item:
    return Item(
        kind=ItemKind(doc["kind"]),
        at=dt_from_str(doc["at"]),
        text=str(doc.get("text", "")),
        file_id=doc.get("file_id"),
        file_name=doc.get("file_name"),
    )


def member_to_dict(m: Member) -> Doc:
    return {
        "name": m.name,
        "user_id": m.user_id,
        "username": m.username,
        "phone": m.phone,
        "state": m.state.value,
        "items": [item_to_dict(i) for i in m.items],
        "answered_at": _str_dt(m.answered_at),
        "late": m.late,
        "reason": m.reason,
        "chat_id": m.chat_id,
        "message_ids": list(m.message_ids),
        "reminded": m.reminded,
    }


def member_from_dict(doc: Any) -> Member:
    return Member(
        name=str(doc["name"]),
        user_id=doc.get("user_id"),
        username=doc.get("username"),
        phone=doc.get("phone"),
        state=MemberState(doc.get("state", MemberState.WAITING.value)),
        items=tuple(item_from_dict(i) for i in doc.get("items", ())),
        answered_at=_dt(doc.get("answered_at")),
        late=bool(doc.get("late", False)),
        reason=str(doc.get("reason", "")),
        chat_id=doc.get("chat_id"),
        message_ids=tuple(int(i) for i in doc.get("message_ids", ())),
        reminded=int(doc.get("reminded", 0)),
    )


def collection_to_dict(c: Collection) -> Doc:
    return {
        "number": c.number,
        "space": c.space,
        "chat_id": c.chat_id,
        "sender": c.sender,
        "title": c.title,
        "created_at": dt_to_str(c.created_at),
        "due": dt_to_str(c.due),
        "members": [member_to_dict(m) for m in c.members],
        "targets": list(c.targets),
        "recurrence": c.recurrence,
        "first_due": _str_dt(c.first_due),
        "round": c.round,
        "status": c.status.value,
        "closed_at": _str_dt(c.closed_at),
        "bundled": c.bundled,
        "bundle_entry": c.bundle_entry,
        "reminders": list(c.reminders),
        "forwards": [[f.member, f.item, f.after] for f in c.forwards],
        "next_at": _str_dt(c.next_at),
        "next_number": c.next_number,
        "tracking_chat_id": c.tracking_chat_id,
        "tracking_message_id": c.tracking_message_id,
        "rev": c.rev,
        "shown_rev": c.shown_rev,
        "updated_at": _str_dt(c.updated_at),
    }


def collection_from_dict(doc: Any) -> Collection:
    try:
        return Collection(
            number=int(doc["number"]),
            space=str(doc["space"]),
            chat_id=int(doc["chat_id"]),
            sender=int(doc["sender"]),
            title=str(doc["title"]),
            created_at=dt_from_str(doc["created_at"]),
            due=dt_from_str(doc["due"]),
            members=tuple(member_from_dict(m) for m in doc.get("members", ())),
            targets=tuple(str(t) for t in doc.get("targets", ())),
            recurrence=doc.get("recurrence"),
            first_due=_dt(doc.get("first_due")),
            round=int(doc.get("round", 1)),
            status=Status(doc.get("status", Status.OPEN.value)),
            closed_at=_dt(doc.get("closed_at")),
            bundled=bool(doc.get("bundled", False)),
            bundle_entry=doc.get("bundle_entry"),
            reminders=tuple(str(s) for s in doc.get("reminders", ())),
            forwards=tuple(
                Forward(str(f[0]), int(f[1]), str(f[2])) for f in doc.get("forwards", ())
            ),
            next_at=_dt(doc.get("next_at")),
            next_number=doc.get("next_number"),
            tracking_chat_id=doc.get("tracking_chat_id"),
            tracking_message_id=doc.get("tracking_message_id"),
            rev=int(doc.get("rev", 0)),
            shown_rev=int(doc.get("shown_rev", 0)),
            updated_at=_dt(doc.get("updated_at")),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise MappingError(f"bad collection record: {exc}") from exc


# ----- the store --------------------------------------------------------------------------------
class CollectionStore:
    """get/list/save collections; the weekly charts owed. See the module docstring."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.RLock()
        self._space: dict[int, str] = {}
        self._active: set[int] = set()
        self._by_sender: dict[int, set[int]] = {}
        self._by_member: dict[int, set[int]] = {}
        self._by_request: dict[tuple[int, int], int] = {}
        self._owed: dict[str, OwedChart] = {}
        self._top = 0
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        for space in self.db.spaces():
            for doc in self.db.shard_table(space, COLLECTIONS).all():
                self._index(collection_from_dict(doc))
            if space.startswith("p"):
                for doc in self.db.shard_table(space, WEEK_CHARTS).all():
                    owed = OwedChart(str(doc["key"]), int(doc["user_id"]), int(doc["chat_id"]))
                    self._owed[owed.key] = owed
        self._loaded = True

    def space_moved(self, _old: str, _new: str) -> None:
        """A group's records moved to its new chat id (bot/groups/): what is kept in memory is
        read again from storage at the next use."""
        with self._lock:
            self._space.clear()
            self._active.clear()
            self._by_sender.clear()
            self._by_member.clear()
            self._by_request.clear()
            self._owed.clear()
            self._top = 0
            self._loaded = False

    def _index(self, c: Collection) -> None:
        self._space[c.number] = c.space
        self._top = max(self._top, c.number)
        if c.has_work:
            self._active.add(c.number)
        self._by_sender.setdefault(c.sender, set()).add(c.number)
        for m in c.members:
            if m.user_id is not None:
                self._by_member.setdefault(m.user_id, set()).add(c.number)
            if m.chat_id is not None:
                for message_id in m.message_ids:
                    self._by_request[(m.chat_id, message_id)] = c.number

    def next_number(self) -> int:
        with self._lock:
            self._load()
            self._top += 1
            return self._top

    def get(self, number: int) -> Collection | None:
        with self._lock:
            self._load()
            space = self._space.get(number)
        if space is None:
            return None
        doc = self.db.shard_table(space, COLLECTIONS).get(doc_id=number)
        if doc is None or isinstance(doc, list):
            return None
        return collection_from_dict(doc)

    def save(
        self,
        collections: Sequence[Collection],
        entries: Sequence[OutboxEntry] = (),
        *,
        update_id: int | None = None,
    ) -> None:
        """One durable write: the collections (all of one space), the entries, the update id."""
        if not collections:
            raise ValueError("nothing to save")
        space = collections[0].space
        if any(c.space != space for c in collections):
            raise ValueError("collections of one write share a space")
        with self._lock:
            self._load()
        with self.db.transaction(space, update_id=update_id) as tx:
            table = tx.table(COLLECTIONS)
            for c in collections:
                table.upsert(TinyDoc(collection_to_dict(c), doc_id=c.number))
            for e in entries:
                tx.put_outbox(e)
        with self._lock:
            for c in collections:
                self._index(c)

    def _many(self, numbers: set[int] | None) -> list[Collection]:
        found = [self.get(n) for n in sorted(numbers or ())]
        return [c for c in found if c is not None]

    def active(self) -> list[Collection]:
        """Collections with work left (open, files to pass on, a stale tracking, a next round)."""
        with self._lock:
            self._load()
            numbers = set(self._active)
        out = []
        for c in self._many(numbers):
            if c.has_work:
                out.append(c)
            else:
                with self._lock:
                    self._active.discard(c.number)
        return out

    def of_sender(self, user_id: int) -> list[Collection]:
        with self._lock:
            self._load()
            numbers = set(self._by_sender.get(user_id, ()))
        return self._many(numbers)

    def asking(self, user_id: int) -> list[Collection]:
        """Collections that ask this person for a report (any round, any state)."""
        with self._lock:
            self._load()
            numbers = set(self._by_member.get(user_id, ()))
        return [c for c in self._many(numbers) if c.member_of(user_id) is not None]

    def by_request(self, chat_id: int, message_id: int) -> Collection | None:
        """The collection whose request is this message (a reply to it hands in)."""
        with self._lock:
            self._load()
            number = self._by_request.get((chat_id, message_id))
        c = self.get(number) if number is not None else None
        if c is None or not any(
            m.chat_id == chat_id and message_id in m.message_ids for m in c.members
        ):
            return None
        return c

    def in_space(self, space: str) -> list[Collection]:
        return [collection_from_dict(d) for d in self.db.shard_table(space, COLLECTIONS).all()]

    # ----- weekly charts owed -------------------------------------------------------------------
    def owe_chart(self, owed: OwedChart) -> None:
        space = f"p{owed.user_id}"
        with self._lock:
            self._load()
            if owed.key in self._owed:
                return
        with self.db.transaction(space) as tx:
            tx.table(WEEK_CHARTS).insert(
                {"key": owed.key, "user_id": owed.user_id, "chat_id": owed.chat_id}
            )
        with self._lock:
            self._owed[owed.key] = owed

    def owed_charts(self) -> list[OwedChart]:
        with self._lock:
            self._load()
            return list(self._owed.values())

    def chart_sent(self, owed: OwedChart) -> None:
        from tinydb import Query

        with self.db.transaction(f"p{owed.user_id}") as tx:
            tx.table(WEEK_CHARTS).remove(Query().key == owed.key)
        with self._lock:
            self._owed.pop(owed.key, None)
