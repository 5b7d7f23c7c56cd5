"""/start and /help: the first words, in the person's language; and the answer to what no
feature took — an unknown command, a button no feature reads."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Ctx, Services
from bot.core.feature import Feature
from bot.core.i18n import t


async def cmd_start(update: Update, context: Ctx) -> None:
    """Greet; in a private chat this also makes the person reachable (see tracking)."""
    msg = update.effective_message
    user = update.effective_user
    if msg is None or user is None:
        return
    lang = context.lang
    name = user.first_name or user.username or ""
    if update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE:
        await msg.reply_text(t(lang, "start.group", name=name))
        return
    waiting = len(context.bot_data.services.tasks.queue(user.id))
    text = t(lang, "start.private", name=name)
    if waiting:
        text += "\n\n" + t(lang, "start.waiting", count=waiting)
    await msg.reply_text(text)


async def cmd_help(update: Update, context: Ctx) -> None:
    """Explain the commands; in a group, also how privacy mode affects plain-language capture."""
    msg = update.effective_message
    if msg is None:
        return
    lang = context.lang
    text = t(lang, "start.help")
    if update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE:
        text += "\n\n" + t(lang, "start.help_group", bot=context.bot.username)
    await msg.reply_text(text)


async def msg_unknown_command(update: Update, context: Ctx) -> None:
    """A command no feature knows: one line pointing at /help (in a group only when it is
    addressed to this bot, `/foo@bot`: other bots' commands are theirs)."""
    msg = update.effective_message
    if msg is None or not msg.text:
        return
    word = msg.text.split(maxsplit=1)[0]
    command, _, addressed = word.partition("@")
    private = update.effective_chat is not None and update.effective_chat.type == Chat.PRIVATE
    if not private and addressed.lower() != context.bot.username.lower():
        return
    await msg.reply_text(t(context.lang, "start.unknown_command", command=command[:33]))


async def cb_unknown(update: Update, context: Ctx) -> None:
    """A button no feature reads (tampered, or from a version long gone): answered anyway."""
    query = update.callback_query
    if query is not None:
        await query.answer(t(context.user_lang, "start.unknown_button"), show_alert=True)


def feature(_services: Services) -> Feature:
    """/start and /help; after every feature, unknown commands and buttons."""
    return Feature(
        "start",
        handlers=(CommandHandler("start", cmd_start), CommandHandler("help", cmd_help)),
        catch_all=(
            MessageHandler(filters.COMMAND, msg_unknown_command),
            CallbackQueryHandler(cb_unknown),
        ),
    )
