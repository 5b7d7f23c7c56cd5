"""What the groups feature says (pure): one typed record per message kind, and its render.

* `MemberLeft` — to an assigner, once per leave: who left which group, the open tasks of theirs
  that person still held, a 重新安排 button per task (bot/groups/callbacks.py).
* `TaskEdited` — to each person on a task whose creating message was edited: who changed what
  from what to what; `in_chat`: the answer in the chat where the message was edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from bot.core.fmt import format_when, priority_name
from bot.core.i18n import t
from bot.core.models import Button
from bot.core.paging import fit_lines
from bot.core.render import MessageKind, MessageParams, RenderContext, Rendered
from bot.groups import callbacks
from bot.groups.callbacks import Verb
from bot.tasks.models import Priority

#: Buttons on one message about someone who left (the rest: /assigned).
MAX_BUTTONS = 20


@dataclass(frozen=True, slots=True)
class MemberLeft(MessageParams):
    KIND: ClassVar[str] = "member_left"
    name: str  # who left
    group: str  # the group's title
    tasks: list[list[Any]] = field(default_factory=list)  # [number, title] of each open task


@dataclass(frozen=True, slots=True)
class TaskEdited(MessageParams):
    KIND: ClassVar[str] = "task_edited"
    number: int
    title: str
    by: str  # who edited
    changes: list[list[Any]] = field(default_factory=list)  # [what, before, after]
    in_chat: bool = False  # the answer where it was edited (else: to one person on it)


def member_left(p: MemberLeft, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    head = t(lang, "groups.member_left", name=p.name, group=p.group, count=len(p.tasks))
    lines = [t(lang, "groups.member_left_line", number=n, title=title) for n, title in p.tasks]
    body = fit_lines(lines, header=head, more=lambda n: t(lang, "fmt.more_lines", count=n))
    buttons = [
        Button("groups.btn_reassign", callbacks.build(Verb.REASSIGN, int(n)), {"number": n})
        for n, _ in p.tasks[:MAX_BUTTONS]
    ]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    return Rendered(body + "\n" + t(lang, "groups.member_left_hint"), rows)


def _value(what: str, value: str | None, ctx: RenderContext) -> str:
    if value is None or value == "":
        return t(ctx.lang, "fmt.no_due") if what == "due" else t(ctx.lang, "groups.nobody")
    if what == "due":
        return format_when(datetime.fromisoformat(value), ctx.lang, ctx.tz, ctx.now)
    if what == "priority":
        return priority_name(Priority(value), ctx.lang)
    return value


def change_lines(changes: list[list[Any]], ctx: RenderContext) -> list[str]:
    """`截止：12月1日 周二 15:00 → 12月4日 周五 17:00` for each change."""
    return [
        t(
            ctx.lang,
            f"groups.changed_{what}",
            before=_value(what, before, ctx),
            after=_value(what, after, ctx),
        )
        for what, before, after in changes
    ]


def task_edited(p: TaskEdited, ctx: RenderContext) -> Rendered:
    lang = ctx.lang
    key = "groups.edited_chat" if p.in_chat else "groups.edited"
    head = t(lang, key, number=p.number, title=p.title, name=p.by)
    return Rendered("\n".join([head, *change_lines(p.changes, ctx)]))


MESSAGES: tuple[MessageKind[Any], ...] = (
    MessageKind(MemberLeft, member_left),
    MessageKind(TaskEdited, task_edited),
)
