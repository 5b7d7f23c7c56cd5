"""The directory's stores and service against a real data directory."""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.directory.contacts import ParsedContact
from bot.directory.models import Category, DocKind, RosterMember
from bot.directory.service import DirectoryRefused, DirectoryService, MemberRef
from bot.people.models import Person, Workspace
from storage import Database

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
G = "g-100100"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def db(tmp_path, clock):
    with Database(tmp_path / "data", clock=clock) as database:
        yield database


@pytest.fixture
def service(db, clock) -> DirectoryService:
    return DirectoryService(db, clock, Settings())


def test_contacts_survive_a_reopen_and_ids_are_not_reused(tmp_path, clock):
    with Database(tmp_path / "d", clock=clock) as db:
        svc = DirectoryService(db, clock, Settings())
        a, _ = svc.add_contact(G, 1, ParsedContact("张三", phones=("13800138000",)))
        b, _ = svc.add_contact(G, 1, ParsedContact("李四"))
        svc.delete_contact(G, b.id, 1, admin=False)
    with Database(tmp_path / "d", clock=clock) as db:
        svc = DirectoryService(db, clock, Settings())
        assert [c.name for c in svc.export_contacts([G])] == ["张三"]
        assert svc.get_contact(G, a.id) == replace(a)
        c, _ = svc.add_contact(G, 1, ParsedContact("王五"))
        assert c.id > b.id


def test_duplicates_by_phone_are_merged(service):
    first, merged = service.add_contact(G, 1, ParsedContact("张三", "办公室", ("13800138000",)))
    assert not merged
    again, merged = service.add_contact(
        G, 2, ParsedContact("张三", "", ("+86 138 0013 8000", "010-12345678"), "z@x.cn")
    )
    assert merged and again.id == first.id
    assert again.phones == ("13800138000", "010-12345678")
    assert again.unit == "办公室" and again.email == "z@x.cn" and again.added_by == 1


def test_import_merges_within_the_batch(service):
    added, merged = service.import_contacts(
        G,
        1,
        [
            ParsedContact("甲", phones=("13800000001",)),
            ParsedContact("甲", phones=("13800000001", "13800000002")),
            ParsedContact("乙"),
        ],
        update_id=None,
    )
    assert (added, merged) == (2, 1)
    phones = {c.name: c.phones for c in service.export_contacts([G])}
    assert phones == {"甲": ("13800000001", "13800000002"), "乙": ()}


def test_uses_are_counted_and_stored(service, db):
    service.add_contact(G, 1, ParsedContact("张三"))
    service.add_contact(G, 1, ParsedContact("章三"))
    found = service.find_contacts([G], "章三")
    assert [(f.contact.name, f.contact.uses) for f in found] == [("章三", 1)]
    service.find_contacts([G], "zhangsan")
    order = [f.contact.name for f in service.find_contacts([G], "zhangsan", count_use=False)]
    assert order == ["章三", "张三"]
    assert service.flush_uses() == 2
    assert service.flush_uses() == 0
    fresh = DirectoryService(db, service.clock, service.settings)
    assert [f.contact.name for f in fresh.find_contacts([G], "zhangsan", count_use=False)] == order


def test_changes_by_others_are_refused(service):
    c, _ = service.add_contact(G, 1, ParsedContact("张三"))
    with pytest.raises(DirectoryRefused) as exc:
        service.delete_contact(G, c.id, 2, admin=False)
    assert exc.value.key == "not_yours"
    service.edit_contact(G, c.id, 2, ParsedContact("张三", "新单位"), admin=True)
    assert service.get_contact(G, c.id).unit == "新单位"


def test_rosters_resolve_users_usernames_and_contacts(service, db):
    db.put_person(Person(user_id=11, username="zhangsan", first_name="张三", chats=(-100100,)))
    db.put_workspace(Workspace(chat_id=-100100, title="办公室", members=(10, 11)))
    service.add_contact(G, 10, ParsedContact("赵四", phones=("13511112222",)))
    service.add_contact(G, 10, ParsedContact("张三卡", phones=("13800009999",)), user_id=11)
    _, unknown = service.create_roster(
        G,
        10,
        "科长",
        [
            MemberRef("@zhangsan", username="zhangsan"),
            MemberRef("@newbie", username="newbie"),
            MemberRef("赵四"),
            MemberRef("陈某"),
            MemberRef("Wang", user_id=12),
        ],
    )
    assert unknown == ["陈某"]
    assert service.resolve_roster(G, "科长", 10) == [11, "newbie", 12]
    assert service.resolve_roster(G, "无此名单", 10) is None
    members = service.roster_members(G, "科长", 10)
    assert members is not None
    assert members[0] == RosterMember(11, "zhangsan", "张三", "13800009999")
    assert members[2] == RosterMember(None, None, "赵四", "13511112222")
    assert members[3] == RosterMember(None, None, "陈某", None)
    assert service.phone_for(11, [G]) == "13800009999"
    assert service.phone_for(12, [G]) is None


def test_roster_lookup_order(service, db):
    db.put_workspace(Workspace(chat_id=-100100, members=(10,)))
    service.create_roster(G, 10, "名单", [MemberRef("x", user_id=1)])
    service.create_roster("p10", 10, "名单", [MemberRef("y", user_id=2)])
    service.create_roster(G, 10, "群名单", [MemberRef("z", user_id=3)])
    assert service.resolve_roster(G, "名单", 10) == [1]  # group task: the group's first
    assert service.resolve_roster("p10", "名单", 10) == [2]  # private: one's own first
    assert service.resolve_roster("p10", "群名单", 10) == [3]  # then one's groups'
    assert service.resolve_roster("p99", "群名单", 99) is None  # not a member


@pytest.mark.parametrize("name", ["", "new", "12名单", "有 空格", "a#b", "x" * 31])
def test_bad_roster_names(service, name):
    with pytest.raises(DirectoryRefused):
        service.create_roster(G, 1, name, [])


def test_documents_keep_one_copy_per_file_and_categories_change(service):
    doc, new = service.save_document(
        G, 1, file_id="f1", file_unique_id="u1", name="年度总结.docx", kind=DocKind.DOCUMENT
    )
    assert new and doc.category is Category.SUMMARY
    again, new = service.save_document(
        G,
        2,
        file_id="f1b",
        file_unique_id="u1",
        name="年度总结.docx",
        kind=DocKind.DOCUMENT,
        tags=("财务",),
    )
    assert not new and again.id == doc.id and again.tags == ("财务",) and again.file_id == "f1b"
    with pytest.raises(DirectoryRefused):
        service.set_category(G, doc.id, 2, Category.REPORT, admin=False)
    assert (
        service.set_category(G, doc.id, 1, Category.REPORT, admin=False).category is Category.REPORT
    )
    assert [d.id for _, d in service.find_documents([G], "汇报")] == [doc.id]
    service.delete_document(G, doc.id, 3, admin=True)
    assert service.find_documents([G], "") == []


def test_templates_nearest_space_first(service):
    service.save_template(G, 1, "会议通知", "群的", admin=False)
    service.save_template("p1", 1, "会议通知", "自己的", admin=False)
    assert service.get_template([G, "p1"], "会议通知")[1].text == "群的"
    assert service.get_template(["p1", G], "会议通知")[1].text == "自己的"
    with pytest.raises(DirectoryRefused):
        service.save_template(G, 2, "会议通知", "别人改", admin=False)
    _, replaced = service.save_template(G, 2, "会议通知", "管理员改", admin=True)
    assert replaced


def test_every_refusal_has_a_message_in_both_languages():
    import re
    from pathlib import Path

    from bot.core.i18n import has

    source = Path(__file__).resolve().parents[2] / "bot/directory/service.py"
    keys = set(re.findall(r'DirectoryRefused\("([a-z_.]+)"', source.read_text(encoding="utf-8")))
    assert keys
    for key in keys:
        assert has(f"directory.{key}", "zh") and has(f"directory.{key}", "en"), key
