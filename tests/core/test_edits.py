"""bot/core/edits.py against a fake bot: which failures end the matter, which ask for a retry."""

from __future__ import annotations

from typing import Any, cast

import pytest
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.core.edits import edit_shown
from bot.core.models import Button
from bot.core.render import Rendered

RENDERED = Rendered("<b>第 3 号</b> 2/5 已确认", ((Button("notices.btn_cancel", "n:cancel:3"),),))


class FakeBot:
    """Records each edit; raises `error` instead when one is given."""

    def __init__(self, error: TelegramError | None = None) -> None:
        self.error = error
        self.edits: list[dict[str, Any]] = []

    async def edit_message_text(self, text: str, **kwargs: Any) -> bool:
        self.edits.append({"text": text, **kwargs})
        if self.error is not None:
            raise self.error
        return True


async def _edit(bot: FakeBot, rendered: Rendered = RENDERED) -> bool:
    return await edit_shown(
        cast(Bot, bot),
        chat_id=10,
        message_id=77,
        rendered=rendered,
        lang="zh",
        what="tracking of notice 3",
    )


async def test_a_successful_edit_shows_it_with_its_buttons():
    bot = FakeBot()
    assert await _edit(bot) is True
    (edit,) = bot.edits
    assert edit["text"] == RENDERED.text
    assert (edit["chat_id"], edit["message_id"]) == (10, 77)
    markup = edit["reply_markup"]
    assert isinstance(markup, InlineKeyboardMarkup)
    (row,) = markup.inline_keyboard
    assert [b.callback_data for b in row] == ["n:cancel:3"]


async def test_without_buttons_the_edit_takes_the_keyboard_off():
    bot = FakeBot()
    assert await _edit(bot, Rendered("仅文字")) is True
    assert bot.edits[0]["reply_markup"] is None


@pytest.mark.parametrize(
    "error",
    [
        BadRequest(
            "Message is not modified: specified new message content and reply markup are exactly the same"
        ),
        BadRequest("Message to edit not found"),
        Forbidden("Forbidden: bot was blocked by the user"),
    ],
    ids=["not-modified", "message-gone", "blocked"],
)
async def test_what_no_retry_can_change_needs_no_further_edit(error, caplog):
    bot = FakeBot(error)
    assert await _edit(bot) is True
    assert len(bot.edits) == 1
    if "not modified" in error.message:
        assert not caplog.records  # the usual case says nothing


@pytest.mark.parametrize(
    "error",
    [NetworkError("connection reset"), TimedOut(), RetryAfter(5)],
    ids=["network", "timeout", "flood"],
)
async def test_a_network_error_or_a_flood_asks_to_try_again(error):
    bot = FakeBot(error)
    assert await _edit(bot) is False
