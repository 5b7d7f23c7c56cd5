"""How tasks read (pure): cards, confirmations, receipts and reports, lists, menus and prompts.

Each kind of message the task service puts in the outbox has one typed record here (built by the
service, so a missing value fails when the entry is made) and one render function. A record is a
JSON-plain snapshot, stored as it is: an entry waiting in the outbox renders the same after a
restart. Records that show a task card keep the card's values flat beside their own, the shape
entries have always had (`CardMessage`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Self

from bot.core.bundling import HOLD_GRID, Item
from bot.core.config import LANGS, Lang
from bot.core.fmt import format_when, priority_label
from bot.core.i18n import t, t_plain
from bot.core.models import Button
from bot.core.render import MessageKind, MessageParams, RenderContext, Rendered
from bot.tasks import callbacks
from bot.tasks.callbacks import PagePress, TaskPress, Verb
from bot.tasks.models import Kind, Priority, Status
from bot.tasks.rules import Page, Prompt, SnoozeOption, TaskRefused, Urgency, number_in

PICKER_MAX = 12  # people offered in a menu
Colleague = tuple[int, str]  # (user id, name): someone a task can go to

_SNOOZE_LABELS = {
    SnoozeOption.HOUR: "tasks.snz_1h",
    SnoozeOption.AFTERNOON: "tasks.snz_pm",
    SnoozeOption.TOMORROW: "tasks.snz_tam",
    SnoozeOption.MONDAY: "tasks.snz_mon",
}
# A card without buttons: nothing is left to do on it.
_CLOSED = frozenset({Status.DONE.value, Status.CANCELLED.value, Status.CANNOT.value})


# ----- the card -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Card:
    """A task as its people read it, as it stood when the message was made (JSON-plain)."""

    number: int
    title: str
    assigner_name: str | None = None  # None: not shown (/assigned lists the reader's own)
    assignee_names: list[str] = field(default_factory=list)
    due: str | None = None  # ISO time
    priority: str = Priority.NORMAL.value
    recurrence: str | None = None  # RRULE
    kind: str = Kind.TASK.value
    status: str = Status.OPEN.value
    status_at: str | None = None  # ISO time of the task's last event
    overdue: bool = False
    urgency: str = ""  # rules.Urgency when the card was made: why a list puts it where it is

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Card:
        """The card stored in `data` (other keys ignored; number and title are required)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class CardMessage(MessageParams):
    """A message kind that shows a card; stored flat: the card's values beside the record's."""

    card: Card

    def to_json(self) -> dict[str, Any]:
        own = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        del own["card"]
        return {**self.card.to_json(), **own}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        names = {f.name for f in dataclasses.fields(cls)} - {"card"}  # type: ignore[arg-type]
        values = {k: v for k, v in data.items() if k in names}
        return cls(**{"card": Card.from_json(data), **values})


def _when(iso: str | None, ctx: RenderContext) -> str:
    if not iso:
        return t(ctx.lang, "fmt.no_due")
    return format_when(datetime.fromisoformat(iso), ctx.lang, ctx.tz, ctx.now)


def _recurrence_text(rule: str | None, lang: Lang) -> str | None:
    if not rule:
        return None
    try:
        from bot.core.recurrence import describe_recurrence

        return describe_recurrence(rule, lang)
    except (ValueError, KeyError):  # an unknown rule must not stop a card from rendering
        return rule


def card_lines(
    card: Card | Mapping[str, Any], ctx: RenderContext, *, heading: str = "tasks.card_title"
) -> list[str]:
    """The body of a task as its people read it.

    A mapping is the card's stored JSON (for messages of other features not yet typed).
    """
    if not isinstance(card, Card):
        card = Card.from_json(card)
    lang = ctx.lang
    lines = [t(lang, heading, number=card.number, title=card.title)]
    if card.assigner_name:
        lines.append(t(lang, "tasks.card_assigner", name=card.assigner_name))
    if card.assignee_names:
        lines.append(t(lang, "tasks.card_assignees", names="、".join(card.assignee_names)))
    lines.append(t(lang, "tasks.card_due", due=_when(card.due, ctx)))
    prio = Priority(card.priority)
    if prio != Priority.NORMAL:
        lines.append(t(lang, "tasks.card_priority", priority=priority_label(prio, lang)))
    rec = _recurrence_text(card.recurrence, lang)
    if rec:
        lines.append(t(lang, "tasks.card_recurrence", rule=rec))
    if card.kind == Kind.REMINDER:
        lines.append(t(lang, "tasks.card_is_reminder"))
    return lines


def button(label_key: str, verb: Verb, number: int, values: dict[str, Any] | None = None) -> Button:
    """A task button: its label (with values) and the data the codec makes for it."""
    return Button(label_key, callbacks.build(TaskPress(verb, number)), values or {})


def work_buttons(number: int, *, acked: bool = False) -> tuple[tuple[Button, ...], ...]:
    """收到 完成 / 推迟 转交 办不了 — what an assignee can do."""
    done = button("tasks.btn_done", Verb.DONE, number)
    first = (done,) if acked else (button("tasks.btn_ack", Verb.ACK, number), done)
    return (
        first,
        (
            button("tasks.btn_snooze", Verb.SNOOZE, number),
            button("tasks.btn_hand", Verb.HAND, number),
            button("tasks.btn_cannot", Verb.CANNOT, number),
        ),
    )


def status_line(card: Card, ctx: RenderContext) -> str | None:
    if not card.status or card.status == Status.OPEN:
        return None
    at = card.status_at
    when = format_when(datetime.fromisoformat(at), ctx.lang, ctx.tz, ctx.now) if at else ""
    return t(ctx.lang, f"tasks.state_{card.status}", at=when)


def card_with_state(card: Card, ctx: RenderContext, *, buttons: bool) -> Rendered:
    """A task card as it stands now, for edits after a button press."""
    lines = card_lines(card, ctx)
    state = status_line(card, ctx)
    if state:
        lines.append(state)
    if not buttons or card.status in _CLOSED:
        return Rendered("\n".join(lines))
    return Rendered(
        "\n".join(lines), work_buttons(card.number, acked=card.status == Status.ACKNOWLEDGED)
    )


def _link(ctx: RenderContext) -> str:
    return f"https://t.me/{ctx.bot_username or 'officebot'}?start=hi"


# ----- the message kinds --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TaskCreated(CardMessage):
    """The one confirmation where a task was made (with undo and a new due time)."""

    KIND: ClassVar[str] = "task_created"
    card: Card
    pending: list[str] = field(default_factory=list)  # @usernames the bot cannot reach yet
    self_task: bool = False  # a note to oneself: its work buttons are here


def task_created(p: TaskCreated, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    lines = card_lines(p.card, ctx, heading="tasks.created_title")
    for username in p.pending:
        lines.append(t(lang, "tasks.pending_user", username=username, link=_link(ctx)))
    number = p.card.number
    buttons: list[tuple[Button, ...]] = []
    if p.self_task:
        buttons.extend(work_buttons(number, acked=True))
    buttons.append(
        (
            button("tasks.btn_undo", Verb.UNDO, number),
            button("tasks.btn_due", Verb.DUE, number),
        )
    )
    return Rendered("\n".join(lines), tuple(buttons))


@dataclass(frozen=True, slots=True)
class TaskAssigned(CardMessage):
    """A task for one of its assignees (new, handed over, reassigned, kept), to work it."""

    KIND: ClassVar[str] = "task_assigned"
    card: Card
    heading: str = "tasks.assigned_title"  # catalog key of the first line
    note: str = ""
    from_name: str = ""  # who handed it over


def task_assigned(p: TaskAssigned, ctx: RenderContext) -> Rendered:
    lines = card_lines(p.card, ctx, heading=p.heading)
    if p.from_name:
        lines.append(t(ctx.lang, "tasks.card_from", name=p.from_name))
    if p.note:
        lines.append(t(ctx.lang, "tasks.card_note", note=p.note))
    return Rendered("\n".join(lines), work_buttons(p.card.number))


@dataclass(frozen=True, slots=True)
class TaskReceipt(MessageParams):
    """To the assigner: an assignee pressed 收到."""

    KIND: ClassVar[str] = "task_receipt"
    number: int
    title: str
    who: str
    at: str  # ISO time


def task_receipt(p: TaskReceipt, ctx: RenderContext) -> Rendered:
    at = format_when(datetime.fromisoformat(p.at), ctx.lang, ctx.tz, ctx.now)
    return Rendered(t(ctx.lang, "tasks.receipt", number=p.number, title=p.title, who=p.who, at=at))


@dataclass(frozen=True, slots=True)
class TaskDone(MessageParams):
    """A task (or one assignee's part of it) is done."""

    KIND: ClassVar[str] = "task_done"
    number: int
    title: str
    who: str
    note: str = ""
    all_done: bool = False
    progress: str = ""  # "1/2": parts done of all


def task_done(p: TaskDone, ctx: RenderContext) -> Rendered:
    key = "tasks.done_all" if p.all_done else "tasks.done_part"
    values = {"number": p.number, "title": p.title, "who": p.who, "progress": p.progress}
    lines = [t(ctx.lang, key, **values)]
    if p.note:
        lines.append(t(ctx.lang, "tasks.card_note", note=p.note))
    return Rendered("\n".join(lines))


@dataclass(frozen=True, slots=True)
class TaskCannot(MessageParams):
    """To the assigner: 办不了, with what was found; their choices as buttons."""

    KIND: ClassVar[str] = "task_cannot"
    number: int
    title: str
    who: str
    report: str


def task_cannot(p: TaskCannot, ctx: RenderContext) -> Rendered:
    text = t(
        ctx.lang,
        "tasks.cannot_report",
        number=p.number,
        title=p.title,
        who=p.who,
        report=p.report,
    )
    buttons = (
        (button("tasks.btn_reassign", Verb.REASSIGN, p.number),),
        _decide_row(p.number),
    )
    return Rendered(text, buttons)


def _decide_row(number: int) -> tuple[Button, ...]:
    return (
        button("tasks.btn_cancel", Verb.CANCEL, number),
        button("tasks.btn_keep", Verb.KEEP, number),
    )


@dataclass(frozen=True, slots=True)
class TaskProgress(MessageParams):
    """To the assigner: a progress note (汇报)."""

    KIND: ClassVar[str] = "task_progress"
    number: int
    title: str
    who: str
    text: str


def task_progress(p: TaskProgress, ctx: RenderContext) -> Rendered:
    return Rendered(
        t(ctx.lang, "tasks.progress", number=p.number, title=p.title, who=p.who, text=p.text)
    )


@dataclass(frozen=True, slots=True)
class TaskHanded(MessageParams):
    """Who has a task now: handed over by an assignee, or reassigned by `by` (the assigner)."""

    KIND: ClassVar[str] = "task_handed"
    number: int
    title: str
    giver: str
    taker: str
    by: str = ""


def task_handed(p: TaskHanded, ctx: RenderContext) -> Rendered:
    key = "tasks.reassigned_notice" if p.by else "tasks.handed"
    return Rendered(
        t(ctx.lang, key, by=p.by, number=p.number, title=p.title, giver=p.giver, taker=p.taker)
    )


@dataclass(frozen=True, slots=True)
class TaskCancelled(MessageParams):
    """To an assignee: the task was cancelled (or undone)."""

    KIND: ClassVar[str] = "task_cancelled"
    number: int
    title: str
    who: str


def task_cancelled(p: TaskCancelled, ctx: RenderContext) -> Rendered:
    return Rendered(
        t(ctx.lang, "tasks.cancelled_notice", number=p.number, title=p.title, who=p.who)
    )


@dataclass(frozen=True, slots=True)
class TaskDueChanged(MessageParams):
    """The due time moved (snoozed by an assignee, or changed by the assigner)."""

    KIND: ClassVar[str] = "task_due_changed"
    number: int
    title: str
    who: str
    due: str | None = None  # ISO time


def task_due_changed(p: TaskDueChanged, ctx: RenderContext) -> Rendered:
    return Rendered(
        t(
            ctx.lang,
            "tasks.due_changed_notice",
            number=p.number,
            title=p.title,
            who=p.who,
            due=_when(p.due, ctx),
        )
    )


@dataclass(frozen=True, slots=True)
class TaskNudge(CardMessage):
    """催办: the card again for an assignee who has not finished."""

    KIND: ClassVar[str] = "task_nudge"
    card: Card
    who: str
    acked: bool = False


def task_nudge(p: TaskNudge, ctx: RenderContext) -> Rendered:
    lines = [t(ctx.lang, "tasks.nudge_notice", who=p.who), *card_lines(p.card, ctx)]
    return Rendered("\n".join(lines), work_buttons(p.card.number, acked=p.acked))


@dataclass(frozen=True, slots=True)
class TaskAskReassign(MessageParams):
    """To the assigner: an assignee asks for someone else (请示另安排); whom, as buttons."""

    KIND: ClassVar[str] = "task_ask_reassign"
    number: int
    title: str
    who: str
    candidates: list[list[Any]] = field(default_factory=list)  # [user id, name] pairs

    @property
    def colleagues(self) -> list[Colleague]:
        return [(int(uid), str(name)) for uid, name in self.candidates]


def task_ask_reassign(p: TaskAskReassign, ctx: RenderContext) -> Rendered:
    text = t(ctx.lang, "tasks.ask_reassign_notice", number=p.number, title=p.title, who=p.who)
    rows = picker_rows(p.colleagues, Verb.REASSIGN, p.number)
    rows.append(_decide_row(p.number))
    return Rendered(text, tuple(rows))


@dataclass(frozen=True, slots=True)
class Unreachable(MessageParams):
    """To the sender of a message the bot could not deliver (made by delivery)."""

    KIND: ClassVar[str] = "unreachable"
    name: str
    task_number: int | None = None
    user_id: int | None = None
    username: str | None = None


def unreachable(p: Unreachable, ctx: RenderContext) -> Rendered:
    key = "tasks.unreachable_task" if p.task_number else "tasks.unreachable"
    return Rendered(t(ctx.lang, key, name=p.name, number=p.task_number or "", link=_link(ctx)))


# The message kinds this feature sends (the composition root hands them to the Renderer).
# ----- as lines of one message (bot/core/bundling.py) ----------------------------------------
def _numbered(label_key: str, verb: Verb, number: int) -> Button:
    return button(label_key, verb, number, {"number": number})


def created_item(p: TaskCreated, ctx: RenderContext) -> Item:
    """One of a burst of tasks just recorded: the assigner's summary lists them."""
    card, lang = p.card, ctx.lang
    parts = [t(lang, "tasks.line_head", number=card.number, title=card.title)]
    if card.assignee_names:
        parts.append("、".join(card.assignee_names))
    if card.due:
        parts.append(_when(card.due, ctx))
    prio = Priority(card.priority)
    if prio != Priority.NORMAL:
        parts.append(priority_label(prio, lang))
    undo = _numbered("tasks.btn_undo_n", Verb.UNDO, card.number)
    return Item(
        "tasks.bundle_created",
        " · ".join(parts),
        (undo, _numbered("tasks.btn_view_n", Verb.VIEW, card.number)),
    )


def receipt_item(p: TaskReceipt, ctx: RenderContext) -> Item:
    at = format_when(datetime.fromisoformat(p.at), ctx.lang, ctx.tz, ctx.now)
    text = t(ctx.lang, "tasks.receipt_item", number=p.number, title=p.title, who=p.who, at=at)
    return Item("tasks.bundle_receipts", text)


def handed_item(p: TaskHanded, ctx: RenderContext) -> Item:
    return Item("tasks.bundle_handed", task_handed(p, ctx).text.removeprefix("👉 "))


MESSAGES: tuple[MessageKind[Any], ...] = (
    MessageKind(TaskCreated, task_created, created_item),
    MessageKind(TaskAssigned, task_assigned),
    MessageKind(TaskReceipt, task_receipt, receipt_item, hold=HOLD_GRID),
    MessageKind(TaskDone, task_done),
    MessageKind(TaskCannot, task_cannot),
    MessageKind(TaskProgress, task_progress),
    MessageKind(TaskHanded, task_handed, handed_item, hold=HOLD_GRID),
    MessageKind(TaskCancelled, task_cancelled),
    MessageKind(TaskDueChanged, task_due_changed),
    MessageKind(TaskNudge, task_nudge),
    MessageKind(TaskAskReassign, task_ask_reassign),
    MessageKind(Unreachable, unreachable),
)


# ----- menus (the buttons of a card swapped for a choice) -----------------------------------
def picker_rows(
    colleagues: Sequence[Colleague], verb: Verb, number: int
) -> list[tuple[Button, ...]]:
    """Buttons to pick a person (`verb` #number to them), two per row."""
    rows: list[tuple[Button, ...]] = []
    row: list[Button] = []
    for uid, name in colleagues[:PICKER_MAX]:
        data = callbacks.build(TaskPress(verb, number, person=uid))
        row.append(Button("tasks.btn_person", data, {"name": name}))
        if len(row) == 2:
            rows.append(tuple(row))
            row = []
    if row:
        rows.append(tuple(row))
    return rows


def snooze_menu(number: int, options: Sequence[SnoozeOption]) -> tuple[tuple[Button, ...], ...]:
    """推迟 to when: the times on offer, a typed time, and back to the card."""
    times = [
        Button(_SNOOZE_LABELS[o], callbacks.build(TaskPress(Verb.SNOOZE, number, option=o)))
        for o in options
    ]
    return (
        tuple(times[:2]),
        tuple(times[2:]),
        (
            button("tasks.snz_custom", Verb.SNOOZE_TYPED, number),
            button("tasks.btn_back", Verb.BACK, number),
        ),
    )


def hand_menu(number: int, colleagues: Sequence[Colleague]) -> tuple[tuple[Button, ...], ...]:
    """转交 to whom (an assignee): colleagues, 请示另安排, a typed @username, back."""
    rows = picker_rows(colleagues, Verb.HAND, number)
    rows.append((button("tasks.btn_ask_reassign", Verb.ASK_REASSIGN, number),))
    rows.append(
        (
            button("tasks.btn_type_name", Verb.HAND_TYPED, number),
            button("tasks.btn_back", Verb.BACK, number),
        )
    )
    return tuple(rows)


def reassign_menu(number: int, colleagues: Sequence[Colleague]) -> tuple[tuple[Button, ...], ...]:
    """交给别人 (the assigner): colleagues, or a typed @username."""
    rows = picker_rows(colleagues, Verb.REASSIGN, number)
    rows.append((button("tasks.btn_type_name", Verb.REASSIGN_TYPED, number),))
    return tuple(rows)


# ----- lists --------------------------------------------------------------------------------
_WHY = {
    Urgency.OVERDUE.value: "tasks.why_overdue",
    Urgency.SOON.value: "tasks.why_soon",
    Urgency.TODAY.value: "tasks.why_today",
}


def queue_line(card: Card, ctx: RenderContext) -> str:
    """One line of a list: `#n title · why it is here · priority · due · from X`, where the
    why is 🔴 逾期 (overdue), ⏳ <due> (within 2 work hours) or 📅 <due> (today)."""
    parts = [t(ctx.lang, "tasks.line_head", number=card.number, title=card.title)]
    why = _WHY.get(card.urgency) or ("tasks.why_overdue" if card.overdue else None)
    due = _when(card.due, ctx) if card.due else ""
    if why == "tasks.why_overdue":
        parts.append(t(ctx.lang, why))
    elif why is not None:
        parts.append(t(ctx.lang, why, due=due))
        due = ""  # said with the why
    prio = Priority(card.priority)
    if prio != Priority.NORMAL:
        parts.append(priority_label(prio, ctx.lang))
    if due:
        parts.append(due)
    if card.assigner_name:
        parts.append(t(ctx.lang, "tasks.line_from", name=card.assigner_name))
    return " · ".join(parts)


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


def next_task(card: Card | None, count: int, ctx: RenderContext) -> Rendered:
    """/next: the one task to do now, with its buttons."""
    if card is None:
        return Rendered(t(ctx.lang, "tasks.my_empty"))
    rendered = card_with_state(card, ctx, buttons=True)
    header = t(ctx.lang, "tasks.next_header", count=count)
    return Rendered(header + "\n" + rendered.text, rendered.buttons)


@dataclass(frozen=True, slots=True)
class HandedOut:
    """A line of /assigned: the task, each assignee's state, and whether 催办 is offered."""

    card: Card
    people: tuple[tuple[str, str], ...]  # (name, state: tasks.astate_<state>)
    nudge: bool


def assigned_list(items: Sequence[HandedOut], total: int, ctx: RenderContext) -> Rendered:
    """/assigned: what the person handed out, each person's state, a 催办 button per task."""
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
        if item.nudge:
            number = item.card.number
            rows.append((button("tasks.btn_nudge", Verb.NUDGE, number, {"number": number}),))
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


def snoozed(number: int, until: datetime, ctx: RenderContext) -> str:
    """The answer to a snooze or a new due time that was typed."""
    due = format_when(until, ctx.lang, ctx.tz, ctx.now)
    return t(ctx.lang, "tasks.snoozed_reply", number=number, due=due)
