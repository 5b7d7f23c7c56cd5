"""The settings menu (pure): each page's buttons are the codec's, and they read back."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.people import callbacks, views
from bot.people.callbacks import Press, Verb
from bot.people.models import Person
from bot.people.views import Page

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=SH)


def _presses(person: Person, page: Page) -> list[Press | None]:
    menu = views.menu(person, "zh", SH, now=NOW, default_digest=time(8, 30), page=page)
    return [callbacks.parse(b.callback_data) for row in menu.buttons for b in row]


@pytest.mark.parametrize("page", list(Page))
def test_every_button_of_every_page_reads_back(page):
    assert None not in _presses(Person(user_id=1), page)


def test_the_quiet_button_sets_the_other_way():
    # Issue 14: quiet is the default now; loud is what /digest loud (or this button) sets.
    loud, quiet = Person(user_id=1, digest_loud=True), Person(user_id=1)
    assert Press(Verb.QUIET, "on") in _presses(loud, Page.DIGEST)
    assert Press(Verb.QUIET, "off") in _presses(quiet, Page.DIGEST)


def test_the_menu_says_the_zone_and_the_time_there():
    person = Person(user_id=1, tz="Asia/Tokyo", digest_time="off")
    menu = views.menu(person, "en", ZoneInfo("Asia/Tokyo"), now=NOW, default_digest=time(8, 30))
    assert "Asia/Tokyo" in menu.text and "11:00" in menu.text and "off" in menu.text


def test_the_group_menu_offers_each_language():
    menu = views.group_menu("en")
    presses = [callbacks.parse(b.callback_data) for row in menu.buttons for b in row]
    assert presses == [Press(Verb.GROUP_LANG, "zh"), Press(Verb.GROUP_LANG, "en")]
    assert "Group settings" in menu.text
