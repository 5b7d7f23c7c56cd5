"""Replies to the bot's messages: the answer to one of its questions, or — about the task the
message is about — 收到 / 完成 … / 办不了 … / a progress note (never a new task)."""

from __future__ import annotations

from telegram import (
    Update,
)

from bot.context import Ctx
from bot.core.i18n import t
from bot.tasks import rules, screens, words
from bot.tasks.rules import Action, Prompt, TaskRefused
from bot.tasks.words import ReplyKind
from handlers.common import topic_of_update
from handlers.tasks.base import (
    NumberAct,
    TimedUse,
    Use,
    act,
    act_at,
    answer_refusal,
    ask_prompt,
    done_answer,
    from_bot,
    render_ctx,
    reply,
    reply_key,
)
from handlers.tasks.commands import extend, move_due, rename, report, snooze_to


async def maybe_reply_to_bot(update: Update, context: Ctx) -> bool:
    """A reply to one of the bot's messages: the answer to its question, or about the task
    the message is about (True: it was one of these, and was answered)."""
    msg = update.effective_message
    if msg is None or msg.reply_to_message is None:
        return False
    replied = msg.reply_to_message
    if not from_bot(context, replied):
        return False
    text = (msg.text or "").strip()
    found = screens.which_prompt(replied.text or "")
    if found is not None:
        prompt, number = found
        await ANSWERS[prompt](update, context, number, text)
        return True
    numbers = rules.numbers_in(replied.text or "")
    given, rest = rules.hash_number_first(text)
    if given is not None:
        number, text = given, rest
    elif len(numbers) == 1:
        number = numbers[0]
    elif not numbers:
        return False  # not about a task: another feature's message
    else:
        await reply_key(update, context, "tasks.replied_which")
        return True
    await _reply_act(update, context, number, text)
    return True


async def _reply_act(update: Update, context: Ctx, number: int, text: str) -> None:
    """收到 / 完成 … / 办不了 … / anything else, about task #number (never a new task)."""
    task = context.services.tasks.get(number)
    user = update.effective_user
    if task is None or user is None:
        await answer_refusal(update, context, TaskRefused("unknown", number=number))
        return
    said = words.read_reply(text)
    if user.id == task.assigner and user.id not in task.assignee_ids():
        await _assigner_replied(update, context, number, said)
        return
    await _REPLY_ACTS[said.kind](update, context, number, said.note)


async def _assigner_replied(
    update: Update, context: Ctx, number: int, said: words.ReplyAct
) -> None:
    """The assigner's reply: 收到/好的 needs no answer but a nod; anything else goes to the
    people on the task."""
    if said.kind == ReplyKind.ACK:
        await reply_key(update, context, "tasks.ack_reply")
        return
    text = said.note or t(context.lang, f"tasks.act_{said.kind.value}")
    tasks = context.services.tasks
    note: Use = lambda by: tasks.comment(number, by, text)  # noqa: E731
    if await act(update, context, number, Action.NUDGE, note) is not None:
        await reply_key(update, context, "tasks.comment_sent", number=number)


async def _replied_ack(update: Update, context: Ctx, number: int, _note: str) -> None:
    tasks = context.services.tasks
    outcome = await act(
        update, context, number, Action.ACK, lambda by: tasks.acknowledge(number, by)
    )
    if outcome is not None:
        key = "replied_own_ack" if outcome.task.own else "replied_ack"
        await reply(
            update,
            context,
            screens.acted(key, number, outcome.task.revision, render_ctx(context, context.lang)),
        )


async def _replied_done(update: Update, context: Ctx, number: int, note: str) -> None:
    tasks = context.services.tasks
    outcome = await act(
        update, context, number, Action.DONE, lambda by: tasks.complete(number, by, note)
    )
    if outcome is not None:
        key = (
            "replied_done_own"
            if outcome.task.own or outcome.toast == "toast_closed"
            else "replied_done"
        )
        await reply(update, context, done_answer(context, outcome, key))


async def _replied_cannot(update: Update, context: Ctx, number: int, report: str) -> None:
    """办不了 with what was found; without it, the question that asks for it."""
    if not report:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None
        await ask_prompt(
            context,
            chat.id,
            user.id,
            Prompt.CANNOT,
            number,
            context.lang,
            topic=topic_of_update(update),
        )
        return
    tasks = context.services.tasks
    outcome = await act(
        update, context, number, Action.CANNOT, lambda by: tasks.cannot(number, by, report)
    )
    if outcome is not None:
        ctx = render_ctx(context, context.lang)
        await reply(
            update, context, screens.acted("replied_cannot", number, outcome.task.revision, ctx)
        )


async def _replied_progress(update: Update, context: Ctx, number: int, text: str) -> None:
    tasks = context.services.tasks
    outcome = await act(
        update, context, number, Action.REPORT, lambda by: tasks.report(number, by, text)
    )
    if outcome is None:
        return
    if outcome.toast == "report_noted":
        await reply_key(update, context, "tasks.report_noted", number=number)
        return
    ctx = render_ctx(context, context.lang)
    await reply(
        update, context, screens.acted("replied_report", number, outcome.task.revision, ctx)
    )


_REPLY_ACTS: dict[ReplyKind, NumberAct] = {
    ReplyKind.ACK: _replied_ack,
    ReplyKind.DONE: _replied_done,
    ReplyKind.CANNOT: _replied_cannot,
    ReplyKind.PROGRESS: _replied_progress,
}


async def _answer_cannot(update: Update, context: Ctx, number: int, answer: str) -> None:
    tasks = context.services.tasks
    outcome = await act(
        update, context, number, Action.CANNOT, lambda by: tasks.cannot(number, by, answer)
    )
    if outcome is not None:
        await reply_key(update, context, "tasks.cannot_sent", number=number)


async def _answer_with_person(
    update: Update, context: Ctx, number: int, answer: str, action: Action
) -> None:
    """转交给谁 / 交给谁办: the person typed (by @username, or a colleague's name)."""
    tasks = context.services.tasks
    to_user = tasks.person_named(answer, tasks.get(number))
    if to_user is None:
        await reply_key(update, context, "tasks.unknown_person_named", name=answer[:40])
        return
    give = tasks.hand_over if action == Action.HAND_OVER else tasks.reassign
    outcome = await act(update, context, number, action, lambda by: give(number, by, to_user))
    if outcome is not None:
        await reply_key(update, context, "tasks.now_with", name=outcome.taker)


async def _answer_other_time(update: Update, context: Ctx, number: int, answer: str) -> None:
    """改个时间: the assigner approves more time, until the time typed."""
    tasks = context.services.tasks
    approve: TimedUse = lambda n, by, due: tasks.answer_extension(  # noqa: E731
        n, by, None, approve=True, until=due
    )
    done = await act_at(
        update,
        context,
        number,
        answer,
        Action.ANSWER_EXTENSION,
        approve,
        time_for=Action.CHANGE_DUE,
    )
    if done is not None:
        await reply_key(update, context, "tasks.extension_answered", name=done[0].taker)


ANSWERS: dict[Prompt, NumberAct] = {
    Prompt.CANNOT: _answer_cannot,
    Prompt.REPORT: report,
    Prompt.SNOOZE: snooze_to,
    Prompt.DUE: move_due,
    Prompt.HAND: lambda u, c, n, a: _answer_with_person(u, c, n, a, Action.HAND_OVER),
    Prompt.REASSIGN: lambda u, c, n, a: _answer_with_person(u, c, n, a, Action.REASSIGN),
    Prompt.RENAME: rename,
    Prompt.EXTEND: extend,
    Prompt.OTHER_TIME: _answer_other_time,
}
