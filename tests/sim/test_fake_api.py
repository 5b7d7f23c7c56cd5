"""Tests of the fake Bot API, driven by real PTB ``Bot``/``Application`` objects over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Bot as PTBBot
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.sim._text import derive_entities, parse_html
from bot.sim.fake_api import FakeBotAPI, FakeUser

# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[PTBBot]:
    async with PTBBot(fake.token, base_url=fake.base_url, base_file_url=fake.file_url) as b:
        yield b


@pytest.fixture
def alice(fake: FakeBotAPI) -> FakeUser:
    return fake.add_user(1001, "爱丽丝", username="alice_w", last_name="王")


@pytest.fixture
def bob(fake: FakeBotAPI) -> FakeUser:
    return fake.add_user(1002, "Bob")


def build_app(fake: FakeBotAPI) -> Application:  # type: ignore[type-arg]
    return (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.file_url)
        .build()
    )


@contextlib.asynccontextmanager
async def polling(
    app: Application,  # type: ignore[type-arg]
    errors: list[TelegramError] | None = None,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    sink = errors if errors is not None else []
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=2, error_callback=sink.append)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def start_cmd(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_user is not None
    name = update.effective_user.first_name
    await update.effective_message.reply_html(f"欢迎, <b>{name}</b> &amp; welcome!")


async def menu_cmd(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("✅ 完成", callback_data="task:done:7")],
            [InlineKeyboardButton("推迟", callback_data="task:later:7")],
        ]
    )
    await update.effective_message.reply_text("任务 #7：写周报", reply_markup=keyboard)


async def on_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer(text=f"收到 {query.data}")
    await query.edit_message_text(f"已处理：{query.data}")


# ---------------------------------------------------------------------------- PTB Application


async def test_start_command_reply_through_application(fake: FakeBotAPI, alice: FakeUser) -> None:
    app = build_app(fake)
    app.add_handler(CommandHandler("start", start_cmd))
    async with polling(app):
        sent = fake.send_message(alice, fake.private_chat(alice), "/start")
        assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        reply = await fake.wait_for_message(alice.id, contains="欢迎")
        assert reply.text == "欢迎, 爱丽丝 & welcome!"
        assert reply.html == "欢迎, <b>爱丽丝</b> &amp; welcome!"
        assert reply.parse_mode == "HTML"
        assert reply.entities == [{"type": "bold", "offset": 4, "length": 3}]
        assert reply.reply_to_message_id is None  # reply_html does not quote by default
        # the update is confirmed by the next poll
        await fake.wait_for(lambda: fake.pending_updates() == 0)
        assert fake.confirmed_offset > 0
        # /start@botname in a group reaches the handler too
        group = fake.add_group(-1001, "办公室", members=[alice])
        fake.send_message(alice, group, "/start@officebot_bot")
        in_group = await fake.wait_for_message(group.id, contains="欢迎")
        assert in_group.chat_id == -1001
    assert fake.calls_to("getMe")
    assert fake.calls_to("deleteWebhook")
    assert not fake.internal_errors


async def test_bot_messages_after_a_mark_are_only_the_newer_ones(
    fake: FakeBotAPI, alice: FakeUser
) -> None:
    """`bot_messages(after=mark)`: what a bench polls every 0.1 s without copying the whole
    log (each snapshot is a copy made under the server's lock)."""
    app = build_app(fake)
    app.add_handler(CommandHandler("start", start_cmd))
    async with polling(app):
        fake.send_message(alice, fake.private_chat(alice), "/start")
        first = await fake.wait_for_message(alice.id, contains="欢迎")
        mark = fake.mark()
        fake.send_message(alice, fake.private_chat(alice), "/start")
        second = await fake.wait_for_message(alice.id, contains="欢迎", after=mark)
        assert [m.message_id for m in fake.bot_messages(after=mark)] == [second.message_id]
        assert [m.message_id for m in fake.bot_messages(alice.id)] == [
            first.message_id,
            second.message_id,
        ]
        assert fake.bot_messages(alice.id, after=fake.mark()) == []


async def test_button_press_is_a_callback_query(fake: FakeBotAPI, alice: FakeUser) -> None:
    app = build_app(fake)
    app.add_handler(CommandHandler("menu", menu_cmd))
    app.add_handler(CallbackQueryHandler(on_button))
    async with polling(app):
        fake.send_message(alice, alice.id, "/menu")
        menu = await fake.wait_for_message(alice.id, contains="写周报")
        assert menu.button_labels() == ["✅ 完成", "推迟"]
        assert menu.callback_data("完成") == "task:done:7"

        qid = fake.press_button(alice, alice.id, menu.message_id, "完成")
        edited = await fake.wait_for_message(alice.id, contains="已处理", include_edits=True)
        assert edited.message_id == menu.message_id
        assert edited.text == "已处理：task:done:7"
        assert edited.edits == 1
        assert edited.history == ["任务 #7：写周报"]
        # editMessageText without reply_markup drops the inline keyboard, as on Telegram
        assert edited.reply_markup is None
        assert (qid, "收到 task:done:7", False) in fake.callback_answers

        # the keyboard is gone, so pressing again is a test bug
        with pytest.raises(ValueError, match=r"(?i)no button"):
            fake.press(alice, (alice.id, menu.message_id), "task:later:7")

    async with PTBBot(fake.token, base_url=fake.base_url) as plain:
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await plain.answer_callback_query(qid)
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await plain.answer_callback_query("999")


async def test_unconfirmed_updates_are_redelivered_after_restart(
    fake: FakeBotAPI, alice: FakeUser, bot: PTBBot
) -> None:
    fake.send_message(alice, alice.id, "/start")
    # a bot that "crashes" after fetching never confirms
    first = await bot.get_updates()
    again = await bot.get_updates()
    assert [u.update_id for u in first] == [u.update_id for u in again]
    assert fake.pending_updates() == 1

    app = build_app(fake)
    app.add_handler(CommandHandler("start", start_cmd))
    async with polling(app):
        await fake.wait_for_message(alice.id, contains="欢迎", after=0)
        await fake.wait_for(lambda: fake.pending_updates() == 0)
    # the Application confirmed on shutdown: nothing comes back for a new poller
    assert await bot.get_updates() == ()
    assert fake.confirmed_offset == first[0].update_id + 1


async def test_get_updates_offset_limit_and_long_poll(
    fake: FakeBotAPI, alice: FakeUser, bot: PTBBot
) -> None:
    for i in range(3):
        fake.send_message(alice, alice.id, f"msg {i}")
    batch = await bot.get_updates(limit=2)
    assert [u.message.text for u in batch if u.message] == ["msg 0", "msg 1"]
    rest = await bot.get_updates(offset=batch[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["msg 2"]
    assert fake.pending_updates() == 1
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert fake.pending_updates() == 0

    # long poll: blocks until an update arrives
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    fake.send_message(alice, alice.id, "wake up")
    woke = await asyncio.wait_for(poll, 3)
    assert woke[0].message is not None and woke[0].message.text == "wake up"
    assert time.monotonic() - started < 2

    # ...or until its timeout
    started = time.monotonic()
    assert await bot.get_updates(offset=woke[-1].update_id + 1, timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3

    # allowed_updates filters (and Telegram then never sends the skipped ones)
    fake.send_message(alice, alice.id, "text")
    fake.block(alice.id)  # queues my_chat_member
    only = await bot.get_updates(allowed_updates=["my_chat_member"])
    assert len(only) == 1 and only[0].my_chat_member is not None
    assert only[0].my_chat_member.new_chat_member.status == "kicked"


async def test_second_poller_terminates_the_first_with_conflict(
    fake: FakeBotAPI, bot: PTBBot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with PTBBot(fake.token, base_url=fake.base_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
        await asyncio.wait_for(first, 3)


async def test_fault_injection_5xx_on_get_updates(fake: FakeBotAPI, alice: FakeUser) -> None:
    app = build_app(fake)
    app.add_handler(CommandHandler("start", start_cmd))
    errors: list[TelegramError] = []
    fake.fail("getUpdates", status=502)
    fake.send_message(alice, alice.id, "/start")
    async with polling(app, errors):
        await fake.wait_for_message(alice.id, contains="欢迎")
    assert len(errors) == 1 and isinstance(errors[0], NetworkError)
    failed = [c for c in fake.calls_to("getUpdates") if c.status == 502]
    assert len(failed) == 1
    assert failed[0].response == {"ok": False, "error_code": 502, "description": "Bad Gateway"}


# ---------------------------------------------------------------------------- plain Bot


async def test_429_is_raised_as_retry_after(
    fake: FakeBotAPI, alice: FakeUser, bot: PTBBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # avoid PTB's int-vs-timedelta deprecation
    fake.send_message(alice, alice.id, "hi")
    fake.fail("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(alice.id, "hello")
    assert info.value.retry_after == timedelta(seconds=7)
    call = fake.calls_to("sendMessage")[-1]
    assert call.status == 429
    assert call.response["parameters"] == {"retry_after": 7}
    assert (await bot.send_message(alice.id, "hello")).text == "hello"  # times=1

    # chat-scoped fault: only one chat fails
    fake.send_message(fake.add_user(1003, "Carol"), 1003, "hi")
    fake.fail("sendMessage", status=403, chat_id=1003, times=None)
    with pytest.raises(Forbidden):
        await bot.send_message(1003, "x")
    with pytest.raises(Forbidden):
        await bot.send_message(1003, "x")
    await bot.send_message(alice.id, "still fine")
    fake.clear_faults()
    await bot.send_message(1003, "recovered")


async def test_forbidden_and_not_found_chats(
    fake: FakeBotAPI, alice: FakeUser, bot: PTBBot
) -> None:
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(alice.id, "hi")
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(424242, "hi")
    fake.send_message(alice, alice.id, "/start")
    await bot.send_message(alice.id, "hi")
    fake.block(alice.id)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(alice.id, "hi")
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_chat_action(alice.id, "typing")
    fake.unblock(alice.id)
    await bot.send_message(alice.id, "welcome back")

    group = fake.add_group(-1002, "群", members=[alice])
    await bot.send_message(group.id, "group ok")
    fake.kick_bot(group)
    with pytest.raises(Forbidden, match=r"(?i)kicked"):
        await bot.send_message(group.id, "nope")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("AT&T", "Unescaped"),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ('<span class="x">s</span>', "must have class"),
        ("<b></b>", "Message text is empty"),
        ("x" * 4097, "Message is too long"),
    ],
)
async def test_html_validation_rejects(
    fake: FakeBotAPI, alice: FakeUser, bot: PTBBot, text: str, error: str
) -> None:
    fake.send_message(alice, alice.id, "hi")
    with pytest.raises(BadRequest) as info:
        await bot.send_message(alice.id, text, parse_mode=ParseMode.HTML)
    assert error.lower() in str(info.value).lower()
    assert not fake.bot_messages()


async def test_html_accepted_and_stored(fake: FakeBotAPI, alice: FakeUser, bot: PTBBot) -> None:
    fake.send_message(alice, alice.id, "hi")
    html = (
        '1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;q&quot; &#128512; <a href="https://e.x/?a=1&amp;b=2">'
        'link</a> <tg-spoiler>s</tg-spoiler> <pre><code class="language-python">x</code></pre>'
    )
    sent = await bot.send_message(alice.id, html, parse_mode=ParseMode.HTML)
    assert sent.text == '1 < 2 && 3 > 2 "q" 😀 link s x'
    stored = fake.message(alice.id, sent.message_id)
    assert stored is not None and stored.html == html and stored.text == sent.text
    kinds = {e["type"]: e for e in stored.entities}
    assert kinds["text_link"]["url"] == "https://e.x/?a=1&b=2"
    assert kinds["text_link"]["offset"] == 22  # the emoji counts as 2 UTF-16 units
    assert kinds["pre"]["language"] == "python"
    assert "code" not in kinds
    assert sent.text_html.startswith("1 &lt; 2")
    assert (await bot.send_message(alice.id, "y" * 4096)).text == "y" * 4096
    plain = await bot.send_message(alice.id, "a < b & c")  # no parse_mode: anything goes
    assert plain.text == "a < b & c"


async def test_inline_keyboard_validation(fake: FakeBotAPI, alice: FakeUser, bot: PTBBot) -> None:
    fake.send_message(alice, alice.id, "hi")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(alice.id, "t", reply_markup=too_long)
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 32)]])
    await bot.send_message(alice.id, "t", reply_markup=ok)
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await bot.send_message(
            alice.id,
            "t",
            reply_markup={"inline_keyboard": [[{"text": "x"}]]},  # type: ignore[arg-type]
        )

    keyboard = ReplyKeyboardMarkup([["签到", "请假"]], resize_keyboard=True)
    msg = await bot.send_message(alice.id, "choose", reply_markup=keyboard)
    assert msg.reply_markup is None  # Telegram only echoes inline keyboards
    shown = fake.reply_keyboard(alice.id)
    assert shown is not None and shown["keyboard"][0][0]["text"] == "签到"
    await bot.send_message(alice.id, "done", reply_markup=ReplyKeyboardRemove())
    assert fake.reply_keyboard(alice.id) is None


async def test_edit_delete_and_replies(fake: FakeBotAPI, alice: FakeUser, bot: PTBBot) -> None:
    user_msg = fake.send_message(alice, alice.id, "请提醒我")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]])
    sent = await bot.send_message(
        alice.id,
        "<i>好的</i>",
        parse_mode="HTML",
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(user_msg["message_id"]),
    )
    assert sent.message_id == user_msg["message_id"] + 1  # shared per-chat counter
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.text == "请提醒我"
    assert sent.reply_markup == keyboard
    assert fake.bot_messages(alice.id)[0].reply_to_message_id == user_msg["message_id"]

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<i>好的</i>", alice.id, sent.message_id, parse_mode="HTML", reply_markup=keyboard
        )
    edited = await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=None)
    assert isinstance(edited, type(sent)) and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", alice.id, 999)
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", alice.id, user_msg["message_id"])
    with pytest.raises(BadRequest, match=r"(?i)replied not found"):
        await bot.send_message(alice.id, "x", reply_parameters=ReplyParameters(999))
    await bot.send_message(
        alice.id, "x", reply_parameters=ReplyParameters(999, allow_sending_without_reply=True)
    )

    assert await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("late", alice.id, sent.message_id)
    snapshot = fake.message(alice.id, sent.message_id)
    assert snapshot is not None and snapshot.deleted and snapshot.edits == 1


async def test_file_upload_download_round_trip(
    fake: FakeBotAPI, alice: FakeUser, bot: PTBBot
) -> None:
    fake.send_message(alice, alice.id, "/start")
    payload = bytes(range(256)) * 50 + "周报\r\n".encode()
    doc = await bot.send_document(
        alice.id, payload, filename="周报 2024.xlsx", caption="<b>周报</b>", parse_mode="HTML"
    )
    assert doc.document is not None and doc.document.file_name == "周报 2024.xlsx"
    assert doc.caption == "周报"
    remote = await bot.get_file(doc.document.file_id)
    assert remote.file_path is not None and remote.file_path.startswith(fake.file_url)
    assert bytes(await remote.download_as_bytearray()) == payload
    assert fake.file_content(doc.document.file_id) == payload
    sent = fake.bot_messages(alice.id)[-1]
    assert sent.kind == "document" and sent.file_name == "周报 2024.xlsx" and sent.text == "周报"

    # re-send by file_id; type mismatch is rejected
    again = await bot.send_document(alice.id, doc.document.file_id)
    assert again.document is not None and again.document.file_id == doc.document.file_id
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Document as Photo"):
        await bot.send_photo(alice.id, doc.document.file_id)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(alice.id, "nope")

    # a user's upload can be fetched by the bot
    incoming = fake.send_document(alice, alice.id, "名单.csv", b"a,b\n1,2\n", caption="名单")
    assert incoming["document"]["mime_type"] == "text/csv"
    updates = await bot.get_updates()
    message = updates[-1].message
    assert message is not None and message.document is not None
    data = await (await message.document.get_file()).download_as_bytearray()
    assert bytes(data) == b"a,b\n1,2\n"

    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (640).to_bytes(4, "big") * 2 + b"rest"
    photo_update = fake.send_photo(alice, alice.id, png, caption="看图")
    assert photo_update["photo"][0]["width"] == 640
    photo_msg = await bot.send_photo(alice.id, photo_update["photo"][0]["file_id"])
    assert photo_msg.photo[-1].file_id == photo_update["photo"][0]["file_id"]
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("missing")
    assert [c.status for c in fake.calls_to("download")] == [200, 200]


async def test_slow_answer(fake: FakeBotAPI, alice: FakeUser, bot: PTBBot) -> None:
    fake.send_message(alice, alice.id, "hi")
    fake.delay("sendMessage", 0.4)
    started = time.monotonic()
    await bot.send_message(alice.id, "slow")
    assert time.monotonic() - started >= 0.4
    fake.delay("sendMessage", 1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(alice.id, "too slow", read_timeout=0.2)


async def test_chat_info_members_and_commands(
    fake: FakeBotAPI, alice: FakeUser, bob: FakeUser, bot: PTBBot
) -> None:
    carol = fake.add_user(1003, "Carol", username="carol_c")
    group = fake.add_group(-1001234, "行政群", members=[bob], admins=[carol], creator=alice)
    assert group.type == "supergroup"
    chat = await bot.get_chat(group.id)
    assert chat.title == "行政群" and chat.type == "supergroup"
    statuses = {
        uid: (await bot.get_chat_member(group.id, uid)).status
        for uid in (alice.id, carol.id, bob.id, fake.bot_id)
    }
    assert statuses == {
        alice.id: "creator",
        carol.id: "administrator",
        bob.id: "member",
        fake.bot_id: "member",
    }
    fake.remove_member(group, bob)
    assert (await bot.get_chat_member(group.id, bob.id)).status == "left"
    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [alice.id, carol.id]
    assert await bot.get_chat_member_count(group.id) == 3
    private = await bot.get_chat(alice.id)
    assert private.type == "private" and private.username == "alice_w"

    commands = [BotCommand("start", "开始"), BotCommand("todo", "待办")]
    assert await bot.set_my_commands(commands, language_code="zh")
    assert await bot.set_my_commands(commands[:1], scope=BotCommandScopeAllPrivateChats())
    assert fake.my_commands("zh") == [
        {"command": "start", "description": "开始"},
        {"command": "todo", "description": "待办"},
    ]
    assert fake.my_commands(scope={"type": "all_private_chats"}) == [
        {"command": "start", "description": "开始"}
    ]
    assert fake.my_commands() == []
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["start", "todo"]
    assert await bot.delete_my_commands(language_code="zh")
    assert fake.my_commands("zh") == []
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Cmd", "x")])

    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert fake.menu_button() == {"type": "commands"}
    fake.send_message(alice, alice.id, "hi")
    assert await bot.send_chat_action(alice.id, "typing")
    assert fake.chat_actions == [(alice.id, "typing")]
    assert await bot.close()
    assert await bot.log_out()


async def test_auth_and_unknown_methods(fake: FakeBotAPI, bot: PTBBot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    assert fake.calls_to("sendTelepathy")[0].response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found",
    }
    wrong = PTBBot("654321:WRONG", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    await wrong.shutdown()
    assert fake.calls_to("getMe")[-1].status == 401


async def test_user_side_entities_and_clock(
    fake: FakeBotAPI, alice: FakeUser, bob: FakeUser
) -> None:
    fake.clock = lambda: datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
    group = fake.add_group(-5, "小组", members=[alice, bob])
    assert group.type == "group"
    text = "😀 /todo@officebot_bot 给 @alice_w 和 Bob #周报 https://x.cn/a"
    mention = fake.text_mention(text, "Bob", bob)
    msg = fake.send_message(alice, group, text)
    assert msg["date"] == int(datetime(2024, 5, 6, 9, 0, tzinfo=UTC).timestamp())
    types = [(e["type"], e["offset"], e["length"]) for e in msg["entities"]]
    assert types == [
        ("bot_command", 3, 19),
        ("mention", 25, 8),
        ("hashtag", 40, 3),
        ("url", 44, 14),
    ]
    assert mention == {
        "type": "text_mention",
        "offset": 36,
        "length": 3,
        "user": bob.to_dict(),
    }
    explicit = fake.send_message(bob, group, text, entities=[mention], reply_to=msg["message_id"])
    assert explicit["entities"] == [mention]
    assert explicit["reply_to_message"]["message_id"] == msg["message_id"]
    assert explicit["message_id"] == msg["message_id"] + 1
    contact = fake.share_contact(alice, alice.id, "+8613800000000", "王", contact_user_id=1001)
    assert contact["contact"]["user_id"] == 1001
    assert derive_entities("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert parse_html("<b>x</b>")[0] == "x"


async def test_wait_for_message_semantics_and_timeout_dump(
    fake: FakeBotAPI, alice: FakeUser, bot: PTBBot
) -> None:
    fake.send_message(alice, alice.id, "/start")
    await bot.send_message(alice.id, "第一条")
    # sent after the last user action (but before waiting): still counts
    assert (await fake.wait_for_message(alice.id, contains="第一")).text == "第一条"
    mark = fake.mark()
    with pytest.raises(TimeoutError, match=r"(?i)recent calls") as info:
        await fake.wait_for_message(alice.id, contains="第一", after=mark, timeout=0.2)
    assert "sendMessage" in str(info.value) and "第一条" in str(info.value)
    task = asyncio.create_task(fake.wait_for_message(alice.id, after=mark))
    await asyncio.sleep(0.05)
    await bot.send_message(alice.id, "第二条")
    assert (await task).text == "第二条"


def test_stop_wakes_long_polls_and_joins_threads() -> None:
    fake = FakeBotAPI()
    fake.start()
    url = f"{fake.base_url}{fake.token}/getUpdates?timeout=30"
    results: list[dict[str, object]] = []

    def long_poll() -> None:
        with urllib.request.urlopen(url, timeout=10) as resp:
            results.append(json.loads(resp.read()))

    poller = threading.Thread(target=long_poll)
    poller.start()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not any(
        t.name.startswith("FakeBotAPI-conn") for t in threading.enumerate()
    ):
        time.sleep(0.01)
    time.sleep(0.1)
    started = time.monotonic()
    fake.stop()
    poller.join(5)
    assert time.monotonic() - started < 2
    assert results == [{"ok": True, "result": []}]
    assert not [t for t in threading.enumerate() if t.name.startswith("FakeBotAPI")]
    fake.stop()  # idempotent
    base_url = fake.base_url
    with fake:  # restartable, on the same port, state kept
        assert fake.base_url == base_url
        with urllib.request.urlopen(f"{base_url}{fake.token}/getMe", timeout=5) as resp:
            assert json.loads(resp.read())["result"]["username"] == "officebot_bot"
    assert len(fake.calls_to("getUpdates")) == 1
