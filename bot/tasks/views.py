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
from bot.core.config import Lang
from bot.core.fmt import format_when, join_names, priority_label, priority_name
from bot.core.i18n import t
from bot.core.models import Button
from bot.core.render import MessageKind, MessageParams, RenderContext, Rendered
from bot.reports.callbacks import CalendarOf, CalendarPress
from bot.reports.callbacks import build as build_calendar
from bot.tasks import callbacks
from bot.tasks.callbacks import Flag, TaskPress, Verb
from bot.tasks.models import Kind, Priority, Status

PICKER_MAX = 12  # people offered in a menu
Colleague = tuple[int, str]  # (user id, name): someone a task can go to
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
    revision: int | None = None  # the task's revision: its buttons carry it (None: older cards)
    own: bool = False  # a note to oneself: no 交办人/承办人, nobody to report to
    me: str | None = None  # whom "我" in the title means, for the others who read it
    source: str | None = None  # 来源: where a forwarded message came from
    snoozed_until: str | None = None  # ISO: the reader put it off until then
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
    if card.me:
        lines.append(t(lang, "tasks.card_me", name=card.me))
    if card.source:
        lines.append(t(lang, "tasks.card_source", source=card.source))
    if card.assigner_name and not card.own:
        lines.append(t(lang, "tasks.card_assigner", name=card.assigner_name))
    if card.assignee_names and not card.own:
        lines.append(t(lang, "tasks.card_assignees", names=join_names(card.assignee_names, lang)))
    lines.append(t(lang, "tasks.card_due", due=_when(card.due, ctx)))
    prio = Priority(card.priority)
    if prio != Priority.NORMAL:
        lines.append(t(lang, "tasks.card_priority", priority=priority_label(prio, lang)))
    rec = _recurrence_text(card.recurrence, lang)
    if rec:
        lines.append(t(lang, "tasks.card_recurrence", rule=rec))
    if card.kind == Kind.REMINDER:
        lines.append(t(lang, "tasks.card_is_reminder"))
    if card.snoozed_until:
        lines.append(t(lang, "tasks.card_snoozed", until=_when(card.snoozed_until, ctx)))
    return lines


def button(
    label_key: str,
    verb: Verb,
    number: int,
    values: dict[str, Any] | None = None,
    *,
    rev: int | None = None,
    flag: Flag | None = None,
) -> Button:
    """A task button: its label (with values) and the data the codec makes for it."""
    return Button(label_key, callbacks.build(TaskPress(verb, number, rev, flag=flag)), values or {})


def work_buttons(
    number: int, *, acked: bool = False, rev: int | None = None, own: bool = False
) -> tuple[tuple[Button, ...], ...]:
    """收到 完成 / 推迟 转交 办不了 — what an assignee can do (on one's own note: 完成 / 推迟
    转交, with nobody to acknowledge to or report to)."""
    done = button("tasks.btn_done", Verb.DONE, number, rev=rev)
    first = (done,) if acked or own else (button("tasks.btn_ack", Verb.ACK, number, rev=rev), done)
    second = [
        button("tasks.btn_snooze", Verb.SNOOZE, number, rev=rev),
        button("tasks.btn_hand", Verb.HAND, number, rev=rev),
    ]
    if not own:
        second.append(button("tasks.btn_cannot", Verb.CANNOT, number, rev=rev))
    return (first, tuple(second))


def card_work_buttons(card: Card) -> tuple[tuple[Button, ...], ...]:
    """The work buttons of this card, as it stands."""
    acked = card.status == Status.ACKNOWLEDGED
    return work_buttons(card.number, acked=acked, rev=card.revision, own=card.own)


def status_line(card: Card, ctx: RenderContext) -> str | None:
    if not card.status or card.status == Status.OPEN:
        return None
    at = card.status_at
    when = format_when(datetime.fromisoformat(at), ctx.lang, ctx.tz, ctx.now) if at else ""
    return t(ctx.lang, f"tasks.state_{card.status}", at=when)


def card_with_state(card: Card, ctx: RenderContext, *, buttons: bool, note: str = "") -> Rendered:
    """A task card as it stands now, for edits after a button press (`note`: one more line,
    such as who has it now or why a press was refused)."""
    lines = card_lines(card, ctx)
    state = status_line(card, ctx)
    if state:
        lines.append(state)
    if note:
        lines.append(note)
    if not buttons or card.status in _CLOSED:
        return Rendered("\n".join(lines))
    return Rendered("\n".join(lines), card_work_buttons(card) + _calendar_row(card))


def assigner_card(card: Card, ctx: RenderContext, *, deciding: bool = False) -> Rendered:
    """The card the assigner steers a task from: every change as a button."""
    lines = card_lines(card, ctx, heading="tasks.manage_title")
    state = status_line(card, ctx)
    if state:
        lines.append(state)
    if card.status in (Status.DONE.value, Status.CANCELLED.value):
        return Rendered("\n".join(lines))
    n, rev = card.number, card.revision
    rows: list[tuple[Button, ...]] = [
        (
            button("tasks.btn_change_due", Verb.DUE, n, rev=rev),
            button("tasks.btn_change_people", Verb.REASSIGN, n, rev=rev),
        ),
        (
            button("tasks.btn_rename", Verb.RENAME, n, rev=rev),
            button("tasks.btn_priority", Verb.PRIORITY, n, rev=rev),
        ),
        (
            button("tasks.btn_nudge_one", Verb.NUDGE, n, rev=rev),
            button("tasks.btn_cancel", Verb.CANCEL, n, rev=rev),
        ),
    ]
    if deciding:
        rows.append((button("tasks.btn_keep", Verb.KEEP, n, rev=rev),))
    return Rendered("\n".join(lines), tuple(rows))


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
    number, rev = p.card.number, p.card.revision
    buttons: list[tuple[Button, ...]] = []
    if p.self_task:
        buttons.extend(work_buttons(number, acked=True, rev=rev, own=p.card.own))
    buttons.append(
        (
            button("tasks.btn_undo", Verb.UNDO, number, rev=rev),
            button("tasks.btn_due", Verb.DUE, number, rev=rev),
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
    acked: bool = False  # the reader has acknowledged it (the card after a snooze)


def task_assigned(p: TaskAssigned, ctx: RenderContext) -> Rendered:
    lines = card_lines(p.card, ctx, heading=p.heading)
    if p.from_name:
        lines.append(t(ctx.lang, "tasks.card_from", name=p.from_name))
    if p.note:
        lines.append(t(ctx.lang, "tasks.card_note", note=p.note))
    card = p.card
    return Rendered(
        "\n".join(lines),
        work_buttons(card.number, acked=p.acked, rev=card.revision, own=card.own)
        + _calendar_row(card),
    )


def _calendar_row(card: Card) -> tuple[tuple[Button, ...], ...]:
    """加到日历 under a card that has a due time (the reports feature makes the .ics)."""
    if not card.due:
        return ()
    return (
        (
            Button(
                "reports.btn_calendar", build_calendar(CalendarPress(CalendarOf.TASK, card.number))
            ),
        ),
    )


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
    rev: int | None = None  # the decision is about the task as it stood then


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
        (button("tasks.btn_reassign", Verb.REASSIGN, p.number, rev=p.rev),),
        _decide_row(p.number, p.rev),
    )
    return Rendered(text, buttons)


def _decide_row(number: int, rev: int | None) -> tuple[Button, ...]:
    return (
        button("tasks.btn_cancel", Verb.CANCEL, number, rev=rev),
        button("tasks.btn_keep", Verb.KEEP, number, rev=rev),
    )


@dataclass(frozen=True, slots=True)
class _WordsAbout(MessageParams):
    """What someone said about a task, passed on: the task, who, and what they said (`KEY`:
    the catalog's line that says it)."""

    KEY: ClassVar[str]
    number: int
    title: str
    who: str
    text: str


def words_about(p: _WordsAbout, ctx: RenderContext) -> Rendered:
    return Rendered(t(ctx.lang, p.KEY, number=p.number, title=p.title, who=p.who, text=p.text))


@dataclass(frozen=True, slots=True)
class TaskProgress(_WordsAbout):
    """To the assigner: a progress note (汇报)."""

    KIND: ClassVar[str] = "task_progress"
    KEY: ClassVar[str] = "tasks.progress"


@dataclass(frozen=True, slots=True)
class TaskComment(_WordsAbout):
    """To the people on a task: what the assigner replied to a message about it."""

    KIND: ClassVar[str] = "task_comment"
    KEY: ClassVar[str] = "tasks.comment"


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
    reason: str = ""


def task_cancelled(p: TaskCancelled, ctx: RenderContext) -> Rendered:
    text = t(ctx.lang, "tasks.cancelled_notice", number=p.number, title=p.title, who=p.who)
    if p.reason:
        text += "\n" + t(ctx.lang, "tasks.card_reason", reason=p.reason)
    return Rendered(text)


@dataclass(frozen=True, slots=True)
class TaskDueChanged(MessageParams):
    """The deadline moved: changed by the assigner (or, in entries made before snoozes were
    personal, snoozed by an assignee). `old`: what it was (absent in older entries)."""

    KIND: ClassVar[str] = "task_due_changed"
    number: int
    title: str
    who: str
    due: str | None = None  # ISO time
    old: str | None = None  # ISO time; "" when there was no deadline
    extension: bool = False  # on an assignee's request (申请延期), approved


def task_due_changed(p: TaskDueChanged, ctx: RenderContext) -> Rendered:
    values = {"number": p.number, "title": p.title, "who": p.who, "due": _when(p.due, ctx)}
    if p.old is None:
        return Rendered(t(ctx.lang, "tasks.due_changed_notice", **values))
    key = "tasks.due_extended_notice" if p.extension else "tasks.due_changed_from"
    return Rendered(t(ctx.lang, key, old=_when(p.old or None, ctx), **values))


@dataclass(frozen=True, slots=True)
class TaskNudge(CardMessage):
    """催办: the card again for an assignee who has not finished."""

    KIND: ClassVar[str] = "task_nudge"
    card: Card
    who: str
    acked: bool = False


def task_nudge(p: TaskNudge, ctx: RenderContext) -> Rendered:
    lines = [t(ctx.lang, "tasks.nudge_notice", who=p.who), *card_lines(p.card, ctx)]
    card = p.card
    return Rendered(
        "\n".join(lines),
        work_buttons(card.number, acked=p.acked, rev=card.revision, own=card.own),
    )


@dataclass(frozen=True, slots=True)
class TaskAskReassign(MessageParams):
    """To the assigner: an assignee asks for someone else (请示另安排); whom, as buttons."""

    KIND: ClassVar[str] = "task_ask_reassign"
    number: int
    title: str
    who: str
    candidates: list[list[Any]] = field(default_factory=list)  # [user id, name] pairs
    rev: int | None = None

    @property
    def colleagues(self) -> list[Colleague]:
        return [(int(uid), str(name)) for uid, name in self.candidates]


def task_ask_reassign(p: TaskAskReassign, ctx: RenderContext) -> Rendered:
    text = t(ctx.lang, "tasks.ask_reassign_notice", number=p.number, title=p.title, who=p.who)
    rows = picker_rows(p.colleagues, Verb.REASSIGN, p.number, rev=p.rev)
    rows.append(_decide_row(p.number, p.rev))
    return Rendered(text, tuple(rows))


@dataclass(frozen=True, slots=True)
class TaskChanged(MessageParams):
    """To the people on a task: the assigner changed its title or its priority."""

    KIND: ClassVar[str] = "task_changed"
    number: int
    title: str
    who: str
    what: str  # "title" or "priority"
    old: str
    new: str


def task_changed(p: TaskChanged, ctx: RenderContext) -> Rendered:
    old, new = p.old, p.new
    if p.what == "priority":
        old = priority_name(Priority(old), ctx.lang)
        new = priority_name(Priority(new), ctx.lang)
    key = f"tasks.changed_{p.what}"
    return Rendered(t(ctx.lang, key, number=p.number, title=p.title, who=p.who, old=old, new=new))


@dataclass(frozen=True, slots=True)
class TaskExtensionAsked(MessageParams):
    """To the assigner: an assignee asks for more time (申请延期); 同意 / 改个时间 / 不同意."""

    KIND: ClassVar[str] = "task_extension_asked"
    number: int
    title: str
    who: str
    due: str | None  # ISO: the deadline as it is
    until: str  # ISO: the one asked for
    reason: str = ""
    rev: int | None = None  # the request: an answer to another one is refused


def task_extension_asked(p: TaskExtensionAsked, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    lines = [
        t(
            lang,
            "tasks.extension_asked",
            number=p.number,
            title=p.title,
            who=p.who,
            due=_when(p.due, ctx),
            until=_when(p.until, ctx),
        )
    ]
    if p.reason:
        lines.append(t(lang, "tasks.card_reason", reason=p.reason))
    n, rev = p.number, p.rev
    buttons = (
        (
            button("tasks.btn_ext_ok", Verb.EXTENSION_OK, n, rev=rev),
            button("tasks.btn_ext_other", Verb.EXTENSION_OTHER, n, rev=rev),
            button("tasks.btn_ext_no", Verb.EXTENSION_NO, n, rev=rev),
        ),
    )
    return Rendered("\n".join(lines), buttons)


@dataclass(frozen=True, slots=True)
class TaskExtensionAnswered(MessageParams):
    """To the one who asked for more time: the assigner's answer, and the deadline now."""

    KIND: ClassVar[str] = "task_extension_answered"
    number: int
    title: str
    who: str
    approved: bool
    due: str | None  # ISO: the deadline now
    asked: str  # ISO: what was asked for


def task_extension_answered(p: TaskExtensionAnswered, ctx: RenderContext) -> Rendered:
    if not p.approved:
        key = "tasks.extension_declined"
    elif p.due == p.asked:
        key = "tasks.extension_approved"
    else:
        key = "tasks.extension_approved_other"
    values = {"number": p.number, "title": p.title, "who": p.who}
    return Rendered(t(ctx.lang, key, due=_when(p.due, ctx), asked=_when(p.asked, ctx), **values))


@dataclass(frozen=True, slots=True)
class TaskReverted(MessageParams):
    """To the assigner: an assignee took back what they had just said (收到, 完成 …)."""

    KIND: ClassVar[str] = "task_reverted"
    number: int
    title: str
    who: str
    what: str  # the act: acknowledged, done, cannot, reported


def task_reverted(p: TaskReverted, ctx: RenderContext) -> Rendered:
    what = t(ctx.lang, f"tasks.act_{p.what}")
    return Rendered(
        t(ctx.lang, "tasks.reverted_notice", number=p.number, title=p.title, who=p.who, what=what)
    )


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
def _numbered(label_key: str, verb: Verb, number: int, rev: int | None = None) -> Button:
    return button(label_key, verb, number, {"number": number}, rev=rev)


def created_item(p: TaskCreated, ctx: RenderContext) -> Item:
    """One of a burst of tasks just recorded: the assigner's summary lists them."""
    card, lang = p.card, ctx.lang
    parts = [t(lang, "tasks.line_head", number=card.number, title=card.title)]
    if card.assignee_names and not card.own:
        parts.append(join_names(card.assignee_names, lang))
    if card.due:
        parts.append(_when(card.due, ctx))
    prio = Priority(card.priority)
    if prio != Priority.NORMAL:
        parts.append(priority_label(prio, lang))
    undo = _numbered("tasks.btn_undo_n", Verb.UNDO, card.number, card.revision)
    view = _numbered("tasks.btn_view_n", Verb.VIEW, card.number)
    return Item("tasks.bundle_created", " · ".join(parts), (undo, view))


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
    MessageKind(TaskProgress, words_about),
    MessageKind(TaskHanded, task_handed, handed_item, hold=HOLD_GRID),
    MessageKind(TaskCancelled, task_cancelled),
    MessageKind(TaskDueChanged, task_due_changed),
    MessageKind(TaskNudge, task_nudge),
    MessageKind(TaskAskReassign, task_ask_reassign),
    MessageKind(TaskChanged, task_changed),
    MessageKind(TaskExtensionAsked, task_extension_asked),
    MessageKind(TaskExtensionAnswered, task_extension_answered),
    MessageKind(TaskReverted, task_reverted),
    MessageKind(TaskComment, words_about),
    MessageKind(Unreachable, unreachable),
)


# ----- menus: the buttons of a card swapped for a choice ----------------------------------------
def picker_rows(
    colleagues: Sequence[Colleague], verb: Verb, number: int, *, rev: int | None = None
) -> list[tuple[Button, ...]]:
    """Buttons to pick a person (`verb` #number to them), two per row."""
    rows: list[tuple[Button, ...]] = []
    row: list[Button] = []
    for uid, name in colleagues[:PICKER_MAX]:
        data = callbacks.build(TaskPress(verb, number, rev, person=uid))
        row.append(Button("tasks.btn_person", data, {"name": name}))
        if len(row) == 2:
            rows.append(tuple(row))
            row = []
    if row:
        rows.append(tuple(row))
    return rows
