"""Durable storage for officebot: sharded TinyDB files, an archive of finished tasks, backups.

The public face: `Database` (open/close, transactions, indexed reads), `Transaction`, the
errors it raises, and `space_of_chat`. Record <-> dict mapping lives in `storage.mapping`.
"""

from storage.database import Database, Transaction, space_of_chat
from storage.errors import CorruptDataFile, DataDirLocked, MappingError

__all__ = [
    "CorruptDataFile",
    "DataDirLocked",
    "Database",
    "MappingError",
    "Transaction",
    "space_of_chat",
]
