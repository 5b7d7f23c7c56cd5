"""Remind-before phrases: 提前N分钟/小时/天(提醒), remind me N minutes before, N min before."""

from __future__ import annotations

from typing import Final

from bot.parsing.numbers import EN_NUM, EN_NUM_WORDS, NUM, to_int
from bot.parsing.scan import Family, Scan

_UNIT_MINUTES: Final = {
    "分": 1,
    "小": 60,
    "钟": 60,
    "天": 1440,
    "日": 1440,
    "周": 10080,
    "星": 10080,
    "m": 1,
    "h": 60,
    "d": 1440,
    "w": 10080,
}
_REMIND_ZH: Final = (
    rf"(?P<zh>提前(?:(?P<zh_n>{NUM})|(?P<zh_half_only>半))?(?:个)?(?P<zh_half>半)?(?:个)?"
    r"(?P<zh_u>分钟|分|小时|钟头|天|日|周|星期)(?:提醒(?:我|大家|一下)?|通知(?:我|大家)?)?)"
    rf"|(?P<zh2>(?:(?P<zh2_n>{NUM})|(?P<zh2_half_only>半))(?:个)?(?P<zh2_half>半)?(?:个)?"
    r"(?P<zh2_u>分钟|小时|钟头|天|日|周)前提醒(?:我|大家|一下)?)"
)
_REMIND_EN: Final = (
    r"(?P<en>(?:remind\s+(?:me|us|everyone|them|him|her)\s+)?"
    rf"(?P<en_n>{EN_NUM}|half\s+an?)\s*(?P<en_u>minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?)"
    r"(?P<en_half>\s+and\s+a\s+half)?\s+(?:before(?:hand)?|earlier|in\s+advance|ahead(?:\s+of\s+time)?)"
    r"(?![a-z0-9_]))"
)
_REMINDS: Final = Family(
    zh_first="提半0-9零〇一二两三四五六七八九十百",
    zh=_REMIND_ZH,
    en=_REMIND_EN,
    zh_needs=("提前", "前提醒"),
    en_needs=("before", "beforehand", "earlier", "advance", "ahead"),
    needs=("提前", "前提醒", "before", "earlier", "advance", "ahead"),
    en_first={"en": "remind # half " + " ".join(EN_NUM_WORDS)},
)


def take_remind_before(scan: Scan) -> int | None:
    """Cut the first remind-before phrase; return its lead time in minutes."""
    for m in _REMINDS.finditer(scan):
        name = m.lastgroup
        g = m.group
        amount: float | None
        if name in ("zh", "zh2"):
            if g(f"{name}_half_only"):
                amount = 0.5
            else:
                raw = g(f"{name}_n")
                amount = float(v) if raw and (v := to_int(raw)) is not None else None
                if raw is None:
                    amount = 1.0  # 提前一天 is said, 提前天 is not; be kind anyway
                if amount is not None and g(f"{name}_half"):
                    amount += 0.5
            unit = g(f"{name}_u")
        else:
            raw = g("en_n")
            amount = (
                0.5
                if raw.startswith("half")
                else (float(v) if (v := to_int(raw)) is not None else None)
            )
            if amount is not None and g("en_half"):
                amount += 0.5
            unit = g("en_u")
        if amount is None:
            continue
        minutes = round(amount * _UNIT_MINUTES[unit[0]])
        if minutes <= 0:
            continue
        scan.cut(m.start(), m.end())
        return minutes
    return None
