"""Reminders on Telegram: the due-work tick step, /digest and /week.

The step asks the scheduler what is due by the clock (it commits); the tick's flush sends it in
the background, so a large batch paced by Telegram's limits never holds up the next tick.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Chat, Update
from telegram.ext import CommandHandler

from bot.context import Ctx, Services
from bot.core.feature import Feature
from bot.core.i18n import t
from bot.people.models import Person
from bot.reminders import views
from bot.reminders.digest import DigestAsk, read_digest_command
from bot.reminders.service import OnDemand
from handlers.common import command_args

log = logging.getLogger(__name__)


async def step_due(context: Ctx) -> None:
    """Work out what is due by the clock and store it. The tick's outbox flush right after
    sends it, all of it queued at once: what one person is due to hear now is together in
    their queue, and delivery sends it as one message (bot/core/bundling.py)."""
    for _batch in context.bot_data.services.reminders.batches():
        await asyncio.sleep(0)  # one space at a time: the event loop is not held up


def _person(update: Update, context: Ctx) -> Person | None:
    user = update.effective_user
    if user is None:
        return None
    return context.person or Person(user_id=user.id)


async def cmd_digest(update: Update, context: Ctx) -> None:
    """/digest HH:MM | off | on | now | quiet | loud — the morning digest, for me."""
    msg = update.effective_message
    person = _person(update, context)
    if msg is None or person is None:
        return
    data = context.bot_data
    lang = context.lang
    arg = command_args(msg).strip().lower()
    command = read_digest_command(arg)
    if command is None:
        await msg.reply_text(t(lang, "reminders.digest_bad", value=arg[:20]))
        return
    if command.ask == DigestAsk.SHOW:
        setting = views.digest_setting(lang, person, data.settings.digest_time)
        await msg.reply_text(setting + "\n" + t(lang, "reminders.digest_usage"))
        return
    if command.ask == DigestAsk.NOW:
        await _on_demand(update, context, person, "digest")
        return
    changed = data.services.reminders.set_digest(person, command)
    setting = views.digest_setting(lang, changed, data.settings.digest_time)
    await msg.reply_text(t(lang, "reminders.digest_saved") + setting)


async def cmd_week(update: Update, context: Ctx) -> None:
    """/week: this week's summary (总结), now."""
    person = _person(update, context)
    if person is not None:
        await _on_demand(update, context, person, "week")


async def _on_demand(update: Update, context: Ctx, person: Person, what: OnDemand) -> None:
    msg = update.effective_message
    chat = update.effective_chat
    assert msg is not None
    data = context.bot_data
    lang = context.lang
    in_group = chat is not None and chat.type != Chat.PRIVATE
    entry = data.services.reminders.on_demand(
        person, what, in_group=in_group, update_id=update.update_id
    )
    if entry is None:
        # A group never sees anyone's digest: ask them to start the bot privately.
        await msg.reply_text(t(lang, "tasks.start_privately", bot=context.bot.username))
        return
    await data.delivery.send([entry])
    if in_group:
        await msg.reply_text(t(lang, "tasks.sent_privately"))


def feature(_services: Services) -> Feature:
    """/digest, /week; reminders, nags and digests join the tick."""
    return Feature(
        "reminders",
        handlers=(CommandHandler("digest", cmd_digest), CommandHandler("week", cmd_week)),
        messages=views.MESSAGES,
        tick_steps=(step_due,),
    )
