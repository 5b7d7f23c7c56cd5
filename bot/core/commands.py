"""The command menu: one list, described from the catalogs (commands.<name>)."""

from __future__ import annotations

from bot.core.config import Lang
from bot.core.i18n import t

# Order is the order of the menu Telegram shows.
MENU: tuple[str, ...] = (
    "my",
    "next",
    "task",
    "done",
    "snooze",
    "report",
    "extend",
    "assigned",
    "due",
    "reassign",
    "rename",
    "priority",
    "cancel",
    "tasks",
    "digest",
    "week",
    "collect",
    "calendar",
    "contact",
    "roster",
    "docs",
    "template",
    "notify",
    "notices",
    "settings",
    "help",
)


def menu(lang: Lang) -> list[tuple[str, str]]:
    """(command, description) pairs for set_my_commands."""
    return [(name, t(lang, f"commands.{name}")) for name in MENU]
