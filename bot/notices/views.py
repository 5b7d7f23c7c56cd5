"""How notices read (pure): the notice with its 收到 button, the group post, the sender's
tracking message, reports and reminders. Params are JSON-able snapshots made by the notice
service, so an entry waiting in the outbox renders the same after a restart.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from bot.core.fmt import format_when
from bot.core.i18n import Safe, t
from bot.core.models import Button
from bot.core.render import MessageKind, RenderContext, Rendered, untyped

# How much of a notice's text a list line or the tracking message quotes.
SNIPPET = 40


def _when(iso: str | None, ctx: RenderContext) -> str:
    if not iso:
        return ""
    return format_when(datetime.fromisoformat(iso), ctx.lang, ctx.tz, ctx.now)


def clock_text(iso: str | None, ctx: RenderContext) -> str:
    """A confirmation time: `10:05` today, else with its day."""
    if not iso:
        return ""
    when = datetime.fromisoformat(iso)
    local = when.astimezone(ctx.tz)
    if local.date() == ctx.now.astimezone(ctx.tz).date():
        return local.strftime("%H:%M")
    return format_when(when, ctx.lang, ctx.tz, ctx.now)


def snippet(text: str, limit: int = SNIPPET) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def confirm_button(number: int, version: int) -> Button:
    return Button("notices.btn_confirm", f"n:ok:{number}:{version}")


def _mention(uid: int, name: str) -> str:
    return f'<a href="tg://user?id={uid}">{html.escape(name, quote=False)}</a>'


def _phone(phone: str | None, lang: Any) -> Safe:
    return Safe(t(lang, "notices.phone", phone=phone) if phone else t(lang, "notices.no_phone"))


def notice_lines(params: dict[str, Any], ctx: RenderContext) -> list[str]:
    """The notice itself: heading, text, meeting time, sender."""
    lang = ctx.lang
    kind = params.get("kind", "notice")
    heading = {
        "resend": "notices.heading_resend",
        "changed": "notices.heading_changed",
        "group_changed": "notices.heading_changed",
    }.get(kind, "notices.heading")
    lines = [
        t(lang, heading, number=params["number"], round=params.get("round", 0)),
        t(lang, "notices.body", text=params["text"]),
    ]
    if params.get("urgent"):
        lines.append(t(lang, "notices.urgent"))
    if params.get("meeting_at"):
        lines.append(t(lang, "notices.meeting_line", when=_when(params["meeting_at"], ctx)))
    lines.append(t(lang, "notices.from", name=params["sender_name"]))
    return lines


def notice(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """A notice for one recipient, with its 收到 button."""
    lines = notice_lines(params, ctx)
    lines.append(t(ctx.lang, "notices.please_confirm"))
    button = confirm_button(params["number"], params["version"])
    return Rendered("\n".join(lines), ((button,),))


def notice_state(params: dict[str, Any], ctx: RenderContext, state: str, at: str | None) -> str:
    """A recipient's notice after a press: confirmed at what time / cancelled / changed."""
    lines = notice_lines(params, ctx)
    lines.append(t(ctx.lang, f"notices.state_{state}", at=clock_text(at, ctx)))
    return "\n".join(lines)


def notice_group(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """The notice posted in the group it was sent from; people the bot cannot write to
    privately are mentioned so Telegram notifies them."""
    lang = ctx.lang
    lines = notice_lines(params, ctx)
    mentions = [_mention(int(uid), str(name)) for uid, name in params.get("mentions", [])]
    if mentions:
        lines.append(t(lang, "notices.group_mentions", names=Safe(" ".join(mentions))))
    lines.append(t(lang, "notices.group_confirm", count=params.get("total", 0)))
    button = confirm_button(params["number"], params["version"])
    return Rendered("\n".join(lines), ((button,),))


def _person(row: list[Any], lang: Any) -> Safe:
    """`name (@username)` as safe HTML."""
    name, username = str(row[0]), row[1]
    if username:
        return Safe(t(lang, "notices.who_at", name=name, username=username))
    return Safe(html.escape(name, quote=False))


def notice_tracking(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """The sender's one tracking message: counts, who confirmed when, who is missing with a
    phone to call, who cannot be reached and how to fix that."""
    lang = ctx.lang
    number = params["number"]
    lines = [
        t(
            lang,
            "notices.tracking_title",
            number=number,
            confirmed=params["confirmed_count"],
            total=params["total"],
        ),
        t(lang, "notices.tracking_text", text=snippet(params["text"], 80)),
    ]
    if params.get("meeting_at"):
        lines.append(t(lang, "notices.meeting_line", when=_when(params["meeting_at"], ctx)))
    confirmed = params.get("confirmed", [])
    if confirmed:
        lines.append(t(lang, "notices.tracking_confirmed", count=params["confirmed_count"]))
        for row in confirmed:
            lines.append(
                t(
                    lang,
                    "notices.line_confirmed",
                    who=_person(row, lang),
                    at=clock_text(row[3], ctx),
                )
            )
        if params.get("more_confirmed"):
            lines.append(t(lang, "notices.line_more", count=params["more_confirmed"]))
    waiting = params.get("waiting", [])
    if waiting:
        lines.append(t(lang, "notices.tracking_waiting", count=params["waiting_count"]))
        for row in waiting:
            lines.append(
                t(
                    lang,
                    "notices.line_missing",
                    who=_person(row, lang),
                    phone=_phone(row[2], lang),
                )
            )
        if params.get("more_waiting"):
            lines.append(t(lang, "notices.line_more", count=params["more_waiting"]))
    unreachable = params.get("unreachable", [])
    if unreachable:
        link = f"https://t.me/{ctx.bot_username or 'officebot'}?start=hi"
        lines.append(
            t(
                lang,
                "notices.tracking_unreachable",
                count=params["unreachable_count"],
                link=link,
            )
        )
        for row in unreachable:
            lines.append(
                t(
                    lang,
                    "notices.line_unreachable",
                    who=_person(row, lang),
                    why=t(lang, f"notices.reach_{row[3]}"),
                    phone=_phone(row[2], lang),
                )
            )
        if params.get("more_unreachable"):
            lines.append(t(lang, "notices.line_more", count=params["more_unreachable"]))
    if params.get("status") == "cancelled":
        lines.append(
            t(lang, "notices.tracking_cancelled", at=clock_text(params.get("cancelled_at"), ctx))
        )
        return Rendered("\n".join(lines))
    if params.get("version", 1) > 1:
        lines.append(
            t(lang, "notices.tracking_changed", at=clock_text(params.get("changed_at"), ctx))
        )
    if params["confirmed_count"] == params["total"]:
        lines.append(t(lang, "notices.tracking_all_done"))
    elif params.get("missing_reported"):
        lines.append(t(lang, "notices.tracking_reported"))
    elif params.get("next_at"):
        lines.append(
            t(
                lang,
                "notices.tracking_next",
                done=params.get("resends", 0),
                max=params.get("max_resends", 3),
                at=_when(params["next_at"], ctx),
            )
        )
    buttons = (
        (
            Button("notices.btn_change", f"n:ch:{number}"),
            Button("notices.btn_cancel", f"n:cx:{number}"),
        ),
    )
    return Rendered("\n".join(lines), buttons)


def tracking_cancel_question(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """The tracking message asking "really cancel?" (a notice cancelled by mistake would have
    to be sent again to everyone)."""
    base = notice_tracking(params, ctx)
    number = params["number"]
    text = base.text + "\n\n" + t(ctx.lang, "notices.cancel_question", number=number)
    return Rendered(
        text,
        (
            (
                Button("notices.btn_cancel_yes", f"n:cxy:{number}"),
                Button("notices.btn_back", f"n:bk:{number}"),
            ),
        ),
    )


def notice_missing(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """To the sender: resends are spent (or the meeting is near) and these people are missing."""
    lang = ctx.lang
    key = "notices.missing_meeting" if params.get("meeting_near") else "notices.missing_title"
    lines = [
        t(
            lang,
            key,
            number=params["number"],
            count=params["count"],
            resends=params.get("resends", 0),
            text=snippet(params["text"]),
        )
    ]
    for row in params.get("people", []):
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
    if params.get("more"):
        lines.append(t(lang, "notices.line_more", count=params["more"]))
    lines.append(t(lang, "notices.missing_hint", number=params["number"]))
    return Rendered("\n".join(lines))


def notice_meeting(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """会议即将开始, to a confirmer (or, with mentions, in the group for those confirmed there)."""
    lang = ctx.lang
    lines = [
        t(
            lang,
            "notices.meeting_soon",
            number=params["number"],
            when=_when(params.get("meeting_at"), ctx),
        ),
        t(lang, "notices.body", text=params["text"]),
    ]
    mentions = [_mention(int(uid), str(name)) for uid, name in params.get("mentions", [])]
    if mentions:
        lines.append(Safe(" ".join(mentions)))
    return Rendered("\n".join(lines))


def notice_cancelled(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    return Rendered(
        "\n".join(
            [
                t(lang, "notices.cancelled", number=params["number"], who=params["who"]),
                t(lang, "notices.cancelled_text", text=params["text"]),
            ]
        )
    )


def list_line(params: dict[str, Any], ctx: RenderContext) -> str:
    """One line of /notices."""
    key = "notices.list_line_cancelled" if params["status"] == "cancelled" else "notices.list_line"
    return t(
        ctx.lang,
        key,
        number=params["number"],
        when=_when(params["created_at"], ctx),
        confirmed=params["confirmed"],
        total=params["total"],
        text=snippet(params["text"], 30),
    )


# The message kinds this feature sends (the composition root hands them to the Renderer).
MESSAGES: tuple[MessageKind[Any], ...] = (
    untyped("notice", notice),
    untyped("notice_group", notice_group),
    untyped("notice_tracking", notice_tracking),
    untyped("notice_missing", notice_missing),
    untyped("notice_meeting", notice_meeting),
    untyped("notice_cancelled", notice_cancelled),
)
