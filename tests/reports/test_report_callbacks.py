"""The report buttons' codec: what it builds it reads back; anything else reads as None."""

from __future__ import annotations

import pytest

from bot.reports import callbacks
from bot.reports.callbacks import CalendarOf, CalendarPress, CollectPress, Verb

PRESSES = [
    CollectPress(Verb.SUBMIT, 3),
    CollectPress(Verb.DECLINE, 999_999_999),
    CalendarPress(CalendarOf.TASK, 12),
    CalendarPress(CalendarOf.NOTICE, 1),
    CalendarPress(CalendarOf.COLLECT, 7),
]


@pytest.mark.parametrize("press", PRESSES, ids=lambda p: callbacks.build(p))
def test_what_is_built_reads_back_within_64_bytes(press: callbacks.Press) -> None:
    data = callbacks.build(press)
    assert callbacks.parse(data) == press
    assert len(data.encode()) <= callbacks.MAX_BYTES


def test_the_data_reads_as_its_verbs_say() -> None:
    assert callbacks.build(CollectPress(Verb.SUBMIT, 3)) == "rep:submit:3"
    assert callbacks.build(CalendarPress(CalendarOf.TASK, 12)) == "cal:task:12"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("rep:submit", id="no-number"),
        pytest.param("rep:submit:", id="empty-number"),
        pytest.param("rep:submit:-1", id="negative"),
        pytest.param("rep:submit:1:2", id="extra"),
        pytest.param("rep:submit:１２", id="full-width-digits"),
        pytest.param("rep:submit:1234567890", id="too-long"),
        pytest.param("rep:frobnicate:1", id="unknown-verb"),
        pytest.param("cal:moon:1", id="unknown-calendar"),
        pytest.param("t:ack:1", id="a-task-button"),
        pytest.param("cal:task:" + "1" * 70, id="over-64-bytes"),
        pytest.param("", id="empty"),
    ],
)
def test_tampered_or_foreign_data_reads_as_none(data: str) -> None:
    assert callbacks.parse(data) is None


def test_the_dispatch_pattern_takes_both_prefixes() -> None:
    import re

    assert re.match(callbacks.PATTERN, "rep:submit:1")
    assert re.match(callbacks.PATTERN, "cal:notice:1")
    assert not re.match(callbacks.PATTERN, "t:ack:1")
