"""Issue #12 with `officebot run` as a real process: kill -9 after a fetch, SIGTERM in a backlog."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.sim.fake_api import FakeBotAPI
from tests.e2e.run_process import bot_env, spawn, terminate

pytestmark = pytest.mark.slow


@pytest.fixture
def fake():
    with FakeBotAPI() as api:
        yield api


async def test_kill_9_between_fetch_and_processing_loses_nothing(fake: FakeBotAPI, tmp_path: Path):
    """The update is fetched and confirmed to Telegram while its handler still waits (on a
    getChatMember that hangs); kill -9 then. After the restart it is processed, once."""
    group = fake.add_group(-100777, "办公室", members=[])
    user = fake.add_user(2101, "张三", username="zhangsan")
    fake.add_member(group, user)
    env = bot_env(fake, tmp_path / "data", OFFICEBOT_ALLOWED_CHATS=str(group.id))
    proc = spawn(env, tmp_path)
    try:
        # A first message from someone unknown in private: the allowlist asks Telegram.
        fake.delay("getChatMember", 60, times=1)
        fake.send_message(user, fake.private_chat(user), "/task 周五前核对报表")
        (update,) = fake.iter_updates()
        uid = update["update_id"]
        await fake.wait_for(lambda: fake.confirmed_offset > uid, timeout=30)
        await fake.wait_for(lambda: fake.delayed_calls, timeout=30)  # its handler hangs there
        assert not any("已记下" in m.text for m in fake.bot_messages(user.id))
    finally:
        proc.kill()  # SIGKILL: no shutdown code runs
        proc.communicate(timeout=10)
    assert fake.pending_updates() == 0  # Telegram will not give it again: the bot has it
    again = spawn(env, tmp_path)
    try:
        msg = await fake.wait_for_message(user.id, contains="已记下", timeout=30)
        assert "核对报表" in msg.text
        fake.send_message(user, fake.private_chat(user), "/my")
        await fake.wait_for_message(user.id, contains="核对报表", after=msg.seq, timeout=15)
        await asyncio.sleep(0.5)
        assert sum("已记下" in m.text for m in fake.bot_messages(user.id)) == 1
    finally:
        code, err, _ = terminate(again, timeout=15)
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
    env = bot_env(fake, tmp_path / "data")

    def confirmations() -> list[str]:
        return [m.text for m in fake.bot_messages() if "已记下" in m.text]

    def confirmed() -> list[int]:
        # One "已记下 #n" per task, or one bundled "已记下（k）· #n … · #m …" for a person's burst.
        return [int(n) for t in confirmations() for n in re.findall(r"#(\d+)", t)]

    proc = spawn(env, tmp_path)
    try:
        await fake.wait_for(confirmations, timeout=30)
    finally:
        code, err, took = terminate(proc, timeout=15)
    assert code == 0, err
    assert took <= 5.0, f"stopping took {took:.1f} s"
    assert "Traceback" not in err
    sent_before = len(confirmed())
    assert sent_before < total  # it really stopped in the middle

    again = spawn(env, tmp_path)
    try:
        await fake.wait_for(lambda: len(confirmed()) >= total, timeout=90)
        await asyncio.sleep(1.0)
    finally:
        code, err, _ = terminate(again, timeout=15)
    assert code == 0, err
    numbers = confirmed()
    assert sorted(numbers) == list(range(1, total + 1))  # every task told once, none twice
    per_chat = Counter()
    for m in fake.bot_messages():
        if "已记下" in m.text:
            per_chat[m.chat_id] += len(re.findall(r"#(\d+)", m.text))
    assert set(per_chat.values()) == {per_person}
