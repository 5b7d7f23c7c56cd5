"""The commands that act on #n: the assignee's (/done, /snooze, /report, /extend) and the
assigner's (/due, /reassign, /cancel, /rename, /priority) — the latter also said in words."""

from __future__ import annotations

from telegram import (
    Update,
)

from bot.context import Ctx
from bot.core.fmt import priority_name
from bot.parsing import ParseError
from bot.tasks import changes, rules, screens
from bot.tasks.rules import Action, TaskRefused
from bot.tasks.words import Change
from handlers.common import command_args
from handlers.tasks.base import (
    NumberAct,
    Use,
    act,
    act_at,
    actor_for,
    answer_refusal,
    done_answer,
    mentioned_ids,
    number_command,
    render_ctx,
    reply,
    reply_key,
    say,
)


async def cmd_done(update: Update, context: Ctx) -> None:
    """/done [#n] [note]; bare, with one open task: asks first (one tap), undo after."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    tasks = context.services.tasks
    given, note = rules.split_number(command_args(msg))
    replied = msg.reply_to_message
    about = rules.number_in(replied.text or "") if replied is not None else None
    number = given if given is not None else about
    if number is None:
        only = tasks.only_open(user.id)
        if only is None:
            await reply_key(update, context, "tasks.which_task")
            return
        question = screens.done_question(only.number, only.title, only.revision, context.lang)
        await reply(update, context, question)
        return
    outcome = await act(
        update, context, number, Action.DONE, lambda by: tasks.complete(number, by, note)
    )
    if outcome is not None:
        await reply(update, context, done_answer(context, outcome, "done_reply"))


async def snooze_to(update: Update, context: Ctx, number: int, when_text: str) -> None:
    done = await act_at(
        update, context, number, when_text, Action.SNOOZE, context.services.tasks.snooze
    )
    if done is not None:
        await say(update, screens.snoozed(number, done[1], render_ctx(context, context.lang)))


async def report(update: Update, context: Ctx, number: int, text: str) -> None:
    tasks = context.services.tasks
    outcome = await act(
        update, context, number, Action.REPORT, lambda by: tasks.report(number, by, text)
    )
    if outcome is not None:
        await reply_key(update, context, f"tasks.{outcome.toast}", number=number)


async def extend(update: Update, context: Ctx, number: int, text: str) -> None:
    try:
        until, reason = context.services.tasks.extension_wanted(number, text)
    except (ParseError, TaskRefused) as exc:
        await answer_refusal(update, context, exc)
        return
    tasks = context.services.tasks
    ask: Use = lambda by: tasks.ask_extension(number, by, until, reason)  # noqa: E731
    outcome = await act(update, context, number, Action.EXTEND, ask)
    if outcome is not None:
        ctx = render_ctx(context, context.lang)
        await say(update, screens.extension_sent(number, until, outcome.taker, ctx))


async def due_or_extend(update: Update, context: Ctx, number: int, when: str) -> None:
    """#3 改到周五: the assigner's new deadline, or an assignee's request for one."""
    task = context.services.tasks.get(number)
    user = update.effective_user
    assert user is not None
    if (
        task is not None
        and user.id in task.assignee_ids()
        and not rules.may(task, user.id, Action.CHANGE_DUE)
    ):
        await extend(update, context, number, when)
        return
    await move_due(update, context, number, when)


async def move_due(update: Update, context: Ctx, number: int, when: str) -> None:
    """The assigner's new deadline for #number (/due, 改到…, the answer to 新的截止时间)."""
    tasks = context.services.tasks
    done = await act_at(update, context, number, when, Action.CHANGE_DUE, tasks.change_due)
    if done is not None:
        await say(update, screens.due_moved(number, done[1], render_ctx(context, context.lang)))


async def reassign(update: Update, context: Ctx, number: int, who: str, add: bool = False) -> None:
    tasks = context.services.tasks
    msg = update.effective_message
    task = tasks.get(number)
    if task is None or msg is None:
        await answer_refusal(update, context, TaskRefused("unknown", number=number))
        return
    try:
        people, plus = tasks.people_named(who, task, mentioned_ids(msg))
    except TaskRefused as exc:
        await answer_refusal(update, context, exc)
        return
    change: Use = lambda by: tasks.set_people(number, by, people, add=add or plus)  # noqa: E731
    outcome = await act(update, context, number, Action.REASSIGN, change)
    if outcome is not None:
        await reply_key(update, context, "tasks.people_reply", number=number, name=outcome.taker)


async def ask_cancel(update: Update, context: Ctx, number: int, reason: str) -> None:
    """The confirm step; it answers the message that asked, where the reason is read back."""
    task = context.services.tasks.get(number)
    if task is None:
        await answer_refusal(update, context, TaskRefused("unknown", number=number))
        return
    by = await actor_for(context, update, task, Action.CANCEL)
    try:
        task = context.services.tasks.may_cancel(number, by)
    except TaskRefused as exc:
        await answer_refusal(update, context, exc)
        return
    question = screens.cancel_question(number, task.title, task.revision, context.lang, reason)
    await reply(update, context, question, quote=True)


async def rename(update: Update, context: Ctx, number: int, title: str) -> None:
    tasks = context.services.tasks
    change: Use = lambda by: tasks.rename(number, by, title)  # noqa: E731
    outcome = await act(update, context, number, Action.RENAME, change)
    if outcome is not None:
        title = outcome.task.title
        await reply_key(update, context, "tasks.renamed_reply", number=number, title=title)


async def set_priority(update: Update, context: Ctx, number: int, word: str) -> None:
    tasks = context.services.tasks
    priority = changes.priority_named(word)
    if priority is None:
        await reply_key(update, context, "tasks.priority_usage")
        return
    change: Use = lambda by: tasks.set_priority(number, by, priority)  # noqa: E731
    if await act(update, context, number, Action.PRIORITY, change) is not None:
        label = priority_name(priority, context.lang)
        await reply_key(update, context, "tasks.priority_reply", number=number, priority=label)


# The changes said in words in private (bot/tasks/words.py `read_change`).
CHANGES: dict[Change, NumberAct] = {
    Change.REASSIGN: reassign,
    Change.ADD: lambda u, c, n, rest: reassign(u, c, n, rest, add=True),
    Change.CANCEL: ask_cancel,
    Change.DUE: due_or_extend,
    Change.EXTEND: extend,
    Change.RENAME: rename,
    Change.PRIORITY: set_priority,
}


# The `/x #n <rest>` commands: how each is used, said when the number (or the rest) is missing.
cmd_snooze = number_command("tasks.snooze_usage", snooze_to)  # for me only; the deadline stays
cmd_report = number_command("tasks.report_usage", report)  # a progress note (汇报)
cmd_extend = number_command("tasks.extend_usage", extend)  # ask for more time (申请延期)
cmd_due = number_command("tasks.due_usage", due_or_extend)  # 改期; an assignee's: a request
cmd_reassign = number_command("tasks.reassign_usage", reassign)  # 改派 (`+ @who` adds)
cmd_cancel = number_command("tasks.cancel_usage", ask_cancel, rest_needed=False)  # asks first
cmd_rename = number_command("tasks.rename_usage", rename)  # 改标题
cmd_priority = number_command("tasks.priority_usage", set_priority)  # 急|尽快|一般|不急
