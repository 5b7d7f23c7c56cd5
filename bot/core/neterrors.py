"""What a failed Bot API request means: did it reach Telegram, may it be retried, how to log it.

The rule that keeps retries from making duplicates (docs/DELIVERY.md):

* A request that failed **before it was completely written** cannot have been acted on by
  Telegram: connect errors and connect/pool/write timeouts (httpx ``ConnectError``,
  ``ConnectTimeout``, ``PoolTimeout``, ``WriteTimeout``, ``WriteError``, ``ProxyError``,
  ``UnsupportedProtocol``, ``LocalProtocolError``). It is retried with back-off.
* A request Telegram **answered with an error** (5xx, 429) was not carried out: retried.
* A request that failed **after it was written** — a read timeout, a connection reset or
  closed while waiting for the answer (``ReadTimeout``, ``ReadError``,
  ``RemoteProtocolError``), or one cancelled while on the wire — may have been delivered.
  A message is then *not* sent again: the entry is recorded as ``uncertain`` (logged once).
  Read timeouts are long (see bot/core/updates.py: 45 s) so that a slow Telegram still
  answers within them and this case stays rare.

The rate limiter (bot/core/ratelimit.py) sees every request; it tags a failed request's
exception with the Bot API method (``method_of``) and flags the running task while the
request is on the wire (``ON_WIRE``), so callers can log and decide without guessing.
"""

from __future__ import annotations

import contextlib
import contextvars

import httpx
from telegram.error import BadRequest, NetworkError, TimedOut

# Set by the rate limiter while a request is being sent/answered (in the sending task's
# context): a send cancelled while this is set may have reached Telegram.
ON_WIRE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "officebot_on_wire", default=None
)

_METHOD_ATTR = "_officebot_method"

# httpx failures that happen before the request was completely handed to the network.
_NOT_WRITTEN: tuple[type[BaseException], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteTimeout,
    httpx.WriteError,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


def tag_method(exc: BaseException, method: str) -> None:
    """Remember which Bot API method failed (first tag wins)."""
    if getattr(exc, _METHOD_ATTR, None) is None:
        with contextlib.suppress(AttributeError):  # exceptions always have a __dict__
            setattr(exc, _METHOD_ATTR, method)


def method_of(exc: BaseException) -> str | None:
    value = getattr(exc, _METHOD_ATTR, None)
    return value if isinstance(value, str) else None


def _httpx_cause(exc: BaseException) -> httpx.HTTPError | None:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, httpx.HTTPError):
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


def is_network_error(exc: BaseException) -> bool:
    """A failure of the connection or of Telegram's servers, not of our request or code.

    (PTB's BadRequest derives from NetworkError; it is a refusal, not a network error.)
    """
    if isinstance(exc, BadRequest):
        return False
    return isinstance(exc, NetworkError | TimedOut | httpx.TransportError)


def may_have_been_delivered(exc: BaseException) -> bool:
    """After this failure, could Telegram have carried the request out anyway?"""
    cause = _httpx_cause(exc)
    if cause is None:
        # No transport failure: Telegram answered (an error status such as 5xx) or PTB refused
        # before sending. Nothing was done.
        return False
    return not isinstance(cause, _NOT_WRITTEN)


def describe(exc: BaseException) -> str:
    """One short line: the exception type and the transport cause, never a URL (token)."""
    cause = _httpx_cause(exc)
    name = type(exc).__name__
    if cause is not None and cause is not exc:
        return f"{name} ({type(cause).__name__})"
    text = str(exc).split("\n", 1)[0][:160]
    return f"{name}: {text}" if text else name
