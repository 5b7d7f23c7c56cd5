"""`officebot run` as a real process against the fake Bot API: start, answer, stop, crash."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sim.fake_api import FakeBotAPI
from tests.e2e.run_process import bot_env, spawn, terminate

pytestmark = pytest.mark.slow


@pytest.fixture
def fake():
    with FakeBotAPI() as api:
        yield api


def _stop(proc: subprocess.Popen[str], timeout: float = 10) -> tuple[int, str]:
    code, err, took = terminate(proc, timeout)
    assert took < timeout
    return code, err


def _run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_run_answers_start_and_stops_cleanly_on_sigterm(fake: FakeBotAPI, tmp_path: Path):
    proc = spawn(bot_env(fake, tmp_path / "data"), tmp_path)
    try:
        user = fake.add_user(2001, "张三")
        fake.send_message(user, fake.private_chat(user), "/start")
        await fake.wait_for_message(user.id, contains="你好", timeout=30)
    finally:
        code, err = _stop(proc)
    assert code == 0, err
    assert fake.token not in err  # the token is in every Bot API URL: never logged
    assert "Traceback" not in err


async def test_run_in_webhook_mode_answers_and_stops_cleanly(fake: FakeBotAPI, tmp_path: Path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = bot_env(
        fake,
        tmp_path / "data",
        OFFICEBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/officebot-hook",
        OFFICEBOT_WEBHOOK_SECRET="a-long-random-secret",
        OFFICEBOT_WEBHOOK_PORT=str(port),
    )
    proc = spawn(env, tmp_path)
    try:
        await fake.wait_for(lambda: fake.webhook_info()["url"], timeout=30)
        user = fake.add_user(2011, "张三")
        fake.send_message(user, fake.private_chat(user), "/start")
        await fake.wait_for_message(user.id, contains="你好", timeout=30)
        assert "getUpdates" not in {c.method for c in fake.calls}
    finally:
        code, err = _stop(proc)
    assert code == 0, err
    assert "a-long-random-secret" not in err and fake.token not in err


def test_run_without_a_token_says_how_to_get_one_and_exits_2(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OFFICEBOT_"))}
    result = _run_cli(["run"], env, tmp_path)
    assert result.returncode == 2
    assert "@BotFather" in result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_with_a_malformed_token_exits_2(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OFFICEBOT_"))}
    env["TELEGRAM_BOT_TOKEN"] = "oops"
    env["OFFICEBOT_LANG"] = "en"
    result = _run_cli(["run"], env, tmp_path)
    assert result.returncode == 2
    assert "malformed" in result.stderr
    assert "oops" not in result.stderr


@pytest.mark.parametrize(
    ("setting", "var"),
    [
        pytest.param({"OFFICEBOT_TZ": "Mars/Base"}, "OFFICEBOT_TZ", id="tz"),
        pytest.param({"OFFICEBOT_PROXY": "socks4://u:secretpw@h:1"}, "OFFICEBOT_PROXY", id="proxy"),
        pytest.param(
            {"OFFICEBOT_WEBHOOK_URL": "https://bot.example.cn/hook"},
            "OFFICEBOT_WEBHOOK_SECRET",
            id="webhook-without-secret",
        ),
        pytest.param({"OFFICEBOT_WEBHOOK_PORT": "0"}, "OFFICEBOT_WEBHOOK_PORT", id="webhook-port"),
    ],
)
def test_run_with_a_bad_setting_names_it_in_one_line(
    fake: FakeBotAPI, tmp_path: Path, setting: dict[str, str], var: str
):
    result = _run_cli(["run"], bot_env(fake, tmp_path / "data", **setting), tmp_path)
    assert result.returncode == 2
    assert var in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert "secretpw" not in result.stderr


def test_version(tmp_path: Path):
    result = _run_cli(["--version"], dict(os.environ), tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("officebot ")


async def test_a_second_process_on_the_same_data_dir_is_refused(fake: FakeBotAPI, tmp_path: Path):
    env = bot_env(fake, tmp_path / "data")
    first = spawn(env, tmp_path)
    try:
        user = fake.add_user(2002, "李四")
        fake.send_message(user, fake.private_chat(user), "/start")
        await fake.wait_for_message(user.id, contains="你好", timeout=30)
        second = await asyncio.to_thread(_run_cli, ["run"], env, tmp_path)
        assert second.returncode == 2
        assert str(tmp_path / "data") in second.stderr
    finally:
        code, _ = _stop(first)
    assert code == 0


async def test_kill_9_right_after_a_confirmation_loses_nothing(fake: FakeBotAPI, tmp_path: Path):
    env = bot_env(fake, tmp_path / "data")
    user = fake.add_user(2003, "王五")
    chat = fake.private_chat(user)
    proc = spawn(env, tmp_path)
    try:
        fake.send_message(user, chat, "/start")
        await fake.wait_for_message(user.id, contains="你好", timeout=30)
        fake.send_message(user, chat, "周五下午三点前交季度总结，急")
        await fake.wait_for_message(user.id, contains="已记下", timeout=15)
    finally:
        proc.kill()  # SIGKILL: no shutdown code runs
        proc.communicate(timeout=10)
    again = spawn(env, tmp_path)
    try:
        fake.send_message(user, chat, "/my")
        msg = await fake.wait_for_message(user.id, contains="季度总结", timeout=30)
        assert "#1" in msg.text
        # The message that created the task is not applied twice after the restart.
        await asyncio.sleep(0.5)
        assert sum("已记下" in m.text for m in fake.bot_messages(user.id)) == 1
    finally:
        code, _ = _stop(again)
    assert code == 0


def test_a_corrupt_data_file_is_never_overwritten_and_named(fake: FakeBotAPI, tmp_path: Path):
    data = tmp_path / "data"
    env = bot_env(fake, data)
    # A first clean start and stop leaves real files (and a backup) behind.
    from storage import Database

    with Database(data) as db:
        db.put_person(
            __import__("bot.people.models", fromlist=["Person"]).Person(user_id=1, first_name="A")
        )
    people = data / "people.json"
    assert people.exists()
    people.write_bytes(b'{"people": {"1": {"user_id": 1, "first_na')
    before = people.read_bytes()
    result = _run_cli(["run"], env, tmp_path)
    assert result.returncode == 2
    assert str(people) in result.stderr
    assert "Traceback" not in result.stderr
    assert people.read_bytes() == before
