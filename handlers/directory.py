"""The directory on Telegram: /contact (/c), contact cards, /import, /export, /roster, /docs,
/save, files captioned #资料, /template, and the `d:` buttons.

Who sees what: in a group, that group's records; in a private chat, one's own and those of every
group Telegram confirms one is still a member of. Handlers translate; the DirectoryService
decides and writes.
"""

from __future__ import annotations

import html
import logging
import re

from telegram import (
    Chat,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import Ctx, Services
from bot.core.config import Lang
from bot.core.delivery import keyboard
from bot.core.feature import Feature
from bot.core.i18n import t
from bot.core.render import Rendered
from bot.directory.contacts import ContactParseError, ParsedContact, parse_contact_text
from bot.directory.exchange import read_csv, read_vcards, write_csv, write_vcards
from bot.directory.library import parse_tags
from bot.directory.models import Category, DocKind
from bot.directory.phones import normalize_phone
from bot.directory.service import (
    DirectoryRefused,
    Found,
    MemberRef,
    chat_of_space,
    group_space,
    private_space,
)
from bot.directory.templates import TEMPLATE_NAME_RE, fill_template
from bot.directory.views import (
    CATEGORIES,
    category_label,
    contact_plain,
    photo_name,
    render_category_choice,
    render_contact_edited,
    render_contact_saved,
    render_doc_saved,
    render_docs,
    render_found,
    render_import_result,
    render_roster,
    render_roster_list,
    render_template_list,
    template_usage,
)
from bot.parsing import ParseError, parse_when
from bot.people.rules import tz_of
from handlers.common import (
    command_args,
    is_admin,
    py_span,
    refuse,
    toast_text,
)

log = logging.getLogger(__name__)

SHOWN = 8  # contacts per look-up
MAX_IMPORT_BYTES = 2 * 1024 * 1024
_CB_RE = re.compile(r"^d:([a-z]{2}):([gp]-?\d{1,20}):(\d{1,9})(?::(\d{1,2}))?$")
# The edit prompt carries what it edits, so a reply is understood after a restart too.
_EDIT_REF_RE = re.compile(r"\[ref ([gp]-?\d{1,20})/c(\d{1,9})\]")
_ADD_WORDS = ("add", "添加", "新增", "加")
_SPLIT_RE = re.compile(r"[\s,，、;；]+")
_MEMBER_STATUSES = (
    ChatMemberStatus.MEMBER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.OWNER,
)


# ----- helpers ------------------------------------------------------------------------------
def _space(update: Update) -> str:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    return group_space(chat.id) if chat.type != Chat.PRIVATE else private_space(user.id)


async def _is_member(context: Ctx, chat_id: int, user_id: int) -> bool:
    """Ask Telegram, not our memory: someone who left a group stops seeing its records."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        log.info("could not check membership of %s in %s", user_id, chat_id)
        return False
    if member.status in _MEMBER_STATUSES:
        return True
    return member.status == ChatMemberStatus.RESTRICTED and bool(
        getattr(member, "is_member", False)
    )


async def _visible(update: Update, context: Ctx) -> list[str]:
    """The spaces this chat's look-ups search, nearest first (membership confirmed)."""
    user = update.effective_user
    assert user is not None
    space = _space(update)
    spaces = context.bot_data.services.directory.visible_spaces(space, user.id)
    out = []
    for s in spaces:
        chat_id = chat_of_space(s)
        if s == space or chat_id is None or await _is_member(context, chat_id, user.id):
            out.append(s)
    return out


async def _can_see(update: Update, context: Ctx, space: str) -> bool:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if chat.type != Chat.PRIVATE:
        return space == group_space(chat.id)
    if space == private_space(user.id):
        return True
    chat_id = chat_of_space(space)
    return chat_id is not None and await _is_member(context, chat_id, user.id)


async def _admin_of(context: Ctx, user_id: int, space: str) -> bool:
    return await is_admin(context, user_id, chat_of_space(space))


def _labels(context: Ctx, spaces: list[str], lang: Lang) -> dict[str, str]:
    data = context.bot_data
    out = {}
    for s in spaces:
        chat_id = chat_of_space(s)
        if chat_id is None:
            out[s] = t(lang, "directory.mine")
        else:
            ws = data.db.get_workspace(chat_id)
            title = ws.title if ws and ws.title else t(lang, "directory.group_untitled")
            out[s] = title
    return out


def _where(context: Ctx, space: str, lang: Lang) -> str:
    return _labels(context, [space], lang)[space]


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


async def _refuse(update: Update, context: Ctx, exc: DirectoryRefused) -> None:
    await refuse(update, t(context.lang, f"directory.{exc.key}", **exc.values))


def _refs(message: Message, text: str, offset: int) -> list[MemberRef]:
    """People named in `text` (the part of the message from `offset` on): text mentions,
    @usernames and plain names, in order."""
    full = message.text or ""
    mentions: list[tuple[int, int, MemberRef]] = []
    for entity in message.entities or ():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            start, end = py_span(full, entity)
            if start >= offset:
                ref = MemberRef(name=full[start:end], user_id=entity.user.id)
                mentions.append((start - offset, end - offset, ref))
    out: list[MemberRef] = []
    pos = 0
    for start, end, ref in sorted(mentions, key=lambda m: m[0]):
        out += _word_refs(text[pos:start])
        out.append(ref)
        pos = end
    out += _word_refs(text[pos:])
    return out


def _word_refs(text: str) -> list[MemberRef]:
    refs = []
    for word in _SPLIT_RE.split(text):
        if not word:
            continue
        if word.startswith("@") and len(word) > 1:
            refs.append(MemberRef(name=word, username=word[1:].lower()))
        else:
            refs.append(MemberRef(name=word))
    return refs


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
    if first.lower() in _ADD_WORDS:
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
    update: Update,
    context: Ctx,
    parsed: ParsedContact,
    *,
    user_id: int | None = None,
    username: str | None = None,
) -> None:
    data = context.bot_data
    user = update.effective_user
    assert user is not None
    space = _space(update)
    lang = context.lang
    try:
        contact, merged = data.services.directory.add_contact(
            space,
            user.id,
            parsed,
            user_id=user_id,
            username=username,
            update_id=update.update_id,
        )
    except DirectoryRefused as exc:
        await _refuse(update, context, exc)
        return
    where = _where(context, space, lang)
    await _send(
        update, render_contact_saved(space, contact, lang, where=where, merged=merged), lang
    )


async def _search(update: Update, context: Ctx, query: str) -> None:
    data = context.bot_data
    lang = context.lang
    spaces = await _visible(update, context)
    found = data.services.directory.find_contacts(spaces, query, limit=SHOWN + 1, count_use=False)
    shown: list[Found] = found[:SHOWN]
    if shown:
        shown = data.services.directory.count_uses(shown)
    rendered = render_found(
        query,
        [(f.space, f.contact) for f in shown],
        lang,
        where=_labels(context, spaces, lang),
        more=len(found) > SHOWN,
    )
    await _send(update, rendered, lang)


async def msg_contact_card(update: Update, context: Ctx) -> None:
    """A shared contact card goes into this chat's directory."""
    msg = update.effective_message
    if msg is None or msg.contact is None:
        return
    card = msg.contact
    first, last = card.first_name or "", card.last_name or ""
    han = any("\u3400" <= ch <= "\u9fff" for ch in first + last)
    name = f"{last}{first}" if han else f"{first} {last}".strip()
    raw = card.phone_number or ""
    phone = normalize_phone(raw) or normalize_phone("+" + raw.lstrip("+"))
    phones = (phone,) if phone else ()
    username = None
    if card.user_id is not None:
        person = context.bot_data.db.get_person(card.user_id)
        username = person.username if person else None
    await _add(
        update,
        context,
        ParsedContact(name=name or raw, phones=phones),
        user_id=card.user_id,
        username=username,
    )


async def cb_contact(update: Update, context: Ctx, verb: str, space: str, contact_id: int) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    data = context.bot_data
    lang = context.user_lang
    contact = data.services.directory.get_contact(space, contact_id)
    if contact is None:
        await query.answer(t(lang, "directory.contact.gone"), show_alert=True)
        return
    admin = await _admin_of(context, user.id, space)
    if not (admin or contact.added_by == user.id):
        await query.answer(t(lang, "directory.not_yours"), show_alert=True)
        return
    if verb == "ce":
        await query.answer()
        text = t(
            lang,
            "directory.contact.edit_prompt",
            name=contact.name,
            current=contact_plain(contact),
            ref=f"[ref {space}/c{contact.id}]",
        )
        chat = update.effective_chat
        if chat is not None and chat.type != Chat.PRIVATE:
            text = f'<a href="tg://user?id={user.id}">{html.escape(user.full_name)}</a> ' + text
        if chat is not None:
            await context.bot.send_message(chat.id, text, reply_markup=ForceReply(selective=True))
        return
    try:
        data.services.directory.delete_contact(
            space, contact_id, user.id, admin=admin, update_id=update.update_id
        )
    except DirectoryRefused as exc:
        await _refuse(update, context, exc)
        return
    await query.answer(toast_text(t(lang, "directory.contact.deleted", name=contact.name)))
    message = query.message
    if isinstance(message, Message):
        tail = f":{space}:{contact_id}"
        markup = message.reply_markup
        rows = [
            list(row)
            for row in (markup.inline_keyboard if markup else ())
            if not any(str(b.callback_data or "").endswith(tail) for b in row)
        ]
        text = (
            (message.text_html or "")
            + "\n\n"
            + t(lang, "directory.contact.deleted", name=contact.name)
        )
        try:
            await message.edit_text(text, reply_markup=InlineKeyboardMarkup(rows) if rows else None)
        except TelegramError:
            log.info("could not edit message after deleting a contact")


class _EditReplyFilter(filters.MessageFilter):
    """A reply to the bot's "edit this contact" prompt."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or not replied.from_user.is_bot:
            return False
        return bool(_EDIT_REF_RE.search(replied.text or ""))


async def msg_edit_reply(update: Update, context: Ctx) -> None:
    """The new details for a contact, replied to the edit prompt."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None or msg.reply_to_message is None:
        return
    m = _EDIT_REF_RE.search(msg.reply_to_message.text or "")
    if m is None:
        return
    space, contact_id = m.group(1), int(m.group(2))
    lang = context.lang
    if not await _can_see(update, context, space):
        await _say(update, context, "directory.not_member")
        return
    try:
        parsed = parse_contact_text(msg.text or "")
    except ContactParseError as exc:
        await _say(update, context, f"directory.contact.{exc.key}")
        return
    try:
        contact = context.bot_data.services.directory.edit_contact(
            space,
            contact_id,
            user.id,
            parsed,
            admin=await _admin_of(context, user.id, space),
            update_id=update.update_id,
        )
    except DirectoryRefused as exc:
        await _refuse(update, context, exc)
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
    name = (document.file_name or "").lower()
    mime = (document.mime_type or "").lower()
    is_vcf = name.endswith((".vcf", ".vcard")) or "vcard" in mime
    is_csv = name.endswith((".csv", ".txt")) or mime in ("text/csv", "text/comma-separated-values")
    if not (is_vcf or is_csv):
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
    if len(content) > MAX_IMPORT_BYTES:
        await _say(update, context, "directory.import.too_big", limit=MAX_IMPORT_BYTES // 1024)
        return
    result = read_vcards(content) if is_vcf else read_csv(content)
    try:
        added, merged = context.bot_data.services.directory.import_contacts(
            _space(update), user.id, result.contacts, update_id=update.update_id
        )
    except DirectoryRefused as exc:
        await _refuse(update, context, exc)
        return
    lang = context.lang
    msg = update.effective_message
    if msg is not None:
        await msg.reply_text(render_import_result(added, merged, result.errors, lang))


async def cmd_export(update: Update, context: Ctx) -> None:
    """/export contacts: this chat's directory as a CSV and a vCard file."""
    msg = update.effective_message
    if msg is None or update.effective_user is None:
        return
    what = command_args(msg).strip().lower()
    if what.startswith("notice"):
        return  # `/export notice <n>` belongs to the notices feature (handlers/notices.py)
    if what not in ("contacts", "contact", "通讯录", "联系人", ""):
        await _say(update, context, "directory.export.usage")
        return
    space = _space(update)
    contacts = context.bot_data.services.directory.export_contacts([space])
    if not contacts:
        await _say(update, context, "directory.export.empty")
        return
    lang = context.lang
    caption = t(
        lang, "directory.export.caption", where=_where(context, space, lang), count=len(contacts)
    )
    stamp = context.bot_data.clock.now().strftime("%Y%m%d")
    await msg.reply_document(
        document=write_csv(contacts), filename=f"contacts-{stamp}.csv", caption=caption
    )
    await msg.reply_document(document=write_vcards(contacts), filename=f"contacts-{stamp}.vcf")


# ----- rosters ------------------------------------------------------------------------------
async def cmd_roster(update: Update, context: Ctx) -> None:
    """/roster [name] | new|add|remove <name> <members…> | del <name>."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    data = context.bot_data
    lang = context.lang
    space = _space(update)
    args = command_args(msg).strip()
    if not args:
        spaces = await _visible(update, context)
        rosters = data.services.directory.list_rosters(spaces)
        text = render_roster_list(rosters, lang, where=_labels(context, spaces, lang))
        if not rosters:
            text += "\n\n" + t(lang, "directory.roster.usage")
        await msg.reply_text(text)
        return
    words = args.split(maxsplit=2)
    verb = words[0].lower()
    if verb in ("new", "add", "remove", "rm", "del", "delete") and len(words) >= 2:
        name = words[1]
        offset = _args_offset(msg)
        text = msg.text or ""
        # The members start after "<verb> <name>" inside the arguments.
        head = re.match(r"\s*\S+\s+\S+", text[offset:])
        member_offset = offset + (head.end() if head else 0)
        refs = _refs(msg, text[member_offset:], member_offset)
        await _roster_change(update, context, verb, name, refs)
        return
    if verb in ("new", "add", "remove", "rm", "del", "delete"):
        await msg.reply_text(t(lang, "directory.roster.usage"))
        return
    name = args.split()[0]
    found = data.services.directory.find_roster(space, name, user.id)
    if found is not None and found[0] != space and not await _can_see(update, context, found[0]):
        found = None
    if found is None:
        await msg.reply_text(t(lang, "directory.roster.unknown", name=name))
        return
    roster_space, roster = found
    members = data.services.directory.members_of(roster_space, roster)
    where = _where(context, roster_space, lang) if roster_space != space else ""
    await msg.reply_text(render_roster(roster, members, lang, where=where))


async def _roster_change(
    update: Update, context: Ctx, verb: str, name: str, refs: list[MemberRef]
) -> None:
    msg, user = update.effective_message, update.effective_user
    assert msg is not None and user is not None
    data = context.bot_data
    lang = context.lang
    space = _space(update)
    directory = data.services.directory
    uid = update.update_id
    try:
        if verb == "new":
            roster, unknown = directory.create_roster(space, user.id, name, refs, update_id=uid)
            text = t(lang, "directory.roster.created", name=roster.name, count=len(roster.members))
        elif verb in ("del", "delete"):
            admin = await _admin_of(context, user.id, space)
            roster = directory.delete_roster(space, user.id, name, admin=admin, update_id=uid)
            await msg.reply_text(t(lang, "directory.roster.deleted", name=roster.name))
            return
        elif not refs:
            await msg.reply_text(t(lang, "directory.roster.need_members"))
            return
        elif verb == "add":
            admin = await _admin_of(context, user.id, space)
            roster, unknown = directory.add_to_roster(
                space, user.id, name, refs, admin=admin, update_id=uid
            )
            text = t(lang, "directory.roster.added", name=roster.name, count=len(roster.members))
        else:
            admin = await _admin_of(context, user.id, space)
            roster, removed = directory.remove_from_roster(
                space, user.id, name, refs, admin=admin, update_id=uid
            )
            text = t(
                lang,
                "directory.roster.removed",
                name=roster.name,
                names="、".join(removed),
                count=len(roster.members),
            )
            unknown = []
    except DirectoryRefused as exc:
        await _refuse(update, context, exc)
        return
    if unknown:
        text += "\n" + t(lang, "directory.roster.not_in_directory", names="、".join(unknown))
    members = directory.members_of(space, roster)
    await msg.reply_text(text + "\n\n" + render_roster(roster, members, lang))


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
    data = context.bot_data
    lang = context.lang
    if source.document is not None:
        doc = source.document
        file_id, unique = doc.file_id, doc.file_unique_id
        name = doc.file_name or photo_name(data.clock.now(), lang)
        kind, mime = DocKind.DOCUMENT, doc.mime_type or ""
    elif source.photo:
        photo = source.photo[-1]  # the largest size
        file_id, unique = photo.file_id, photo.file_unique_id
        name = photo_name(data.clock.now(), lang)
        kind, mime = DocKind.PHOTO, "image/jpeg"
    else:
        return
    space = _space(update)
    saved, new = data.services.directory.save_document(
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


def _library_where(context: Ctx, space: str, lang: Lang) -> str:
    if space.startswith("p"):
        return t(lang, "directory.docs.library_mine")
    return _where(context, space, lang)


async def cmd_docs(update: Update, context: Ctx) -> None:
    """/docs [words…]: find by name, tag, category or year; buttons send a file again."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    data = context.bot_data
    lang = context.lang
    query = command_args(msg).strip()
    spaces = await _visible(update, context)
    docs = data.services.directory.find_documents(spaces, query)
    if not docs and not query:
        await msg.reply_text(t(lang, "directory.docs.usage"))
        return
    tz = tz_of(data.db.get_person(user.id), data.settings)
    rendered = render_docs(query, docs, lang, tz, where=_labels(context, spaces, lang))
    await _send(update, rendered, lang)


async def cb_document(
    update: Update, context: Ctx, verb: str, space: str, doc_id: int, arg: int | None
) -> None:
    query = update.callback_query
    user = update.effective_user
    chat = update.effective_chat
    assert query is not None and user is not None and chat is not None
    data = context.bot_data
    lang = context.user_lang
    doc = data.services.directory.get_document(space, doc_id)
    if doc is None:
        await query.answer(t(lang, "directory.docs.gone"), show_alert=True)
        return
    if verb == "dg":
        await query.answer(t(lang, "directory.docs.sent"))
        if doc.kind is DocKind.PHOTO:
            await context.bot.send_photo(chat.id, doc.file_id, caption=doc.name[:1000])
        else:
            await context.bot.send_document(chat.id, doc.file_id)
        return
    admin = await _admin_of(context, user.id, space)
    if not (admin or doc.saved_by == user.id):
        await query.answer(t(lang, "directory.not_yours"), show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    try:
        if verb == "dk":
            await query.answer()
            if message is not None:
                rendered = render_category_choice(space, doc, lang)
                await message.edit_text(rendered.text, reply_markup=_inline(rendered, lang))
            return
        if verb == "dc":
            if arg is None or arg >= len(CATEGORIES):
                await query.answer(t(lang, "directory.stale_button"), show_alert=True)
                return
            category: Category = CATEGORIES[arg]
            doc = data.services.directory.set_category(
                space, doc_id, user.id, category, admin=admin, update_id=update.update_id
            )
            label = category_label(category, lang)
            await query.answer(toast_text(t(lang, "directory.docs.category_set", category=label)))
            if message is not None:
                where = _library_where(context, space, lang)
                rendered = render_doc_saved(space, doc, lang, where=where, new=True)
                await message.edit_text(rendered.text, reply_markup=_inline(rendered, lang))
            return
        data.services.directory.delete_document(
            space, doc_id, user.id, admin=admin, update_id=update.update_id
        )
    except DirectoryRefused as exc:
        await _refuse(update, context, exc)
        return
    text = t(lang, "directory.docs.deleted", name=doc.name)
    await query.answer(toast_text(text))
    if message is not None:
        await message.edit_text(text)


# ----- templates ----------------------------------------------------------------------------
async def cmd_template(update: Update, context: Ctx) -> None:
    """/template | /template <name> [when] | /template save <name> (reply) | /template del <name>."""
    msg, user = update.effective_message, update.effective_user
    if msg is None or user is None:
        return
    data = context.bot_data
    lang = context.lang
    space = _space(update)
    args = command_args(msg).strip()
    spaces = await _visible(update, context)
    if space.startswith("g"):
        spaces = [space, private_space(user.id)]  # a group may use the speaker's own too
    if not args:
        names = [(s, tpl.name) for s, tpl in data.services.directory.list_templates(spaces)]
        text = render_template_list(names, lang, where=_labels(context, spaces, lang))
        await msg.reply_text(text + "\n\n" + template_usage(lang))
        return
    words = args.split(maxsplit=1)
    verb = words[0].lower()
    if verb in ("save", "保存", "del", "delete", "删除") and len(words) == 2:
        name = words[1].strip()
        if not TEMPLATE_NAME_RE.match(name):
            await msg.reply_text(t(lang, "directory.template.bad_name"))
            return
        try:
            admin = await _admin_of(context, user.id, space)
            if verb in ("del", "delete", "删除"):
                data.services.directory.delete_template(
                    space, name, user.id, admin=admin, update_id=update.update_id
                )
                await msg.reply_text(t(lang, "directory.template.deleted", name=name))
                return
            source = msg.reply_to_message
            text = (source.text or source.caption or "") if source is not None else ""
            if not text.strip():
                await msg.reply_text(t(lang, "directory.template.no_text"))
                return
            _, replaced = data.services.directory.save_template(
                space, user.id, name, text, admin=admin, update_id=update.update_id
            )
        except DirectoryRefused as exc:
            await _refuse(update, context, exc)
            return
        key = "directory.template.replaced" if replaced else "directory.template.saved"
        await msg.reply_text(t(lang, key, name=name))
        return
    name, _, when_text = args.partition(" ")
    found = data.services.directory.get_template(spaces, name)
    if found is None:
        await msg.reply_text(t(lang, "directory.template.unknown", name=name))
        return
    now = data.clock.now()
    person = data.db.get_person(user.id)
    tz = tz_of(person, data.settings) if space.startswith("p") else data.settings.tz
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
async def cb_directory(update: Update, context: Ctx) -> None:
    """Every directory button: `d:<verb>:<space>:<id>[:<arg>]`."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    lang = context.user_lang
    m = _CB_RE.match(query.data or "")
    if m is None:
        await query.answer(t(lang, "directory.stale_button"), show_alert=True)
        return
    verb, space, record_id = m.group(1), m.group(2), int(m.group(3))
    arg = int(m.group(4)) if m.group(4) else None
    if not await _can_see(update, context, space):
        await query.answer(t(lang, "directory.not_member"), show_alert=True)
        return
    if verb in ("ce", "cd"):
        await cb_contact(update, context, verb, space, record_id)
    elif verb in ("dg", "dk", "dc", "dd"):
        await cb_document(update, context, verb, space, record_id, arg)
    else:
        await query.answer(t(lang, "directory.stale_button"), show_alert=True)


async def job_flush_uses(context: Ctx) -> None:
    """Store the look-up counts gathered since the last tick (they rank frequent contacts)."""
    context.bot_data.services.directory.flush_uses()


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
            MessageHandler(filters.TEXT & ~filters.COMMAND & _EditReplyFilter(), msg_edit_reply),
            CallbackQueryHandler(cb_directory, pattern=r"^d:"),
        ),
        tick_steps=(job_flush_uses,),
    )
