"""Who is who for notices: the recipients a /notify names, how reachable each is, names.

Reads people through two small ports (the database, the directory feature), so it stays free
of storage and Telegram and is tested with plain fakes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.core.spaces import private_space
from bot.directory.models import RosterMember
from bot.notices import rules
from bot.notices.rules import Notice, NoticeRefused, Reach, Recipient, Target
from bot.people.models import Person, Workspace

log = logging.getLogger(__name__)


class People(Protocol):
    """The people and groups the bot knows (the database)."""

    def get_person(self, user_id: int) -> Person | None: ...
    def find_person(self, username: str) -> Person | None: ...
    def get_workspace(self, chat_id: int) -> Workspace | None: ...


class Directory(Protocol):
    """Rosters and phones (the directory feature)."""

    def roster_members(self, space: str, name: str, actor: int) -> list[RosterMember] | None: ...
    def roster_names(self, space: str, actor: int) -> list[str]: ...
    def phone_for(self, user_id: int, spaces: Sequence[str]) -> str | None: ...


class Who:
    """How reachable a person is, their name, and the recipients a /notify names."""

    def __init__(self, people: People, directory: Directory | None = None) -> None:
        self.people = people
        self.directory = directory

    def reach(self, user_id: int) -> Reach:
        person = self.people.get_person(user_id)
        if person is None:
            return Reach.NO_ACCOUNT
        return rules.reach_of(person.started, person.blocked, True)

    def reaches(self, notice: Notice) -> dict[int, Reach]:
        """Every recipient with an account: how the bot can reach them now."""
        return {r.user_id: self.reach(r.user_id) for r in notice.recipients if r.user_id}

    def name(self, user_id: int) -> str:
        person = self.people.get_person(user_id)
        return person.display_name if person is not None else str(user_id)

    def roster_names(self, space: str, actor: int) -> list[str]:
        """The rosters a /notify here may name (nearest first)."""
        return [] if self.directory is None else self.directory.roster_names(space, actor)

    def roster(self, space: str, name: str, actor: int) -> list[Recipient] | None:
        """The members of roster `name` (None: there is no such roster)."""
        if self.directory is None:
            return None
        members = self.directory.roster_members(space, name, actor)
        if members is None:
            return None
        return [
            Recipient(
                name=m.name,
                user_id=m.user_id,
                username=(m.username or "").lower().lstrip("@") or None,
                phone=m.phone,
            )
            for m in members
        ]

    def recipients(
        self, targets: Sequence[Target], space: str, actor: int, chat_id: int
    ) -> list[Recipient]:
        """Everyone the targets name, in order (duplicates are merged by the rules)."""
        out: list[Recipient] = []
        for target in targets:
            if target.kind == "roster":
                out.extend(self.roster(space, target.value, actor) or [])
            elif target.kind == "everyone":
                out.extend(self._everyone(chat_id, space, actor))
            elif target.value.startswith("id:"):
                out.append(self._person(int(target.value[3:]), space, actor))
            elif (found := self.people.find_person(target.value)) is not None:
                out.append(self._person(found.user_id, space, actor))
            else:
                out.append(Recipient(name=f"@{target.value}", username=target.value))
        return out

    def _everyone(self, chat_id: int, space: str, actor: int) -> list[Recipient]:
        if chat_id > 0:
            raise NoticeRefused("everyone_private")
        ws = self.people.get_workspace(chat_id)
        members = [m for m in (ws.members if ws else ()) if m != actor]
        if not members:
            raise NoticeRefused("everyone_unknown")
        return [self._person(uid, space, actor) for uid in members]

    def _person(self, user_id: int, space: str, actor: int) -> Recipient:
        person = self.people.get_person(user_id)
        return Recipient(
            name=person.display_name if person else str(user_id),
            user_id=user_id,
            username=(person.username or "").lower() or None if person else None,
            phone=self._phone(user_id, space, actor),
        )

    def _phone(self, user_id: int, space: str, actor: int) -> str | None:
        if self.directory is None:
            return None
        spaces = list(dict.fromkeys([space, private_space(actor), private_space(user_id)]))
        try:
            return self.directory.phone_for(user_id, spaces)
        except Exception:  # the directory is another feature: a lookup must not stop a notice
            log.exception("phone lookup for %s failed", user_id)
            return None
