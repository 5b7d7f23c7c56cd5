"""What the bot shows the person acting (pure): menus that replace a card's buttons, the lists
(/my, /next, /assigned, /tasks), the questions it asks (ForceReply prompts, confirmations) and
its answers to what was done — each with buttons from the codec (bot/tasks/callbacks.py).

Messages put in the outbox for others are in bot/tasks/views.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.config import LANGS, Lang
from bot.core.fmt import format_when, priority_label
from bot.core.i18n import t, t_plain
from bot.core.models import Button
from bot.core.paging import shorten
from bot.core.render import RenderContext, Rendered
from bot.parsing import ParseError
from bot.tasks import callbacks
from bot.tasks.callbacks import Flag, PagePress, SavePress, TaskPress, Verb
from bot.tasks.models import Priority
from bot.tasks.rules import Page, Prompt, SnoozeOption, TaskRefused, Urgency, number_in
from bot.tasks.views import Card, Colleague, button, card_with_state, picker_rows

_SNOOZE_LABELS = {
    SnoozeOption.HOUR: "tasks.snz_1h",
    SnoozeOption.AFTERNOON: "tasks.snz_pm",
    SnoozeOption.TOMORROW: "tasks.snz_tam",
    SnoozeOption.MONDAY: "tasks.snz_mon",
}
Rows = tuple[tuple[Button, ...], ...]
LIST_TITLE = 200  # characters of a title shown in a list line (/my, /assigned, /tasks)


# ----- menus --------------------------------------------------------------------------------
def snooze_menu(
    number: int,
    options: Sequence[SnoozeOption],
    *,
    rev: int | None = None,
    extend: bool = False,
) -> Rows:
    """推迟 to when: the times on offer, a typed time, 申请延期 (when the task has a deadline
    that is someone else's), and back to the card."""
    times = [
        Button(_SNOOZE_LABELS[o], callbacks.build(TaskPress(Verb.SNOOZE, number, rev, option=o)))
        for o in options
    ]
    rows = [row for row in (tuple(times[:2]), tuple(times[2:])) if row]
    if extend:
        rows.append((button("tasks.btn_extend", Verb.EXTEND, number, rev=rev),))
    rows.append(
        (
            button("tasks.snz_custom", Verb.SNOOZE_TYPED, number, rev=rev),
            button("tasks.btn_back", Verb.BACK, number, rev=rev),
        )
    )
    return tuple(rows)


def hand_menu(
    number: int, colleagues: Sequence[Colleague], *, rev: int | None = None, own: bool = False
) -> Rows:
    """转交 to whom (an assignee): colleagues, 请示另安排 (not on one's own note), a typed
    @username, back."""
    rows = picker_rows(colleagues, Verb.HAND, number, rev=rev)
    if not own:
        rows.append((button("tasks.btn_ask_reassign", Verb.ASK_REASSIGN, number, rev=rev),))
    rows.append(
        (
            button("tasks.btn_type_name", Verb.HAND_TYPED, number, rev=rev),
            button("tasks.btn_back", Verb.BACK, number, rev=rev),
        )
    )
    return tuple(rows)


def reassign_menu(number: int, colleagues: Sequence[Colleague], *, rev: int | None = None) -> Rows:
    """交给别人 (the assigner): colleagues, or a typed @username."""
    rows = picker_rows(colleagues, Verb.REASSIGN, number, rev=rev)
    rows.append((button("tasks.btn_type_name", Verb.REASSIGN_TYPED, number, rev=rev),))
    return tuple(rows)


def priority_menu(number: int, current: Priority, *, rev: int | None = None) -> Rows:
    """轻重缓急: the four, the current one marked, and back."""
    choices = [
        Button(
            f"tasks.btn_prio_{p.value}",
            callbacks.build(TaskPress(Verb.PRIORITY, number, rev, priority=p)),
            {"mark": "✓ " if p == current else ""},
        )
        for p in Priority
    ]
    return (
        tuple(choices[:2]),
        tuple(choices[2:]),
        (button("tasks.btn_back", Verb.BACK, number, rev=rev),),
    )


# ----- questions that need a tap ------------------------------------------------------------
def cancel_question(number: int, title: str, rev: int, lang: Lang, reason: str = "") -> Rendered:
    """确定取消吗？ — the step before a cancel."""
    lines = [t(lang, "tasks.cancel_confirm", number=number, title=title)]
    if reason:
        lines.append(t(lang, "tasks.card_reason", reason=reason))
    buttons = (
        (
            button("tasks.btn_cancel_yes", Verb.CANCEL, number, rev=rev, flag=Flag.YES),
            button("tasks.btn_cancel_no", Verb.CANCEL, number, rev=rev, flag=Flag.NO),
        ),
    )
    return Rendered("\n".join(lines), buttons)


def done_question(number: int, title: str, rev: int, lang: Lang) -> Rendered:
    """/done with no number and one open task: that one? (one tap)."""
    text = t(lang, "tasks.done_confirm", number=number, title=title)
    yes = button(
        "tasks.btn_done_yes", Verb.DONE, number, {"number": number}, rev=rev, flag=Flag.YES
    )
    return Rendered(text, ((yes,),))


def late_snooze(
    number: int, until: datetime, due: datetime, rev: int, ctx: RenderContext, *, own: bool
) -> Rendered:
    """Snoozing past the deadline: the bot says the task would be late and offers 申请延期
    (on one's own note: moving the deadline), or to snooze anyway."""
    at = int(until.timestamp())
    when = format_when(until, ctx.lang, ctx.tz, ctx.now)
    text = t(
        ctx.lang,
        "tasks.snooze_late",
        number=number,
        due=format_when(due, ctx.lang, ctx.tz, ctx.now),
        until=when,
    )
    verb, label = (
        (Verb.DUE, "tasks.btn_move_due_to") if own else (Verb.EXTEND, "tasks.btn_extend_to")
    )
    first = Button(label, callbacks.build(TaskPress(verb, number, rev, at=at)), {"when": when})
    anyway = Button(
        "tasks.btn_snooze_anyway",
        callbacks.build(TaskPress(Verb.SNOOZE_ANYWAY, number, rev, at=at)),
    )
    return Rendered(text, ((first,), (anyway,)))


def save_offer(lang: Lang) -> Rendered:
    """A private message that reads as a question: not saved, unless the person taps."""
    return Rendered(
        t(lang, "tasks.not_a_task"), ((Button("tasks.btn_save", callbacks.build(SavePress())),),)
    )


# ----- answers to what was done ---------------------------------------------------------------
def acted(key: str, number: int, rev: int, ctx: RenderContext, **values: object) -> Rendered:
    """What the bot did (tasks.<key>), with 撤销 for ten minutes (REVERT of that act)."""
    text = t(ctx.lang, f"tasks.{key}", number=number, **values)
    return Rendered(text, ((button("tasks.btn_revert", Verb.REVERT, number, rev=rev),),))


def snoozed(number: int, until: datetime, ctx: RenderContext) -> str:
    """The answer to a snooze: it is personal, the deadline stays."""
    when = format_when(until, ctx.lang, ctx.tz, ctx.now)
    return t(ctx.lang, "tasks.snoozed_reply", number=number, due=when)


def due_moved(number: int, due: datetime, ctx: RenderContext) -> str:
    """The answer to a new deadline set by the assigner."""
    when = format_when(due, ctx.lang, ctx.tz, ctx.now)
    return t(ctx.lang, "tasks.due_reply", number=number, due=when)


def extension_sent(number: int, until: datetime, who: str, ctx: RenderContext) -> str:
    when = format_when(until, ctx.lang, ctx.tz, ctx.now)
    return t(ctx.lang, "tasks.extension_sent", number=number, until=when, who=who)


def past_time(lang: Lang, exc: ParseError | None = None) -> str:
    """A time said in the past: said so, with the parser's suggestion when it has one."""
    suggested = getattr(exc, "suggested", None)
    if exc is not None and isinstance(suggested, datetime):
        return exc.message(lang)
    return t(lang, "tasks.time_past")


# ----- lists --------------------------------------------------------------------------------
_WHY = {
    Urgency.OVERDUE.value: "tasks.why_overdue",
    Urgency.SOON.value: "tasks.why_soon",
    Urgency.TODAY.value: "tasks.why_today",
}


def queue_line(card: Card, ctx: RenderContext) -> str:
    """One line of a list: `#n title · why it is here · priority · due · ⏰ snoozed · from X`,
    the why being 🔴 逾期 (overdue), ⏳ <due> (within 2 work hours) or 📅 <due> (today) (a long
    title cut: ten lines always fit in a message)."""
    lang = ctx.lang
    title = shorten(card.title, LIST_TITLE)
    parts = [t(lang, "tasks.line_head", number=card.number, title=title)]
    why = _WHY.get(card.urgency) or ("tasks.why_overdue" if card.overdue else None)
    due = _when(card.due, ctx) if card.due else ""
    if why == "tasks.why_overdue":
        parts.append(t(lang, why))
    elif why is not None:
        parts.append(t(lang, why, due=due))
        due = ""  # said with the why
    prio = Priority(card.priority)
    if prio != Priority.NORMAL:
        parts.append(priority_label(prio, lang))
    if due:
        parts.append(due)
    if card.snoozed_until:
        parts.append(t(lang, "tasks.line_snoozed", until=_when(card.snoozed_until, ctx)))
    if card.assigner_name and not card.own:
        parts.append(t(lang, "tasks.line_from", name=card.assigner_name))
    return " · ".join(parts)


def _when(iso: str, ctx: RenderContext) -> str:
    return format_when(datetime.fromisoformat(iso), ctx.lang, ctx.tz, ctx.now)


def my_page(page: Page[Card], ctx: RenderContext) -> Rendered:
    """/my: one page of the person's open tasks, with « » to turn it."""
    lang = ctx.lang
    if not page.total:
        return Rendered(t(lang, "tasks.my_empty"))
    lines = [t(lang, "tasks.my_header", count=page.total, page=page.page + 1, pages=page.pages)]
    lines += [queue_line(card, ctx) for card in page.items]
    turns: list[Button] = []
    if page.has_prev:
        turns.append(Button("tasks.btn_prev", callbacks.build(PagePress(page.page - 1))))
    if page.has_next:
        turns.append(Button("tasks.btn_next", callbacks.build(PagePress(page.page + 1))))
    return Rendered("\n".join(lines), (tuple(turns),) if turns else ())


def next_task(card: Card | None, count: int, ctx: RenderContext, snoozed: int = 0) -> Rendered:
    """/next: the one task to do now, with its buttons (snoozed ones wait their time)."""
    if card is None:
        key = "tasks.next_all_snoozed" if snoozed else "tasks.my_empty"
        return Rendered(t(ctx.lang, key, count=snoozed))
    rendered = card_with_state(card, ctx, buttons=True)
    header = t(ctx.lang, "tasks.next_header", count=count)
    return Rendered(header + "\n" + rendered.text, rendered.buttons)


@dataclass(frozen=True, slots=True)
class HandedOut:
    """A line of /assigned: the task, each assignee's state, whether 催办 is offered, and when
    it was last nudged."""

    card: Card
    people: tuple[tuple[str, str], ...]  # (name, state: tasks.astate_<state>)
    nudge: bool
    nudged_at: str | None = None  # ISO


def assigned_list(items: Sequence[HandedOut], total: int, ctx: RenderContext) -> Rendered:
    """/assigned: what the person handed out, each person's state; per task 催办 (the list stays,
    its line says 已催办) and ⚙️ (the task's card with every change)."""
    lang = ctx.lang
    if not total:
        return Rendered(t(lang, "tasks.assigned_empty"))
    lines = [t(lang, "tasks.assigned_header", count=total)]
    rows: list[tuple[Button, ...]] = []
    for item in items:
        lines.append(queue_line(item.card, ctx))
        for name, state in item.people:
            lines.append(
                t(lang, "tasks.assigned_person", name=name, state=t(lang, f"tasks.astate_{state}"))
            )
        if item.nudged_at:
            at = format_when(datetime.fromisoformat(item.nudged_at), lang, ctx.tz, ctx.now)
            lines.append(t(lang, "tasks.assigned_nudged", at=at))
        number, rev = item.card.number, item.card.revision
        row = [button("tasks.btn_manage", Verb.MANAGE, number, {"number": number}, rev=rev)]
        if item.nudge:
            data = callbacks.build(TaskPress(Verb.NUDGE, number, rev, flag=Flag.LIST))
            row.insert(0, Button("tasks.btn_nudge", data, {"number": number}))
        rows.append(tuple(row))
    return Rendered("\n".join(lines), tuple(rows))


def chat_board(
    total: int, by_person: Sequence[tuple[str, Sequence[Card]]], ctx: RenderContext
) -> str:
    """/tasks in a group: its open tasks, under each assignee still on them."""
    lang = ctx.lang
    if not total:
        return t(lang, "tasks.tasks_empty")
    lines = [t(lang, "tasks.tasks_header", count=total)]
    for name, cards in by_person:
        lines.append(t(lang, "tasks.tasks_person", name=name, count=len(cards)))
        lines.extend(f"  {queue_line(card, ctx)}" for card in cards)
    return "\n".join(lines)


# ----- prompts and refusals -----------------------------------------------------------------
def prompt_text(lang: Lang, prompt: Prompt, number: int) -> str:
    """The question, as plain text (escaped by the sender): it carries the task number."""
    return t_plain(lang, f"tasks.prompt_{prompt.value}", number=number)


def which_prompt(text: str) -> tuple[Prompt, int] | None:
    """Recognise one of our questions from its text (in any language): (kind, task number)."""
    n = number_in(text)
    if n is None:
        return None
    for prompt in Prompt:
        for lang in LANGS:
            expected = prompt_text(lang, prompt, n)
            # In a group the question starts with a mention of the person asked.
            if text == expected or text.endswith(" " + expected):
                return prompt, n
    return None


def refusal(lang: Lang, exc: TaskRefused) -> str:
    """Why not, as the catalog says it (tasks.<key>)."""
    return t(lang, f"tasks.{exc.key}", **exc.values)
