"""Phone numbers as Chinese offices write them: mobiles, landlines with area codes and
extensions (010-12345678 转 801, 0571-8888 8888-12), 400/800 lines, short internal numbers.

`normalize_phone` gives one display form per number (so duplicates are recognised and Telegram
links it for dialling); `phone_key` gives the digits-only form used to compare and search.
"""

from __future__ import annotations

import re

# Mainland 3-digit area codes (010 Beijing, 02x); every other code has 4 digits.
_THREE_DIGIT_AREAS = frozenset({"010", *(f"02{d}" for d in range(10))})
_EXT_WORDS = r"(?:转|分机|内线|ext\.?|x|\#)"
_EXT_RE = re.compile(rf"\s*{_EXT_WORDS}\s*(\d{{1,6}})\s*$", re.IGNORECASE)
_COUNTRY_RE = re.compile(r"^\s*(?:\+\s*86|0086|\(\+?86\))[\s-]*")

# A phone number inside free text: optional country code, optional (area code), digit groups
# separated by single spaces or dashes, optional extension. Digit runs are checked afterwards.
PHONE_IN_TEXT_RE = re.compile(
    rf"""
    (?<![A-Za-z0-9@._+-])                         # not inside a word, e-mail or number
    (?:(?:\+\s*86|0086)[\s-]*)?
    (?:\(0\d{{2,3}}\)\s*|（0\d{{2,3}}）\s*)?
    \d[\d]*(?:[ -]\d+)*                          # digit groups
    (?:\s*{_EXT_WORDS}\s*\d{{1,6}})?
    (?![A-Za-z0-9@])
    """,
    re.VERBOSE | re.IGNORECASE,
)


def _split_ext(text: str) -> tuple[str, str]:
    m = _EXT_RE.search(text)
    if m:
        return text[: m.start()], m.group(1)
    return text, ""


def normalize_phone(text: str) -> str | None:
    """The display form of one number, or None if `text` is not a phone number.

    13800138000, +86 138-0013-8000 → 13800138000; (010)12345678转801 → 010-12345678 转 801;
    0571-8888 8888-12 → 0571-88888888 转 12; 4008-123-456 → 400-812-3456; 88881234 → 88881234;
    87001234-2 → 87001234 转 2.
    """
    raw = text.strip().replace("（", "(").replace("）", ")")
    if not raw or re.search(r"[^\d\s()+\-#.转分机内線线extEXT]", raw):
        return None
    international = bool(_COUNTRY_RE.match(raw))
    if not international and raw.startswith("+"):
        foreign = re.sub(r"\D", "", raw)
        return f"+{foreign}" if 7 <= len(foreign) <= 15 else None
    raw = _COUNTRY_RE.sub("", raw)
    body, ext = _split_ext(raw)
    digits = re.sub(r"\D", "", body)
    if len(digits) == 13 and digits.startswith("86") and _is_mobile(digits[2:]):
        digits = digits[2:]  # Telegram's contact cards give 8613800138000
    if international and digits and digits[0] != "0" and not _is_mobile(digits):
        digits = "0" + digits  # +86 10 1234 5678 is dialled 010-12345678 at home
    if not ext:
        # 0571-8888 8888-12, 87001234-2: a trailing short group after a full landline (with
        # its area code, or a local 7-8 digit one) is an extension.
        groups = re.findall(r"\d+", body)
        if len(groups) >= 2 and len(groups[-1]) <= 5:
            head = "".join(groups[:-1])
            service = re.fullmatch(r"[48]00\d{7}", digits) is not None  # 4008-123-456
            if _landline(head) is not None or (_local_landline(head) and not service):
                digits, ext = head, groups[-1]
    if _is_mobile(digits) and not ext:
        return digits
    number = _landline(digits)
    if number is None and re.fullmatch(r"[48]00\d{7}", digits):
        number = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if number is None and 3 <= len(digits) <= 8 and not digits.startswith("0"):
        number = digits  # local or internal number (无区号的本地号码、内线)
    if number is None:
        return None
    return f"{number} 转 {ext}" if ext else number


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"


def _local_landline(digits: str) -> bool:
    """A landline without its area code: 7 or 8 digits, not a mobile's or a code's start."""
    return 7 <= len(digits) <= 8 and digits[0] not in "01"


def _landline(digits: str) -> str | None:
    if not digits.startswith("0") or digits.startswith("00"):
        return None
    area_len = 3 if digits[:3] in _THREE_DIGIT_AREAS else 4
    area, local = digits[:area_len], digits[area_len:]
    if 7 <= len(local) <= 8 and local[0] != "0":
        return f"{area}-{local}"
    return None


def phone_key(phone: str) -> str:
    """Digits only, extension after an 'x': the form duplicates and searches compare."""
    body, ext = _split_ext(phone)
    digits = re.sub(r"\D", "", body)
    return f"{digits}x{ext}" if ext else digits


def find_phones(text: str) -> list[tuple[int, int, str]]:
    """Every phone number in free text: (start, end, display form), in order.

    Numbers written one after another ("13800138000 010-12345678") are told apart by taking,
    from each position, the longest run of space-separated pieces that reads as one number.
    """
    out: list[tuple[int, int, str]] = []
    for m in PHONE_IN_TEXT_RE.finditer(text):
        pieces = [
            (m.start() + p.start(), m.start() + p.end()) for p in re.finditer(r"\S+", m.group(0))
        ]
        i = 0
        while i < len(pieces):
            for j in range(len(pieces), i, -1):
                start, end = pieces[i][0], pieces[j - 1][1]
                chunk = text[start:end]
                number = normalize_phone(chunk)
                if number is not None and len(re.sub(r"\D", "", chunk)) >= 5:
                    out.append((start, end, number))
                    i = j
                    break
            else:
                i += 1
    return out
