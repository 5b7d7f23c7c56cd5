"""Reminders on Telegram: the due-work tick step, /digest and /week.

The step asks the scheduler what is due by the clock (it commits), then sends in the background
so a large batch paced by Telegram's limits never holds up the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from telegram import Chat, Update
from telegram.ext import CommandHandler

from bot.context import Ctx, Services
from bot.core.feature import Feature
from bot.core.i18n import t
from bot.core.models import OutboxEntry
from bot.people.models import Person
from bot.reminders import views
from bot.reminders.digest import digest_clock, parse_clock
from handlers.common import command_args

log = logging.getLogger(__name__)

_NOW = ("now", "现在", "立即")
_OFF = ("off", "关", "关闭", "不要")
_ON = ("on", "开", "开启")
_QUIET = ("quiet", "安静", "静音")
_LOUD = ("loud", "提示", "一句话")


async def step_due(context: Ctx) -> None:
    """Work out what is due by the clock and store it; send it without waiting for the send."""
    data = context.bot_data
    for batch in data.services.reminders.batches():
        if batch.entries:
            await _send_later(context, batch.entries)
        await asyncio.sleep(0)  # let the first sends start while the rest is written


async def _send_later(context: Ctx, entries: tuple[OutboxEntry, ...]) -> None:
    data = context.bot_data
    app = context.application
    if app.running:
        app.create_task(data.delivery.send(entries), name="reminders:send")
    else:  # not running (a one-off tick): the outbox flush of this tick sends them
        log.debug("application not running; %d entries left to the flush", len(entries))


def _person(update: Update, context: Ctx) -> Person | None:
    user = update.effective_user
    if user is None:
        return None
    data = context.bot_data
    return data.db.get_person(user.id) or Person(user_id=user.id)


def _describe(person: Person, context: Ctx, lang: Any) -> str:
    data = context.bot_data
    clock = digest_clock(person.digest_time, data.settings.digest_time)
    if clock is None:
        state = t(lang, "reminders.digest_is_off")
    else:
        mode = t(lang, "reminders.mode_quiet" if person.digest_quiet else "reminders.mode_loud")
        state = t(lang, "reminders.digest_is_at", time=clock.strftime("%H:%M"), mode=mode)
    return state


async def cmd_digest(update: Update, context: Ctx) -> None:
    """/digest HH:MM | off | on | now | quiet | loud — the morning digest, for me."""
    msg = update.effective_message
    person = _person(update, context)
    if msg is None or person is None:
        return
    data = context.bot_data
    lang = context.lang
    arg = command_args(msg).strip().lower()
    if not arg:
        await msg.reply_text(
            _describe(person, context, lang) + "\n" + t(lang, "reminders.digest_usage")
        )
        return
    if arg in _NOW:
        await _on_demand(update, context, person, "digest")
        return
    if arg in _OFF:
        changed = replace(person, digest_time="off")
    elif arg in _ON:
        changed = replace(person, digest_time=None)
    elif arg in _QUIET:
        changed = replace(person, digest_quiet=True)
    elif arg in _LOUD:
        changed = replace(person, digest_quiet=False)
    else:
        clock = parse_clock(arg)
        if clock is None:
            await msg.reply_text(t(lang, "reminders.digest_bad", value=arg[:20]))
            return
        changed = replace(person, digest_time=clock.strftime("%H:%M"))
    data.db.put_person(replace(changed, updated_at=data.clock.now()))
    data.services.reminders.person_changed(person.user_id)
    await msg.reply_text(t(lang, "reminders.digest_saved") + _describe(changed, context, lang))


async def cmd_week(update: Update, context: Ctx) -> None:
    """/week: this week's summary (总结), now."""
    person = _person(update, context)
    if person is not None:
        await _on_demand(update, context, person, "week")


async def _on_demand(update: Update, context: Ctx, person: Person, what: str) -> None:
    msg = update.effective_message
    chat = update.effective_chat
    assert msg is not None
    data = context.bot_data
    lang = context.lang
    in_group = chat is not None and chat.type != Chat.PRIVATE
    if in_group and not person.reachable_privately:
        # A group never sees anyone's digest: ask them to start the bot privately.
        await msg.reply_text(t(lang, "tasks.start_privately", bot=context.bot.username))
        return
    entry = data.services.reminders.on_demand(person, what, update_id=update.update_id)
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
