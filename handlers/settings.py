"""/settings: language, time zone and digest time, as an inline-button menu (a group's
/settings sets the group's language, admins only).

Buttons are `set:<what>[:<value>]`. A typed zone name answers a ForceReply question that is
recognised again from its text, so a restart loses nothing.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from telegram import Chat, ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Ctx, Services
from bot.core.config import LANGS, Lang
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.fmt import format_when
from bot.core.i18n import normalize_lang, t, t_plain
from bot.core.models import Button
from bot.core.render import Rendered
from bot.people.models import Person, Workspace
from bot.people.rules import group_lang, lang_of, tz_of
from bot.reminders.digest import digest_clock, parse_clock
from handlers.common import command_args, is_admin

log = logging.getLogger(__name__)

COMMON_ZONES: tuple[str, ...] = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)
DIGEST_CHOICES: tuple[str, ...] = ("07:30", "08:00", "08:30", "09:00")
# Place names people type instead of zone names.
_PLACES = {
    "北京": "Asia/Shanghai",
    "上海": "Asia/Shanghai",
    "中国": "Asia/Shanghai",
    "香港": "Asia/Hong_Kong",
    "台北": "Asia/Taipei",
    "东京": "Asia/Tokyo",
    "新加坡": "Asia/Singapore",
    "伦敦": "Europe/London",
    "柏林": "Europe/Berlin",
    "巴黎": "Europe/Paris",
    "纽约": "America/New_York",
    "洛杉矶": "America/Los_Angeles",
}


@cache
def _zones_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def resolve_zone(text: str) -> str | None:
    """An IANA zone name (any case), or a known place name → the zone; else None."""
    raw = text.strip()
    if not raw:
        return None
    if raw in _PLACES:
        return _PLACES[raw]
    name = _zones_by_lower().get(raw.replace(" ", "_").lower())
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


# ----- the private menu ---------------------------------------------------------------------
def _menu(person: Person, context: Ctx) -> tuple[str, tuple[tuple[Button, ...], ...], Lang]:
    data = context.bot_data
    lang = lang_of(person, data.settings)
    tz = tz_of(person, data.settings)
    clock = digest_clock(person.digest_time, data.settings.digest_time)
    digest = (
        t(lang, "settings.digest_off")
        if clock is None
        else t(
            lang,
            "settings.digest_at",
            time=clock.strftime("%H:%M"),
            mode=t(lang, "reminders.mode_quiet" if person.digest_quiet else "reminders.mode_loud"),
        )
    )
    now = data.clock.now()
    text = "\n".join(
        [
            t(lang, "settings.title"),
            t(lang, "settings.lang_line", lang=t(lang, f"settings.lang_{lang}")),
            t(lang, "settings.tz_line", tz=tz.key, now=format_when(now, lang, tz)),
            t(lang, "settings.digest_line", digest=digest),
        ]
    )
    buttons = (
        (Button("settings.btn_lang", "set:lang"), Button("settings.btn_tz", "set:tz")),
        (Button("settings.btn_digest", "set:dg"),),
    )
    return text, buttons, lang


def _markup(buttons: tuple[tuple[Button, ...], ...], lang: Lang) -> InlineKeyboardMarkup | None:
    kb = keyboard(Rendered("", buttons), lang)
    return kb if isinstance(kb, InlineKeyboardMarkup) else None


def _group_menu(ws: Workspace, context: Ctx) -> tuple[str, InlineKeyboardMarkup | None, Lang]:
    lang = group_lang(ws, context.bot_data.settings)
    text = "\n".join(
        [
            t(lang, "settings.group_title"),
            t(lang, "settings.lang_line", lang=t(lang, f"settings.lang_{lang}")),
        ]
    )
    buttons = (tuple(Button(f"settings.lang_{code}", f"set:glang:{code}") for code in LANGS),)
    return text, _markup(buttons, lang), lang


async def cmd_settings(update: Update, context: Ctx) -> None:
    """/settings — the menu; also `/settings lang en`, `/settings tz Europe/Berlin`."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    data = context.bot_data
    args = command_args(msg).split()
    if chat.type != Chat.PRIVATE:
        lang = context.lang
        if not await is_admin(context, user.id, chat.id):
            await msg.reply_text(t(lang, "settings.group_admins_only"))
            return
        ws = data.db.get_workspace(chat.id) or Workspace(chat_id=chat.id, title=chat.title or "")
        if len(args) >= 2 and args[0].lower() in ("lang", "language", "语言"):
            ws = _set_group_lang(context, ws, args[1])
        text, markup, _ = _group_menu(ws, context)
        await msg.reply_text(text, reply_markup=markup)
        return
    person = data.db.get_person(user.id) or Person(user_id=user.id)
    if len(args) >= 2:
        what, value = args[0].lower(), " ".join(args[1:])
        lang = lang_of(person, data.settings)
        if what in ("lang", "language", "语言"):
            person = _save(context, replace(person, language=normalize_lang(value, lang)))
        elif what in ("tz", "zone", "timezone", "时区"):
            zone = resolve_zone(value)
            if zone is None:
                await msg.reply_text(t(lang, "settings.tz_unknown", value=value[:40]))
                return
            person = _save(context, replace(person, tz=zone))
        elif what in ("digest", "早报"):
            clock = parse_clock(value)
            off = value.strip().lower() in ("off", "关", "关闭")
            if clock is None and not off:
                await msg.reply_text(t(lang, "reminders.digest_bad", value=value[:20]))
                return
            person = _save(
                context,
                replace(
                    person, digest_time="off" if off else clock.strftime("%H:%M") if clock else None
                ),
            )
    text, buttons, lang = _menu(person, context)
    await msg.reply_text(text, reply_markup=_markup(buttons, lang))


def _save(context: Ctx, person: Person) -> Person:
    data = context.bot_data
    person = replace(person, updated_at=data.clock.now())
    data.db.put_person(person)
    data.services.reminders.person_changed(person.user_id)
    return person


def _set_group_lang(context: Ctx, ws: Workspace, code: str) -> Workspace:
    data = context.bot_data
    ws = replace(ws, language=normalize_lang(code, data.settings.lang), updated_at=data.clock.now())
    data.db.put_workspace(ws)
    return ws


async def _edit(message: Any, text: str, markup: InlineKeyboardMarkup | None) -> None:
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:  # "message is not modified"
        log.debug("settings edit skipped: %s", exc.message)


async def cb_settings(update: Update, context: Ctx) -> None:
    """Every settings button: set:lang[:zh], set:tz[:Zone], set:tzx, set:dg[:HHMM|off], set:dq."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    data = context.bot_data
    parts = (query.data or "").split(":", 2)
    what = parts[1] if len(parts) > 1 else ""
    value = parts[2] if len(parts) > 2 else None
    if what == "glang":
        await _cb_group_lang(update, context, value or "")
        return
    person = data.db.get_person(user.id) or Person(user_id=user.id)
    lang = lang_of(person, data.settings)
    toast = ""
    sub: tuple[tuple[Button, ...], ...] | None = None
    if what == "lang" and value in LANGS:
        person = _save(context, replace(person, language=value))
        toast = t(lang_of(person, data.settings), "settings.saved")
    elif what == "lang":
        sub = (
            tuple(Button(f"settings.lang_{code}", f"set:lang:{code}") for code in LANGS),
            (Button("settings.btn_back", "set:home"),),
        )
    elif what == "tz" and value:
        zone = resolve_zone(value)
        if zone is None:
            await query.answer(t(lang, "settings.tz_unknown", value=value[:40]), show_alert=True)
            return
        person = _save(context, replace(person, tz=zone))
        toast = t(lang, "settings.saved")
    elif what == "tz":
        zones = [Button("settings.zone", f"set:tz:{z}", {"zone": z}) for z in COMMON_ZONES]
        rows: list[tuple[Button, ...]] = [tuple(zones[i : i + 2]) for i in range(0, len(zones), 2)]
        rows.append(
            (Button("settings.btn_tz_type", "set:tzx"), Button("settings.btn_back", "set:home"))
        )
        sub = tuple(rows)
    elif what == "tzx":
        await query.answer()
        await context.bot.send_message(
            user.id, t(lang, "settings.tz_prompt"), reply_markup=ForceReply(selective=True)
        )
        return
    elif what == "dg" and value:
        clock = None if value == "off" else parse_clock(value)
        if value != "off" and clock is None:
            await query.answer(t(lang, "tasks.stale_button"), show_alert=True)
            return
        person = _save(
            context, replace(person, digest_time=clock.strftime("%H:%M") if clock else "off")
        )
        toast = t(lang, "settings.saved")
    elif what == "dg":
        choices = [
            Button("settings.digest_choice", f"set:dg:{c.replace(':', '')}", {"time": c})
            for c in DIGEST_CHOICES
        ]
        sub = (
            tuple(choices[:2]),
            tuple(choices[2:]),
            (
                Button("settings.btn_digest_off", "set:dg:off"),
                Button(
                    "settings.btn_loud" if person.digest_quiet else "settings.btn_quiet",
                    "set:dq",
                ),
            ),
            (Button("settings.btn_back", "set:home"),),
        )
    elif what == "dq":
        person = _save(context, replace(person, digest_quiet=not person.digest_quiet))
        toast = t(lang, "settings.saved")
    elif what != "home":
        await query.answer(t(lang, "tasks.stale_button"), show_alert=True)
        return
    await query.answer(toast)
    text, buttons, lang = _menu(person, context)
    await _edit(query.message, text, _markup(sub or buttons, lang))


async def _cb_group_lang(update: Update, context: Ctx, code: str) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None
    lang = context.lang
    if chat is None or chat.type == Chat.PRIVATE or code not in LANGS:
        await query.answer(t(lang, "tasks.stale_button"), show_alert=True)
        return
    if not await is_admin(context, user.id, chat.id):
        await query.answer(t(lang, "settings.group_admins_only"), show_alert=True)
        return
    data = context.bot_data
    ws = data.db.get_workspace(chat.id) or Workspace(chat_id=chat.id, title=chat.title or "")
    ws = _set_group_lang(context, ws, code)
    text, markup, new_lang = _group_menu(ws, context)
    await query.answer(t(new_lang, "settings.saved"))
    await _edit(query.message, text, markup)


# ----- the typed zone ---------------------------------------------------------------------------
def _is_tz_prompt(text: str) -> bool:
    return any(text == t_plain(lang, "settings.tz_prompt") for lang in LANGS)


class _ReplyToTzPrompt(filters.MessageFilter):
    """A reply to our "which time zone?" question (and nothing else, so task prompts pass)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.is_bot
            and _is_tz_prompt(replied.text or "")
        )


async def msg_tz_reply(update: Update, context: Ctx) -> None:
    """The answer to the zone question: an IANA name (any case) or a city we know."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    data = context.bot_data
    person = data.db.get_person(user.id) or Person(user_id=user.id)
    lang = lang_of(person, data.settings)
    zone = resolve_zone(msg.text or "")
    if zone is None:
        await msg.reply_text(t(lang, "settings.tz_unknown", value=(msg.text or "")[:40]))
        return
    person = _save(context, replace(person, tz=zone))
    text, buttons, lang = _menu(person, context)
    await msg.reply_text(
        t(lang, "settings.saved") + "\n" + text, reply_markup=_markup(buttons, lang)
    )


def feature(_services: Services) -> Feature:
    """/settings and its buttons; the zone question's answer (before the catch-all)."""
    with contextlib.suppress(Exception):
        _zones_by_lower()  # warm the zone list once
    return Feature(
        "settings",
        handlers=(
            CommandHandler("settings", cmd_settings),
            CallbackQueryHandler(cb_settings, pattern=r"^set:"),
            MessageHandler(
                filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & _ReplyToTzPrompt(),
                msg_tz_reply,
            ),
        ),
    )
