"""The index of "the next moment something is due", per task number or per person (pure).

A heap of (moment, key) with the current moment of each key beside it: a key planned again
simply gets a new heap entry, and the stale ones are skipped when they come up.
"""

from __future__ import annotations

import heapq
from datetime import datetime, tzinfo


class DueIndex:
    """Next moments by int key (a task number or a user id)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int]] = []  # (moment, key); stale ones skipped
        self._next: dict[int, float] = {}  # key → its current moment

    def __len__(self) -> int:
        return len(self._next)

    def __contains__(self, key: object) -> bool:
        return key in self._next

    def clear(self) -> None:
        self._heap.clear()
        self._next.clear()

    def plan(self, key: int, moment: datetime | None) -> None:
        """Set the key's next moment (None: nothing to come)."""
        if moment is None:
            self._next.pop(key, None)
            return
        ts = moment.timestamp()
        if self._next.get(key) != ts:
            self.put(key, ts)

    def put(self, key: int, ts: float) -> None:
        """Set the key's next moment (a timestamp), even if it is the same again."""
        self._next[key] = ts
        heapq.heappush(self._heap, (ts, key))

    def discard(self, key: int) -> None:
        self._next.pop(key, None)

    def first(self, tz: tzinfo) -> datetime | None:
        """The earliest current moment (in `tz`), dropping stale heap entries on the way."""
        while self._heap and self._next.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        return datetime.fromtimestamp(self._heap[0][0], tz=tz) if self._heap else None

    def pop_due(self, limit: float, most: int | None = None) -> list[int]:
        """Take off the keys due by `limit` (a timestamp), earliest first, at most `most`."""
        out: list[int] = []
        while self._heap and self._heap[0][0] <= limit and (most is None or len(out) < most):
            ts, key = heapq.heappop(self._heap)
            if self._next.get(key) != ts:
                continue
            del self._next[key]
            out.append(key)
        return out


__all__ = ["DueIndex"]
