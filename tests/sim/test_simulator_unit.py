"""The simulator's own rules, and its terminal chat driven in-process against the real bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.commands import MENU
from bot.sim import cli
from bot.sim.runner import BotRunner
from bot.sim.terminal import SIM_COMMANDS, Simulator, parse_duration, username_for


def test_simulator_commands_never_shadow_a_bot_command() -> None:
    assert set(SIM_COMMANDS).isdisjoint({*MENU, "start", "save"})


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        pytest.param("张三", set(), "zhangsan", id="pinyin"),
        pytest.param("李主任", set(), "lizhuren", id="three-syllables"),
        pytest.param("张三", {"zhangsan"}, "zhangsan2", id="taken"),
        pytest.param("张三", {"zhangsan", "zhangsan2"}, "zhangsan3", id="taken-twice"),
        pytest.param("Tom 李", set(), "tomli", id="mixed"),
        pytest.param("007", set(), "user007", id="digits-first"),
        pytest.param("！", set(), "user", id="nothing-usable"),
    ],
)
def test_usernames_come_from_pinyin(name: str, taken: set[str], expected: str) -> None:
    assert username_for(name, taken) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2h", timedelta(hours=2), id="hours"),
        pytest.param("30m", timedelta(minutes=30), id="minutes"),
        pytest.param("30min", timedelta(minutes=30), id="min"),
        pytest.param("1d", timedelta(days=1), id="days"),
        pytest.param("1h30m", timedelta(hours=1, minutes=30), id="combined"),
        pytest.param("90s", timedelta(seconds=90), id="seconds"),
        pytest.param("明天8:30", None, id="absolute-is-not-a-duration"),
        pytest.param("", None, id="empty"),
        pytest.param("h", None, id="no-number"),
    ],
)
def test_durations(text: str, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("env", "dotenv", "expected"),
    [
        pytest.param({}, None, False, id="nothing"),
        pytest.param({"TELEGRAM_BOT_TOKEN": "123:abc"}, None, True, id="environment"),
        pytest.param({}, "TELEGRAM_BOT_TOKEN=123:abc\n", True, id="dotenv"),
        pytest.param({}, "TELEGRAM_BOT_TOKEN=\n# TELEGRAM_BOT_TOKEN=1\n", False, id="dotenv-empty"),
        pytest.param({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN=1:a\n", False, id="env-wins"),
    ],
)
def test_token_configured(
    tmp_path: Path, env: dict[str, str], dotenv: str | None, expected: bool
) -> None:
    env_file = tmp_path / ".env"
    if dotenv is not None:
        env_file.write_text(dotenv, encoding="utf-8")
    assert cli.token_configured(env, env_file) is expected


def test_hint_exit_status_tells_make_which_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("TELEGRAM_BOT_TOKEN", "OFFICEBOT_LANG"):
        monkeypatch.setenv(var, "x")  # so that the deletion is undone afterwards
        monkeypatch.delenv(var)
    assert cli.main(["--hint"]) == 0
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and "@BotFather" in line and "make run" in line
    assert cli.main(["--hint", "--lang", "en"]) == 0
    assert "No TELEGRAM_BOT_TOKEN" in capsys.readouterr().out
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=123456:" + "a" * 35 + "\n")
    assert cli.main(["--hint"]) == 1
    assert capsys.readouterr().out == ""


def test_a_missing_script_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OFFICEBOT_LANG", "zh")  # restored afterwards, whatever main() does
    assert cli.main(["--script", str(tmp_path / "nope.sim")]) == 2
    assert "nope.sim" in capsys.readouterr().err


# ---------------------------------------------------------------------- in-process sessions


class _Screen:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.mark = 0

    def write(self, text: str) -> None:
        self.lines.extend(text.splitlines() or [""])

    def new(self) -> str:
        """What was printed since the last call."""
        text = "\n".join(self.lines[self.mark :])
        self.mark = len(self.lines)
        return text


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[tuple[Simulator, _Screen]]:
    runner = BotRunner(tmp_path / "data", paced=False)
    await runner.start()
    screen = _Screen()
    try:
        simulator = Simulator(runner, out=screen.write, quiet=0.1)
        await simulator.setup_cast()
        screen.new()
        yield simulator, screen
    finally:
        await runner.stop()


async def test_help_goes_to_the_bot_and_sim_to_the_simulator(
    sim: tuple[Simulator, _Screen],
) -> None:
    simulator, screen = sim
    assert simulator.prompt() == "[李主任 @ 办公室]> "
    await simulator.handle("/help")
    out = screen.new()
    assert out.startswith("🤖 (1) → 群「办公室」") and "用法" in out
    for line in ("/sim", ":help"):
        await simulator.handle(line)
        assert "/wait 2h" in screen.new()
    assert await simulator.handle("/quit") is False


async def test_people_places_and_refusals(sim: tuple[Simulator, _Screen]) -> None:
    simulator, screen = sim
    await simulator.handle("/as 赵六 @zhao6")
    assert "新角色 赵六 @zhao6" in screen.new()
    await simulator.handle("/as 钱七 @zhao6")
    assert "@zhao6 已经是 赵六 的用户名了" in screen.new()
    await simulator.handle("/as 钱七 @7q")
    assert "用户名只能用" in screen.new()
    await simulator.handle("/as @wangwu")
    assert simulator.prompt() == "[王五 @ 办公室]> "
    await simulator.handle("/in 私聊")
    assert simulator.prompt() == "[王五 @ 私聊]> "
    await simulator.handle("/in 三楼")
    assert "不知道“三楼”在哪" in screen.new()
    await simulator.handle("/who")
    out = screen.new()
    assert "王五 @wangwu（已启动机器人）" in out and "赵六 @zhao6（还没私聊启动机器人）" in out
    for line, says in [
        ("/press 99", "没有编号为 99 的按钮"),
        ("/press 完成", "没有“完成”按钮"),
        ("/reply 7 好的", "没有编号为 7 的消息"),
        ("/reply", "用法：/reply"),
        ("/reply ^ 好的", "还没发过消息"),
        ("/wait", "用法：/wait"),
        ("/wait 昨天", "看不懂“昨天”"),
        ("/wait 40d", "最多前进 31 天"),
        ("/file", "用法：/file"),
    ]:
        await simulator.handle(line)
        assert says in screen.new(), line


async def test_buttons_edits_prompts_and_the_clock(sim: tuple[Simulator, _Screen]) -> None:
    simulator, screen = sim
    await simulator.handle("/task @zhangsan 明天下午三点前把会议通知发给各科室，急")
    out = screen.new()
    assert "🤖 (2) → 张三（私聊）" in out and "[3] 👌 收到" in out
    # 李主任 cannot press a button in 张三's private chat.
    await simulator.handle("3")
    assert "只有 张三 能按" in screen.new()
    await simulator.handle("/as 张三")
    await simulator.handle("3")
    out = screen.new()
    assert "💬 张三 看到提示" in out and "✏️ (2) 已修改 → 张三（私聊）" in out
    assert simulator.prompt() == "[张三 @ 私聊]> "  # pressing took 张三 to that chat
    await simulator.handle("3")
    assert "按钮 [3] 已失效" in screen.new()
    # 办不了 asks for a reply; the next plain line in that chat answers it.
    await simulator.handle("/press 办不了")
    assert "↩ 请回复这条消息" in screen.new()
    await simulator.handle("财务科今天不在")
    out = screen.new()
    assert "↪ 作为对 (4) 的回复" in out and "张三 反馈办不了" in out
    # `\` sends the rest as it is: a bare number becomes a (too short) task, not a press.
    await simulator.handle("\\2")
    assert "🤖" in screen.new()
    # The clock: the morning digest comes at 08:30 the next work day.
    await simulator.handle("/wait 明天8:30")
    out = screen.new()
    assert "⏩ 现在是 12月1日 周二 08:30" in out
    assert "早报" in out
    await simulator.handle("/wait 0m")
    assert "已经过去了" in screen.new()


async def test_topics_edits_and_leaving(sim: tuple[Simulator, _Screen]) -> None:
    simulator, screen = sim
    await simulator.handle("/in 群 #季度总结")
    assert "开了话题 #季度总结" in screen.new()
    assert simulator.prompt() == "[李主任 @ 办公室 #季度总结]> "
    await simulator.handle("/task @zhangsan 周五前交季度总结")
    assert "🤖 (1) → 群「办公室」 #季度总结" in screen.new()
    await simulator.handle("/edit /task @wangwu 周五前交季度总结，急")
    out = screen.new()
    assert "已按修改更新 #1" in out and "承办人：张三 → 王五" in out
    await simulator.handle("/in 群")
    assert simulator.prompt() == "[李主任 @ 办公室]> "
    await simulator.handle("/as 王五")
    await simulator.handle("/leave")
    out = screen.new()
    assert "王五 退出了群「办公室」" in out and "王五 已离开「办公室」" in out
    assert simulator.prompt() == "[王五 @ 私聊]> "
    for line, says in [("/edit", "用法：/edit"), ("/in 三楼 #议题", "不知道“三楼 #议题”在哪")]:
        await simulator.handle(line)
        assert says in screen.new(), line
