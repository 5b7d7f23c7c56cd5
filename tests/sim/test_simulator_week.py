"""Issue 14, the simulator's time: `examples/week.sim` (and week_en.sim) wait three days over
reminders, a notice sent again and two morning digests; every message shows under the
simulated time it went out at, in time order, the date given when the day changes."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

_CLOCK = re.compile(r"^🕐 (?:(?P<day>.+?) )?(?P<hm>\d\d:\d\d)$")
_ZH_DAY = re.compile(r"(\d+)月(\d+)日")
_EN_DAY = re.compile(r"\w{3} (\d+) (\w{3})")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _run(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "simulate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def _day_of(text: str) -> date:
    zh = _ZH_DAY.search(text)
    if zh:
        return date(2026, int(zh.group(1)), int(zh.group(2)))
    en = _EN_DAY.search(text)
    assert en, text
    return date(2026, _EN_MONTHS.index(en.group(2)) + 1, int(en.group(1)))


def _moments(out: str) -> list[tuple[datetime, list[str]]]:
    """Each time heading of the transcript with the lines shown under it."""
    day = date(2026, 11, 30)
    got: list[tuple[datetime, list[str]]] = []
    for line in out.splitlines():
        m = _CLOCK.match(line)
        if m:
            if m.group("day"):
                day = _day_of(m.group("day"))
            hh, mm = (int(x) for x in m.group("hm").split(":"))
            got.append((datetime(day.year, day.month, day.day, hh, mm), []))
        elif line.startswith(("⏩", "[", "──")):
            if got:  # the wait is over: what follows is no longer under a heading
                got.append((got[-1][0], []))
        elif got:
            got[-1][1].append(line)
    return got


def _under(moments: list[tuple[datetime, list[str]]], text: str) -> list[datetime]:
    return [when for when, lines in moments if any(text in line for line in lines)]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(
            ("--script", "examples/week.sim"),
            {
                "digest": "🌅 早报",
                "resend": "次提醒：请确认收到",
                "resent3": "已重发 3/3",
                "unacked": "📭 你交办的还没确认收到（2）",
                "missing": "通知还有人没确认",
                "meeting": "会议即将开始",
                "overdue": "已逾期",
            },
            id="zh",
        ),
        pytest.param(
            ("--lang", "en", "--script", "examples/week_en.sim"),
            {
                "digest": "Morning digest",
                "resend": "please confirm",
                "resent3": "sent again 3/3",
                "unacked": "Assigned by you, not acknowledged (2)",
                "missing": "Notices still not confirmed",
                "meeting": "The meeting starts soon",
                "overdue": "overdue",
            },
            id="en",
        ),
    ],
)
def test_a_three_day_wait_shows_every_message_at_its_own_time(args, words):
    out = _run(*args, cwd=REPO)
    moments = _moments(out)
    times = [when for when, lines in moments if lines]
    assert times == sorted(times), "every message in time order"
    headings = [line for line in out.splitlines() if line.startswith("🕐")]
    # The date is said when the day changes, and only then.
    days = [line for line in headings if _ZH_DAY.search(line) or _EN_DAY.search(line)]
    assert len(days) == 2  # Tuesday 08:30 and Wednesday 08:30
    # Two mornings of digests, each at 08:30 of its day.
    assert sorted({w for w in _under(moments, words["digest"])}) == [
        datetime(2026, 12, 1, 8, 30),
        datetime(2026, 12, 2, 8, 30),
    ]
    # The notice goes again every 30 minutes, three times; the tracking says 3/3 only then.
    assert _under(moments, words["resend"]) == [
        datetime(2026, 11, 30, 10, 30),
        datetime(2026, 11, 30, 11, 0),
        datetime(2026, 11, 30, 11, 30),
    ]
    assert min(_under(moments, words["resent3"])) == datetime(2026, 11, 30, 11, 30)
    # The director's one message at noon: the notice report and both unacknowledged tasks.
    (noon,) = [lines for when, lines in moments if when == datetime(2026, 11, 30, 12, 0) and lines]
    text = "\n".join(noon)
    assert text.count("→") == 2  # the tracking edited, and one message
    assert words["unacked"] in text and words["missing"] in text
    # The meeting reminder half an hour before the meeting, not after it.
    assert _under(moments, words["meeting"]) == [datetime(2026, 12, 2, 14, 30)]
    assert datetime(2026, 12, 1, 16, 30) in _under(moments, words["overdue"])
