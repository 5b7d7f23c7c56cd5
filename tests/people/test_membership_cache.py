"""Kept membership answers: fresh for ten minutes, dropped at once when someone joins or leaves."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.clock import ManualClock
from bot.people.membership import MEMBERSHIP_TTL, MembershipCache

START = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GROUP, ZHANG, WANG = -100100, 11, 12


class Telegram:
    """Answers getChatMember from a set of members, counting the questions."""

    def __init__(self, members: set[int], *, down: bool = False) -> None:
        self.members = members
        self.down = down
        self.asked: list[tuple[int, int]] = []

    async def __call__(self, chat_id: int, user_id: int) -> bool | None:
        self.asked.append((chat_id, user_id))
        return None if self.down else user_id in self.members


async def test_an_answer_is_kept_for_ten_minutes_then_asked_again():
    clock = ManualClock(START)
    cache = MembershipCache(clock)
    telegram = Telegram({ZHANG})
    assert await cache.check(GROUP, ZHANG, telegram)
    assert await cache.check(GROUP, ZHANG, telegram)
    assert not await cache.check(GROUP, WANG, telegram)
    assert not await cache.check(GROUP, WANG, telegram)
    assert len(telegram.asked) == 2
    clock.advance(MEMBERSHIP_TTL - timedelta(seconds=1))
    assert await cache.check(GROUP, ZHANG, telegram)
    assert len(telegram.asked) == 2
    clock.advance(timedelta(seconds=1))
    assert await cache.check(GROUP, ZHANG, telegram)
    assert len(telegram.asked) == 3


async def test_a_join_or_leave_drops_the_kept_answer():
    cache = MembershipCache(ManualClock(START))
    telegram = Telegram({ZHANG})
    assert await cache.check(GROUP, ZHANG, telegram)
    telegram.members.clear()
    cache.forget(GROUP, [ZHANG])
    assert not await cache.check(GROUP, ZHANG, telegram)
    assert telegram.asked == [(GROUP, ZHANG), (GROUP, ZHANG)]


async def test_no_answer_counts_as_no_and_is_not_kept():
    cache = MembershipCache(ManualClock(START))
    telegram = Telegram({ZHANG}, down=True)
    assert not await cache.check(GROUP, ZHANG, telegram)
    assert cache.get(GROUP, ZHANG) is None
    telegram.down = False
    assert await cache.check(GROUP, ZHANG, telegram)


def test_expired_answers_are_dropped_when_the_cache_is_full():
    clock = ManualClock(START)
    cache = MembershipCache(clock, ttl=timedelta(minutes=1))
    for user in range(4096):
        cache.put(GROUP, user, True)
    clock.advance(timedelta(minutes=2))
    cache.put(GROUP, 99999, True)
    assert len(cache._answers) == 1
