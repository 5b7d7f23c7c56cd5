"""The directory's tables in a space's shard: contacts, rosters, documents, templates.

Dict <-> record mapping for bot/directory/models.py lives here and nowhere else (RecordMappers:
the documents are those the hand-written mapping wrote, key for key and in the same order).
Writes go through a `Transaction` (`tx.table(...)`), reads through `Database.shard_table`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import replace
from typing import Any

from tinydb import Query
from tinydb.table import Document as TinyDoc
from tinydb.table import Table

from bot.directory.models import Contact, Document, Roster, Template
from storage.database import Database, Transaction
from storage.mapping import RecordMapper

CONTACTS = "contacts"
ROSTERS = "rosters"
DOCUMENTS = "documents"
TEMPLATES = "templates"

# --- mapping ------------------------------------------------------------------------------
#
# A contact's and a document's id is its TinyDB doc id, not a key of the document.

_CONTACTS = RecordMapper(Contact, doc_id="id")
_ROSTERS = RecordMapper(Roster)
_DOCUMENTS = RecordMapper(
    Document,
    doc_id="id",
    order=(
        "file_id",
        "file_unique_id",
        "name",
        "kind",
        "mime_type",
        "tags",
        "category",
        "saved_by",
        "saved_at",
    ),
)
_TEMPLATES = RecordMapper(Template)

contact_to_dict, contact_from_doc = _CONTACTS.dump, _CONTACTS.load
roster_to_dict, roster_from_doc = _ROSTERS.dump, _ROSTERS.load
document_to_dict, document_from_doc = _DOCUMENTS.dump, _DOCUMENTS.load
template_to_dict, template_from_doc = _TEMPLATES.dump, _TEMPLATES.load


# --- stores -------------------------------------------------------------------------------


class _Store:
    table_name = ""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _read(self, space: str) -> Table:
        return self.db.shard_table(space, self.table_name)

    def _write(self, tx: Transaction) -> Table:
        return tx.table(self.table_name)


SEQUENCES = "directory_seq"


def _allocate(tx: Transaction, table: Table, kind: str, count: int = 1) -> int:
    """The first of `count` fresh ids, never reused after a delete: an old button can't reach
    a newer record."""
    seq = tx.table(SEQUENCES)
    row = seq.get(Query().kind == kind)
    if isinstance(row, dict):
        last = int(row["last"])
    else:
        last = max((d.doc_id for d in table.all()), default=0) if len(table) else 0
    seq.upsert({"kind": kind, "last": last + count}, Query().kind == kind)
    return last + 1


def _update_each(
    table: Table, changes: dict[int, Callable[[MutableMapping[str, Any]], None]]
) -> None:
    """Apply one change per document in a single table write (TinyDB rewrites the whole table
    on every call, so a change per call would make a batch quadratic)."""
    ids = [i for i in changes if table.contains(doc_id=i)]
    if not ids:
        return
    steps = iter([changes[i] for i in ids])  # TinyDB visits doc_ids in the order given

    def apply(doc: MutableMapping[str, Any]) -> None:
        next(steps)(doc)

    table.update(apply, doc_ids=ids)


class ContactStore(_Store):
    table_name = CONTACTS

    def list(self, space: str) -> list[Contact]:
        return [contact_from_doc(d) for d in self._read(space).all()]

    def get(self, space: str, contact_id: int) -> Contact | None:
        doc = self._read(space).get(doc_id=contact_id)
        return None if doc is None or isinstance(doc, list) else contact_from_doc(doc)

    def add(self, tx: Transaction, contact: Contact) -> Contact:
        """Insert with a fresh id (the one on `contact` is ignored); returns the stored record."""
        return self.add_many(tx, [contact])[0]

    def add_many(self, tx: Transaction, contacts: Sequence[Contact]) -> Sequence[Contact]:
        if not contacts:
            return ()
        table = self._write(tx)
        first = _allocate(tx, table, CONTACTS, len(contacts))
        stored = [replace(c, id=first + i) for i, c in enumerate(contacts)]
        table.insert_multiple(TinyDoc(contact_to_dict(c), doc_id=c.id) for c in stored)
        return stored

    def update(self, tx: Transaction, contact: Contact) -> None:
        self.update_many(tx, [contact])

    def update_many(self, tx: Transaction, contacts: Sequence[Contact]) -> None:
        def setter(c: Contact) -> Callable[[MutableMapping[str, Any]], None]:
            return lambda doc: doc.update(contact_to_dict(c))

        _update_each(self._write(tx), {c.id: setter(c) for c in contacts})

    def remove(self, tx: Transaction, contact_id: int) -> None:
        table = self._write(tx)
        if table.contains(doc_id=contact_id):
            table.remove(doc_ids=[contact_id])

    def add_uses(self, tx: Transaction, counts: dict[int, int]) -> None:
        def adder(n: int) -> Callable[[MutableMapping[str, Any]], None]:
            return lambda doc: doc.update(uses=int(doc.get("uses", 0)) + n)

        _update_each(self._write(tx), {i: adder(n) for i, n in counts.items()})


class RosterStore(_Store):
    table_name = ROSTERS

    def list(self, space: str) -> list[Roster]:
        return sorted((roster_from_doc(d) for d in self._read(space).all()), key=lambda r: r.name)

    def get(self, space: str, name: str) -> Roster | None:
        doc = self._read(space).get(Query().name == name)
        return None if doc is None or isinstance(doc, list) else roster_from_doc(doc)

    def put(self, tx: Transaction, roster: Roster) -> None:
        self._write(tx).upsert(roster_to_dict(roster), Query().name == roster.name)

    def remove(self, tx: Transaction, name: str) -> bool:
        return bool(self._write(tx).remove(Query().name == name))


class DocumentStore(_Store):
    table_name = DOCUMENTS

    def list(self, space: str) -> list[Document]:
        return [document_from_doc(d) for d in self._read(space).all()]

    def get(self, space: str, doc_id: int) -> Document | None:
        doc = self._read(space).get(doc_id=doc_id)
        return None if doc is None or isinstance(doc, list) else document_from_doc(doc)

    def add(self, tx: Transaction, document: Document) -> Document:
        table = self._write(tx)
        new_id = _allocate(tx, table, DOCUMENTS)
        table.insert(TinyDoc(document_to_dict(document), doc_id=new_id))
        return replace(document, id=new_id)

    def update(self, tx: Transaction, document: Document) -> None:
        self._write(tx).upsert(TinyDoc(document_to_dict(document), doc_id=document.id))

    def remove(self, tx: Transaction, doc_id: int) -> None:
        table = self._write(tx)
        if table.contains(doc_id=doc_id):
            table.remove(doc_ids=[doc_id])


class TemplateStore(_Store):
    table_name = TEMPLATES

    def list(self, space: str) -> list[Template]:
        return sorted((template_from_doc(d) for d in self._read(space).all()), key=lambda t: t.name)

    def get(self, space: str, name: str) -> Template | None:
        doc = self._read(space).get(Query().name == name)
        return None if doc is None or isinstance(doc, list) else template_from_doc(doc)

    def put(self, tx: Transaction, template: Template) -> None:
        self._write(tx).upsert(template_to_dict(template), Query().name == template.name)

    def remove(self, tx: Transaction, name: str) -> bool:
        return bool(self._write(tx).remove(Query().name == name))


def spaces_with(db: Database, spaces: Iterable[str], table: str) -> list[str]:
    """Those of `spaces` whose shard has rows in `table` (cheap pre-filter for searches)."""
    return [s for s in spaces if len(db.shard_table(s, table)) > 0]
