"""Reports on Telegram: /collect and the replies that hand in, 提交 / 办不了 / 加到日历, /calendar,
`/export tasks …` and `/export collect <n>` (a later handler group: /export belongs to the
directory), and the due work on the tick (reminders, bundles, files passed on, the sender's
tracking message, weekly charts owed).

Files (xlsx, ics, PNG) are made in a thread (`asyncio.to_thread`) and always sent privately.
"""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import datetime

from telegram import CallbackQuery, Chat, ForceReply, InputFile, Message, Update, User
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Ctx, Services
from bot.core.delivery import keyboard
from bot.core.edits import edit_shown
from bot.core.feature import Feature
from bot.core.fmt import format_when
from bot.core.i18n import t
from bot.core.render import RenderContext
from bot.parsing import ParseError
from bot.reports import callbacks, export, views
from bot.reports.callbacks import CalendarOf, CalendarPress, Press, Verb
from bot.reports.files import File
from bot.reports.models import Item, ItemKind, OwedChart
from bot.reports.rules import ReportRefused
from bot.reports.service import FileToPass, Outcome, ReportService
from handlers.common import (
    OnPress,
    command_args,
    is_admin,
    mentions_by_offset,
    prompt_reply,
    refuse,
    reply,
    toast_text,
)

log = logging.getLogger(__name__)

_EXPORT_RE = r"^/export(?:@\w+)?\s+(?:tasks?|任务|collect|收集)(?:\s|$)"
_TASK_WORDS = ("tasks", "task", "任务")
_STOP_WORDS = ("stop", "停止", "停")


# ----- helpers ------------------------------------------------------------------------------
def _service(context: Ctx) -> ReportService:
    return context.services.reports


async def _refuse(update: Update, context: Ctx, exc: ReportRefused | ParseError) -> None:
    lang = context.lang
    text = views.refusal(lang, exc) if isinstance(exc, ReportRefused) else exc.message(lang)
    await refuse(update, text)


async def _send_file(update: Update, context: Ctx, file: File, caption: str) -> bool:
    """Send a file to the person privately (in a group: say so there). False: cannot reach."""
    user, chat, msg = update.effective_user, update.effective_chat, update.effective_message
    assert user is not None
    document = InputFile(file.content, filename=file.filename)
    if chat is not None and chat.type == Chat.PRIVATE:
        await context.bot.send_document(chat.id, document, caption=caption)
        return True
    person = context.person
    if person is not None and person.reachable_privately:
        try:
            await context.bot.send_document(user.id, document, caption=caption)
        except TelegramError:
            log.info("could not send a file privately to %s", user.id)
        else:
            if msg is not None and update.callback_query is None:
                await msg.reply_text(t(context.lang, "reports.sent_privately"))
            return True
    if msg is not None and update.callback_query is None:
        await msg.reply_text(t(context.lang, "reports.start_privately", bot=context.bot.username))
    return False


# ----- /collect -----------------------------------------------------------------------------
async def cmd_collect(update: Update, context: Ctx) -> None:
    """/collect [who deadline what] | /collect stop <n> — ask for reports, or list them."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    args = command_args(msg).strip()
    if not args:
        await _list(update, context)
        return
    word, _, rest = args.partition(" ")
    if word.lower() in _STOP_WORDS and rest.strip().lstrip("#").isdigit():
        await _stop(update, context, int(rest.strip().lstrip("#")))
        return
    person = context.person
    if person is None or not person.reachable_privately:
        # The progress and the reports go to the sender privately.
        await msg.reply_text(t(context.lang, "reports.start_privately", bot=context.bot.username))
        return
    try:
        outcome = _service(context).create(
            actor=user.id,
            chat_id=chat.id,
            text=args,
            mentions=mentions_by_offset(msg, args),
            update_id=update.update_id,
        )
    except (ReportRefused, ParseError) as exc:
        await _refuse(update, context, exc)
        return
    await context.bot_data.delivery.send(outcome.entries)
    if chat.type != Chat.PRIVATE:
        c = outcome.collection
        ctx = RenderContext(
            context.lang, context.bot_data.settings.tz, context.bot_data.clock.now()
        )
        text = views.created_in_group(c.number, c.title, len(c.members), c.due.isoformat(), ctx)
        await msg.reply_text(text)


async def _list(update: Update, context: Ctx) -> None:
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert msg is not None and user is not None and chat is not None
    service = _service(context)
    items = service.listing(user.id, chat.id)
    reader = service.reader(user.id)
    ctx = RenderContext(context.lang, reader.tz, reader.now)
    text = views.collect_list(items, ctx)
    if not items:
        text += "\n\n" + t(context.lang, "reports.collect_usage")
    await msg.reply_text(text)


async def _stop(update: Update, context: Ctx, number: int) -> None:
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    service = _service(context)
    try:
        c = service.get(number)
        admin = user.id != c.sender and await is_admin(
            context, user.id, c.chat_id if c.chat_id < 0 else None
        )
        service.stop(number, user.id, is_admin=admin, update_id=update.update_id)
    except ReportRefused as exc:
        await _refuse(update, context, exc)
        return
    await msg.reply_text(t(context.lang, "reports.stopped", number=number))


# ----- handing in ---------------------------------------------------------------------------
class _RequestReply(filters.MessageFilter):
    """A private reply to one of the bot's report requests (or reminders)."""

    def __init__(self, service: ReportService) -> None:
        super().__init__(name="reports.request_reply")
        self._service = service

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or not replied.from_user.is_bot:
            return False
        return self._service.is_request(message.chat.id, replied.message_id)


def _item(msg: Message, at: datetime) -> Item | None:
    if msg.document is not None:
        doc = msg.document
        return Item(ItemKind.DOCUMENT, at, msg.caption or "", doc.file_id, doc.file_name)
    if msg.photo:
        return Item(ItemKind.PHOTO, at, msg.caption or "", msg.photo[-1].file_id)
    if msg.text:
        return Item(ItemKind.TEXT, at, msg.text)
    return None


async def msg_hand_in(update: Update, context: Ctx) -> None:
    """Text, a file or a photo in reply to a request: kept until 提交."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None or msg.reply_to_message is None:
        return
    item = _item(msg, context.bot_data.clock.now())
    if item is None:
        return
    try:
        handed = _service(context).hand_in(
            user.id, msg.chat.id, msg.reply_to_message.message_id, item, update_id=update.update_id
        )
    except ReportRefused as exc:
        await _refuse(update, context, exc)
        return
    if handed is None:
        return
    rendered = views.received(handed.collection.number, len(handed.member.items), context.lang)
    await msg.reply_text(rendered.text, reply_markup=keyboard(rendered, context.lang))
    await _refresh(context, handed.collection.number)


async def _decline(update: Update, context: Ctx, number: int, user_id: int, text: str) -> None:
    """办不了, with the reason typed in reply to our question."""
    try:
        outcome = _service(context).decline(number, user_id, text, update_id=update.update_id)
    except ReportRefused as exc:
        await _refuse(update, context, exc)
        return
    await reply(update, context, "reports.declined_reply", number=number)
    await _after(context, outcome)


async def _after(context: Ctx, outcome: Outcome) -> None:
    """Send what a change queued and show it in the sender's tracking message."""
    await context.bot_data.delivery.send(outcome.entries)
    await _refresh(context, outcome.collection.number)


# ----- buttons --------------------------------------------------------------------------------
@OnPress[Press](callbacks.parse, "reports.stale_button")
async def cb_reports(
    update: Update, context: Ctx, query: CallbackQuery, user: User, press: Press
) -> None:
    """提交 / 办不了 under a request, 加到日历 anywhere. Tampered data gets a polite alert."""
    if isinstance(press, CalendarPress):
        await _calendar_press(update, context, query, user, press)
    elif press.verb == Verb.SUBMIT:
        await _submit(update, context, query, user, press.number)
    else:
        await _ask_decline(context, query, user, press.number)


async def _alert(query: CallbackQuery, context: Ctx, exc: ReportRefused) -> None:
    await query.answer(toast_text(views.refusal(context.user_lang, exc)), show_alert=True)


async def _submit(
    update: Update, context: Ctx, query: CallbackQuery, user: User, number: int
) -> None:
    try:
        outcome = _service(context).submit(number, user.id, update_id=update.update_id)
    except ReportRefused as exc:
        await _alert(query, context, exc)
        return
    member = outcome.collection.member_of(user.id)
    late = member is not None and member.late
    lang = context.user_lang
    await query.answer(
        t(lang, "reports.toast_submitted_late" if late else "reports.toast_submitted")
    )
    message = query.message
    if isinstance(message, Message) and member is not None and member.answered_at is not None:
        ctx = _service(context).reader(user.id)
        at = format_when(member.answered_at, lang, ctx.tz, ctx.now)
        note = t(lang, "reports.state_submitted_at", at=at)
        try:
            await message.edit_text((message.text_html or "") + "\n\n" + note, reply_markup=None)
        except BadRequest as exc:
            log.debug("request not edited: %s", exc.message)
    await _after(context, outcome)


async def _ask_decline(context: Ctx, query: CallbackQuery, user: User, number: int) -> None:
    try:
        _service(context).check_decline(number, user.id)
    except ReportRefused as exc:
        await _alert(query, context, exc)
        return
    await query.answer()
    text = html.escape(views.decline_prompt(context.user_lang, number), quote=False)
    await context.bot.send_message(user.id, text, reply_markup=ForceReply(selective=True))


async def _calendar_press(
    update: Update, context: Ctx, query: CallbackQuery, user: User, press: CalendarPress
) -> None:
    service = _service(context)
    try:
        if press.of == CalendarOf.TASK:
            file = await asyncio.to_thread(service.files.task_calendar, press.number, user.id)
        elif press.of == CalendarOf.NOTICE:
            file = await asyncio.to_thread(service.files.notice_calendar, press.number, user.id)
        else:
            file = await asyncio.to_thread(service.collect_calendar, press.number, user.id)
    except ReportRefused as exc:
        await _alert(query, context, exc)
        return
    caption = t(context.user_lang, "reports.calendar_caption", count=file.count)
    if await _send_file(update, context, file, caption):
        await query.answer(t(context.user_lang, "reports.toast_calendar"))
    else:
        text = t(context.user_lang, "reports.start_privately", bot=context.bot.username)
        await query.answer(toast_text(text), show_alert=True)


# ----- /calendar and /export --------------------------------------------------------------------
async def cmd_calendar(update: Update, context: Ctx) -> None:
    """/calendar: one file of all my open deadlines and the meetings ahead."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    file = await asyncio.to_thread(_service(context).my_calendar, user.id)
    if not file.count:
        await msg.reply_text(t(context.lang, "reports.calendar_empty"))
        return
    await _send_file(
        update, context, file, t(context.user_lang, "reports.calendar_caption", count=file.count)
    )


async def msg_export(update: Update, context: Ctx) -> None:
    """/export tasks [本月|上月|本周|2026-11] | /export collect <n>, answered in a later group."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    kind, _, rest = command_args(msg).strip().partition(" ")
    try:
        if kind.lower() in _TASK_WORDS:
            await _export_tasks(update, context, rest.strip())
        else:
            await _export_collection(update, context, rest.strip().lstrip("#"))
    except ReportRefused as exc:
        await _refuse(update, context, exc)


async def _export_tasks(update: Update, context: Ctx, when: str) -> None:
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert msg is not None and user is not None and chat is not None
    files = _service(context).files
    scope = files.task_scope(user.id, chat.id)
    reader = files.reader(user.id)
    period = export.period_of(when, reader.now, reader.tz)
    if period is None:
        await msg.reply_text(t(context.lang, "reports.export_usage"))
        return
    file = await asyncio.to_thread(files.tasks_workbook, scope, period, reader.lang, reader.tz)
    label = period.label(reader.lang)
    if not file.count:
        await msg.reply_text(t(context.lang, "reports.export_empty", period=label))
        return
    caption = t(
        reader.lang, "reports.export_caption", scope=scope.name, period=label, count=file.count
    )
    await _send_file(update, context, file, caption)


async def _export_collection(update: Update, context: Ctx, number_text: str) -> None:
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    if not number_text.isdigit():
        await msg.reply_text(t(context.lang, "reports.export_usage"))
        return
    service = _service(context)
    admin = user.id in context.bot_data.settings.admins
    c, content = await asyncio.to_thread(service.export, int(number_text), user.id, is_admin=admin)
    lang = service.reader(user.id).lang
    values = {
        "number": c.number,
        "title": c.title,
        "count": len(c.submitted()),
        "total": len(c.members),
    }
    caption = t(lang, "reports.collect_export_caption", **values)
    await _send_file(update, context, File(content, f"collect-{c.number}.xlsx"), caption)


# ----- the weekly chart (for /week and the weekly summary) ----------------------------------------
async def send_person_chart(context: Ctx, user_id: int, chat_id: int) -> None:
    """A person's weekly picture, to `chat_id` (their private chat). Rendered in a thread."""
    service = _service(context)
    png = await asyncio.to_thread(service.files.person_chart, user_id)
    caption = t(service.reader(user_id).lang, "reports.chart_caption")
    await context.bot.send_photo(chat_id, InputFile(png, filename="week.png"), caption=caption)


async def send_group_chart(context: Ctx, chat_id: int) -> None:
    """A group's weekly picture, per member, to the group."""
    png = await asyncio.to_thread(_service(context).files.group_chart, chat_id)
    caption = t(context.lang, "reports.chart_caption")
    await context.bot.send_photo(chat_id, InputFile(png, filename="week.png"), caption=caption)


# ----- the tick -----------------------------------------------------------------------------------
async def step_reports(context: Ctx) -> None:
    """Due work by the clock; then files to pass on, stale tracking messages, charts owed."""
    service = _service(context)
    entries = service.run_due()
    if entries:
        await context.bot_data.delivery.send(entries)
    for passing in service.files_to_pass():
        await _pass_file(context, passing)
    for c in service.stale_trackings():
        await _refresh(context, c.number)
    for owed in service.owed_charts():
        await _send_owed_chart(context, owed)


async def _send_owed_chart(context: Ctx, owed: OwedChart) -> None:
    """The weekly picture after a weekly summary: sent once, or tried again by a later tick."""
    service = _service(context)
    try:
        await send_person_chart(context, owed.user_id, owed.chat_id)
    except (BadRequest, Forbidden) as exc:  # will not go: a blocked bot, a chat gone
        log.info("weekly chart for %s not sent: %s", owed.user_id, exc)
    except TelegramError as exc:  # network, flood: the next tick tries again
        log.info("weekly chart for %s not sent now: %s", owed.user_id, exc)
        service.chart_release(owed)
        return
    except Exception:
        log.exception("weekly chart for %s failed", owed.user_id)
        service.chart_release(owed)
        return
    service.chart_sent(owed)


async def _pass_file(context: Ctx, passing: FileToPass) -> None:
    """A file handed in, sent on to the sender by its file_id (no download, no size limit)."""
    service = _service(context)
    c, item = passing.collection, passing.item
    caption = service.file_caption(passing)
    try:
        if item.kind == ItemKind.PHOTO:
            await context.bot.send_photo(
                c.sender, item.file_id or "", caption=caption, parse_mode=None
            )
        else:
            await context.bot.send_document(
                c.sender, item.file_id or "", caption=caption, parse_mode=None
            )
    except (BadRequest, Forbidden) as exc:  # a file Telegram no longer has; a blocked bot
        log.warning("file of collection %s not passed on: %s", c.number, exc)
    except TelegramError as exc:  # network, flood: the next tick tries again
        log.info("file of collection %s not passed on now: %s", c.number, exc)
        service.release(c.number, passing.forward)
        return
    except Exception:
        log.exception("file of collection %s failed", c.number)
        service.release(c.number, passing.forward)
        return
    service.passed(c.number, passing.forward)


async def _refresh(context: Ctx, number: int) -> None:
    """Make the sender's tracking message show the collection as it now stands."""
    service = _service(context)
    c = service.store.get(number)
    if c is None or not c.tracking_stale or c.tracking_message_id is None:
        return
    rev = c.rev
    rendered, lang = service.render_tracking(c)
    if await edit_shown(
        context.bot,
        chat_id=c.tracking_chat_id or c.sender,
        message_id=c.tracking_message_id,
        rendered=rendered,
        lang=lang,
        what=f"tracking of collection {number}",
    ):
        service.tracking_shown(number, rev)


def feature(services: Services) -> Feature:
    """/collect, /calendar, the buttons and the replies that hand in; /export tasks|collect in
    handler group 2; the due work on the tick; message ids kept after sending."""
    service = services.reports
    handing_in = (filters.TEXT & ~filters.COMMAND) | filters.Document.ALL | filters.PHOTO
    return Feature(
        "reports",
        handlers=(
            CommandHandler("collect", cmd_collect),
            CommandHandler("calendar", cmd_calendar),
            CallbackQueryHandler(cb_reports, pattern=callbacks.PATTERN),
            MessageHandler(
                handing_in & filters.ChatType.PRIVATE & filters.REPLY & _RequestReply(service),
                msg_hand_in,
            ),
            prompt_reply(views.which_prompt, "reports.decline_reply", _decline),
        ),
        # /export belongs to the directory (contacts), tried first in group 0, where the first
        # match wins; /export tasks|collect is answered here, in group 2, which runs as well.
        later={2: (MessageHandler(filters.Regex(_EXPORT_RE), msg_export),)},
        messages=views.MESSAGES,
        tick_steps=(step_reports,),
        sent_hooks={
            "collect_request": service.on_request_sent,
            "collect_reminder": service.on_request_sent,
            "collect_tracking": service.on_tracking_sent,
            "week": service.on_week_sent,  # every weekly summary is followed by its chart
        },
    )


__all__ = ["feature", "send_group_chart", "send_person_chart"]
