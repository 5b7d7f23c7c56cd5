"""The lists: /my, /next, /assigned (privately, also when asked in a group) and a group's /tasks."""

from __future__ import annotations

from telegram import (
    Chat,
    ForceReply,
    InlineKeyboardMarkup,
    Update,
)

from bot.context import Ctx
from bot.core.delivery import keyboard
from bot.core.i18n import t
from bot.core.paging import split_message
from bot.core.render import RenderContext, Rendered
from bot.tasks import screens
from handlers.common import send_privately
from handlers.tasks.base import render_ctx


async def _send_own_list(update: Update, context: Ctx, rendered: Rendered) -> None:
    """A person's own list: as a reply in private; in a group, privately (with a hint)."""
    msg = update.effective_message
    assert msg is not None
    markup = keyboard(rendered, context.user_lang)
    if update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE:
        # A group never sees anyone's private list.
        await _private_or_hint(update, context, rendered.text, markup)
        return
    *first, last = split_message(rendered.text)  # a long list: several messages, buttons last
    for part in first:
        await msg.reply_text(part)
    await msg.reply_text(last, reply_markup=markup)


async def _private_or_hint(
    update: Update, context: Ctx, text: str, markup: InlineKeyboardMarkup | ForceReply | None
) -> None:
    async def send(chat_id: int) -> None:
        *first, last = split_message(text)
        for part in first:
            await context.bot.send_message(chat_id, part)
        await context.bot.send_message(chat_id, last, reply_markup=markup)

    await send_privately(update, context, send, "tasks")


async def cmd_my(update: Update, context: Ctx) -> None:
    """/my: my open tasks in 轻重缓急 order, ten a page (a snoozed one says until when)."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    page = context.services.tasks.my_page(user.id, 0)
    await _send_own_list(
        update, context, screens.my_page(page, render_ctx(context, context.user_lang))
    )


async def cmd_next(update: Update, context: Ctx) -> None:
    """/next: the one task to do now, with its buttons (snoozed ones wait their time)."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    card, count, snoozed = context.services.tasks.next_for(user.id)
    ctx = render_ctx(context, context.user_lang)
    await _send_own_list(update, context, screens.next_task(card, count, ctx, snoozed))


async def cmd_assigned(update: Update, context: Ctx) -> None:
    """/assigned: what I handed out, each person's state, 催办 and ⚙️ per task."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    items, total = context.services.tasks.handed_out(user.id)
    ctx = render_ctx(context, context.user_lang)
    await _send_own_list(update, context, screens.assigned_list(items, total, ctx))


async def cmd_tasks(update: Update, context: Ctx) -> None:
    """/tasks in a group: the open tasks created there, by assignee."""
    msg, chat = update.effective_message, update.effective_chat
    if msg is None or chat is None:
        return
    lang = context.lang
    if chat.type == Chat.PRIVATE:
        await msg.reply_text(t(lang, "tasks.tasks_private"))
        return
    data = context.bot_data
    total, by_person = context.services.tasks.chat_board(chat.id)
    ctx = RenderContext(lang, data.settings.tz, data.clock.now())  # the group's zone
    for part in split_message(screens.chat_board(total, by_person, ctx)):  # 300 tasks: several
        await msg.reply_text(part)
