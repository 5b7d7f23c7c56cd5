"""Issue #12 with `officebot run` as a real process: kill -9 after a fetch, SIGTERM in a backlog."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.sim.fake_api import FakeBotAPI

pytestmark = pytest.mark.slow


@pytest.fixture
def fake():
    with FakeBotAPI() as api:
        yield api


def _env(fake: FakeBotAPI, data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OFFICEBOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_API_FILE_URL=fake.file_url,
        OFFICEBOT_DATA_DIR=str(data),
        **extra,
    )
    return env


def _spawn(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _terminate(proc: subprocess.Popen[str], timeout: float = 15) -> tuple[int, str, float]:
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err, time.monotonic() - started


async def test_kill_9_between_fetch_and_processing_loses_nothing(fake: FakeBotAPI, tmp_path: Path):
    """The update is fetched and confirmed to Telegram while its handler still waits (on a
    getChatMember that hangs); kill -9 then. After the restart it is processed, once."""
    group = fake.add_group(-100777, "办公室", members=[])
    user = fake.add_user(2101, "张三", username="zhangsan")
    fake.add_member(group, user)
    env = _env(fake, tmp_path / "data", OFFICEBOT_ALLOWED_CHATS=str(group.id))
    proc = _spawn(env, tmp_path)
    try:
        # A first message from someone unknown in private: the allowlist asks Telegram.
        fake.delay("getChatMember", 60, times=1)
        fake.send_message(user, fake.private_chat(user), "/task 周五前核对报表")
        (update,) = fake.iter_updates()
        uid = update["update_id"]
        await fake.wait_for(lambda: fake.confirmed_offset > uid, timeout=30)
        await asyncio.sleep(0.1)
        assert not any("已记下" in m.text for m in fake.bot_messages(user.id))
    finally:
        proc.kill()  # SIGKILL: no shutdown code runs
        proc.communicate(timeout=10)
    assert fake.pending_updates() == 0  # Telegram will not give it again: the bot has it
    again = _spawn(env, tmp_path)
    try:
        msg = await fake.wait_for_message(user.id, contains="已记下", timeout=30)
        assert "核对报表" in msg.text
        fake.send_message(user, fake.private_chat(user), "/my")
        await fake.wait_for_message(user.id, contains="核对报表", after=msg.seq, timeout=15)
        await asyncio.sleep(0.5)
        assert sum("已记下" in m.text for m in fake.bot_messages(user.id)) == 1
    finally:
        code, err, _ = _terminate(again)
    assert code == 0, err


async def test_sigterm_in_a_backlog_stops_within_5_s_and_loses_nothing(
    fake: FakeBotAPI, tmp_path: Path
):
    people = [fake.add_user(2200 + i, f"同事{i}") for i in range(30)]
    per_person = 6
    for u in people:
        for k in range(per_person):
            fake.send_message(u, fake.private_chat(u), f"周五前交第{k + 1}份材料")
    total = len(people) * per_person
    env = _env(fake, tmp_path / "data")

    def confirmations() -> list[str]:
        return [m.text for m in fake.bot_messages() if "已记下" in m.text]

    def confirmed() -> list[int]:
        # One "已记下 #n" per task, or one bundled "已记下（k）· #n … · #m …" for a person's burst.
        return [int(n) for t in confirmations() for n in re.findall(r"#(\d+)", t)]

    proc = _spawn(env, tmp_path)
    try:
        await fake.wait_for(confirmations, timeout=30)
    finally:
        code, err, took = _terminate(proc)
    assert code == 0, err
    assert took <= 5.0, f"stopping took {took:.1f} s"
    assert "Traceback" not in err
    sent_before = len(confirmed())
    assert sent_before < total  # it really stopped in the middle

    again = _spawn(env, tmp_path)
    try:
        await fake.wait_for(lambda: len(confirmed()) >= total, timeout=90)
        await asyncio.sleep(1.0)
    finally:
        code, err, _ = _terminate(again)
    assert code == 0, err
    numbers = confirmed()
    assert sorted(numbers) == list(range(1, total + 1))  # every task told once, none twice
    per_chat = Counter()
    for m in fake.bot_messages():
        if "已记下" in m.text:
            per_chat[m.chat_id] += len(re.findall(r"#(\d+)", m.text))
    assert set(per_chat.values()) == {per_person}
