"""The directory's records: contacts (通讯录), name lists (名单), documents (资料) and templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Contact:
    """One entry of a space's phone book. `phones` hold normalised numbers (see phones.py)."""

    id: int  # unique within its space
    name: str
    unit: str = ""  # unit and/or title: 办公室主任, 财政局 办公室
    phones: tuple[str, ...] = ()
    email: str = ""
    note: str = ""
    user_id: int | None = None  # the Telegram user, when known (a shared contact card)
    username: str | None = None  # without '@', lower-case
    added_by: int = 0
    added_at: datetime | None = None
    uses: int = 0  # look-ups that showed it: frequent ones rank first among equals

    @property
    def owner(self) -> int:
        """Who added it: they (or an admin) may change or delete it."""
        return self.added_by


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A roster member as stored: a Telegram user, a pending @username or a contact."""

    name: str  # as typed / display name when added
    user_id: int | None = None
    username: str | None = None  # without '@', lower-case
    contact_id: int | None = None  # a contact's id in `contact_space`
    contact_space: str | None = None  # None: the roster's own space


@dataclass(frozen=True, slots=True)
class Roster:
    name: str
    members: tuple[RosterEntry, ...] = ()
    created_by: int = 0
    created_at: datetime | None = None

    @property
    def owner(self) -> int:
        """Who added it: they (or an admin) may change or delete it."""
        return self.created_by


@dataclass(frozen=True, slots=True)
class RosterMember:
    """A roster member as other features see it: who, and a phone to reach them if known."""

    user_id: int | None
    username: str | None
    name: str
    phone: str | None


class Category(StrEnum):
    PLAN = "计划"
    ARRANGEMENT = "安排"
    REPORT = "汇报"
    SUMMARY = "总结"
    NOTICE = "通知"
    RULES = "制度"
    TEMPLATE = "模板"
    OTHER = "其他"


#: Each category's one ASCII name: its catalog key (directory.category.<name>), the word typed
#: for it in English, and how a button names it.
CATEGORY_KEYS: dict[Category, str] = {
    Category.PLAN: "plan",
    Category.ARRANGEMENT: "arrangement",
    Category.REPORT: "report",
    Category.SUMMARY: "summary",
    Category.NOTICE: "notice",
    Category.RULES: "rules",
    Category.TEMPLATE: "template",
    Category.OTHER: "other",
}


class DocKind(StrEnum):
    DOCUMENT = "document"
    PHOTO = "photo"


@dataclass(frozen=True, slots=True)
class Document:
    id: int  # unique within its space
    file_id: str
    name: str
    kind: DocKind = DocKind.DOCUMENT
    mime_type: str = ""
    tags: tuple[str, ...] = ()
    category: Category = Category.OTHER
    saved_by: int = 0
    saved_at: datetime | None = None
    file_unique_id: str = ""

    @property
    def owner(self) -> int:
        """Who added it: they (or an admin) may change or delete it."""
        return self.saved_by


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    text: str
    saved_by: int = 0
    saved_at: datetime | None = None

    @property
    def owner(self) -> int:
        """Who added it: they (or an admin) may change or delete it."""
        return self.saved_by
