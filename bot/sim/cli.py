"""`officebot simulate`: the real bot, offline, in a terminal chat (or replaying a script).

officebot simulate                     interactive: act as several people, see every reply
officebot simulate --script FILE       replay FILE (same lines; `#` comments) → transcript
officebot simulate --lang en           English simulator, bot and cast
officebot simulate --data DIR          keep the bot's data in DIR (default: a temp folder)
officebot simulate --hint              no token configured? print how to connect a real bot
                                       and exit 0; exit 1 when a token is set (`make run`)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.core.config import LANGS, Lang
from bot.core.i18n import normalize_lang, t_plain

if TYPE_CHECKING:
    from bot.sim.terminal import Simulator

_T = TypeVar("_T")


def _out(text: str) -> None:
    print(text, flush=True)


def token_configured(env: dict[str, str] | None = None, env_file: Path = Path(".env")) -> bool:
    """Whether `officebot run` would find a token (environment first, then `.env`)."""
    environ = os.environ if env is None else env
    if (environ.get("TELEGRAM_BOT_TOKEN") or "").strip():
        return True
    if "TELEGRAM_BOT_TOKEN" in environ or not env_file.is_file():
        return False  # set but empty in the environment wins over the file
    from dotenv import dotenv_values

    return bool((dotenv_values(env_file).get("TELEGRAM_BOT_TOKEN") or "").strip())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="officebot simulate",
        description="Try the real officebot offline: a terminal chat against a fake Telegram.",
    )
    parser.add_argument("--script", type=Path, help="replay this file and print the transcript")
    parser.add_argument("--data", type=Path, help="data folder to use (kept); default: temporary")
    parser.add_argument("--lang", choices=LANGS, help="zh (default) or en")
    parser.add_argument(
        "--hint",
        action="store_true",
        help="print how to connect a real bot and exit 0 if no token is set; exit 1 if one is",
    )
    return parser


def _lang(arg: str | None) -> Lang:
    if arg in LANGS:
        return arg
    return normalize_lang(os.environ.get("OFFICEBOT_LANG"))


def _configure_logging(data_dir: Path) -> Path:
    """The bot's log goes to a file in the data dir; only errors reach the terminal."""
    log_path = data_dir / "simulator.log"
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    to_file = logging.FileHandler(log_path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_file.setLevel(logging.INFO)
    to_screen = logging.StreamHandler(sys.stderr)
    to_screen.setLevel(logging.ERROR)
    to_screen.setFormatter(logging.Formatter("!! %(name)s: %(message)s"))
    root.addHandler(to_file)
    root.addHandler(to_screen)
    root.setLevel(logging.INFO)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return log_path


def _script_lines(path: Path) -> list[str]:
    lines: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("##")):
            continue
        lines.append(line)
    return lines


async def _start(data_dir: Path, lang: Lang, shown_dir: str | None, *, echo: bool) -> Simulator:
    """Start the bot on the fake API, set up the cast and print the banner."""
    from bot.sim.runner import BotRunner
    from bot.sim.terminal import QUIET, SCRIPT_QUIET, Simulator

    log_path = _configure_logging(data_dir)
    # Simulated time: no per-chat waits (see BotRunner.paced).
    runner = BotRunner(data_dir, lang=lang, paced=False)
    await runner.start()
    try:
        sim = Simulator(
            runner, lang=lang, out=_out, echo=echo, quiet=SCRIPT_QUIET if echo else QUIET
        )
        sim.log_path = str(log_path)
        await sim.setup_cast()
    except BaseException:
        await runner.stop()
        raise
    sim.banner(data_dir=shown_dir)
    _out("")
    return sim


async def _replay(data_dir: Path, lang: Lang, shown_dir: str | None, lines: list[str]) -> int:
    sim = await _start(data_dir, lang, shown_dir, echo=True)
    try:
        for i, line in enumerate(lines):
            if line.startswith("##"):
                if i:
                    _out("")
                _out(t_plain(lang, "sim.narration", text=line.lstrip("#").strip()))
                continue
            if not await sim.handle(line):
                break
    finally:
        await sim.runner.stop()
    return 0


class _LoopThread:
    """An asyncio loop on a daemon thread, so input() (with readline) runs in the main thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="sim-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float | None = None) -> _T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self.loop.close()


def _interactive(data_dir: Path, lang: Lang, shown_dir: str | None) -> int:
    with contextlib.suppress(ImportError):  # line editing and history for input()
        import readline  # noqa: F401

    def stop_on_term(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # a clean stop: the temp folder is removed

    signal.signal(signal.SIGTERM, stop_on_term)
    loop = _LoopThread()
    try:
        sim = loop.run(_start(data_dir, lang, shown_dir, echo=False))
        try:
            while True:
                try:
                    line = input(sim.prompt())
                except EOFError:
                    _out("")
                    _out(t_plain(lang, "sim.quit"))
                    break
                except KeyboardInterrupt:
                    _out("")
                    _out(t_plain(lang, "sim.quit"))
                    break
                if not loop.run(sim.handle(line)):
                    break
        finally:
            loop.run(sim.runner.stop(), timeout=20)
    finally:
        loop.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    lang = _lang(args.lang)
    if args.hint:
        if token_configured():
            return 1
        print(t_plain(lang, "sim.hint"), flush=True)
        return 0
    lines: list[str] | None = None
    if args.script is not None:
        try:
            lines = _script_lines(args.script)
        except OSError as exc:
            print(f"officebot simulate: {args.script}: {exc.strerror}", file=sys.stderr)
            return 2
    os.environ["OFFICEBOT_LANG"] = lang  # the bot's default language, like `officebot run`
    with tempfile.TemporaryDirectory(prefix="officebot-sim-") as tmp:
        if args.data is not None:
            data_dir: Path = args.data
            data_dir.mkdir(parents=True, exist_ok=True)
            shown: str | None = str(data_dir)
        else:
            data_dir, shown = Path(tmp) / "data", None
            data_dir.mkdir()
        try:
            if lines is not None:
                return asyncio.run(_replay(data_dir, lang, shown, lines))
            return _interactive(data_dir, lang, shown)
        except KeyboardInterrupt:
            return 130
        finally:
            logging.shutdown()
