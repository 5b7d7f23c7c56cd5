"""What the task use cases need from storage, as a small typed interface (`storage.Database`
fits it as it is): the records they read, the one task counter, and the durable write that holds
a change with the outbox entries it caused and the update that asked for it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from bot.core.models import OutboxEntry
from bot.people.models import Person, Workspace
from bot.tasks.models import Task


class TaskWrite(Protocol):
    """One durable write in progress."""

    def put_task(self, task: Task) -> None: ...

    def put_outbox(self, entry: OutboxEntry) -> None: ...


class TaskRecords(Protocol):
    def get_task(self, number: int) -> Task | None: ...

    def tasks_for_assignee(self, user_id: int) -> list[Task]: ...

    def tasks_by_assigner(self, user_id: int) -> list[Task]: ...

    def tasks_in_chat(self, chat_id: int) -> list[Task]: ...

    def tasks_pending_username(self, username: str) -> list[Task]: ...

    def next_task_number(self) -> int: ...

    def get_person(self, user_id: int) -> Person | None: ...

    def find_person(self, username: str) -> Person | None: ...

    def get_workspace(self, chat_id: int) -> Workspace | None: ...

    def transaction(
        self, space: str, *, update_id: int | None = None
    ) -> AbstractContextManager[TaskWrite]: ...


__all__ = ["TaskRecords", "TaskWrite"]
