"""Keeping the sender's tracking message true (pure): which tracking messages to edit now.

A tracking message is edited when it no longer shows its notice as it stands: the notice
changed since it was last shown (`rev` ahead of `shown_rev`, kept with the notice, so a restart
still knows), or who can be reached changed (a send refused with a 403, someone who started the
bot), seen by comparing with what the message last showed (kept in memory).

Whoever changes a notice (a press of 收到, a change, the tick's resends) edits its tracking at
once; two edits of one message are at least EDIT_GAP apart on the one clock, so what arrives
together is shown in one edit. The tick's sweep shows the rest: what changed at least EDIT_GAP
ago and is not shown yet, and changes of who can be reached. It leaves a younger change to
whoever made it (not to race them: the sender sees their edits in the order they happen) —
unless it was made before the tracking message's send was recorded, when its maker found no
message to edit.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from bot.notices.rules import Notice
from bot.notices.views import NoticeTracking

EDIT_GAP = timedelta(seconds=1)


class TrackingPacer:
    """What each tracking message last showed, and when it was last edited (this process)."""

    def __init__(self) -> None:
        self._shown: dict[int, NoticeTracking] = {}
        self._edited_at: dict[int, datetime] = {}
        # The notice's revision when its tracking message's id became known: a change up to
        # it was made while nobody could edit the message (its send not yet recorded).
        self._known_at_rev: dict[int, int] = {}

    def sent(self, number: int, shows: NoticeTracking, *, rev: int | None = None) -> None:
        """The tracking message of notice `number` went out showing `shows`; its id is known
        now, when the notice is at revision `rev`."""
        self._shown[number] = shows
        if rev is not None:
            self._known_at_rev[number] = rev

    def due(
        self, notice: Notice, shows: NoticeTracking, now: datetime, *, sweep: bool = False
    ) -> bool:
        """Edit the notice's tracking message now, to show `shows`? `sweep`: asked by the
        tick, for whatever was not shown."""
        if notice.tracking_message_id is None:
            return False
        # Not seen since the start: the message shows what the notice says (unless rev tells).
        shown = self._shown.setdefault(notice.number, shows)
        changed = notice.rev > notice.shown_rev
        if not changed and shown == shows:
            return False
        just_now = notice.updated_at is not None and now - notice.updated_at < EDIT_GAP
        editable = notice.rev > self._known_at_rev.get(notice.number, -1)
        if sweep and changed and just_now and editable:
            return False  # whoever changed it just now shows it (unless they could not)
        last = self._edited_at.get(notice.number)
        return last is None or now - last >= EDIT_GAP

    def editing(self, number: int, now: datetime) -> None:
        """An edit starts (before it is awaited: a tick running alongside leaves it alone)."""
        self._edited_at[number] = now

    def shown(self, number: int, shows: NoticeTracking) -> None:
        """The edit went through (or was not needed): the message shows `shows`."""
        self._shown[number] = shows

    def keep_only(self, numbers: Collection[int]) -> None:
        """Forget notices with nothing left to do, so memory stays flat."""
        for table in (self._shown, self._edited_at, self._known_at_rev):
            for number in [n for n in table if n not in numbers]:
                del table[number]
