"""Capture: /task (also in reply to a message), plain text in private (a task for oneself, unless
it is chatter, a question, a forwarded message or a change said in words), mentions in groups."""

from __future__ import annotations

from telegram import (
    Message,
    MessageEntity,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)

from bot.context import Ctx
from bot.core.spaces import private_space
from bot.directory.views import render_found, space_labels
from bot.groups.rules import topic_of
from bot.parsing import ParseError
from bot.tasks import rules, screens, words
from bot.tasks.rules import TaskRefused
from bot.tasks.words import Said
from handlers.common import command_args
from handlers.people import member_check
from handlers.tasks.base import answer_refusal, ignored_names, mentions_of, reply, reply_key
from handlers.tasks.commands import CHANGES
from handlers.tasks.replies import maybe_reply_to_bot

SHOWN_CONTACTS = 5  # contacts shown for a question about someone's phone


async def create(
    update: Update,
    context: Ctx,
    text: str,
    *,
    mentions: list[tuple[int, int, str]] | None = None,
    message_id: int | None = None,
    source: str | None = None,
) -> None:
    msg = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    if msg is None or user is None or chat is None:
        return
    try:
        outcome = context.services.tasks.create(
            actor=user.id,
            chat_id=chat.id,
            text=text,
            mentions=mentions_of(msg) if mentions is None else mentions,
            ignore_usernames=ignored_names(context),
            message_id=msg.message_id if message_id is None else message_id,
            update_id=update.update_id,
            source=source,
            thread_id=topic_of(msg.message_thread_id, msg.is_topic_message),
        )
    except (ParseError, TaskRefused) as exc:
        await answer_refusal(update, context, exc)
        return
    await context.bot_data.delivery.send(outcome.entries)


async def cmd_task(update: Update, context: Ctx) -> None:
    """/task <text>; or /task [@people, when …] in reply to a message: its text is the task,
    the people named in the command do it, and it answers the message it came from."""
    msg = update.effective_message
    if msg is None:
        return
    args = command_args(msg).strip()
    given, _ = rules.split_number(args)
    if given is not None and args.startswith("#"):
        await reply_key(update, context, "tasks.task_number_hint", number=given)
        return
    source = msg.reply_to_message
    source_text = (source.text or source.caption or "") if source is not None else ""
    spans = _spans_in_args(msg, args)
    if source is not None and source_text:
        text = f"{args} {source_text}" if args else source_text
        spans += mentions_of(source, shift=len(args) + 1 if args else 0)
        await create(update, context, text, mentions=spans, message_id=source.message_id)
        return
    if not args:
        await reply_key(update, context, "tasks.task_usage")
        return
    await create(update, context, args, mentions=spans)


def _spans_in_args(msg: Message, args: str) -> list[tuple[int, int, str]]:
    """The command's text mentions, as spans of its arguments (what the parser reads)."""
    offset = (msg.text or "").find(args) if args else -1
    if offset < 0:
        return []
    return [(a - offset, b - offset, who) for a, b, who in mentions_of(msg) if a >= offset]


def _origin_name(origin: MessageOrigin) -> str | None:
    """Who a forwarded message came from, as the person who forwarded it saw it."""
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.full_name
    if isinstance(origin, MessageOriginHiddenUser):
        return origin.sender_user_name
    if isinstance(origin, MessageOriginChat):
        return origin.sender_chat.title or origin.author_signature
    if isinstance(origin, MessageOriginChannel):
        return origin.chat.title
    return None


async def msg_private_text(update: Update, context: Ctx) -> None:
    """Plain text in a private chat: an answer to one of our questions, a reply about a task,
    a forwarded message (a task, with its 来源), a change said in words (改派 #3 给王五),
    chatter or a question (answered, not saved) — else a task for oneself."""
    msg = update.effective_message
    if msg is None or not msg.text:
        return
    if await maybe_reply_to_bot(update, context):
        return
    if msg.forward_origin is not None:
        await create(update, context, msg.text, source=_origin_name(msg.forward_origin))
        return
    said = words.read_change(msg.text)
    if said is not None:
        await CHANGES[said.change](update, context, said.number, said.rest)
        return
    private = words.read_private(msg.text)
    if private.said == Said.TASK:
        await create(update, context, msg.text)
    elif private.said == Said.PHONE:
        await _answer_phone(update, context, private.who)
    elif private.said == Said.QUESTION:
        await reply(update, context, screens.save_offer(context.lang), quote=True)
    else:
        await reply_key(update, context, f"tasks.{private.said.value}_reply")


async def msg_group_text(update: Update, context: Ctx) -> None:
    """In a group: a reply to one of the bot's messages (a question, or about a task), or a
    message that mentions the bot (a task), or — with privacy mode off — a clear assignment."""
    msg = update.effective_message
    if msg is None or not msg.text:
        return
    if await maybe_reply_to_bot(update, context):
        return
    bot_username = context.bot.username.lower()
    mentioned = any(
        e.type == MessageEntity.MENTION and msg.parse_entity(e).lower() == f"@{bot_username}"
        for e in msg.entities or ()
    )
    if mentioned:
        await create(update, context, msg.text)
        return
    # With privacy mode off the bot sees every message: capture the ones that are clearly
    # an assignment ("@张三 周五下午三点前把季度总结交给我，急"), ignore chatter.
    names_someone = any(
        e.type in (MessageEntity.MENTION, MessageEntity.TEXT_MENTION) for e in msg.entities or ()
    )
    if names_someone and context.services.tasks.looks_like_assignment(
        msg.text, mentions=mentions_of(msg), ignore_usernames=ignored_names(context)
    ):
        await create(update, context, msg.text)


async def _answer_phone(update: Update, context: Ctx, who: str) -> None:
    """张伟的电话是多少: the directory answers (what the person may see)."""
    user = update.effective_user
    assert user is not None
    directory = context.services.directory
    spaces = await directory.visible(
        private_space(user.id), user.id, member_check(context, user.id)
    )
    found, more = directory.look_up(spaces, who, SHOWN_CONTACTS)
    lang = context.lang
    where = space_labels(directory.space_titles(spaces), lang)
    rendered = render_found(
        who, [(f.space, f.contact) for f in found], lang, where=where, more=more
    )
    await reply(update, context, rendered)
