"""`officebot simulate` as a user meets it: the demo script, the terminal chat, `make run`."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")

pytestmark = pytest.mark.slow


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OFFICEBOT_"))}
    env.update(TERM="dumb", PYTHONUNBUFFERED="1", **extra)
    return env


def _simulate(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "simulate", *args],
        env=_clean_env(),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def _blocks(transcript: str) -> dict[str, str]:
    """The transcript cut at the `── heading` lines: heading → what follows it."""
    out: dict[str, str] = {}
    heading = ""
    for line in transcript.splitlines():
        if line.startswith("── "):
            heading = line[3:]
            out[heading] = ""
        else:
            out[heading] = out.get(heading, "") + line + "\n"
    return out


def test_the_demo_scripts_print_the_whole_loop(tmp_path: Path) -> None:
    zh = _simulate("--script", str(REPO / "examples" / "demo.sim"), cwd=tmp_path)
    en = _simulate("--lang", "en", "--script", str(REPO / "examples" / "demo_en.sim"), cwd=tmp_path)
    out, err = zh.communicate(timeout=60)
    out_en, err_en = en.communicate(timeout=60)
    assert zh.returncode == 0, err
    assert en.returncode == 0, err_en
    assert "Traceback" not in err + err_en

    blocks = _blocks(out)
    assert "你现在是 李主任，在群「办公室」" in blocks[""]
    assign = blocks["李主任在群里交办两件事"]
    assert "[李主任 @ 办公室]> /task @zhangsan 明天下午三点前把会议通知发给各科室，急" in assign
    assert "🤖 (4) → 张三（私聊）" in assign and "📥 新任务 #2 把会议通知发给各科室" in assign
    assert re.search(r"\[\d+\] 👌 收到 +\[\d+\] ✅ 完成", assign)
    ack = blocks["张三在私聊里收到任务卡片，点“收到”，李主任收到回执"]
    assert "✏️ (4) 已修改 → 张三（私聊）" in ack and "👌 已收到 今天 10:00" in ack
    assert "→ 李主任（私聊）\n    👌 张三 已收到 #2" in ack
    assert "💬 张三 看到提示：" in ack
    cannot = blocks["张三发现办不了，说明情况"]
    assert "↩ 请回复这条消息" in cannot and "↪ 作为对 (" in cannot
    assert "张三 反馈办不了" in cannot and "财务科今天不在" in cannot
    reassign = blocks["李主任把任务交给王五"]
    assert "📥 交办人改派给你 #2" in reassign and "现由 王五 办理" in reassign
    done = blocks["两小时后，王五办完"]
    assert "⏩ 现在是 11月30日 周一 12:00" in done
    assert "✅ #2 把会议通知发给各科室 已完成（王五）" in done
    morning = blocks["第二天早上 8:30：晨报"]
    assert "⏩ 现在是 12月1日 周二 08:30" in morning
    digest = morning.split("→ 张三（私聊）\n", 1)[1]
    assert digest.lstrip().startswith("🌅 早报 · 12月1日 周二") and "#1 交季度总结" in digest
    assert "本群未完成任务" in blocks["李主任在群里看还有什么没办完"]
    # Nothing from the wall clock or the temp folder: the transcript is reproducible.
    assert str(tmp_path) not in out and "/tmp" not in out

    blocks_en = _blocks(out_en)
    assert "New task #2 send the meeting notice" in out_en
    assert "Zhang San reports it can't be done" in out_en
    assert "is done (Wang Wu)" in out_en
    assert "⏩ It is now Tue 1 Dec 08:30" in blocks_en["The next morning at 8:30: the digest"]


def _read_until(fd: int, wanted: str, timeout: float = 15.0) -> str:
    """Read the pseudo-terminal until `wanted` shows (ANSI codes and \\r removed)."""
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            buf += chunk
            if wanted in _ANSI.sub("", buf.decode("utf-8", "replace")):
                return _ANSI.sub("", buf.decode("utf-8", "replace"))
    raise AssertionError(f"{wanted!r} not seen; the screen was:\n{buf.decode('utf-8', 'replace')}")


class _Terminal:
    """A child process on a pseudo-terminal: type lines, read the screen."""

    def __init__(self, argv: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)

    def expect(self, wanted: str, timeout: float = 15.0) -> str:
        return _read_until(self.master, wanted, timeout)

    def type(self, line: str) -> None:
        os.write(self.master, line.encode("utf-8") + b"\n")

    def close(self) -> int | None:
        try:
            code = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            code = None
        finally:
            os.close(self.master)
        return code

    def kill(self) -> None:
        """After a failure: stop the child (SIGTERM is a clean stop for the simulator)."""
        if self.proc.returncode is not None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        self.close()


def test_the_terminal_chat(tmp_path: Path) -> None:
    term = _Terminal([sys.executable, "-m", "bot.cli", "simulate"], cwd=tmp_path, env=_clean_env())
    try:
        screen = term.expect("[李主任 @ 办公室]> ")
        assert "角色：李主任 @lizhuren" in screen
        term.type("/help")  # a bot command, not the simulator's
        screen = term.expect("[李主任 @ 办公室]> ")
        assert "🤖 (1) → 群「办公室」" in screen and "用法" in screen
        term.type("/sim")
        assert "/wait 2h" in term.expect("[李主任 @ 办公室]> ")
        term.type("/as 赵六")
        screen = term.expect("[赵六 @ 办公室]> ")
        assert "新角色 赵六 @zhaoliu" in screen
        term.type("/in 私聊")
        term.expect("[赵六 @ 私聊]> ")
        term.type("/start")
        assert "你好，赵六" in term.expect("[赵六 @ 私聊]> ")
        term.type("明天上午十点前报送材料")
        screen = term.expect("[赵六 @ 私聊]> ")
        assert "✅ 已记下 #1" in screen
        number = re.search(r"\[(\d+)\] ✅ 完成", screen)
        assert number, screen
        term.type(number.group(1))  # a bare number presses that button
        screen = term.expect("[赵六 @ 私聊]> ")
        assert "✏️ (3) 已修改 → 赵六（私聊）" in screen and "已完成" in screen
        term.type(number.group(1))  # the card changed: that button is gone
        assert f"按钮 [{number.group(1)}] 已失效" in term.expect("[赵六 @ 私聊]> ")
        term.type("/wait 30m")
        assert "⏩ 现在是 11月30日 周一 10:30" in term.expect("[赵六 @ 私聊]> ")
        term.type("/quit")
        term.expect("再见")
        assert term.close() == 0
    finally:
        term.kill()


def test_make_run_without_a_token_says_how_and_starts_the_simulator(tmp_path: Path) -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    venv = Path(sys.prefix)
    if not (venv / "bin" / "officebot").exists():
        pytest.skip("not running from the project's virtualenv")
    # Run the repository's Makefile from an empty folder (no .env) on the existing venv; the
    # stamp override keeps make from re-creating the venv (that would need the network).
    (tmp_path / "pyproject.toml").symlink_to(REPO / "pyproject.toml")
    stamp = tmp_path / "installed"
    stamp.touch()
    term = _Terminal(
        [make, "-s", "-f", str(REPO / "Makefile"), "run", f"VENV={venv}", f"STAMP={stamp}"],
        cwd=tmp_path,
        env=_clean_env(),
    )
    try:
        screen = term.expect("[李主任 @ 办公室]> ", timeout=20)
        first = screen.strip().splitlines()[0]
        assert "TELEGRAM_BOT_TOKEN" in first and "@BotFather" in first and "make run" in first
        assert "officebot 模拟器" in screen
        term.type("/quit")
        term.expect("再见")
        assert term.close() == 0
    finally:
        term.kill()
