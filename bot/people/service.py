"""People and groups: who is who and where (learnt from every update), their settings, and
whether they are still in a group.

The handler reads the update into plain `Seen*` records; this service decides what to store and
returns what the change makes the bot say (tasks that waited for an @username, held messages).
Settings are one write each; a changed person's digests are planned again (`person_changed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.i18n import normalize_lang
from bot.core.models import OutboxEntry
from bot.people.choices import read_digest_time, resolve_zone
from bot.people.membership import AskMember, MembershipCache
from bot.people.models import Person, Workspace
from bot.people.rules import is_stand_in, lang_of
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
#: A person's zone, language or digest setting changed (their digests are planned again).
PersonChanged = Callable[[int], None]


class SettingRefused(Exception):
    """A setting that cannot be read; `key` is the catalog message saying so."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class PeopleService:
    """Remembers people and groups and their settings; the rest of the bot reads them from
    storage. Telegram's stand-ins for a chat (see rules.is_stand_in) are never stored."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        *,
        bind_person: BindPerson,
        person_changed: PersonChanged,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self._bind_person = bind_person
        self._person_changed = person_changed
        self.membership = MembershipCache(clock)

    def track(
        self,
        user: SeenUser,
        chat: SeenChat | None,
        *,
        has_message: bool,
        others: Sequence[SeenUser] = (),
    ) -> Tracked | None:
        """Remember the speaker and the group; `others` are people the message names or adds."""
        if is_stand_in(user.user_id):
            return None  # a chat speaking (an anonymous admin, a channel): nobody to remember
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
            if u.is_bot or is_stand_in(u.user_id):
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

    # ----- settings ----------------------------------------------------------------------
    def person(self, user_id: int) -> Person:
        """The stored person, or a blank one (nothing chosen yet)."""
        return self.db.get_person(user_id) or Person(user_id=user_id)

    def set_language(self, user_id: int, code: str) -> Person:
        """Their language: zh or en (anything else keeps the one they read now)."""
        person = self.person(user_id)
        language = normalize_lang(code, lang_of(person, self.settings))
        return self._save(replace(person, language=language))

    def set_zone(self, user_id: int, text: str) -> Person:
        """Their time zone, from an IANA name (any case) or a city we know."""
        zone = resolve_zone(text)
        if zone is None:
            raise SettingRefused("settings.tz_unknown", value=text[:40])
        return self._save(replace(self.person(user_id), tz=zone))

    def set_digest_time(self, user_id: int, text: str) -> Person:
        """When their morning digest comes (8:30, 0830), or "off"."""
        value = read_digest_time(text)
        if value is None:
            raise SettingRefused("reminders.digest_bad", value=text[:20])
        return self._save(replace(self.person(user_id), digest_time=value))

    def set_digest_quiet(self, user_id: int, quiet: bool | None) -> Person:
        """Nothing to report: send nothing (True) or one line (False); None turns it over."""
        person = self.person(user_id)
        value = not person.digest_quiet if quiet is None else quiet
        return self._save(replace(person, digest_loud=not value))

    def group(self, chat_id: int, title: str = "") -> Workspace:
        """The stored group, or a blank one."""
        return self.db.get_workspace(chat_id) or Workspace(chat_id=chat_id, title=title)

    def set_group_language(self, chat_id: int, title: str, code: str) -> Workspace:
        """A group's language (the caller has checked the speaker is one of its admins)."""
        ws = replace(
            self.group(chat_id, title),
            language=normalize_lang(code, self.settings.lang),
            updated_at=self.clock.now(),
        )
        self.db.put_workspace(ws)
        return ws

    def _save(self, person: Person) -> Person:
        person = replace(person, updated_at=self.clock.now())
        self.db.put_person(person)
        self._person_changed(person.user_id)
        return person

    # ----- membership --------------------------------------------------------------------
    async def is_member(self, chat_id: int, user_id: int, ask: AskMember) -> bool:
        """Is the person still in the group? Telegram's last answer if fresh, else `ask`."""
        return await self.membership.check(chat_id, user_id, ask)

    def membership_changed(self, chat_id: int, user_ids: Iterable[int]) -> None:
        """An update said these people joined or left the group: ask again next time."""
        self.membership.forget(chat_id, user_ids)
