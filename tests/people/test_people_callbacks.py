"""The `set:` buttons' codec: what it builds it reads back; old buttons still mean the same."""

import pytest

from bot.people import callbacks
from bot.people.callbacks import Press, Verb


@pytest.mark.parametrize(
    ("verb", "value", "data"),
    [
        pytest.param(Verb.HOME, None, "set:home", id="home"),
        pytest.param(Verb.LANG, None, "set:lang", id="language-page"),
        pytest.param(Verb.LANG, "en", "set:lang:en", id="language"),
        pytest.param(Verb.ZONE, "America/Los_Angeles", "set:tz:America/Los_Angeles", id="zone"),
        pytest.param(Verb.TYPE_ZONE, None, "set:tz-type", id="type-a-zone"),
        pytest.param(Verb.DIGEST, "0800", "set:digest:0800", id="digest-time"),
        pytest.param(Verb.DIGEST, "off", "set:digest:off", id="digest-off"),
        pytest.param(Verb.QUIET, "on", "set:quiet:on", id="quiet"),
        pytest.param(Verb.GROUP_LANG, "zh", "set:group-lang:zh", id="group-language"),
    ],
)
def test_what_is_built_reads_back(verb, value, data):
    assert callbacks.build(verb, value) == data
    assert callbacks.parse(data) == Press(verb, value)


@pytest.mark.parametrize(
    ("old", "press"),
    [
        pytest.param("set:tzx", Press(Verb.TYPE_ZONE), id="tzx"),
        pytest.param("set:dg", Press(Verb.DIGEST), id="dg-page"),
        pytest.param("set:dg:0730", Press(Verb.DIGEST, "0730"), id="dg-time"),
        pytest.param("set:dg:off", Press(Verb.DIGEST, "off"), id="dg-off"),
        pytest.param("set:dq", Press(Verb.QUIET), id="dq-toggle"),
        pytest.param("set:glang:en", Press(Verb.GROUP_LANG, "en"), id="glang"),
    ],
)
def test_buttons_sent_before_the_verbs_were_spelt_out_still_work(old, press):
    assert callbacks.parse(old) == press


def test_quiet_buttons_say_what_they_set_and_the_old_toggle_says_nothing():
    assert callbacks.parse(callbacks.quiet(True)) == Press(Verb.QUIET, "on")
    assert Press(Verb.QUIET, "on").quiet is True
    assert Press(Verb.QUIET, "off").quiet is False
    assert Press(Verb.QUIET).quiet is None


@pytest.mark.parametrize(
    "data",
    [
        "",
        "set",
        "set:",
        "set:nonsense",
        "set:home:x",
        "set:tz-type:x",
        "set:group-lang",
        "set:quiet:maybe",
        "set:tz:",
        "d:dg:g-1:1",
        "t:ack:12",
    ],
)
def test_foreign_or_tampered_data_is_not_a_press(data):
    assert callbacks.parse(data) is None


def test_data_longer_than_telegram_allows_is_refused_when_built():
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.build(Verb.ZONE, "x" * 60)
