"""The directory's rules (pure): whose spaces a chat sees, who may change a record, and how a
command's words read (/roster, /template, /export, /contact add, /import files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.spaces import group_space, private_space
from bot.core.words import Words
from bot.directory.models import Roster, RosterMember

# ----- spaces -----------------------------------------------------------------------------------


def chat_of_space(space: str) -> int | None:
    """The group chat id of a group space, None for a private one."""
    return int(space[1:]) if space.startswith("g") else None


def is_group_space(space: str) -> bool:
    return space.startswith("g")


def candidate_spaces(where: str, actor: int, member_groups: list[int]) -> list[str]:
    """Where a look-up made in `where` by `actor` may search, nearest first, before Telegram
    confirms membership: a group its own directory only; a private chat the person's own, then
    that of each group they are known to be in."""
    if is_group_space(where):
        return [where]
    return [private_space(actor), *(group_space(g) for g in member_groups)]


def needs_membership(where: str, space: str) -> int | None:
    """The group whose membership Telegram must confirm before `where` may read `space`
    (None: no question — its own space, or the speaker's own records)."""
    if space == where:
        return None
    return chat_of_space(space)


def may_change(owner: int, actor: int, admin: bool) -> bool:
    """Whoever added a record, or an admin, may change or delete it."""
    return admin or owner == actor


# ----- what a command's words say ---------------------------------------------------------------
ADD_WORDS = frozenset({"add", "添加", "新增", "加"})


def is_add_word(word: str) -> bool:
    """`/contact add …` (or 添加/新增/加): add rather than look up."""
    return word.lower() in ADD_WORDS


class RosterAction(StrEnum):
    NEW = "new"
    ADD = "add"
    REMOVE = "remove"
    DELETE = "delete"


_ROSTER_WORDS = Words(
    {
        RosterAction.NEW: ("new",),
        RosterAction.ADD: ("add",),
        RosterAction.REMOVE: ("remove", "rm"),
        RosterAction.DELETE: ("del", "delete"),
    }
)


def roster_action(word: str) -> RosterAction | None:
    """`/roster new|add|remove|rm|del|delete …`; None: the word is a roster's name."""
    return _ROSTER_WORDS.read(word)


@dataclass(frozen=True, slots=True)
class RosterChange:
    """A /roster change made: the roster now, its members, and who could not be placed."""

    action: RosterAction
    roster: Roster
    members: list[RosterMember] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # plain names no contact matched
    removed: list[str] = field(default_factory=list)  # names of the members taken out


class TemplateAction(StrEnum):
    SAVE = "save"
    DELETE = "delete"


_TEMPLATE_WORDS = Words(
    {TemplateAction.SAVE: ("save", "保存"), TemplateAction.DELETE: ("del", "delete", "删除")}
)


def template_action(word: str) -> TemplateAction | None:
    """`/template save|保存|del|delete|删除 <name>`; None: the word is a template's name."""
    return _TEMPLATE_WORDS.read(word)


class ExportAsk(StrEnum):
    CONTACTS = "contacts"
    NOTICE = "notice"  # `/export notice <n>`: the notices feature's
    REPORTS = "reports"  # `/export tasks …`, `/export collect <n>`: the reports feature's
    UNKNOWN = "unknown"


_CONTACT_WORDS = frozenset({"contacts", "contact", "通讯录", "联系人", ""})
_REPORT_WORDS = frozenset({"tasks", "task", "任务", "collect", "收集"})


def export_ask(args: str) -> ExportAsk:
    """What `/export <args>` asks for."""
    what = args.strip().lower()
    if what.startswith("notice"):
        return ExportAsk.NOTICE
    first = what.split(maxsplit=1)[0] if what else ""
    if first in _REPORT_WORDS:
        return ExportAsk.REPORTS
    return ExportAsk.CONTACTS if what in _CONTACT_WORDS else ExportAsk.UNKNOWN


# ----- people named in /roster ------------------------------------------------------------------
_SPLIT_RE = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True, slots=True)
class MemberRef:
    """Someone named in a /roster command: a Telegram user, an @username or a plain name."""

    name: str
    user_id: int | None = None
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A Telegram text mention in the command's text: where it stands, and whom it names."""

    start: int
    end: int
    user_id: int


def member_refs(text: str, mentions: list[Mention]) -> list[MemberRef]:
    """People named in `text`, in order: text mentions, @usernames and plain names."""
    out: list[MemberRef] = []
    pos = 0
    for m in sorted(mentions, key=lambda m: m.start):
        out += _word_refs(text[pos : m.start])
        out.append(MemberRef(name=text[m.start : m.end], user_id=m.user_id))
        pos = m.end
    out += _word_refs(text[pos:])
    return out


def _word_refs(text: str) -> list[MemberRef]:
    refs = []
    for word in _SPLIT_RE.split(text):
        if not word:
            continue
        if word.startswith("@") and len(word) > 1:
            refs.append(MemberRef(name=word, username=word[1:].lower()))
        else:
            refs.append(MemberRef(name=word))
    return refs


_TWO_WORDS_RE = re.compile(r"\s*\S+\s+\S+")


def after_two_words(text: str) -> int:
    """Where the members start in `<verb> <name> <members…>`."""
    head = _TWO_WORDS_RE.match(text)
    return head.end() if head else 0
