"""The weekly picture (pure): done / open / overdue counts by day, by assigner or per member,
and the PNG that shows them (Pillow, with the CJK font shipped in bot/reports/fonts).

`week_counts` and `group_counts` turn tasks into bars; `render_week_chart` draws the bars it
is given, with the labels already in the reader's language. Rendering takes tens of
milliseconds: callers run it off the event loop (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from importlib import resources
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from bot.tasks.models import Status, Task
from bot.tasks.rules import is_overdue

FONT_FILE: Final = "NotoSansSC-Subset.otf"  # Noto Sans CJK SC, GB2312 + ASCII (fonts/README.md)
WIDTH: Final = 960
MAX_ROWS: Final = 12  # assigners or members shown; the rest are summed into one row
_BG = (255, 255, 255)
_INK = (33, 33, 33)
_MUTED = (117, 117, 117)
_GRID = (224, 224, 224)
COLORS: Final = {"done": (67, 160, 71), "open": (30, 136, 229), "overdue": (229, 57, 53)}
_SERIES: Final = ("done", "open", "overdue")


@dataclass
class Bar:
    """One bar: a day, an assigner or a member, and its three counts."""

    label: str
    done: int = 0
    open: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.done + self.open + self.overdue

    def value(self, series: str) -> int:
        count: int = getattr(self, series)
        return count


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    bars: tuple[Bar, ...]
    by_day: bool = False  # columns (days) rather than rows (people)


@dataclass(frozen=True, slots=True)
class Picture:
    """What the PNG says, in the reader's language."""

    title: str
    subtitle: str
    legend: dict[str, str]  # series → label
    panels: tuple[Panel, ...]
    empty_note: str = ""  # said when every bar is zero
    footer: str = ""

    @property
    def empty(self) -> bool:
        return all(b.total == 0 for p in self.panels for b in p.bars)


# ----- counting ---------------------------------------------------------------------------------
Name = Callable[[int], str]


def _finished_by(task: Task, user_id: int) -> datetime | None:
    """When this person's part of the task was done (None: not done by them)."""
    mine = next((a for a in task.assignees if a.user_id == user_id), None)
    if mine is None:
        return None
    if mine.done_at is not None:
        return mine.done_at
    return task.updated_at if task.status == Status.DONE else None


def _still_open(task: Task, user_id: int) -> bool:
    if task.finished or task.status == Status.CANNOT:
        return False
    return any(a.user_id == user_id and a.done_at is None for a in task.assignees)


def week_days(start: datetime) -> list[date]:
    return [start.date() + timedelta(days=i) for i in range(7)]


def week_counts(
    user_id: int,
    tasks: Iterable[Task],
    *,
    start: datetime,
    now: datetime,
    tz: tzinfo,
    day_labels: Sequence[str],
    name: Name,
) -> tuple[tuple[Bar, ...], tuple[Bar, ...]]:
    """A person's week: by day (done that day; open or overdue by their due day) and by
    assigner (done this week; open and overdue now, whatever their due)."""
    end = start + timedelta(days=7)
    days = week_days(start)
    by_day = [Bar(label) for label in day_labels]
    by_assigner: dict[int, Bar] = {}
    for task in {t.number: t for t in tasks}.values():
        done = _finished_by(task, user_id)
        bar = None
        if done is not None and start <= done < end and done <= now:
            _day_bar(by_day, days, done, tz).done += 1
            bar = by_assigner.setdefault(task.assigner, Bar(name(task.assigner)))
            bar.done += 1
        elif _still_open(task, user_id):
            overdue = is_overdue(task, now)
            if task.due is not None and start <= task.due < end:
                day = _day_bar(by_day, days, task.due, tz)
                day.overdue += int(overdue)
                day.open += int(not overdue)
            bar = by_assigner.setdefault(task.assigner, Bar(name(task.assigner)))
            bar.overdue += int(overdue)
            bar.open += int(not overdue)
    return tuple(by_day), _top(by_assigner.values())


def group_counts(
    tasks: Iterable[Task], *, start: datetime, now: datetime, name: Name
) -> tuple[Bar, ...]:
    """A group's week, per member: what each finished this week, what is open or overdue."""
    end = start + timedelta(days=7)
    per: dict[int, Bar] = {}
    for task in {t.number: t for t in tasks}.values():
        for uid in task.assignee_ids():
            done = _finished_by(task, uid)
            if done is not None and start <= done < end and done <= now:
                per.setdefault(uid, Bar(name(uid))).done += 1
            elif _still_open(task, uid):
                bar = per.setdefault(uid, Bar(name(uid)))
                if is_overdue(task, now):
                    bar.overdue += 1
                else:
                    bar.open += 1
    return _top(per.values())


def _day_bar(bars: list[Bar], days: list[date], when: datetime, tz: tzinfo) -> Bar:
    return bars[days.index(when.astimezone(tz).date())]


def _top(bars: Iterable[Bar], other: str = "…") -> tuple[Bar, ...]:
    """The busiest MAX_ROWS bars, the rest summed into one."""
    ordered = sorted(bars, key=lambda b: (-b.total, b.label))
    if len(ordered) <= MAX_ROWS:
        return tuple(ordered)
    rest = Bar(other)
    for b in ordered[MAX_ROWS - 1 :]:
        rest.done += b.done
        rest.open += b.open
        rest.overdue += b.overdue
    return (*ordered[: MAX_ROWS - 1], rest)


# ----- drawing ----------------------------------------------------------------------------------
def font_path() -> str:
    return str(resources.files("bot.reports") / "fonts" / FONT_FILE)


class _Fonts:
    def __init__(self) -> None:
        path = font_path()
        self.title = ImageFont.truetype(path, 30)
        self.text = ImageFont.truetype(path, 20)
        self.small = ImageFont.truetype(path, 16)


_MARGIN = 36
_HEADER = 110
_DAY_PANEL = 320
_ROW = 34
_PANEL_GAP = 36


def _panel_height(panel: Panel) -> int:
    if panel.by_day:
        return _DAY_PANEL
    return 44 + max(len(panel.bars), 1) * _ROW


def render_week_chart(picture: Picture) -> bytes:
    """The PNG: a title, a legend, then each panel (stacked bars). Run it in a thread."""
    fonts = _Fonts()
    height = _HEADER + sum(_panel_height(p) + _PANEL_GAP for p in picture.panels) + 40
    image = Image.new("RGB", (WIDTH, height), _BG)
    draw = ImageDraw.Draw(image)
    draw.text((_MARGIN, 24), picture.title, font=fonts.title, fill=_INK)
    draw.text((_MARGIN, 66), picture.subtitle, font=fonts.small, fill=_MUTED)
    _legend(draw, picture.legend, fonts)
    y = _HEADER
    for panel in picture.panels:
        if panel.by_day:
            _day_panel(draw, panel, y, fonts)
        else:
            _row_panel(draw, panel, y, fonts)
        y += _panel_height(panel) + _PANEL_GAP
    if picture.empty and picture.empty_note:
        draw.text((_MARGIN, y - 10), picture.empty_note, font=fonts.text, fill=_MUTED)
    elif picture.footer:
        draw.text((_MARGIN, y - 10), picture.footer, font=fonts.small, fill=_MUTED)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _legend(draw: ImageDraw.ImageDraw, legend: dict[str, str], fonts: _Fonts) -> None:
    x = WIDTH - _MARGIN
    for series in reversed(_SERIES):
        label = legend.get(series, series)
        width = int(draw.textlength(label, font=fonts.small))
        x -= width
        draw.text((x, 70), label, font=fonts.small, fill=_INK)
        x -= 22
        draw.rectangle((x, 73, x + 14, 87), fill=COLORS[series])
        x -= 18


def _scale(bars: Sequence[Bar]) -> int:
    return max([b.total for b in bars] + [1])


def _day_panel(draw: ImageDraw.ImageDraw, panel: Panel, top: int, fonts: _Fonts) -> None:
    draw.text((_MARGIN, top), panel.title, font=fonts.text, fill=_INK)
    base = top + _DAY_PANEL - 30
    chart_top = top + 66
    left, right = _MARGIN + 30, WIDTH - _MARGIN
    most = _scale(panel.bars)
    for step in range(most + 1) if most <= 10 else range(0, most + 1, max(most // 5, 1)):
        y = base - (base - chart_top) * step // most
        draw.line((left, y, right, y), fill=_GRID)
        draw.text((_MARGIN, y - 9), str(step), font=fonts.small, fill=_MUTED)
    slot = (right - left) // max(len(panel.bars), 1)
    for i, bar in enumerate(panel.bars):
        x0 = left + i * slot + slot // 4
        x1 = x0 + slot // 2
        y = base
        for series in _SERIES:
            value = bar.value(series)
            if value:
                h = (base - chart_top) * value // most
                draw.rectangle((x0, y - h, x1, y), fill=COLORS[series])
                y -= h
        if bar.total:
            number = str(bar.total)
            shift = (x1 - x0 - draw.textlength(number, font=fonts.small)) / 2
            draw.text((x0 + shift, y - 24), number, font=fonts.small, fill=_INK)
        width = draw.textlength(bar.label, font=fonts.small)
        draw.text((x0 + (x1 - x0 - width) / 2, base + 6), bar.label, font=fonts.small, fill=_INK)


def _row_panel(draw: ImageDraw.ImageDraw, panel: Panel, top: int, fonts: _Fonts) -> None:
    draw.text((_MARGIN, top), panel.title, font=fonts.text, fill=_INK)
    label_w = 170
    left, right = _MARGIN + label_w, WIDTH - _MARGIN - 40
    most = _scale(panel.bars)
    y = top + 44
    for bar in panel.bars:
        draw.text(
            (_MARGIN, y + 4),
            _fit(draw, bar.label, label_w - 10, fonts),
            font=fonts.small,
            fill=_INK,
        )
        x = left
        for series in _SERIES:
            value = bar.value(series)
            if value:
                w = (right - left) * value // most
                draw.rectangle((x, y + 4, x + w, y + _ROW - 8), fill=COLORS[series])
                x += w
        draw.text((x + 8, y + 4), str(bar.total), font=fonts.small, fill=_MUTED)
        y += _ROW


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, fonts: _Fonts) -> str:
    """The text, cut with … to fit `width` pixels."""
    if draw.textlength(text, font=fonts.small) <= width:
        return text
    while text and draw.textlength(text + "…", font=fonts.small) > width:
        text = text[:-1]
    return text + "…"
