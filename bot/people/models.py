"""People and the groups they are in: frozen records. Times are timezone-aware."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    username: str | None = None  # without '@'
    first_name: str = ""
    last_name: str = ""
    language: str | None = None  # 'zh' | 'en' chosen in /settings, else None
    telegram_language: str | None = None  # Telegram's language_code as last seen
    tz: str | None = None  # IANA name chosen in /settings, else None (= OFFICEBOT_TZ)
    started: bool = False  # has started the bot in a private chat
    blocked: bool = False  # a 403 told us they blocked the bot
    chats: tuple[int, ...] = ()  # group chats they were seen in
    digest_time: str | None = None  # "HH:MM", "off", or None (= OFFICEBOT_DIGEST_TIME)
    # /digest loud: a line even on a day with nothing. Not "digest_quiet" (the old field,
    # false for everyone stored before): by default nothing to report sends nothing (#14).
    digest_loud: bool = False
    updated_at: datetime | None = None

    @property
    def digest_quiet(self) -> bool:
        """Nothing to report → nothing sent (the default)."""
        return not self.digest_loud

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or (f"@{self.username}" if self.username else str(self.user_id))

    @property
    def reachable_privately(self) -> bool:
        return self.started and not self.blocked


@dataclass(frozen=True, slots=True)
class Workspace:
    """A group chat the bot is in."""

    chat_id: int
    title: str = ""
    members: tuple[int, ...] = ()  # user ids seen in the group
    admins: tuple[int, ...] = ()  # Telegram admins as last fetched
    language: str | None = None  # group /settings, else OFFICEBOT_LANG
    updated_at: datetime | None = None
    left: tuple[int, ...] = ()  # members who left or were removed (refused on its tasks)
    bot_removed: bool = False  # the bot was removed: its messages for the group wait (parked)
    migrated_from: int | None = None  # the basic group it was before it became a supergroup
