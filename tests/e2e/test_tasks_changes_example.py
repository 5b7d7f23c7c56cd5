"""examples/changes.sim (issue #13: snooze, more time, a reassignment) as the README shows it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _simulate(*args: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OFFICEBOT_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "simulate", *args],
        env={**env, "TERM": "dumb", "PYTHONUNBUFFERED": "1"},
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done.stdout


def _readme_transcript(heading: str) -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split(heading, 1)[1]
    return section.split("```text\n", 1)[1].split("\n```", 1)[0]


def test_the_readme_shows_what_the_changes_script_prints(tmp_path: Path):
    zh = _simulate("--script", str(REPO / "examples" / "changes.sim"), cwd=tmp_path)
    assert zh[zh.index("── ") :].rstrip("\n") == _readme_transcript("### Who may change what")
    for line in (
        "⏰ 你已推迟到 今天 11:00（截止时间不变）",
        "⏳ 张三 申请延期 #1 报送安全检查材料",
        "✅ 李主任 同意延期：#1 报送安全检查材料 的截止时间改为 12月7日 周一 18:00",
        "⏰ 推迟到点了 #1 报送安全检查材料",
        "📥 交办人改派给你 #1 报送安全检查材料",
        "👌 已确认收到 #1，已告知交办人。",
    ):
        assert line in zh
    # Before the assigner approved, nobody but 张三 heard of the snooze.
    before_approval = zh.split("── 李主任同意", 1)[0]
    assert "→ 李主任（私聊）\n    ⏳" in before_approval
    assert before_approval.count("→ 李主任") == 1

    en = _simulate(
        "--lang", "en", "--script", str(REPO / "examples" / "changes_en.sim"), cwd=tmp_path
    )
    for line in (
        "⏰ You snoozed it until Today 11:00 (the deadline stays)",
        "⏳ Zhang San asks for more time on #1",
        "✅ Director Li granted more time: #1 submit the safety inspection figures is now due Mon 7 Dec 18:00",
        "⏰ Snooze is over #1",
        "📥 Reassigned to you #1",
        "👌 #1 acknowledged; the assigner is told.",
    ):
        assert line in en
