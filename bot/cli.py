"""The `officebot` command: run, parse, simulate, --version.

Kept light at import time: `officebot parse` must start fast, so telegram and storage are
imported only by the subcommands that need them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

from bot import __version__
from bot.core.config import SettingsError


def _lang_for_errors() -> str:
    import os

    from bot.core.i18n import normalize_lang

    return normalize_lang(os.environ.get("OFFICEBOT_LANG"))


def _fail(key: str, **values: object) -> int:
    from bot.core.i18n import t_plain

    lang = _lang_for_errors()
    print(t_plain(lang, key, **values), file=sys.stderr)  # type: ignore[arg-type]
    return 2


def cmd_run(argv: Sequence[str]) -> int:
    """Run the bot until SIGINT/SIGTERM; exit 0 on a clean stop, 2 on a setup problem."""
    parser = argparse.ArgumentParser(prog="officebot run", description="Run the Telegram bot.")
    parser.parse_args(argv)

    from bot.core.config import load_settings

    try:
        settings = load_settings()
        settings.require_token()
    except SettingsError as exc:
        return _fail(exc.key, **exc.values)

    from bot.app import ALLOWED_UPDATES, build_application, configure_logging
    from storage import CorruptDataFile, DataDirLocked

    configure_logging()
    try:
        app = build_application(settings)
        from bot.core.updates import Webhook, run

        webhook = None
        if settings.webhook_url:
            # Behind a reverse proxy (README: deployment): Telegram → nginx → listen:port.
            webhook = Webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                url=settings.webhook_url,
                secret_token=settings.webhook_secret,
            )
        # Updates are stored in the durable inbox before they are confirmed (polling) or
        # answered (webhook); SIGTERM: a prompt, clean stop.
        run(app, allowed_updates=ALLOWED_UPDATES, webhook=webhook)
    except DataDirLocked as exc:
        return _fail("cli.data_locked", path=str(exc.path))
    except CorruptDataFile as exc:
        return _fail("cli.data_corrupt", path=str(exc.path), backup=str(exc.newest_backup or "-"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(
            "usage: officebot {run,parse,simulate} [...] | --version\n\n"
            "  run       run the Telegram bot (settings from the environment and .env)\n"
            "  parse     show how a plain-language message is understood (JSON)\n"
            "  simulate  try the real bot offline in the terminal, no token needed"
        )
        return 0 if args else 2
    if args[0] in ("--version", "-V"):
        print(f"officebot {__version__}")
        return 0
    command, rest = args[0], args[1:]
    if command == "run":
        return cmd_run(rest)
    if command == "parse":
        from bot.parsing.cli import main as parse_main

        return parse_main(rest)
    if command == "simulate":
        from bot.sim.cli import main as simulate_main  # type: ignore[import-not-found,unused-ignore]

        return int(simulate_main(rest))
    print(
        f"officebot: unknown command {command!r} (try: run, parse, simulate, --version)",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
