"""Every task button, read by the one codec (bot/tasks/callbacks.py): what each verb does, and
how a press that no longer fits is refused with the task shown as it is now."""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import BadRequest

from bot.context import Ctx
from bot.core.config import Lang
from bot.core.delivery import keyboard
from bot.core.i18n import t
from bot.core.models import Button
from bot.core.render import RenderContext, Rendered
from bot.parsing import ParseError
from bot.tasks import callbacks, rules, screens, views, words
from bot.tasks.callbacks import Flag, PagePress, SavePress, TaskPress, Verb
from bot.tasks.models import Task
from bot.tasks.rules import Action, Prompt, TaskRefused
from bot.tasks.service import Actor, Outcome, SnoozeLate, TaskService
from bot.tasks.words import Change
from handlers.common import OnPress, command_args, toast_text, topic_of_update
from handlers.tasks.base import (
    Use,
    actor_for,
    answer_refusal,
    ask_prompt,
    done_answer,
    ignored_names,
    late_warning,
    mentions_of,
    render_ctx,
)

log = logging.getLogger(__name__)


# Refusals after which the message pressed on is shown as the task now stands.
_REFRESH = frozenset(
    {
        "already_done",
        "already_cancelled",
        "no_longer_yours",
        "stale_handed",
        "stale_decided",
        "stale_report",
        "nothing_to_decide",
        "extension_settled",
        "already_acked",
    }
)


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

    @property
    def rev(self) -> int | None:
        return self.press.rev

    @property
    def message(self) -> Message | None:
        message = self.query.message
        return message if isinstance(message, Message) else None

    @property
    def ctx(self) -> RenderContext:
        return render_ctx(self.context, self.lang)


ButtonHandler = Callable[[Pressed], Awaitable[None]]


@OnPress[callbacks.Press](callbacks.parse, "tasks.stale_button")
async def cb_task(
    update: Update, context: Ctx, query: CallbackQuery, user: User, press: callbacks.Press
) -> None:
    """Every task button, /my's « », 记为任务. Old or tampered data gets a polite alert."""
    lang = context.user_lang
    if isinstance(press, PagePress):
        await _turn_page(context, query, user, press.page)
        return
    if isinstance(press, SavePress):
        await _save_offered(update, context, query, user)
        return
    task = context.services.tasks.get(press.number)
    if task is None:
        await _stale(query, lang)
        return
    await BUTTONS[press.verb](Pressed(update, context, query, user, task, press, lang))


async def _stale(query: CallbackQuery, lang: Lang) -> None:
    await query.answer(t(lang, "tasks.stale_button"), show_alert=True)


async def _turn_page(context: Ctx, query: CallbackQuery, user: User, page: int) -> None:
    """Page through /my."""
    rendered = screens.my_page(
        context.services.tasks.my_page(user.id, page), render_ctx(context, context.user_lang)
    )
    await query.answer()
    await _edit(query.message, rendered.text, _inline(rendered, context.user_lang))


async def _save_offered(update: Update, context: Ctx, query: CallbackQuery, user: User) -> None:
    """记为任务: the message the offer answered becomes a task (once)."""
    message = query.message if isinstance(query.message, Message) else None
    original = message.reply_to_message if message is not None else None
    lang = context.user_lang
    if message is None or original is None or not original.text:
        await _stale(query, lang)
        return
    tasks = context.services.tasks
    if tasks.made_from(user.id, original.message_id) is not None:
        await query.answer(t(lang, "tasks.saved_already"), show_alert=True)
        return
    try:
        outcome = tasks.create(
            actor=user.id,
            chat_id=message.chat.id,
            text=original.text,
            mentions=mentions_of(original),
            ignore_usernames=ignored_names(context),
            message_id=original.message_id,
            update_id=update.update_id,
        )
    except (ParseError, TaskRefused) as exc:
        await answer_refusal(update, context, exc)
        return
    await query.answer()
    await _edit(message, message.text_html or "", None)
    await context.bot_data.delivery.send(outcome.entries)


async def _refuse(p: Pressed, exc: TaskRefused) -> None:
    """An alert with why; when the task moved on, the message shows it as it is now."""
    await p.query.answer(toast_text(screens.refusal(p.lang, exc)), show_alert=True)
    if exc.key in _REFRESH:
        await _show_state(p, p.tasks.get(p.number) or p.task)


async def _allowed(p: Pressed, action: Action) -> bool:
    """Check before showing a menu or a question; refuse with an alert otherwise."""
    by = await actor_for(p.context, p.update, p.task, action)
    try:
        rules.check(p.task, by.user_id, action, is_admin=by.is_admin)
        if action in _DECISIONS:
            p.tasks.check_fresh(p.task, p.rev)
    except TaskRefused as exc:
        await _refuse(p, exc)
        return False
    return True


# Presses that decide on a message: checked against what happened since it was made.
_DECISIONS = frozenset({Action.REASSIGN, Action.KEEP, Action.CANCEL})


async def _run(p: Pressed, action: Action, use: Use) -> Outcome | None:
    """Do `action`; refused (with an alert) → None. A snooze past the deadline: the warning."""
    by = await actor_for(p.context, p.update, p.task, action)
    try:
        outcome = use(by)
    except SnoozeLate as late:
        rendered = late_warning(p.context, late, p.lang)
        await p.query.answer(toast_text(rendered.text), show_alert=True)
        rows = (
            *rendered.buttons,
            (views.button("tasks.btn_back", Verb.BACK, p.number, rev=p.rev),),
        )
        await _edit_markup(p, rows)
        return None
    except TaskRefused as exc:
        await _refuse(p, exc)
        return None
    await p.query.answer(t(p.lang, f"tasks.{outcome.toast}", number=p.number, name=outcome.taker))
    await p.context.bot_data.delivery.send(outcome.entries)
    return outcome


async def _apply(p: Pressed, action: Action, use: Use) -> None:
    """Do `action`, answer with a toast, show the new state, tell the people concerned."""
    outcome = await _run(p, action, use)
    if outcome is None:
        return
    message = p.message
    rest = _list_without(message, p.number)
    if rest is not None and message is not None:
        # A message listing several tasks (bot/core/bundling.py): it stays; only the pressed
        # task's buttons go.
        with contextlib.suppress(BadRequest):
            await message.edit_reply_markup(rest)
    elif outcome.taker and message is not None and action in (Action.HAND_OVER, Action.REASSIGN):
        # Handed on: the card stays as it was, saying who has it now.
        note = t(p.lang, "tasks.now_with", name=outcome.taker)
        await _edit(message, (message.text_html or "") + "\n" + note, None)
    else:
        await _show_state(p, outcome.task)


async def _append(p: Pressed, outcome: Outcome) -> None:
    """The message pressed on stays, its buttons gone, with a line saying what was done."""
    message = p.message
    if message is not None:
        line = t(p.lang, f"tasks.{outcome.toast}", number=p.number, name=outcome.taker)
        await _edit(message, (message.text_html or "") + "\n" + html.escape(line), None)


def _doing(action: Action, use: Callable[[TaskService, int, Actor], Outcome]) -> ButtonHandler:
    """A button that acts at once (收到, 完成, 撤销 …)."""
    return lambda p: _apply(p, action, lambda by: use(p.tasks, p.number, by))


async def _show_menu(p: Pressed, action: Action, rows: tuple[tuple[Button, ...], ...]) -> None:
    """Swap the message's buttons for a menu (snooze times, people to hand to)."""
    if not await _allowed(p, action):
        return
    await p.query.answer()
    await _edit_markup(p, rows)


async def _edit_markup(p: Pressed, rows: tuple[tuple[Button, ...], ...]) -> None:
    if p.message is not None:
        with contextlib.suppress(BadRequest):  # pressed twice: "message is not modified"
            await p.message.edit_reply_markup(_inline(Rendered("", rows), p.lang))


async def _show_state(p: Pressed, task: Task) -> None:
    """Edit the message the button was on to show the task as it now stands (for the one who
    pressed: their buttons while it is theirs, else who has it)."""
    uid = p.user.id
    card = p.tasks.card(task, uid)
    mine = rules.open_for(task, uid)
    note = ""
    if not mine and not task.finished and uid not in task.assignee_ids():
        note = t(p.lang, "tasks.now_with", name=p.tasks.names(task))
    rendered = views.card_with_state(card, p.ctx, buttons=mine, note=note)
    await _edit(p.message, rendered.text, _inline(rendered, p.lang))


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


async def _done(p: Pressed) -> None:
    """完成; on the bot's question (/done with one open task), the answer with 撤销."""
    if p.press.flag != Flag.YES:
        await _apply(p, Action.DONE, lambda by: p.tasks.complete(p.number, by))
        return
    outcome = await _run(p, Action.DONE, lambda by: p.tasks.complete(p.number, by))
    if outcome is not None:
        rendered = done_answer(p.context, outcome, "done_reply")
        await _edit(p.message, rendered.text, _inline(rendered, p.lang))


async def _snooze(p: Pressed) -> None:
    """推迟: the menu of times (with 申请延期 when the deadline is someone else's); a time."""
    option = p.press.option
    if option is None:
        more_time = p.task.due is not None and not p.task.own
        options = p.tasks.snooze_options(p.user.id)
        menu = screens.snooze_menu(p.number, options, rev=p.rev, extend=more_time)
        await _show_menu(p, Action.SNOOZE, menu)
        return
    until = p.tasks.snooze_target(p.user.id, option)
    if until is None:
        await _stale(p.query, p.lang)
        return
    await _apply(p, Action.SNOOZE, lambda by: p.tasks.snooze(p.number, by, until))


def _moment(p: Pressed) -> datetime | None:
    return datetime.fromtimestamp(p.press.at, UTC) if p.press.at is not None else None


async def _snooze_anyway(p: Pressed) -> None:
    """仍然推迟: past the deadline, after the warning."""
    until = _moment(p)
    assert until is not None  # the codec reads SNOOZE_ANYWAY only with its moment
    await _apply(p, Action.SNOOZE, lambda by: p.tasks.snooze(p.number, by, until, anyway=True))


async def _extend_pressed(p: Pressed) -> None:
    """申请延期: ask until when and why; with a moment (from the warning), ask for it."""
    until = _moment(p)
    if until is None:
        await _asking(Prompt.EXTEND)(p)
        return
    outcome = await _run(p, Action.EXTEND, lambda by: p.tasks.ask_extension(p.number, by, until))
    if outcome is not None:
        await _show_state(p, outcome.task)


async def _due_pressed(p: Pressed) -> None:
    """改期: ask for the time; with a moment (one's own note, from the warning), set it."""
    due = _moment(p)
    if due is None:
        await _asking(Prompt.DUE)(p)
        return
    await _apply(p, Action.CHANGE_DUE, lambda by: p.tasks.change_due(p.number, by, due))


async def _answer_extension(p: Pressed, *, approve: bool) -> None:
    """同意 / 不同意 a request for more time: the request's message says what was answered."""
    answer: Use = lambda by: p.tasks.answer_extension(p.number, by, p.rev, approve=approve)  # noqa: E731
    outcome = await _run(p, Action.ANSWER_EXTENSION, answer)
    if outcome is not None:
        await _append(p, outcome)


async def _other_time(p: Pressed) -> None:
    """改个时间: ask the assigner for the time (the request must still wait)."""
    request = p.tasks.pending_extension(p.number)
    if request is None or (p.rev is not None and request.rev != p.rev):
        await _refuse(p, TaskRefused("extension_settled", number=p.number))
        return
    await _asking(Prompt.OTHER_TIME)(p)


async def _hand(p: Pressed) -> None:
    """转交 (an assignee): whom to; or hand it to the one chosen."""
    to_user = p.press.person
    if to_user is None:
        colleagues = p.tasks.candidates(p.task, exclude=p.user.id)
        menu = screens.hand_menu(p.number, colleagues, rev=p.rev, own=p.task.own)
        await _show_menu(p, Action.HAND_OVER, menu)
        return
    await _apply(p, Action.HAND_OVER, lambda by: p.tasks.hand_over(p.number, by, to_user))


async def _reassign_pressed(p: Pressed) -> None:
    """交给别人 / 改派 (the assigner): whom to; or give it to the one chosen."""
    to_user = p.press.person
    if to_user is None:
        colleagues = p.tasks.candidates(p.task, exclude=None)
        await _show_menu(p, Action.REASSIGN, screens.reassign_menu(p.number, colleagues, rev=p.rev))
        return
    give: Use = lambda by: p.tasks.reassign(p.number, by, to_user, rev=p.rev)  # noqa: E731
    await _apply(p, Action.REASSIGN, give)


async def _cancel_pressed(p: Pressed) -> None:
    """取消任务: the confirm step (a new message); 确认取消; 不取消."""
    flag = p.press.flag
    if flag is None:
        if await _allowed(p, Action.CANCEL):
            await p.query.answer()
            question = screens.cancel_question(p.number, p.task.title, p.task.revision, p.lang)
            await _send(p, question)
        return
    if flag == Flag.NO:
        await p.query.answer()
        await _edit(p.message, t(p.lang, "tasks.cancel_kept", number=p.number), None)
        return
    reason = _cancel_reason(p)
    cancel: Use = lambda by: p.tasks.cancel(p.number, by, reason, rev=p.rev)  # noqa: E731
    outcome = await _run(p, Action.CANCEL, cancel)
    if outcome is not None:
        await _append(p, outcome)


def _cancel_reason(p: Pressed) -> str:
    """The reason given with `/cancel #n <reason>` (or 取消 #n …), which the question answers."""
    asked = p.message.reply_to_message if p.message is not None else None
    text = (asked.text or "") if asked is not None else ""
    if text.startswith("/"):
        return rules.split_number(command_args(asked))[1] if asked is not None else ""
    said = words.read_change(text)
    return said.rest if said is not None and said.change == Change.CANCEL else ""


async def _send(p: Pressed, rendered: Rendered) -> None:
    """A new message in the chat the button was pressed in, answering that message."""
    chat = p.update.effective_chat
    chat_id = chat.id if chat is not None else p.user.id
    await p.context.bot.send_message(
        chat_id,
        rendered.text,
        reply_markup=keyboard(rendered, p.lang),
        reply_to_message_id=p.message.message_id if p.message is not None else None,
        message_thread_id=topic_of_update(p.update),
    )


async def _keep(p: Pressed) -> None:
    await _apply(p, Action.KEEP, lambda by: p.tasks.keep(p.number, by, rev=p.rev))


async def _revert(p: Pressed) -> None:
    """撤销 what one just did (the act at the button's revision)."""
    if p.rev is None:
        await _stale(p.query, p.lang)
        return
    rev = p.rev
    outcome = await _run(p, Action.REVERT, lambda by: p.tasks.revert(p.number, by, rev))
    if outcome is not None:
        await _append(p, outcome)
    elif p.message is not None:
        await _edit_markup(p, ())  # too late or nothing to undo: the button goes


async def _nudge(p: Pressed) -> None:
    """催办; under /assigned the list stays, its line saying 已催办 and when."""
    if p.press.flag != Flag.LIST:
        await _apply(p, Action.NUDGE, lambda by: p.tasks.nudge(p.number, by))
        return
    outcome = await _run(p, Action.NUDGE, lambda by: p.tasks.nudge(p.number, by))
    if outcome is not None:
        items, total = p.tasks.handed_out(p.user.id)
        rendered = screens.assigned_list(items, total, p.ctx)
        await _edit(p.message, rendered.text, _inline(rendered, p.lang))


async def _priority_pressed(p: Pressed) -> None:
    """轻重缓急: the four; one chosen."""
    priority = p.press.priority
    if priority is None:
        await _show_menu(
            p, Action.PRIORITY, screens.priority_menu(p.number, p.task.priority, rev=p.rev)
        )
        return
    outcome = await _run(
        p, Action.PRIORITY, lambda by: p.tasks.set_priority(p.number, by, priority)
    )
    if outcome is not None:
        await _show_steering(p, outcome.task)


async def _manage(p: Pressed) -> None:
    """⚙️ the assigner's card of the task, as a new message (the list stays)."""
    by = await actor_for(p.context, p.update, p.task, Action.RENAME)
    try:
        card, deciding = p.tasks.steering(p.number, by.user_id, is_admin=by.is_admin)
    except TaskRefused as exc:
        await _refuse(p, exc)
        return
    await p.query.answer()
    await _send(p, views.assigner_card(card, p.ctx, deciding=deciding))


async def _show_steering(p: Pressed, task: Task) -> None:
    card = p.tasks.card(task)
    deciding = rules.waiting_decision(task) is not None
    rendered = views.assigner_card(card, p.ctx, deciding=deciding)
    await _edit(p.message, rendered.text, _inline(rendered, p.lang))


async def _back(p: Pressed) -> None:
    """« 返回: the card as it stands (the assigner's card, for the one who steers it)."""
    await p.query.answer()
    uid = p.user.id
    if not rules.open_for(p.task, uid) and rules.may(p.task, uid, Action.RENAME):
        await _show_steering(p, p.task)
        return
    await _show_state(p, p.task)


async def _view(p: Pressed) -> None:
    """看看 on a message listing several tasks: the card as a new message (the list stays)."""
    if not await _allowed(p, Action.VIEW):
        return
    await p.query.answer()
    uid = p.user.id
    rendered = views.card_with_state(
        p.tasks.card(p.task, uid), p.ctx, buttons=rules.open_for(p.task, uid)
    )
    chat = p.update.effective_chat
    chat_id = chat.id if chat is not None else uid
    await p.context.bot.send_message(chat_id, rendered.text, reply_markup=_inline(rendered, p.lang))


def _list_without(message: Message | None, number: int) -> InlineKeyboardMarkup | None:
    """The keyboard of a message about several tasks without task #number's buttons; None
    when the message is about one task only (its card is shown instead)."""
    markup = message.reply_markup if message is not None else None
    rows = markup.inline_keyboard if markup is not None else ()

    def about(row: tuple[InlineKeyboardButton, ...]) -> set[int]:
        pressed = (callbacks.parse(str(b.callback_data or "")) for b in row)
        return {x.number for x in pressed if isinstance(x, TaskPress)}

    numbers = {n for row in rows for n in about(row)}
    if len(numbers) < 2:
        return None
    return InlineKeyboardMarkup([row for row in rows if number not in about(row)])


def _asking(prompt: Prompt) -> ButtonHandler:
    """A button that asks a question; the reply to it is read by `maybe_reply_to_bot`."""

    async def ask(p: Pressed) -> None:
        if not await _allowed(p, prompt.action):
            return
        await p.query.answer()
        chat = p.update.effective_chat
        chat_id = chat.id if chat is not None else p.user.id
        await ask_prompt(
            p.context,
            chat_id,
            p.user.id,
            prompt,
            p.number,
            p.lang,
            topic=topic_of_update(p.update),
        )

    return ask


# What each verb of the codec does (every Verb has a line: a test checks it).
BUTTONS: dict[Verb, ButtonHandler] = {
    Verb.ACK: _doing(Action.ACK, TaskService.acknowledge),
    Verb.DONE: _done,
    Verb.UNDO: _doing(Action.UNDO, TaskService.undo),
    Verb.ASK_REASSIGN: _doing(Action.ASK_REASSIGN, TaskService.ask_reassign),
    Verb.KEEP: _keep,
    Verb.CANCEL: _cancel_pressed,
    Verb.REVERT: _revert,
    Verb.NUDGE: _nudge,
    Verb.SNOOZE: _snooze,
    Verb.SNOOZE_ANYWAY: _snooze_anyway,
    Verb.EXTEND: _extend_pressed,
    Verb.EXTENSION_OK: lambda p: _answer_extension(p, approve=True),
    Verb.EXTENSION_NO: lambda p: _answer_extension(p, approve=False),
    Verb.EXTENSION_OTHER: _other_time,
    Verb.HAND: _hand,
    Verb.REASSIGN: _reassign_pressed,
    Verb.DUE: _due_pressed,
    Verb.PRIORITY: _priority_pressed,
    Verb.MANAGE: _manage,
    Verb.SNOOZE_TYPED: _asking(Prompt.SNOOZE),
    Verb.HAND_TYPED: _asking(Prompt.HAND),
    Verb.REASSIGN_TYPED: _asking(Prompt.REASSIGN),
    Verb.CANNOT: _asking(Prompt.CANNOT),
    Verb.RENAME: _asking(Prompt.RENAME),
    Verb.BACK: _back,
    Verb.VIEW: _view,
}
