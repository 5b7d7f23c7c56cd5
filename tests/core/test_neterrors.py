"""The retry rule (bot/core/neterrors.py): only what cannot have reached Telegram is sent again."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core.neterrors import (
    describe,
    is_network_error,
    may_have_been_delivered,
    method_of,
    tag_method,
)


def _caused(exc: Exception, cause: BaseException) -> Exception:
    exc.__cause__ = cause
    return exc


REQUEST = httpx.Request("POST", "http://127.0.0.1/bot123:abc/sendMessage")


@pytest.mark.parametrize(
    ("exc", "delivered"),
    [
        pytest.param(_caused(TimedOut(), httpx.ConnectTimeout("x")), False, id="connect-timeout"),
        pytest.param(
            _caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")),
            False,
            id="connect-error",
        ),
        pytest.param(
            _caused(TimedOut("Pool timeout"), httpx.PoolTimeout("x")), False, id="pool-timeout"
        ),
        pytest.param(_caused(TimedOut(), httpx.WriteTimeout("x")), False, id="write-timeout"),
        pytest.param(
            _caused(NetworkError("x"), httpx.WriteError("broken pipe")), False, id="write-error"
        ),
        pytest.param(NetworkError("Bad Gateway"), False, id="5xx-answered"),
        pytest.param(_caused(TimedOut(), httpx.ReadTimeout("x")), True, id="read-timeout"),
        pytest.param(_caused(NetworkError("x"), httpx.ReadError("reset")), True, id="read-error"),
        pytest.param(
            _caused(NetworkError("x"), httpx.RemoteProtocolError("Server disconnected")),
            True,
            id="disconnected-before-answer",
        ),
    ],
)
def test_which_failures_may_have_been_delivered(exc: Exception, delivered: bool):
    assert may_have_been_delivered(exc) is delivered
    assert is_network_error(exc)


@pytest.mark.parametrize(
    "exc",
    [
        BadRequest("Chat not found"),
        Forbidden("bot was blocked by the user"),
        RetryAfter(3),
        ValueError("x"),
    ],
    ids=["bad-request", "forbidden", "429", "bug"],
)
def test_refusals_and_bugs_are_not_network_errors(exc: Exception):
    assert not is_network_error(exc)


def test_the_method_is_kept_and_the_description_has_no_url():
    exc = _caused(TimedOut(), httpx.ConnectError("[Errno 111] Connection refused", request=REQUEST))
    tag_method(exc, "sendMessage")
    tag_method(exc, "getMe")  # the first tag wins
    assert method_of(exc) == "sendMessage"
    assert describe(exc) == "TimedOut (ConnectError)"
    assert "bot123" not in describe(exc)
    assert method_of(ValueError()) is None
