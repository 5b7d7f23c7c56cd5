"""People and groups as the bot learns them from every update (who is who, and where).

The handler reads the update into plain `Seen*` records; this service decides what to store and
returns what the change makes the bot say (tasks that waited for an @username, held messages).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.models import OutboxEntry
from bot.people.models import Person, Workspace
from storage import Database


@dataclass(frozen=True, slots=True)
class SeenUser:
    """A Telegram user as an update shows them."""

    user_id: int
    username: str | None = None
    first_name: str = ""
    last_name: str = ""
    language_code: str | None = None
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class SeenChat:
    chat_id: int
    private: bool
    title: str = ""


@dataclass(frozen=True, slots=True)
class Tracked:
    """What `track` found: the person as now stored, and what is to be delivered."""

    person: Person
    entries: list[OutboxEntry]


#: Tasks that waited for this person (by @username or display name) become theirs.
BindPerson = Callable[[Person], list[OutboxEntry]]


class PeopleService:
    """Remembers people and groups; the rest of the bot reads them from storage."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        *,
        bind_person: BindPerson,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self._bind_person = bind_person

    def track(
        self,
        user: SeenUser,
        chat: SeenChat | None,
        *,
        has_message: bool,
        others: Sequence[SeenUser] = (),
    ) -> Tracked:
        """Remember the speaker and the group; `others` are people the message names or adds."""
        now = self.clock.now()
        db = self.db
        old = db.get_person(user.user_id)
        person = replace(
            old or Person(user_id=user.user_id),
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
            telegram_language=user.language_code,
        )
        started_now = False
        if chat is not None and chat.private and has_message:
            started_now = not person.started or person.blocked
            person = replace(person, started=True, blocked=False)
        if chat is not None and not chat.private and chat.chat_id not in person.chats:
            person = replace(person, chats=(*person.chats, chat.chat_id))
        if person != old:
            person = replace(person, updated_at=now)
            db.put_person(person)
        if chat is not None and not chat.private:
            self._remember_group(chat, user.user_id, now=now)
            if has_message and others:
                self._learn_members(chat, others)
        entries: list[OutboxEntry] = []
        if (
            old is None
            or (old.username or "").lower() != (user.username or "").lower()
            or set(person.chats) != set(old.chats)
        ):
            entries += self._bind_person(person)
        if started_now:
            entries += self.release_held(user.user_id)
        return Tracked(person, entries)

    def release_held(self, user_id: int) -> list[OutboxEntry]:
        """They can be reached now: messages held for them become pending again."""
        released = []
        for entry in self.db.held_outbox(user_id):
            fresh = replace(entry, failed=None, not_before=None)
            self.db.mark_outbox(fresh)
            released.append(fresh)
        return released

    def _remember_group(self, chat: SeenChat, user_id: int, *, now: datetime) -> None:
        db = self.db
        stored = db.get_workspace(chat.chat_id)
        ws = stored or Workspace(chat_id=chat.chat_id)
        new_ws = replace(ws, title=chat.title or ws.title)
        if user_id not in new_ws.members:
            new_ws = replace(new_ws, members=(*new_ws.members, user_id))
        if new_ws != ws or stored is None:
            db.put_workspace(replace(new_ws, updated_at=now))

    def _learn_members(self, chat: SeenChat, users: Sequence[SeenUser]) -> None:
        """New chat members and people mentioned without a username become known."""
        db = self.db
        ws = db.get_workspace(chat.chat_id) or Workspace(chat_id=chat.chat_id, title=chat.title)
        members = list(ws.members)
        for u in users:
            if u.is_bot:
                continue
            if db.get_person(u.user_id) is None:
                db.put_person(
                    Person(
                        user_id=u.user_id,
                        username=u.username,
                        first_name=u.first_name,
                        last_name=u.last_name,
                        telegram_language=u.language_code,
                        chats=(chat.chat_id,),
                    )
                )
            if u.user_id not in members:
                members.append(u.user_id)
        if tuple(members) != ws.members:
            db.put_workspace(replace(ws, members=tuple(members)))
