"""Tasks on Telegram: capture, the queue, the buttons, and the prompts that ask for a reply.

Handlers translate: read the update, call the task service, render the answer. Prompts
(办不了 / 推迟到… / 转交给…) are stateless: the bot's question carries the task number and is
recognised again from its text when the person replies to it, so a restart loses nothing.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Ctx, Services
from bot.core.config import LANGS, Lang
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.fmt import format_when
from bot.core.i18n import t, t_plain
from bot.core.models import Button
from bot.core.render import RenderContext, Rendered
from bot.parsing import ParseError, parse_when
from bot.people.rules import mention, tz_of
from bot.tasks import rules, views
from bot.tasks.models import Kind, Task
from bot.tasks.rules import Action, TaskRefused
from bot.tasks.views import PAGE_SIZE, card_with_state, picker_rows, queue_line
from handlers.common import (
    command_args,
    is_admin,
    py_span,
    refuse,
    task_number,
    toast_text,
)

log = logging.getLogger(__name__)

PROMPTS = ("cannot", "snooze", "due", "hand", "reassign", "report")
_CB_RE = re.compile(r"^t:([a-z]{2,6}):(\d{1,9})(?::([a-z0-9-]{1,20}))?$")


# ----- helpers ------------------------------------------------------------------------------
def _ctx(context: Ctx, user_id: int, lang: Lang) -> RenderContext:
    data = context.bot_data
    return RenderContext(lang, tz_of(data.db.get_person(user_id), data.settings), data.clock.now())


def _refusal(lang: Lang, exc: TaskRefused) -> str:
    return t(lang, f"tasks.{exc.key}", **exc.values)


async def _answer_refusal(update: Update, context: Ctx, exc: TaskRefused | ParseError) -> None:
    lang = context.lang
    await refuse(update, _refusal(lang, exc) if isinstance(exc, TaskRefused) else exc.message(lang))


async def _admin_for(context: Ctx, task: Task, user_id: int, action: Action) -> bool:
    if rules.may(task, user_id, action):
        return False
    return await is_admin(context, user_id, task.chat_id)


def _mentions(message: Message, bot_username: str) -> list[tuple[int, int, str]]:
    """Telegram's text_mention entities (people without a username) as parser spans."""
    text = message.text or message.caption or ""
    out = []
    for entity in message.entities or message.caption_entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            start, end = py_span(text, entity)
            out.append((start, end, f"id:{entity.user.id}"))
    return out


# ----- creating -----------------------------------------------------------------------------
async def _create(
    update: Update, context: Ctx, text: str, *, source: Message | None = None
) -> None:
    data = context.bot_data
    msg = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    if msg is None or user is None or chat is None:
        return
    mentions = (
        _mentions(source or msg, context.bot.username) if (source or msg).text == text else []
    )
    try:
        outcome = data.services.tasks.create(
            actor=user.id,
            chat_id=chat.id,
            text=text,
            mentions=mentions,
            ignore_usernames={context.bot.username} if context.bot.username else set(),
            message_id=(source or msg).message_id,
            update_id=update.update_id,
        )
    except (ParseError, TaskRefused) as exc:
        await _answer_refusal(update, context, exc)
        return
    await data.delivery.send(outcome.entries)


async def cmd_task(update: Update, context: Ctx) -> None:
    """/task <text>, or /task [text] in reply to a message (its text is the task then)."""
    msg = update.effective_message
    if msg is None:
        return
    text = command_args(msg).strip()
    source = msg.reply_to_message
    if not text and source is not None and (source.text or source.caption):
        await _create(update, context, source.text or source.caption or "", source=source)
        return
    if not text:
        await _reply_key(update, context, "tasks.task_usage")
        return
    await _create(update, context, text)


async def msg_private_text(update: Update, context: Ctx) -> None:
    """Any plain text in a private chat is a task (unless it answers one of our prompts)."""
    msg = update.effective_message
    if msg is None or not msg.text:
        return
    if await _maybe_prompt_reply(update, context):
        return
    await _create(update, context, msg.text)


async def msg_group_text(update: Update, context: Ctx) -> None:
    """In a group: a reply to one of our prompts, or a message that mentions the bot."""
    msg = update.effective_message
    if msg is None or not msg.text:
        return
    if await _maybe_prompt_reply(update, context):
        return
    bot_username = context.bot.username.lower()
    mentioned = any(
        e.type == MessageEntity.MENTION and msg.parse_entity(e).lower() == f"@{bot_username}"
        for e in msg.entities or ()
    )
    if mentioned:
        await _create(update, context, msg.text)
        return
    # With privacy mode off the bot sees every message: capture the ones that are clearly
    # an assignment ("@张三 周五下午三点前把季度总结交给我，急"), ignore chatter.
    data = context.bot_data
    names_someone = any(
        e.type in (MessageEntity.MENTION, MessageEntity.TEXT_MENTION) for e in msg.entities or ()
    )
    if names_someone and data.services.tasks.looks_like_assignment(
        msg.text,
        mentions=_mentions(msg, context.bot.username),
        ignore_usernames={context.bot.username} if context.bot.username else set(),
    ):
        await _create(update, context, msg.text)


# ----- the queue ----------------------------------------------------------------------------
def _page(
    context: Ctx, user_id: int, lang: Lang, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    data = context.bot_data
    queue = data.services.tasks.queue(user_id)
    if not queue:
        return t(lang, "tasks.my_empty"), None
    pages = max(1, (len(queue) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    ctx = _ctx(context, user_id, lang)
    lines = [t(lang, "tasks.my_header", count=len(queue), page=page + 1, pages=pages)]
    for task in queue[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        lines.append(queue_line(data.services.tasks.card_params(task), ctx))
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(t(lang, "tasks.btn_prev"), callback_data=f"my:{page - 1}")
        )
    if page < pages - 1:
        buttons.append(
            InlineKeyboardButton(t(lang, "tasks.btn_next"), callback_data=f"my:{page + 1}")
        )
    return "\n".join(lines), InlineKeyboardMarkup([buttons]) if buttons else None


async def cmd_my(update: Update, context: Ctx) -> None:
    """/my: my open tasks in 轻重缓急 order, ten a page."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    lang = context.user_lang
    text, markup = _page(context, user.id, lang, 0)
    if update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE:
        # A group never sees anyone's private list: send it privately.
        await _private_or_hint(update, context, text, markup)
        return
    await msg.reply_text(text, reply_markup=markup)


async def _private_or_hint(update: Update, context: Ctx, text: str, markup: Any) -> None:
    user = update.effective_user
    msg = update.effective_message
    assert user is not None and msg is not None
    person = context.bot_data.db.get_person(user.id)
    if person is not None and person.reachable_privately:
        try:
            await context.bot.send_message(user.id, text, reply_markup=markup)
            await msg.reply_text(t(context.lang, "tasks.sent_privately"))
            return
        except TelegramError:
            log.info("could not send privately to %s", user.id)
    await msg.reply_text(t(context.lang, "tasks.start_privately", bot=context.bot.username))


async def cb_my_page(update: Update, context: Ctx) -> None:
    """Page through /my."""
    query = update.callback_query
    if query is None or query.data is None or update.effective_user is None:
        return
    try:
        page = int(query.data.split(":")[1])
    except (IndexError, ValueError):
        await query.answer(t(context.user_lang, "tasks.stale_button"), show_alert=True)
        return
    lang = context.user_lang
    text, markup = _page(context, update.effective_user.id, lang, page)
    await query.answer()
    await _edit(query.message, text, markup)


async def cmd_next(update: Update, context: Ctx) -> None:
    """/next: the one task to do now, with its buttons."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    data = context.bot_data
    lang = context.user_lang
    queue = data.services.tasks.queue(user.id)
    if not queue:
        text, markup = t(lang, "tasks.my_empty"), None
    else:
        task = queue[0]
        rendered = card_with_state(
            data.services.tasks.card_params(task), _ctx(context, user.id, lang), buttons=True
        )
        text = t(lang, "tasks.next_header", count=len(queue)) + "\n" + rendered.text
        markup = keyboard(rendered, lang)
    if update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE:
        await _private_or_hint(update, context, text, markup)
        return
    await msg.reply_text(text, reply_markup=markup)


async def cmd_assigned(update: Update, context: Ctx) -> None:
    """/assigned: what I handed out, each person's state, with a 催办 button per task."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    data = context.bot_data
    lang = context.user_lang
    tasks = data.services.tasks.assigned_by(user.id)
    now = data.clock.now()
    if not tasks:
        text, markup = t(lang, "tasks.assigned_empty"), None
    else:
        ctx = _ctx(context, user.id, lang)
        lines = [t(lang, "tasks.assigned_header", count=len(tasks))]
        rows = []
        for task in tasks[:20]:
            params = data.services.tasks.card_params(task)
            params["assigner_name"] = None
            lines.append(queue_line(params, ctx))
            for a in task.assignees:
                state = rules.assignee_state(task, a, now)
                lines.append(
                    t(
                        lang,
                        "tasks.assigned_person",
                        name=data.services.tasks.name(a.user_id, a.username),
                        state=t(lang, f"tasks.astate_{state}"),
                    )
                )
            if any(a.done_at is None and a.user_id is not None for a in task.assignees):
                rows.append(
                    [
                        InlineKeyboardButton(
                            t(lang, "tasks.btn_nudge", number=task.number),
                            callback_data=f"t:nudge:{task.number}",
                        )
                    ]
                )
        text, markup = "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None
    if update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE:
        await _private_or_hint(update, context, text, markup)
        return
    await msg.reply_text(text, reply_markup=markup)


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
    tasks = data.services.tasks.in_chat(chat.id)
    if not tasks:
        await msg.reply_text(t(lang, "tasks.tasks_empty"))
        return
    ctx = RenderContext(lang, data.settings.tz, data.clock.now())
    by_person: dict[str, list[str]] = {}
    for task in tasks:
        params = data.services.tasks.card_params(task)
        for a in task.assignees:
            if a.done_at is None:
                by_person.setdefault(data.services.tasks.name(a.user_id, a.username), []).append(
                    queue_line(params, ctx)
                )
    lines = [t(lang, "tasks.tasks_header", count=len(tasks))]
    for name, items in by_person.items():
        lines.append(t(lang, "tasks.tasks_person", name=name, count=len(items)))
        lines.extend(f"  {line}" for line in items)
    await msg.reply_text("\n".join(lines))


# ----- commands that act on #n ---------------------------------------------------------------
async def _act(
    update: Update, context: Ctx, number: int, action: Action, **kwargs: Any
) -> Task | None:
    data = context.bot_data
    user = update.effective_user
    assert user is not None
    task = data.services.tasks.get(number)
    if task is None:
        await _answer_refusal(update, context, TaskRefused("unknown", number=number))
        return None
    admin = await _admin_for(context, task, user.id, action)
    try:
        outcome = data.services.tasks.act(
            number, user.id, action, is_admin=admin, update_id=update.update_id, **kwargs
        )
    except TaskRefused as exc:
        await _answer_refusal(update, context, exc)
        return None
    await data.delivery.send(outcome.entries)
    return outcome.task


def _number_and_rest(text: str) -> tuple[int | None, str]:
    m = re.match(r"\s*#?\s*(\d{1,9})\b\s*(.*)$", text, re.S)
    if m:
        return int(m.group(1)), m.group(2).strip()
    return None, text.strip()


async def _resolve_number(update: Update, context: Ctx, given: int | None) -> int | None:
    """#n as given; else the task of the message replied to; else the only open task."""
    if given is not None:
        return given
    msg = update.effective_message
    if msg is not None and msg.reply_to_message is not None:
        n = task_number(msg.reply_to_message.text or "")
        if n is not None:
            return n
    user = update.effective_user
    if user is not None:
        queue = context.bot_data.services.tasks.queue(user.id)
        if len(queue) == 1:
            return queue[0].number
    await _reply_key(update, context, "tasks.which_task")
    return None


async def cmd_done(update: Update, context: Ctx) -> None:
    """/done [#n] [note]"""
    msg = update.effective_message
    if msg is None:
        return
    given, note = _number_and_rest(command_args(msg))
    number = await _resolve_number(update, context, given)
    if number is None:
        return
    task = await _act(update, context, number, Action.DONE, note=note)
    if task is not None:
        await _reply_key(update, context, "tasks.done_reply", number=number, title=task.title)


async def cmd_snooze(update: Update, context: Ctx) -> None:
    """/snooze #n <when, in plain language>"""
    msg = update.effective_message
    if msg is None:
        return
    given, when_text = _number_and_rest(command_args(msg))
    if given is None or not when_text:
        await _reply_key(update, context, "tasks.snooze_usage")
        return
    await _snooze_to(update, context, given, when_text)


async def _snooze_to(
    update: Update, context: Ctx, number: int, when_text: str, *, action: Action = Action.SNOOZE
) -> None:
    data = context.bot_data
    task = data.services.tasks.get(number)
    # Snoozing says when to pick it up again (明天上午 → 09:00, like a reminder); a new due
    # time is a deadline (明天上午 → by 12:00), except for reminders themselves.
    is_reminder = action == Action.SNOOZE or (task is not None and task.kind == Kind.REMINDER)
    try:
        until = parse_when(
            when_text,
            now=data.clock.now(),
            settings=data.settings,
            calendar=data.calendar,
            kind=Kind.REMINDER if is_reminder else Kind.TASK,
        )
    except ParseError as exc:
        await _answer_refusal(update, context, exc)
        return
    done = await _act(update, context, number, action, until=until)
    if done is not None:
        lang = context.lang
        user = update.effective_user
        assert user is not None
        ctx = _ctx(context, user.id, lang)
        await _reply_key(
            update,
            context,
            "tasks.snoozed_reply",
            number=number,
            due=format_when(until, lang, ctx.tz, ctx.now),
        )


async def cmd_report(update: Update, context: Ctx) -> None:
    """/report #n <text>: a progress note (汇报) to the assigner."""
    msg = update.effective_message
    if msg is None:
        return
    given, text = _number_and_rest(command_args(msg))
    if given is None or not text:
        await _reply_key(update, context, "tasks.report_usage")
        return
    task = await _act(update, context, given, Action.REPORT, note=text)
    if task is not None:
        await _reply_key(update, context, "tasks.report_sent", number=given)


async def _reply_key(update: Update, context: Ctx, key: str, **values: Any) -> None:
    msg = update.effective_message
    if msg is not None:
        await msg.reply_text(t(context.lang, key, **values))


# ----- buttons --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Press:
    """One press of a task button (`t:<verb>:<n>[:<arg>]`), with what its handler needs."""

    update: Update
    context: Ctx
    query: CallbackQuery
    user: User
    task: Task
    arg: str | None
    lang: Lang


async def cb_task(update: Update, context: Ctx) -> None:
    """Every task button. Old or tampered data gets a polite alert and changes nothing."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    lang = context.user_lang
    m = _CB_RE.match(query.data or "")
    task = context.bot_data.services.tasks.get(int(m.group(2))) if m else None
    handler = _BUTTONS.get(m.group(1)) if m else None
    if m is None or task is None or handler is None:
        await query.answer(t(lang, "tasks.stale_button"), show_alert=True)
        return
    await handler(Press(update, context, query, user, task, m.group(3), lang))


async def _refuse(press: Press, exc: TaskRefused) -> None:
    await press.query.answer(toast_text(_refusal(press.lang, exc)), show_alert=True)


async def _allowed(press: Press, action: Action) -> bool:
    """Check before showing a menu or a question; refuse with an alert otherwise."""
    admin = await _admin_for(press.context, press.task, press.user.id, action)
    try:
        rules.check(press.task, press.user.id, action, is_admin=admin)
    except TaskRefused as exc:
        await _refuse(press, exc)
        return False
    return True


async def _apply(press: Press, action: Action, toast: str | None = None, **kwargs: Any) -> None:
    """Do `action`, answer with a toast, show the new state, tell the people concerned."""
    data = press.context.bot_data
    admin = await _admin_for(press.context, press.task, press.user.id, action)
    try:
        outcome = data.services.tasks.act(
            press.task.number,
            press.user.id,
            action,
            is_admin=admin,
            update_id=press.update.update_id,
            **kwargs,
        )
    except TaskRefused as exc:
        await _refuse(press, exc)
        return
    to_user = kwargs.get("to_user")
    await press.query.answer(
        t(
            press.lang,
            f"tasks.{toast or outcome.toast}",
            number=press.task.number,
            name=data.services.tasks.name(to_user) if to_user else "",
        )
    )
    if to_user is not None and isinstance(press.query.message, Message):
        note = t(press.lang, "tasks.now_with", name=data.services.tasks.name(to_user))
        await _edit(press.query.message, (press.query.message.text_html or "") + "\n" + note, None)
    else:
        await _show_state(
            press.context, press.query.message, outcome.task, press.user.id, press.lang
        )
    await data.delivery.send(outcome.entries)


async def _show_menu(press: Press, action: Action, rows: list[tuple[Button, ...]]) -> None:
    """Swap the message's buttons for a menu (snooze times, people to hand to)."""
    if not await _allowed(press, action):
        return
    await press.query.answer()
    if isinstance(press.query.message, Message):
        with contextlib.suppress(BadRequest):  # pressed twice: "message is not modified"
            await press.query.message.edit_reply_markup(_rows(rows, press.lang))


async def _show_state(context: Ctx, message: Any, task: Task, viewer: int, lang: Lang) -> None:
    """Edit the message the button was on to show the task as it now stands."""
    data = context.bot_data
    params = data.services.tasks.card_params(task)
    rendered = card_with_state(
        params, _ctx(context, viewer, lang), buttons=rules.open_for(task, viewer)
    )
    await _edit(message, rendered.text, keyboard(rendered, lang))


async def _edit(message: Any, text: str, markup: Any) -> None:
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:  # "message is not modified" and old messages are fine
        log.debug("edit skipped: %s", exc.message)


def _rows(buttons: list[tuple[Button, ...]], lang: Lang) -> InlineKeyboardMarkup | None:
    rendered = Rendered("", tuple(buttons))
    kb = keyboard(rendered, lang)
    return kb if isinstance(kb, InlineKeyboardMarkup) else None


def snooze_target(
    option: str, now: datetime, tz: Any, settings: Any, calendar: Any
) -> datetime | None:
    """When each snooze button means, in the person's zone."""
    local = now.astimezone(tz)
    start = settings.workday_start
    if option == "1h":
        return now + timedelta(hours=1)
    if option == "pm":
        at = local.replace(hour=14, minute=0, second=0, microsecond=0)
        return at if at > local else None
    if option == "tam":
        day = local + timedelta(days=1)
        return day.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if option == "mon":
        days = 7 - local.weekday()
        day = local + timedelta(days=days)
        return day.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    return None


async def _snooze_menu(press: Press) -> None:
    n = press.task.number
    data = press.context.bot_data
    local = data.clock.now().astimezone(tz_of(data.db.get_person(press.user.id), data.settings))
    options = [("1h", "snz_1h"), ("pm", "snz_pm"), ("tam", "snz_tam"), ("mon", "snz_mon")]
    if local.hour >= 14:  # "this afternoon" has passed
        options = [o for o in options if o[0] != "pm"]
    buttons = [Button(f"tasks.{key}", f"t:sz:{n}:{opt}") for opt, key in options]
    rows = [tuple(buttons[:2]), tuple(buttons[2:])]
    rows.append(
        (Button("tasks.snz_custom", f"t:sz:{n}:custom"), Button("tasks.btn_back", f"t:back:{n}"))
    )
    await _show_menu(press, Action.SNOOZE, rows)


async def _snooze_chosen(press: Press) -> None:
    if press.arg == "custom":
        await _ask(press, "snooze")
        return
    data = press.context.bot_data
    tz = tz_of(data.db.get_person(press.user.id), data.settings)
    until = snooze_target(press.arg or "", data.clock.now(), tz, data.settings, data.calendar)
    if until is None:
        await press.query.answer(t(press.lang, "tasks.stale_button"), show_alert=True)
        return
    await _apply(press, Action.SNOOZE, until=until)


async def _people_menu(press: Press, action: Action) -> None:
    """Whom to hand over to (the assignee) or give it to (the assigner)."""
    n = press.task.number
    tasks = press.context.bot_data.services.tasks
    if action == Action.HAND_OVER:
        rows = picker_rows(tasks.candidates(press.task, exclude=press.user.id), f"t:ho:{n}")
        rows.append((Button("tasks.btn_ask_reassign", f"t:ask:{n}"),))
        rows.append(
            (Button("tasks.btn_type_name", f"t:hn:{n}"), Button("tasks.btn_back", f"t:back:{n}"))
        )
    else:
        rows = picker_rows(tasks.candidates(press.task, exclude=None), f"t:ra:{n}")
        rows.append((Button("tasks.btn_type_name", f"t:rn:{n}"),))
    await _show_menu(press, action, rows)


async def _give_to(press: Press, action: Action) -> None:
    try:
        to_user = int(press.arg or "")
    except ValueError:
        await press.query.answer(t(press.lang, "tasks.stale_button"), show_alert=True)
        return
    await _apply(press, action, toast="toast_handed", to_user=to_user)


async def _back(press: Press) -> None:
    await press.query.answer()
    await _show_state(press.context, press.query.message, press.task, press.user.id, press.lang)


_PROMPT_ACTIONS = {
    "cannot": Action.CANNOT,
    "snooze": Action.SNOOZE,
    "due": Action.CHANGE_DUE,
    "hand": Action.HAND_OVER,
    "reassign": Action.REASSIGN,
    "report": Action.REPORT,
}


async def _ask(press: Press, kind: str) -> None:
    """Send a ForceReply question that carries the task number (see PROMPTS)."""
    if not await _allowed(press, _PROMPT_ACTIONS[kind]):
        return
    await press.query.answer()
    chat = press.update.effective_chat
    chat_id = chat.id if chat is not None else press.user.id
    text = html.escape(
        t_plain(press.lang, f"tasks.prompt_{kind}", number=press.task.number), quote=False
    )
    if chat_id < 0:  # in a group, ask the person by name so ForceReply(selective) reaches them
        text = (
            mention(press.context.bot_data.db.get_person(press.user.id), press.user.id) + " " + text
        )
    await press.context.bot.send_message(chat_id, text, reply_markup=ForceReply(selective=True))


ButtonHandler = Callable[[Press], Awaitable[None]]
_BUTTONS: dict[str, ButtonHandler] = {
    "ack": lambda p: _apply(p, Action.ACK),
    "done": lambda p: _apply(p, Action.DONE),
    "cx": lambda p: _apply(p, Action.CANCEL),
    "kp": lambda p: _apply(p, Action.KEEP),
    "undo": lambda p: _apply(p, Action.UNDO),
    "nudge": lambda p: _apply(p, Action.NUDGE),
    "ask": lambda p: _apply(p, Action.ASK_REASSIGN),
    "snz": _snooze_menu,
    "sz": _snooze_chosen,
    "hand": lambda p: _people_menu(p, Action.HAND_OVER),
    "re": lambda p: _people_menu(p, Action.REASSIGN),
    "ho": lambda p: _give_to(p, Action.HAND_OVER),
    "ra": lambda p: _give_to(p, Action.REASSIGN),
    "hn": lambda p: _ask(p, "hand"),
    "rn": lambda p: _ask(p, "reassign"),
    "cant": lambda p: _ask(p, "cannot"),
    "due": lambda p: _ask(p, "due"),
    "back": _back,
}


# ----- replies to prompts ----------------------------------------------------------------------
def _which_prompt(text: str) -> tuple[str, int] | None:
    """Recognise one of our questions from its text: (kind, task number)."""
    n = task_number(text)
    if n is None:
        return None
    for kind in PROMPTS:
        for lang in LANGS:
            expected = t_plain(lang, f"tasks.prompt_{kind}", number=n)
            # In a group the question starts with a mention of the person asked.
            if text == expected or text.endswith(" " + expected):
                return kind, n
    return None


async def _maybe_prompt_reply(update: Update, context: Ctx) -> bool:
    msg = update.effective_message
    if msg is None or msg.reply_to_message is None:
        return False
    replied = msg.reply_to_message
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return False
    found = _which_prompt(replied.text or "")
    if found is None:
        return False
    kind, number = found
    answer = (msg.text or "").strip()
    data = context.bot_data
    if kind == "cannot":
        task = await _act(update, context, number, Action.CANNOT, note=answer)
        if task is not None:
            await _reply_key(update, context, "tasks.cannot_sent", number=number)
    elif kind == "report":
        task = await _act(update, context, number, Action.REPORT, note=answer)
        if task is not None:
            await _reply_key(update, context, "tasks.report_sent", number=number)
    elif kind in ("snooze", "due"):
        await _snooze_to(
            update,
            context,
            number,
            answer,
            action=Action.SNOOZE if kind == "snooze" else Action.CHANGE_DUE,
        )
    elif kind in ("hand", "reassign"):
        name = answer.lstrip("@").split()[0] if answer else ""
        person = data.db.find_person(name) if name else None
        if person is None:
            await _reply_key(update, context, "tasks.unknown_person_named", name=answer[:40])
            return True
        task = await _act(
            update,
            context,
            number,
            Action.HAND_OVER if kind == "hand" else Action.REASSIGN,
            to_user=person.user_id,
        )
        if task is not None:
            await _reply_key(update, context, "tasks.now_with", name=person.display_name)
    return True


def feature(_services: Services) -> Feature:
    """Task commands and buttons; plain text last (a task in private, a prompt's answer)."""
    text = filters.TEXT & ~filters.COMMAND
    return Feature(
        "tasks",
        handlers=(
            CommandHandler("task", cmd_task),
            CommandHandler("my", cmd_my),
            CommandHandler("next", cmd_next),
            CommandHandler("done", cmd_done),
            CommandHandler("snooze", cmd_snooze),
            CommandHandler("report", cmd_report),
            CommandHandler("assigned", cmd_assigned),
            CommandHandler("tasks", cmd_tasks),
            CallbackQueryHandler(cb_task, pattern=r"^t:"),
            CallbackQueryHandler(cb_my_page, pattern=r"^my:"),
        ),
        # In a group only when the bot is mentioned or a prompt is answered; goes last so it
        # never shadows a command or another feature.
        catch_all=(
            MessageHandler(text & filters.ChatType.PRIVATE, msg_private_text),
            MessageHandler(text & filters.ChatType.GROUPS, msg_group_text),
        ),
        messages=views.MESSAGES,
    )
