"""Directory use cases: contacts (通讯录), name lists (名单), documents (资料库), templates.

A space ("g<chat>" for a group's office, "p<user>" for one person) owns its records. Reads
that span spaces (a private look-up, a roster named in a task) go through `visible_spaces`;
a chat's own look-ups through `visible`, which has Telegram confirm group membership (a check
handed in by the caller, see bot/people/membership.py).
Each change is one durable write in the record's space, carrying the update id. Contact
look-ups run on an in-memory index per space, built from storage on first use and kept in
step with every write made here (the only writer of these tables).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from bot.core.clock import Clock
from bot.core.config import Settings
from bot.core.spaces import group_space, private_space
from bot.directory.contacts import ParsedContact
from bot.directory.exchange import MAX_IMPORT_BYTES, FileFormat, RowError, read_contacts
from bot.directory.library import find_documents, guess_category
from bot.directory.models import (
    Category,
    Contact,
    DocKind,
    Document,
    Roster,
    RosterEntry,
    RosterMember,
    Template,
)
from bot.directory.phones import normalize_phone, phone_key
from bot.directory.rules import (
    MemberRef,
    RosterAction,
    RosterChange,
    candidate_spaces,
    chat_of_space,
    is_group_space,
    may_change,
    needs_membership,
)
from bot.directory.search import ContactIndex, Match, fold, rank_hits
from bot.people.membership import MemberCheck
from storage import Database
from storage.directory import ContactStore, DocumentStore, RosterStore, TemplateStore

__all__ = [
    "DirectoryRefused",
    "DirectoryService",
    "Found",
    "ImportReport",
    "MemberCheck",
    "MemberRef",
    "RosterChange",
    "RosterMember",
    "chat_of_space",
    "group_space",
    "private_space",
]

MAX_CONTACTS_PER_SPACE = 20000
MAX_ROSTER = 200
RESERVED_ROSTER_NAMES = frozenset({"new", "add", "remove", "del", "delete", "list", "rm"})


class DirectoryRefused(Exception):
    """A change the actor may not make, or that makes no sense; `key` under directory.*."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Found:
    space: str
    contact: Contact
    match: Match


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an /import did: contacts added, merged into existing ones, rows it could not read."""

    added: int
    merged: int
    errors: tuple[RowError, ...] = ()


class DirectoryService:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.contacts = ContactStore(db)
        self.rosters = RosterStore(db)
        self.documents = DocumentStore(db)
        self.templates = TemplateStore(db)
        self._lock = threading.RLock()
        self._indexes: dict[str, ContactIndex] = {}
        self._pending_uses: dict[str, dict[int, int]] = {}  # space -> contact id -> uses

    # ----- who sees what -------------------------------------------------------------------
    def member_groups(self, user_id: int) -> list[int]:
        """Groups the person is known to be in (Person.chats and Workspace.members)."""
        person = self.db.get_person(user_id)
        groups = set(person.chats if person else ())
        for ws in self.db.workspaces():
            if user_id in ws.members:
                groups.add(ws.chat_id)
        return sorted(groups)

    def visible_spaces(self, space: str, actor: int) -> list[str]:
        """Where a look-up made in `space` by `actor` may search, nearest first, as far as the
        bot knows (`visible` also asks Telegram whether they are still in each group)."""
        groups = [] if is_group_space(space) else self.member_groups(actor)
        return candidate_spaces(space, actor, groups)

    async def visible(self, where: str, actor: int, is_member: MemberCheck) -> list[str]:
        """The spaces a look-up in `where` searches, nearest first: a group its own; a private
        chat the person's own and every group Telegram confirms they are still in (someone
        who left a group stops seeing its records)."""
        out = []
        for space in self.visible_spaces(where, actor):
            chat_id = needs_membership(where, space)
            if chat_id is None or await is_member(chat_id):
                out.append(space)
        return out

    async def can_see(self, where: str, space: str, actor: int, is_member: MemberCheck) -> bool:
        """May a chat (`where`) act on a record of `space`? A group only on its own; a private
        chat on the person's own and on those of groups they are still in."""
        if is_group_space(where):
            return space == where
        if space == private_space(actor):
            return True
        chat_id = chat_of_space(space)
        return chat_id is not None and await is_member(chat_id)

    async def template_spaces(self, where: str, actor: int, is_member: MemberCheck) -> list[str]:
        """Where /template looks: in a group, its own then the speaker's own; else `visible`."""
        if is_group_space(where):
            return [where, private_space(actor)]
        return await self.visible(where, actor, is_member)

    def space_titles(self, spaces: Iterable[str]) -> dict[str, str | None]:
        """What to call each space: a group's title ("" if it has none), None for one's own."""
        out: dict[str, str | None] = {}
        for space in spaces:
            chat_id = chat_of_space(space)
            ws = self.db.get_workspace(chat_id) if chat_id is not None else None
            out[space] = None if chat_id is None else (ws.title if ws is not None else "")
        return out

    def _roster_spaces(self, space: str, actor: int) -> list[str]:
        # A group task: the group's rosters, then the actor's own. Private: own, then groups'.
        if is_group_space(space):
            return [space, private_space(actor)]
        return self.visible_spaces(space, actor)

    # ----- the contact index ---------------------------------------------------------------
    def index(self, space: str) -> ContactIndex:
        with self._lock:
            idx = self._indexes.get(space)
            if idx is None:
                idx = ContactIndex(self.contacts.list(space))
                self._indexes[space] = idx
            return idx

    def _indexed(self, space: str, put: Iterable[Contact] = (), drop: Iterable[int] = ()) -> None:
        with self._lock:
            idx = self._indexes.get(space)
            if idx is None:
                return  # built from storage on first use, which already has the change
            for contact_id in drop:
                idx.remove(contact_id)
            for contact in put:
                idx.put(contact)

    # ----- contacts ------------------------------------------------------------------------
    def get_contact(self, space: str, contact_id: int) -> Contact | None:
        return self.index(space).get(contact_id)

    @staticmethod
    def _duplicate(
        parsed: ParsedContact,
        user_id: int | None,
        by_key: dict[str, int],
        by_user: dict[int, int],
    ) -> int | None:
        if user_id is not None and user_id in by_user:
            return by_user[user_id]
        for p in parsed.phones:
            found = by_key.get(phone_key(p))
            if found is not None:
                return found
        return None

    def add_contact(
        self,
        space: str,
        actor: int,
        parsed: ParsedContact,
        *,
        user_id: int | None = None,
        username: str | None = None,
        update_id: int | None = None,
    ) -> tuple[Contact, bool]:
        """Add a contact; one sharing a phone (or the Telegram account) is merged instead.
        Returns the stored contact and whether it was merged into an existing one."""
        stored, merged = self._add_many(space, actor, [(parsed, user_id, username)], update_id)
        return stored[0], merged[0]

    def add_card(
        self,
        space: str,
        actor: int,
        parsed: ParsedContact,
        *,
        user_id: int | None,
        update_id: int | None = None,
    ) -> tuple[Contact, bool]:
        """A shared contact card: linked to its Telegram account (and @username, if known)."""
        person = self.db.get_person(user_id) if user_id is not None else None
        username = person.username if person is not None else None
        return self.add_contact(
            space, actor, parsed, user_id=user_id, username=username, update_id=update_id
        )

    def import_file(
        self, space: str, actor: int, fmt: FileFormat, content: bytes, *, update_id: int | None
    ) -> ImportReport:
        """A CSV or vCard file's contacts, in one write; rows it cannot read are reported."""
        if len(content) > MAX_IMPORT_BYTES:
            raise DirectoryRefused("import.too_big", limit=MAX_IMPORT_BYTES // 1024)
        result = read_contacts(fmt, content)
        added, merged = self.import_contacts(space, actor, result.contacts, update_id=update_id)
        return ImportReport(added, merged, result.errors)

    def import_contacts(
        self, space: str, actor: int, parsed: Sequence[ParsedContact], *, update_id: int | None
    ) -> tuple[int, int]:
        """Add many contacts in one write; returns (added, merged)."""
        if not parsed:
            return 0, 0
        _, merged = self._add_many(space, actor, [(p, None, None) for p in parsed], update_id)
        n_merged = sum(merged)
        return len(merged) - n_merged, n_merged

    def _add_many(
        self,
        space: str,
        actor: int,
        items: Sequence[tuple[ParsedContact, int | None, str | None]],
        update_id: int | None,
    ) -> tuple[list[Contact], list[bool]]:
        now = self.clock.now()
        idx = self.index(space)
        if len(idx) + len(items) > MAX_CONTACTS_PER_SPACE:
            raise DirectoryRefused("contact.too_many", limit=MAX_CONTACTS_PER_SPACE)
        merged_flags: list[bool] = []
        by_key = {phone_key(p): c.id for c in idx.all() for p in c.phones}
        by_user = {c.user_id: c.id for c in idx.all() if c.user_id is not None}
        existing: dict[int, Contact] = {}  # merged into: id -> new state
        fresh: list[Contact] = []  # new ones, numbered -1, -2, … until stored
        order: list[int] = []
        for parsed, user_id, username in items:
            parsed = _normalized(parsed)
            dup = self._duplicate(parsed, user_id, by_key, by_user)
            if dup is not None:
                if dup < 0:
                    old = fresh[-dup - 1]
                    fresh[-dup - 1] = _merge(old, parsed, user_id, username)
                else:
                    old = existing.get(dup) or idx.get(dup) or Contact(id=dup, name=parsed.name)
                    existing[dup] = _merge(old, parsed, user_id, username)
                merged_flags.append(True)
                contact_id = dup
            else:
                contact_id = -len(fresh) - 1
                fresh.append(
                    Contact(
                        id=contact_id,
                        name=parsed.name,
                        unit=parsed.unit,
                        phones=parsed.phones,
                        email=parsed.email,
                        note=parsed.note,
                        user_id=user_id,
                        username=(username or "").lower().lstrip("@") or None,
                        added_by=actor,
                        added_at=now,
                    )
                )
                merged_flags.append(False)
            order.append(contact_id)
            for p in parsed.phones:
                by_key.setdefault(phone_key(p), contact_id)
            if user_id is not None:
                by_user.setdefault(user_id, contact_id)
        with self.db.transaction(space, update_id=update_id) as tx:
            self.contacts.update_many(tx, list(existing.values()))
            stored = self.contacts.add_many(tx, fresh)
        for contact in existing.values():
            self._settled(space, contact)
        final = {c.id: c for c in existing.values()} | {-i - 1: c for i, c in enumerate(stored)}
        self._indexed(space, put=[*existing.values(), *stored])
        return [final[i] for i in order], merged_flags

    def edit_contact(
        self,
        space: str,
        contact_id: int,
        actor: int,
        parsed: ParsedContact,
        *,
        admin: bool,
        update_id: int | None = None,
    ) -> Contact:
        old = self.contact_for_change(space, contact_id, actor, admin)
        contact = replace(
            old,
            name=parsed.name,
            unit=parsed.unit,
            phones=parsed.phones,
            email=parsed.email,
            note=parsed.note,
        )
        with self.db.transaction(space, update_id=update_id) as tx:
            self.contacts.update(tx, contact)
            self._settled(space, contact)
        self._indexed(space, put=[contact])
        return contact

    def delete_contact(
        self, space: str, contact_id: int, actor: int, *, admin: bool, update_id: int | None = None
    ) -> Contact:
        old = self.contact_for_change(space, contact_id, actor, admin)
        with self.db.transaction(space, update_id=update_id) as tx:
            self.contacts.remove(tx, contact_id)
        with self._lock:
            self._pending_uses.get(space, {}).pop(contact_id, None)
        self._indexed(space, drop=[contact_id])
        return old

    def contact_for_change(self, space: str, contact_id: int, actor: int, admin: bool) -> Contact:
        """The contact, if `actor` may change it (else DirectoryRefused: gone / not_yours)."""
        return _for_change(
            self.get_contact(space, contact_id), DirectoryRefused("contact.gone"), actor, admin
        )

    def find_contacts(
        self,
        spaces: Sequence[str],
        query: str,
        *,
        limit: int | None = 8,
        count_use: bool = True,
    ) -> list[Found]:
        """Contacts of `spaces` matching `query`, best first; those shown count as used."""
        with self._lock:
            groups = [[(s, h) for h in self.index(s).search(query, limit)] for s in spaces]
        pairs = [p for g in groups for p in g]
        ranked = rank_hits([[h for _, h in pairs]], None)
        space_of = {id(h): s for s, h in pairs}
        hits = ranked if limit is None else ranked[:limit]
        found = [Found(space_of[id(h)], h.contact, h.match) for h in hits]
        if count_use and found:
            found = self.count_uses(found)
        return found

    def look_up(self, spaces: Sequence[str], query: str, shown: int) -> tuple[list[Found], bool]:
        """The best `shown` contacts for a /contact look-up (counted as used), and whether
        there are more."""
        found = self.find_contacts(spaces, query, limit=shown + 1, count_use=False)
        best = found[:shown]
        return (self.count_uses(best) if best else best), len(found) > shown

    def count_uses(self, found: list[Found]) -> list[Found]:
        """Count a look-up that showed these contacts. The ranking sees it at once; storage
        gets it from `flush_uses` (a tick step): rewriting a big directory's shard on every
        look-up would cost more than the look-up, and a count lost to a crash matters little.
        """
        bumped = [replace(f, contact=replace(f.contact, uses=f.contact.uses + 1)) for f in found]
        with self._lock:
            for f in bumped:
                pending = self._pending_uses.setdefault(f.space, {})
                pending[f.contact.id] = pending.get(f.contact.id, 0) + 1
            for space in {f.space for f in bumped}:
                self._indexed(space, put=[f.contact for f in bumped if f.space == space])
        return bumped

    def flush_uses(self) -> int:
        """Store the use counts gathered since the last flush; returns how many contacts."""
        with self._lock:
            pending, self._pending_uses = self._pending_uses, {}
        done = 0
        for space, counts in pending.items():
            with self.db.transaction(space) as tx:
                self.contacts.add_uses(tx, counts)
            done += len(counts)
        return done

    def space_moved(self, old: str, new: str) -> None:
        """A group's records moved to its new chat id (bot/groups/): forget what was kept of
        either space; use counts not yet stored go with them."""
        with self._lock:
            self._indexes.pop(old, None)
            self._indexes.pop(new, None)
            moved = self._pending_uses.pop(old, {})
            into = self._pending_uses.setdefault(new, {})
            for contact_id, uses in moved.items():
                into[contact_id] = into.get(contact_id, 0) + uses

    def _settled(self, space: str, contact: Contact) -> None:
        # A contact written whole carries its up-to-date count: nothing pending is left for it.
        with self._lock:
            self._pending_uses.get(space, {}).pop(contact.id, None)

    def export_contacts(self, spaces: Sequence[str]) -> list[Contact]:
        out: list[Contact] = []
        for space in spaces:
            out += sorted(self.index(space).all(), key=lambda c: (c.name, c.id))
        return out

    # ----- rosters -------------------------------------------------------------------------
    def find_roster(self, space: str, name: str, actor: int) -> tuple[str, Roster] | None:
        """The roster called `name` nearest to `space` (see `_roster_spaces`), with its space."""
        for s in self._roster_spaces(space, actor):
            roster = self.rosters.get(s, name)
            if roster is not None:
                return s, roster
        return None

    def roster_names(self, space: str, actor: int) -> list[str]:
        """The names of the rosters a /notify or /task here may use, nearest first."""
        names = (r.name for s in self._roster_spaces(space, actor) for r in self.rosters.list(s))
        return list(dict.fromkeys(names))

    def list_rosters(self, spaces: Sequence[str]) -> list[tuple[str, Roster]]:
        return [(s, r) for s in spaces for r in self.rosters.list(s)]

    async def show_roster(
        self, where: str, name: str, actor: int, is_member: MemberCheck
    ) -> tuple[str, Roster, list[RosterMember]] | None:
        """`/roster <name>`: the nearest roster of that name this chat may see, with its space
        and its members (a phone each where known)."""
        found = self.find_roster(where, name, actor)
        if found is None:
            return None
        space, roster = found
        if space != where and not await self.can_see(where, space, actor, is_member):
            return None
        return space, roster, self._members(space, roster)

    def change_roster(
        self,
        space: str,
        actor: int,
        action: RosterAction,
        name: str,
        refs: Sequence[MemberRef],
        *,
        admin: bool,
        update_id: int | None = None,
    ) -> RosterChange:
        """/roster new|add|remove|delete: one change of one roster, by its creator or an admin
        (a new one by anyone)."""
        if action is RosterAction.NEW:
            roster, unknown = self.create_roster(space, actor, name, refs, update_id=update_id)
            return RosterChange(action, roster, self._members(space, roster), unknown)
        if action is RosterAction.DELETE:
            roster = self.delete_roster(space, actor, name, admin=admin, update_id=update_id)
            return RosterChange(action, roster)
        if not refs:
            raise DirectoryRefused("roster.need_members")
        if action is RosterAction.ADD:
            roster, unknown = self.add_to_roster(
                space, actor, name, refs, admin=admin, update_id=update_id
            )
            return RosterChange(action, roster, self._members(space, roster), unknown)
        roster, removed = self.remove_from_roster(
            space, actor, name, refs, admin=admin, update_id=update_id
        )
        return RosterChange(action, roster, self._members(space, roster), removed=removed)

    def resolve_roster(self, space: str, name: str, actor: int) -> list[int | str] | None:
        """Member user ids and pending usernames of roster `name`, or None if there is none.

        Contacts without a Telegram account are skipped (they stay in the roster).
        """
        found = self.find_roster(space, name, actor)
        if found is None:
            return None
        out: list[int | str] = []
        for member in self._members(*found):
            if member.user_id is not None:
                out.append(member.user_id)
            elif member.username:
                out.append(member.username)
        return out

    def roster_members(self, space: str, name: str, actor: int) -> list[RosterMember] | None:
        """Roster `name`'s members with a phone each where known, or None if there is none."""
        found = self.find_roster(space, name, actor)
        return None if found is None else self._members(*found)

    def _members(self, space: str, roster: Roster) -> list[RosterMember]:
        return [self._member(space, entry) for entry in roster.members]

    def _member(self, space: str, entry: RosterEntry) -> RosterMember:
        contact: Contact | None = None
        if entry.contact_id is not None:
            contact = self.get_contact(entry.contact_space or space, entry.contact_id)
        user_id = entry.user_id
        username = entry.username
        name = entry.name
        phone: str | None = None
        if contact is not None:
            user_id = user_id if user_id is not None else contact.user_id
            username = username or contact.username
            name = contact.name
            phone = contact.phones[0] if contact.phones else None
        if user_id is None and username:
            person = self.db.find_person(username)
            if person is not None:
                user_id = person.user_id
        if user_id is not None and name.startswith("@"):
            person = self.db.get_person(user_id)
            if person is not None and (person.first_name or person.last_name):
                name = person.display_name
        if phone is None and (user_id is not None or username):
            own = [private_space(user_id)] if user_id is not None else []
            phone = self._phone_of(user_id, username, [space, *own])
        return RosterMember(user_id=user_id, username=username, name=name, phone=phone)

    def phone_for(self, user_id: int, spaces: Sequence[str]) -> str | None:
        """A phone of the contact linked to this Telegram user (by id or @username)."""
        person = self.db.get_person(user_id)
        return self._phone_of(user_id, person.username if person else None, spaces)

    def _phone_of(
        self, user_id: int | None, username: str | None, spaces: Sequence[str]
    ) -> str | None:
        uname = (username or "").lower().lstrip("@") or None
        for s in spaces:
            for c in self.index(s).all():
                if not c.phones:
                    continue
                if (user_id is not None and c.user_id == user_id) or (
                    uname is not None and c.username == uname
                ):
                    return c.phones[0]
        return None

    def _entry(self, ref: MemberRef, spaces: Sequence[str]) -> tuple[RosterEntry, bool]:
        """A roster entry for `ref`; False when a plain name matched no contact."""
        if ref.user_id is not None:
            return RosterEntry(name=ref.name, user_id=ref.user_id), True
        if ref.username:
            uname = ref.username.lower().lstrip("@")
            person = self.db.find_person(uname)
            name = person.display_name if person else f"@{uname}"
            return (
                RosterEntry(name=name, user_id=person.user_id if person else None, username=uname),
                True,
            )
        key = fold(ref.name)
        for s in spaces:
            for hit in self.index(s).search(ref.name, None):
                if fold(hit.contact.name) == key:
                    own = s == spaces[0]
                    return (
                        RosterEntry(
                            name=hit.contact.name,
                            contact_id=hit.contact.id,
                            contact_space=None if own else s,
                        ),
                        True,
                    )
                break
        return RosterEntry(name=ref.name), False

    def _same(self, a: RosterEntry, b: RosterEntry) -> bool:
        if a.user_id is not None and a.user_id == b.user_id:
            return True
        if a.username and a.username == b.username:
            return True
        if a.contact_id is not None:
            return (a.contact_id, a.contact_space) == (b.contact_id, b.contact_space)
        return (
            a.user_id is None
            and not a.username
            and b.contact_id is None
            and fold(a.name) == fold(b.name)
        )

    def create_roster(
        self,
        space: str,
        actor: int,
        name: str,
        refs: Sequence[MemberRef],
        *,
        update_id: int | None = None,
    ) -> tuple[Roster, list[str]]:
        """A new roster in `space`; returns it and the plain names that matched no contact."""
        check_roster_name(name)
        if self.rosters.get(space, name) is not None:
            raise DirectoryRefused("roster.exists", name=name)
        roster = Roster(name=name, created_by=actor, created_at=self.clock.now())
        return self._add_members(space, roster, refs, update_id)

    def add_to_roster(
        self,
        space: str,
        actor: int,
        name: str,
        refs: Sequence[MemberRef],
        *,
        admin: bool,
        update_id: int | None = None,
    ) -> tuple[Roster, list[str]]:
        roster = self._roster_for_change(space, name, actor, admin)
        return self._add_members(space, roster, refs, update_id)

    def _add_members(
        self, space: str, roster: Roster, refs: Sequence[MemberRef], update_id: int | None
    ) -> tuple[Roster, list[str]]:
        lookup = [space, *(s for s in self.visible_spaces(space, roster.created_by) if s != space)]
        members = list(roster.members)
        unknown: list[str] = []
        for ref in refs:
            entry, known = self._entry(ref, lookup)
            if not known:
                unknown.append(ref.name)
            if not any(self._same(entry, m) for m in members):
                members.append(entry)
        if len(members) > MAX_ROSTER:
            raise DirectoryRefused("roster.too_big", limit=MAX_ROSTER)
        return self._put_members(space, roster, members, update_id), unknown

    def _put_members(
        self, space: str, roster: Roster, members: Sequence[RosterEntry], update_id: int | None
    ) -> Roster:
        """The roster with these members, stored."""
        roster = replace(roster, members=tuple(members))
        with self.db.transaction(space, update_id=update_id) as tx:
            self.rosters.put(tx, roster)
        return roster

    def remove_from_roster(
        self,
        space: str,
        actor: int,
        name: str,
        refs: Sequence[MemberRef],
        *,
        admin: bool,
        update_id: int | None = None,
    ) -> tuple[Roster, list[str]]:
        """Take members out (by user, @username or name); returns the roster and who left."""
        roster = self._roster_for_change(space, name, actor, admin)
        keep: list[RosterEntry] = []
        removed: list[str] = []
        for entry in roster.members:
            member = self._member(space, entry)
            if any(_names_member(ref, entry, member) for ref in refs):
                removed.append(member.name)
            else:
                keep.append(entry)
        if not removed:
            raise DirectoryRefused("roster.no_such_member", name=name)
        return self._put_members(space, roster, keep, update_id), removed

    def delete_roster(
        self, space: str, actor: int, name: str, *, admin: bool, update_id: int | None = None
    ) -> Roster:
        roster = self._roster_for_change(space, name, actor, admin)
        with self.db.transaction(space, update_id=update_id) as tx:
            self.rosters.remove(tx, name)
        return roster

    def _roster_for_change(self, space: str, name: str, actor: int, admin: bool) -> Roster:
        gone = DirectoryRefused("roster.unknown", name=name)
        return _for_change(self.rosters.get(space, name), gone, actor, admin)

    # ----- documents -----------------------------------------------------------------------
    def save_document(
        self,
        space: str,
        actor: int,
        *,
        file_id: str,
        file_unique_id: str,
        name: str,
        kind: DocKind,
        mime_type: str = "",
        tags: Sequence[str] = (),
        update_id: int | None = None,
    ) -> tuple[Document, bool]:
        """Keep a file in the library; the same file saved again gets the new tags instead.
        Returns the document and whether it is new."""
        now = self.clock.now()
        same = next(
            (
                d
                for d in self.documents.list(space)
                if file_unique_id and d.file_unique_id == file_unique_id
            ),
            None,
        )
        with self.db.transaction(space, update_id=update_id) as tx:
            if same is not None:
                merged_tags = tuple(dict.fromkeys((*same.tags, *tags)))
                doc = replace(same, tags=merged_tags, file_id=file_id)
                if tags and same.category is Category.OTHER:
                    doc = replace(doc, category=guess_category(doc.name, merged_tags))
                self.documents.update(tx, doc)
                return doc, False
            doc = self.documents.add(
                tx,
                Document(
                    id=0,
                    file_id=file_id,
                    file_unique_id=file_unique_id,
                    name=name,
                    kind=kind,
                    mime_type=mime_type,
                    tags=tuple(tags),
                    category=guess_category(name, tags),
                    saved_by=actor,
                    saved_at=now,
                ),
            )
        return doc, True

    def get_document(self, space: str, doc_id: int) -> Document | None:
        return self.documents.get(space, doc_id)

    def find_documents(self, spaces: Sequence[str], query: str) -> list[tuple[str, Document]]:
        out: list[tuple[str, Document]] = []
        for space in spaces:
            out += [(space, d) for d in find_documents(self.documents.list(space), query)]
        far = datetime.min.replace(tzinfo=UTC)
        out.sort(key=lambda p: p[1].saved_at or far, reverse=True)
        return out

    def set_category(
        self,
        space: str,
        doc_id: int,
        actor: int,
        category: Category,
        *,
        admin: bool,
        update_id: int | None = None,
    ) -> Document:
        doc = self.document_for_change(space, doc_id, actor, admin)
        doc = replace(doc, category=category)
        with self.db.transaction(space, update_id=update_id) as tx:
            self.documents.update(tx, doc)
        return doc

    def delete_document(
        self, space: str, doc_id: int, actor: int, *, admin: bool, update_id: int | None = None
    ) -> Document:
        doc = self.document_for_change(space, doc_id, actor, admin)
        with self.db.transaction(space, update_id=update_id) as tx:
            self.documents.remove(tx, doc_id)
        return doc

    def document_for_change(self, space: str, doc_id: int, actor: int, admin: bool) -> Document:
        """The document, if `actor` may change it (else DirectoryRefused: gone / not_yours)."""
        return _for_change(
            self.documents.get(space, doc_id), DirectoryRefused("docs.gone"), actor, admin
        )

    # ----- templates -----------------------------------------------------------------------
    def save_template(
        self,
        space: str,
        actor: int,
        name: str,
        text: str,
        *,
        admin: bool,
        update_id: int | None = None,
    ) -> tuple[Template, bool]:
        """Keep (or replace, by its saver or an admin) a text template; True if replaced."""
        old = self.templates.get(space, name)
        if old is not None and not may_change(old.owner, actor, admin):
            raise DirectoryRefused("not_yours")
        tpl = Template(name=name, text=text, saved_by=actor, saved_at=self.clock.now())
        with self.db.transaction(space, update_id=update_id) as tx:
            self.templates.put(tx, tpl)
        return tpl, old is not None

    def get_template(self, spaces: Sequence[str], name: str) -> tuple[str, Template] | None:
        for space in spaces:
            tpl = self.templates.get(space, name)
            if tpl is not None:
                return space, tpl
        return None

    def list_templates(self, spaces: Sequence[str]) -> list[tuple[str, Template]]:
        return [(s, tpl) for s in spaces for tpl in self.templates.list(s)]

    def delete_template(
        self, space: str, name: str, actor: int, *, admin: bool, update_id: int | None = None
    ) -> Template:
        gone = DirectoryRefused("template.unknown", name=name)
        tpl = _for_change(self.templates.get(space, name), gone, actor, admin)
        with self.db.transaction(space, update_id=update_id) as tx:
            self.templates.remove(tx, name)
        return tpl


_Owned = TypeVar("_Owned", Contact, Roster, Document, Template)


def _for_change(found: _Owned | None, gone: DirectoryRefused, actor: int, admin: bool) -> _Owned:
    """`found`, if `actor` may change it: who added it, or an admin (else `gone`, not_yours)."""
    if found is None:
        raise gone
    if not may_change(found.owner, actor, admin):
        raise DirectoryRefused("not_yours")
    return found


def check_roster_name(name: str) -> None:
    if (
        not name
        or len(name) > 30
        or name[0].isdigit()
        or name.lower() in RESERVED_ROSTER_NAMES
        or any(ch in name for ch in "#@/ \t\n,，")
    ):
        raise DirectoryRefused("roster.bad_name", name=name)


def _names_member(ref: MemberRef, entry: RosterEntry, member: RosterMember) -> bool:
    if ref.user_id is not None:
        return member.user_id == ref.user_id
    if ref.username:
        return (member.username or "") == ref.username.lower().lstrip("@")
    key = fold(ref.name)
    return key in (fold(entry.name), fold(member.name))


def _normalized(parsed: ParsedContact) -> ParsedContact:
    """Numbers in display form, each once (callers may hand in raw ones)."""
    phones: list[str] = []
    for raw in parsed.phones:
        number = normalize_phone(raw) or raw
        if phone_key(number) not in {phone_key(p) for p in phones}:
            phones.append(number)
    return replace(parsed, phones=tuple(phones))


def _merge(old: Contact, new: ParsedContact, user_id: int | None, username: str | None) -> Contact:
    """Same person again: numbers are pooled, newer non-empty details win, the name stays."""
    phones = list(old.phones)
    for p in new.phones:
        if phone_key(p) not in {phone_key(x) for x in phones}:
            phones.append(p)
    return replace(
        old,
        unit=new.unit or old.unit,
        phones=tuple(phones),
        email=new.email or old.email,
        note=new.note or old.note,
        user_id=old.user_id if old.user_id is not None else user_id,
        username=old.username or ((username or "").lower().lstrip("@") or None),
    )
