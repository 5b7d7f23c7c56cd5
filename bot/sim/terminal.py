"""The terminal chat of `officebot simulate`: act as several people, see everything the bot sends.

One `Simulator` drives a started `BotRunner` (the real bot against the fake Bot API, manual
clock). `handle(line)` takes one line as typed: a simulator command (`/as`, `/in`, `/press`,
`/reply`, `/edit`, `/leave`, `/wait`, `/who`, `/sim`, `/quit`, or a bare button number) or a message from the
current person in the current chat, which goes to the bot. It then waits until the bot is
quiet and writes what the bot sent since — to anyone, in send order, with messages numbered
`(n)` and buttons `[n]` — to `out`. Output depends only on the inputs and the simulated clock,
so a scripted session prints the same transcript every time.
"""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from bot.core.config import Lang
from bot.core.fmt import format_when
from bot.core.i18n import t_plain
from bot.sim.fake_api import BotMessage, FakeBotAPI, FakeChat, FakeUser
from bot.sim.runner import BotRunner

# Lines starting with one of these are the simulator's; none of them is a bot command
# (bot.commands.MENU, /start): tests/sim/test_simulator_unit.py checks.
SIM_COMMANDS: Final = (
    "as",
    "in",
    "press",
    "reply",
    "edit",
    "leave",
    "wait",
    "file",
    "who",
    "sim",
    "quit",
    "exit",
)

FIRST_USER_ID: Final = 1001
GROUP_ID: Final = -1001001
QUIET: Final = 0.3  # seconds without a new bot message before the bot counts as done
SCRIPT_QUIET: Final = 0.15  # replaying: every update is known to be handled before this starts
MAX_SETTLE: Final = 90.0  # a bound for one input (the bot may pace its sends)
MAX_WAIT: Final = timedelta(days=31)

_GROUP_WORDS: Final = frozenset({"群", "群里", "群聊", "group", "the group"})
_PRIVATE_WORDS: Final = frozenset({"私聊", "私信", "私下", "private", "dm", "pm"})
_USERNAME_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_DURATION_RE: Final = re.compile(
    r"^\s*(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*(?:m|min))?"
    r"\s*(?:(?P<s>\d+)\s*s)?\s*$",
    re.IGNORECASE,
)
_TAG_RE: Final = re.compile(r"<[^>]+>")


def username_for(name: str, taken: set[str]) -> str:
    """A Telegram-style username from a (Chinese) name: pinyin, ASCII letters and digits."""
    from pypinyin import lazy_pinyin

    raw = "".join(lazy_pinyin(name)).lower()
    base = re.sub(r"[^a-z0-9_]", "", raw)
    if not base or not base[0].isalpha():
        base = f"user{base}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def parse_duration(text: str) -> timedelta | None:
    """`2h`, `30m`, `1d`, `1h30m`, `90s` → a timedelta; anything else → None."""
    m = _DURATION_RE.match(text)
    if not m or not any(m.groupdict().values()):
        return None
    parts = {k: int(v) for k, v in m.groupdict().items() if v}
    return timedelta(
        days=parts.get("d", 0),
        hours=parts.get("h", 0),
        minutes=parts.get("m", 0),
        seconds=parts.get("s", 0),
    )


def _rows(msg: BotMessage) -> list[list[Any]]:
    """The keyboard rows of a message: inline buttons, or a reply keyboard's."""
    markup = msg.reply_markup or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [list(row) for row in rows if isinstance(row, list)]


def _plain(text: str) -> str:
    return html.unescape(_TAG_RE.sub("", text))


def _next_minute(at: datetime) -> datetime:
    """The next whole minute after `at` (the simulated clock moves by whole minutes)."""
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


@dataclass
class Person:
    """Someone the user can act as."""

    name: str
    user: FakeUser
    started: bool = False


@dataclass(frozen=True)
class ButtonRef:
    """What button `[n]` was when it was shown."""

    chat_id: int
    message_id: int
    label: str
    callback_data: str | None  # None: a reply-keyboard button (pressing sends its text)
    request_contact: bool = False


@dataclass
class _Prompt:
    """An unanswered ForceReply: plain text typed there by `for_user` answers it."""

    message_id: int
    for_user: int | None  # None: whoever types in that (private) chat


@dataclass
class Simulator:
    """The simulator's state: the cast, who and where you are, what has been shown."""

    runner: BotRunner
    lang: Lang = "zh"
    out: Callable[[str], None] = print
    quiet: float = QUIET
    echo: bool = False  # script mode: print each input after its prompt
    people: list[Person] = field(default_factory=list)
    me: Person | None = None
    in_group: bool = True
    group: FakeChat | None = None
    topic: int | None = None  # the forum topic you speak in (None: General)
    _topics: dict[str, int] = field(default_factory=dict)  # topic name -> message_thread_id
    _msg_numbers: dict[tuple[int, int], int] = field(default_factory=dict)
    _msg_refs: dict[int, tuple[int, int]] = field(default_factory=dict)
    _buttons: dict[int, ButtonRef] = field(default_factory=dict)
    _shown_edits: dict[tuple[int, int], int] = field(default_factory=dict)
    _deleted: set[tuple[int, int]] = field(default_factory=set)
    _prompts: dict[int, _Prompt] = field(default_factory=dict)
    _last_own: dict[tuple[int, int], int] = field(default_factory=dict)
    _seen_seq: int = 0
    _seen_answers: int = 0
    _seen_errors: int = 0
    _next_button: int = 1
    _next_user_id: int = FIRST_USER_ID
    _actor: int | None = None
    log_path: str = "-"

    # ------------------------------------------------------------------ words

    def _t(self, key: str, **values: object) -> str:
        return t_plain(self.lang, f"sim.{key}", **values)

    def _say(self, key: str, **values: object) -> None:
        self.out(self._t(key, **values))

    @property
    def fake(self) -> FakeBotAPI:
        return self.runner.fake

    # ------------------------------------------------------------------ the cast

    def _new_person(self, name: str, username: str | None = None) -> Person:
        taken = {p.user.username or "" for p in self.people}
        uname = username or username_for(name, taken)
        user = self.fake.add_user(
            self._next_user_id,
            name,
            username=uname,
            language_code="en" if self.lang == "en" else "zh-hans",
        )
        self._next_user_id += 1
        person = Person(name, user)
        self.people.append(person)
        return person

    async def setup_cast(self) -> None:
        """李主任 (group admin), 张三, 王五 in the group 办公室; all started, all seen in the group."""
        fake = self.fake
        leader = self._new_person(self._t("cast_leader"), "lizhuren")
        zhang = self._new_person(self._t("cast_zhang"), "zhangsan")
        wang = self._new_person(self._t("cast_wang"), "wangwu")
        users = [p.user for p in self.people]
        self.group = fake.add_group(
            GROUP_ID, self._t("cast_group"), members=users, admins=[leader.user]
        )
        for person in (leader, zhang, wang):
            fake.send_message(person.user, fake.private_chat(person.user), "/start")
            person.started = True
            # Plain talk in the group: the bot ignores it but learns who the members are.
            fake.send_message(person.user, self.group, "👋")
        await self._settle()
        self.me = leader
        self._seen_seq = fake.mark()
        self._seen_answers = len(fake.callback_answers)
        self._seen_errors = len(fake.internal_errors)

    def banner(self, *, data_dir: str | None) -> None:
        assert self.me is not None and self.group is not None
        self._say("banner")
        self.out(self._t("data_dir", path=data_dir) if data_dir else self._t("data_temp"))
        self._say("clock", when=self._now_text())
        people = "、" if self.lang == "zh" else ", "
        listed = people.join(
            f"{p.name} @{p.user.username}"
            + (f"（{self._t('leader_role')}）" if i == 0 and self.lang == "zh" else "")
            + (f" ({self._t('leader_role')})" if i == 0 and self.lang == "en" else "")
            for i, p in enumerate(self.people)
        )
        self._say("cast", people=listed, group=self.group.title)
        self._say("you_are", name=self.me.name, where=self._where_text())

    # ------------------------------------------------------------------ where am I

    def _chat(self) -> FakeChat:
        assert self.me is not None and self.group is not None
        return self.group if self.in_group else self.fake.private_chat(self.me.user)

    def _topic_name(self, thread: int | None) -> str | None:
        return next((name for name, tid in self._topics.items() if tid == thread), None)

    def _where_text(self) -> str:
        assert self.me is not None and self.group is not None
        if self.in_group and self.topic is not None:
            topic = self._topic_name(self.topic) or str(self.topic)
            return self._t("where_topic", title=self.group.title, topic=topic)
        if self.in_group:
            return self._t("where_group", title=self.group.title)
        return self._t("where_private", name=self.me.name)

    def prompt(self) -> str:
        assert self.me is not None and self.group is not None
        where = (self.group.title or "") if self.in_group else self._t("prompt_private")
        if self.in_group and self.topic is not None:
            where += f" #{self._topic_name(self.topic)}"
        return f"[{self.me.name} @ {where}]> "

    def _now_text(self) -> str:
        now = self.runner.clock.now()
        return format_when(now, self.lang, self.runner.settings.tz)

    def _person_by_id(self, user_id: int) -> Person | None:
        return next((p for p in self.people if p.user.id == user_id), None)

    def _chat_label(self, chat_id: int, thread: int | None = None) -> str:
        if chat_id > 0:
            person = self._person_by_id(chat_id)
            return self._t("to_private", name=person.name if person else str(chat_id))
        title = self.group.title if self.group and self.group.id == chat_id else str(chat_id)
        label = self._t("to_group", title=title)
        topic = self._topic_name(thread)
        return f"{label} #{topic}" if topic else label

    # ------------------------------------------------------------------ one line

    async def handle(self, line: str) -> bool:
        """Act on one input line; False once the user wants to leave."""
        try:
            return await self._handle(line)
        except ValueError as exc:  # the fake refused the action (e.g. a message that is gone)
            self._say("refused", error=str(exc))
            return True

    async def _handle(self, line: str) -> bool:
        text = line.strip()
        if self.echo:
            self.out(f"{self.prompt()}{text}")
        if not text:
            return True
        if text.startswith("\\"):
            await self._send(text[1:])
            return True
        if text.isdigit():
            await self._press(text)
            return True
        m = re.match(r"^[/:](\w+)(?:@\S+)?(?:\s+(.*))?$", text, re.DOTALL)
        if m and m.group(1).lower() in SIM_COMMANDS:
            name, rest = m.group(1).lower(), (m.group(2) or "").strip()
            if name in ("quit", "exit"):
                self._say("quit")
                return False
            handler: dict[str, Callable[[str], Any]] = {
                "as": self._as,
                "in": self._in,
                "press": self._press,
                "reply": self._reply,
                "edit": self._edit,
                "leave": self._leave,
                "wait": self._wait,
                "file": self._file,
                "who": self._who,
                "sim": self._help,
            }
            result = handler[name](rest)
            if asyncio.iscoroutine(result):
                await result
            return True
        if text.startswith(":") and text[1:].strip().lower() in ("help", "?"):
            self._help("")
            return True
        await self._send(text)
        return True

    def _help(self, _rest: str) -> None:
        self._say("help")

    def _who(self, _rest: str) -> None:
        assert self.me is not None
        self._say("who", name=self.me.name, where=self._where_text(), when=self._now_text())
        for p in self.people:
            mark = self._t("started_mark" if p.started else "not_started_mark")
            self._say("person_line", name=p.name, username=p.user.username, started=mark)

    def _as(self, rest: str) -> None:
        if not rest:
            self._who("")
            return
        words = rest.split()
        username: str | None = None
        if words[-1].startswith("@"):
            username = words.pop()[1:]
            if not _USERNAME_RE.match(username):
                self._say("bad_username")
                return
        name = " ".join(words) if words else (username or "")
        key = name.lstrip("@").lower()
        person = next(
            (p for p in self.people if p.name == name or (p.user.username or "").lower() == key),
            None,
        )
        if person is None:
            if username:
                owner = next(
                    (p for p in self.people if (p.user.username or "").lower() == username.lower()),
                    None,
                )
                if owner is not None:
                    self._say("username_taken", username=username, name=owner.name)
                    return
            assert self.group is not None
            person = self._new_person(name, username)
            self.fake.add_member(self.group, person.user)
            self._say(
                "new_person",
                name=person.name,
                username=person.user.username,
                group=self.group.title,
            )
        self.me = person
        self._say("now_as", name=person.name, where=self._where_text())

    def _in(self, rest: str) -> None:
        """`/in 群`, `/in 私聊`, `/in 群 #议题` (a forum topic, opened on first use)."""
        assert self.me is not None and self.group is not None
        words = rest.split()
        names = [w[1:] for w in words if w.startswith("#") and len(w) > 1]
        place = " ".join(w for w in words if not w.startswith("#")).strip().lower()
        if names:
            if place and place not in _GROUP_WORDS and place != (self.group.title or "").lower():
                self._say("unknown_place", place=rest.strip())
                return
            self.in_group = True
            self.topic = self._open_topic(names[0])
        elif place in _GROUP_WORDS or place == (self.group.title or "").lower():
            self.in_group, self.topic = True, None
        elif place in _PRIVATE_WORDS:
            self.in_group = False
        elif place:
            self._say("unknown_place", place=rest.strip())
            return
        self._say("now_as", name=self.me.name, where=self._where_text())

    def _open_topic(self, name: str) -> int:
        """The group's topic called `name`; the group gets topics turned on when needed."""
        assert self.group is not None
        if name not in self._topics:
            if not self.group.is_forum:
                self.fake.enable_topics(self.group)
            self._topics[name] = self.fake.add_topic(self.group, name)
            self._say("new_topic", topic=name, group=self.group.title)
        return self._topics[name]

    async def _send(self, text: str, *, reply_to: int | None = None) -> None:
        assert self.me is not None
        chat = self._chat()
        if reply_to is None and not text.startswith("/"):
            prompt = self._prompts.get(chat.id)
            live = prompt and self.fake.message(chat.id, prompt.message_id)
            if (
                prompt is not None
                and live
                and not live.deleted
                and (prompt.for_user in (None, self.me.user.id))
            ):
                reply_to = prompt.message_id
                self._say("replying", n=self._msg_numbers.get((chat.id, reply_to), "?"))
        self._prompts.pop(chat.id, None)
        self._actor = self.me.user.id
        thread = self.topic if self.in_group else None
        sent = self.fake.send_message(self.me.user, chat, text, reply_to=reply_to, thread=thread)
        self._last_own[(self.me.user.id, chat.id)] = int(sent["message_id"])
        if chat.id == self.me.user.id:
            self.me.started = True
        await self._settle()
        self._show_new(expect_reply=True)

    async def _file(self, rest: str) -> None:
        """Send a small document named `name`, with the rest of the line as its caption."""
        assert self.me is not None
        name, _, caption = rest.strip().partition(" ")
        if not name:
            self._say("usage_file")
            return
        self._prompts.pop(self._chat().id, None)
        self._actor = self.me.user.id
        content = f"{name}\n(officebot simulate)\n".encode()
        self.fake.send_document(
            self.me.user, self._chat(), name, content, caption=caption.strip() or None
        )
        await self._settle()
        self._show_new(expect_reply=True)

    async def _reply(self, rest: str) -> None:
        m = re.match(r"^(\d+|\^)\s+(.+)$", rest, re.DOTALL)
        if not m:
            self._say("usage_reply")
            return
        if m.group(1) == "^":  # my own last message here (e.g. `/reply ^ /template save 名称`)
            assert self.me is not None
            own = self._last_own.get((self.me.user.id, self._chat().id))
            if own is None:
                self._say("no_own_message")
                return
            await self._send(m.group(2).strip(), reply_to=own)
            return
        n = int(m.group(1))
        ref = self._msg_refs.get(n)
        if ref is None:
            self._say("no_message", n=n)
            return
        if not self._go_to(ref[0]):
            return
        await self._send(m.group(2).strip(), reply_to=ref[1])

    async def _edit(self, rest: str) -> None:
        """Edit my own last message in this chat (as Telegram's Edit does)."""
        assert self.me is not None
        text = rest.strip()
        own = self._last_own.get((self.me.user.id, self._chat().id))
        if not text:
            self._say("usage_edit")
            return
        if own is None:
            self._say("no_own_message")
            return
        self._actor = self.me.user.id
        self.fake.edit_user_message(self.me.user, self._chat(), own, text)
        await self._settle()
        self._show_new(expect_reply=False)

    async def _leave(self, _rest: str) -> None:
        """The current person leaves the group (Telegram tells the bot)."""
        assert self.me is not None and self.group is not None
        self._actor = self.me.user.id
        self.fake.remove_member(self.group, self.me.user, notify=True)
        self._say("left_group", name=self.me.name, group=self.group.title)
        self.in_group, self.topic = False, None
        await self._settle()
        self._show_new(expect_reply=False)

    def _go_to(self, chat_id: int) -> bool:
        """Move to the chat of a message, if the current person can be there."""
        assert self.me is not None
        if chat_id > 0:
            if chat_id != self.me.user.id:
                owner = self._person_by_id(chat_id)
                self._say("not_your_chat", name=owner.name if owner else chat_id)
                return False
            self.in_group = False
        else:
            self.in_group = True
        return True

    async def _press(self, rest: str) -> None:
        assert self.me is not None
        rest = rest.strip()
        if not rest:
            self._say("usage_press")
            return
        if rest.isdigit():
            n = int(rest)
            button = self._buttons.get(n)
            if button is None:
                self._say("no_button", n=n)
                return
        else:
            found = self._find_button(rest)
            if found is None:
                self._say("no_label", label=rest)
                return
            n, button = found
        if not self._go_to(button.chat_id):
            return
        msg: BotMessage | None = self.fake.message(button.chat_id, button.message_id)
        if msg is None or msg.deleted or not self._still_there(msg, button):
            self._say("button_gone", n=n)
            return
        if button.callback_data is None:
            if button.request_contact:
                phone = f"+86138{self.me.user.id:08d}"
                self.fake.share_contact(
                    self.me.user,
                    button.chat_id,
                    phone,
                    self.me.name,
                    contact_user_id=self.me.user.id,
                )
                self._actor = self.me.user.id
                await self._settle()
                self._show_new(expect_reply=True)
            else:
                await self._send(button.label)
            return
        self._actor = self.me.user.id
        self.fake.press(self.me.user, (button.chat_id, button.message_id), button.callback_data)
        await self._settle()
        self._show_new(expect_reply=False)

    @staticmethod
    def _still_there(msg: BotMessage, button: ButtonRef) -> bool:
        for row in _rows(msg):
            for b in row:
                label = b.get("text") if isinstance(b, dict) else str(b)
                data = b.get("callback_data") if isinstance(b, dict) else None
                if label == button.label and data == button.callback_data:
                    return True
        return False

    def _find_button(self, label: str) -> tuple[int, ButtonRef] | None:
        """The newest button whose label contains `label`: the current chat first, then my chats."""
        assert self.me is not None
        here = self._chat().id
        mine = {here, self.me.user.id, *([self.group.id] if self.group else [])}
        for chats in ({here}, mine):
            for n in sorted(self._buttons, reverse=True):
                ref = self._buttons[n]
                if ref.chat_id in chats and label in ref.label:
                    msg = self.fake.message(ref.chat_id, ref.message_id)
                    if msg is not None and not msg.deleted and self._still_there(msg, ref):
                        return n, ref
        return None

    # ------------------------------------------------------------------ time

    async def _wait(self, rest: str) -> None:
        if not rest:
            self._say("usage_wait")
            return
        clock = self.runner.clock
        now = clock.now()
        delta = parse_duration(rest)
        if delta is None:
            from bot.parsing import ParseError, parse_when

            try:
                target = parse_when(rest, now=now, settings=self.runner.settings)
            except ParseError as exc:
                self._say("bad_wait", text=rest, error=_plain(exc.message(self.lang)))
                return
        else:
            target = now + delta
        if target <= now:
            self._say("past_wait", when=format_when(target, self.lang, self.runner.settings.tz))
            return
        if target - now > MAX_WAIT:
            self._say("too_long_wait")
            return
        await self.advance_to(target)
        self._say("now", when=self._now_text())
        self._actor = None
        self._show_new(expect_reply=False)

    async def advance_to(self, target: datetime) -> None:
        """Move the clock to `target` a minute at a time, ticking at each (the bot's own
        background loop, as in production every 2 s), and show what the bot sent at each
        moment under that moment's time: every message at its own time, in time order."""
        clock = self.runner.clock
        day = clock.now().astimezone(self.runner.settings.tz).date()
        while clock.now() < target:
            clock.set(min(target, _next_minute(clock.now())))
            seen = self.fake.mark()
            await self.runner.tick()
            if self.fake.mark() == seen and self.fake.pending_updates() == 0:
                continue
            await self._settle()
            day = self._show_at(day)

    def _show_at(self, day: date) -> date:
        """What the bot did at this moment, headed by the time (with the date when the day
        has changed since the last heading); the day of this moment."""
        fake = self.fake
        answers = len(fake.callback_answers) > self._seen_answers
        if not answers and not any(
            m.seq > self._seen_seq or m.edit_seq > self._seen_seq for m in fake.bot_messages()
        ):
            return day
        now = self.runner.clock.now().astimezone(self.runner.settings.tz)
        if now.date() != day:
            self._say("at_day", when=format_when(now, self.lang, self.runner.settings.tz))
        else:
            self._say("at_time", when=now.strftime("%H:%M"))
        self._actor = None
        self._show_new(expect_reply=False)
        return now.date()

    # ------------------------------------------------------------------ waiting and showing

    def _activity(self) -> tuple[int, int, int]:
        fake = self.fake
        return (fake.mark(), len(fake.callback_answers), fake.pending_updates())

    async def _settle(self) -> None:
        """Wait until the bot has taken every update, handled it and then stayed quiet."""
        fake = self.fake
        deadline = time.monotonic() + MAX_SETTLE
        last = self._activity()
        last_change = time.monotonic()
        while time.monotonic() < deadline:
            if fake.pending_updates():
                await asyncio.sleep(0.01)
                continue
            if self.runner.app is not None:
                # Every update handled (a chart drawn in a thread included), nothing due unsent.
                try:
                    await self.runner.settle(within=max(0.01, deadline - time.monotonic()))
                except TimeoutError:
                    break
            now_activity = self._activity()
            if now_activity != last:
                last, last_change = now_activity, time.monotonic()
            elif time.monotonic() - last_change >= self.quiet:
                break
            await asyncio.sleep(0.02)

    def _show_new(self, *, expect_reply: bool) -> None:
        """Print what the bot did since the last call: sends, edits, deletions, toasts."""
        fake = self.fake
        events: list[tuple[int, str, BotMessage]] = []
        for msg in fake.bot_messages():
            key = (msg.chat_id, msg.message_id)
            if msg.seq > self._seen_seq:
                events.append((msg.seq, "sent", msg))
            elif msg.edit_seq > self._seen_seq and self._shown_edits.get(key) != msg.edit_seq:
                events.append((msg.edit_seq, "edited", msg))
            elif msg.deleted and key in self._msg_numbers and key not in self._deleted:
                events.append((self._seen_seq, "deleted", msg))
        # One step reads in a fixed order whatever the interleaving of the handler's own edits
        # and background delivery (each recipient has its own sender): first the edits of
        # earlier messages (the pressed card shows its new state at once; several by their
        # number here), then new messages chat by chat — the chat where the person acted, the
        # group, then each person's private chat in the order of the cast — each chat's in
        # the order they were sent, then deletions.
        rank = {"edited": 0, "sent": 1, "deleted": 2}
        events.sort(
            key=lambda e: (
                rank[e[1]],
                self._msg_numbers.get((e[2].chat_id, e[2].message_id), 0),
                self._chat_rank(e[2].chat_id),
                e[0],
            )
        )
        shown = 0
        # A toast pops up at once on the presser's screen: show it before the bot's messages.
        for answer in fake.callback_answers[self._seen_answers :]:
            if answer.text:
                who = self._person_by_id(self._actor) if self._actor is not None else None
                self._say(
                    "alert" if answer.show_alert else "toast",
                    name=who.name if who else "?",
                    text=answer.text,
                )
                shown += 1
        for _, kind, msg in events:
            self._show_message(kind, msg)
            shown += 1
        errors = fake.internal_errors[self._seen_errors :]
        for error in errors:
            self._say("bot_error", error=error.splitlines()[0], log=self.log_path)
        self._seen_errors += len(errors)
        self._seen_answers = len(fake.callback_answers)
        self._seen_seq = fake.mark()
        if expect_reply and not shown:
            self._say("no_reply")

    def _chat_rank(self, chat_id: int) -> tuple[int, int]:
        """Where a chat's new messages come in one step's output (see `_show_new`)."""
        here = self._chat().id if self._actor is not None and self.me is not None else None
        if chat_id == here:
            return (0, 0)
        if chat_id < 0:
            return (1, 0)
        index = next(
            (i for i, p in enumerate(self.people) if p.user.id == chat_id), len(self.people)
        )
        return (2, index)

    def _number(self, msg: BotMessage) -> int:
        key = (msg.chat_id, msg.message_id)
        if key not in self._msg_numbers:
            n = len(self._msg_numbers) + 1
            self._msg_numbers[key] = n
            self._msg_refs[n] = key
        return self._msg_numbers[key]

    def _show_message(self, kind: str, msg: BotMessage) -> None:
        key = (msg.chat_id, msg.message_id)
        n = self._number(msg)
        chat = self._chat_label(msg.chat_id)
        if kind == "deleted" or msg.deleted:
            self._deleted.add(key)
            self._say("deleted", n=n, chat=chat)
            return
        self._shown_edits[key] = msg.edit_seq
        thread = msg.data.get("message_thread_id")
        if thread is not None and msg.chat_id < 0:
            chat = self._chat_label(msg.chat_id, int(thread))
        self._say("sent" if kind == "sent" else "edited", n=n, chat=chat)
        body: list[str] = []
        if msg.kind != "text":
            body.append(self._t("file", name=msg.file_name or msg.kind))
        body.extend(msg.text.splitlines() or ([""] if msg.kind == "text" else []))
        body.extend(self._button_lines(msg))
        markup = msg.reply_markup or {}
        if markup.get("force_reply"):
            body.append(self._t("force_reply", n=n))
            # In a group the prompt is for whoever acted; in a private chat, for its owner.
            self._prompts[msg.chat_id] = _Prompt(
                msg.message_id, self._actor if msg.chat_id < 0 else None
            )
        for line in body:
            self.out(f"    {line}".rstrip())

    def _button_lines(self, msg: BotMessage) -> list[str]:
        markup = msg.reply_markup or {}
        inline = "inline_keyboard" in markup
        rows = _rows(msg)
        lines: list[str] = []
        for row in rows:
            cells: list[str] = []
            for b in row:
                label = str(b.get("text", "")) if isinstance(b, dict) else str(b)
                data = b.get("callback_data") if isinstance(b, dict) else None
                if inline and data is None:
                    url = b.get("url") if isinstance(b, dict) else None
                    cells.append(f"{label} <{url}>" if url else label)
                    continue
                n = self._next_button
                self._next_button += 1
                contact = bool(isinstance(b, dict) and b.get("request_contact"))
                self._buttons[n] = ButtonRef(
                    msg.chat_id, msg.message_id, label, str(data) if inline else None, contact
                )
                cells.append(f"[{n}] {label}")
            if cells:
                lines.append("  ".join(cells))
        if rows and not inline:
            lines.append(self._t("reply_keyboard"))
        return lines
