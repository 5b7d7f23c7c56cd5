"""The notices' button data: one codec builds and reads it; buttons already sent keep working."""

from __future__ import annotations

import pytest

from bot.notices import callbacks
from bot.notices.callbacks import Press, Verb


@pytest.mark.parametrize(
    ("verb", "number", "version", "data"),
    [
        pytest.param(Verb.CONFIRM, 12, 1, "n:confirm:12:1", id="confirm"),
        pytest.param(Verb.CHANGE, 12, None, "n:change:12", id="change"),
        pytest.param(Verb.ASK_CANCEL, 12, None, "n:ask-cancel:12", id="ask-cancel"),
        pytest.param(Verb.CANCEL, 12, None, "n:cancel:12", id="cancel"),
        pytest.param(Verb.BACK, 12, None, "n:back:12", id="back"),
    ],
)
def test_buttons_read_back_as_they_were_built(verb, number, version, data):
    assert callbacks.build(verb, number, version) == data
    assert callbacks.parse(data) == Press(verb, number, version)


@pytest.mark.parametrize(
    ("data", "press"),
    [
        pytest.param("n:ok:1:1", Press(Verb.CONFIRM, 1, 1), id="ok"),
        pytest.param("n:ch:7", Press(Verb.CHANGE, 7), id="ch"),
        pytest.param("n:cx:7", Press(Verb.ASK_CANCEL, 7), id="cx"),
        pytest.param("n:cxy:7", Press(Verb.CANCEL, 7), id="cxy"),
        pytest.param("n:bk:7", Press(Verb.BACK, 7), id="bk"),
    ],
)
def test_buttons_sent_before_the_readable_verbs_still_work(data, press):
    assert callbacks.parse(data) == press


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "n:",
        "n:confirm:12",  # 收到 without the version it confirms
        "n:change:12:3",  # a version where none belongs
        "n:explode:12",
        "n:ok:-1:1",
        "n:ok:12:1:9",
        "t:ack:12",  # another feature's
        "n:ok:1234567890:1",  # longer than a number can be
    ],
)
def test_unknown_or_tampered_data_reads_as_nothing(data):
    assert callbacks.parse(data) is None


def test_build_refuses_what_parse_would_not_read():
    with pytest.raises(ValueError):
        callbacks.build(Verb.CONFIRM, 12)
    with pytest.raises(ValueError):
        callbacks.build(Verb.BACK, 12, 1)


def test_the_longest_button_fits_telegrams_64_bytes():
    data = callbacks.build(Verb.ASK_CANCEL, 999_999_999)
    assert len(data.encode()) <= 64
    assert len(callbacks.build(Verb.CONFIRM, 999_999_999, 999_999).encode()) <= 64
