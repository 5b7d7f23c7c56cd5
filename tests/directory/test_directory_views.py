"""How the directory reads (pure): space labels, a roster change, buttons from the codec."""

from bot.directory import callbacks
from bot.directory.callbacks import Verb
from bot.directory.models import Contact, Document, Roster, RosterEntry, RosterMember
from bot.directory.rules import RosterAction, RosterChange
from bot.directory.views import (
    contact_buttons,
    doc_manage_buttons,
    library_label,
    render_category_choice,
    render_roster_change,
    space_labels,
)


def test_spaces_are_called_mine_or_by_their_group():
    titles = {"p1": None, "g-1": "办公室", "g-2": ""}
    assert space_labels(titles, "zh") == {"p1": "我的通讯录", "g-1": "办公室", "g-2": "本群"}
    assert library_label("p1", titles, "zh") == "我的资料库"
    assert library_label("g-1", titles, "zh") == "办公室"


def test_a_roster_change_says_what_happened_then_shows_the_roster():
    roster = Roster(name="科长", members=(RosterEntry("赵四"),))
    members = [RosterMember(None, None, "赵四", "13511112222")]
    added = RosterChange(RosterAction.NEW, roster, members, unknown=["陈某"])
    text = render_roster_change(added, "zh")
    assert text.startswith("✅ 已建名单") and "陈某" in text and "13511112222" in text
    gone = render_roster_change(RosterChange(RosterAction.DELETE, roster), "zh")
    assert gone == "🗑 已删除名单 科长"


def test_buttons_carry_the_codecs_data():
    contact = Contact(id=5, name="张三")
    presses = [callbacks.parse(b.callback_data) for b in contact_buttons("g-1", contact)]
    assert [p.verb for p in presses if p] == [Verb.EDIT_CONTACT, Verb.DELETE_CONTACT]
    doc = Document(id=3, file_id="f", name="总结.docx")
    rows = (*doc_manage_buttons("g-1", doc), *render_category_choice("g-1", doc, "zh").buttons)
    presses = [callbacks.parse(b.callback_data) for row in rows for b in row]
    assert None not in presses and all(p.names("g-1", 3) for p in presses if p)
