"""Small helpers every handler shares: who is speaking, in which language, admin checks."""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

from telegram import CallbackQuery, Message, MessageEntity, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import MessageHandler, filters

from bot.context import Ctx
from bot.core.i18n import t
from bot.tasks.rules import number_in

log = logging.getLogger(__name__)

Found = TypeVar("Found")
Pressed = TypeVar("Pressed")

#: What PTB calls with an update: a handler's callback.
Handler = Callable[[Update, Ctx], Coroutine[Any, Any, None]]
#: A button's handler, given the press its codec read and who pressed.
PressHandler = Callable[[Update, Ctx, CallbackQuery, User, Pressed], Coroutine[Any, Any, None]]


async def reply(update: Update, context: Ctx, key: str, /, **values: object) -> Message | None:
    """Answer the message in its chat, in the right language."""
    msg = update.effective_message
    if msg is None:
        return None
    return await msg.reply_text(t(context.lang, key, **values))


async def is_admin(context: Ctx, user_id: int, chat_id: int | None) -> bool:
    """OFFICEBOT_ADMINS, or an administrator of the given group chat."""
    data = context.bot_data
    if user_id in data.settings.admins:
        return True
    if chat_id is None or chat_id > 0:
        return False
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        log.info("could not check admin status of %s in %s", user_id, chat_id)
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def py_span(text: str, entity: MessageEntity) -> tuple[int, int]:
    """Telegram counts UTF-16 code units; Python counts code points."""
    encoded = text.encode("utf-16-le")
    start = len(encoded[: entity.offset * 2].decode("utf-16-le"))
    end = start + len(
        encoded[entity.offset * 2 : (entity.offset + entity.length) * 2].decode("utf-16-le")
    )
    return start, end


def task_number(text: str) -> int | None:
    """The first `#n` in a text (see bot/tasks/rules.py `number_in`)."""
    return number_in(text)


def topic_of_update(update: Update) -> int | None:
    """The forum topic of the message an update is about (a button's message, or the message
    itself): a bot message sent in answer goes there (None: the General topic, or no topics)."""
    query = update.callback_query
    msg = query.message if query is not None else update.effective_message
    if not isinstance(msg, Message) or not msg.is_topic_message:
        return None
    return msg.message_thread_id


def command_args(message: Message) -> str:
    """The text after the command (`/task@bot text` → `text`)."""
    text = message.text or message.caption or ""
    parts = text.split(maxsplit=1)
    if parts and parts[0].startswith("/"):
        return parts[1] if len(parts) > 1 else ""
    return text


def toast_text(text_html: str) -> str:
    """Button answers show plain text of at most 200 characters: tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", text_html))[:190]


async def refuse(update: Update, text_html: str) -> None:
    """Say no: an alert on a button press, a reply to a message. Nothing else happens."""
    if update.callback_query is not None:
        await update.callback_query.answer(toast_text(text_html), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text_html)


class ReplyToPrompt(filters.MessageFilter):
    """A reply to one of the bot's own questions that `recognise` knows from its text (the
    question carries what it is about, so a restart loses nothing)."""

    def __init__(self, recognise: Callable[[str], object], name: str) -> None:
        super().__init__(name=name)
        self._recognise = recognise

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or not replied.from_user.is_bot:
            return False
        found = self._recognise(replied.text or "")
        return found is not None and found is not False


# (update, context, what the question was about, who answered, the text of the answer)
PromptAnswer = Callable[[Update, Ctx, Found, int, str], Coroutine[Any, Any, None]]


def prompt_reply(
    recognise: Callable[[str], Found | None], name: str, answer: PromptAnswer[Found]
) -> MessageHandler[Any, None]:
    """The handler of a text (not a command) replied to one of the bot's own questions that
    `recognise` knows from its text: `answer` gets what it is about, the speaker and the text."""

    async def handle(update: Update, context: Ctx) -> None:
        msg, user = update.effective_message, update.effective_user
        if msg is None or user is None or msg.reply_to_message is None:
            return
        found = recognise(msg.reply_to_message.text or "")
        if found is None:
            return
        await answer(update, context, found, user.id, msg.text or "")

    return MessageHandler(filters.TEXT & ~filters.COMMAND & ReplyToPrompt(recognise, name), handle)


def mentions_by_offset(message: Message, args: str) -> dict[int, int]:
    """Text mentions (people without a username), by their offset in the command's args."""
    text = message.text or ""
    base = len(text) - len(args)
    out: dict[int, int] = {}
    for entity in message.entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            start, _ = py_span(text, entity)
            out[start - base] = entity.user.id
    return out


async def send_privately(
    update: Update, context: Ctx, send: Callable[[int], Awaitable[object]], feature: str
) -> None:
    """Send to the speaker privately (`send` gets their chat id) and say so where they asked
    (`<feature>.sent_privately`); when they cannot be reached, how to start the bot
    (`<feature>.start_privately`)."""
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    person = context.person
    if person is not None and person.reachable_privately:
        try:
            await send(user.id)
            await msg.reply_text(t(context.lang, f"{feature}.sent_privately"))
            return
        except TelegramError:
            log.info("could not write privately to %s", user.id)
    await msg.reply_text(t(context.lang, f"{feature}.start_privately", bot=context.bot.username))


class OnPress(Generic[Pressed]):
    """Makes a feature's button handler (a decorator): the decorated function gets the press
    its codec (`parse`) reads from the button's data and who pressed; data it does not read (an
    old or tampered button) gets the `stale` alert instead. A codec whose press is a union
    names it: `@OnPress[Press](parse, ...)`."""

    def __init__(self, parse: Callable[[str], Pressed | None], stale: str) -> None:
        self._parse = parse
        self._stale = stale

    def __call__(self, handle: PressHandler[Pressed]) -> Handler:
        parse, stale = self._parse, self._stale

        @functools.wraps(handle)
        async def handler(update: Update, context: Ctx) -> None:
            query, user = update.callback_query, update.effective_user
            if query is None or user is None:
                return
            press = parse(query.data or "")
            if press is None:
                await query.answer(t(context.user_lang, stale), show_alert=True)
                return
            await handle(update, context, query, user, press)

        return handler
