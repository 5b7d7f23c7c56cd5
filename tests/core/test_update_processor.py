"""Per-chat order, cross-chat concurrency (bot/core/updates.py ChatOrderedProcessor)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from telegram import Update

from bot.core.updates import ChatOrderedProcessor, chat_key


def _update(update_id: int, chat_id: int | None, user_id: int = 7) -> Update:
    data: dict[str, object] = {"update_id": update_id}
    if chat_id is not None:
        data["message"] = {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
            "from": {"id": user_id, "is_bot": False, "first_name": "x"},
            "text": "hi",
        }
    else:
        data["callback_query"] = {
            "id": str(update_id),
            "from": {"id": user_id, "is_bot": False, "first_name": "x"},
            "chat_instance": "1",
            "inline_message_id": "abc",
            "data": "x",
        }
    update = Update.de_json(data, None)
    assert update is not None
    return update


async def test_one_chat_in_order_and_other_chats_meanwhile():
    processor = ChatOrderedProcessor(8)
    await processor.initialize()
    done: list[int] = []
    processor.on_done = lambda u: done.append(u.update_id)  # type: ignore[attr-defined]
    gates = {i: asyncio.Event() for i in range(1, 6)}
    updates = [_update(1, 10), _update(2, 10), _update(3, 10), _update(4, 20), _update(5, -30)]
    started: list[int] = []

    async def handle(update: Update) -> None:
        started.append(update.update_id)
        await gates[update.update_id].wait()

    tasks = [asyncio.create_task(processor.process_update(u, handle(u))) for u in updates]
    await asyncio.sleep(0.01)
    # Chat 10 holds 2 and 3 back behind 1; chats 20 and -30 are not held up by it.
    assert started == [1, 4, 5]
    gates[4].set()
    gates[5].set()
    await asyncio.sleep(0.01)
    assert started == [1, 4, 5] and done == [4, 5]
    for i in (1, 2, 3):
        gates[i].set()
    await asyncio.gather(*tasks)
    assert started == [1, 4, 5, 2, 3]
    assert done == [4, 5, 1, 2, 3]


async def test_concurrency_is_bounded_but_a_busy_chat_takes_one_slot():
    processor = ChatOrderedProcessor(2)
    await processor.initialize()
    gate = asyncio.Event()
    running = 0
    most = 0

    async def handle() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await gate.wait()
        running -= 1

    busy = [_update(i, 10) for i in range(1, 50)]  # one chat's backlog
    others = [_update(100 + i, 1000 + i) for i in range(5)]
    tasks = [asyncio.create_task(processor.process_update(u, handle())) for u in busy + others]
    await asyncio.sleep(0.01)
    assert running == 2  # chat 10's first update and one other chat: the backlog waits aside
    gate.set()
    await asyncio.gather(*tasks)
    assert most == 2


async def test_stopping_leaves_waiting_updates_undone_and_cancels_late_ones():
    processor = ChatOrderedProcessor(4)
    await processor.initialize()
    done: list[int] = []
    processor.on_done = lambda u: done.append(u.update_id)  # type: ignore[attr-defined]
    forever = asyncio.Event()
    ran: list[int] = []

    async def handle(update: Update) -> None:
        ran.append(update.update_id)
        await forever.wait()

    updates = [_update(1, 10), _update(2, 10), _update(3, 20)]
    tasks = [asyncio.create_task(processor.process_update(u, handle(u))) for u in updates]
    await asyncio.sleep(0.01)
    assert ran == [1, 3]
    cancelled = await processor.finish(0.05)
    assert cancelled == 2
    await asyncio.gather(*tasks, return_exceptions=True)
    assert ran == [1, 3]  # 2 never started: it stays in the inbox for the next start
    assert done == []


def test_what_orders_an_update():
    assert chat_key(_update(1, 10)) == ("chat", 10)
    assert chat_key(_update(2, None, user_id=5)) == ("user", 5)  # an inline message's button
    assert chat_key(object()) is None


async def test_a_backlog_starts_a_few_updates_per_loop_turn():
    """Handling an update is mostly synchronous: a backlog started all in one turn would hold
    the event loop (and the sends waiting in it) for the whole batch."""
    processor = ChatOrderedProcessor(32, starts_per_turn=2)
    await processor.initialize()
    turn = 0
    started: list[int] = []

    async def handle() -> None:
        started.append(turn)

    async def clock() -> None:
        nonlocal turn
        for _ in range(10):
            await asyncio.sleep(0)
            turn += 1

    updates = [_update(i, 100 + i) for i in range(6)]  # six chats, all ready at once
    await asyncio.gather(clock(), *(processor.process_update(u, handle()) for u in updates))
    assert max(Counter(started).values()) <= 2
    assert len(started) == 6


async def test_demand_counts_a_chats_updates_of_the_last_window(monkeypatch):
    """What the rate limiter ranks answers by: a chat that pasted five updates has demand 5,
    one that wrote once 1, one that said nothing 0; after the window they are forgotten."""
    monkeypatch.setattr("bot.core.updates.DEMAND_WINDOW", 0.2)
    processor = ChatOrderedProcessor(8)
    await processor.initialize()

    async def handle() -> None:
        return None

    burst = [_update(i, 10) for i in range(1, 6)]
    await asyncio.gather(*(processor.process_update(u, handle()) for u in burst))
    await processor.process_update(_update(6, 20), handle())
    assert (processor.demand(10), processor.demand(20), processor.demand(30)) == (5, 1, 0)
    assert processor.demand("@channel") == 0
    await asyncio.sleep(0.25)
    assert (processor.demand(10), processor.demand(20)) == (0, 0)


async def test_a_quiet_chat_is_not_overtaken_by_a_busy_chats_next_updates():
    """One start per turn of the loop, first come first served: while a colleague's twenty
    pasted tasks are handled one after the other, a /start from someone else that came
    after the first of them starts next — not after all twenty (it once waited the burst out:
    each of the busy chat's next updates took the free turn before it)."""
    processor = ChatOrderedProcessor(8)
    await processor.initialize()
    started: list[int] = []

    async def handle(update: Update) -> None:
        started.append(update.update_id)
        time.sleep(0.001)  # noqa: ASYNC251 - a handler's synchronous part (parse, commit)

    busy = [_update(i, 10) for i in range(1, 21)]
    jobs = [asyncio.ensure_future(processor.process_update(u, handle(u))) for u in busy]
    await asyncio.sleep(0)
    quiet = _update(100, 20)
    jobs.append(asyncio.ensure_future(processor.process_update(quiet, handle(quiet))))
    await asyncio.gather(*jobs)
    assert started.index(100) <= 2, started
