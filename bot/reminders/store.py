"""What the scheduler needs from storage, as two small typed interfaces.

`Records` is the tasks and people it works on (the `storage.Database` API fits it as it is);
`ReminderStateStore` is its own state: each task's reminder state and each person's digest
marks, always written together with the outbox entries they caused (one durable write). The
TinyDB implementation is `storage.reminders.ReminderTables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.core.models import OutboxEntry
from bot.people.models import Person
from bot.tasks.models import Task


@dataclass(frozen=True, slots=True)
class DigestMarks:
    """The last morning digest and weekly summary a person was sent (None: never)."""

    user_id: int
    day: date | None = None  # the work day of the last morning digest, in their zone
    week: str | None = None  # the ISO week of the last weekly summary, "YYYY-Www"


class Records(Protocol):
    """The tasks and people the scheduler works on: reads, the one task counter, and a
    person's own digest setting (/digest)."""

    def get_task(self, number: int) -> Task | None: ...

    def live_tasks(self) -> list[Task]: ...

    def tasks_for_assignee(self, user_id: int) -> list[Task]: ...

    def tasks_by_assigner(self, user_id: int) -> list[Task]: ...

    def finished_tasks(self, *, user_id: int, since: datetime) -> list[Task]: ...

    def get_person(self, user_id: int) -> Person | None: ...

    def people(self) -> list[Person]: ...

    def put_person(self, person: Person) -> None: ...

    def next_task_number(self) -> int: ...


class ReminderStateStore(Protocol):
    """The scheduler's durable state; every put is one atomic write with its entries."""

    def personal_space(self, user_id: int) -> str:
        """The space of this person's private chat (where their digests are kept)."""
        ...

    def get_marks(self, user_id: int) -> DigestMarks:
        """This person's digest marks (all None when nothing was ever sent)."""
        ...

    def put_marks(self, marks: DigestMarks, entries: Sequence[OutboxEntry]) -> None:
        """New digest marks with the digest / summary entries they stand for."""
        ...

    def put_tasks(self, space: str, tasks: Sequence[Task], entries: Sequence[OutboxEntry]) -> None:
        """Tasks of one space (a new reminder_state, a spawned instance) with their entries."""
        ...

    def put_entries(
        self, user_id: int, entries: Sequence[OutboxEntry], *, update_id: int | None
    ) -> None:
        """Entries for a person (a digest asked for), recorded with the update that asked."""
        ...


__all__ = ["DigestMarks", "Records", "ReminderStateStore"]
