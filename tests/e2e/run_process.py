"""`officebot run` as a real process against a FakeBotAPI: its environment, start and stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.sim.fake_api import FakeBotAPI


def bot_env(fake: FakeBotAPI, data: Path, **extra: str) -> dict[str, str]:
    """This process's environment without its TELEGRAM_/OFFICEBOT_ settings, pointed at `fake`
    with the data in `data`; `extra` adds settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OFFICEBOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_API_FILE_URL=fake.file_url,
        OFFICEBOT_DATA_DIR=str(data),
        **extra,
    )
    return env


def spawn(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """Start `officebot run` (its output is read when it is stopped)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def terminate(proc: subprocess.Popen[str], timeout: float = 10) -> tuple[int, str, float]:
    """SIGTERM, then wait for the exit (at most `timeout` s): its status, its stderr, and the
    seconds it took."""
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err, time.monotonic() - started
