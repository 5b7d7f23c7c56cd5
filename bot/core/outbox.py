"""Making outbox entries (pure): ids, defaults, quiet-hours holds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from bot.core.models import OutboxEntry
from bot.core.render import MessageParams


def new_entry(
    *,
    space: str,
    now: datetime,
    message: MessageParams | None = None,
    template: str | None = None,
    params: dict[str, Any] | None = None,
    to_user: int | None = None,
    to_chat: int | None = None,
    fallback_chat: int | None = None,
    origin_user: int | None = None,
    reply_to: int | None = None,
    task_number: int | None = None,
    not_before: datetime | None = None,
    key: str | None = None,
    thread_id: int | None = None,
) -> OutboxEntry:
    """One entry; `key` makes the id deterministic so the same event is never queued twice.

    `message` is the typed parameter record of a message kind (bot/core/render.py); `template`
    with a plain `params` dict is the older form, kept while kinds are being typed.
    """
    if (to_user is None) == (to_chat is None):
        raise ValueError("an outbox entry goes to exactly one of to_user / to_chat")
    if message is not None:
        if template is not None or params is not None:
            raise ValueError("give either a typed message or template + params")
        template, params = message.KIND, message.to_json()
    if template is None:
        raise ValueError("an outbox entry needs a message kind")
    return OutboxEntry(
        id=key or uuid.uuid4().hex,
        space=space,
        created_at=now,
        template=template,
        params=params or {},
        to_user=to_user,
        to_chat=to_chat,
        fallback_chat=fallback_chat,
        origin_user=origin_user,
        reply_to_message_id=reply_to,
        task_number=task_number,
        not_before=not_before,
        thread_id=thread_id,
    )
