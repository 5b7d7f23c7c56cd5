"""How notices read (pure): the notice with its 收到 button, the group post, the sender's
tracking message, reports and reminders, /notices, the CSV export.

Each message kind has one typed record (its outbox params): a JSON-plain snapshot made by the
notice service when the entry is made, so an entry waiting in the outbox renders the same after
a restart. The stored keys are the ones entries already in an outbox carry.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from bot.core.bundling import Item
from bot.core.config import LANGS, Lang
from bot.core.fmt import format_when
from bot.core.i18n import Safe, t, t_plain
from bot.core.models import Button
from bot.core.render import MessageKind, MessageParams, RenderContext, Rendered
from bot.notices import callbacks
from bot.notices.callbacks import Verb
from bot.notices.rules import Confirm

# How much of a notice's text a list line or the tracking message quotes.
SNIPPET = 40

#: One person in a list: [name, username or None, phone or None, then the reach (Reach value)
#: of someone missing, or the ISO time a confirmer confirmed].
Row = list[str | None]
#: Someone to mention: [user id, name].
Mention = list[int | str]
#: Which heading a notice card has.
Heading = Literal["notice", "resend", "changed", "group_changed"]


# ----- the records -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class _NoticeHead(MessageParams):
    """What every copy of a notice says: its number, version, text, meeting time, sender."""

    number: int
    version: int
    text: str
    sender_name: str
    meeting_at: str | None  # ISO
    urgent: bool
    kind: Heading = "notice"
    round: int = 0  # which resend, for kind "resend"
    changes: list[str] = field(default_factory=list)  # what each change said (text: original)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeCard(_NoticeHead):
    """A notice for one recipient, with its 收到 button (first send, resend, change)."""

    KIND: ClassVar[str] = "notice"


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeGroupPost(_NoticeHead):
    """The notice posted in the group it was sent from."""

    KIND: ClassVar[str] = "notice_group"
    mentions: list[Mention]  # people the bot cannot write to privately
    total: int  # how many it went to


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeTracking(MessageParams):
    """The sender's tracking message: counts, who confirmed, who is missing, with phones."""

    KIND: ClassVar[str] = "notice_tracking"
    number: int
    version: int
    text: str
    status: str  # NoticeStatus value
    meeting_at: str | None
    total: int
    confirmed_count: int
    waiting_count: int
    unreachable_count: int
    confirmed: list[Row]
    waiting: list[Row]
    unreachable: list[Row]
    more_confirmed: int
    more_waiting: int
    more_unreachable: int
    resends: int
    max_resends: int
    next_at: str | None
    missing_reported: bool
    changed_at: str | None
    cancelled_at: str | None
    change: str | None = None  # what the last change said


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeMissing(MessageParams):
    """To the sender: resends are spent (or the meeting is near) and these people are missing."""

    KIND: ClassVar[str] = "notice_missing"
    number: int
    text: str
    count: int
    resends: int
    people: list[Row]
    more: int
    meeting_near: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingSoon(MessageParams):
    """会议即将开始, to a confirmer (or, with mentions, in the group for those confirmed there).

    Entries made before this record existed carry the whole notice head: the extra keys are
    ignored, and a personal one has no mentions."""

    KIND: ClassVar[str] = "notice_meeting"
    number: int
    text: str
    meeting_at: str | None
    mentions: list[Mention] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeCancelled(MessageParams):
    """The notice was cancelled: to each who got it (reachable), and in its group."""

    KIND: ClassVar[str] = "notice_cancelled"
    number: int
    text: str
    who: str  # who cancelled it
    changes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ListLine:
    """One line of /notices."""

    number: int
    cancelled: bool
    created_at: datetime
    confirmed: int
    total: int
    text: str


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One person of the CSV export; `reach` (a Reach value) for those not confirmed."""

    name: str
    username: str | None
    phone: str | None
    confirmed_at: datetime | None
    reach: str


# ----- pieces ----------------------------------------------------------------------------------
def _when(iso: str | None, ctx: RenderContext) -> str:
    if not iso:
        return ""
    return format_when(datetime.fromisoformat(iso), ctx.lang, ctx.tz, ctx.now)


def clock_text(at: datetime | str | None, ctx: RenderContext) -> str:
    """A confirmation time: `10:05` today, else with its day."""
    if not at:
        return ""
    when = datetime.fromisoformat(at) if isinstance(at, str) else at
    local = when.astimezone(ctx.tz)
    if local.date() == ctx.now.astimezone(ctx.tz).date():
        return local.strftime("%H:%M")
    return format_when(when, ctx.lang, ctx.tz, ctx.now)


def snippet(text: str, limit: int = SNIPPET) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def confirm_button(number: int, version: int) -> Button:
    return Button("notices.btn_confirm", callbacks.build(Verb.CONFIRM, number, version))


def _mentions(rows: Sequence[Mention]) -> list[str]:
    return [
        f'<a href="tg://user?id={int(uid)}">{html.escape(str(name), quote=False)}</a>'
        for uid, name in rows
    ]


def _phone(phone: str | None, lang: Lang) -> Safe:
    return Safe(t(lang, "notices.phone", phone=phone) if phone else t(lang, "notices.no_phone"))


def _person(row: Row, lang: Lang) -> Safe:
    """`name (@username)` as safe HTML."""
    name, username = str(row[0]), row[1]
    if username:
        return Safe(t(lang, "notices.who_at", name=name, username=username))
    return Safe(html.escape(name, quote=False))


# ----- the notice ------------------------------------------------------------------------------
_HEADINGS = {
    "resend": "notices.heading_resend",
    "changed": "notices.heading_changed",
    "group_changed": "notices.heading_changed",
}


def notice_lines(p: _NoticeHead, ctx: RenderContext) -> list[str]:
    """The notice itself: heading, text, meeting time, sender."""
    lang = ctx.lang
    lines = [
        t(lang, _HEADINGS.get(p.kind, "notices.heading"), number=p.number, round=p.round),
        t(lang, "notices.body", text=p.text),
    ]
    lines.extend(t(lang, "notices.change_line", text=change) for change in p.changes)
    if p.urgent:
        lines.append(t(lang, "notices.urgent"))
    if p.meeting_at:
        lines.append(t(lang, "notices.meeting_line", when=_when(p.meeting_at, ctx)))
    lines.append(t(lang, "notices.from", name=p.sender_name))
    return lines


def notice(p: NoticeCard, ctx: RenderContext) -> Rendered:
    """A notice for one recipient, with its 收到 button."""
    lines = notice_lines(p, ctx)
    lines.append(t(ctx.lang, "notices.please_confirm"))
    return Rendered("\n".join(lines), ((confirm_button(p.number, p.version),),))


def notice_group(p: NoticeGroupPost, ctx: RenderContext) -> Rendered:
    """The notice posted in the group it was sent from; people the bot cannot write to
    privately are mentioned so Telegram notifies them."""
    lang = ctx.lang
    lines = notice_lines(p, ctx)
    mentions = _mentions(p.mentions)
    if mentions:
        lines.append(t(lang, "notices.group_mentions", names=Safe(" ".join(mentions))))
    lines.append(t(lang, "notices.group_confirm", count=p.total))
    return Rendered("\n".join(lines), ((confirm_button(p.number, p.version),),))


# ----- a press of 收到 -------------------------------------------------------------------------
_ANSWERS = {
    Confirm.CONFIRMED: ("notices.toast_confirmed", False),
    Confirm.ALREADY: ("notices.toast_already", False),
    Confirm.NOT_RECIPIENT: ("notices.alert_not_recipient", True),
    Confirm.SENDER: ("notices.alert_sender", True),
    Confirm.CANCELLED: ("notices.alert_cancelled", True),
    Confirm.STALE: ("notices.alert_stale", True),
}
# What a recipient's own copy says after the press (no entry: it stays as it is).
_STATES = {
    Confirm.CONFIRMED: "confirmed",
    Confirm.ALREADY: "confirmed",
    Confirm.CANCELLED: "cancelled",
    Confirm.STALE: "changed",
}


def confirm_answer(result: Confirm, at: datetime | None, ctx: RenderContext) -> tuple[str, bool]:
    """The answer to a press of 收到: (text, as an alert)."""
    key, alert = _ANSWERS[result]
    return t(ctx.lang, key, at=clock_text(at, ctx)), alert


def card_after_press(
    result: Confirm, card: NoticeCard, at: datetime | None, old_html: str, ctx: RenderContext
) -> str | None:
    """A recipient's own copy after a press: confirmed at what time; for an old version or a
    cancelled notice its text with what became of it. None: leave it as it is."""
    state = _STATES.get(result)
    if state is None:
        return None
    if state == "confirmed":
        line = t(ctx.lang, "notices.state_confirmed", at=clock_text(at, ctx))
        return "\n".join([*notice_lines(card, ctx), line])
    return old_html + "\n" + t(ctx.lang, f"notices.state_{state}", at="")


# ----- the tracking ----------------------------------------------------------------------------
def _section(
    lines: list[str], ctx: RenderContext, title: str, count: int, rows: list[Row], more: int
) -> None:
    """One list of the tracking: its title, a line per person, how many more."""
    lang = ctx.lang
    if not rows:
        return
    if title == "unreachable":
        link = f"https://t.me/{ctx.bot_username or 'officebot'}?start=hi"
        lines.append(t(lang, "notices.tracking_unreachable", count=count, link=link))
    else:
        lines.append(t(lang, f"notices.tracking_{title}", count=count))
    for row in rows:
        who, phone = _person(row, lang), _phone(row[2], lang)
        if title == "confirmed":
            lines.append(t(lang, "notices.line_confirmed", who=who, at=clock_text(row[3], ctx)))
        elif title == "waiting":
            lines.append(t(lang, "notices.line_missing", who=who, phone=phone))
        else:
            why = t(lang, f"notices.reach_{row[3]}")
            lines.append(t(lang, "notices.line_unreachable", who=who, why=why, phone=phone))
    if more:
        lines.append(t(lang, "notices.line_more", count=more))


def _tracking_state(p: NoticeTracking, ctx: RenderContext) -> list[str]:
    """The tracking's closing lines: changed when, and what happens next."""
    lang = ctx.lang
    lines = []
    if p.version > 1 and p.change:
        at = clock_text(p.changed_at, ctx)
        lines.append(t(lang, "notices.tracking_changed_to", at=at, change=p.change))
    elif p.version > 1:
        lines.append(t(lang, "notices.tracking_changed", at=clock_text(p.changed_at, ctx)))
    if p.confirmed_count == p.total:
        lines.append(t(lang, "notices.tracking_all_done"))
    elif p.missing_reported and p.max_resends == 0:
        lines.append(t(lang, "notices.tracking_reported_once"))
    elif p.missing_reported:
        lines.append(t(lang, "notices.tracking_reported"))
    elif p.max_resends == 0:
        key = "notices.tracking_digest_meeting" if p.meeting_at else "notices.tracking_digest"
        lines.append(t(lang, key, at=_when(p.next_at, ctx)))
    elif p.next_at:
        lines.append(
            t(
                lang,
                "notices.tracking_next",
                done=p.resends,
                max=p.max_resends,
                at=_when(p.next_at, ctx),
            )
        )
    return lines


def notice_tracking(p: NoticeTracking, ctx: RenderContext) -> Rendered:
    """The sender's one tracking message: counts, who confirmed when, who is missing with a
    phone to call, who cannot be reached and how to fix that."""
    lang = ctx.lang
    lines = [
        t(
            lang,
            "notices.tracking_title",
            number=p.number,
            confirmed=p.confirmed_count,
            total=p.total,
        ),
        t(lang, "notices.tracking_text", text=snippet(p.text, 80)),
    ]
    if p.meeting_at:
        lines.append(t(lang, "notices.meeting_line", when=_when(p.meeting_at, ctx)))
    _section(lines, ctx, "confirmed", p.confirmed_count, p.confirmed, p.more_confirmed)
    _section(lines, ctx, "waiting", p.waiting_count, p.waiting, p.more_waiting)
    _section(lines, ctx, "unreachable", p.unreachable_count, p.unreachable, p.more_unreachable)
    if p.status == "cancelled":
        lines.append(t(lang, "notices.tracking_cancelled", at=clock_text(p.cancelled_at, ctx)))
        return Rendered("\n".join(lines))
    lines.extend(_tracking_state(p, ctx))
    buttons = (
        (
            Button("notices.btn_change", callbacks.build(Verb.CHANGE, p.number)),
            Button("notices.btn_cancel", callbacks.build(Verb.ASK_CANCEL, p.number)),
        ),
    )
    return Rendered("\n".join(lines), buttons)


def tracking_cancel_question(p: NoticeTracking, ctx: RenderContext) -> Rendered:
    """The tracking message asking "really cancel?" (a notice cancelled by mistake would have
    to be sent again to everyone)."""
    base = notice_tracking(p, ctx)
    text = base.text + "\n\n" + t(ctx.lang, "notices.cancel_question", number=p.number)
    return Rendered(
        text,
        (
            (
                Button("notices.btn_cancel_yes", callbacks.build(Verb.CANCEL, p.number)),
                Button("notices.btn_back", callbacks.build(Verb.BACK, p.number)),
            ),
        ),
    )


# ----- reports and reminders -------------------------------------------------------------------
def notice_missing(p: NoticeMissing, ctx: RenderContext) -> Rendered:
    """To the sender: resends are spent (or the meeting is near) and these people are missing."""
    lang = ctx.lang
    key = "notices.missing_meeting" if p.meeting_near else "notices.missing_title"
    if not p.meeting_near and p.resends == 0:
        key = "notices.missing_after_digest"  # not sent again: the digests have said it
    lines = [
        t(
            lang,
            key,
            number=p.number,
            count=p.count,
            resends=p.resends,
            text=snippet(p.text),
        )
    ]
    for row in p.people:
        why = t(lang, f"notices.reach_{row[3]}") if row[3] != "private" else ""
        lines.append(
            t(
                lang,
                "notices.line_missing_report",
                who=_person(row, lang),
                phone=_phone(row[2], lang),
                why=why,
            )
        )
    if p.more:
        lines.append(t(lang, "notices.line_more", count=p.more))
    lines.append(t(lang, "notices.missing_hint", number=p.number))
    return Rendered("\n".join(lines))


def notice_meeting(p: MeetingSoon, ctx: RenderContext) -> Rendered:
    """会议即将开始, to a confirmer (or, with mentions, in the group for those confirmed there)."""
    lang = ctx.lang
    lines = [
        t(lang, "notices.meeting_soon", number=p.number, when=_when(p.meeting_at, ctx)),
        t(lang, "notices.body", text=p.text),
        *(t(lang, "notices.change_line", text=change) for change in p.changes),
    ]
    mentions = _mentions(p.mentions)
    if mentions:
        lines.append(Safe(" ".join(mentions)))
    return Rendered("\n".join(lines))


def notice_cancelled(p: NoticeCancelled, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    return Rendered(
        "\n".join(
            [
                t(lang, "notices.cancelled", number=p.number, who=p.who),
                t(lang, "notices.cancelled_text", text=p.text),
                *(t(lang, "notices.change_line", text=change) for change in p.changes),
            ]
        )
    )


# ----- /notices, /notice change, /export notice ------------------------------------------------
def notice_list(items: Sequence[ListLine], ctx: RenderContext) -> str:
    """/notices: the recent ones, newest first (or that there are none)."""
    lang = ctx.lang
    if not items:
        return t(lang, "notices.list_empty")
    lines = [t(lang, "notices.list_header", count=len(items))]
    for n in items:
        key = "notices.list_line_cancelled" if n.cancelled else "notices.list_line"
        lines.append(
            t(
                lang,
                key,
                number=n.number,
                when=format_when(n.created_at, lang, ctx.tz, ctx.now),
                confirmed=n.confirmed,
                total=n.total,
                text=snippet(n.text, 30),
            )
        )
    return "\n".join(lines)


def change_prompt(number: int, lang: Lang) -> str:
    """The question a reply to which is the notice's new text (recognised by `prompt_number`)."""
    return html.escape(t_plain(lang, "notices.prompt_change", number=number), quote=False)


def prompt_number(text: str) -> int | None:
    """Recognise our change prompt from its text (in any language): its notice number."""
    for lang in LANGS:
        pattern = re.escape(t_plain(lang, "notices.prompt_change", number=0)).replace(
            "0", r"(\d{1,9})", 1
        )
        m = re.fullmatch(pattern, text.strip())
        if m is not None:
            return int(m.group(1))
    return None


def export_csv(rows: Sequence[ExportRow], lang: Lang, tz: ZoneInfo) -> bytes:
    """The full confirmation list: name, username, phone, status, confirmed at. UTF-8 with
    a BOM, which is what Excel needs to open Chinese text correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        [
            t_plain(lang, f"notices.csv_{k}")
            for k in ("name", "username", "phone", "status", "confirmed_at")
        ]
    )
    for r in rows:
        at = ""
        if r.confirmed_at is not None:
            status = t_plain(lang, "notices.status_confirmed")
            at = r.confirmed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        elif r.reach == "private":
            status = t_plain(lang, "notices.status_waiting")
        else:
            why = t_plain(lang, f"notices.reach_{r.reach}")
            status = t_plain(lang, "notices.status_unreachable", why=why)
        writer.writerow([r.name, f"@{r.username}" if r.username else "", r.phone or "", status, at])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# The message kinds this feature sends (the composition root hands them to the Renderer).
def missing_item(p: NoticeMissing, ctx: RenderContext) -> Item:
    """The report of who is missing, as a line of a message that says several things
    (bot/core/bundling.py): whom to phone, with their phones."""
    lang = ctx.lang
    people = "；".join(
        t(lang, "notices.item_person", who=_person(row, lang), phone=_phone(row[2], lang))
        for row in p.people
    )
    more = t(lang, "notices.item_more", count=p.more) if p.more else ""
    text = t(
        lang,
        "notices.item_missing",
        number=p.number,
        text=snippet(p.text),
        people=Safe(people + more),
    )
    return Item("notices.bundle_missing", text)


MESSAGES: tuple[MessageKind[Any], ...] = (
    MessageKind(NoticeCard, notice),
    MessageKind(NoticeGroupPost, notice_group),
    MessageKind(NoticeTracking, notice_tracking),
    MessageKind(NoticeMissing, notice_missing, missing_item),
    MessageKind(MeetingSoon, notice_meeting),
    MessageKind(NoticeCancelled, notice_cancelled),
)
