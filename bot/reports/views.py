"""How collections read (pure): the request and its reminders, the sender's tracking message,
the bundle, a late answer — one typed record per kind the outbox holds — and the replies,
lists, prompts and captions said on the spot.

A record is a JSON-plain snapshot made by the service: an entry waiting in the outbox renders
the same after a restart, in the reader's language and zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from bot.core.config import LANGS, Lang
from bot.core.fmt import format_when
from bot.core.i18n import t, t_plain
from bot.core.models import Button
from bot.core.recurrence import describe_recurrence
from bot.core.render import MessageKind, MessageParams, RenderContext, Rendered
from bot.reports import callbacks
from bot.reports.callbacks import CalendarOf, CalendarPress, CollectPress, Verb
from bot.reports.rules import ReportRefused

#: Text handed in is shown inline up to this many characters per person (the rest: /export).
INLINE_TEXT = 1500
#: A bundle message stays under Telegram's 4096 characters.
BUNDLE_LIMIT = 3500
_SHOWN_MISSING = 30


def _when(iso: str | None, ctx: RenderContext) -> str:
    if not iso:
        return ""
    return format_when(datetime.fromisoformat(iso), ctx.lang, ctx.tz, ctx.now)


def _rule(rule: str | None, lang: Lang) -> str:
    if not rule:
        return ""
    try:
        return describe_recurrence(rule, lang)
    except (ValueError, KeyError):
        return rule


def collect_buttons(number: int) -> tuple[tuple[Button, ...], ...]:
    """提交 · 办不了 under a request or a reminder."""
    return (
        (
            Button("reports.btn_submit", callbacks.build(CollectPress(Verb.SUBMIT, number))),
            Button("reports.btn_decline", callbacks.build(CollectPress(Verb.DECLINE, number))),
        ),
    )


def calendar_button(of: CalendarOf, number: int) -> Button:
    """加到日历, for a task card with a due time (of=TASK) or a notice with a meeting time."""
    return Button("reports.btn_calendar", callbacks.build(CalendarPress(of, number)))


# ----- to a member ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CollectRequest(MessageParams):
    """To a member: please hand in `title` by `due`; 提交 · 办不了 (· 加到日历)."""

    KIND: ClassVar[str] = "collect_request"
    number: int
    title: str
    sender_name: str
    due: str  # ISO time
    user_id: int  # the member (the sent hook keeps the message id for them)
    recurrence: str | None = None
    round: int = 1


def collect_request(p: CollectRequest, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    lines = [
        t(lang, "reports.request_title", number=p.number),
        t(lang, "reports.request_body", sender=p.sender_name, title=p.title),
        t(lang, "reports.due_line", due=_when(p.due, ctx)),
    ]
    if p.recurrence:
        lines.append(
            t(lang, "reports.recurring_line", rule=_rule(p.recurrence, lang), round=p.round)
        )
    lines.append(t(lang, "reports.request_how"))
    buttons = (
        *collect_buttons(p.number),
        (calendar_button(CalendarOf.COLLECT, p.number),),
    )
    return Rendered("\n".join(lines), buttons)


@dataclass(frozen=True, slots=True)
class CollectReminder(MessageParams):
    """To a member who has not answered: the deadline nears (`drafted`: items not yet 提交)."""

    KIND: ClassVar[str] = "collect_reminder"
    number: int
    title: str
    due: str
    user_id: int
    drafted: int = 0


def collect_reminder(p: CollectReminder, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    key = "reports.reminder_drafted" if p.drafted else "reports.reminder"
    text = t(lang, key, number=p.number, title=p.title, due=_when(p.due, ctx), count=p.drafted)
    return Rendered(text + "\n" + t(lang, "reports.request_how"), collect_buttons(p.number))


# ----- to the sender ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Line:
    """One member as the sender's messages show them (JSON: a dict)."""

    name: str
    state: str  # MemberState value
    at: str | None = None  # ISO: when they answered
    late: bool = False
    phone: str | None = None
    reach: str = ""  # "", not_started, blocked, no_account
    reason: str = ""  # 办不了: why
    drafted: int = 0  # items handed in, not yet 提交
    texts: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # file names (or kinds) to follow

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "at": self.at,
            "late": self.late,
            "phone": self.phone,
            "reach": self.reach,
            "reason": self.reason,
            "drafted": self.drafted,
            "texts": list(self.texts),
            "files": list(self.files),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Line:
        return cls(
            name=str(data.get("name", "")),
            state=str(data.get("state", "waiting")),
            at=data.get("at"),
            late=bool(data.get("late", False)),
            phone=data.get("phone"),
            reach=str(data.get("reach", "")),
            reason=str(data.get("reason", "")),
            drafted=int(data.get("drafted", 0)),
            texts=[str(x) for x in data.get("texts", ())],
            files=[str(x) for x in data.get("files", ())],
        )


def _lines(data: Sequence[dict[str, Any]]) -> list[Line]:
    return [Line.from_json(d) for d in data]


@dataclass(frozen=True, slots=True)
class CollectTracking(MessageParams):
    """To the sender: who has handed in (when, 迟交), who said 办不了, who not (with phones);
    the message is edited as answers come in."""

    KIND: ClassVar[str] = "collect_tracking"
    number: int
    title: str
    due: str
    lines: list[dict[str, Any]] = field(default_factory=list)  # Line.to_json()
    recurrence: str | None = None
    round: int = 1
    closed: bool = False
    bundled: bool = False
    reminded: int = 0  # reminders sent this round
    next_at: str | None = None  # the next round opens


def _who(line: Line, ctx: RenderContext, *, bundle: bool = False) -> str:
    values = {"name": line.name, "at": _when(line.at, ctx)}
    key = "reports.bundle_who" if bundle else "reports.line_in"
    text = t(ctx.lang, key, **values)
    return text + t(ctx.lang, "reports.late_mark") if line.late else text


def _missing(line: Line, ctx: RenderContext) -> str:
    lang = ctx.lang
    name = line.name
    if line.drafted:
        name += t(lang, "reports.line_drafted", count=line.drafted)
    if line.reach:
        name += t(lang, f"reports.reach_{line.reach}")
    phone = (
        t(lang, "reports.phone", phone=line.phone) if line.phone else t(lang, "reports.no_phone")
    )
    return f"· {name} {phone}"


def collect_tracking(p: CollectTracking, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    lines = _lines(p.lines)
    done = [x for x in lines if x.state == "submitted"]
    declined = [x for x in lines if x.state == "declined"]
    missing = [x for x in lines if x.state not in ("submitted", "declined")]
    out = [
        t(lang, "reports.tracking_title", number=p.number, count=len(done), total=len(lines)),
        t(lang, "reports.tracking_what", title=p.title),
        t(lang, "reports.due_line", due=_when(p.due, ctx)),
    ]
    if p.recurrence:
        out.append(t(lang, "reports.recurring_line", rule=_rule(p.recurrence, lang), round=p.round))
    if done:
        out.append(t(lang, "reports.tracking_in", count=len(done)))
        out.extend(_who(x, ctx) for x in done)
    if declined:
        out.append(t(lang, "reports.tracking_declined", count=len(declined)))
        out.extend(
            t(lang, "reports.line_declined", name=x.name, reason=x.reason or "—") for x in declined
        )
    if missing:
        out.append(t(lang, "reports.tracking_missing", count=len(missing)))
        out.extend(_missing(x, ctx) for x in missing[:_SHOWN_MISSING])
        if len(missing) > _SHOWN_MISSING:
            out.append(
                t(lang, "reports.line_more", count=len(missing) - _SHOWN_MISSING, number=p.number)
            )
    out.append(_tracking_state(p, bool(missing), ctx))
    if p.next_at:
        out.append(t(lang, "reports.tracking_next", at=_when(p.next_at, ctx)))
    return Rendered("\n".join(x for x in out if x))


def _tracking_state(p: CollectTracking, missing: bool, ctx: RenderContext) -> str:
    lang = ctx.lang
    if p.bundled and not missing:
        return t(lang, "reports.tracking_all_in")
    if p.bundled:
        return t(lang, "reports.tracking_closed", number=p.number)
    if p.reminded:
        return t(lang, "reports.tracking_reminded", count=p.reminded)
    return t(lang, "reports.tracking_will_remind")


@dataclass(frozen=True, slots=True)
class CollectBundle(MessageParams):
    """To the sender: everything handed in, in one message (files follow it); `part` of
    `parts` when it does not fit in one."""

    KIND: ClassVar[str] = "collect_bundle"
    number: int
    title: str
    due: str
    count: int  # handed in
    total: int
    lines: list[dict[str, Any]] = field(default_factory=list)  # this part's Line.to_json()
    missing: list[dict[str, Any]] = field(default_factory=list)  # (first part only)
    part: int = 1
    parts: int = 1
    files: int = 0  # files that follow (first part only)


def _handed_in(line: Line, ctx: RenderContext) -> list[str]:
    lang = ctx.lang
    if line.state == "declined":
        return [t(lang, "reports.bundle_declined", name=line.name, reason=line.reason or "—")]
    out = [_who(line, ctx, bundle=True)]
    out.extend(t(lang, "reports.bundle_text", text=text) for text in line.texts)
    out.extend(t(lang, "reports.bundle_file", name=name) for name in line.files)
    return out


def collect_bundle(p: CollectBundle, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    if p.part == 1:
        head = t(
            lang,
            "reports.bundle_title",
            number=p.number,
            title=p.title,
            count=p.count,
            total=p.total,
        )
        out = [head, t(lang, "reports.due_line", due=_when(p.due, ctx))]
    else:
        out = [t(lang, "reports.bundle_more", number=p.number, part=p.part, parts=p.parts)]
    for line in _lines(p.lines):
        out.append("")
        out.extend(_handed_in(line, ctx))
    missing = _lines(p.missing)
    if missing:
        out.append("")
        out.append(t(lang, "reports.tracking_missing", count=len(missing)))
        out.extend(_missing(x, ctx) for x in missing[:_SHOWN_MISSING])
    if p.files:
        out.append("")
        out.append(t(lang, "reports.bundle_files", count=p.files))
    if p.part == p.parts:
        out.append(t(lang, "reports.bundle_export", number=p.number))
    return Rendered("\n".join(out))


@dataclass(frozen=True, slots=True)
class CollectLate(MessageParams):
    """To the sender, after the bundle: someone answered late (迟交, or 办不了)."""

    KIND: ClassVar[str] = "collect_late"
    number: int
    title: str
    line: dict[str, Any] = field(default_factory=dict)  # Line.to_json()
    count: int = 0  # handed in now
    total: int = 0


def collect_late(p: CollectLate, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    line = Line.from_json(p.line)
    head = t(
        lang, "reports.late_title", number=p.number, title=p.title, count=p.count, total=p.total
    )
    return Rendered("\n".join([head, *_handed_in(line, ctx)]))


def bundle_parts(lines: Sequence[Line], limit: int = BUNDLE_LIMIT) -> list[list[Line]]:
    """Lines grouped into parts of at most `limit` characters of text each."""
    parts: list[list[Line]] = [[]]
    size = 0
    for line in lines:
        weight = 80 + sum(len(x) + 20 for x in line.texts) + 40 * len(line.files)
        if parts[-1] and size + weight > limit:
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += weight
    return parts


# The message kinds this feature sends (the composition root hands them to the Renderer).
MESSAGES: tuple[MessageKind[Any], ...] = (
    MessageKind(CollectRequest, collect_request),
    MessageKind(CollectReminder, collect_reminder),
    MessageKind(CollectTracking, collect_tracking),
    MessageKind(CollectBundle, collect_bundle),
    MessageKind(CollectLate, collect_late),
)


# ----- said on the spot -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Listed:
    """A line of /collect: a collection as its reader may see it."""

    number: int
    title: str
    due: str
    count: int
    total: int
    closed: bool
    mine: bool  # shown with its counts (the reader sent it, or a group's list); else it asks
    #             the reader, who sees their own state
    state: str = ""  # the reader's own state, when it asks them
    recurrence: str | None = None


def collect_list(items: Sequence[Listed], ctx: RenderContext) -> str:
    lang = ctx.lang
    if not items:
        return t(lang, "reports.list_empty")
    out = [t(lang, "reports.list_header", count=len(items))]
    for item in items:
        values = {
            "number": item.number,
            "title": item.title,
            "due": _when(item.due, ctx),
            "count": item.count,
            "total": item.total,
        }
        key = "reports.list_mine" if item.mine else "reports.list_asked"
        line = t(lang, key, **values)
        if not item.mine:
            line += " · " + t(lang, f"reports.state_{item.state}")
        if item.closed:
            line += " · " + t(lang, "reports.list_closed")
        if item.recurrence:
            line += " · " + _rule(item.recurrence, lang)
        out.append(line)
    out.append(t(lang, "reports.list_hint"))
    return "\n".join(out)


def created_in_group(number: int, title: str, total: int, due: str, ctx: RenderContext) -> str:
    return t(
        ctx.lang,
        "reports.created_group",
        number=number,
        title=title,
        total=total,
        due=_when(due, ctx),
    )


def received(number: int, count: int, lang: Lang) -> Rendered:
    """The answer to each message handed in, with 提交 under it."""
    submit = Button("reports.btn_submit", callbacks.build(CollectPress(Verb.SUBMIT, number)))
    return Rendered(t(lang, "reports.received", number=number, count=count), ((submit,),))


def refusal(lang: Lang, exc: ReportRefused) -> str:
    return t(lang, f"reports.{exc.key}", **exc.values)


# ----- the 办不了 prompt (stateless: its text carries the number) ---------------------------------
def decline_prompt(lang: Lang, number: int) -> str:
    """The question, as plain text (escaped by the sender)."""
    return t_plain(lang, "reports.prompt_decline", number=number)


def which_prompt(text: str) -> int | None:
    """The collection number our 办不了 question carries (in any language), or None."""
    for lang in LANGS:
        head, _, tail = t_plain(lang, "reports.prompt_decline", number="\0").partition("\0")
        if len(text) > len(head) + len(tail) and text.startswith(head) and text.endswith(tail):
            middle = text[len(head) : len(text) - len(tail)]
            if middle.isascii() and middle.isdigit():
                return int(middle)
    return None
