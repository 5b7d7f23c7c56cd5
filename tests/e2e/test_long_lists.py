"""Issue #15 end to end: long lists never exceed Telegram's 4,096 characters — a group of 60
people and 300 open tasks: /tasks, /my, /assigned, the morning digest, a notice's tracking and
its group post, and the message about someone who left with many tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.paging import TELEGRAM_TEXT_LIMIT
from bot.people.models import Person, Workspace
from bot.sim.fake_api import FakeUser
from bot.sim.runner import BotRunner
from bot.tasks.models import Assignee, Priority, Task, TaskEvent
from tests.e2e.groups_world import sent
from tests.e2e.office import buttons

GROUP = -100300
PEOPLE = 60
TASKS = 300


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.fixture
async def crowd(env: BotRunner) -> list[FakeUser]:
    """60 people in one group (the first 40 started the bot), 300 open tasks from 李主任 (user
    0 of them): half to 张三 (user 1), the rest spread over everyone, some with long titles."""
    fake, db = env.fake, env.db
    users = [
        fake.add_user(
            1000 + i,
            f"同事{i:02d}号" if i > 1 else ("李主任" if i == 0 else "张三"),
            username=f"user{i:02d}",
        )
        for i in range(PEOPLE)
    ]
    fake.add_group(GROUP, "大办公室", members=users, admins=[users[0]])
    now = env.clock.now()
    for i, u in enumerate(users):
        started = i < 40
        if started:
            fake.mark_started(u)
        db.put_person(
            Person(u.id, u.username, u.first_name, started=started, chats=(GROUP,), updated_at=now)
        )
    db.put_workspace(Workspace(GROUP, "大办公室", members=tuple(u.id for u in users)))
    with db.transaction(f"g{GROUP}") as tx:
        for n in range(1, TASKS + 1):
            who = users[1] if n % 2 else users[2 + n % (PEOPLE - 2)]
            long = n % 17 == 0 or n <= 20
            if n <= 20:
                who = users[3]  # ten or more long titles on one page of /my
            title = (
                (f"核对第{n}批报表" + "并补充说明材料" * 60) if long else f"核对第{n}批报表和说明"
            )
            tx.put_task(
                Task(
                    number=db.next_task_number(),
                    space=f"g{GROUP}",
                    chat_id=GROUP,
                    title=title[:500],
                    assigner=users[0].id,
                    assignees=(Assignee(user_id=who.id),),
                    created_at=now,
                    due=now + timedelta(days=3 + n % 9),
                    priority=Priority.URGENT if n % 5 == 0 else Priority.NORMAL,
                    events=(TaskEvent(at=now, actor=users[0].id, action="created"),),
                    updated_at=now,
                )
            )
    return users


def _no_message_too_long(env: BotRunner) -> None:
    refused = [c for c in env.fake.calls if not c.ok and "too long" in str(c.response)]
    assert not refused, refused[:1]


async def test_tasks_in_the_group_split_into_messages_that_fit(env, crowd):
    fake = env.fake
    mark = fake.mark()
    fake.send_message(crowd[0], GROUP, "/tasks")
    await env.settle()
    pages = sent(fake, GROUP, mark)
    assert len(pages) > 1
    assert all(_length(p.text) <= TELEGRAM_TEXT_LIMIT for p in pages)
    shown = "\n".join(p.text for p in pages)
    assert all(f"#{n} " in shown for n in range(1, TASKS + 1))
    _no_message_too_long(env)


async def test_my_assigned_and_the_digest_fit_in_one_message_each(env, crowd):
    fake = env.fake
    leader, zhang = crowd[0], crowd[1]
    mark = fake.mark()
    fake.send_message(zhang, fake.private_chat(zhang), "/my")
    await env.settle()
    page = sent(fake, zhang.id, mark)[-1]
    assert "我的待办" in page.text and _length(page.text) <= TELEGRAM_TEXT_LIMIT
    fake.press_button(zhang, zhang.id, page.message_id, "下一页")
    await env.settle()
    page = fake.message(zhang.id, page.message_id)
    assert "2/" in page.text and _length(page.text) <= TELEGRAM_TEXT_LIMIT
    other = crowd[3]
    fake.send_message(other, fake.private_chat(other), "/my")
    await env.settle()
    long_page = sent(fake, other.id, mark, "我的待办")[-1]
    assert _length(long_page.text) <= TELEGRAM_TEXT_LIMIT and "…" in long_page.text
    fake.send_message(leader, fake.private_chat(leader), "/assigned")
    fake.send_message(leader, fake.private_chat(leader), "/digest now")
    fake.send_message(zhang, fake.private_chat(zhang), "/digest now")
    await env.settle()
    for who in (leader, zhang):
        for msg in sent(fake, who.id, mark):
            assert _length(msg.text) <= TELEGRAM_TEXT_LIMIT
    assert sent(fake, leader.id, mark, "我交办的")
    assert sent(fake, leader.id, mark, "早报") and sent(fake, zhang.id, mark, "早报")
    _no_message_too_long(env)


async def test_a_notice_to_60_people_keeps_its_tracking_and_group_post_within_the_limit(env, crowd):
    fake = env.fake
    leader = crowd[0]
    names = " ".join(f"@{u.username}" for u in crowd[1:])
    fake.send_message(leader, GROUP, f"/roster new 全体同事 {names}")
    await env.settle()
    mark = fake.mark()
    fake.send_message(
        leader, GROUP, "/notify 全体同事 明天上午9点在三楼大会议室开全体会，请准时参加"
    )
    await env.settle()
    tracking = sent(fake, leader.id, mark, "全体会")
    post = sent(fake, GROUP, mark, "全体会")
    assert tracking and post
    for msg in (*tracking, *post):
        assert _length(msg.text) <= TELEGRAM_TEXT_LIMIT
    # Confirmations keep editing the tracking; it stays within the limit.
    for u in crowd[2:30]:
        card = next((m for m in fake.bot_messages(u.id) if "全体会" in m.text), None)
        if card is not None and buttons(card):
            fake.press_button(u, u.id, card.message_id, "收到")
    await env.settle()
    await env.tick()
    await env.settle()
    latest = fake.message(leader.id, tracking[0].message_id)
    assert _length(latest.text) <= TELEGRAM_TEXT_LIMIT
    _no_message_too_long(env)


async def test_someone_with_150_tasks_leaves_and_the_assigner_hears_it_in_one_message(env, crowd):
    fake = env.fake
    leader, zhang = crowd[0], crowd[1]
    mark = fake.mark()
    fake.remove_member(GROUP, zhang, notify=True, by=leader)
    await env.settle()
    (told,) = sent(fake, leader.id, mark)
    assert "张三 已离开" in told.text and _length(told.text) <= TELEGRAM_TEXT_LIMIT
    assert "还有" in told.text  # the rest, counted
    assert 0 < len(buttons(told)) <= 20
    _no_message_too_long(env)
