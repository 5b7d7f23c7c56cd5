"""Groups on Telegram: upgrades to supergroups, people leaving and joining, the bot removed and
added back, edited messages, the /start deep link, and the 重新安排 buttons (bot/groups/).

This feature comes first in the composition root's order: an edited message is handled here and
goes no further (an edit never makes a second task), and `/start t<n>` is answered here before
the plain /start.
"""

from __future__ import annotations

import logging

from telegram import (
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import Ctx, Services
from bot.core.config import Lang
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.i18n import t
from bot.core.render import RenderContext, Rendered
from bot.groups import callbacks, views
from bot.groups.service import Edited
from bot.parsing import ParseError
from bot.people.rules import counts_as_member, tz_of
from bot.tasks import rules as task_rules
from bot.tasks import screens
from bot.tasks import views as task_views
from bot.tasks.rules import Action
from handlers import start
from handlers.common import OnPress, command_args, is_admin, py_span, toast_text

log = logging.getLogger(__name__)

_GROUPS = (Chat.GROUP, Chat.SUPERGROUP)


def _ctx(context: Ctx, lang: Lang) -> RenderContext:
    data = context.bot_data
    return RenderContext(
        lang, tz_of(context.person, data.settings), data.clock.now(), context.bot.username
    )


def _inline(rendered: Rendered, lang: Lang) -> InlineKeyboardMarkup | None:
    markup = keyboard(rendered, lang)
    return markup if isinstance(markup, InlineKeyboardMarkup) else None


# ----- edits ------------------------------------------------------------------------------------
def _task_text(msg: Message) -> str:
    """The text a task would be read from: a command's arguments, else the whole message."""
    text = msg.text or msg.caption or ""
    return command_args(msg) if text.startswith("/") else text


def _mentions(msg: Message) -> list[tuple[int, int, str]]:
    """Telegram's text_mention entities (people without a username) as parser spans."""
    text = msg.text or msg.caption or ""
    spans = []
    for entity in msg.entities or msg.caption_entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            begin, end = py_span(text, entity)
            spans.append((begin, end, f"id:{entity.user.id}"))
    if text.startswith("/"):  # the spans are of the arguments, as when it was created
        cut = len(text) - len(command_args(msg))
        spans = [(b - cut, e - cut, who) for b, e, who in spans if b >= cut]
    return spans


async def msg_edited(update: Update, context: Ctx) -> None:
    """An edited message: the task made from it is updated (within 15 minutes, by whoever made
    it); any other edit changes nothing. No other handler sees an edit."""
    msg, user, chat = update.edited_message, update.effective_user, update.effective_chat
    if msg is not None and user is not None and chat is not None and (msg.text or msg.caption):
        edited = context.services.groups.edit(
            chat_id=chat.id,
            message_id=msg.message_id,
            editor=user.id,
            text=_task_text(msg),
            mentions=_mentions(msg),
            ignore_usernames={context.bot.username} if context.bot.username else set(),
            update_id=update.update_id,
        )
        if edited is not None:
            await _answer_edit(msg, context, edited)
    raise ApplicationHandlerStop


async def _answer_edit(msg: Message, context: Ctx, edited: Edited) -> None:
    lang = context.lang
    number = edited.task.number
    if edited.late:
        await msg.reply_text(t(lang, "groups.edit_late", number=number))
    elif isinstance(edited.error, ParseError):
        error = edited.error.message(lang)
        await msg.reply_text(t(lang, "groups.edit_unreadable", number=number, error=error))
    elif edited.error is not None:
        await msg.reply_text(screens.refusal(lang, edited.error))
    else:
        await context.bot_data.delivery.send(edited.entries)


# ----- upgrades, joins and leaves ----------------------------------------------------------------
async def msg_migrated(update: Update, context: Ctx) -> None:
    """The group became a supergroup (either chat's service message): everything moves."""
    msg = update.effective_message
    if msg is None:
        return
    if msg.migrate_to_chat_id:
        old, new = msg.chat.id, msg.migrate_to_chat_id
    elif msg.migrate_from_chat_id:
        old, new = msg.migrate_from_chat_id, msg.chat.id
    else:
        return
    context.services.groups.migrate(old, new, update_id=update.update_id)
    await context.bot_data.delivery.flush()


async def msg_left(update: Update, context: Ctx) -> None:
    """Someone left the group or was removed (the service message)."""
    msg, chat = update.effective_message, update.effective_chat
    if msg is None or chat is None or msg.left_chat_member is None:
        return
    gone = msg.left_chat_member
    groups = context.services.groups
    if gone.id == context.bot.id:
        groups.bot_removed(chat.id, chat.title or "", update_id=update.update_id)
    elif not gone.is_bot:
        entries = groups.member_left(chat.id, chat.title or "", gone.id, update_id=update.update_id)
        await context.bot_data.delivery.send(entries)


async def msg_joined(update: Update, context: Ctx) -> None:
    """People added to the group (the service message): back on its tasks; the bot itself:
    what waited for the group goes out."""
    msg, chat = update.effective_message, update.effective_chat
    if msg is None or chat is None:
        return
    users = list(msg.new_chat_members or ())
    groups = context.services.groups
    people = [u.id for u in users if not u.is_bot]
    if people:
        groups.members_back(chat.id, people, update_id=update.update_id)
    back = any(u.id == context.bot.id for u in users)
    if back and groups.bot_back(chat.id, chat.title or ""):
        await context.bot_data.delivery.flush()


def _still_in(changed: ChatMemberUpdated) -> bool:
    new = changed.new_chat_member
    return counts_as_member(new.status, is_member=bool(getattr(new, "is_member", False)))


async def on_member(update: Update, context: Ctx) -> None:
    """chat_member: a member left, was removed, or came back."""
    changed = update.chat_member
    if changed is None or changed.chat.type not in _GROUPS:
        return
    user, chat = changed.new_chat_member.user, changed.chat
    groups = context.services.groups
    if user.is_bot:
        return
    if _still_in(changed):
        groups.members_back(chat.id, [user.id], update_id=update.update_id)
        return
    entries = groups.member_left(chat.id, chat.title or "", user.id, update_id=update.update_id)
    await context.bot_data.delivery.send(entries)


async def on_bot_member(update: Update, context: Ctx) -> None:
    """my_chat_member in a group: the bot was removed (its messages for the group wait) or
    added back (they go out)."""
    changed = update.my_chat_member
    if changed is None or changed.chat.type not in _GROUPS:
        return
    chat, groups = changed.chat, context.services.groups
    if _still_in(changed):
        if groups.bot_back(chat.id, chat.title or "", update_id=update.update_id):
            await context.bot_data.delivery.flush()
    else:
        groups.bot_removed(chat.id, chat.title or "", update_id=update.update_id)


# ----- 重新安排 -----------------------------------------------------------------------------------
@OnPress(callbacks.parse, "tasks.stale_button")
async def cb_groups(
    _update: Update, context: Ctx, query: CallbackQuery, user: User, press: callbacks.Press
) -> None:
    """重新安排 #n: the task's card with the colleagues to give it to, as a new message."""
    lang = context.user_lang
    groups = context.services.groups
    task = context.services.tasks.get(press.number)
    admin = task is not None and (
        not task_rules.may(task, user.id, Action.REASSIGN)
        and await is_admin(context, user.id, task.chat_id)
    )
    try:
        offer = groups.reassign_offer(press.number, user.id, is_admin=admin)
    except task_rules.TaskRefused as exc:
        await query.answer(toast_text(screens.refusal(lang, exc)), show_alert=True)
        return
    if offer is None:
        await query.answer(t(lang, "groups.reassign_settled", number=press.number))
        return
    await query.answer()
    ctx = _ctx(context, lang)
    lines = task_views.card_lines(context.services.tasks.card(offer.task), ctx)
    lines.append(t(lang, "groups.reassign_offer", name=offer.leaver, number=press.number))
    rows = screens.reassign_menu(press.number, offer.colleagues, rev=offer.task.revision)
    rendered = Rendered("\n".join(lines), rows)
    message = query.message
    if isinstance(message, Message):
        await message.reply_text(rendered.text, reply_markup=_inline(rendered, lang))
    else:
        await context.bot.send_message(user.id, rendered.text, reply_markup=_inline(rendered, lang))


# ----- the deep link -----------------------------------------------------------------------------
async def cmd_start_link(update: Update, context: Ctx) -> None:
    """/start t<n> (the button beside a group mention): the greeting, then task #n at once."""
    await start.cmd_start(update, context)
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    payload = context.args[0] if context.args else ""
    task = context.services.groups.linked_task(payload, user.id)
    if task is None:
        return
    lang = context.user_lang
    card = context.services.tasks.card(task, user.id)
    rendered = task_views.card_with_state(
        card, _ctx(context, lang), buttons=task_rules.open_for(task, user.id)
    )
    text = t(lang, "groups.start_task") + "\n" + rendered.text
    await msg.reply_text(text, reply_markup=_inline(rendered, lang))


def feature(_services: Services) -> Feature:
    """Edits, upgrades, joins and leaves, the bot's own membership, /start t<n>, 重新安排."""
    return Feature(
        "groups",
        handlers=(
            # First of all: an edit goes no further than here.
            MessageHandler(filters.UpdateType.EDITED, msg_edited),
            MessageHandler(filters.StatusUpdate.MIGRATE, msg_migrated),
            MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, msg_left),
            MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, msg_joined),
            ChatMemberHandler(on_member, ChatMemberHandler.CHAT_MEMBER),
            ChatMemberHandler(on_bot_member, ChatMemberHandler.MY_CHAT_MEMBER),
            CommandHandler(
                "start",
                cmd_start_link,
                filters=filters.ChatType.PRIVATE & filters.Regex(r"^/start(?:@\w+)?\s+t\d+"),
            ),
            CallbackQueryHandler(cb_groups, pattern=callbacks.PATTERN),
        ),
        messages=views.MESSAGES,
    )
