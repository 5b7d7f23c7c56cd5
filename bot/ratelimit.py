"""Telegram's send limits: PTB's AIORateLimiter (30/s overall, 20/min per group, 429 retried)
plus 1 message/s per private chat, which AIORateLimiter does not pace."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

JSONish = bool | dict[str, Any] | list[dict[str, Any]]


class OfficeRateLimiter(AIORateLimiter):
    """AIORateLimiter with an extra 1/s limiter per private chat."""

    def __init__(self, *, max_retries: int = 3, private_rate: float = 1.0) -> None:
        super().__init__(max_retries=max_retries)
        self._private_rate = private_rate
        self._private: dict[int, AsyncLimiter] = {}

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private) > 4096:  # forget idle limiters so memory stays flat
            for key, lim in list(self._private.items()):
                if lim.has_capacity(lim.max_rate):
                    del self._private[key]
        if chat_id not in self._private:
            self._private[chat_id] = AsyncLimiter(1, self._private_rate)
        return self._private[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONish]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONish:
        chat_id = data.get("chat_id")
        if isinstance(chat_id, int) and chat_id > 0 and endpoint.startswith("send"):
            async with self._private_limiter(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
