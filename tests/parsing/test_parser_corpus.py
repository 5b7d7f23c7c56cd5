"""The parser against tests/parsing/corpus.jsonl: every table row of spec/parsing.md, in zh and en."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import Settings
from bot.parsing import ParseError, PastMomentError, parse_assignment

CORPUS_PATH = Path(__file__).with_name("corpus.jsonl")
CORPUS: list[dict[str, Any]] = [
    json.loads(line) for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines() if line
]
SETTINGS = Settings()

DEFAULTS: dict[str, Any] = {
    "assignees": [],
    "priority": "normal",
    "recurrence": None,
    "remind_before": None,
    "kind": "task",
}


def test_corpus_is_big_and_bilingual() -> None:
    ids = [case["id"] for case in CORPUS]
    assert len(ids) == len(set(ids))
    assert len(CORPUS) >= 200
    english = sum(1 for case in CORPUS if case["id"].startswith("en-"))
    assert english >= 0.4 * len(CORPUS)
    assert len({case["now"] for case in CORPUS}) >= 5


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CORPUS])
def test_corpus_case(case: dict[str, Any]) -> None:
    now = datetime.fromisoformat(case["now"])
    if "error" in case:
        with pytest.raises(ParseError) as info:
            parse_assignment(case["text"], now=now, settings=SETTINGS)
        assert info.value.key == case["error"]
        assert info.value.message("zh") and info.value.message("en")
        if "suggested" in case:  # an explicitly named moment already past, and its fix
            assert isinstance(info.value, PastMomentError)
            assert info.value.moment.isoformat() == case["moment"]
            assert info.value.suggested.isoformat() == case["suggested"]
        for part in case.get("error_contains", []):
            assert part in info.value.message("zh")
        return
    parsed = parse_assignment(case["text"], now=now, settings=SETTINGS)
    got = parsed.to_json_dict()
    if "due_on_day_off" in case:
        assert parsed.due_on_day_off == case["due_on_day_off"]
    assert got["due"] == case["due"]
    for key, default in DEFAULTS.items():
        assert got[key] == case.get(key, default), key
    if "title" in case:
        assert got["title"] == case["title"]
    for part in case.get("title_contains", []):
        assert part in got["title"]
    for part in case.get("title_excludes", []):
        assert part not in got["title"]
