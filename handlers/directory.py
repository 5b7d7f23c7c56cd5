"""The directory on Telegram: /contact (/c), contact cards, /import, /export, /roster, /docs,
/save, files captioned #资料, /template, and the `d:` buttons (bot/directory/callbacks.py).

Who sees what: in a group, that group's records; in a private chat, one's own and those of every
group Telegram confirms one is still a member of (DirectoryService.visible, with the membership
check of handlers/people.py). Handlers translate; the DirectoryService decides and writes.
"""

from __future__ import annotations

import html
import logging

from telegram import (
    CallbackQuery,
    Chat,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import Ctx, Services
from bot.core.config import Lang
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.i18n import t
from bot.core.render import Rendered
from bot.core.spaces import group_space, private_space
from bot.directory import callbacks
from bot.directory.callbacks import Press, Verb
from bot.directory.contacts import (
    ContactParseError,
    ParsedContact,
    contact_from_card,
    parse_contact_text,
)
from bot.directory.exchange import MAX_IMPORT_BYTES, file_format, write_csv, write_vcards
from bot.directory.library import parse_tags
from bot.directory.models import DocKind
from bot.directory.rules import (
    ExportAsk,
    MemberRef,
    Mention,
    RosterAction,
    TemplateAction,
    after_two_words,
    chat_of_space,
    export_ask,
    is_add_word,
    is_group_space,
    member_refs,
    roster_action,
    template_action,
)
from bot.directory.service import DirectoryRefused, DirectoryService, MemberCheck
from bot.directory.templates import TEMPLATE_NAME_RE, fill_template
from bot.directory.views import (
    category_set,
    contact_deleted,
    doc_deleted,
    edit_prompt,
    export_caption,
    export_file_name,
    library_label,
    photo_name,
    render_category_choice,
    render_contact_edited,
    render_contact_saved,
    render_doc_saved,
    render_docs,
    render_found,
    render_import_result,
    render_roster,
    render_roster_change,
    render_roster_list,
    render_template_list,
    space_labels,
    template_usage,
)
from bot.parsing import ParseError, parse_when
from bot.people.rules import tz_of
from handlers.common import (
    OnPress,
    command_args,
    is_admin,
    prompt_reply,
    py_span,
    refuse,
    toast_text,
    topic_of_update,
)
from handlers.people import member_check

log = logging.getLogger(__name__)

SHOWN = 8  # contacts per look-up


# ----- helpers ------------------------------------------------------------------------------
def _space(update: Update) -> str:
    """The space this chat writes to: the group's, or the speaker's own in private."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    return group_space(chat.id) if chat.type != Chat.PRIVATE else private_space(user.id)


def _directory(context: Ctx) -> DirectoryService:
    return context.services.directory


def _is_member(update: Update, context: Ctx) -> MemberCheck:
    user = update.effective_user
    assert user is not None
    return member_check(context, user.id)


async def _visible(update: Update, context: Ctx) -> list[str]:
    """The spaces this chat's look-ups search, nearest first (membership confirmed)."""
    user = update.effective_user
    assert user is not None
    return await _directory(context).visible(_space(update), user.id, _is_member(update, context))


async def _admin_of(context: Ctx, user_id: int, space: str) -> bool:
    return await is_admin(context, user_id, chat_of_space(space))


def _labels(context: Ctx, spaces: list[str], lang: Lang) -> dict[str, str]:
    return space_labels(_directory(context).space_titles(spaces), lang)


def _where(context: Ctx, space: str, lang: Lang) -> str:
    return _labels(context, [space], lang)[space]


def _library_where(context: Ctx, space: str, lang: Lang) -> str:
    return library_label(space, _directory(context).space_titles([space]), lang)


async def _send(update: Update, rendered: Rendered, lang: Lang) -> Message | None:
    msg = update.effective_message
    if msg is None:
        return None
    return await msg.reply_text(rendered.text, reply_markup=keyboard(rendered, lang))


def _inline(rendered: Rendered, lang: Lang) -> InlineKeyboardMarkup | None:
    markup = keyboard(rendered, lang)
    return markup if isinstance(markup, InlineKeyboardMarkup) else None


async def _say(update: Update, context: Ctx, key: str, /, **values: object) -> None:
    msg = update.effective_message
    if msg is not None:
        await msg.reply_text(t(context.lang, key, **values))


async def _refuse(update: Update, lang: Lang, exc: DirectoryRefused) -> None:
    await refuse(update, t(lang, f"directory.{exc.key}", **exc.values))


def _refs(message: Message, offset: int) -> list[MemberRef]:
    """People named in the message's text from `offset` on (text mentions kept as users)."""
    full = message.text or ""
    mentions: list[Mention] = []
    for entity in message.entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            start, end = py_span(full, entity)
            if start >= offset:
                mentions.append(Mention(start - offset, end - offset, entity.user.id))
    return member_refs(full[offset:], mentions)


def _args_offset(message: Message) -> int:
    """Where the command's arguments start in the message text."""
    text = message.text or ""
    parts = text.split(maxsplit=1)
    if len(parts) < 2:
        return len(text)
    return text.index(parts[1], len(parts[0]))


# ----- contacts -----------------------------------------------------------------------------
async def cmd_contact(update: Update, context: Ctx) -> None:
    """/contact <query> finds; /contact add <text> adds; /contact alone explains."""
    msg = update.effective_message
    if msg is None or update.effective_user is None:
        return
    args = command_args(msg).strip()
    if not args:
        await _say(update, context, "directory.contact.usage")
        return
    first, _, rest = args.partition(" ")
    if is_add_word(first):
        await _add_text(update, context, rest.strip())
        return
    await _search(update, context, args)


async def _add_text(update: Update, context: Ctx, text: str) -> None:
    try:
        parsed = parse_contact_text(text)
    except ContactParseError as exc:
        await _say(update, context, f"directory.contact.{exc.key}")
        return
    await _add(update, context, parsed)


async def _add(
    update: Update, context: Ctx, parsed: ParsedContact, *, card_user: int | None = None
) -> None:
    """A contact typed (/contact add) or shared as a card (linked to its Telegram account)."""
    user = update.effective_user
    assert user is not None
    space = _space(update)
    lang = context.lang
    directory = _directory(context)
    try:
        if card_user is None:
            contact, merged = directory.add_contact(
                space, user.id, parsed, update_id=update.update_id
            )
        else:
            contact, merged = directory.add_card(
                space, user.id, parsed, user_id=card_user, update_id=update.update_id
            )
    except DirectoryRefused as exc:
        await _refuse(update, lang, exc)
        return
    where = _where(context, space, lang)
    await _send(
        update, render_contact_saved(space, contact, lang, where=where, merged=merged), lang
    )


async def _search(update: Update, context: Ctx, query: str) -> None:
    lang = context.lang
    spaces = await _visible(update, context)
    shown, more = _directory(context).look_up(spaces, query, SHOWN)
    rendered = render_found(
        query,
        [(f.space, f.contact) for f in shown],
        lang,
        where=_labels(context, spaces, lang),
        more=more,
    )
    await _send(update, rendered, lang)


async def msg_contact_card(update: Update, context: Ctx) -> None:
    """A shared contact card goes into this chat's directory."""
    msg = update.effective_message
    if msg is None or msg.contact is None:
        return
    card = msg.contact
    parsed = contact_from_card(card.first_name or "", card.last_name or "", card.phone_number or "")
    await _add(update, context, parsed, card_user=card.user_id)


async def _ask_contact_edit(update: Update, context: Ctx, press: Press, lang: Lang) -> None:
    """The edit button: a prompt (ForceReply) whose reply carries the new details."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None
    directory = _directory(context)
    if directory.get_contact(press.space, press.record_id) is None:
        await query.answer(t(lang, "directory.contact.gone"), show_alert=True)
        return
    admin = await _admin_of(context, user.id, press.space)
    try:
        contact = directory.contact_for_change(press.space, press.record_id, user.id, admin)
    except DirectoryRefused as exc:
        await query.answer(t(lang, f"directory.{exc.key}"), show_alert=True)
        return
    await query.answer()
    if chat is None:
        return
    mention = ""
    if chat.type != Chat.PRIVATE:
        mention = f'<a href="tg://user?id={user.id}">{html.escape(user.full_name)}</a>'
    text = edit_prompt(press.space, contact, lang, mention=mention)
    await context.bot.send_message(
        chat.id,
        text,
        reply_markup=ForceReply(selective=True),
        message_thread_id=topic_of_update(update),
    )


async def _delete_contact(update: Update, context: Ctx, press: Press, lang: Lang) -> None:
    """The delete button: gone from the directory, and its buttons from the message."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    directory = _directory(context)
    space, contact_id = press.space, press.record_id
    if directory.get_contact(space, contact_id) is None:
        await query.answer(t(lang, "directory.contact.gone"), show_alert=True)
        return
    admin = await _admin_of(context, user.id, space)
    try:
        contact = directory.delete_contact(
            space, contact_id, user.id, admin=admin, update_id=update.update_id
        )
    except DirectoryRefused as exc:
        await query.answer(t(lang, f"directory.{exc.key}"), show_alert=True)
        return
    said = contact_deleted(contact, lang)
    await query.answer(toast_text(said))
    message = query.message
    if not isinstance(message, Message):
        return
    markup = message.reply_markup
    rows = [
        list(row)
        for row in (markup.inline_keyboard if markup else ())
        if not any(_about(button.callback_data, space, contact_id) for button in row)
    ]
    try:
        await message.edit_text(
            (message.text_html or "") + "\n\n" + said,
            reply_markup=InlineKeyboardMarkup(rows) if rows else None,
        )
    except TelegramError:
        log.info("could not edit message after deleting a contact")


def _about(data: object, space: str, contact_id: int) -> bool:
    """Is this button about that contact?"""
    press = callbacks.parse(data) if isinstance(data, str) else None
    return press is not None and press.verb.about_contact and press.names(space, contact_id)


async def _edit_reply(
    update: Update, context: Ctx, ref: tuple[str, int], user_id: int, text: str
) -> None:
    """The new details for a contact, replied to the edit prompt."""
    space, contact_id = ref
    lang = context.lang
    directory = _directory(context)
    if not await directory.can_see(_space(update), space, user_id, _is_member(update, context)):
        await _say(update, context, "directory.not_member")
        return
    try:
        parsed = parse_contact_text(text)
    except ContactParseError as exc:
        await _say(update, context, f"directory.contact.{exc.key}")
        return
    try:
        contact = directory.edit_contact(
            space,
            contact_id,
            user_id,
            parsed,
            admin=await _admin_of(context, user_id, space),
            update_id=update.update_id,
        )
    except DirectoryRefused as exc:
        await _refuse(update, lang, exc)
        return
    await _send(update, render_contact_edited(space, contact, lang), lang)


# ----- import / export ----------------------------------------------------------------------
async def msg_import_document(update: Update, context: Ctx) -> None:
    """A CSV or vCard file sent with the caption /import."""
    msg = update.effective_message
    if msg is not None and msg.document is not None:
        await _import(update, context, msg)


async def cmd_import(update: Update, context: Ctx) -> None:
    """/import in reply to a CSV or vCard file."""
    msg = update.effective_message
    if msg is None:
        return
    source = msg.reply_to_message
    if source is None or source.document is None:
        await _say(update, context, "directory.import.usage")
        return
    await _import(update, context, source)


async def _import(update: Update, context: Ctx, source: Message) -> None:
    document = source.document
    user = update.effective_user
    assert document is not None and user is not None
    fmt = file_format(document.file_name or "", document.mime_type or "")
    if fmt is None:
        await _say(update, context, "directory.import.bad_file")
        return
    if document.file_size and document.file_size > MAX_IMPORT_BYTES:
        await _say(update, context, "directory.import.too_big", limit=MAX_IMPORT_BYTES // 1024)
        return
    try:
        file = await context.bot.get_file(document.file_id)
        content = bytes(await file.download_as_bytearray())
    except TelegramError:
        log.warning("download of %s failed", document.file_id, exc_info=True)
        await _say(update, context, "directory.import.download_failed")
        return
    lang = context.lang
    try:
        report = _directory(context).import_file(
            _space(update), user.id, fmt, content, update_id=update.update_id
        )
    except DirectoryRefused as exc:
        await _refuse(update, lang, exc)
        return
    msg = update.effective_message
    if msg is not None:
        text = render_import_result(report.added, report.merged, report.errors, lang)
        await msg.reply_text(text)


async def cmd_export(update: Update, context: Ctx) -> None:
    """/export contacts: this chat's directory as a CSV and a vCard file."""
    msg = update.effective_message
    if msg is None or update.effective_user is None:
        return
    ask = export_ask(command_args(msg))
    if ask in (ExportAsk.NOTICE, ExportAsk.REPORTS):
        return  # answered in later handler groups: notices (1), reports (2)
    if ask is ExportAsk.UNKNOWN:
        await _say(update, context, "directory.export.usage")
        return
    space = _space(update)
    contacts = _directory(context).export_contacts([space])
    if not contacts:
        await _say(update, context, "directory.export.empty")
        return
    lang = context.lang
    caption = export_caption(_where(context, space, lang), len(contacts), lang)
    now = context.bot_data.clock.now()
    await msg.reply_document(
        document=write_csv(contacts), filename=export_file_name(now, "csv"), caption=caption
    )
    await msg.reply_document(document=write_vcards(contacts), filename=export_file_name(now, "vcf"))


# ----- rosters ------------------------------------------------------------------------------
async def cmd_roster(update: Update, context: Ctx) -> None:
    """/roster [name] | new|add|remove <name> <members…> | del <name>."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    lang = context.lang
    args = command_args(msg).strip()
    if not args:
        await _list_rosters(update, context)
        return
    words = args.split(maxsplit=2)
    action = roster_action(words[0])
    if action is not None and len(words) >= 2:
        offset = _args_offset(msg)
        members_at = offset + after_two_words((msg.text or "")[offset:])
        await _roster_change(update, context, action, words[1], _refs(msg, members_at))
        return
    if action is not None:
        await msg.reply_text(t(lang, "directory.roster.usage"))
        return
    name = args.split()[0]
    found = await _directory(context).show_roster(
        _space(update), name, user.id, _is_member(update, context)
    )
    if found is None:
        await msg.reply_text(t(lang, "directory.roster.unknown", name=name))
        return
    roster_space, roster, members = found
    where = _where(context, roster_space, lang) if roster_space != _space(update) else ""
    await msg.reply_text(render_roster(roster, members, lang, where=where))


async def _list_rosters(update: Update, context: Ctx) -> None:
    msg = update.effective_message
    assert msg is not None
    lang = context.lang
    spaces = await _visible(update, context)
    rosters = _directory(context).list_rosters(spaces)
    text = render_roster_list(rosters, lang, where=_labels(context, spaces, lang))
    if not rosters:
        text += "\n\n" + t(lang, "directory.roster.usage")
    await msg.reply_text(text)


async def _roster_change(
    update: Update, context: Ctx, action: RosterAction, name: str, refs: list[MemberRef]
) -> None:
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    lang = context.lang
    space = _space(update)
    # Anyone may start a roster; changing one is for its creator or an admin.
    admin = action is not RosterAction.NEW and await _admin_of(context, user.id, space)
    try:
        change = _directory(context).change_roster(
            space, user.id, action, name, refs, admin=admin, update_id=update.update_id
        )
    except DirectoryRefused as exc:
        await _refuse(update, lang, exc)
        return
    await msg.reply_text(render_roster_change(change, lang))


# ----- documents ----------------------------------------------------------------------------
async def msg_save_document(update: Update, context: Ctx) -> None:
    """A file or photo whose caption starts with #资料 goes into the library."""
    msg = update.effective_message
    if msg is not None:
        await _save_file(update, context, msg, parse_tags(msg.caption or ""))


async def cmd_save(update: Update, context: Ctx) -> None:
    """/save [tags…] in reply to a file or photo."""
    msg = update.effective_message
    if msg is None:
        return
    source = msg.reply_to_message
    if source is None or (source.document is None and not source.photo):
        await _say(update, context, "directory.docs.save_usage")
        return
    await _save_file(update, context, source, parse_tags(command_args(msg)))


async def _save_file(update: Update, context: Ctx, source: Message, tags: tuple[str, ...]) -> None:
    user = update.effective_user
    assert user is not None
    lang = context.lang
    now = context.bot_data.clock.now()
    if source.document is not None:
        doc = source.document
        file_id, unique = doc.file_id, doc.file_unique_id
        name = doc.file_name or photo_name(now, lang)
        kind, mime = DocKind.DOCUMENT, doc.mime_type or ""
    elif source.photo:
        photo = source.photo[-1]  # the largest size
        file_id, unique = photo.file_id, photo.file_unique_id
        name = photo_name(now, lang)
        kind, mime = DocKind.PHOTO, "image/jpeg"
    else:
        return
    space = _space(update)
    saved, new = _directory(context).save_document(
        space,
        user.id,
        file_id=file_id,
        file_unique_id=unique,
        name=name,
        kind=kind,
        mime_type=mime,
        tags=tags,
        update_id=update.update_id,
    )
    where = _library_where(context, space, lang)
    await _send(update, render_doc_saved(space, saved, lang, where=where, new=new), lang)


async def cmd_docs(update: Update, context: Ctx) -> None:
    """/docs [words…]: find by name, tag, category or year; buttons send a file again."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    lang = context.lang
    query = command_args(msg).strip()
    spaces = await _visible(update, context)
    docs = _directory(context).find_documents(spaces, query)
    if not docs and not query:
        await msg.reply_text(t(lang, "directory.docs.usage"))
        return
    tz = tz_of(context.person, context.bot_data.settings)
    rendered = render_docs(query, docs, lang, tz, where=_labels(context, spaces, lang))
    await _send(update, rendered, lang)


async def _send_document(update: Update, context: Ctx, press: Press, lang: Lang) -> None:
    """A document's button: the file again, by its file_id (never downloaded)."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    doc = _directory(context).get_document(press.space, press.record_id)
    if doc is None:
        await query.answer(t(lang, "directory.docs.gone"), show_alert=True)
        return
    await query.answer(t(lang, "directory.docs.sent"))
    topic = topic_of_update(update)
    if doc.kind is DocKind.PHOTO:
        await context.bot.send_photo(
            chat.id, doc.file_id, caption=doc.name[:1000], message_thread_id=topic
        )
    else:
        await context.bot.send_document(chat.id, doc.file_id, message_thread_id=topic)


async def _change_document(update: Update, context: Ctx, press: Press, lang: Lang) -> None:
    """The category and delete buttons, for whoever saved the document or an admin."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    directory = _directory(context)
    space, doc_id, uid = press.space, press.record_id, update.update_id
    message = query.message if isinstance(query.message, Message) else None
    if directory.get_document(space, doc_id) is None:
        await query.answer(t(lang, "directory.docs.gone"), show_alert=True)
        return
    admin = await _admin_of(context, user.id, space)
    try:
        doc = directory.document_for_change(space, doc_id, user.id, admin)
        if press.verb is Verb.CHOOSE_CATEGORY:
            await query.answer()
            rendered = render_category_choice(space, doc, lang)
        elif press.category is not None:  # Verb.SET_CATEGORY
            doc = directory.set_category(
                space, doc_id, user.id, press.category, admin=admin, update_id=uid
            )
            await query.answer(toast_text(category_set(doc.category, lang)))
            where = _library_where(context, space, lang)
            rendered = render_doc_saved(space, doc, lang, where=where, new=True)
        else:  # Verb.DELETE_DOC
            directory.delete_document(space, doc_id, user.id, admin=admin, update_id=uid)
            rendered = Rendered(doc_deleted(doc, lang))
            await query.answer(toast_text(rendered.text))
    except DirectoryRefused as exc:
        await query.answer(t(lang, f"directory.{exc.key}", **exc.values), show_alert=True)
        return
    if message is not None:
        await message.edit_text(rendered.text, reply_markup=_inline(rendered, lang))


# ----- templates ----------------------------------------------------------------------------
async def cmd_template(update: Update, context: Ctx) -> None:
    """/template | /template <name> [when] | /template save <name> (reply) | /template del <name>."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    args = command_args(msg).strip()
    words = args.split(maxsplit=1)
    action = template_action(words[0]) if words else None
    if action is not None and len(words) == 2:
        await _change_template(update, context, action, words[1].strip())
        return
    spaces = await _directory(context).template_spaces(
        _space(update), user.id, _is_member(update, context)
    )
    if not args:
        lang = context.lang
        names = [(s, tpl.name) for s, tpl in _directory(context).list_templates(spaces)]
        text = render_template_list(names, lang, where=_labels(context, spaces, lang))
        await msg.reply_text(text + "\n\n" + template_usage(lang))
        return
    await _fill_template(update, context, spaces, args)


async def _change_template(update: Update, context: Ctx, action: TemplateAction, name: str) -> None:
    """/template save <name> (in reply to its text) or /template del <name>."""
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    lang = context.lang
    if not TEMPLATE_NAME_RE.match(name):
        await msg.reply_text(t(lang, "directory.template.bad_name"))
        return
    space = _space(update)
    directory = _directory(context)
    uid = update.update_id
    try:
        admin = await _admin_of(context, user.id, space)
        if action is TemplateAction.DELETE:
            directory.delete_template(space, name, user.id, admin=admin, update_id=uid)
            await msg.reply_text(t(lang, "directory.template.deleted", name=name))
            return
        source = msg.reply_to_message
        if source is None:  # nothing to keep: say how
            await msg.reply_text(t(lang, "directory.template.no_reply", name=name))
            return
        text = source.text or source.caption or ""
        if not text.strip():
            await msg.reply_text(t(lang, "directory.template.no_text"))
            return
        _, replaced = directory.save_template(
            space, user.id, name, text, admin=admin, update_id=uid
        )
    except DirectoryRefused as exc:
        await _refuse(update, lang, exc)
        return
    key = "directory.template.replaced" if replaced else "directory.template.saved"
    await msg.reply_text(t(lang, key, name=name))


async def _fill_template(update: Update, context: Ctx, spaces: list[str], args: str) -> None:
    """/template <name> [when]: the text with its date, time and weekday filled in."""
    msg = update.effective_message
    assert msg is not None
    data = context.bot_data
    lang = context.lang
    name, _, when_text = args.partition(" ")
    found = _directory(context).get_template(spaces, name)
    if found is None:
        await msg.reply_text(t(lang, "directory.template.unknown", name=name))
        return
    now = data.clock.now()
    # In private the speaker's own zone; a group's text reads in the office's.
    tz = (
        data.settings.tz if is_group_space(_space(update)) else tz_of(context.person, data.settings)
    )
    when = now
    if when_text.strip():
        try:
            when = parse_when(
                when_text.strip(), now=now, settings=data.settings, calendar=data.calendar
            )
        except ParseError:
            await msg.reply_text(t(lang, "directory.template.bad_time", text=when_text.strip()))
            return
    filled = fill_template(found[1].text, when.astimezone(tz))
    await msg.reply_text(html.escape(filled, quote=False))


# ----- buttons ------------------------------------------------------------------------------
@OnPress(callbacks.parse, "directory.stale_button")
async def cb_directory(
    update: Update, context: Ctx, query: CallbackQuery, user: User, press: callbacks.Press
) -> None:
    """Every directory button (see bot/directory/callbacks.py)."""
    lang = context.user_lang
    if update.effective_chat is None or not await _directory(context).can_see(
        _space(update), press.space, user.id, _is_member(update, context)
    ):
        await query.answer(t(lang, "directory.not_member"), show_alert=True)
        return
    if press.verb is Verb.EDIT_CONTACT:
        await _ask_contact_edit(update, context, press, lang)
    elif press.verb is Verb.DELETE_CONTACT:
        await _delete_contact(update, context, press, lang)
    elif press.verb is Verb.SEND_DOC:
        await _send_document(update, context, press, lang)
    elif press.verb is Verb.SET_CATEGORY and press.category is None:
        await query.answer(t(lang, "directory.stale_button"), show_alert=True)
    else:
        await _change_document(update, context, press, lang)


async def job_flush_uses(context: Ctx) -> None:
    """Store the look-up counts gathered since the last tick (they rank frequent contacts)."""
    _directory(context).flush_uses()


def feature(_services: Services) -> Feature:
    """Directory commands, files, contact cards and buttons (before the catch-all)."""
    return Feature(
        "directory",
        handlers=(
            CommandHandler(["contact", "c"], cmd_contact),
            CommandHandler("import", cmd_import),
            CommandHandler("export", cmd_export),
            CommandHandler("roster", cmd_roster),
            CommandHandler("docs", cmd_docs),
            CommandHandler("save", cmd_save),
            CommandHandler("template", cmd_template),
            # Precise filters: a file or card not meant for the directory passes on untouched.
            MessageHandler(
                filters.Document.ALL & filters.CaptionRegex(r"^\s*/import(?:@\w+)?(?:\s|$)"),
                msg_import_document,
            ),
            MessageHandler(
                (filters.Document.ALL | filters.PHOTO) & filters.CaptionRegex(r"^\s*#资料"),
                msg_save_document,
            ),
            MessageHandler(filters.CONTACT, msg_contact_card),
            prompt_reply(callbacks.parse_edit_ref, "directory.edit_reply", _edit_reply),
            CallbackQueryHandler(cb_directory, pattern=f"^{callbacks.PREFIX}:"),
        ),
        tick_steps=(job_flush_uses,),
    )
