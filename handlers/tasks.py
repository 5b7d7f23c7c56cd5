"""Tasks on Telegram: capture, the lists, the buttons, and the prompts that ask for a reply.

Handlers translate: read the update, call the task service, render the answer with the task
views. Button data is read by one codec (bot/tasks/callbacks.py). Prompts (办不了 / 推迟到… /
转交给…) are stateless: the bot's question carries the task number and is recognised again from
its text when the person replies to it, so a restart loses nothing.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
from bot.core.config import Lang
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.i18n import t
from bot.core.models import Button
from bot.core.render import RenderContext, Rendered
from bot.parsing import ParseError
from bot.people.rules import mention, tz_of
from bot.tasks import callbacks, rules, views
from bot.tasks.callbacks import PagePress, TaskPress, Verb
from bot.tasks.models import Task
from bot.tasks.rules import Action, Prompt, TaskRefused
from bot.tasks.service import Actor, Outcome, TaskService
from handlers.common import command_args, is_admin, py_span, refuse, toast_text

log = logging.getLogger(__name__)


# ----- helpers ------------------------------------------------------------------------------
def _ctx(context: Ctx, lang: Lang) -> RenderContext:
    """How the speaker reads: the language given, their zone, now."""
    data = context.bot_data
    return RenderContext(lang, tz_of(context.person, data.settings), data.clock.now())


async def _answer_refusal(update: Update, context: Ctx, exc: TaskRefused | ParseError) -> None:
    lang = context.lang
    text = views.refusal(lang, exc) if isinstance(exc, TaskRefused) else exc.message(lang)
    await refuse(update, text)


async def _actor(context: Ctx, update: Update, task: Task, action: Action) -> Actor:
    """The speaker acting on `task`; asks Telegram whether they are an admin only when the
    rules would not let them take `action` otherwise."""
    user = update.effective_user
    assert user is not None
    admin = not rules.may(task, user.id, action) and await is_admin(context, user.id, task.chat_id)
    return Actor(user.id, admin, update.update_id)


def _mentions(message: Message) -> list[tuple[int, int, str]]:
    """Telegram's text_mention entities (people without a username) as parser spans."""
    text = message.text or message.caption or ""
    out = []
    for entity in message.entities or message.caption_entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            start, end = py_span(text, entity)
            out.append((start, end, f"id:{entity.user.id}"))
    return out


async def _reply_key(update: Update, context: Ctx, key: str, **values: object) -> None:
    msg = update.effective_message
    if msg is not None:
        await msg.reply_text(t(context.lang, key, **values))


# ----- creating -----------------------------------------------------------------------------
async def _create(
    update: Update, context: Ctx, text: str, *, source: Message | None = None
) -> None:
    msg = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    if msg is None or user is None or chat is None:
        return
    origin = source or msg
    try:
        outcome = context.services.tasks.create(
            actor=user.id,
            chat_id=chat.id,
            text=text,
            mentions=_mentions(origin) if origin.text == text else [],
            ignore_usernames={context.bot.username} if context.bot.username else set(),
            message_id=origin.message_id,
            update_id=update.update_id,
        )
    except (ParseError, TaskRefused) as exc:
        await _answer_refusal(update, context, exc)
        return
    await context.bot_data.delivery.send(outcome.entries)


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
    names_someone = any(
        e.type in (MessageEntity.MENTION, MessageEntity.TEXT_MENTION) for e in msg.entities or ()
    )
    if names_someone and context.services.tasks.looks_like_assignment(
        msg.text,
        mentions=_mentions(msg),
        ignore_usernames={context.bot.username} if context.bot.username else set(),
    ):
        await _create(update, context, msg.text)


# ----- the lists ----------------------------------------------------------------------------
async def _send_own_list(update: Update, context: Ctx, rendered: Rendered) -> None:
    """A person's own list: as a reply in private; in a group, privately (with a hint)."""
    msg = update.effective_message
    assert msg is not None
    markup = keyboard(rendered, context.user_lang)
    if update.effective_chat is not None and update.effective_chat.type != Chat.PRIVATE:
        # A group never sees anyone's private list.
        await _private_or_hint(update, context, rendered.text, markup)
        return
    await msg.reply_text(rendered.text, reply_markup=markup)


async def _private_or_hint(
    update: Update, context: Ctx, text: str, markup: InlineKeyboardMarkup | ForceReply | None
) -> None:
    user = update.effective_user
    msg = update.effective_message
    assert user is not None and msg is not None
    person = context.person
    if person is not None and person.reachable_privately:
        try:
            await context.bot.send_message(user.id, text, reply_markup=markup)
            await msg.reply_text(t(context.lang, "tasks.sent_privately"))
            return
        except TelegramError:
            log.info("could not send privately to %s", user.id)
    await msg.reply_text(t(context.lang, "tasks.start_privately", bot=context.bot.username))


async def cmd_my(update: Update, context: Ctx) -> None:
    """/my: my open tasks in 轻重缓急 order, ten a page."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    page = context.services.tasks.my_page(user.id, 0)
    await _send_own_list(update, context, views.my_page(page, _ctx(context, context.user_lang)))


async def cmd_next(update: Update, context: Ctx) -> None:
    """/next: the one task to do now, with its buttons."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    card, count = context.services.tasks.next_for(user.id)
    await _send_own_list(
        update, context, views.next_task(card, count, _ctx(context, context.user_lang))
    )


async def cmd_assigned(update: Update, context: Ctx) -> None:
    """/assigned: what I handed out, each person's state, with a 催办 button per task."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    items, total = context.services.tasks.handed_out(user.id)
    await _send_own_list(
        update, context, views.assigned_list(items, total, _ctx(context, context.user_lang))
    )


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
    await msg.reply_text(views.chat_board(total, by_person, ctx))


# ----- commands that act on #n ---------------------------------------------------------------
Use = Callable[[Actor], Outcome]


async def _act(
    update: Update, context: Ctx, number: int, action: Action, use: Use
) -> Outcome | None:
    """Do `action` on #number through `use`, send what it queued; None if refused."""
    task = context.services.tasks.get(number)
    if task is None:
        await _answer_refusal(update, context, TaskRefused("unknown", number=number))
        return None
    by = await _actor(context, update, task, action)
    try:
        outcome = use(by)
    except TaskRefused as exc:
        await _answer_refusal(update, context, exc)
        return None
    await context.bot_data.delivery.send(outcome.entries)
    return outcome


async def cmd_done(update: Update, context: Ctx) -> None:
    """/done [#n] [note]"""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    tasks = context.services.tasks
    given, note = rules.split_number(command_args(msg))
    replied = msg.reply_to_message
    number = tasks.which_task(user.id, given, (replied.text or "") if replied is not None else None)
    if number is None:
        await _reply_key(update, context, "tasks.which_task")
        return
    outcome = await _act(
        update, context, number, Action.DONE, lambda by: tasks.complete(number, by, note)
    )
    if outcome is not None:
        title = outcome.task.title
        await _reply_key(update, context, "tasks.done_reply", number=number, title=title)


async def cmd_snooze(update: Update, context: Ctx) -> None:
    """/snooze #n <when, in plain language>"""
    msg = update.effective_message
    if msg is None:
        return
    given, when_text = rules.split_number(command_args(msg))
    if given is None or not when_text:
        await _reply_key(update, context, "tasks.snooze_usage")
        return
    await _snooze_to(update, context, given, when_text, Action.SNOOZE)


async def _snooze_to(
    update: Update, context: Ctx, number: int, when_text: str, action: Action
) -> None:
    """推迟 (SNOOZE) or 改截止时间 (CHANGE_DUE) to a time typed in plain language."""
    tasks = context.services.tasks
    try:
        until = tasks.until(number, when_text, action)
    except ParseError as exc:
        await _answer_refusal(update, context, exc)
        return
    move = tasks.snooze if action == Action.SNOOZE else tasks.change_due
    if await _act(update, context, number, action, lambda by: move(number, by, until)) is not None:
        msg = update.effective_message
        assert msg is not None
        await msg.reply_text(views.snoozed(number, until, _ctx(context, context.lang)))


async def cmd_report(update: Update, context: Ctx) -> None:
    """/report #n <text>: a progress note (汇报) to the assigner."""
    msg = update.effective_message
    if msg is None:
        return
    given, text = rules.split_number(command_args(msg))
    if given is None or not text:
        await _reply_key(update, context, "tasks.report_usage")
        return
    await _report(update, context, given, text)


async def _report(update: Update, context: Ctx, number: int, text: str) -> None:
    tasks = context.services.tasks
    outcome = await _act(
        update, context, number, Action.REPORT, lambda by: tasks.report(number, by, text)
    )
    if outcome is not None:
        await _reply_key(update, context, "tasks.report_sent", number=number)


# ----- buttons --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Pressed:
    """One press of a task button, with what its handler needs."""

    update: Update
    context: Ctx
    query: CallbackQuery
    user: User
    task: Task  # as it stands now
    press: TaskPress
    lang: Lang

    @property
    def tasks(self) -> TaskService:
        return self.context.services.tasks

    @property
    def number(self) -> int:
        return self.task.number


ButtonHandler = Callable[[Pressed], Awaitable[None]]


async def cb_task(update: Update, context: Ctx) -> None:
    """Every task button, and /my's « ». Old or tampered data gets a polite alert, no change."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    lang = context.user_lang
    press = callbacks.parse(query.data or "")
    if isinstance(press, PagePress):
        await _turn_page(context, query, user, press.page)
        return
    task = context.services.tasks.get(press.number) if press is not None else None
    if press is None or task is None:
        await _stale(query, lang)
        return
    await _BUTTONS[press.verb](Pressed(update, context, query, user, task, press, lang))


async def _stale(query: CallbackQuery, lang: Lang) -> None:
    await query.answer(t(lang, "tasks.stale_button"), show_alert=True)


async def _turn_page(context: Ctx, query: CallbackQuery, user: User, page: int) -> None:
    """Page through /my."""
    rendered = views.my_page(
        context.services.tasks.my_page(user.id, page), _ctx(context, context.user_lang)
    )
    await query.answer()
    await _edit(query.message, rendered.text, _inline(rendered, context.user_lang))


async def _refuse(p: Pressed, exc: TaskRefused) -> None:
    await p.query.answer(toast_text(views.refusal(p.lang, exc)), show_alert=True)


async def _allowed(p: Pressed, action: Action) -> bool:
    """Check before showing a menu or a question; refuse with an alert otherwise."""
    by = await _actor(p.context, p.update, p.task, action)
    try:
        rules.check(p.task, by.user_id, action, is_admin=by.is_admin)
    except TaskRefused as exc:
        await _refuse(p, exc)
        return False
    return True


async def _apply(p: Pressed, action: Action, use: Use) -> None:
    """Do `action`, answer with a toast, show the new state, tell the people concerned."""
    by = await _actor(p.context, p.update, p.task, action)
    try:
        outcome = use(by)
    except TaskRefused as exc:
        await _refuse(p, exc)
        return
    await p.query.answer(t(p.lang, f"tasks.{outcome.toast}", number=p.number, name=outcome.taker))
    message = p.query.message
    rest = _list_without(message, p.number)
    if rest is not None and isinstance(message, Message):
        # A message listing several tasks (bot/core/bundling.py): it stays; only the
        # pressed task's buttons go.
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(rest)
    elif outcome.taker and isinstance(message, Message):
        # Handed on: the card stays as it was, saying who has it now.
        note = t(p.lang, "tasks.now_with", name=outcome.taker)
        await _edit(message, (message.text_html or "") + "\n" + note, None)
    else:
        await _show_state(p, outcome.task)
    await p.context.bot_data.delivery.send(outcome.entries)


def _doing(action: Action, use: Callable[[TaskService, int, Actor], Outcome]) -> ButtonHandler:
    """A button that acts at once (收到, 完成, 取消 …)."""
    return lambda p: _apply(p, action, lambda by: use(p.tasks, p.number, by))


async def _show_menu(p: Pressed, action: Action, rows: tuple[tuple[Button, ...], ...]) -> None:
    """Swap the message's buttons for a menu (snooze times, people to hand to)."""
    if not await _allowed(p, action):
        return
    await p.query.answer()
    if isinstance(p.query.message, Message):
        with contextlib.suppress(BadRequest):  # pressed twice: "message is not modified"
            await p.query.message.edit_reply_markup(_inline(Rendered("", rows), p.lang))


async def _show_state(p: Pressed, task: Task) -> None:
    """Edit the message the button was on to show the task as it now stands."""
    rendered = views.card_with_state(
        p.tasks.card(task), _ctx(p.context, p.lang), buttons=rules.open_for(task, p.user.id)
    )
    await _edit(p.query.message, rendered.text, _inline(rendered, p.lang))


def _inline(rendered: Rendered, lang: Lang) -> InlineKeyboardMarkup | None:
    """The buttons of a message being edited (an edit keeps no ForceReply)."""
    markup = keyboard(rendered, lang)
    return markup if isinstance(markup, InlineKeyboardMarkup) else None


async def _edit(message: object, text: str, markup: InlineKeyboardMarkup | None) -> None:
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:  # "message is not modified" and old messages are fine
        log.debug("edit skipped: %s", exc.message)


async def _snooze(p: Pressed) -> None:
    """推迟: the menu of times; a time chosen from it."""
    option = p.press.option
    if option is None:
        menu = views.snooze_menu(p.number, p.tasks.snooze_options(p.user.id))
        await _show_menu(p, Action.SNOOZE, menu)
        return
    until = p.tasks.snooze_target(p.user.id, option)
    if until is None:
        await _stale(p.query, p.lang)
        return
    await _apply(p, Action.SNOOZE, lambda by: p.tasks.snooze(p.number, by, until))


async def _hand(p: Pressed) -> None:
    """转交 (an assignee): whom to; or hand it to the one chosen."""
    to_user = p.press.person
    if to_user is None:
        colleagues = p.tasks.candidates(p.task, exclude=p.user.id)
        await _show_menu(p, Action.HAND_OVER, views.hand_menu(p.number, colleagues))
        return
    await _apply(p, Action.HAND_OVER, lambda by: p.tasks.hand_over(p.number, by, to_user))


async def _reassign(p: Pressed) -> None:
    """交给别人 (the assigner): whom to; or give it to the one chosen."""
    to_user = p.press.person
    if to_user is None:
        colleagues = p.tasks.candidates(p.task, exclude=None)
        await _show_menu(p, Action.REASSIGN, views.reassign_menu(p.number, colleagues))
        return
    await _apply(p, Action.REASSIGN, lambda by: p.tasks.reassign(p.number, by, to_user))


async def _back(p: Pressed) -> None:
    await p.query.answer()
    await _show_state(p, p.task)


async def _view(p: Pressed) -> None:
    """看看 on a message listing several tasks: the card as a new message (the list stays)."""
    if not await _allowed(p, Action.VIEW):
        return
    await p.query.answer()
    rendered = views.card_with_state(
        p.tasks.card(p.task), _ctx(p.context, p.lang), buttons=rules.open_for(p.task, p.user.id)
    )
    chat = p.update.effective_chat
    chat_id = chat.id if chat is not None else p.user.id
    await p.context.bot.send_message(chat_id, rendered.text, reply_markup=_inline(rendered, p.lang))


def _list_without(message: object, number: int) -> InlineKeyboardMarkup | None:
    """The keyboard of a message about several tasks without task #number's buttons; None
    when the message is about one task only (its card is shown instead)."""
    markup = message.reply_markup if isinstance(message, Message) else None
    rows = markup.inline_keyboard if markup is not None else ()

    def about(row: tuple[InlineKeyboardButton, ...]) -> set[int]:
        pressed = (callbacks.parse(str(b.callback_data or "")) for b in row)
        return {x.number for x in pressed if isinstance(x, TaskPress)}

    numbers = {n for row in rows for n in about(row)}
    if len(numbers) < 2:
        return None
    return InlineKeyboardMarkup([row for row in rows if number not in about(row)])


def _asking(prompt: Prompt) -> ButtonHandler:
    """A button that asks a question; the reply to it is read by `_maybe_prompt_reply`."""

    async def ask(p: Pressed) -> None:
        if not await _allowed(p, prompt.action):
            return
        await p.query.answer()
        chat = p.update.effective_chat
        chat_id = chat.id if chat is not None else p.user.id
        text = html.escape(views.prompt_text(p.lang, prompt, p.number), quote=False)
        if chat_id < 0:  # in a group, ask the person by name so ForceReply(selective) reaches them
            text = mention(p.context.person, p.user.id) + " " + text
        await p.context.bot.send_message(chat_id, text, reply_markup=ForceReply(selective=True))

    return ask


# What each verb of the codec does (every Verb has a line: a test checks it).
_BUTTONS: dict[Verb, ButtonHandler] = {
    Verb.ACK: _doing(Action.ACK, TaskService.acknowledge),
    Verb.DONE: _doing(Action.DONE, TaskService.complete),
    Verb.CANCEL: _doing(Action.CANCEL, TaskService.cancel),
    Verb.KEEP: _doing(Action.KEEP, TaskService.keep),
    Verb.UNDO: _doing(Action.UNDO, TaskService.undo),
    Verb.NUDGE: _doing(Action.NUDGE, TaskService.nudge),
    Verb.ASK_REASSIGN: _doing(Action.ASK_REASSIGN, TaskService.ask_reassign),
    Verb.SNOOZE: _snooze,
    Verb.HAND: _hand,
    Verb.REASSIGN: _reassign,
    Verb.SNOOZE_TYPED: _asking(Prompt.SNOOZE),
    Verb.HAND_TYPED: _asking(Prompt.HAND),
    Verb.REASSIGN_TYPED: _asking(Prompt.REASSIGN),
    Verb.CANNOT: _asking(Prompt.CANNOT),
    Verb.DUE: _asking(Prompt.DUE),
    Verb.BACK: _back,
    Verb.VIEW: _view,
}


# ----- replies to prompts ----------------------------------------------------------------------
async def _maybe_prompt_reply(update: Update, context: Ctx) -> bool:
    """A reply to one of our questions is its answer (True: it was one)."""
    msg = update.effective_message
    if msg is None or msg.reply_to_message is None:
        return False
    replied = msg.reply_to_message
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return False
    found = views.which_prompt(replied.text or "")
    if found is None:
        return False
    prompt, number = found
    await _ANSWERS[prompt](update, context, number, (msg.text or "").strip())
    return True


async def _answer_cannot(update: Update, context: Ctx, number: int, answer: str) -> None:
    tasks = context.services.tasks
    outcome = await _act(
        update, context, number, Action.CANNOT, lambda by: tasks.cannot(number, by, answer)
    )
    if outcome is not None:
        await _reply_key(update, context, "tasks.cannot_sent", number=number)


async def _answer_with_person(
    update: Update, context: Ctx, number: int, answer: str, action: Action
) -> None:
    """转交给谁 / 交给谁办: the person typed (by @username)."""
    tasks = context.services.tasks
    to_user = tasks.person_named(answer)
    if to_user is None:
        await _reply_key(update, context, "tasks.unknown_person_named", name=answer[:40])
        return
    give = tasks.hand_over if action == Action.HAND_OVER else tasks.reassign
    outcome = await _act(update, context, number, action, lambda by: give(number, by, to_user))
    if outcome is not None:
        await _reply_key(update, context, "tasks.now_with", name=outcome.taker)


PromptAnswer = Callable[[Update, Ctx, int, str], Awaitable[None]]
_ANSWERS: dict[Prompt, PromptAnswer] = {
    Prompt.CANNOT: _answer_cannot,
    Prompt.REPORT: _report,
    Prompt.SNOOZE: lambda u, c, n, a: _snooze_to(u, c, n, a, Action.SNOOZE),
    Prompt.DUE: lambda u, c, n, a: _snooze_to(u, c, n, a, Action.CHANGE_DUE),
    Prompt.HAND: lambda u, c, n, a: _answer_with_person(u, c, n, a, Action.HAND_OVER),
    Prompt.REASSIGN: lambda u, c, n, a: _answer_with_person(u, c, n, a, Action.REASSIGN),
}


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
            CallbackQueryHandler(cb_task, pattern=callbacks.PATTERN),
        ),
        # In a group only when the bot is mentioned or a prompt is answered; goes last so it
        # never shadows a command or another feature.
        catch_all=(
            MessageHandler(text & filters.ChatType.PRIVATE, msg_private_text),
            MessageHandler(text & filters.ChatType.GROUPS, msg_group_text),
        ),
        messages=views.MESSAGES,
    )
