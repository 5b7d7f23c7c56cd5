"""Record factories shared by the storage tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from bot.core.models import OutboxEntry
from bot.tasks.models import Assignee, Task, TaskEvent

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=SHANGHAI)


def make_task(number: int, **changes: Any) -> Task:
    values: dict[str, Any] = {
        "number": number,
        "space": "g-100",
        "chat_id": -100,
        "title": f"task {number}",
        "assigner": 1,
        "assignees": (Assignee(user_id=2),),
        "created_at": NOW,
        "updated_at": NOW,
        "events": (TaskEvent(at=NOW, actor=1, action="created"),),
    }
    values.update(changes)
    return Task(**values)


def make_entry(entry_id: str, **changes: Any) -> OutboxEntry:
    values: dict[str, Any] = {
        "id": entry_id,
        "space": "g-100",
        "created_at": NOW,
        "template": "task_assigned",
        "params": {"number": 1},
        "to_user": 2,
    }
    values.update(changes)
    return OutboxEntry(**values)
