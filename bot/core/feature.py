"""What a feature declares to the composition root: its handlers, messages, due work, hooks.

Each `handlers/<feature>.py` has one `feature(services) -> Feature`; `bot/app.py` lists them in
order and builds the application from the declarations. Nothing registers itself by import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.models import OutboxEntry
from bot.core.render import MessageKind

if TYPE_CHECKING:
    from bot.context import Ctx

TickStep = Callable[["Ctx"], Awaitable[None]]
SentHook = Callable[[OutboxEntry], None]


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature's declaration; every part is optional."""

    name: str
    #: PTB handlers (CommandHandler, CallbackQueryHandler …) in the order they are tried.
    handlers: Sequence[Any] = ()
    #: Handlers for later handler groups (group number → handlers), run after group 0.
    later: Mapping[int, Sequence[Any]] = field(default_factory=dict)
    #: Plain-message handlers that must come after every feature's commands and buttons.
    catch_all: Sequence[Any] = ()
    #: The kinds of message this feature puts in the outbox.
    messages: Sequence[MessageKind[Any]] = ()
    #: Due work, run at every tick before the outbox is flushed (idempotent, by the clock).
    tick_steps: Sequence[TickStep] = ()
    #: Called with an entry of the named kind right after it was sent (e.g. to keep its id).
    sent_hooks: Mapping[str, SentHook] = field(default_factory=dict)
