"""People on Telegram: what runs before any feature, and /settings.

Before any feature, for every update: the allowlist, exactly-once, joins and leaves (they reset
what is known of group membership), a message sent as a chat (an anonymous admin, a channel:
one line, nothing else), and remembering who is who and where — a person with a username who
becomes known binds the tasks that waited for that @username.

/settings: language, time zone and digest time, as an inline-button menu (a group's /settings
sets the group's language, admins only). Buttons are bot/people/callbacks.py's `set:` data. A
typed zone name answers a ForceReply question that is recognised again from its text, so a
restart loses nothing.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import Ctx, Services
from bot.core.config import LANGS, Lang
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.i18n import t, t_plain
from bot.core.render import Rendered
from bot.people import callbacks, views
from bot.people.callbacks import Press, Verb
from bot.people.choices import setting_named, warm_zones
from bot.people.membership import MemberCheck
from bot.people.models import Person
from bot.people.rules import (
    asks_the_bot,
    counts_as_member,
    group_lang,
    lang_of,
    sent_as_chat,
    tz_of,
)
from bot.people.service import PeopleService, SeenChat, SeenUser, SettingRefused
from bot.people.views import Page
from handlers.common import OnPress, ReplyToPrompt, command_args, is_admin

log = logging.getLogger(__name__)


# ----- before any feature -----------------------------------------------------------------------
async def pre_allowlist(update: Update, context: Ctx) -> None:
    """With OFFICEBOT_ALLOWED_CHATS set, answer only there and in their members' private chats."""
    data = context.bot_data
    allowed = data.settings.allowed_chats
    chat = update.effective_chat
    if allowed is None or chat is None:
        return
    allowed = frozenset(context.services.groups.allowed_now(allowed))  # upgraded groups too
    msg = update.effective_message
    if chat.id in allowed or (msg is not None and msg.migrate_from_chat_id in allowed):
        return
    user = update.effective_user
    if chat.type == Chat.PRIVATE and user is not None:
        person = data.db.get_person(user.id)
        if person is not None and set(person.chats) & allowed:
            return
        for group in allowed:
            try:
                member = await context.bot.get_chat_member(group, user.id)
            except TelegramError:  # not a member there, or no access: a plain "no"
                continue
            if member.status not in ("left", "kicked"):
                return
    log.info("ignoring update %s from chat %s (not allowed)", update.update_id, chat.id)
    raise ApplicationHandlerStop


async def pre_exactly_once(update: Update, context: Ctx) -> None:
    """An update whose change is already stored (re-delivered after a crash) is skipped."""
    if context.bot_data.db.applied(update.update_id):
        log.info("update %s was already applied; skipping", update.update_id)
        raise ApplicationHandlerStop


def _seen(user: User) -> SeenUser:
    return SeenUser(
        user_id=user.id,
        username=user.username,
        first_name=user.first_name or "",
        last_name=user.last_name or "",
        language_code=user.language_code,
        is_bot=user.is_bot,
    )


def note_joins_and_leaves(update: Update, people: PeopleService) -> None:
    """Someone joined or left a group: what Telegram said of their membership is stale."""
    changed = update.chat_member
    if changed is not None:
        people.membership_changed(changed.chat.id, [changed.new_chat_member.user.id])
    msg = update.message
    if msg is None:
        return
    users = list(msg.new_chat_members or ())
    if msg.left_chat_member is not None:
        users.append(msg.left_chat_member)
    if users:
        people.membership_changed(msg.chat.id, [u.id for u in users])


async def _stop_if_sent_as_chat(update: Update, context: Ctx) -> None:
    """A group message sent as a chat (an anonymous admin, a channel) has nobody to act as: a
    command or a word to the bot gets one line asking to send it as oneself; nothing else
    happens, and Telegram's stand-in account is never taken for a person."""
    msg = update.message or update.edited_message
    chat = update.effective_chat
    if msg is None or chat is None:
        return
    sender = msg.from_user
    if not sent_as_chat(
        from_id=sender.id if sender is not None else None,
        sender_chat_id=msg.sender_chat.id if msg.sender_chat is not None else None,
        group=chat.type in (Chat.GROUP, Chat.SUPERGROUP),
    ):
        return
    replied = msg.reply_to_message
    meant_for_us = asks_the_bot(
        msg.text or msg.caption or "",
        bot_username=context.bot.username or "",
        replies_to_bot=replied is not None
        and replied.from_user is not None
        and replied.from_user.id == context.bot.id,
    )
    if update.message is not None and not msg.is_automatic_forward and meant_for_us:
        await msg.reply_text(views.as_yourself(context.lang))
    log.info("update %s was sent as a chat; nobody to act as", update.update_id)
    raise ApplicationHandlerStop


async def pre_track(update: Update, context: Ctx) -> None:
    """Note joins and leaves; stop a message sent as a chat; remember the person and the group
    (binding tasks that waited for their @username)."""
    people = context.services.people
    note_joins_and_leaves(update, people)
    await _stop_if_sent_as_chat(update, context)
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot:
        return
    msg = update.effective_message
    others: list[User] = []
    if msg is not None:
        others = list(msg.new_chat_members or ())
        others += [e.user for e in msg.entities or () if e.user is not None]
    tracked = people.track(
        _seen(user),
        SeenChat(chat.id, chat.type == Chat.PRIVATE, chat.title or "") if chat else None,
        has_message=msg is not None,
        others=[_seen(u) for u in others],
    )
    if tracked is None:
        return
    context.remember_person(tracked.person)
    if tracked.entries:
        await context.bot_data.delivery.send(tracked.entries)


# ----- group membership, for other features ------------------------------------------------------
async def ask_telegram(bot: Bot, chat_id: int, user_id: int) -> bool | None:
    """Ask Telegram, not our memory: is the user still in the group? None if it would not say."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        log.info("could not check membership of %s in %s", user_id, chat_id)
        return None
    return counts_as_member(member.status, is_member=bool(getattr(member, "is_member", False)))


def member_check(context: Ctx, user_id: int) -> MemberCheck:
    """Is `user_id` still in a group? Telegram's recent answer, else Telegram is asked."""
    people = context.services.people
    ask = functools.partial(ask_telegram, context.bot)

    async def check(chat_id: int) -> bool:
        return await people.is_member(chat_id, user_id, ask)

    return check


# ----- /settings ---------------------------------------------------------------------------------
def _inline(rendered: Rendered, lang: Lang) -> InlineKeyboardMarkup | None:
    markup = keyboard(rendered, lang)
    return markup if isinstance(markup, InlineKeyboardMarkup) else None


def _lang(context: Ctx, person: Person) -> Lang:
    return lang_of(person, context.bot_data.settings)


def _menu(context: Ctx, person: Person, page: Page = Page.HOME) -> Rendered:
    """The private menu as `person` reads it, in their language and zone."""
    data = context.bot_data
    return views.menu(
        person,
        _lang(context, person),
        tz_of(person, data.settings),
        now=data.clock.now(),
        default_digest=data.settings.digest_time,
        page=page,
    )


def _typed_setting(people: PeopleService, user_id: int, args: list[str]) -> Person:
    """`/settings lang en`, `/settings tz Europe/Berlin`, `/settings digest 8:00`; else unchanged."""
    what = setting_named(args[0]) if len(args) >= 2 else None
    value = " ".join(args[1:])
    if what == "lang":
        return people.set_language(user_id, value)
    if what == "tz":
        return people.set_zone(user_id, value)
    if what == "digest":
        return people.set_digest_time(user_id, value)
    return people.person(user_id)


async def cmd_settings(update: Update, context: Ctx) -> None:
    """/settings — the menu; also `/settings lang en`, `/settings tz Europe/Berlin`."""
    msg, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if msg is None or user is None or chat is None:
        return
    args = command_args(msg).split()
    if chat.type != Chat.PRIVATE:
        await _group_settings(msg, context, user.id, chat, args)
        return
    try:
        person = _typed_setting(context.services.people, user.id, args)
    except SettingRefused as exc:
        await msg.reply_text(t(context.user_lang, exc.key, **exc.values))
        return
    menu = _menu(context, person)
    await msg.reply_text(menu.text, reply_markup=_inline(menu, _lang(context, person)))


async def _group_settings(
    msg: Message, context: Ctx, user_id: int, chat: Chat, args: list[str]
) -> None:
    """A group's /settings (admins only): the menu; `/settings lang en` sets the language."""
    if not await is_admin(context, user_id, chat.id):
        await msg.reply_text(t(context.lang, "settings.group_admins_only"))
        return
    people = context.services.people
    if len(args) >= 2 and setting_named(args[0]) == "lang":
        ws = people.set_group_language(chat.id, chat.title or "", args[1])
    else:
        ws = people.group(chat.id, chat.title or "")
    lang = group_lang(ws, context.bot_data.settings)
    menu = views.group_menu(lang)
    await msg.reply_text(menu.text, reply_markup=_inline(menu, lang))


async def _edit(message: Any, text: str, markup: InlineKeyboardMarkup | None) -> None:
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:  # "message is not modified"
        log.debug("settings edit skipped: %s", exc.message)


def _apply_press(people: PeopleService, user_id: int, press: Press) -> tuple[Person, Page, bool]:
    """What a menu button does: the person now, the page to show, and whether it saved."""
    value = press.value
    if press.verb is Verb.LANG:
        if value in LANGS:
            return people.set_language(user_id, value), Page.HOME, True
        return people.person(user_id), Page.LANG, False
    if press.verb is Verb.ZONE:
        if value:
            return people.set_zone(user_id, value), Page.HOME, True
        return people.person(user_id), Page.ZONE, False
    if press.verb is Verb.DIGEST:
        if value:
            return people.set_digest_time(user_id, value), Page.HOME, True
        return people.person(user_id), Page.DIGEST, False
    if press.verb is Verb.QUIET:
        return people.set_digest_quiet(user_id, press.quiet), Page.HOME, True
    return people.person(user_id), Page.HOME, False


@OnPress(callbacks.parse, "tasks.stale_button")
async def cb_settings(
    update: Update, context: Ctx, query: CallbackQuery, user: User, press: callbacks.Press
) -> None:
    """Every settings button (see bot/people/callbacks.py)."""
    lang = context.user_lang
    if press.verb is Verb.GROUP_LANG:
        await _cb_group_lang(update, context, press.value or "")
        return
    if press.verb is Verb.TYPE_ZONE:
        await query.answer()
        await context.bot.send_message(
            user.id, t(lang, "settings.tz_prompt"), reply_markup=ForceReply(selective=True)
        )
        return
    try:
        person, page, saved = _apply_press(context.services.people, user.id, press)
    except SettingRefused as exc:
        # A zone we do not know is said as it is; any other unreadable value is a stale button.
        key = exc.key if press.verb is Verb.ZONE else "tasks.stale_button"
        await query.answer(t(lang, key, **exc.values), show_alert=True)
        return
    if saved:
        await query.answer(t(_lang(context, person), "settings.saved"))
    else:
        await query.answer()  # no text: PTB's defaults would turn "" into "[]" (issue #14)
    menu = _menu(context, person, page)
    await _edit(query.message, menu.text, _inline(menu, _lang(context, person)))


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
    ws = context.services.people.set_group_language(chat.id, chat.title or "", code)
    new_lang = group_lang(ws, context.bot_data.settings)
    menu = views.group_menu(new_lang)
    await query.answer(t(new_lang, "settings.saved"))
    await _edit(query.message, menu.text, _inline(menu, new_lang))


# ----- the typed zone ---------------------------------------------------------------------------
def _is_tz_prompt(text: str) -> bool:
    return any(text == t_plain(lang, "settings.tz_prompt") for lang in LANGS)


async def msg_tz_reply(update: Update, context: Ctx) -> None:
    """The answer to the zone question: an IANA name (any case) or a city we know."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    try:
        person = context.services.people.set_zone(user.id, msg.text or "")
    except SettingRefused as exc:
        await msg.reply_text(t(context.user_lang, exc.key, **exc.values))
        return
    lang = _lang(context, person)
    reply = views.saved_and_menu(_menu(context, person), lang)
    await msg.reply_text(reply.text, reply_markup=_inline(reply, lang))


def feature(_services: Services) -> Feature:
    """/settings and its buttons; the zone question's answer (before the catch-all)."""
    with contextlib.suppress(Exception):
        warm_zones()
    return Feature(
        "people",
        handlers=(
            CommandHandler("settings", cmd_settings),
            CallbackQueryHandler(cb_settings, pattern=f"^{callbacks.PREFIX}:"),
            MessageHandler(
                filters.TEXT
                & ~filters.COMMAND
                & filters.ChatType.PRIVATE
                & ReplyToPrompt(_is_tz_prompt, "people.tz_reply"),
                msg_tz_reply,
            ),
        ),
    )
