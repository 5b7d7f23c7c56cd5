"""Durable storage for officebot: sharded TinyDB files, an archive of finished tasks, backups.

The public face: `Database` (open/close, transactions, indexed reads, `mark_outbox_many`),
`Transaction`, the durable `Inbox` of fetched updates (`Database.inbox`), the errors it raises,
and `space_of_chat`. Record <-> dict mapping lives in `storage.mapping`.
"""

from storage.database import Database, Transaction, space_of_chat
from storage.errors import CorruptDataFile, DataDirLocked, MappingError
from storage.inbox import Inbox

__all__ = [
    "CorruptDataFile",
    "DataDirLocked",
    "Database",
    "Inbox",
    "MappingError",
    "Transaction",
    "space_of_chat",
]
