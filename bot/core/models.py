"""Records every feature shares: an inline button and an outbox entry. Times are aware."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: a catalog key for its label (with values) and its callback data."""

    label_key: str
    callback_data: str
    values: dict[str, Any] = field(default_factory=dict)
    url: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """Something to say to someone, stored with the change that caused it, sent afterwards.

    Rendered at delivery time in the recipient's language and zone by `template` (a name
    registered in bot/render.py) from `params`. Exactly one of `to_user` / `to_chat`:
    `to_user` is routed by spec/conversations.md (private chat, else `fallback_chat` with a
    mention, else held and the `origin_user` told); `to_chat` goes to that chat as is.
    """

    id: str
    space: str
    created_at: datetime
    template: str
    params: dict[str, Any] = field(default_factory=dict)
    to_user: int | None = None
    to_chat: int | None = None
    fallback_chat: int | None = None
    origin_user: int | None = None
    reply_to_message_id: int | None = None
    task_number: int | None = None
    not_before: datetime | None = None  # quiet hours: hold until then
    sent_at: datetime | None = None
    sent_chat_id: int | None = None
    sent_message_id: int | None = None
    failed: str | None = None  # 'unreachable' / 'blocked' / error text once given up
    attempts: int = 0
    # The forum topic of its group it goes to (None: the General topic; an entry about a task
    # without one goes to the task's topic, see bot/groups/service.py `topic`).
    thread_id: int | None = None

    @property
    def pending(self) -> bool:
        return self.sent_at is None and self.failed is None
