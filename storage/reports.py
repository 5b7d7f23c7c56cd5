"""Collections in a space's shard (table "collections", doc id = collection number) and the weekly
charts owed to people (table "week_charts" of their private space), with the small in-memory
indexes that find them.

Dict <-> record mapping for bot/reports lives here and nowhere else (a RecordMapper: the
documents are those the hand-written mapping wrote, key for key). The indexes are hints:
they may name more than is true (a write that was rolled back), never less, so readers check
the stored record.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import OutboxEntry
from bot.reports.models import Collection, Forward, OwedChart
from storage.database import Database
from storage.mapping import RecordMapper
from storage.tables import NumberedStore

COLLECTIONS = "collections"
WEEK_CHARTS = "week_charts"

# ----- mapping ----------------------------------------------------------------------------------
# Members and their items are objects; files still to pass on are rows, `[member, item, after]`.
_COLLECTIONS = RecordMapper(Collection, rows=(Forward,))
collection_to_dict, collection_from_dict = _COLLECTIONS.dump, _COLLECTIONS.load


# ----- the store --------------------------------------------------------------------------------
class CollectionStore(NumberedStore[Collection]):
    """get/list/save collections (storage/tables.py); the weekly charts owed. See the module
    docstring."""

    table = COLLECTIONS

    def __init__(self, db: Database) -> None:
        super().__init__(db, _COLLECTIONS)
        self._active: set[int] = set()
        self._by_sender: dict[int, set[int]] = {}
        self._by_member: dict[int, set[int]] = {}
        self._by_request: dict[tuple[int, int], int] = {}
        self._owed: dict[str, OwedChart] = {}

    def _load_space(self, space: str) -> None:
        super()._load_space(space)
        if space.startswith("p"):
            for doc in self.db.shard_table(space, WEEK_CHARTS).all():
                owed = OwedChart(str(doc["key"]), int(doc["user_id"]), int(doc["chat_id"]))
                self._owed[owed.key] = owed

    def _forget(self) -> None:
        super()._forget()
        self._active.clear()
        self._by_sender.clear()
        self._by_member.clear()
        self._by_request.clear()
        self._owed.clear()

    def space_moved(self, _old: str, _new: str) -> None:
        """A group's records moved to its new chat id (bot/groups/): what is kept in memory is
        read again from storage at the next use."""
        with self._lock:
            self._forget()

    def _index(self, c: Collection, space: str) -> None:
        super()._index(c, space)
        if c.has_work:
            self._active.add(c.number)
        self._by_sender.setdefault(c.sender, set()).add(c.number)
        for m in c.members:
            if m.user_id is not None:
                self._by_member.setdefault(m.user_id, set()).add(c.number)
            if m.chat_id is not None:
                for message_id in m.message_ids:
                    self._by_request[(m.chat_id, message_id)] = c.number

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
        with self.db.transaction(space, update_id=update_id) as tx:
            for c in collections:
                self._put(tx, c)
            for e in entries:
                tx.put_outbox(e)

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
