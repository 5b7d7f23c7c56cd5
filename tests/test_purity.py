"""The core in bot/ stays pure: its domain modules import no telegram, tinydb or apscheduler."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# IO glue that lives in bot/ by design (ARCHITECTURE.md): allowed to import telegram/storage.
GLUE = {
    "app.py",
    "context.py",
    "cli.py",
    "core/alerts.py",
    "core/delivery.py",
    "core/ratelimit.py",
    "core/updates.py",
    "core/neterrors.py",
    "core/edits.py",
}
GLUE_DIRS = {"sim"}
# A feature's use cases talk to its store; its rules, views and codec stay pure.
GLUE_NAMES = {"service.py"}
FORBIDDEN = ("telegram", "tinydb", "apscheduler", "httpx")


def _domain_modules() -> list[Path]:
    out = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        rel = path.relative_to(ROOT / "bot")
        if rel.parts[0] in GLUE_DIRS or rel.as_posix() in GLUE or rel.name in GLUE_NAMES:
            continue
        out.append(path)
    return out


@pytest.mark.parametrize("path", _domain_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_module_imports_no_io_library(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
            assert not name.startswith(("storage", "handlers")), f"{path.name} imports {name}"


def test_nothing_reads_the_wall_clock_but_the_clock():
    offenders = []
    for path in (
        list((ROOT / "bot").rglob("*.py"))
        + list((ROOT / "handlers").rglob("*.py"))
        + list((ROOT / "storage").rglob("*.py"))
    ):
        if path.name == "clock.py" or "sim" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "datetime.now(" in text or "datetime.utcnow(" in text or "date.today(" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
