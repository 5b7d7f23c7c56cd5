"""`python -m bot.parsing.cli`: single TEXT, JSON Lines from stdin, errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = [
    json.loads(line)
    for line in (ROOT / "tests/parsing/corpus.jsonl").read_text(encoding="utf-8").splitlines()
    if line
]
KEYS = {"title", "assignees", "due", "priority", "recurrence", "remind_before", "kind"}

pytestmark = pytest.mark.slow


def run(*args: str, stdin: str | None = None, lang: str = "zh") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICEBOT_")}
    env["OFFICEBOT_LANG"] = lang
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "bot.parsing.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_issue_example_exactly() -> None:
    done = run(
        "--now",
        "2026-11-30T10:00",
        "--tz",
        "Asia/Shanghai",
        "@zhangsan 明天下午三点前把会议通知发给各科室，急",
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == KEYS
    assert out["assignees"] == ["zhangsan"]
    assert out["due"] == "2026-12-01T15:00:00+08:00"
    assert out["priority"] == "urgent"
    assert out["kind"] == "task"
    assert out["recurrence"] is None
    assert out["remind_before"] is None
    assert "会议通知" in out["title"] and "各科室" in out["title"]
    for word in ("明天", "三点", "急"):
        assert word not in out["title"]
    assert "会议通知" in done.stdout  # ensure_ascii=False


def test_an_unparseable_text_prints_an_error_and_exits_1() -> None:
    done = run("--now", "2026-11-27T10:00", "明天下午三点")
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert set(out) == {"error"}
    assert "例如" in out["error"]
    assert "Traceback" not in done.stderr


def test_the_error_follows_officebot_lang() -> None:
    done = run("--now", "2026-11-27T10:00", "2月30日交报告", lang="en")
    assert done.returncode == 1
    assert "not a real date" in json.loads(done.stdout)["error"]


def test_a_bad_now_is_a_clear_message_not_a_traceback() -> None:
    done = run("--now", "yesterday-ish", "交报告")
    assert done.returncode == 2
    assert "--now" in done.stderr
    assert "Traceback" not in done.stderr


def check(case: dict[str, Any], out: dict[str, Any]) -> None:
    if "error" in case:
        assert set(out) == {"error"}, case["id"]
        return
    assert set(out) == KEYS, case["id"]
    assert out["due"] == case["due"], case["id"]
    if "title" in case:
        assert out["title"] == case["title"], case["id"]
    assert out["assignees"] == case.get("assignees", []), case["id"]
    assert out["priority"] == case.get("priority", "normal"), case["id"]
    assert out["recurrence"] == case.get("recurrence"), case["id"]
    assert out["kind"] == case.get("kind", "task"), case["id"]


def test_json_lines_from_stdin_match_the_corpus() -> None:
    by_now: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in CORPUS[::3]:  # a third of the corpus, every kind of row included
        by_now[case["now"]].append(case)
    checked = 0
    for now, cases in by_now.items():
        done = run(
            "--now", now, "--tz", "Asia/Shanghai", stdin="".join(c["text"] + "\n" for c in cases)
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert len(lines) == len(cases)
        for case, line in zip(cases, lines, strict=True):
            check(case, json.loads(line))
            checked += 1
    assert checked >= 60


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c["id"])
        for c in CORPUS
        if c["id"] in {"zh-rec-135", "en-rb-2-days", "en-err-feb-30", "mixed-3pm"}
    ],
)
def test_single_text_mode_matches_the_corpus(case: dict[str, Any]) -> None:
    done = run("--now", case["now"], case["text"])
    assert done.returncode == (1 if "error" in case else 0)
    check(case, json.loads(done.stdout))
