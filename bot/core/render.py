"""Message kinds: how a stored outbox entry becomes text and buttons for one reader. Pure.

Each feature declares its kinds in its `views` module (`MESSAGES`); the composition root hands
them all to one `Renderer`, which delivery uses at send time, so a message waiting in the outbox
is still rendered in the reader's language and zone. A kind's parameters are a typed record
(`MessageParams`, a frozen dataclass of JSON-plain values): building it checks that every value
is there when the outbox entry is made, not when it is sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, Self, TypeVar
from zoneinfo import ZoneInfo

from bot.core.bundling import Item, merge
from bot.core.config import Lang
from bot.core.i18n import t
from bot.core.models import Button


@dataclass(frozen=True, slots=True)
class RenderContext:
    lang: Lang
    tz: ZoneInfo
    now: datetime
    bot_username: str = ""


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str  # Telegram HTML
    buttons: tuple[tuple[Button, ...], ...] = ()
    force_reply: bool = False


class MessageParams:
    """The parameters of one message kind; subclasses are frozen dataclasses with a KIND.

    Values are JSON-plain (str, int, float, bool, None, lists and dicts of them) because they are
    stored in the outbox as they are and read back after a restart.
    """

    KIND: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """The record stored as `data`; a missing required value raises TypeError."""
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


P = TypeVar("P", bound=MessageParams)


@dataclass(frozen=True, slots=True)
class MessageKind(Generic[P]):
    """One kind of message: its parameter record and the function that renders it.

    `item`, when given, makes the kind bundleable (bot/core/bundling.py): the entry as one line
    of a message that lists several (None for a record that must go on its own). `hold`, for
    news that is not urgent: minutes of the clock's grid it waits for, to go with the rest.
    """

    params: type[P]
    render: Callable[[P, RenderContext], Rendered]
    item: Callable[[P, RenderContext], Item | None] | None = None
    hold: int = 0  # minutes: held until the next multiple on the clock (bundling.released_at)

    @property
    def name(self) -> str:
        return self.params.KIND

    def render_stored(self, data: Mapping[str, Any], ctx: RenderContext) -> Rendered:
        return self.render(self.params.from_json(data), ctx)

    def item_stored(self, data: Mapping[str, Any], ctx: RenderContext) -> Item | None:
        if self.item is None:
            return None
        return self.item(self.params.from_json(data), ctx)


@dataclass(frozen=True, slots=True)
class Text(MessageParams):
    """A plain catalog message."""

    KIND: ClassVar[str] = "text"
    key: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


def _text(params: Text, ctx: RenderContext) -> Rendered:
    return Rendered(t(ctx.lang, params.key, **params.values))


TEXT = MessageKind(Text, _text)


class _Untyped(MessageParams):
    """Transitional: a kind whose params are still a plain dict (being typed feature by feature)."""

    KIND: ClassVar[str] = ""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)

    def to_json(self) -> dict[str, Any]:
        return dict(self.data)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(data)


def untyped(
    name: str, render: Callable[[dict[str, Any], RenderContext], Rendered]
) -> MessageKind[Any]:
    """A kind rendered from a plain dict of params (until its record is typed)."""
    params = type(f"Untyped_{name}", (_Untyped,), {"KIND": name})
    return MessageKind(params, lambda p, ctx: render(p.data, ctx))


# Only to ask whether a record has an item at all (bundleable); never shown to anyone.
_NEUTRAL = RenderContext("zh", ZoneInfo("UTC"), datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC")))


class Renderer:
    """Every message kind of the bot, by name; built once by the composition root."""

    def __init__(self, kinds: Iterable[MessageKind[Any]]) -> None:
        self._kinds: dict[str, MessageKind[Any]] = {}
        for kind in (TEXT, *kinds):
            if kind.name in self._kinds:
                raise ValueError(f"message kind {kind.name!r} declared twice")
            self._kinds[kind.name] = kind

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def render(self, name: str, params: Mapping[str, Any], ctx: RenderContext) -> Rendered:
        """Render a stored entry; an unknown kind or bad params raise (delivery parks it)."""
        return self._kinds[name].render_stored(params, ctx)

    def bundleable(self, name: str, params: Mapping[str, Any]) -> bool:
        """This stored entry may go out in one message with others: its kind declares an
        item, and the record is one that has one (the language does not decide that)."""
        kind = self._kinds.get(name)
        if kind is None or kind.item is None:
            return False
        try:
            return kind.item_stored(params, _NEUTRAL) is not None
        except Exception:  # noqa: BLE001 - a record it cannot read goes alone (and fails there)
            return False

    def hold(self, name: str) -> int:
        """The grid (minutes) an entry of this kind is held on (0: not held)."""
        kind = self._kinds.get(name)
        return kind.hold if kind is not None else 0

    def item(self, name: str, params: Mapping[str, Any], ctx: RenderContext) -> Item | None:
        """A stored entry as a line of a bundled message (None: it goes on its own)."""
        return self._kinds[name].item_stored(params, ctx)

    def render_bundle(self, items: Sequence[Item], ctx: RenderContext) -> Rendered:
        """Several entries' items as one message (bot/core/bundling.py)."""
        text, rows = merge(items, ctx.lang)
        return Rendered(text, rows)


def button_label(button: Button, lang: Lang) -> str:
    return t(lang, button.label_key, **button.values)
