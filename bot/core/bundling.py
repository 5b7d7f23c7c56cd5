"""Say one thing once (spec/conversations.md "How much the bot says"): messages for one person
that would go out at the same moment become one message listing them. Pure.

A message kind declares itself bundleable with an `item` function (bot/core/render.py): one
line about its matter (a task), the buttons that act on it, and the section it belongs to (a
catalog key with `{count}`, e.g. "📭 还没确认收到（{count}）"). Delivery asks `take()` which of
the entries queued for a recipient go with the one it is about to send; when that is more than
one, `merge()` makes the single message from their items. A lone entry is sent as it always
was. A kind may also ask to be held until the next quarter hour (`released_at`): news that is
not urgent (a receipt) waits for whatever else that person is told in the same few minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo

from bot.core.config import Lang
from bot.core.i18n import t
from bot.core.models import Button, OutboxEntry

#: At most this many entries in one message (Telegram: 4096 characters, 100 button rows).
MAX_ITEMS = 20
#: The grid (minutes) a held kind goes out on: what one person is told within the same
#: quarter hour (receipts, hand-over news) comes together.
HOLD_GRID = 15


@dataclass(frozen=True, slots=True)
class Item:
    """One entry as a line of a bundled message."""

    section: str  # catalog key of the section's heading, with {count}
    text: str  # Telegram HTML, one line (or a few)
    buttons: tuple[Button, ...] = ()


def _route(entry: OutboxEntry, private: bool) -> tuple[int | None, int | None, int | None]:
    """Where an entry goes: to a chat, or to a person — in their private chat when the bot
    can write to them (`private`), else to the entry's own fallback group."""
    return (entry.to_user, entry.to_chat, None if private else entry.fallback_chat)


def released_at(created_at: datetime, minutes: int, tz: tzinfo) -> datetime:
    """When an entry of a kind held on a `minutes` grid may go: the next multiple of
    `minutes` on the wall clock (`tz`) at or after it was made."""
    if minutes <= 0:
        return created_at
    local = created_at.astimezone(tz)
    over = (local.minute % minutes) * 60 + local.second + local.microsecond / 1e6
    return created_at if over == 0 else created_at + timedelta(seconds=minutes * 60 - over)


def can_join(entry: OutboxEntry, now: datetime, bundleable: Callable[[OutboxEntry], bool]) -> bool:
    """An entry that may go in a bundle now: a bundleable kind, due. (A bundle of replies —
    the confirmations of a burst of /task — answers the first of the messages.)"""
    return (
        entry.pending
        and (entry.not_before is None or entry.not_before <= now)
        and bundleable(entry)
    )


def take(
    head: OutboxEntry,
    queued: Sequence[OutboxEntry],
    *,
    now: datetime,
    bundleable: Callable[[OutboxEntry], bool],
    private: bool = False,
    most: int = MAX_ITEMS,
) -> list[OutboxEntry]:
    """The queued entries that go out with `head` (in queue order; none when `head` itself is
    not bundleable): the same recipient and routing, each bundleable and due now.
    `private`: the recipient can be written to privately (where each would fall back to
    then does not matter)."""
    if not can_join(head, now, bundleable):
        return []
    route = _route(head, private)
    out: list[OutboxEntry] = []
    for entry in queued:
        if len(out) + 1 >= most:
            break
        if (
            entry.id != head.id
            and _route(entry, private) == route
            and can_join(entry, now, bundleable)
        ):
            out.append(entry)
    return out


def same_outcome(result: OutboxEntry, other: OutboxEntry) -> OutboxEntry:
    """`other`, which went in the same message as `result`, recorded the same way."""
    return replace(
        other,
        sent_at=result.sent_at,
        sent_chat_id=result.sent_chat_id,
        sent_message_id=result.sent_message_id,
        failed=result.failed,
        not_before=result.not_before if result.pending else other.not_before,
        attempts=other.attempts + 1,
    )


def merge(items: Sequence[Item], lang: Lang) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """The text and buttons of one message holding `items`: a section per kind of news, in
    the order they first come, each item a line with its buttons as one row."""
    sections: dict[str, list[Item]] = {}
    for item in items:
        sections.setdefault(item.section, []).append(item)
    lines: list[str] = []
    for key, members in sections.items():
        if lines:
            lines.append("")
        lines.append(t(lang, key, count=len(members)))
        lines.extend(f"· {item.text}" for item in members)
    rows = tuple(item.buttons for items_ in sections.values() for item in items_ if item.buttons)
    return "\n".join(lines), rows


__all__ = [
    "HOLD_GRID",
    "MAX_ITEMS",
    "Item",
    "can_join",
    "merge",
    "released_at",
    "same_outcome",
    "take",
]
