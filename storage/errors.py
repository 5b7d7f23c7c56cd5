"""The errors storage raises to its callers."""

from __future__ import annotations

from pathlib import Path


class DataDirLocked(RuntimeError):
    """Another Database (in this or another process) owns the data directory."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"data directory {path} is in use by another officebot (lock held)")
        self.path = path


class CorruptDataFile(RuntimeError):
    """A data file cannot be read; it is left untouched for a human to look at."""

    def __init__(self, path: Path, newest_backup: Path | None, reason: str = "") -> None:
        backup = str(newest_backup) if newest_backup is not None else "none"
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"data file {path} is unreadable{detail}; it was not modified. "
            f"Newest good backup: {backup}"
        )
        self.path = path
        self.newest_backup = newest_backup


class MappingError(ValueError):
    """A stored document does not describe a valid record."""
