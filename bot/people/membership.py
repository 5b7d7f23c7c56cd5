"""Who is still in which group, as Telegram last said: answers kept a while (pure).

Asking Telegram (getChatMember) for every private look-up would cost a call each time and, in
a busy group, eat into what the bot may send there; so an answer is kept for `ttl` and dropped
as soon as an update says the person joined or left (chat_member, new/left chat member).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from bot.core.clock import Clock

MEMBERSHIP_TTL = timedelta(minutes=10)
_MAX_ENTRIES = 4096

#: Ask Telegram whether user (2nd) is in group (1st): True/False, or None if it could not tell.
AskMember = Callable[[int, int], Awaitable[bool | None]]
#: Is the person at hand in this group? (a check bound to one person, for one update)
MemberCheck = Callable[[int], Awaitable[bool]]


class MembershipCache:
    """(group, user) → member or not, until `ttl` passes or an update says otherwise."""

    def __init__(self, clock: Clock, ttl: timedelta = MEMBERSHIP_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._answers: dict[tuple[int, int], tuple[bool, datetime]] = {}

    def get(self, chat_id: int, user_id: int) -> bool | None:
        """The kept answer, or None when there is none (or it is too old)."""
        kept = self._answers.get((chat_id, user_id))
        if kept is None:
            return None
        member, until = kept
        if self._clock.now() >= until:
            del self._answers[(chat_id, user_id)]
            return None
        return member

    def put(self, chat_id: int, user_id: int, member: bool) -> None:
        now = self._clock.now()
        if len(self._answers) >= _MAX_ENTRIES:  # keep memory flat: drop what has expired
            self._answers = {k: v for k, v in self._answers.items() if v[1] > now}
        self._answers[(chat_id, user_id)] = (member, now + self._ttl)

    def forget(self, chat_id: int, user_ids: Iterable[int]) -> None:
        """They joined or left: ask Telegram again next time."""
        for user_id in user_ids:
            self._answers.pop((chat_id, user_id), None)

    async def check(self, chat_id: int, user_id: int, ask: AskMember) -> bool:
        """Kept, else asked (and kept); an unanswered question counts as "no" and is not kept."""
        member = self.get(chat_id, user_id)
        if member is not None:
            return member
        answer = await ask(chat_id, user_id)
        if answer is None:
            return False
        self.put(chat_id, user_id, answer)
        return answer
