"""Notices in a space's shard (table "notices", doc id = notice number), and the small
in-memory index that finds a notice by number and the ones with work left.

Dict <-> record mapping for bot/notices.py lives here and nowhere else.
"""

from __future__ import annotations

import threading
from typing import Any

from tinydb.table import Document as TinyDoc

from bot.notices.rules import Kind, Notice, NoticeStatus, Outgoing, Recipient
from storage.database import Database, Transaction
from storage.errors import MappingError
from storage.mapping import dt_from_str, dt_to_str

NOTICES = "notices"

Doc = dict[str, Any]


def _dt(value: Any) -> Any:
    return None if value is None else dt_from_str(value)


def _str_dt(value: Any) -> str | None:
    return None if value is None else dt_to_str(value)


def recipient_to_dict(r: Recipient) -> Doc:
    return {
        "name": r.name,
        "user_id": r.user_id,
        "username": r.username,
        "phone": r.phone,
        "confirmed_at": _str_dt(r.confirmed_at),
    }


def recipient_from_dict(doc: Any) -> Recipient:
    return Recipient(
        name=str(doc.get("name", "")),
        user_id=doc.get("user_id"),
        username=doc.get("username"),
        phone=doc.get("phone"),
        confirmed_at=_dt(doc.get("confirmed_at")),
    )


def notice_to_dict(n: Notice) -> Doc:
    return {
        "number": n.number,
        "space": n.space,
        "chat_id": n.chat_id,
        "sender": n.sender,
        "text": n.text,
        "created_at": dt_to_str(n.created_at),
        "recipients": [recipient_to_dict(r) for r in n.recipients],
        "meeting_at": _str_dt(n.meeting_at),
        "urgent": n.urgent,
        "interval": n.interval,
        "max_resends": n.max_resends,
        "changes": list(n.changes),
        "version": n.version,
        "status": n.status.value,
        "resends": n.resends,
        "next_at": _str_dt(n.next_at),
        "missing_reported": n.missing_reported,
        "meeting_reminded": n.meeting_reminded,
        "queue": [[o.user_id, o.kind.value, o.version, o.round] for o in n.queue],
        "changed_at": _str_dt(n.changed_at),
        "cancelled_at": _str_dt(n.cancelled_at),
        "tracking_chat_id": n.tracking_chat_id,
        "tracking_message_id": n.tracking_message_id,
        "group_message_id": n.group_message_id,
        "rev": n.rev,
        "shown_rev": n.shown_rev,
        "updated_at": _str_dt(n.updated_at),
        "thread_id": n.thread_id,
    }


def notice_from_dict(doc: Any) -> Notice:
    try:
        return Notice(
            number=int(doc["number"]),
            space=str(doc["space"]),
            chat_id=int(doc["chat_id"]),
            sender=int(doc["sender"]),
            text=str(doc["text"]),
            created_at=dt_from_str(doc["created_at"]),
            recipients=tuple(recipient_from_dict(r) for r in doc.get("recipients", ())),
            meeting_at=_dt(doc.get("meeting_at")),
            urgent=bool(doc.get("urgent", False)),
            interval=int(doc.get("interval", 30)),
            # Notices stored before these were known went on as they were planned.
            max_resends=int(doc.get("max_resends", 3)),
            changes=tuple(str(c) for c in doc.get("changes", ())),
            version=int(doc.get("version", 1)),
            status=NoticeStatus(doc.get("status", "open")),
            resends=int(doc.get("resends", 0)),
            next_at=_dt(doc.get("next_at")),
            missing_reported=bool(doc.get("missing_reported", False)),
            meeting_reminded=bool(doc.get("meeting_reminded", False)),
            queue=tuple(
                Outgoing(int(q[0]), Kind(q[1]), int(q[2]), int(q[3])) for q in doc.get("queue", ())
            ),
            changed_at=_dt(doc.get("changed_at")),
            cancelled_at=_dt(doc.get("cancelled_at")),
            tracking_chat_id=doc.get("tracking_chat_id"),
            tracking_message_id=doc.get("tracking_message_id"),
            group_message_id=doc.get("group_message_id"),
            rev=int(doc.get("rev", 0)),
            shown_rev=int(doc.get("shown_rev", 0)),
            updated_at=_dt(doc.get("updated_at")),
            thread_id=doc.get("thread_id"),  # absent in notices stored before topics
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise MappingError(f"bad notice record: {exc}") from exc


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
