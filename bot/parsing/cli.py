"""`officebot parse [--now ISO-8601] [--tz ZONE] [TEXT]`: print what a message means, as JSON.

With TEXT: one JSON object, exit 1 if it cannot be parsed. Without: JSON Lines for the lines of
standard input (a line that cannot be parsed gets an {"error": …} object; exit 0). Kept light:
no Telegram, no storage imports.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.clock import SystemClock
from bot.core.config import Lang, Settings, SettingsError, load_settings
from bot.core.i18n import normalize_lang, t_plain
from bot.core.workdays import WorkCalendar
from bot.parsing.core import parse_assignment
from bot.parsing.errors import ParseError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="officebot parse",
        description="Show what a plain-language assignment means (JSON; JSON Lines from stdin).",
    )
    parser.add_argument("--now", help="the sender's current time, ISO 8601 (default: now)")
    parser.add_argument("--tz", help="time zone, e.g. Asia/Shanghai (default: OFFICEBOT_TZ)")
    parser.add_argument("text", nargs="*", help="the message; omit to read lines from stdin")
    return parser


def _line(
    text: str, *, now: datetime, settings: Settings, calendar: WorkCalendar, lang: Lang
) -> tuple[str, bool]:
    try:
        parsed = parse_assignment(text, now=now, settings=settings, calendar=calendar)
    except ParseError as exc:
        return json.dumps({"error": exc.message(lang)}, ensure_ascii=False), False
    return json.dumps(parsed.to_json_dict(), ensure_ascii=False), True


def _utf8(stream: TextIO) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8", errors="replace")


def main(argv: list[str] | None = None, *, stdin: Iterable[str] | None = None) -> int:
    """Run `officebot parse`; returns the exit status."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    _utf8(sys.stdout)
    _utf8(sys.stderr)
    try:
        settings = load_settings()
    except SettingsError as exc:
        lang = normalize_lang(None)
        print(t_plain(lang, exc.key, **exc.values), file=sys.stderr)
        return 2
    lang = settings.lang
    if args.tz:
        try:
            settings = replace(settings, tz=ZoneInfo(args.tz))
        except (ZoneInfoNotFoundError, ValueError):
            print(t_plain(lang, "parsing.cli_bad_tz", value=args.tz), file=sys.stderr)
            return 2
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            print(t_plain(lang, "parsing.cli_bad_now", value=args.now), file=sys.stderr)
            return 2
        now = now.replace(tzinfo=settings.tz) if now.tzinfo is None else now
    else:
        now = SystemClock(settings.tz).now()
    calendar = WorkCalendar.from_settings(settings)
    if args.text:
        line, ok = _line(
            " ".join(args.text), now=now, settings=settings, calendar=calendar, lang=lang
        )
        print(line)
        return 0 if ok else 1
    if stdin is None:
        _utf8(sys.stdin)
        stdin = sys.stdin
    for raw in stdin:
        text = raw.rstrip("\r\n")
        line, _ = _line(text, now=now, settings=settings, calendar=calendar, lang=lang)
        print(line, flush=False)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
