"""How the directory reads (pure): contact cards, search results, rosters, the library, templates.

Handlers hand in records and a label per space ("my contacts", a group's title; see
`space_labels`) and get back Telegram HTML and buttons (data from bot/directory/callbacks.py).
The directory answers in the chat it is asked in: no message of it waits in the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from bot.core.config import Lang
from bot.core.fmt import format_date, join_names
from bot.core.i18n import Safe, t
from bot.core.models import Button
from bot.core.render import Rendered
from bot.directory import callbacks
from bot.directory.callbacks import Verb
from bot.directory.exchange import RowError
from bot.directory.models import (
    CATEGORY_KEYS,
    Category,
    Contact,
    DocKind,
    Document,
    Roster,
    RosterMember,
)
from bot.directory.rules import RosterAction, RosterChange

CATEGORIES: tuple[Category, ...] = tuple(Category)
DOCS_SHOWN = 10
ERRORS_SHOWN = 10
_LABEL_MAX = 24


def category_label(category: Category, lang: Lang) -> str:
    return t(lang, f"directory.category.{CATEGORY_KEYS[category]}")


def _short(text: str, limit: int = _LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def space_labels(titles: Mapping[str, str | None], lang: Lang) -> dict[str, str]:
    """What each space is called: "my contacts" for one's own, else the group's title."""
    return {
        space: t(lang, "directory.mine")
        if title is None
        else title or t(lang, "directory.group_untitled")
        for space, title in titles.items()
    }


def library_label(space: str, titles: Mapping[str, str | None], lang: Lang) -> str:
    """Whose library a document went into: one's own, or the group's (by its title)."""
    if titles.get(space, "") is None:
        return t(lang, "directory.docs.library_mine")
    return space_labels({space: titles.get(space, "")}, lang)[space]


def contact_lines(
    c: Contact, lang: Lang, *, where: str | None = None, telegram: str | None = None
) -> list[str]:
    """A contact as a few lines: numbers as plain digits, so Telegram makes them tappable."""
    head = t(lang, "directory.contact.name", name=c.name)
    if c.unit:
        head += t(lang, "directory.contact.unit", unit=c.unit)
    if where:
        head += t(lang, "directory.contact.where", where=where)
    lines = [head]
    if c.phones:
        lines.append(t(lang, "directory.contact.phones", phones="　".join(c.phones)))
    else:
        lines.append(t(lang, "directory.contact.no_phone"))
    if c.email:
        lines.append(t(lang, "directory.contact.email", email=c.email))
    if c.note:
        lines.append(t(lang, "directory.contact.note", note=c.note))
    if telegram:
        lines.append(t(lang, "directory.contact.telegram", who=telegram))
    return lines


def contact_plain(c: Contact) -> str:
    """The one-line form an edit starts from (and that parse_contact_text reads back)."""
    parts = [c.name, c.unit, *c.phones, c.email]
    text = " ".join(p for p in parts if p)
    return f"{text} 备注 {c.note}" if c.note else text


def contact_buttons(space: str, c: Contact) -> tuple[Button, ...]:
    name = _short(c.name, 10)
    return (
        Button(
            "directory.contact.btn_edit",
            callbacks.build(Verb.EDIT_CONTACT, space, c.id),
            {"name": name},
        ),
        Button(
            "directory.contact.btn_delete",
            callbacks.build(Verb.DELETE_CONTACT, space, c.id),
            {"name": name},
        ),
    )


def edit_prompt(space: str, c: Contact, lang: Lang, *, mention: str = "") -> str:
    """Ask for a contact's new details; it carries what it edits, for the reply (ForceReply).
    In a group it starts with a mention (HTML) of whoever asked."""
    text = t(
        lang,
        "directory.contact.edit_prompt",
        name=c.name,
        current=contact_plain(c),
        ref=callbacks.edit_ref(space, c.id),
    )
    return f"{mention} {text}" if mention else text


def contact_deleted(c: Contact, lang: Lang) -> str:
    return t(lang, "directory.contact.deleted", name=c.name)


def render_contact_saved(
    space: str, c: Contact, lang: Lang, *, where: str, merged: bool
) -> Rendered:
    head = (
        t(lang, "directory.contact.merged")
        if merged
        else t(lang, "directory.contact.added", where=where)
    )
    return Rendered("\n".join([head, *contact_lines(c, lang)]), (contact_buttons(space, c),))


def render_contact_edited(space: str, c: Contact, lang: Lang) -> Rendered:
    text = "\n".join([t(lang, "directory.contact.edited"), *contact_lines(c, lang)])
    return Rendered(text, (contact_buttons(space, c),))


def render_found(
    query: str,
    found: Sequence[tuple[str, Contact]],
    lang: Lang,
    *,
    where: Mapping[str, str],
    more: bool = False,
) -> Rendered:
    """Search results, best first; `where` labels a space when results span several."""
    if not found:
        return Rendered(t(lang, "directory.contact.none_found", query=query))
    several = len({s for s, _ in found}) > 1
    blocks = [t(lang, "directory.contact.found", query=query, count=len(found))]
    for space, c in found:
        label = where.get(space) if several else None
        blocks.append("\n".join(contact_lines(c, lang, where=label)))
    if more:
        blocks.append(t(lang, "directory.contact.more", shown=len(found)))
    buttons = tuple(contact_buttons(space, c) for space, c in found)
    return Rendered("\n\n".join(blocks), buttons)


def render_import_result(added: int, merged: int, errors: Sequence[RowError], lang: Lang) -> str:
    """What an /import did: how many added and merged, and the rows it could not read."""
    if not added and not merged and not errors:
        return t(lang, "directory.import.nothing")
    lines = [t(lang, "directory.import.done", added=added, merged=merged)]
    if errors:
        lines.append(t(lang, "directory.import.errors"))
        for err in errors[:ERRORS_SHOWN]:
            reason = t(lang, f"directory.import.reason.{err.reason}", text=err.text)
            lines.append(t(lang, "directory.import.error_line", line=err.line, reason=Safe(reason)))
        if len(errors) > ERRORS_SHOWN:
            lines.append(t(lang, "directory.import.more_errors", count=len(errors) - ERRORS_SHOWN))
    return "\n".join(lines)


# ----- rosters ------------------------------------------------------------------------------
def render_roster(
    roster: Roster, members: Sequence[RosterMember], lang: Lang, *, where: str = ""
) -> str:
    suffix = t(lang, "directory.contact.where", where=where) if where else ""
    lines = [
        t(
            lang,
            "directory.roster.header",
            name=roster.name,
            count=len(members),
            where=Safe(suffix),
        )
    ]
    for n, m in enumerate(members, start=1):
        name = m.name if m.name else (f"@{m.username}" if m.username else "?")
        if m.phone:
            lines.append(t(lang, "directory.roster.member", n=n, name=name, phone=m.phone))
        else:
            lines.append(t(lang, "directory.roster.member_no_phone", n=n, name=name))
    if not members:
        lines.append(t(lang, "directory.roster.empty"))
    return "\n".join(lines)


def render_roster_change(change: RosterChange, lang: Lang) -> str:
    """What a /roster change did, then the roster as it is now (nothing more after a delete)."""
    roster = change.roster
    count = len(roster.members)
    if change.action is RosterAction.DELETE:
        return t(lang, "directory.roster.deleted", name=roster.name)
    if change.action is RosterAction.NEW:
        text = t(lang, "directory.roster.created", name=roster.name, count=count)
    elif change.action is RosterAction.ADD:
        text = t(lang, "directory.roster.added", name=roster.name, count=count)
    else:
        names = join_names(change.removed, lang)
        text = t(lang, "directory.roster.removed", name=roster.name, names=names, count=count)
    if change.unknown:
        names = join_names(change.unknown, lang)
        text += "\n" + t(lang, "directory.roster.not_in_directory", names=names)
    return text + "\n\n" + render_roster(roster, change.members, lang)


def render_roster_list(
    rosters: Sequence[tuple[str, Roster]], lang: Lang, *, where: Mapping[str, str]
) -> str:
    if not rosters:
        return t(lang, "directory.roster.none")
    several = len({s for s, _ in rosters}) > 1
    lines = [t(lang, "directory.roster.list")]
    for space, r in rosters:
        label = where.get(space, "") if several else ""
        suffix = t(lang, "directory.contact.where", where=label) if label else ""
        lines.append(
            t(lang, "directory.roster.item", name=r.name, count=len(r.members), where=Safe(suffix))
        )
    return "\n".join(lines)


# ----- documents ----------------------------------------------------------------------------
def _icon(doc: Document) -> str:
    return "🖼" if doc.kind is DocKind.PHOTO else "📄"


def render_doc_saved(space: str, doc: Document, lang: Lang, *, where: str, new: bool) -> Rendered:
    key = "directory.docs.saved" if new else "directory.docs.updated"
    lines = [t(lang, key, where=where, name=doc.name, category=category_label(doc.category, lang))]
    if doc.tags:
        lines.append(t(lang, "directory.docs.tags", tags=join_names(doc.tags, lang)))
    return Rendered("\n".join(lines), doc_manage_buttons(space, doc))


def doc_manage_buttons(space: str, doc: Document) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(
                "directory.docs.btn_category", callbacks.build(Verb.CHOOSE_CATEGORY, space, doc.id)
            ),
            Button("directory.docs.btn_delete", callbacks.build(Verb.DELETE_DOC, space, doc.id)),
        ),
    )


def render_category_choice(space: str, doc: Document, lang: Lang) -> Rendered:
    buttons = [
        Button(
            "directory.docs.btn_set",
            callbacks.build(Verb.SET_CATEGORY, space, doc.id, c),
            {"category": ("✓ " if c is doc.category else "") + category_label(c, lang)},
        )
        for c in CATEGORIES
    ]
    rows = tuple(tuple(buttons[i : i + 4]) for i in range(0, len(buttons), 4))
    return Rendered(t(lang, "directory.docs.choose_category", name=doc.name), rows)


def render_docs(
    query: str,
    docs: Sequence[tuple[str, Document]],
    lang: Lang,
    tz: tzinfo,
    *,
    where: Mapping[str, str],
) -> Rendered:
    if not docs:
        return Rendered(t(lang, "directory.docs.none"))
    shown = docs[:DOCS_SHOWN]
    head = (
        t(lang, "directory.docs.found", query=query, count=len(docs))
        if query
        else t(lang, "directory.docs.all", count=len(docs))
    )
    several = len({s for s, _ in docs}) > 1
    lines = [head]
    rows: list[tuple[Button, ...]] = []
    for n, (space, d) in enumerate(shown, start=1):
        date = format_date(d.saved_at, lang, tz) if d.saved_at else ""
        line = t(
            lang,
            "directory.docs.line",
            n=n,
            icon=_icon(d),
            name=d.name,
            category=category_label(d.category, lang),
            date=date,
        )
        if d.tags:
            line += " · " + t(lang, "directory.docs.tags", tags=join_names(d.tags, lang))
        if several and where.get(space):
            line += t(lang, "directory.contact.where", where=where[space])
        lines.append(line)
        rows.append(
            (
                Button(
                    "directory.docs.btn_get",
                    callbacks.build(Verb.SEND_DOC, space, d.id),
                    {"n": n, "name": _short(d.name)},
                ),
            )
        )
    if len(docs) > len(shown):
        lines.append(t(lang, "directory.docs.more", count=len(docs) - len(shown)))
    return Rendered("\n".join(lines), tuple(rows))


def photo_name(when: datetime, lang: Lang) -> str:
    return t(lang, "directory.docs.photo_name", stamp=when.strftime("%Y-%m-%d %H%M"))


def category_set(category: Category, lang: Lang) -> str:
    return t(lang, "directory.docs.category_set", category=category_label(category, lang))


def doc_deleted(doc: Document, lang: Lang) -> str:
    return t(lang, "directory.docs.deleted", name=doc.name)


# ----- export -------------------------------------------------------------------------------
def export_caption(where: str, count: int, lang: Lang) -> str:
    return t(lang, "directory.export.caption", where=where, count=count)


def export_file_name(when: datetime, ext: str) -> str:
    return f"contacts-{when.strftime('%Y%m%d')}.{ext}"


# ----- templates ----------------------------------------------------------------------------
def render_template_list(
    names: Sequence[tuple[str, str]], lang: Lang, *, where: Mapping[str, str]
) -> str:
    if not names:
        return t(lang, "directory.template.none")
    several = len({s for s, _ in names}) > 1
    lines = [t(lang, "directory.template.list")]
    for space, name in names:
        label = where.get(space, "") if several else ""
        suffix = t(lang, "directory.contact.where", where=label) if label else ""
        lines.append(t(lang, "directory.template.item", name=name, where=Safe(suffix)))
    return "\n".join(lines)


def template_usage(lang: Lang) -> str:
    # Formatted (with an unused value) so that the catalog's {{日期}} comes out as {日期}.
    return t(lang, "directory.template.usage", _unused="")
