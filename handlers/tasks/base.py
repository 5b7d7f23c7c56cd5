"""What every task handler shares: who speaks and how they read, refusals, acting on #n through
the task service, the numbers and times commands carry, questions with ForceReply."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from telegram import (
    ForceReply,
    Message,
    MessageEntity,
    Update,
)

from bot.context import Ctx
from bot.core.config import Lang
from bot.core.delivery import keyboard
from bot.core.i18n import t
from bot.core.render import RenderContext, Rendered
from bot.parsing import ParseError
from bot.people.rules import mention, tz_of
from bot.tasks import rules, screens
from bot.tasks.models import Task
from bot.tasks.rules import Action, Prompt, TaskRefused
from bot.tasks.service import Actor, Outcome, SnoozeLate
from handlers.common import command_args, is_admin, py_span, refuse


def render_ctx(context: Ctx, lang: Lang) -> RenderContext:
    """How the speaker reads: the language given, their zone, now."""
    data = context.bot_data
    return RenderContext(lang, tz_of(context.person, data.settings), data.clock.now())


async def answer_refusal(update: Update, context: Ctx, exc: TaskRefused | ParseError) -> None:
    lang = context.lang
    text = screens.refusal(lang, exc) if isinstance(exc, TaskRefused) else exc.message(lang)
    await refuse(update, text)


async def actor_for(context: Ctx, update: Update, task: Task, action: Action) -> Actor:
    """The speaker acting on `task`; asks Telegram whether they are an admin only when the
    rules would not let them take `action` otherwise."""
    user = update.effective_user
    assert user is not None
    admin = not rules.may(task, user.id, action) and await is_admin(context, user.id, task.chat_id)
    return Actor(user.id, admin, update.update_id)


def mentions_of(message: Message, shift: int = 0) -> list[tuple[int, int, str]]:
    """Telegram's text_mention entities (people without a username) as parser spans."""
    text = message.text or message.caption or ""
    out = []
    for entity in message.entities or message.caption_entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            start, end = py_span(text, entity)
            out.append((start + shift, end + shift, f"id:{entity.user.id}"))
    return out


def mentioned_ids(message: Message) -> list[int]:
    return [
        e.user.id
        for e in message.entities or ()
        if e.type == MessageEntity.TEXT_MENTION and e.user is not None
    ]


async def reply_key(update: Update, context: Ctx, key: str, **values: object) -> None:
    msg = update.effective_message
    if msg is not None:
        await msg.reply_text(t(context.lang, key, **values))


async def reply(
    update: Update, context: Ctx, rendered: Rendered, *, quote: bool | None = None
) -> None:
    """Answer the message; `quote`: as a reply to it even in private, where the answer's
    buttons read the message back (记为任务, the reason of a cancel)."""
    msg = update.effective_message
    if msg is not None:
        markup = keyboard(rendered, context.lang)
        await msg.reply_text(rendered.text, reply_markup=markup, do_quote=quote)


def ignored_names(context: Ctx) -> set[str]:
    return {context.bot.username} if context.bot.username else set()


def from_bot(context: Ctx, message: Message | None) -> bool:
    return (
        message is not None
        and message.from_user is not None
        and message.from_user.id == context.bot.id
    )


Use = Callable[[Actor], Outcome]


NumberAct = Callable[[Update, Ctx, int, str], Awaitable[None]]  # (#n, the rest of the text)


async def act(
    update: Update, context: Ctx, number: int, action: Action, use: Use
) -> Outcome | None:
    """Do `action` on #number through `use`, send what it queued; None if refused (a snooze
    past the deadline gets its warning instead)."""
    task = context.services.tasks.get(number)
    if task is None:
        await answer_refusal(update, context, TaskRefused("unknown", number=number))
        return None
    by = await actor_for(context, update, task, action)
    try:
        outcome = use(by)
    except SnoozeLate as late:
        await reply(update, context, late_warning(context, late, context.lang))
        return None
    except TaskRefused as exc:
        await answer_refusal(update, context, exc)
        return None
    await context.bot_data.delivery.send(outcome.entries)
    return outcome


def late_warning(context: Ctx, late: SnoozeLate, lang: Lang) -> Rendered:
    number = int(str(late.values["number"]))
    ctx = render_ctx(context, lang)
    return screens.late_snooze(number, late.until, late.due, late.rev, ctx, own=late.own)


async def number_and_rest(
    update: Update, context: Ctx, usage: str, *, rest_needed: bool = True
) -> tuple[int, str] | None:
    """`/x #n <rest>`: the number and the rest; None after saying how it is used."""
    msg = update.effective_message
    if msg is None:
        return None
    given, rest = rules.split_number(command_args(msg))
    if given is None or (rest_needed and not rest):
        await reply_key(update, context, usage)
        return None
    return given, rest


def number_command(
    usage: str, then: NumberAct, *, rest_needed: bool = True
) -> Callable[[Update, Ctx], Coroutine[Any, Any, None]]:
    """The handler of a `/x #n <rest>` command: `then` with the number and the rest, or how it
    is used (`usage`) when either is missing."""

    async def command(update: Update, context: Ctx) -> None:
        got = await number_and_rest(update, context, usage, rest_needed=rest_needed)
        if got is not None:
            await then(update, context, *got)

    return command


def done_answer(context: Ctx, outcome: Outcome, key: str) -> Rendered:
    """完成, said back with 撤销: the task, or one's part of a shared one (1/2)."""
    task = outcome.task
    ctx = render_ctx(context, context.lang)
    done = sum(1 for a in task.assignees if a.done_at is not None)
    if not task.finished:
        key = "done_part_reply"
    progress = f"{done}/{len(task.assignees)}"
    return screens.acted(key, task.number, task.revision, ctx, title=task.title, progress=progress)


async def typed_time(
    update: Update, context: Ctx, number: int, text: str, action: Action
) -> datetime | None:
    """The time typed for #number; None after saying what is wrong with it (in the past,
    not understood)."""
    try:
        return context.services.tasks.until(number, text, action)
    except TaskRefused as exc:
        await answer_refusal(update, context, exc)
    except ParseError as exc:
        past = getattr(exc, "suggested", None) is not None
        await refuse(
            update, screens.past_time(context.lang, exc) if past else exc.message(context.lang)
        )
    return None


TimedUse = Callable[[int, Actor, datetime], Outcome]  # (#n, who, the time typed)


async def act_at(
    update: Update,
    context: Ctx,
    number: int,
    when_text: str,
    action: Action,
    use: TimedUse,
    *,
    time_for: Action | None = None,
) -> tuple[Outcome, datetime] | None:
    """`action` on #number at the time typed (read as for `time_for`, else `action`) through
    `use`, what it queued sent; None after saying what is wrong with the time, or why not."""
    at = await typed_time(update, context, number, when_text, time_for or action)
    if at is None:
        return None
    outcome = await act(update, context, number, action, lambda by: use(number, by, at))
    return None if outcome is None else (outcome, at)


async def say(update: Update, text_html: str) -> None:
    msg = update.effective_message
    if msg is not None:
        await msg.reply_text(text_html)


async def ask_prompt(
    context: Ctx,
    chat_id: int,
    user_id: int,
    prompt: Prompt,
    number: int,
    lang: Lang,
    *,
    topic: int | None = None,
) -> None:
    """Ask (ForceReply); `topic`: the forum topic it was asked from."""
    text = html.escape(screens.prompt_text(lang, prompt, number), quote=False)
    if chat_id < 0:  # in a group, ask the person by name so ForceReply(selective) reaches them
        text = mention(context.person, user_id) + " " + text
    await context.bot.send_message(
        chat_id, text, reply_markup=ForceReply(selective=True), message_thread_id=topic
    )
