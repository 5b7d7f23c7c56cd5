"""The scheduler's state in TinyDB (bot/reminders/store.py `ReminderStateStore`).

Digest marks live in the person's private space, table "digest", one document (id 1):
`{"day": "<iso date>", "week": "YYYY-Www"}`. A task's reminder state is the task's own
`reminder_state`, written with the task. Every put is one transaction with its outbox entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tinydb.table import Document

from bot.core.models import OutboxEntry
from bot.reminders.store import DigestMarks
from bot.tasks.models import Task
from storage.database import Database, space_of_chat
from storage.errors import MappingError

DIGEST_TABLE = "digest"
_DIGEST_DOC = 1


def marks_from_doc(user_id: int, doc: object) -> DigestMarks:
    if not isinstance(doc, dict):
        return DigestMarks(user_id)
    day, week = doc.get("day"), doc.get("week")
    try:
        parsed = date.fromisoformat(day) if day else None
    except (TypeError, ValueError) as exc:
        raise MappingError(f"bad digest day {day!r} of {user_id}") from exc
    if week is not None and not isinstance(week, str):
        raise MappingError(f"bad digest week {week!r} of {user_id}")
    return DigestMarks(user_id, parsed, week)


def marks_to_doc(marks: DigestMarks) -> dict[str, str]:
    doc: dict[str, str] = {}
    if marks.day is not None:
        doc["day"] = marks.day.isoformat()
    if marks.week is not None:
        doc["week"] = marks.week
    return doc


class ReminderTables:
    """`ReminderStateStore` over the Database's transactions and feature tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def personal_space(self, user_id: int) -> str:
        return space_of_chat(user_id, user_id)  # a private chat's id is the person's id

    def get_marks(self, user_id: int) -> DigestMarks:
        table = self._db.shard_table(self.personal_space(user_id), DIGEST_TABLE)
        return marks_from_doc(user_id, table.get(doc_id=_DIGEST_DOC))

    def put_marks(self, marks: DigestMarks, entries: Sequence[OutboxEntry]) -> None:
        with self._db.transaction(self.personal_space(marks.user_id)) as tx:
            tx.table(DIGEST_TABLE).upsert(Document(marks_to_doc(marks), doc_id=_DIGEST_DOC))
            for entry in entries:
                tx.put_outbox(entry)

    def put_tasks(self, space: str, tasks: Sequence[Task], entries: Sequence[OutboxEntry]) -> None:
        with self._db.transaction(space) as tx:
            for task in tasks:
                tx.put_task(task)
            for entry in entries:
                tx.put_outbox(entry)

    def put_entries(
        self, user_id: int, entries: Sequence[OutboxEntry], *, update_id: int | None
    ) -> None:
        with self._db.transaction(self.personal_space(user_id), update_id=update_id) as tx:
            for entry in entries:
                tx.put_outbox(entry)


__all__ = ["DIGEST_TABLE", "ReminderTables", "marks_from_doc", "marks_to_doc"]
