"""Text templates (会议通知…): kept as typed, sent back with {日期} {时间} {星期} filled in."""

from __future__ import annotations

import re
from datetime import datetime

WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FIELD_RE = re.compile(r"[{｛]\s*(日期|时间|星期|date|time|weekday)\s*[}｝]", re.IGNORECASE)
TEMPLATE_NAME_RE = re.compile(r"^[^\s/#@]{1,30}$")


def fill_template(text: str, when: datetime) -> str:
    """Replace {日期} (2024年12月2日), {时间} (09:00), {星期} (星期一) and their English
    twins {date} (2024-12-02), {time}, {weekday} (Monday); other braces are left alone."""

    def one(m: re.Match[str]) -> str:
        field = m.group(1).lower()
        if field == "日期":
            return f"{when.year}年{when.month}月{when.day}日"
        if field == "date":
            return when.strftime("%Y-%m-%d")
        if field in ("时间", "time"):
            return when.strftime("%H:%M")
        if field == "星期":
            return f"星期{WEEKDAYS_ZH[when.weekday()]}"
        return WEEKDAYS_EN[when.weekday()]

    return _FIELD_RE.sub(one, text)


def template_fields(text: str) -> list[str]:
    """The fields a template uses, in order of first appearance."""
    out: list[str] = []
    for m in _FIELD_RE.finditer(text):
        if m.group(1) not in out:
            out.append(m.group(1))
    return out
