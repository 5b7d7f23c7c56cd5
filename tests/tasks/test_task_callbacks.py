"""The task buttons' codec: what it builds it reads back; old buttons still work; junk is None."""

from __future__ import annotations

import pytest

from bot.tasks import callbacks
from bot.tasks.callbacks import Flag, PagePress, SavePress, TaskPress, Verb
from bot.tasks.models import Priority
from bot.tasks.rules import SnoozeOption
from handlers.tasks import BUTTONS

_PERSON = callbacks._PERSON_VERBS
_OPTION = callbacks._OPTION_VERBS
_MOMENT = callbacks._MOMENT_VERBS
AT = 1_796_000_000  # a moment, in Unix seconds


def _every_press() -> list[callbacks.Press]:
    presses: list[callbacks.Press] = [
        TaskPress(verb, 12, rev) for verb in Verb for rev in (None, 5) if verb != Verb.SNOOZE_ANYWAY
    ]
    presses += [TaskPress(verb, 12, person=34) for verb in _PERSON]
    presses += [TaskPress(Verb.SNOOZE, 12, option=o) for o in SnoozeOption]
    presses += [TaskPress(verb, 12, 5, at=AT) for verb in _MOMENT]
    presses += [TaskPress(Verb.PRIORITY, 12, 5, priority=p) for p in Priority]
    presses += [
        TaskPress(verb, 12, 5, flag=flag)
        for verb, flags in callbacks._FLAG_VERBS.items()
        for flag in flags
    ]
    presses += [PagePress(0), PagePress(3), SavePress()]
    return presses


@pytest.mark.parametrize("press", _every_press(), ids=str)
def test_what_is_built_is_read_back(press: callbacks.Press):
    data = callbacks.build(press)
    assert callbacks.parse(data) == press
    assert len(data.encode()) <= callbacks.MAX_BYTES


@pytest.mark.parametrize(
    ("press", "data"),
    [
        pytest.param(TaskPress(Verb.ACK, 12), "t:ack:12", id="ack"),
        pytest.param(
            TaskPress(Verb.SNOOZE, 12, option=SnoozeOption.HOUR), "t:snooze:12:1h", id="snooze"
        ),
        pytest.param(TaskPress(Verb.HAND, 12, person=34), "t:hand:12:34", id="hand-to"),
        pytest.param(TaskPress(Verb.ASK_REASSIGN, 7), "t:ask-reassign:7", id="ask"),
        pytest.param(PagePress(2), "t:my:2", id="page"),
        pytest.param(TaskPress(Verb.KEEP, 12, 4), "t:keep:12@4", id="at-a-revision"),
        pytest.param(
            TaskPress(Verb.CANCEL, 12, 4, flag=Flag.YES), "t:cancel:12@4:yes", id="confirmed"
        ),
        pytest.param(TaskPress(Verb.EXTEND, 12, 4, at=AT), f"t:extend:12@4:{AT}", id="extend-to"),
        pytest.param(
            TaskPress(Verb.PRIORITY, 12, 4, priority=Priority.URGENT),
            "t:priority:12@4:urgent",
            id="priority",
        ),
        pytest.param(
            TaskPress(Verb.NUDGE, 12, 4, flag=Flag.LIST), "t:nudge:12@4:list", id="nudge-listed"
        ),
        pytest.param(SavePress(), "t:save", id="save"),
    ],
)
def test_the_data_reads_as_what_it_does(press: callbacks.Press, data: str):
    assert callbacks.build(press) == data


def test_the_longest_data_fits_telegrams_64_bytes():
    number, person = 999_999_999, 10**20 - 1
    press = TaskPress(Verb.REASSIGN_TYPED, number, number)
    longest = [
        TaskPress(Verb.REASSIGN, number, number, person=person),
        TaskPress(Verb.SNOOZE_ANYWAY, number, number, at=10**11 - 1),
        press,
    ]
    for press in longest:
        data = callbacks.build(press)
        assert len(data.encode()) <= 64
        assert callbacks.parse(data) == press


@pytest.mark.parametrize(
    ("data", "press"),
    [
        ("t:ack:5", TaskPress(Verb.ACK, 5)),
        ("t:done:5", TaskPress(Verb.DONE, 5)),
        ("t:cx:5", TaskPress(Verb.CANCEL, 5)),
        ("t:kp:5", TaskPress(Verb.KEEP, 5)),
        ("t:undo:5", TaskPress(Verb.UNDO, 5)),
        ("t:nudge:5", TaskPress(Verb.NUDGE, 5)),
        ("t:ask:5", TaskPress(Verb.ASK_REASSIGN, 5)),
        ("t:snz:5", TaskPress(Verb.SNOOZE, 5)),
        ("t:sz:5:1h", TaskPress(Verb.SNOOZE, 5, option=SnoozeOption.HOUR)),
        ("t:sz:5:pm", TaskPress(Verb.SNOOZE, 5, option=SnoozeOption.AFTERNOON)),
        ("t:sz:5:tam", TaskPress(Verb.SNOOZE, 5, option=SnoozeOption.TOMORROW)),
        ("t:sz:5:mon", TaskPress(Verb.SNOOZE, 5, option=SnoozeOption.MONDAY)),
        ("t:sz:5:custom", TaskPress(Verb.SNOOZE_TYPED, 5)),
        ("t:hand:5", TaskPress(Verb.HAND, 5)),
        ("t:ho:5:12", TaskPress(Verb.HAND, 5, person=12)),
        ("t:hn:5", TaskPress(Verb.HAND_TYPED, 5)),
        ("t:re:5", TaskPress(Verb.REASSIGN, 5)),
        ("t:ra:5:12", TaskPress(Verb.REASSIGN, 5, person=12)),
        ("t:rn:5", TaskPress(Verb.REASSIGN_TYPED, 5)),
        ("t:cant:5", TaskPress(Verb.CANNOT, 5)),
        ("t:due:5", TaskPress(Verb.DUE, 5)),
        ("t:back:5", TaskPress(Verb.BACK, 5)),
        ("my:0", PagePress(0)),
        ("my:3", PagePress(3)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_buttons_already_in_chats_read_as_the_verbs_they_stood_for(
    data: str, press: callbacks.Press
):
    assert callbacks.parse(data) == press


@pytest.mark.parametrize(
    "data",
    [
        "",
        "t",
        "t:",
        "t:ack",
        "t:ack:",
        "t:done:notanumber",
        "t:done:-1",
        "t:done:1.5",
        "t:done:١٢",  # digits, but not ASCII ones
        "t:done:1234567890",  # more digits than a task number has
        "t:ack:12:34",  # an argument the verb does not take
        "t:snooze:12:tomorrow",  # no such option
        "t:snooze:12:34",
        "t:hand:12:wang",  # a person is a user id
        "t:hand:12:-5",
        "t:sz:12:later",
        "t:fly:12",
        "t:ACK:12",
        "t:ack:12:1h:extra",
        "x:ack:12",
        "n:ok:12",  # another feature's button
        "my:",
        "my:a",
        "my:1:2",
        "t:my:1:2",
        "t:ack:" + "1" * 70,
        "t:ack:12@",  # a revision is digits
        "t:ack:@3",
        "t:ack:12@x",
        "t:ack:12@3@4",
        "t:snooze-anyway:12",  # the moment is what it acts on
        "t:snooze-anyway:12:soon",
        "t:extend:12:tomorrow",
        "t:priority:12:very",
        "t:cancel:12:maybe",
        "t:done:12:list",
        "t:nudge:12:yes",
        "t:save:1",
        "t:save:",
    ],
)
def test_tampered_or_foreign_data_reads_as_nothing(data: str):
    assert callbacks.parse(data) is None


@pytest.mark.parametrize(
    "press",
    [
        TaskPress(Verb.ACK, 12, person=34),
        TaskPress(Verb.HAND, 12, option=SnoozeOption.HOUR),
        TaskPress(Verb.DONE, -1),
        TaskPress(Verb.DONE, 10**10),
        PagePress(-1),
        TaskPress(Verb.SNOOZE_ANYWAY, 12),
        TaskPress(Verb.ACK, 12, -1),
        TaskPress(Verb.HAND, 12, person=34, at=AT),
        TaskPress(Verb.ACK, 12, flag=Flag.YES),
    ],
    ids=str,
)
def test_a_button_that_could_not_be_read_back_is_not_built(press: callbacks.Press):
    with pytest.raises(ValueError, match="not a task button"):
        callbacks.build(press)


def test_every_verb_has_a_handler():
    assert set(BUTTONS) == set(Verb)
