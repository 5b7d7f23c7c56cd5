"""How reminders, digests and weekly summaries read (pure): the outbox templates.

Params are JSON snapshots made by the scheduler; durations ("overdue 2 hours") are measured at
render time, so an entry that waited in the outbox still says the truth when it goes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.core.config import Lang
from bot.core.fmt import format_date, format_when, priority_label
from bot.core.i18n import t
from bot.core.models import Button
from bot.core.render import MessageKind, RenderContext, Rendered, untyped
from bot.tasks.models import Priority
from bot.tasks.views import card_lines, work_buttons


def duration(lang: Lang, delta: timedelta) -> str:
    """A rough length of time: 25 分钟 / 3 小时 / 2 天 (en: 25 min / 3 h / 2 days)."""
    minutes = max(int(delta.total_seconds() // 60), 1)
    if minutes < 60:
        return t(lang, "reminders.dur_minutes", n=minutes)
    hours = round(minutes / 60)
    if hours < 48:
        return t(lang, "reminders.dur_hours", n=hours)
    return t(lang, "reminders.dur_days", n=round(hours / 24))


def _due(params: dict[str, Any], ctx: RenderContext) -> str:
    due = params.get("due")
    if not due:
        return t(ctx.lang, "fmt.no_due")
    return format_when(datetime.fromisoformat(due), ctx.lang, ctx.tz, ctx.now)


def _late(params: dict[str, Any], lang: Lang) -> str:
    return t(lang, "reminders.late") if params.get("late") else ""


def _buttons(params: dict[str, Any]) -> tuple[tuple[Button, ...], ...]:
    number = params["number"]
    if params.get("kind") == "reminder":
        return (
            (
                Button("reminders.btn_got_it", f"t:done:{number}"),
                Button("tasks.btn_snooze", f"t:snz:{number}"),
            ),
        )
    return work_buttons(number, acked=bool(params.get("acked")))


def _nudge(params: dict[str, Any]) -> tuple[tuple[Button, ...], ...]:
    number = params["number"]
    return ((Button("tasks.btn_nudge", f"t:nudge:{number}", {"number": number}),),)


def rem_before(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """Ahead of the due time; for a reminder with remind_before, the reminder itself."""
    lang = ctx.lang
    left = duration(lang, datetime.fromisoformat(params["due"]) - ctx.now)
    if params.get("kind") == "reminder":
        head = t(
            lang,
            "reminders.starting_soon",
            title=params["title"],
            due=_due(params, ctx),
            left=left,
            number=params["number"],
        )
        return Rendered(_late(params, lang) + head, _buttons(params))
    head = t(lang, "reminders.before", number=params["number"], due=_due(params, ctx), left=left)
    lines = [_late(params, lang) + head, *card_lines(params, ctx)]
    return Rendered("\n".join(lines), _buttons(params))


def rem_due(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """At the due time: the reminder itself, or "due now" for a task."""
    lang = ctx.lang
    if params.get("kind") == "reminder":
        head = t(
            lang,
            "reminders.reminder",
            title=params["title"],
            due=_due(params, ctx),
            number=params["number"],
        )
        return Rendered(_late(params, lang) + head, _buttons(params))
    head = t(lang, "reminders.due_now", number=params["number"], due=_due(params, ctx))
    lines = [_late(params, lang) + head, *card_lines(params, ctx)]
    return Rendered("\n".join(lines), _buttons(params))


def rem_nag(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """Overdue, again: with the buttons that end it (完成 / 推迟 / 办不了)."""
    lang = ctx.lang
    ago = duration(lang, ctx.now - datetime.fromisoformat(params["due"]))
    lines = [
        t(lang, "reminders.overdue", number=params["number"], ago=ago),
        *card_lines(params, ctx),
        t(lang, "reminders.overdue_hint"),
    ]
    return Rendered("\n".join(lines), _buttons(params))


def rem_escalate(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """To the assigner: their task is overdue with these people."""
    lang = ctx.lang
    ago = duration(lang, ctx.now - datetime.fromisoformat(params["due"]))
    text = t(
        lang,
        "reminders.escalate",
        number=params["number"],
        title=params["title"],
        ago=ago,
        names="、".join(params.get("names", [])),
        due=_due(params, ctx),
    )
    return Rendered(text, _nudge(params))


def rem_ack_resend(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """The task card once more, for an assignee who has not pressed 收到."""
    lines = card_lines(params, ctx, heading="reminders.ack_resend_title")
    return Rendered("\n".join(lines), _buttons(params))


def rem_ack_escalate(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """To the assigner: someone has not acknowledged their task."""
    lang = ctx.lang
    ago = duration(lang, ctx.now - datetime.fromisoformat(params["since"]))
    text = t(
        lang,
        "reminders.ack_escalate",
        number=params["number"],
        title=params["title"],
        name=params["name"],
        ago=ago,
    )
    return Rendered(text, _nudge(params))


# ----- digests ----------------------------------------------------------------------------------
def _item_line(item: dict[str, Any], ctx: RenderContext) -> str:
    parts = [t(ctx.lang, "reminders.item", number=item["number"], title=item["title"])]
    prio = Priority(item.get("priority", "normal"))
    if prio in (Priority.URGENT, Priority.HIGH):
        parts.append(priority_label(prio, ctx.lang))
    if item.get("due"):
        parts.append(t(ctx.lang, "reminders.item_due", due=_due(item, ctx)))
    return " · ".join(parts)


def _day(params: dict[str, Any], ctx: RenderContext, key: str) -> str:
    d = date.fromisoformat(params[key])
    return format_date(datetime(d.year, d.month, d.day, 12, tzinfo=ctx.tz), ctx.lang, ctx.tz)


def digest(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """The morning digest: sections grouped by assigner, then what the reader handed out."""
    lang = ctx.lang
    day = _day(params, ctx, "day")
    head = _late(params, lang) + t(lang, "reminders.digest_title", day=day)
    if params.get("empty"):
        return Rendered(head + "\n" + t(lang, "reminders.digest_empty"))
    lines = [head]
    for section in params.get("sections", []):
        lines.append("")
        lines.append(t(lang, f"reminders.section_{section['key']}", count=section["count"]))
        for group in section["groups"]:
            if group.get("self"):
                lines.append(t(lang, "reminders.group_self"))
            else:
                lines.append(t(lang, "reminders.group_from", name=group["assigner"]))
            lines.extend("    " + _item_line(item, ctx) for item in group["items"])
    handed = params.get("handed", [])
    if handed:
        lines.append("")
        lines.append(t(lang, "reminders.section_handed", count=len(handed)))
        for item in handed:
            lines.append("  " + _item_line(item, ctx))
            for name, state in item.get("people", []):
                lines.append(
                    "    "
                    + t(
                        lang,
                        "reminders.person_state",
                        name=name,
                        state=t(lang, f"tasks.astate_{state}"),
                    )
                )
    if params.get("undated"):
        lines.append("")
        lines.append(t(lang, "reminders.undated", count=params["undated"]))
    return Rendered("\n".join(lines))


def week(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """The weekly summary (总结): done this week, still open, and what the reader handed out."""
    lang = ctx.lang
    head = t(lang, "reminders.week_title", day=_day(params, ctx, "start"))
    if params.get("empty"):
        return Rendered(head + "\n" + t(lang, "reminders.week_empty"))
    lines = [head]
    done = params.get("done", [])
    lines.append("")
    lines.append(t(lang, "reminders.week_done", count=len(done)))
    lines.extend("  " + _item_line(item, ctx) for item in done[:30])
    still = params.get("open", [])
    lines.append("")
    lines.append(t(lang, "reminders.week_open", count=len(still)))
    lines.extend("  " + _item_line(item, ctx) for item in still[:30])
    if params.get("handed_done") or params.get("handed_open"):
        lines.append("")
        lines.append(
            t(
                lang,
                "reminders.week_handed",
                done=params.get("handed_done", 0),
                open=params.get("handed_open", 0),
            )
        )
    return Rendered("\n".join(lines))


__all__ = ["duration"]


# The message kinds this feature sends (the composition root hands them to the Renderer).
MESSAGES: tuple[MessageKind[Any], ...] = (
    untyped("rem_before", rem_before),
    untyped("rem_due", rem_due),
    untyped("rem_nag", rem_nag),
    untyped("rem_escalate", rem_escalate),
    untyped("rem_ack_resend", rem_ack_resend),
    untyped("rem_ack_escalate", rem_ack_escalate),
    untyped("digest", digest),
    untyped("week", week),
)
