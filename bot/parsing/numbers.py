"""Numbers as people write them: Arabic, Chinese (一 二 两 … 十一 二十 三十一 一百), English words."""

from __future__ import annotations

import re
from typing import Final

# Regex pieces for the phrase patterns. A Chinese number is at most a few characters here.
ZH_DIGITS = "零〇一二两三四五六七八九十百"
NUM = rf"(?:\d{{1,4}}|[{ZH_DIGITS}]{{1,5}})"
# Hours, days, months: up to two Arabic digits or a short Chinese number.
SMALL = r"(?:\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
EN_NUM = (
    r"(?:\d{1,4}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|forty-five|fifty|sixty|ninety)"
)

EN_NUM_WORDS: Final = [
    "a",
    "an",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "fifteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "ninety",
    "half",
]

_ZH_VALUE = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_EN_VALUE = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
_ZH_NUMBER_RE = re.compile(rf"[{ZH_DIGITS}]+")


def zh_to_int(text: str) -> int | None:
    """The value of a Chinese numeral (十一 → 11, 二〇二六 → 2026, 一百二十 → 120), or None."""
    if not text or not _ZH_NUMBER_RE.fullmatch(text):
        return None
    if "十" not in text and "百" not in text:
        # Digit by digit: 二〇二六, 五.
        value = 0
        for ch in text:
            value = value * 10 + _ZH_VALUE[ch]
        return value
    total = 0
    current = 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _ZH_VALUE[ch] if ch not in "零〇" else current
    return total + current


def to_int(text: str) -> int | None:
    """Arabic digits, a Chinese numeral or an English number word → int (None if none of them)."""
    if text.isascii():
        if text.isdigit():
            return int(text)
        return _EN_VALUE.get(text.lower())
    if text.isdigit():  # full-width digits are normalised earlier, but be safe
        try:
            return int(text)
        except ValueError:
            return None
    return zh_to_int(text)
