"""The directory's use cases that used to live in handlers, against a real data directory:
who sees which spaces (membership asked through a check), look-ups, rosters, imports, cards."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.directory.contacts import ParsedContact
from bot.directory.exchange import MAX_IMPORT_BYTES, FileFormat
from bot.directory.rules import MemberRef, RosterAction
from bot.directory.service import DirectoryRefused, DirectoryService
from bot.people.models import Person, Workspace
from storage import Database

START = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
G1, G2 = -100100, -100200
ZHANG, WANG = 11, 12


class Membership:
    """A member check that records what it was asked."""

    def __init__(self, *groups: int) -> None:
        self.groups = set(groups)
        self.asked: list[int] = []

    async def __call__(self, chat_id: int) -> bool:
        self.asked.append(chat_id)
        return chat_id in self.groups


@pytest.fixture
def service(tmp_path):
    clock = ManualClock(START)
    with Database(tmp_path / "data", clock=clock) as db:
        db.put_person(Person(user_id=ZHANG, username="zhangsan", first_name="张三", chats=(G1,)))
        db.put_workspace(Workspace(chat_id=G1, title="办公室", members=(ZHANG,)))
        db.put_workspace(Workspace(chat_id=G2, members=(ZHANG,)))
        yield DirectoryService(db, clock, Settings())


async def test_a_private_chat_sees_only_the_groups_telegram_confirms(service):
    still_in = Membership(G1)
    assert await service.visible(f"p{ZHANG}", ZHANG, still_in) == [f"p{ZHANG}", f"g{G1}"]
    assert sorted(still_in.asked) == sorted([G1, G2])


async def test_a_group_sees_its_own_and_asks_nobody(service):
    asked = Membership()
    assert await service.visible(f"g{G1}", ZHANG, asked) == [f"g{G1}"]
    assert await service.can_see(f"g{G1}", f"g{G1}", ZHANG, asked)
    assert not await service.can_see(f"g{G1}", f"p{ZHANG}", ZHANG, asked)
    assert not await service.can_see(f"g{G1}", f"g{G2}", ZHANG, asked)
    assert asked.asked == []


async def test_a_private_chat_may_act_on_its_own_and_its_groups_records(service):
    member = Membership(G1)
    assert await service.can_see(f"p{ZHANG}", f"p{ZHANG}", ZHANG, member)
    assert await service.can_see(f"p{ZHANG}", f"g{G1}", ZHANG, member)
    assert not await service.can_see(f"p{ZHANG}", f"g{G2}", ZHANG, member)
    assert not await service.can_see(f"p{ZHANG}", f"p{WANG}", ZHANG, member)


async def test_templates_in_a_group_come_from_it_and_from_the_speaker(service):
    asked = Membership()
    spaces = await service.template_spaces(f"g{G1}", ZHANG, asked)
    assert spaces == [f"g{G1}", f"p{ZHANG}"] and asked.asked == []


def test_spaces_are_named_by_their_group_title(service):
    titles = service.space_titles([f"p{ZHANG}", f"g{G1}", f"g{G2}", "g-999"])
    assert titles == {f"p{ZHANG}": None, f"g{G1}": "办公室", f"g{G2}": "", "g-999": ""}


def test_a_look_up_shows_the_best_and_says_there_are_more(service):
    g = f"g{G1}"
    for i in range(4):
        service.add_contact(g, ZHANG, ParsedContact(f"张{i}", phones=(f"1380013800{i}",)))
    shown, more = service.look_up([g], "张", 3)
    assert len(shown) == 3 and more
    assert all(f.contact.uses == 1 for f in shown)
    shown, more = service.look_up([g], "张3", 3)
    assert [f.contact.name for f in shown] == ["张3"] and not more


def test_a_card_is_linked_to_its_telegram_account(service):
    contact, merged = service.add_card(
        f"g{G1}", WANG, ParsedContact("张三", phones=("13800138000",)), user_id=ZHANG
    )
    assert not merged and (contact.user_id, contact.username) == (ZHANG, "zhangsan")


def test_an_import_reports_what_it_did(service):
    csv = "姓名,电话\n孙八,13512345678\n,13512340000\n".encode()
    report = service.import_file(f"p{ZHANG}", ZHANG, FileFormat.CSV, csv, update_id=None)
    assert (report.added, report.merged, [e.line for e in report.errors]) == (1, 0, [3])
    with pytest.raises(DirectoryRefused) as refused:
        service.import_file(
            f"p{ZHANG}", ZHANG, FileFormat.CSV, b"x" * (MAX_IMPORT_BYTES + 1), update_id=None
        )
    assert refused.value.key == "import.too_big"


def test_a_roster_is_made_changed_and_deleted_through_one_use_case(service):
    g = f"g{G1}"
    service.add_contact(g, ZHANG, ParsedContact("赵四", phones=("13511112222",)))
    change = service.change_roster(
        g, ZHANG, RosterAction.NEW, "科长", [MemberRef("赵四"), MemberRef("陈某")], admin=False
    )
    assert [m.name for m in change.members] == ["赵四", "陈某"] and change.unknown == ["陈某"]
    with pytest.raises(DirectoryRefused) as refused:
        service.change_roster(g, ZHANG, RosterAction.ADD, "科长", [], admin=False)
    assert refused.value.key == "roster.need_members"
    with pytest.raises(DirectoryRefused) as refused:
        service.change_roster(g, WANG, RosterAction.ADD, "科长", [MemberRef("@x")], admin=False)
    assert refused.value.key == "not_yours"
    change = service.change_roster(
        g, WANG, RosterAction.REMOVE, "科长", [MemberRef("陈某")], admin=True
    )
    assert change.removed == ["陈某"] and [m.name for m in change.members] == ["赵四"]
    change = service.change_roster(g, ZHANG, RosterAction.DELETE, "科长", [], admin=False)
    assert change.roster.name == "科长" and service.find_roster(g, "科长", ZHANG) is None


async def test_a_roster_of_a_group_is_shown_in_private_only_to_its_members(service):
    g = f"g{G1}"
    service.change_roster(
        g,
        ZHANG,
        RosterAction.NEW,
        "科长",
        [MemberRef("@zhangsan", username="zhangsan")],
        admin=False,
    )
    found = await service.show_roster(f"p{ZHANG}", "科长", ZHANG, Membership(G1))
    assert found is not None and found[0] == g and [m.user_id for m in found[2]] == [ZHANG]
    assert await service.show_roster(f"p{ZHANG}", "科长", ZHANG, Membership()) is None
    assert await service.show_roster(f"p{ZHANG}", "处长", ZHANG, Membership(G1)) is None


def test_only_whoever_added_a_record_or_an_admin_may_change_it(service):
    g = f"g{G1}"
    contact, _ = service.add_contact(g, ZHANG, ParsedContact("钱七"))
    assert service.contact_for_change(g, contact.id, WANG, admin=True) == contact
    with pytest.raises(DirectoryRefused, match="not_yours"):
        service.contact_for_change(g, contact.id, WANG, admin=False)
    with pytest.raises(DirectoryRefused, match=r"contact\.gone"):
        service.contact_for_change(g, contact.id + 1, ZHANG, admin=False)
