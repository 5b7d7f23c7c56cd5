"""Parser speed over tests/parsing/corpus.jsonl on one core: messages/s, median and p99 µs, and
the start-up of `officebot parse` as a subprocess (what a user of the command waits for).

Run: .venv/bin/python bench/parse_bench.py [ROUNDS] [CORPUS.jsonl]   (default: the test corpus)
Targets: median ≤ 50 µs per message; `officebot parse` start-up (one message) under 0.5 s.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import Settings  # noqa: E402
from bot.core.workdays import WorkCalendar  # noqa: E402
from bot.parsing import ParseError, parse_assignment  # noqa: E402

STARTUP_RUNS = 7


def startup_seconds(runs: int = STARTUP_RUNS) -> list[float]:
    """Wall time of `officebot parse --now … TEXT` in a fresh interpreter, `runs` times."""
    exe = Path(sys.executable).with_name("officebot")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli"]
    command += ["parse", "--now", "2026-11-30T10:00:00+08:00", "明天下午三点开全体会议"]
    times: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return times


def main(rounds: int = 30, corpus_path: Path = ROOT / "tests/parsing/corpus.jsonl") -> None:
    corpus = [
        json.loads(line) for line in corpus_path.read_text(encoding="utf-8").splitlines() if line
    ]
    cases = [(case["text"], datetime.fromisoformat(case["now"])) for case in corpus]
    settings = Settings()
    calendar = WorkCalendar.from_settings(settings)
    for text, now in cases:  # warm-up: caches, lazy catalog loads
        with contextlib.suppress(ParseError):
            parse_assignment(text, now=now, settings=settings, calendar=calendar)
    samples: list[int] = []
    clock = time.perf_counter_ns
    started = clock()
    for _ in range(rounds):
        for text, now in cases:
            t0 = clock()
            with contextlib.suppress(ParseError):
                parse_assignment(text, now=now, settings=settings, calendar=calendar)
            samples.append(clock() - t0)
    elapsed = (clock() - started) / 1e9
    samples.sort()
    median = statistics.median(samples) / 1000
    p99 = samples[int(len(samples) * 0.99) - 1] / 1000
    print(f"messages:   {len(cases)} × {rounds} rounds = {len(samples)}")
    print(f"throughput: {len(samples) / elapsed:,.0f} messages/s (one core)")
    print(f"median:     {median:.1f} µs")
    print(f"p99:        {p99:.1f} µs")
    print(f"mean:       {statistics.fmean(samples) / 1000:.1f} µs")
    startup = sorted(startup_seconds())
    print(
        f"start-up:   officebot parse, median {statistics.median(startup):.3f} s, "
        f"max {startup[-1]:.3f} s ({len(startup)} runs)"
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 30,
        *([Path(sys.argv[2])] if len(sys.argv) > 2 else []),
    )
