"""Parser speed over tests/parsing/corpus.jsonl on one core: messages/s, median and p99 µs.

Run: .venv/bin/python bench/parse_bench.py [ROUNDS]   (target: median ≤ 50 µs per message)
"""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import Settings  # noqa: E402
from bot.core.workdays import WorkCalendar  # noqa: E402
from bot.parsing import ParseError, parse_assignment  # noqa: E402


def main(rounds: int = 30) -> None:
    corpus = [
        json.loads(line)
        for line in (ROOT / "tests/parsing/corpus.jsonl").read_text(encoding="utf-8").splitlines()
        if line
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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
