"""Contact look-up speed at 10,000 contacts in one space (issue #6): p50 ≤ 5 ms.

Builds a real data directory, imports N generated contacts in one write, reopens it (so the
index is built from storage, as after a restart) and times `DirectoryService.find_contacts`
over a mix of queries: Chinese names and prefixes, full pinyin, initials, units, phone digits.

Run: .venv/bin/python bench/contacts_bench.py [N] [ROUNDS]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.clock import ManualClock  # noqa: E402
from bot.core.config import Settings  # noqa: E402
from bot.directory.contacts import ParsedContact  # noqa: E402
from bot.directory.search import pinyin_variants  # noqa: E402
from bot.directory.service import DirectoryService  # noqa: E402
from storage import Database  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文斌宇浩凯健俊帆鹏辉玲婷雪琳晨欣怡佳"
UNITS = [
    "财政局",
    "教育局",
    "人社局",
    "发改委",
    "统计局",
    "县委办",
    "政府办",
    "信访局",
    "卫健委",
    "住建局",
]
TITLES = ["办公室主任", "科长", "副科长", "科员", "局长", "副局长", "秘书", "主任"]
SPACE = "g-100100"
TZ = ZoneInfo("Asia/Shanghai")


def make_contacts(n: int, rng: random.Random) -> list[ParsedContact]:
    out = []
    for i in range(n):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phones = (f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",)
        if i % 4 == 0:
            phones += (
                f"0{rng.choice(('10', '571', '21', '755'))}-{rng.randrange(2 * 10**7, 9 * 10**7)}",
            )
        out.append(
            ParsedContact(
                name=name,
                unit=f"{rng.choice(UNITS)} {rng.choice(TITLES)}",
                phones=phones,
                email=f"user{i}@example.com" if i % 3 == 0 else "",
            )
        )
    return out


def make_queries(contacts: list[ParsedContact], rng: random.Random, k: int) -> list[str]:
    queries = []
    for _ in range(k):
        c = rng.choice(contacts)
        syllables = pinyin_variants(c.name)[0]
        kind = rng.randrange(7)
        if kind == 0:
            queries.append(c.name)
        elif kind == 1:
            queries.append(c.name[:2])
        elif kind == 2:
            queries.append("".join(syllables))
        elif kind == 3:
            queries.append("".join(s[0] for s in syllables))
        elif kind == 4:
            queries.append(c.unit.split()[0])
        elif kind == 5:
            digits = c.phones[0].replace("-", "")
            start = rng.randrange(0, len(digits) - 4)
            queries.append(digits[start : start + rng.choice((4, 6, 8))])
        else:
            queries.append(syllables[0])
    return queries


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(n: int = 10_000, rounds: int = 2000) -> None:
    rng = random.Random(6)
    contacts = make_contacts(n, rng)
    queries = make_queries(contacts, rng, rounds)
    clock = ManualClock(datetime(2026, 11, 30, 10, 0, tzinfo=TZ))
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        with Database(data_dir, clock=clock) as db:
            service = DirectoryService(db, clock, Settings())
            t0 = time.perf_counter()
            added, merged = service.import_contacts(SPACE, 1, contacts, update_id=None)
            import_s = time.perf_counter() - t0
        with Database(data_dir, clock=clock) as db:
            service = DirectoryService(db, clock, Settings())
            t0 = time.perf_counter()
            service.index(SPACE)
            build_s = time.perf_counter() - t0
            samples: list[float] = []
            hits = 0
            for q in queries:
                t0 = time.perf_counter()
                found = service.find_contacts([SPACE], q, limit=9, count_use=False)
                samples.append((time.perf_counter() - t0) * 1000)
                hits += bool(found)
            # A look-up as the bot makes it: the shown contacts count as used (in memory,
            # stored by the tick), and one flush of everything gathered.
            t0 = time.perf_counter()
            for q in queries[:200]:
                service.count_uses(service.find_contacts([SPACE], q, limit=8, count_use=False))
            counted_ms = (time.perf_counter() - t0) * 1000 / 200
            t0 = time.perf_counter()
            flushed = service.flush_uses()
            flush_ms = (time.perf_counter() - t0) * 1000
    p50 = statistics.median(samples)
    print(f"contacts: {added} stored ({merged} merged duplicates) of {n} generated")
    print(f"import (one write): {import_s:.2f} s; index build from storage: {build_s:.2f} s")
    print(
        f"look-up over {len(samples)} queries ({hits} with hits): "
        f"p50 {p50:.3f} ms, p90 {pct(samples, 0.9):.3f} ms, p99 {pct(samples, 0.99):.3f} ms, "
        f"max {max(samples):.3f} ms"
    )
    print(
        f"look-up + use counting: {counted_ms:.3f} ms mean; flush of {flushed} counts: {flush_ms:.1f} ms"
    )
    verdict = "OK" if p50 <= 5.0 else "TOO SLOW"
    print(f"target p50 ≤ 5 ms: {verdict}")
    if p50 > 5.0:
        raise SystemExit(1)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
