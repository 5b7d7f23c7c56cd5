"""Tasks on Telegram: capture, the lists, the commands and buttons that act on a task, and the
replies that are about one.

Handlers translate: read the update, call the task service, render the answer (bot/tasks/views.py
for what goes to others, bot/tasks/screens.py for what the actor sees). Button data is read by
one codec (bot/tasks/callbacks.py). Prompts (办不了 / 推迟到… / 转交给…) are stateless: the bot's
question carries the task number and is recognised again from its text when the person replies,
so a restart loses nothing. What a reply or a private message means is read by
bot/tasks/words.py (spec/conversations.md "Talking to the bot in reply").
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from telegram import (
    CallbackQuery,
    Chat,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
    User,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Ctx, Services
from bot.core.config import Lang
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.fmt import priority_label
from bot.core.i18n import t
from bot.core.models import Button
from bot.core.render import RenderContext, Rendered
from bot.directory.rules import private_space
from bot.directory.views import render_found, space_labels
from bot.parsing import ParseError
from bot.people.rules import mention, tz_of
from bot.tasks import callbacks, changes, rules, screens, views, words
from bot.tasks.callbacks import Flag, PagePress, SavePress, TaskPress, Verb
from bot.tasks.models import Task
from bot.tasks.rules import Action, Prompt, TaskRefused
from bot.tasks.service import Actor, Outcome, SnoozeLate, TaskService
from bot.tasks.words import Change, ReplyKind, Said
from handlers.common import command_args, is_admin, py_span, refuse, toast_text
from handlers.people import member_check

log = logging.getLogger(__name__)

SHOWN_CONTACTS = 5  # contacts shown for a question about someone's phone
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


# ----- helpers ------------------------------------------------------------------------------
def _ctx(context: Ctx, lang: Lang) -> RenderContext:
    """How the speaker reads: the language given, their zone, now."""
    data = context.bot_data
    return RenderContext(lang, tz_of(context.person, data.settings), data.clock.now())


async def _answer_refusal(update: Update, context: Ctx, exc: TaskRefused | ParseError) -> None:
    lang = context.lang
    text = screens.refusal(lang, exc) if isinstance(exc, TaskRefused) else exc.message(lang)
    await refuse(update, text)


async def _actor(context: Ctx, update: Update, task: Task, action: Action) -> Actor:
    """The speaker acting on `task`; asks Telegram whether they are an admin only when the
    rules would not let them take `action` otherwise."""
    user = update.effective_user
    assert user is not None
    admin = not rules.may(task, user.id, action) and await is_admin(context, user.id, task.chat_id)
    return Actor(user.id, admin, update.update_id)


def _mentions(message: Message, shift: int = 0) -> list[tuple[int, int, str]]:
    """Telegram's text_mention entities (people without a username) as parser spans."""
    text = message.text or message.caption or ""
    out = []
    for entity in message.entities or message.caption_entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            start, end = py_span(text, entity)
            out.append((start + shift, end + shift, f"id:{entity.user.id}"))
    return out


def _mentioned_ids(message: Message) -> list[int]:
    return [
        e.user.id
        for e in message.entities or ()
        if e.type == MessageEntity.TEXT_MENTION and e.user is not None
    ]


async def _reply_key(update: Update, context: Ctx, key: str, **values: object) -> None:
    msg = update.effective_message
    if msg is not None:
        await msg.reply_text(t(context.lang, key, **values))


async def _reply(
    update: Update, context: Ctx, rendered: Rendered, *, quote: bool | None = None
) -> None:
    """Answer the message; `quote`: as a reply to it even in private, where the answer's
    buttons read the message back (记为任务, the reason of a cancel)."""
    msg = update.effective_message
    if msg is not None:
        markup = keyboard(rendered, context.lang)
        await msg.reply_text(rendered.text, reply_markup=markup, do_quote=quote)


def _ignored(context: Ctx) -> set[str]:
    return {context.bot.username} if context.bot.username else set()


def _from_bot(context: Ctx, message: Message | None) -> bool:
    return (
        message is not None
        and message.from_user is not None
        and message.from_user.id == context.bot.id
    )


# ----- creating -----------------------------------------------------------------------------
async def _create(
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
            mentions=_mentions(msg) if mentions is None else mentions,
            ignore_usernames=_ignored(context),
            message_id=msg.message_id if message_id is None else message_id,
            update_id=update.update_id,
            source=source,
        )
    except (ParseError, TaskRefused) as exc:
        await _answer_refusal(update, context, exc)
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
        await _reply_key(update, context, "tasks.task_number_hint", number=given)
        return
    source = msg.reply_to_message
    source_text = (source.text or source.caption or "") if source is not None else ""
    if source is not None and source_text:
        offset = len(msg.text or "") - len(args)
        spans = [(a - offset, b - offset, who) for a, b, who in _mentions(msg) if a >= offset]
        text = f"{args} {source_text}" if args else source_text
        spans += _mentions(source, shift=len(args) + 1 if args else 0)
        await _create(update, context, text, mentions=spans, message_id=source.message_id)
        return
    if not args:
        await _reply_key(update, context, "tasks.task_usage")
        return
    offset = len(msg.text or "") - len(args)
    spans = [(a - offset, b - offset, who) for a, b, who in _mentions(msg) if a >= offset]
    await _create(update, context, args, mentions=spans)


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
    if await _maybe_reply_to_bot(update, context):
        return
    if msg.forward_origin is not None:
        await _create(update, context, msg.text, source=_origin_name(msg.forward_origin))
        return
    said = words.read_change(msg.text)
    if said is not None:
        await _CHANGES[said.change](update, context, said.number, said.rest)
        return
    private = words.read_private(msg.text)
    if private.said == Said.TASK:
        await _create(update, context, msg.text)
    elif private.said == Said.PHONE:
        await _answer_phone(update, context, private.who)
    elif private.said == Said.QUESTION:
        await _reply(update, context, screens.save_offer(context.lang), quote=True)
    else:
        await _reply_key(update, context, f"tasks.{private.said.value}_reply")


async def msg_group_text(update: Update, context: Ctx) -> None:
    """In a group: a reply to one of the bot's messages (a question, or about a task), or a
    message that mentions the bot (a task), or — with privacy mode off — a clear assignment."""
    msg = update.effective_message
    if msg is None or not msg.text:
        return
    if await _maybe_reply_to_bot(update, context):
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
        msg.text, mentions=_mentions(msg), ignore_usernames=_ignored(context)
    ):
        await _create(update, context, msg.text)


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
    await _reply(update, context, rendered)


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
    """/my: my open tasks in 轻重缓急 order, ten a page (a snoozed one says until when)."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    page = context.services.tasks.my_page(user.id, 0)
    await _send_own_list(update, context, screens.my_page(page, _ctx(context, context.user_lang)))


async def cmd_next(update: Update, context: Ctx) -> None:
    """/next: the one task to do now, with its buttons (snoozed ones wait their time)."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    card, count, snoozed = context.services.tasks.next_for(user.id)
    ctx = _ctx(context, context.user_lang)
    await _send_own_list(update, context, screens.next_task(card, count, ctx, snoozed))


async def cmd_assigned(update: Update, context: Ctx) -> None:
    """/assigned: what I handed out, each person's state, 催办 and ⚙️ per task."""
    user = update.effective_user
    if update.effective_message is None or user is None:
        return
    items, total = context.services.tasks.handed_out(user.id)
    ctx = _ctx(context, context.user_lang)
    await _send_own_list(update, context, screens.assigned_list(items, total, ctx))


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
    await msg.reply_text(screens.chat_board(total, by_person, ctx))


# ----- acting on #n from a message ------------------------------------------------------------
Use = Callable[[Actor], Outcome]
NumberAct = Callable[[Update, Ctx, int, str], Awaitable[None]]  # (#n, the rest of the text)


async def _act(
    update: Update, context: Ctx, number: int, action: Action, use: Use
) -> Outcome | None:
    """Do `action` on #number through `use`, send what it queued; None if refused (a snooze
    past the deadline gets its warning instead)."""
    task = context.services.tasks.get(number)
    if task is None:
        await _answer_refusal(update, context, TaskRefused("unknown", number=number))
        return None
    by = await _actor(context, update, task, action)
    try:
        outcome = use(by)
    except SnoozeLate as late:
        await _reply(update, context, _late(context, late, context.lang))
        return None
    except TaskRefused as exc:
        await _answer_refusal(update, context, exc)
        return None
    await context.bot_data.delivery.send(outcome.entries)
    return outcome


def _late(context: Ctx, late: SnoozeLate, lang: Lang) -> Rendered:
    number = int(str(late.values["number"]))
    ctx = _ctx(context, lang)
    return screens.late_snooze(number, late.until, late.due, late.rev, ctx, own=late.own)


async def _args(
    update: Update, context: Ctx, usage: str, *, rest_needed: bool = True
) -> tuple[int, str] | None:
    """`/x #n <rest>`: the number and the rest; None after saying how it is used."""
    msg = update.effective_message
    if msg is None:
        return None
    given, rest = rules.split_number(command_args(msg))
    if given is None or (rest_needed and not rest):
        await _reply_key(update, context, usage)
        return None
    return given, rest


async def cmd_done(update: Update, context: Ctx) -> None:
    """/done [#n] [note]; bare, with one open task: asks first (one tap), undo after."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    tasks = context.services.tasks
    given, note = rules.split_number(command_args(msg))
    replied = msg.reply_to_message
    about = rules.number_in(replied.text or "") if replied is not None else None
    number = given if given is not None else about
    if number is None:
        only = tasks.only_open(user.id)
        if only is None:
            await _reply_key(update, context, "tasks.which_task")
            return
        question = screens.done_question(only.number, only.title, only.revision, context.lang)
        await _reply(update, context, question)
        return
    outcome = await _act(
        update, context, number, Action.DONE, lambda by: tasks.complete(number, by, note)
    )
    if outcome is not None:
        await _reply(update, context, _done_answer(context, outcome, "done_reply"))


def _done_answer(context: Ctx, outcome: Outcome, key: str) -> Rendered:
    task = outcome.task
    ctx = _ctx(context, context.lang)
    return screens.acted(key, task.number, task.revision, ctx, title=task.title)


async def cmd_snooze(update: Update, context: Ctx) -> None:
    """/snooze #n <when, in plain language>: for me only; the deadline stays."""
    got = await _args(update, context, "tasks.snooze_usage")
    if got is not None:
        await _snooze_to(update, context, *got)


async def _snooze_to(update: Update, context: Ctx, number: int, when_text: str) -> None:
    tasks = context.services.tasks
    until = await _time(update, context, number, when_text, Action.SNOOZE)
    if until is None:
        return
    snooze: Use = lambda by: tasks.snooze(number, by, until)  # noqa: E731
    if await _act(update, context, number, Action.SNOOZE, snooze) is not None:
        await _say(update, screens.snoozed(number, until, _ctx(context, context.lang)))


async def _time(
    update: Update, context: Ctx, number: int, text: str, action: Action
) -> datetime | None:
    """The time typed for #number; None after saying what is wrong with it (in the past,
    not understood)."""
    try:
        return context.services.tasks.until(number, text, action)
    except TaskRefused as exc:
        await _answer_refusal(update, context, exc)
    except ParseError as exc:
        past = getattr(exc, "suggested", None) is not None
        await refuse(
            update, screens.past_time(context.lang, exc) if past else exc.message(context.lang)
        )
    return None


async def _say(update: Update, text_html: str) -> None:
    msg = update.effective_message
    if msg is not None:
        await msg.reply_text(text_html)


async def cmd_report(update: Update, context: Ctx) -> None:
    """/report #n <text>: a progress note (汇报) to the assigner."""
    got = await _args(update, context, "tasks.report_usage")
    if got is not None:
        await _report(update, context, *got)


async def _report(update: Update, context: Ctx, number: int, text: str) -> None:
    tasks = context.services.tasks
    outcome = await _act(
        update, context, number, Action.REPORT, lambda by: tasks.report(number, by, text)
    )
    if outcome is not None:
        await _reply_key(update, context, f"tasks.{outcome.toast}", number=number)


async def cmd_extend(update: Update, context: Ctx) -> None:
    """/extend #n <when> [reason]: ask the assigner for more time (申请延期)."""
    got = await _args(update, context, "tasks.extend_usage")
    if got is not None:
        await _extend(update, context, *got)


async def _extend(update: Update, context: Ctx, number: int, text: str) -> None:
    try:
        until, reason = context.services.tasks.extension_wanted(number, text)
    except (ParseError, TaskRefused) as exc:
        await _answer_refusal(update, context, exc)
        return
    tasks = context.services.tasks
    ask: Use = lambda by: tasks.ask_extension(number, by, until, reason)  # noqa: E731
    outcome = await _act(update, context, number, Action.EXTEND, ask)
    if outcome is not None:
        ctx = _ctx(context, context.lang)
        await _say(update, screens.extension_sent(number, until, outcome.taker, ctx))


# ----- the assigner's commands (also said in words in private: 改派 #3 给王五) ------------------
async def cmd_due(update: Update, context: Ctx) -> None:
    """/due #n <when>: 改期 (the assigner); from an assignee, a request for more time."""
    got = await _args(update, context, "tasks.due_usage")
    if got is not None:
        await _due_or_extend(update, context, *got)


async def _due_or_extend(update: Update, context: Ctx, number: int, when: str) -> None:
    """#3 改到周五: the assigner's new deadline, or an assignee's request for one."""
    task = context.services.tasks.get(number)
    user = update.effective_user
    assert user is not None
    if (
        task is not None
        and user.id in task.assignee_ids()
        and not rules.may(task, user.id, Action.CHANGE_DUE)
    ):
        await _extend(update, context, number, when)
        return
    tasks = context.services.tasks
    due = await _time(update, context, number, when, Action.CHANGE_DUE)
    if due is None:
        return
    move: Use = lambda by: tasks.change_due(number, by, due)  # noqa: E731
    if await _act(update, context, number, Action.CHANGE_DUE, move) is not None:
        await _say(update, screens.due_moved(number, due, _ctx(context, context.lang)))


async def cmd_reassign(update: Update, context: Ctx) -> None:
    """/reassign #n @who… (改派: the task's people become them; `+ @who` adds)."""
    got = await _args(update, context, "tasks.reassign_usage")
    if got is not None:
        await _reassign(update, context, *got)


async def _reassign(update: Update, context: Ctx, number: int, who: str, add: bool = False) -> None:
    tasks = context.services.tasks
    msg = update.effective_message
    task = tasks.get(number)
    if task is None or msg is None:
        await _answer_refusal(update, context, TaskRefused("unknown", number=number))
        return
    try:
        people, plus = tasks.people_named(who, task, _mentioned_ids(msg))
    except TaskRefused as exc:
        await _answer_refusal(update, context, exc)
        return
    change: Use = lambda by: tasks.set_people(number, by, people, add=add or plus)  # noqa: E731
    outcome = await _act(update, context, number, Action.REASSIGN, change)
    if outcome is not None:
        await _reply_key(update, context, "tasks.people_reply", number=number, name=outcome.taker)


async def cmd_cancel(update: Update, context: Ctx) -> None:
    """/cancel #n [reason]: asks to confirm first (取消)."""
    got = await _args(update, context, "tasks.cancel_usage", rest_needed=False)
    if got is not None:
        await _ask_cancel(update, context, *got)


async def _ask_cancel(update: Update, context: Ctx, number: int, reason: str) -> None:
    """The confirm step; it answers the message that asked, where the reason is read back."""
    task = context.services.tasks.get(number)
    if task is None:
        await _answer_refusal(update, context, TaskRefused("unknown", number=number))
        return
    by = await _actor(context, update, task, Action.CANCEL)
    try:
        task = context.services.tasks.may_cancel(number, by)
    except TaskRefused as exc:
        await _answer_refusal(update, context, exc)
        return
    question = screens.cancel_question(number, task.title, task.revision, context.lang, reason)
    await _reply(update, context, question, quote=True)


async def cmd_rename(update: Update, context: Ctx) -> None:
    """/rename #n <title> (改标题)."""
    got = await _args(update, context, "tasks.rename_usage")
    if got is not None:
        await _rename(update, context, *got)


async def _rename(update: Update, context: Ctx, number: int, title: str) -> None:
    tasks = context.services.tasks
    rename: Use = lambda by: tasks.rename(number, by, title)  # noqa: E731
    outcome = await _act(update, context, number, Action.RENAME, rename)
    if outcome is not None:
        title = outcome.task.title
        await _reply_key(update, context, "tasks.renamed_reply", number=number, title=title)


async def cmd_priority(update: Update, context: Ctx) -> None:
    """/priority #n 急|尽快|一般|不急 (轻重缓急)."""
    got = await _args(update, context, "tasks.priority_usage")
    if got is not None:
        await _priority(update, context, *got)


async def _priority(update: Update, context: Ctx, number: int, word: str) -> None:
    tasks = context.services.tasks
    priority = changes.priority_named(word)
    if priority is None:
        await _reply_key(update, context, "tasks.priority_usage")
        return
    change: Use = lambda by: tasks.set_priority(number, by, priority)  # noqa: E731
    if await _act(update, context, number, Action.PRIORITY, change) is not None:
        label = priority_label(priority, context.lang)
        await _reply_key(update, context, "tasks.priority_reply", number=number, priority=label)


# The changes said in words in private (bot/tasks/words.py `read_change`).
_CHANGES: dict[Change, NumberAct] = {
    Change.REASSIGN: _reassign,
    Change.ADD: lambda u, c, n, rest: _reassign(u, c, n, rest, add=True),
    Change.CANCEL: _ask_cancel,
    Change.DUE: _due_or_extend,
    Change.EXTEND: _extend,
    Change.RENAME: _rename,
    Change.PRIORITY: _priority,
}


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

    @property
    def rev(self) -> int | None:
        return self.press.rev

    @property
    def message(self) -> Message | None:
        message = self.query.message
        return message if isinstance(message, Message) else None

    @property
    def ctx(self) -> RenderContext:
        return _ctx(self.context, self.lang)


ButtonHandler = Callable[[Pressed], Awaitable[None]]


async def cb_task(update: Update, context: Ctx) -> None:
    """Every task button, /my's « », 记为任务. Old or tampered data gets a polite alert."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    lang = context.user_lang
    press = callbacks.parse(query.data or "")
    if isinstance(press, PagePress):
        await _turn_page(context, query, user, press.page)
        return
    if isinstance(press, SavePress):
        await _save_offered(update, context, query, user)
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
    rendered = screens.my_page(
        context.services.tasks.my_page(user.id, page), _ctx(context, context.user_lang)
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
            mentions=_mentions(original),
            ignore_usernames=_ignored(context),
            message_id=original.message_id,
            update_id=update.update_id,
        )
    except (ParseError, TaskRefused) as exc:
        await _answer_refusal(update, context, exc)
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
    by = await _actor(p.context, p.update, p.task, action)
    try:
        rules.check(p.task, by.user_id, action, is_admin=by.is_admin)
        if action in _DECISIONS:
            p.tasks._fresh(p.task, p.rev)
    except TaskRefused as exc:
        await _refuse(p, exc)
        return False
    return True


# Presses that decide on a message: checked against what happened since it was made.
_DECISIONS = frozenset({Action.REASSIGN, Action.KEEP, Action.CANCEL})


async def _run(p: Pressed, action: Action, use: Use) -> Outcome | None:
    """Do `action`; refused (with an alert) → None. A snooze past the deadline: the warning."""
    by = await _actor(p.context, p.update, p.task, action)
    try:
        outcome = use(by)
    except SnoozeLate as late:
        rendered = _late(p.context, late, p.lang)
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
    if outcome.taker and message is not None and action in (Action.HAND_OVER, Action.REASSIGN):
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


# ----- the buttons, one by one -----------------------------------------------------------------
async def _done(p: Pressed) -> None:
    """完成; on the bot's question (/done with one open task), the answer with 撤销."""
    if p.press.flag != Flag.YES:
        await _apply(p, Action.DONE, lambda by: p.tasks.complete(p.number, by))
        return
    outcome = await _run(p, Action.DONE, lambda by: p.tasks.complete(p.number, by))
    if outcome is not None:
        rendered = _done_answer(p.context, outcome, "done_reply")
        await _edit(p.message, rendered.text, _inline(rendered, p.lang))


async def _snooze(p: Pressed) -> None:
    """推迟: the menu of times (with 申请延期 when the deadline is someone else's); a time."""
    option = p.press.option
    if option is None:
        extend = p.task.due is not None and not p.task.own
        options = p.tasks.snooze_options(p.user.id)
        menu = screens.snooze_menu(p.number, options, rev=p.rev, extend=extend)
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
    by = await _actor(p.context, p.update, p.task, Action.RENAME)
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


def _asking(prompt: Prompt) -> ButtonHandler:
    """A button that asks a question; the reply to it is read by `_maybe_reply_to_bot`."""

    async def ask(p: Pressed) -> None:
        if not await _allowed(p, prompt.action):
            return
        await p.query.answer()
        chat = p.update.effective_chat
        chat_id = chat.id if chat is not None else p.user.id
        await _ask(p.context, chat_id, p.user.id, prompt, p.number, p.lang)

    return ask


async def _ask(
    context: Ctx, chat_id: int, user_id: int, prompt: Prompt, number: int, lang: Lang
) -> None:
    text = html.escape(screens.prompt_text(lang, prompt, number), quote=False)
    if chat_id < 0:  # in a group, ask the person by name so ForceReply(selective) reaches them
        text = mention(context.person, user_id) + " " + text
    await context.bot.send_message(chat_id, text, reply_markup=ForceReply(selective=True))


# What each verb of the codec does (every Verb has a line: a test checks it).
_BUTTONS: dict[Verb, ButtonHandler] = {
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
}


# ----- replies to the bot's messages ------------------------------------------------------------
async def _maybe_reply_to_bot(update: Update, context: Ctx) -> bool:
    """A reply to one of the bot's messages: the answer to its question, or about the task
    the message is about (True: it was one of these, and was answered)."""
    msg = update.effective_message
    if msg is None or msg.reply_to_message is None:
        return False
    replied = msg.reply_to_message
    if not _from_bot(context, replied):
        return False
    text = (msg.text or "").strip()
    found = screens.which_prompt(replied.text or "")
    if found is not None:
        prompt, number = found
        await _ANSWERS[prompt](update, context, number, text)
        return True
    numbers = rules.numbers_in(replied.text or "")
    given, rest = rules.hash_number_first(text)
    if given is not None:
        number, text = given, rest
    elif len(numbers) == 1:
        number = numbers[0]
    elif not numbers:
        return False  # not about a task: another feature's message
    else:
        await _reply_key(update, context, "tasks.replied_which")
        return True
    await _reply_act(update, context, number, text)
    return True


async def _reply_act(update: Update, context: Ctx, number: int, text: str) -> None:
    """收到 / 完成 … / 办不了 … / anything else, about task #number (never a new task)."""
    task = context.services.tasks.get(number)
    user = update.effective_user
    if task is None or user is None:
        await _answer_refusal(update, context, TaskRefused("unknown", number=number))
        return
    act = words.read_reply(text)
    if user.id == task.assigner and user.id not in task.assignee_ids():
        await _assigner_replied(update, context, number, act)
        return
    await _REPLY_ACTS[act.kind](update, context, number, act.note)


async def _assigner_replied(update: Update, context: Ctx, number: int, act: words.ReplyAct) -> None:
    """The assigner's reply: 收到/好的 needs no answer but a nod; anything else goes to the
    people on the task."""
    if act.kind == ReplyKind.ACK:
        await _reply_key(update, context, "tasks.ack_reply")
        return
    text = act.note or t(context.lang, f"tasks.act_{act.kind.value}")
    tasks = context.services.tasks
    note: Use = lambda by: tasks.comment(number, by, text)  # noqa: E731
    if await _act(update, context, number, Action.NUDGE, note) is not None:
        await _reply_key(update, context, "tasks.comment_sent", number=number)


async def _replied_ack(update: Update, context: Ctx, number: int, _note: str) -> None:
    tasks = context.services.tasks
    outcome = await _act(
        update, context, number, Action.ACK, lambda by: tasks.acknowledge(number, by)
    )
    if outcome is not None:
        key = "replied_own_ack" if outcome.task.own else "replied_ack"
        await _reply(
            update,
            context,
            screens.acted(key, number, outcome.task.revision, _ctx(context, context.lang)),
        )


async def _replied_done(update: Update, context: Ctx, number: int, note: str) -> None:
    tasks = context.services.tasks
    outcome = await _act(
        update, context, number, Action.DONE, lambda by: tasks.complete(number, by, note)
    )
    if outcome is not None:
        key = (
            "replied_done_own"
            if outcome.task.own or outcome.toast == "toast_closed"
            else "replied_done"
        )
        await _reply(update, context, _done_answer(context, outcome, key))


async def _replied_cannot(update: Update, context: Ctx, number: int, report: str) -> None:
    """办不了 with what was found; without it, the question that asks for it."""
    if not report:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None
        await _ask(context, chat.id, user.id, Prompt.CANNOT, number, context.lang)
        return
    tasks = context.services.tasks
    outcome = await _act(
        update, context, number, Action.CANNOT, lambda by: tasks.cannot(number, by, report)
    )
    if outcome is not None:
        ctx = _ctx(context, context.lang)
        await _reply(
            update, context, screens.acted("replied_cannot", number, outcome.task.revision, ctx)
        )


async def _replied_progress(update: Update, context: Ctx, number: int, text: str) -> None:
    tasks = context.services.tasks
    outcome = await _act(
        update, context, number, Action.REPORT, lambda by: tasks.report(number, by, text)
    )
    if outcome is None:
        return
    if outcome.toast == "report_noted":
        await _reply_key(update, context, "tasks.report_noted", number=number)
        return
    ctx = _ctx(context, context.lang)
    await _reply(
        update, context, screens.acted("replied_report", number, outcome.task.revision, ctx)
    )


_REPLY_ACTS: dict[ReplyKind, NumberAct] = {
    ReplyKind.ACK: _replied_ack,
    ReplyKind.DONE: _replied_done,
    ReplyKind.CANNOT: _replied_cannot,
    ReplyKind.PROGRESS: _replied_progress,
}


# ----- answers to the bot's questions -------------------------------------------------------------
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
    """转交给谁 / 交给谁办: the person typed (by @username, or a colleague's name)."""
    tasks = context.services.tasks
    to_user = tasks.person_named(answer, tasks.get(number))
    if to_user is None:
        await _reply_key(update, context, "tasks.unknown_person_named", name=answer[:40])
        return
    give = tasks.hand_over if action == Action.HAND_OVER else tasks.reassign
    outcome = await _act(update, context, number, action, lambda by: give(number, by, to_user))
    if outcome is not None:
        await _reply_key(update, context, "tasks.now_with", name=outcome.taker)


async def _answer_other_time(update: Update, context: Ctx, number: int, answer: str) -> None:
    """改个时间: the assigner approves more time, until the time typed."""
    tasks = context.services.tasks
    due = await _time(update, context, number, answer, Action.CHANGE_DUE)
    if due is None:
        return
    approve: Use = lambda by: tasks.answer_extension(number, by, None, approve=True, until=due)  # noqa: E731
    outcome = await _act(update, context, number, Action.ANSWER_EXTENSION, approve)
    if outcome is not None:
        await _reply_key(update, context, "tasks.extension_answered", name=outcome.taker)


async def _answer_due(update: Update, context: Ctx, number: int, answer: str) -> None:
    """新的截止时间 (the assigner)."""
    tasks = context.services.tasks
    due = await _time(update, context, number, answer, Action.CHANGE_DUE)
    if due is None:
        return
    move: Use = lambda by: tasks.change_due(number, by, due)  # noqa: E731
    if await _act(update, context, number, Action.CHANGE_DUE, move) is not None:
        await _say(update, screens.due_moved(number, due, _ctx(context, context.lang)))


_ANSWERS: dict[Prompt, NumberAct] = {
    Prompt.CANNOT: _answer_cannot,
    Prompt.REPORT: _report,
    Prompt.SNOOZE: _snooze_to,
    Prompt.DUE: _answer_due,
    Prompt.HAND: lambda u, c, n, a: _answer_with_person(u, c, n, a, Action.HAND_OVER),
    Prompt.REASSIGN: lambda u, c, n, a: _answer_with_person(u, c, n, a, Action.REASSIGN),
    Prompt.RENAME: _rename,
    Prompt.EXTEND: _extend,
    Prompt.OTHER_TIME: _answer_other_time,
}


def feature(_services: Services) -> Feature:
    """Task commands and buttons; plain text last (a task in private, a reply about a task)."""
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
            CommandHandler("extend", cmd_extend),
            CommandHandler("assigned", cmd_assigned),
            CommandHandler("tasks", cmd_tasks),
            CommandHandler("due", cmd_due),
            CommandHandler("reassign", cmd_reassign),
            CommandHandler("cancel", cmd_cancel),
            CommandHandler("rename", cmd_rename),
            CommandHandler("priority", cmd_priority),
            CallbackQueryHandler(cb_task, pattern=callbacks.PATTERN),
        ),
        # In a group only replies to the bot and mentions of it (or, with privacy mode off, a
        # clear assignment); last, so it never shadows a command or another feature.
        catch_all=(
            MessageHandler(text & filters.ChatType.PRIVATE, msg_private_text),
            MessageHandler(text & filters.ChatType.GROUPS, msg_group_text),
        ),
        messages=views.MESSAGES,
    )
