"""The `d:` buttons' codec: what it builds it reads back; old two-letter buttons still work."""

import pytest

from bot.directory import callbacks
from bot.directory.callbacks import Press, Verb
from bot.directory.models import Category

G = "g-1001234567890"


@pytest.mark.parametrize("verb", [v for v in Verb if v is not Verb.SET_CATEGORY])
@pytest.mark.parametrize("space", [G, "p123456789", "g-100"])
def test_what_is_built_reads_back(verb, space):
    data = callbacks.build(verb, space, 123456789)
    assert len(data.encode()) <= 64
    assert callbacks.parse(data) == Press(verb, space, 123456789)


@pytest.mark.parametrize("category", list(Category))
def test_a_category_is_named_in_ascii(category):
    data = callbacks.build(Verb.SET_CATEGORY, G, 7, category)
    assert data.isascii() and len(data.encode()) <= 64
    assert callbacks.parse(data) == Press(Verb.SET_CATEGORY, G, 7, category)


def test_the_readable_forms():
    assert callbacks.build(Verb.EDIT_CONTACT, "g-100100", 5) == "d:contact-edit:g-100100:5"
    assert callbacks.build(Verb.SET_CATEGORY, "p1", 2, Category.REPORT) == "d:doc-cat:p1:2:report"


@pytest.mark.parametrize(
    ("old", "press"),
    [
        ("d:ce:g-100100:5", Press(Verb.EDIT_CONTACT, "g-100100", 5)),
        ("d:cd:p11:12", Press(Verb.DELETE_CONTACT, "p11", 12)),
        ("d:dg:g-100100:1", Press(Verb.SEND_DOC, "g-100100", 1)),
        ("d:dk:g-100100:1", Press(Verb.CHOOSE_CATEGORY, "g-100100", 1)),
        ("d:dc:g-100100:1:2", Press(Verb.SET_CATEGORY, "g-100100", 1, Category.REPORT)),
        ("d:dc:g-100100:1:7", Press(Verb.SET_CATEGORY, "g-100100", 1, Category.OTHER)),
        ("d:dd:g-100100:1", Press(Verb.DELETE_DOC, "g-100100", 1)),
        ("d:dg:g-100100:1:3", Press(Verb.SEND_DOC, "g-100100", 1)),  # the old form allowed it
    ],
)
def test_old_buttons_mean_what_they_meant(old, press):
    assert callbacks.parse(old) == press


@pytest.mark.parametrize(
    "data",
    [
        "",
        "d:",
        "d:xx:g-1:1",
        "d:dc:g-1:1",  # a category change without a category
        "d:dc:g-1:1:8",  # past the last category
        "d:doc-cat:g-1:1:2",  # new verbs name categories, not places
        "d:doc-cat:g-1:1:secret",
        "d:doc-get:g-1:1:report",
        "d:doc-get:x-1:1",
        "d:doc-get:g-1:-1",
        "d:doc-get:g-1:1234567890",
        "d:doc-get:g:1",
        "d:doc-get:g-１:1",
        "set:lang:en",
    ],
)
def test_foreign_or_tampered_data_is_not_a_press(data):
    assert callbacks.parse(data) is None


def test_a_press_names_its_record():
    press = Press(Verb.DELETE_CONTACT, "g-1", 5)
    assert press.names("g-1", 5) and not press.names("g-1", 50) and not press.names("p1", 5)
    assert press.verb.about_contact and not Verb.DELETE_DOC.about_contact


def test_the_edit_prompt_carries_its_contact():
    ref = callbacks.edit_ref("g-100100", 5)
    assert ref == "[ref g-100100/c5]"
    assert callbacks.parse_edit_ref(f"回复本消息 … {ref}") == ("g-100100", 5)
    assert callbacks.parse_edit_ref("[ref nonsense] then [ref p7/c3]") == ("p7", 3)
    assert callbacks.parse_edit_ref("no reference here") is None
    assert callbacks.parse_edit_ref("[ref g-1/cx]") is None
