"""How reminders, digests and weekly summaries read (pure): one typed record per message kind.

Records are JSON snapshots made by the scheduler; durations ("overdue 2 hours") are measured at
render time, so an entry that waited in the outbox still says the truth when it goes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar, Self, TypedDict

from bot.core.bundling import Item
from bot.core.config import Lang
from bot.core.fmt import format_date, format_when, join_names, priority_label
from bot.core.i18n import t
from bot.core.models import Button
from bot.core.paging import fit_lines
from bot.core.render import MessageKind, MessageParams, RenderContext, Rendered
from bot.people.models import Person
from bot.reminders.digest import digest_clock
from bot.tasks.callbacks import Verb
from bot.tasks.models import Priority
from bot.tasks.views import button, card_lines, work_buttons

Buttons = tuple[tuple[Button, ...], ...]


# ----- the records ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CardReminder(MessageParams):
    """A reminder step shown with the task's card, to one of its people."""

    KIND: ClassVar[str] = ""
    card: dict[str, Any]  # the task card snapshot (TaskService.card_params)
    late: bool  # later than planned (the bot was down): said as (补发)
    acked: bool  # the reader has pressed 收到: no 收到 button

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        own = {f.name for f in dataclasses.fields(cls)} - {"card", "late", "acked"}
        extra = {k: v for k, v in data.items() if k in own}
        if "card" not in data:  # stored flat before the records were typed: card keys beside
            card = {k: v for k, v in data.items() if k not in ("late", "acked", *own)}
            late, acked = bool(data.get("late")), bool(data.get("acked"))
            return cls(card=card, late=late, acked=acked, **extra)
        return cls(
            card=dict(data["card"]), late=bool(data["late"]), acked=bool(data["acked"]), **extra
        )

    @property
    def number(self) -> int:
        return int(self.card["number"])

    @property
    def is_reminder(self) -> bool:
        return self.card.get("kind") == "reminder"


@dataclass(frozen=True, slots=True)
class BeforeDue(CardReminder):
    """Ahead of the due time; for a reminder with remind_before, the reminder itself."""

    KIND: ClassVar[str] = "rem_before"


@dataclass(frozen=True, slots=True)
class DueNow(CardReminder):
    """At the due time: the reminder itself, or "due now" for a task."""

    KIND: ClassVar[str] = "rem_due"


@dataclass(frozen=True, slots=True)
class Overdue(CardReminder):
    """Overdue, again (the nag): `round` 1-3 on its first overdue work day (each says something
    new), 0 for the once-a-day one after that."""

    KIND: ClassVar[str] = "rem_nag"
    round: int = 1


@dataclass(frozen=True, slots=True)
class AckResend(CardReminder):
    """The card once more, for an assignee who has not pressed 收到."""

    KIND: ClassVar[str] = "rem_ack_resend"


@dataclass(frozen=True, slots=True)
class Escalation(MessageParams):
    """To the assigner: their task is overdue with these people."""

    KIND: ClassVar[str] = "rem_escalate"
    number: int
    title: str
    due: str  # ISO
    names: list[str]  # who has not finished it


@dataclass(frozen=True, slots=True)
class AckEscalation(MessageParams):
    """To the assigner: someone has not acknowledged their task since `since`."""

    KIND: ClassVar[str] = "rem_ack_escalate"
    number: int
    title: str
    name: str
    since: str  # ISO: when the card reached them


class DigestItem(TypedDict):
    """One task as a digest or summary lists it."""

    number: int
    title: str
    due: str | None  # ISO
    priority: str
    kind: str


class HandedItem(DigestItem):
    """A task the reader handed out, with the state of each person still on it."""

    people: list[list[str]]  # [name, assignee state]


class DigestGroup(TypedDict):
    assigner: str  # their name
    self: bool  # the reader's own tasks
    items: list[DigestItem]


class DigestNotice(TypedDict):
    """A notice the reader has not confirmed (the notices feature says which)."""

    number: int
    text: str
    meeting_at: str | None  # ISO
    sender: str


class DigestSentNotice(TypedDict):
    """A notice the reader sent that some have not confirmed: whom to phone."""

    number: int
    text: str
    meeting_at: str | None  # ISO
    missing: list[list[str | None]]  # [name, phone]


class DigestSection(TypedDict):
    key: str  # one of bot.reminders.digest.SECTIONS
    count: int
    groups: list[DigestGroup]


@dataclass(frozen=True, slots=True)
class MorningDigest(MessageParams):
    """The morning digest: sections grouped by assigner, then what the reader handed out."""

    KIND: ClassVar[str] = "digest"
    day: str  # ISO date
    sections: list[DigestSection]
    handed: list[HandedItem]
    undated: int
    empty: bool
    late: bool
    notices: list[DigestNotice] = dataclasses.field(default_factory=list)
    sent_notices: list[DigestSentNotice] = dataclasses.field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WeekSummary(MessageParams):
    """The weekly summary (总结): done this week, still open, and what the reader handed out."""

    KIND: ClassVar[str] = "week"
    start: str  # ISO date: the week's Monday
    done: list[DigestItem]
    open: list[DigestItem]
    handed_done: int
    handed_open: int
    empty: bool


# ----- small pieces -----------------------------------------------------------------------------
def duration(lang: Lang, delta: timedelta) -> str:
    """A length of time: 25 分钟 / 1 小时 30 分钟 / 12 小时 / 2 天 (en: 25 min / 1 h 30 min /
    12 h / 2 days) — minutes told within the first hours, so two nags of one day never read
    the same."""
    minutes = max(int(delta.total_seconds() // 60), 1)
    if minutes < 60:
        return t(lang, "reminders.dur_minutes", n=minutes)
    if minutes < 10 * 60:
        hours, rest = divmod(minutes, 60)
        rest -= rest % 5
        if rest:
            return t(lang, "reminders.dur_hours_minutes", h=hours, m=rest)
        return t(lang, "reminders.dur_hours", n=hours)
    hours = round(minutes / 60)
    if hours < 48:
        return t(lang, "reminders.dur_hours", n=hours)
    return t(lang, "reminders.dur_days", n=round(hours / 24))


def _due(due: str | None, ctx: RenderContext) -> str:
    if not due:
        return t(ctx.lang, "fmt.no_due")
    return format_when(datetime.fromisoformat(due), ctx.lang, ctx.tz, ctx.now)


def _late(late: bool, lang: Lang) -> str:
    return t(lang, "reminders.late") if late else ""


def _buttons(p: CardReminder) -> Buttons:
    number = p.number
    if p.is_reminder:
        return (
            (
                button("reminders.btn_got_it", Verb.DONE, number),
                button("tasks.btn_snooze", Verb.SNOOZE, number),
            ),
        )
    return work_buttons(number, acked=p.acked)


def _nudge(number: int) -> Buttons:
    return ((button("tasks.btn_nudge", Verb.NUDGE, number, {"number": number}),),)


# ----- reminders --------------------------------------------------------------------------------
def rem_before(p: BeforeDue, ctx: RenderContext) -> Rendered:
    lang, card = ctx.lang, p.card
    left = duration(lang, datetime.fromisoformat(card["due"]) - ctx.now)
    due = _due(card.get("due"), ctx)
    if p.is_reminder:
        head = t(
            lang,
            "reminders.starting_soon",
            title=card["title"],
            due=due,
            left=left,
            number=p.number,
        )
        return Rendered(_late(p.late, lang) + head, _buttons(p))
    head = t(lang, "reminders.before", number=p.number, due=due, left=left)
    lines = [_late(p.late, lang) + head, *card_lines(card, ctx)]
    return Rendered("\n".join(lines), _buttons(p))


def rem_due(p: DueNow, ctx: RenderContext) -> Rendered:
    lang, card = ctx.lang, p.card
    due = _due(card.get("due"), ctx)
    if p.is_reminder:
        head = t(lang, "reminders.reminder", title=card["title"], due=due, number=p.number)
        return Rendered(_late(p.late, lang) + head, _buttons(p))
    head = t(lang, "reminders.due_now", number=p.number, due=due)
    lines = [_late(p.late, lang) + head, *card_lines(card, ctx)]
    return Rendered("\n".join(lines), _buttons(p))


def _overdue_head(p: Overdue, ctx: RenderContext) -> str:
    """The first line of a nag; no two of one day read the same."""
    lang = ctx.lang
    ago = duration(lang, ctx.now - datetime.fromisoformat(p.card["due"]))
    if p.round == 0:
        today = format_date(ctx.now, lang, ctx.tz)
        return t(lang, "reminders.overdue_daily", number=p.number, ago=ago, today=today)
    if p.round == 1:
        return t(lang, "reminders.overdue", number=p.number, ago=ago)
    return t(lang, f"reminders.overdue_again{min(p.round, 3)}", number=p.number, ago=ago)


def rem_nag(p: Overdue, ctx: RenderContext) -> Rendered:
    """Overdue, again: with the buttons that end it (完成 / 推迟 / 办不了)."""
    lines = [_overdue_head(p, ctx), *card_lines(p.card, ctx), t(ctx.lang, "reminders.overdue_hint")]
    return Rendered("\n".join(lines), _buttons(p))


def rem_ack_resend(p: AckResend, ctx: RenderContext) -> Rendered:
    lines = card_lines(p.card, ctx, heading="reminders.ack_resend_title")
    return Rendered("\n".join(lines), _buttons(p))


def rem_escalate(p: Escalation, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    ago = duration(lang, ctx.now - datetime.fromisoformat(p.due))
    text = t(
        lang,
        "reminders.escalate",
        number=p.number,
        title=p.title,
        ago=ago,
        names=join_names(p.names, lang),
        due=_due(p.due, ctx),
    )
    return Rendered(text, _nudge(p.number))


def rem_ack_escalate(p: AckEscalation, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    ago = duration(lang, ctx.now - datetime.fromisoformat(p.since))
    text = t(lang, "reminders.ack_escalate", number=p.number, title=p.title, name=p.name, ago=ago)
    return Rendered(text, _nudge(p.number))


# ----- as lines of one message (bot/core/bundling.py) ----------------------------------------
def _view(number: int) -> Button:
    return button("reminders.btn_view", Verb.VIEW, number, {"number": number})


def _line(card: Mapping[str, Any], ctx: RenderContext, *extra: str) -> str:
    head = t(ctx.lang, "reminders.item", number=card["number"], title=card["title"])
    return " · ".join((head, *(x for x in extra if x)))


def _work_row(p: CardReminder) -> tuple[Button, ...]:
    """An assignee's line: 收到 (not yet acknowledged) or 完成, and 看看 for the whole card."""
    n = p.number
    if p.acked:
        act = button("reminders.btn_done_n", Verb.DONE, n, {"number": n})
    else:
        act = button("reminders.btn_ack_n", Verb.ACK, n, {"number": n})
    return (act, _view(n))


def _due_text(p: CardReminder, ctx: RenderContext) -> str:
    return t(ctx.lang, "reminders.item_due", due=_due(p.card.get("due"), ctx))


def before_item(p: BeforeDue, ctx: RenderContext) -> Item | None:
    if p.is_reminder:
        return None  # the reminder someone set rings on its own
    left = duration(ctx.lang, datetime.fromisoformat(p.card["due"]) - ctx.now)
    due = t(ctx.lang, "reminders.item_left", due=_due(p.card.get("due"), ctx), left=left)
    return Item(
        "reminders.bundle_before", _late(p.late, ctx.lang) + _line(p.card, ctx, due), _work_row(p)
    )


def due_item(p: DueNow, ctx: RenderContext) -> Item | None:
    if p.is_reminder:
        return None
    text = _late(p.late, ctx.lang) + _line(p.card, ctx, _due_text(p, ctx))
    return Item("reminders.bundle_due", text, _work_row(p))


def nag_item(p: Overdue, ctx: RenderContext) -> Item:
    ago = duration(ctx.lang, ctx.now - datetime.fromisoformat(p.card["due"]))
    text = _line(p.card, ctx, t(ctx.lang, "reminders.item_overdue", ago=ago))
    return Item("reminders.bundle_overdue", text, _work_row(p))


def ack_resend_item(p: AckResend, ctx: RenderContext) -> Item:
    return Item("reminders.bundle_unacked", _line(p.card, ctx, _due_text(p, ctx)), _work_row(p))


def escalate_item(p: Escalation, ctx: RenderContext) -> Item:
    lang = ctx.lang
    ago = duration(lang, ctx.now - datetime.fromisoformat(p.due))
    who = t(lang, "reminders.item_not_done", names=join_names(p.names, lang), ago=ago)
    card = {"number": p.number, "title": p.title}
    return Item(
        "reminders.bundle_escalate", _line(card, ctx, who), (*_nudge(p.number)[0], _view(p.number))
    )


def ack_escalate_item(p: AckEscalation, ctx: RenderContext) -> Item:
    lang = ctx.lang
    ago = duration(lang, ctx.now - datetime.fromisoformat(p.since))
    who = t(lang, "reminders.item_not_acked", name=p.name, ago=ago)
    card = {"number": p.number, "title": p.title}
    return Item(
        "reminders.bundle_ack_escalate",
        _line(card, ctx, who),
        (*_nudge(p.number)[0], _view(p.number)),
    )


# ----- digests ----------------------------------------------------------------------------------
def _item_line(item: DigestItem, ctx: RenderContext) -> str:
    parts = [t(ctx.lang, "reminders.item", number=item["number"], title=item["title"])]
    prio = Priority(item.get("priority", "normal"))
    if prio != Priority.NORMAL:
        parts.append(priority_label(prio, ctx.lang))
    if item.get("due"):
        parts.append(t(ctx.lang, "reminders.item_due", due=_due(item["due"], ctx)))
    return " · ".join(parts)


def _day(iso: str, ctx: RenderContext) -> str:
    d = date.fromisoformat(iso)
    return format_date(datetime(d.year, d.month, d.day, 12, tzinfo=ctx.tz), ctx.lang, ctx.tz)


def _section_lines(section: DigestSection, ctx: RenderContext) -> list[str]:
    lang = ctx.lang
    lines = ["", t(lang, f"reminders.section_{section['key']}", count=section["count"])]
    for group in section["groups"]:
        if group.get("self"):
            lines.append(t(lang, "reminders.group_self"))
        else:
            lines.append(t(lang, "reminders.group_from", name=group["assigner"]))
        lines.extend("    " + _item_line(item, ctx) for item in group["items"])
    return lines


def _handed_lines(handed: list[HandedItem], ctx: RenderContext) -> list[str]:
    lang = ctx.lang
    lines = ["", t(lang, "reminders.section_handed", count=len(handed))]
    for item in handed:
        lines.append("  " + _item_line(item, ctx))
        for name, state in item.get("people", []):
            state_text = t(lang, f"tasks.astate_{state}")
            lines.append("    " + t(lang, "reminders.person_state", name=name, state=state_text))
    return lines


def _notice_lines(notices: list[DigestNotice], ctx: RenderContext) -> list[str]:
    """The notices not confirmed yet: said here instead of sent again (say one thing once)."""
    lang = ctx.lang
    lines = ["", t(lang, "reminders.section_notices", count=len(notices))]
    for n in notices:
        text = " ".join(n["text"].split())
        text = text if len(text) <= 40 else text[:39] + "…"
        parts = [t(lang, "reminders.notice_item", number=n["number"], text=text)]
        if n.get("meeting_at"):
            parts.append(t(lang, "reminders.notice_when", when=_due(n["meeting_at"], ctx)))
        parts.append(t(lang, "reminders.notice_from", name=n["sender"]))
        lines.append("  " + " · ".join(parts))
    lines.append("  " + t(lang, "reminders.notice_hint"))
    return lines


def _snippet(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= 40 else one[:39] + "…"


def _sent_notice_lines(notices: list[DigestSentNotice], ctx: RenderContext) -> list[str]:
    """What the reader sent that some have not confirmed: whom to phone (said here, not in a
    report of its own later the same day)."""
    lang = ctx.lang
    lines = ["", t(lang, "reminders.section_sent_notices", count=len(notices))]
    for n in notices:
        parts = [t(lang, "reminders.notice_item", number=n["number"], text=_snippet(n["text"]))]
        if n.get("meeting_at"):
            parts.append(t(lang, "reminders.notice_when", when=_due(n["meeting_at"], ctx)))
        lines.append("  " + " · ".join(parts))
        people = join_names(
            (
                t(lang, "reminders.notice_missing_person", name=name, phone=phone or "—")
                for name, phone in n["missing"]
            ),
            lang,
        )
        lines.append("    " + t(lang, "reminders.notice_missing", people=people))
    return lines


def digest(p: MorningDigest, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    head = _late(p.late, lang) + t(lang, "reminders.digest_title", day=_day(p.day, ctx))
    if p.empty:
        return Rendered(head + "\n" + t(lang, "reminders.digest_empty"))
    lines = [head]
    for section in p.sections:
        lines.extend(_section_lines(section, ctx))
    if p.notices:
        lines.extend(_notice_lines(p.notices, ctx))
    if p.handed:
        lines.extend(_handed_lines(p.handed, ctx))
    if p.sent_notices:
        lines.extend(_sent_notice_lines(p.sent_notices, ctx))
    if p.undated:
        lines.append("")
        lines.append(t(lang, "reminders.undated", count=p.undated))
    return Rendered(_fit(lines, lang))


def week(p: WeekSummary, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    head = t(lang, "reminders.week_title", day=_day(p.start, ctx))
    if p.empty:
        return Rendered(head + "\n" + t(lang, "reminders.week_empty"))
    lines = [head, "", t(lang, "reminders.week_done", count=len(p.done))]
    lines.extend("  " + _item_line(item, ctx) for item in p.done[:30])
    lines.append("")
    lines.append(t(lang, "reminders.week_open", count=len(p.open)))
    lines.extend("  " + _item_line(item, ctx) for item in p.open[:30])
    if p.handed_done or p.handed_open:
        lines.append("")
        lines.append(t(lang, "reminders.week_handed", done=p.handed_done, open=p.handed_open))
    return Rendered(_fit(lines, lang))


def _fit(lines: list[str], lang: Lang) -> str:
    """Within one Telegram message: the lines that fit, then how many more (bot/core/paging)."""
    return fit_lines(lines[1:], header=lines[0], more=lambda n: t(lang, "fmt.more_lines", count=n))


# ----- replies to /digest -----------------------------------------------------------------------
def digest_setting(lang: Lang, person: Person, default: time) -> str:
    """ "Morning digest: work days at 08:30 (…)" or "…: off"."""
    clock = digest_clock(person.digest_time, default)
    if clock is None:
        return t(lang, "reminders.digest_is_off")
    mode = t(lang, "reminders.mode_quiet" if person.digest_quiet else "reminders.mode_loud")
    return t(lang, "reminders.digest_is_at", time=clock.strftime("%H:%M"), mode=mode)


# The message kinds this feature sends (the composition root hands them to the Renderer).
MESSAGES: tuple[MessageKind[Any], ...] = (
    MessageKind(BeforeDue, rem_before, before_item),
    MessageKind(DueNow, rem_due, due_item),
    MessageKind(Overdue, rem_nag, nag_item),
    MessageKind(Escalation, rem_escalate, escalate_item),
    MessageKind(AckResend, rem_ack_resend, ack_resend_item),
    MessageKind(AckEscalation, rem_ack_escalate, ack_escalate_item),
    MessageKind(MorningDigest, digest),
    MessageKind(WeekSummary, week),
)

__all__ = [
    "MESSAGES",
    "AckEscalation",
    "AckResend",
    "BeforeDue",
    "CardReminder",
    "DigestGroup",
    "DigestItem",
    "DigestNotice",
    "DigestSection",
    "DueNow",
    "Escalation",
    "HandedItem",
    "MorningDigest",
    "Overdue",
    "WeekSummary",
    "digest_setting",
    "duration",
]
