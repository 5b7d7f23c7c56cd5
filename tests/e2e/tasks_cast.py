"""The cast of the issue-#13 tests, in Chinese or in English: an office group with its leader,
two colleagues and an outsider, every one started and known to the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.sim.fake_api import BotMessage, FakeBotAPI, FakeChat, FakeUser
from bot.sim.runner import BotRunner
from bot.tasks.models import Task

SH = ZoneInfo("Asia/Shanghai")
_NAMES = {
    "zh": ("李主任", "张三", "王五", "路人", "办公室"),
    "en": ("Director Li", "Zhang San", "Wang Wu", "Passer-by", "Office"),
}
_LANG_CODE = {"zh": "zh-hans", "en": "en"}
_HELLO = {"zh": "你好", "en": "Hello"}


@dataclass
class Cast:
    env: BotRunner
    fake: FakeBotAPI
    group: FakeChat
    leader: FakeUser
    zhang: FakeUser
    wang: FakeUser
    stranger: FakeUser
    lang: str

    def dm(self, user: FakeUser, text: str, **kw: Any) -> dict[str, Any]:
        """`user` writes to the bot privately."""
        return self.fake.send_message(user, self.fake.private_chat(user), text, **kw)

    def say(self, user: FakeUser, text: str, **kw: Any) -> dict[str, Any]:
        """`user` writes in the group."""
        return self.fake.send_message(user, self.group, text, **kw)

    def task(self, number: int) -> Task:
        assert self.env.db is not None
        task = self.env.db.get_task(number)
        assert task is not None
        return task

    def since(self, user: FakeUser | FakeChat, mark: int) -> list[BotMessage]:
        """What the bot sent (or edited) to `user` since `mark`."""
        return [m for m in self.fake.bot_messages(user.id) if m.seq > mark or m.edit_seq > mark]

    async def quiet(self) -> None:
        """Let whatever the bot is still sending arrive (to check that nothing does)."""
        await self.env.tick()
        await self.env.settle()


async def make_cast(env: BotRunner, lang: str) -> Cast:
    """李主任 (group admin), 张三, 王五 in 办公室, and 路人 outside it — or their English
    namesakes, with the bot's default language English."""
    if lang == "en":
        await env.stop(stop_fake=False)
        env.configure(lang="en")
        await env.start()
    fake = env.fake
    leader_name, zhang_name, wang_name, stranger_name, group_name = _NAMES[lang]
    code = _LANG_CODE[lang]
    leader = fake.add_user(10, leader_name, username="lizhuren", language_code=code)
    zhang = fake.add_user(11, zhang_name, username="zhangsan", language_code=code)
    wang = fake.add_user(12, wang_name, username="wangwu", language_code=code)
    stranger = fake.add_user(13, stranger_name, username="luren", language_code=code)
    members = [leader, zhang, wang]
    group = fake.add_group(-100100, group_name, members=members, admins=[leader])
    for u in (leader, zhang, wang, stranger):
        fake.send_message(u, fake.private_chat(u), "/start")
        await fake.wait_for_message(u.id, contains=_HELLO[lang])
    for u in members:
        fake.send_message(u, group, "hi all" if lang == "en" else "大家好")
    db = env.context().bot_data.db
    ids = {u.id for u in members}
    await fake.wait_for(lambda: (ws := db.get_workspace(group.id)) and ids <= set(ws.members))
    return Cast(env, fake, group, leader, zhang, wang, stranger, lang)


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the simulated week: 30 = Monday 30 November 2026, 1-6 = December."""
    month = 11 if day == 30 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=SH)
