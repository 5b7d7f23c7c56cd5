"""Notices on Telegram: /notify, the 收到 button, the sender's tracking (with its 更改 and
取消 buttons), /notices, /notice, /export notice, and the due work on the tick.

Handlers translate: read the update, call the notice service once, answer; after a change
they let the sender's tracking catch up at once (`refresh_tracking`, which the clock may defer
to the tick). The change prompt is stateless: the bot's question carries the notice number and
is recognised from its text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Chat, ForceReply, InputFile, Message, Update, User
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Ctx, Services
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.i18n import t
from bot.core.render import RenderContext
from bot.groups.rules import topic_of
from bot.notices import callbacks, rules, views
from bot.notices.callbacks import Press, Verb
from bot.notices.rules import Confirm, Manage, ManageCommand, Notice, NoticeRefused
from bot.notices.service import AdminCheck
from bot.people.rules import tz_of
from handlers.common import (
    OnPress,
    command_args,
    is_admin,
    mentions_by_offset,
    prompt_reply,
    refuse,
    send_privately,
    toast_text,
    topic_of_update,
)

log = logging.getLogger(__name__)

_EXPORT_RE = r"^/export(@\w+)?\s+notice\b"


# ----- helpers ----------------------------------------------------------------------------------
async def _refuse(update: Update, context: Ctx, exc: NoticeRefused) -> None:
    await refuse(update, t(context.lang, f"notices.{exc.key}", **exc.values))


def _admin(context: Ctx, user_id: int) -> AdminCheck:
    """Whether the person is an admin of a group (or, given None, of the bot), asked when needed."""

    async def check(chat_id: int | None) -> bool:
        return await is_admin(context, user_id, chat_id)

    return check


def _reader(context: Ctx) -> RenderContext:
    """How the speaker reads a private answer: their language and zone."""
    data = context.bot_data
    return RenderContext(context.user_lang, tz_of(context.person, data.settings), data.clock.now())


async def _privately(
    update: Update,
    context: Ctx,
    reply: Callable[[], Awaitable[object]],
    send: Callable[[int], Awaitable[object]],
) -> None:
    """Answer in a private chat; from a group send it privately and say so (or how to start
    the bot): what goes this way has phones in it."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type == Chat.PRIVATE:
        await reply()
        return
    await send_privately(update, context, send, "notices")


async def _retire_group_post(context: Ctx, notice: Notice) -> None:
    """The group post of a cancelled or changed version loses its 收到 button."""
    if notice.group_message_id is None or not notice.from_group:
        return
    try:
        await context.bot.edit_message_reply_markup(
            notice.chat_id, notice.group_message_id, reply_markup=None
        )
    except TelegramError as exc:
        log.info("notice %s: group post kept its button: %s", notice.number, exc)


# ----- /notify ----------------------------------------------------------------------------------
async def cmd_notify(update: Update, context: Ctx) -> None:
    """/notify <roster | @people | 大家> <text> — a notice everyone must confirm."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    args = command_args(msg)
    if not args.strip():
        await msg.reply_text(t(context.lang, "notices.usage"))
        return
    replied = msg.reply_to_message
    try:
        created = context.services.notices.create(
            actor=user.id,
            chat_id=chat.id,
            text=args,
            mentions=mentions_by_offset(msg, args),
            replied_text=(replied.text or replied.caption) if replied is not None else None,
            update_id=update.update_id,
            thread_id=topic_of(msg.message_thread_id, msg.is_topic_message),
        )
    except NoticeRefused as exc:
        await _refuse(update, context, exc)
        return
    await context.bot_data.delivery.send(created.entries)
    if chat.type != Chat.PRIVATE and not created.sender_reachable:
        await msg.reply_text(
            t(context.lang, "notices.sender_unreachable", bot=context.bot.username)
        )


# ----- the buttons ------------------------------------------------------------------------------
@OnPress(callbacks.parse, "notices.stale_button")
async def cb_notice(
    update: Update, context: Ctx, _query: CallbackQuery, _user: User, press: Press
) -> None:
    """收到 on a notice; 更改 / 取消 / 返回 on a tracking message."""
    try:
        await _PRESSES[press.verb](update, context, press)
    except NoticeRefused as exc:
        await _refuse(update, context, exc)


async def _press_confirm(update: Update, context: Ctx, press: Press) -> None:
    """收到: counted once; the person's own copy shows the new state (a group post is shared
    and stays), then the sender's tracking."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    done = context.services.notices.confirm(
        press.number, press.version or 0, user.id, user.username, update_id=update.update_id
    )
    ctx = _reader(context)
    at = done.recipient.confirmed_at if done.recipient is not None else None
    text, alert = views.confirm_answer(done.result, at, ctx)
    await query.answer(toast_text(text), show_alert=alert)
    message = query.message
    if isinstance(message, Message) and message.chat.type == Chat.PRIVATE:
        card = views.card_after_press(done.result, done.card, at, message.text_html, ctx)
        if card is not None:
            try:
                await message.edit_text(card, reply_markup=None)
            except TelegramError as exc:
                log.info("notice %s: could not edit the recipient's copy: %s", press.number, exc)
    if done.result == Confirm.CONFIRMED:
        await context.services.notices.refresh_tracking(press.number)


async def _press_change(update: Update, context: Ctx, press: Press) -> None:
    """更改: ask for the new text (the answer is a reply to the question)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    await context.services.notices.may_change(press.number, user.id, _admin(context, user.id))
    await query.answer()
    chat_id = query.message.chat.id if query.message is not None else user.id
    await context.bot.send_message(
        chat_id,
        views.change_prompt(press.number, context.user_lang),
        reply_markup=ForceReply(selective=True),
        message_thread_id=topic_of_update(update),
    )


async def _press_ask_cancel(update: Update, context: Ctx, press: Press) -> None:
    """取消通知: the tracking asks "really?"."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    shown = await context.services.notices.cancel_question(
        press.number, user.id, _admin(context, user.id)
    )
    await query.answer()
    if isinstance(query.message, Message):
        markup = keyboard(shown.rendered, shown.lang)
        await query.message.edit_text(shown.rendered.text, reply_markup=markup)  # type: ignore[arg-type]


async def _press_back(update: Update, context: Ctx, press: Press) -> None:
    """返回: the tracking as it stands, without the question."""
    query = update.callback_query
    assert query is not None
    shown = context.services.notices.tracking_now(press.number)
    await query.answer()
    if isinstance(query.message, Message):
        markup = keyboard(shown.rendered, shown.lang)
        try:
            await query.message.edit_text(shown.rendered.text, reply_markup=markup)  # type: ignore[arg-type]
        except TelegramError as exc:
            log.info("notice %s: tracking not restored: %s", press.number, exc)


async def _press_cancel(update: Update, context: Ctx, press: Press) -> None:
    """确定取消: cancel, everyone who got it is told."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    await _cancel(update, context, press.number, user.id)
    text = t(context.user_lang, "notices.toast_cancelled", number=press.number)
    await query.answer(toast_text(text))
    await context.services.notices.refresh_tracking(press.number)


_PRESSES: dict[Verb, Callable[[Update, Ctx, Press], Awaitable[None]]] = {
    Verb.CONFIRM: _press_confirm,
    Verb.CHANGE: _press_change,
    Verb.ASK_CANCEL: _press_ask_cancel,
    Verb.CANCEL: _press_cancel,
    Verb.BACK: _press_back,
}


# ----- cancel / change --------------------------------------------------------------------------
async def _cancel(update: Update, context: Ctx, number: int, actor: int) -> Notice:
    outcome = await context.services.notices.cancel(
        number, actor, _admin(context, actor), update_id=update.update_id
    )
    await context.bot_data.delivery.send(outcome.entries)
    await _retire_group_post(context, outcome.before)
    return outcome.notice


async def _change_and_answer(
    update: Update, context: Ctx, number: int, actor: int, text: str
) -> None:
    msg = update.effective_message
    assert msg is not None
    try:
        outcome = await context.services.notices.change(
            number, actor, text, _admin(context, actor), update_id=update.update_id
        )
    except NoticeRefused as exc:
        await _refuse(update, context, exc)
        return
    await context.bot_data.delivery.send(outcome.entries)
    await _retire_group_post(context, outcome.before)
    count = len(outcome.notice.recipients)
    await msg.reply_text(t(context.lang, "notices.changed_done", number=number, count=count))
    await context.services.notices.refresh_tracking(number)


# ----- /notices, /notice, /export notice ------------------------------------------------------
async def cmd_notices(update: Update, context: Ctx) -> None:
    """/notices: recent notices with their confirmation counts."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    listing = context.services.notices.recent_for(chat_id=chat.id, user_id=user.id)
    ctx = RenderContext(context.lang, listing.tz, context.bot_data.clock.now())
    await msg.reply_text(views.notice_list(listing.lines, ctx))


async def cmd_notice(update: Update, context: Ctx) -> None:
    """/notice <n> | /notice cancel <n> | /notice change <n> <text> | /notice export <n>."""
    msg = update.effective_message
    if msg is None or update.effective_user is None:
        return
    try:
        command = rules.read_manage(command_args(msg))
        await _MANAGE[command.action](update, context, command)
    except NoticeRefused as exc:
        await _refuse(update, context, exc)


async def _manage_show(update: Update, context: Ctx, command: ManageCommand) -> None:
    """/notice <n>: the tracking as a new message, privately (it has phones)."""
    user = update.effective_user
    msg = update.effective_message
    assert user is not None and msg is not None
    shown = await context.services.notices.show(command.number, user.id, _admin(context, user.id))
    text, markup = shown.rendered.text, keyboard(shown.rendered, shown.lang)
    await _privately(
        update,
        context,
        lambda: msg.reply_text(text, reply_markup=markup),
        lambda chat_id: context.bot.send_message(chat_id, text, reply_markup=markup),
    )


async def _manage_cancel(update: Update, context: Ctx, command: ManageCommand) -> None:
    user, msg = update.effective_user, update.effective_message
    assert user is not None and msg is not None
    notice = await _cancel(update, context, command.number, user.id)
    count = len(notice.recipients)
    await msg.reply_text(
        t(context.lang, "notices.cancelled_done", number=command.number, count=count)
    )
    await context.services.notices.refresh_tracking(command.number)


async def _manage_change(update: Update, context: Ctx, command: ManageCommand) -> None:
    user = update.effective_user
    assert user is not None
    await _change_and_answer(update, context, command.number, user.id, command.text)


async def _manage_export(update: Update, context: Ctx, command: ManageCommand) -> None:
    await _export(update, context, command.number)


_MANAGE: dict[Manage, Callable[[Update, Ctx, ManageCommand], Awaitable[None]]] = {
    Manage.SHOW: _manage_show,
    Manage.CANCEL: _manage_cancel,
    Manage.CHANGE: _manage_change,
    Manage.EXPORT: _manage_export,
}


async def msg_export_notice(update: Update, context: Ctx) -> None:
    """/export notice <n>: the confirmation list as a CSV document."""
    msg = update.effective_message
    if msg is None or update.effective_user is None:
        return
    try:
        await _export(update, context, rules.read_export(command_args(msg)))
    except NoticeRefused as exc:
        await _refuse(update, context, exc)


async def _export(update: Update, context: Ctx, number: int) -> None:
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    lang = context.user_lang
    exported = await context.services.notices.export(
        number, user.id, _admin(context, user.id), lang
    )
    caption = t(
        lang,
        "notices.export_caption",
        number=number,
        confirmed=exported.confirmed,
        total=exported.total,
    )
    document = InputFile(exported.content, filename=exported.filename)
    await _privately(
        update,
        context,
        lambda: msg.reply_document(document, caption=caption),
        lambda chat_id: context.bot.send_document(chat_id, document, caption=caption),
    )


# ----- the tick -----------------------------------------------------------------------------------
async def job_notices(context: Ctx) -> None:
    """Resends, reports and meeting reminders that are due (their messages go with the flush
    that follows); tracking messages brought up to date."""
    await context.bot_data.services.notices.tick()


def feature(services: Services) -> Feature:
    """/notify, /notices, /notice, confirmations; due resends and reminders on the tick."""
    service = services.notices
    return Feature(
        "notices",
        handlers=(
            CommandHandler("notify", cmd_notify),
            CommandHandler("notices", cmd_notices),
            CommandHandler("notice", cmd_notice),
            CallbackQueryHandler(cb_notice, pattern=callbacks.PATTERN),
            # The new text of a notice, as a reply to the change prompt.
            prompt_reply(views.prompt_number, "notices.change_reply", _change_and_answer),
        ),
        # /export belongs to the directory (contacts), tried before us in group 0, where the
        # first match wins; /export notice <n> is answered here, in group 1, which runs as well.
        later={1: (MessageHandler(filters.Regex(_EXPORT_RE), msg_export_notice),)},
        messages=views.MESSAGES,
        tick_steps=(job_notices,),
        sent_hooks={
            "notice_tracking": service.on_tracking_sent,
            "notice_group": service.on_group_sent,
            "notice": service.on_notice_sent,
        },
    )
