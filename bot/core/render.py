"""Outbox templates: how a stored entry becomes text and buttons for one reader. Pure.

A feature registers a function per template name; delivery renders each entry at send time in
the recipient's language and zone, so a message waiting in the outbox is still rendered right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.config import Lang
from bot.core.i18n import t
from bot.core.models import Button


@dataclass(frozen=True, slots=True)
class RenderContext:
    lang: Lang
    tz: ZoneInfo
    now: datetime


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str  # Telegram HTML
    buttons: tuple[tuple[Button, ...], ...] = ()
    force_reply: bool = False


RenderFn = Callable[[dict[str, Any], RenderContext], Rendered]
_REGISTRY: dict[str, RenderFn] = {}


def template(name: str) -> Callable[[RenderFn], RenderFn]:
    """Register a render function under `name` (one name, one function)."""

    def deco(fn: RenderFn) -> RenderFn:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"template {name!r} registered twice")
        _REGISTRY[name] = fn
        return fn

    return deco


@template("text")
def _text(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """A plain catalog message: params {'key': ..., 'values': {...}}."""
    return Rendered(t(ctx.lang, params["key"], **params.get("values", {})))


def render(name: str, params: dict[str, Any], ctx: RenderContext) -> Rendered:
    _load_feature_templates()
    return _REGISTRY[name](params, ctx)


def button_label(button: Button, lang: Lang) -> str:
    return t(lang, button.label_key, **button.values)


_loaded = False


def _load_feature_templates() -> None:
    """Import the modules that register templates (once)."""
    global _loaded
    if _loaded:
        return
    import importlib

    for module in TEMPLATE_MODULES:
        importlib.import_module(module)
    _loaded = True


# Modules whose import registers templates; each feature adds its own.
TEMPLATE_MODULES: list[str] = ["bot.tasks.views"]
