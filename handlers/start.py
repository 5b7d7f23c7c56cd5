"""/start and /help: the first words, in the person's language."""

from __future__ import annotations

from telegram import Chat, Update

from bot.context import Ctx
from bot.core.i18n import t
from handlers.common import data_of, reply_lang


async def cmd_start(update: Update, context: Ctx) -> None:
    """Greet; in a private chat this also makes the person reachable (see tracking)."""
    msg = update.effective_message
    user = update.effective_user
    if msg is None or user is None:
        return
    lang = reply_lang(update, context)
    name = user.first_name or user.username or ""
    if update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE:
        await msg.reply_text(t(lang, "start.group", name=name))
        return
    waiting = len(data_of(context).tasks.queue(user.id))
    text = t(lang, "start.private", name=name)
    if waiting:
        text += "\n\n" + t(lang, "start.waiting", count=waiting)
    await msg.reply_text(text)


async def cmd_help(update: Update, context: Ctx) -> None:
    """Explain the commands; in a group, also how privacy mode affects plain-language capture."""
    msg = update.effective_message
    if msg is None:
        return
    lang = reply_lang(update, context)
    text = t(lang, "start.help")
    if update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE:
        text += "\n\n" + t(lang, "start.help_group", bot=data_of(context).bot_username)
    await msg.reply_text(text)
