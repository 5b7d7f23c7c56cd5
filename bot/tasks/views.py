"""How tasks read (pure): cards, confirmations, receipts and reports; the outbox templates.

Params are JSON-able snapshots made by the task service (`card_params`), so an entry waiting
in the outbox renders the same after a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.config import Lang
from bot.core.fmt import format_when, priority_label
from bot.core.i18n import Safe, t
from bot.core.models import Button
from bot.core.render import MessageKind, RenderContext, Rendered, untyped
from bot.tasks.models import Priority

PAGE_SIZE = 10


def _due_text(params: dict[str, Any], ctx: RenderContext) -> str:
    due = params.get("due")
    if not due:
        return t(ctx.lang, "fmt.no_due")
    return format_when(datetime.fromisoformat(due), ctx.lang, ctx.tz, ctx.now)


def _recurrence_text(rule: str | None, lang: Lang) -> str | None:
    if not rule:
        return None
    try:
        from bot.core.recurrence import describe_recurrence

        return describe_recurrence(rule, lang)
    except (ValueError, KeyError):  # an unknown rule must not stop a card from rendering
        return rule


def card_lines(
    params: dict[str, Any], ctx: RenderContext, *, heading: str = "tasks.card_title"
) -> list[str]:
    """The body of a task as its people read it."""
    lang = ctx.lang
    lines = [t(lang, heading, number=params["number"], title=params["title"])]
    if params.get("assigner_name"):
        lines.append(t(lang, "tasks.card_assigner", name=params["assigner_name"]))
    if params.get("assignee_names"):
        lines.append(t(lang, "tasks.card_assignees", names="、".join(params["assignee_names"])))
    lines.append(t(lang, "tasks.card_due", due=_due_text(params, ctx)))
    prio = Priority(params.get("priority", "normal"))
    if prio != Priority.NORMAL:
        lines.append(t(lang, "tasks.card_priority", priority=priority_label(prio, lang)))
    rec = _recurrence_text(params.get("recurrence"), lang)
    if rec:
        lines.append(t(lang, "tasks.card_recurrence", rule=rec))
    if params.get("kind") == "reminder":
        lines.append(t(lang, "tasks.card_is_reminder"))
    return lines


def work_buttons(number: int, *, acked: bool = False) -> tuple[tuple[Button, ...], ...]:
    """收到 完成 / 推迟 转交 办不了 — what an assignee can do."""
    first = (
        (Button("tasks.btn_done", f"t:done:{number}"),)
        if acked
        else (
            Button("tasks.btn_ack", f"t:ack:{number}"),
            Button("tasks.btn_done", f"t:done:{number}"),
        )
    )
    return (
        first,
        (
            Button("tasks.btn_snooze", f"t:snz:{number}"),
            Button("tasks.btn_hand", f"t:hand:{number}"),
            Button("tasks.btn_cannot", f"t:cant:{number}"),
        ),
    )


def status_line(params: dict[str, Any], ctx: RenderContext) -> str | None:
    status = params.get("status")
    at = params.get("status_at")
    if not status or status in ("open",):
        return None
    when = format_when(datetime.fromisoformat(at), ctx.lang, ctx.tz, ctx.now) if at else ""
    return t(ctx.lang, f"tasks.state_{status}", at=when)


def task_created(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """The one confirmation where a task was made."""
    lang = ctx.lang
    lines = card_lines(params, ctx, heading="tasks.created_title")
    for username in params.get("pending", []):
        link = f"https://t.me/{ctx.bot_username or 'officebot'}?start=hi"
        lines.append(t(lang, "tasks.pending_user", username=username, link=link))
    number = params["number"]
    buttons: list[tuple[Button, ...]] = []
    if params.get("self_task"):
        buttons.extend(work_buttons(number, acked=True))
    buttons.append(
        (Button("tasks.btn_undo", f"t:undo:{number}"), Button("tasks.btn_due", f"t:due:{number}"))
    )
    return Rendered("\n".join(lines), tuple(buttons))


def task_assigned(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """A new task for its assignee, with the buttons to work it."""
    lines = card_lines(params, ctx, heading=params.get("heading", "tasks.assigned_title"))
    if params.get("from_name"):
        lines.append(t(ctx.lang, "tasks.card_from", name=params["from_name"]))
    if params.get("note"):
        lines.append(t(ctx.lang, "tasks.card_note", note=params["note"]))
    return Rendered("\n".join(lines), work_buttons(params["number"]))


def task_receipt(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    at = format_when(datetime.fromisoformat(params["at"]), ctx.lang, ctx.tz, ctx.now)
    return Rendered(
        t(
            ctx.lang,
            "tasks.receipt",
            number=params["number"],
            title=params["title"],
            who=params["who"],
            at=at,
        )
    )


def task_done(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    key = "tasks.done_all" if params.get("all_done") else "tasks.done_part"
    lines = [
        t(
            lang,
            key,
            number=params["number"],
            title=params["title"],
            who=params["who"],
            progress=params.get("progress", ""),
        )
    ]
    if params.get("note"):
        lines.append(t(lang, "tasks.card_note", note=params["note"]))
    return Rendered("\n".join(lines))


def task_cannot(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """The report back when a task cannot be done, with the assigner's choices."""
    n = params["number"]
    text = t(
        ctx.lang,
        "tasks.cannot_report",
        number=n,
        title=params["title"],
        who=params["who"],
        report=params["report"],
    )
    buttons = (
        (Button("tasks.btn_reassign", f"t:re:{n}"),),
        (Button("tasks.btn_cancel", f"t:cx:{n}"), Button("tasks.btn_keep", f"t:kp:{n}")),
    )
    return Rendered(text, buttons)


def task_progress(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    return Rendered(
        t(
            ctx.lang,
            "tasks.progress",
            number=params["number"],
            title=params["title"],
            who=params["who"],
            text=params["text"],
        )
    )


def task_handed(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    """Who has a task now: handed over by an assignee, or reassigned by the assigner (`by`)."""
    key = "tasks.reassigned_notice" if params.get("by") else "tasks.handed"
    values = {k: params[k] for k in ("number", "title", "giver", "taker")}
    return Rendered(t(ctx.lang, key, by=params.get("by", ""), **values))


def task_cancelled(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    return Rendered(
        t(
            ctx.lang,
            "tasks.cancelled_notice",
            number=params["number"],
            title=params["title"],
            who=params["who"],
        )
    )


def task_due_changed(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    return Rendered(
        t(
            ctx.lang,
            "tasks.due_changed_notice",
            number=params["number"],
            title=params["title"],
            who=params["who"],
            due=_due_text(params, ctx),
        )
    )


def task_nudge(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    lines = [t(ctx.lang, "tasks.nudge_notice", who=params["who"])]
    lines += card_lines(params, ctx)
    return Rendered(
        "\n".join(lines), work_buttons(params["number"], acked=bool(params.get("acked")))
    )


def task_ask_reassign(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    n = params["number"]
    text = t(
        ctx.lang, "tasks.ask_reassign_notice", number=n, title=params["title"], who=params["who"]
    )
    rows = picker_rows(params.get("candidates", []), f"t:ra:{n}")
    rows.append((Button("tasks.btn_cancel", f"t:cx:{n}"), Button("tasks.btn_keep", f"t:kp:{n}")))
    return Rendered(text, tuple(rows))


def unreachable(params: dict[str, Any], ctx: RenderContext) -> Rendered:
    link = f"https://t.me/{ctx.bot_username or 'officebot'}?start=hi"
    key = "tasks.unreachable_task" if params.get("task_number") else "tasks.unreachable"
    return Rendered(
        t(ctx.lang, key, name=params["name"], number=params.get("task_number") or "", link=link)
    )


def picker_rows(candidates: list[list[Any]], prefix: str) -> list[tuple[Button, ...]]:
    """Buttons to pick a person: candidates are [user_id, name] pairs, two per row."""
    rows: list[tuple[Button, ...]] = []
    row: list[Button] = []
    for uid, name in candidates[:12]:
        row.append(Button("tasks.btn_person", f"{prefix}:{uid}", {"name": name}))
        if len(row) == 2:
            rows.append(tuple(row))
            row = []
    if row:
        rows.append(tuple(row))
    return rows


def queue_line(params: dict[str, Any], ctx: RenderContext) -> str:
    """One line of /my: `#n title · due · from X`."""
    parts = [t(ctx.lang, "tasks.line_head", number=params["number"], title=params["title"])]
    if params.get("overdue"):
        parts.append(t(ctx.lang, "tasks.line_overdue"))
    prio = Priority(params.get("priority", "normal"))
    if prio in (Priority.URGENT, Priority.HIGH):
        parts.append(priority_label(prio, ctx.lang))
    if params.get("due"):
        parts.append(_due_text(params, ctx))
    if params.get("assigner_name"):
        parts.append(t(ctx.lang, "tasks.line_from", name=params["assigner_name"]))
    return " · ".join(parts)


def card_with_state(params: dict[str, Any], ctx: RenderContext, *, buttons: bool) -> Rendered:
    """A task card as it stands now, for edits after a button press."""
    lines = card_lines(params, ctx)
    state = status_line(params, ctx)
    if state:
        lines.append(state)
    if not buttons or params.get("status") in ("done", "cancelled", "cannot"):
        return Rendered("\n".join(lines))
    return Rendered(
        "\n".join(lines),
        work_buttons(params["number"], acked=params.get("status") == "acknowledged"),
    )


def plain(lang: Lang, key: str, **values: Any) -> Rendered:
    return Rendered(t(lang, key, **values))


__all__ = [
    "PAGE_SIZE",
    "Safe",
    "card_lines",
    "card_with_state",
    "picker_rows",
    "plain",
    "queue_line",
]


# The message kinds this feature sends (the composition root hands them to the Renderer).
MESSAGES: tuple[MessageKind[Any], ...] = (
    untyped("task_created", task_created),
    untyped("task_assigned", task_assigned),
    untyped("task_receipt", task_receipt),
    untyped("task_done", task_done),
    untyped("task_cannot", task_cannot),
    untyped("task_progress", task_progress),
    untyped("task_handed", task_handed),
    untyped("task_cancelled", task_cancelled),
    untyped("task_due_changed", task_due_changed),
    untyped("task_nudge", task_nudge),
    untyped("task_ask_reassign", task_ask_reassign),
    untyped("unreachable", unreachable),
)
