"""Notices on Telegram: /notify, the 收到 button, the sender's tracking (with its 更改 and
取消 buttons), /notices, /notice, /export notice, and the due work on the tick.

Handlers translate: read the update, call the notice service, answer. The change prompt is
stateless: the bot's question carries the notice number and is recognised from its text.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Chat, ForceReply, InputFile, Message, MessageEntity, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotData, Ctx, Services
from bot.core.config import LANGS, Lang
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.i18n import t, t_plain
from bot.core.render import RenderContext, Rendered
from bot.notices import views
from bot.notices.rules import Confirm, Notice, NoticeRefused
from bot.people.rules import tz_of
from handlers.common import (
    command_args,
    is_admin,
    py_span,
    refuse,
    toast_text,
)

log = logging.getLogger(__name__)

_CB_RE = re.compile(r"^n:(ok|ch|cx|cxy|bk):(\d{1,9})(?::(\d{1,6}))?$")
_EXPORT_RE = r"^/export(@\w+)?\s+notice\b"
_NUMBER_RE = re.compile(r"^\s*(?:#|No\.?|第)?\s*(\d{1,9})\s*号?\s*(.*)$", re.S | re.I)


# ----- helpers ----------------------------------------------------------------------------------
async def _refuse(update: Update, context: Ctx, exc: NoticeRefused) -> None:
    await refuse(update, t(context.lang, f"notices.{exc.key}", **exc.values))


async def _may_manage(context: Ctx, notice: Notice, user_id: int) -> bool:
    """The sender, a bot admin, or an admin of the group the notice was sent in."""
    if user_id == notice.sender:
        return False  # no admin rights needed
    return await is_admin(context, user_id, notice.chat_id if notice.chat_id < 0 else None)


async def _allowed(context: Ctx, notice: Notice, user_id: int) -> bool:
    return user_id == notice.sender or await _may_manage(context, notice, user_id)


def _ctx(data: BotData, user_id: int, lang: Lang) -> RenderContext:
    return RenderContext(lang, tz_of(data.db.get_person(user_id), data.settings), data.clock.now())


def _mentions(message: Message, args: str) -> dict[int, int]:
    """Text mentions (people without a username), by their offset in the command's args."""
    text = message.text or ""
    base = len(text) - len(args)
    out: dict[int, int] = {}
    for entity in message.entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            start, _ = py_span(text, entity)
            out[start - base] = entity.user.id
    return out


def _number_and_rest(text: str) -> tuple[int | None, str]:
    m = _NUMBER_RE.match(text)
    if m is None:
        return None, text.strip()
    return int(m.group(1)), m.group(2).strip()


# ----- /notify ----------------------------------------------------------------------------------
async def cmd_notify(update: Update, context: Ctx) -> None:
    """/notify <roster | @people | 大家> <text> — a notice everyone must confirm."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    data = context.bot_data
    args = command_args(msg)
    lang = context.lang
    if not args.strip():
        await msg.reply_text(t(lang, "notices.usage"))
        return
    replied = msg.reply_to_message
    try:
        created = data.services.notices.create(
            actor=user.id,
            chat_id=chat.id,
            text=args,
            mentions=_mentions(msg, args),
            replied_text=(replied.text or replied.caption) if replied is not None else None,
            update_id=update.update_id,
        )
    except NoticeRefused as exc:
        await _refuse(update, context, exc)
        return
    await data.delivery.send(created.entries)
    data.services.notices.kick()
    if chat.type != Chat.PRIVATE and not created.sender_reachable:
        await msg.reply_text(t(lang, "notices.sender_unreachable", bot=context.bot.username))


# ----- the buttons ------------------------------------------------------------------------------
async def cb_notice(update: Update, context: Ctx) -> None:
    """收到 on a notice; 更改 / 取消 / 返回 on a tracking message."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    m = _CB_RE.match(query.data or "")
    lang = context.user_lang
    if m is None:
        await query.answer(t(lang, "notices.stale_button"), show_alert=True)
        return
    action, number = m.group(1), int(m.group(2))
    handler = _BUTTONS[action]
    try:
        await handler(update, context, number, int(m.group(3) or 0), lang)
    except NoticeRefused as exc:
        await _refuse(update, context, exc)


async def _confirm(update: Update, context: Ctx, number: int, version: int, lang: Lang) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = context.bot_data
    done = data.services.notices.confirm(
        number, version, user.id, user.username, update_id=update.update_id
    )
    notice, result = done.notice, done.result
    ctx = _ctx(data, user.id, lang)
    at = done.recipient.confirmed_at if done.recipient is not None else None
    answers = {
        Confirm.CONFIRMED: (t(lang, "notices.toast_confirmed"), False),
        Confirm.ALREADY: (
            t(
                lang,
                "notices.toast_already",
                at=views.clock_text(at.isoformat() if at else None, ctx),
            ),
            False,
        ),
        Confirm.NOT_RECIPIENT: (t(lang, "notices.alert_not_recipient"), True),
        Confirm.SENDER: (t(lang, "notices.alert_sender"), True),
        Confirm.CANCELLED: (t(lang, "notices.alert_cancelled"), True),
        Confirm.STALE: (t(lang, "notices.alert_stale"), True),
    }
    text, alert = answers[result]
    await query.answer(toast_text(text), show_alert=alert)
    message = query.message
    private = isinstance(message, Message) and message.chat.type == Chat.PRIVATE
    state = {
        Confirm.CONFIRMED: "confirmed",
        Confirm.ALREADY: "confirmed",
        Confirm.CANCELLED: "cancelled",
        Confirm.STALE: "changed",
    }.get(result)
    if private and state is not None and isinstance(message, Message):
        # The person's own copy shows the new state; a group post is shared and stays.
        if state == "confirmed":
            params = data.services.notices.notice_params(notice)
            text = views.notice_state(params, ctx, state, at.isoformat() if at else None)
        else:  # an old version or a cancelled notice: keep its text, say what became of it
            text = message.text_html + "\n" + t(lang, f"notices.state_{state}", at="")
        try:
            await message.edit_text(text, reply_markup=None)
        except TelegramError as exc:
            log.info("notice %s: could not edit the recipient's copy: %s", number, exc)
    if result == Confirm.CONFIRMED:
        data.services.notices.request_refresh(number)


async def _ask_change(update: Update, context: Ctx, number: int, _v: int, lang: Lang) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = context.bot_data
    notice = data.services.notices.get(number)
    from bot.notices.rules import may_manage

    may_manage(notice, user.id, is_admin=await _may_manage(context, notice, user.id))
    await query.answer()
    chat_id = query.message.chat.id if query.message is not None else user.id
    await context.bot.send_message(
        chat_id,
        html.escape(t_plain(lang, "notices.prompt_change", number=number), quote=False),
        reply_markup=ForceReply(selective=True),
    )


async def _ask_cancel(update: Update, context: Ctx, number: int, _v: int, lang: Lang) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    data = context.bot_data
    notice = data.services.notices.get(number)
    from bot.notices.rules import may_manage

    may_manage(notice, user.id, is_admin=await _may_manage(context, notice, user.id))
    await query.answer()
    rendered, rlang = data.services.notices.render_tracking(notice, question=True)
    if isinstance(query.message, Message):
        await query.message.edit_text(rendered.text, reply_markup=keyboard(rendered, rlang))  # type: ignore[arg-type]


async def _back(update: Update, context: Ctx, number: int, _v: int, lang: Lang) -> None:
    query = update.callback_query
    assert query is not None
    data = context.bot_data
    notice = data.services.notices.get(number)
    await query.answer()
    rendered, rlang = data.services.notices.render_tracking(notice)
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(rendered.text, reply_markup=keyboard(rendered, rlang))  # type: ignore[arg-type]
        except TelegramError as exc:
            log.info("notice %s: tracking not restored: %s", number, exc)


async def _cancel(update: Update, context: Ctx, number: int, _v: int, lang: Lang) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    await _do_cancel(update, context, number, user.id)
    await query.answer(toast_text(t(lang, "notices.toast_cancelled", number=number)))


_BUTTONS: dict[str, Callable[[Update, Ctx, int, int, Lang], Awaitable[None]]] = {
    "ok": _confirm,
    "ch": _ask_change,
    "cx": _ask_cancel,
    "cxy": _cancel,
    "bk": _back,
}


# ----- cancel / change --------------------------------------------------------------------------
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


async def _do_cancel(update: Update, context: Ctx, number: int, actor: int) -> Notice:
    data = context.bot_data
    notice = data.services.notices.get(number)
    admin = await _may_manage(context, notice, actor)
    outcome = data.services.notices.cancel(
        number, actor, is_admin=admin, update_id=update.update_id
    )
    await data.delivery.send(outcome.entries)
    data.services.notices.kick()
    data.services.notices.request_refresh(number)
    await _retire_group_post(context, outcome.before)
    return outcome.notice


async def _do_change(update: Update, context: Ctx, number: int, actor: int, text: str) -> Notice:
    data = context.bot_data
    notice = data.services.notices.get(number)
    admin = await _may_manage(context, notice, actor)
    outcome = data.services.notices.change(
        number, actor, text, is_admin=admin, update_id=update.update_id
    )
    await data.delivery.send(outcome.entries)
    data.services.notices.kick()
    data.services.notices.request_refresh(number)
    await _retire_group_post(context, outcome.before)
    return outcome.notice


def _prompt_number(text: str) -> int | None:
    """Recognise our change prompt from its text (in any language): its notice number."""
    for lang in LANGS:
        pattern = re.escape(t_plain(lang, "notices.prompt_change", number=0)).replace(
            "0", r"(\d{1,9})", 1
        )
        m = re.fullmatch(pattern, text.strip())
        if m is not None:
            return int(m.group(1))
    return None


class _ChangePromptReply(filters.MessageFilter):
    """A reply to the bot's "write the new text of notice N" question."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or not replied.from_user.is_bot:
            return False
        return _prompt_number(replied.text or "") is not None


async def msg_change_reply(update: Update, context: Ctx) -> None:
    """The new text of a notice, as a reply to the change prompt."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None or msg.reply_to_message is None:
        return
    number = _prompt_number(msg.reply_to_message.text or "")
    if number is None:
        return
    await _change_and_answer(update, context, number, user.id, msg.text or "")


async def _change_and_answer(
    update: Update, context: Ctx, number: int, actor: int, text: str
) -> None:
    msg = update.effective_message
    assert msg is not None
    try:
        notice = await _do_change(update, context, number, actor, text)
    except NoticeRefused as exc:
        await _refuse(update, context, exc)
        return
    count = len(notice.recipients)
    await msg.reply_text(t(context.lang, "notices.changed_done", number=number, count=count))


# ----- /notices, /notice, /export notice ------------------------------------------------------
async def cmd_notices(update: Update, context: Ctx) -> None:
    """/notices: recent notices with their confirmation counts."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    data = context.bot_data
    lang = context.lang
    items = data.services.notices.recent_for(chat_id=chat.id, user_id=user.id)
    if not items:
        await msg.reply_text(t(lang, "notices.list_empty"))
        return
    tz = data.settings.tz if chat.id < 0 else tz_of(data.db.get_person(user.id), data.settings)
    ctx = RenderContext(lang, tz, data.clock.now())
    lines = [t(lang, "notices.list_header", count=len(items))]
    for n in items:
        lines.append(
            views.list_line(
                {
                    "number": n.number,
                    "status": n.status.value,
                    "created_at": n.created_at.isoformat(),
                    "confirmed": len(n.confirmed()),
                    "total": len(n.recipients),
                    "text": n.text,
                },
                ctx,
            )
        )
    await msg.reply_text("\n".join(lines))


async def cmd_notice(update: Update, context: Ctx) -> None:
    """/notice <n> | /notice cancel <n> | /notice change <n> <text> | /notice export <n>."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    lang = context.lang
    args = command_args(msg).strip()
    verb, _, rest = args.partition(" ")
    verb = verb.lower()
    aliases = {"取消": "cancel", "更改": "change", "修改": "change", "导出": "export"}
    verb = aliases.get(verb, verb)
    try:
        if verb in ("cancel", "change", "export"):
            number, text = _number_and_rest(rest)
            if number is None:
                raise NoticeRefused("notice_usage")
            if verb == "cancel":
                await _do_cancel(update, context, number, user.id)
                count = len(context.bot_data.services.notices.get(number).recipients)
                await msg.reply_text(t(lang, "notices.cancelled_done", number=number, count=count))
            elif verb == "change":
                if not text:
                    raise NoticeRefused("no_text")
                await _change_and_answer(update, context, number, user.id, text)
            else:
                await _export(update, context, number)
            return
        number, _ = _number_and_rest(args)
        if number is None:
            raise NoticeRefused("notice_usage")
        await _show(update, context, number)
    except NoticeRefused as exc:
        await _refuse(update, context, exc)


async def _show(update: Update, context: Ctx, number: int) -> None:
    """The tracking, as a new message, for the sender or an admin (privately: it has phones)."""
    user = update.effective_user
    assert user is not None
    data = context.bot_data
    notice = data.services.notices.get(number)
    if not await _allowed(context, notice, user.id):
        raise NoticeRefused("not_sender", number=number)
    rendered, lang = data.services.notices.render_tracking(notice)
    if notice.open and user.id != notice.sender:
        rendered = Rendered(rendered.text)  # an admin looks; the sender manages
    await _privately(update, context, rendered.text, keyboard(rendered, lang))


async def _privately(update: Update, context: Ctx, text: str, markup: Any) -> None:
    """Send to the person's private chat; in a group say so (or how to start the bot)."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert msg is not None and user is not None and chat is not None
    if chat.type == Chat.PRIVATE:
        await msg.reply_text(text, reply_markup=markup)
        return
    data = context.bot_data
    lang = context.lang
    person = data.db.get_person(user.id)
    if person is not None and person.reachable_privately:
        try:
            await context.bot.send_message(user.id, text, reply_markup=markup)
            await msg.reply_text(t(lang, "notices.sent_privately"))
            return
        except TelegramError:
            log.info("could not write privately to %s", user.id)
    await msg.reply_text(t(lang, "notices.start_privately", bot=context.bot.username))


async def msg_export_notice(update: Update, context: Ctx) -> None:
    """/export notice <n>: the confirmation list as a CSV document."""
    msg = update.effective_message
    if msg is None:
        return
    args = command_args(msg).strip()
    rest = re.sub(r"^notice\b", "", args, flags=re.I).strip()
    number, _ = _number_and_rest(rest)
    try:
        if number is None:
            raise NoticeRefused("export_usage")
        await _export(update, context, number)
    except NoticeRefused as exc:
        await _refuse(update, context, exc)


async def _export(update: Update, context: Ctx, number: int) -> None:
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert msg is not None and user is not None and chat is not None
    data = context.bot_data
    notice = data.services.notices.get(number)
    if not await _allowed(context, notice, user.id):
        raise NoticeRefused("not_sender", number=number)
    lang = context.user_lang
    ctx = _ctx(data, user.id, lang)
    content = data.services.notices.export_csv(notice, lang, ctx)
    caption = t(
        lang,
        "notices.export_caption",
        number=number,
        confirmed=len(notice.confirmed()),
        total=len(notice.recipients),
    )
    document = InputFile(content, filename=f"notice-{number}.csv")
    if chat.type == Chat.PRIVATE:
        await msg.reply_document(document, caption=caption)
        return
    person = data.db.get_person(user.id)
    group_lang = context.lang
    if person is not None and person.reachable_privately:
        try:
            await context.bot.send_document(user.id, document, caption=caption)
            await msg.reply_text(t(group_lang, "notices.sent_privately"))
            return
        except TelegramError:
            log.info("could not send the export privately to %s", user.id)
    await msg.reply_text(t(group_lang, "notices.start_privately", bot=context.bot.username))


# ----- the tick -----------------------------------------------------------------------------------
async def job_notices(context: Ctx) -> None:
    """Resends, reports and meeting reminders that are due; the fan-out; stale trackings."""
    data = context.bot_data
    service = data.services.notices
    entries = service.run_due()  # computed and committed without awaiting in between
    if entries:
        await data.delivery.send(entries)
    service.refresh_stale()
    service.kick()


def feature(services: Services) -> Feature:
    """/notify, /notices, /notice, confirmations; due resends and reminders on the tick."""
    service = services.notices
    return Feature(
        "notices",
        handlers=(
            CommandHandler("notify", cmd_notify),
            CommandHandler("notices", cmd_notices),
            CommandHandler("notice", cmd_notice),
            CallbackQueryHandler(cb_notice, pattern=r"^n:"),
            MessageHandler(
                filters.TEXT & ~filters.COMMAND & _ChangePromptReply(), msg_change_reply
            ),
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
