"""Space ids: where a chat's records live — one shard per group, one per person. Pure.

Every part of the bot names a space through these functions (storage lays the files out by
them); nothing else writes the `g…` / `p…` form by hand.
"""

from __future__ import annotations

from typing import NewType

SpaceId = NewType("SpaceId", str)


def group_space(chat_id: int) -> SpaceId:
    """A group's space (group chat ids are negative)."""
    return SpaceId(f"g{chat_id}")


def private_space(user_id: int) -> SpaceId:
    """A person's own space: their private tasks, settings and digests."""
    return SpaceId(f"p{user_id}")


def space_of_chat(chat_id: int, user_id: int) -> SpaceId:
    """The space a chat's records live in: the group's for a group, else the person's own."""
    return group_space(chat_id) if chat_id < 0 else private_space(user_id)
