"""Server-side state of the fake Bot API and the helpers the method implementations share."""

from __future__ import annotations

import copy
import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.sim._models import (
    ApiError,
    Call,
    CallbackAnswer,
    FakeChat,
    FakeUser,
    JSONDict,
    StoredFile,
    StoredMessage,
    bad_request,
)
from bot.sim._text import EntityParseError, parse_html

DEFAULT_TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz012"

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

# Update types Telegram leaves out unless explicitly listed in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

INLINE_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)

QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class FailRule:
    method: str
    status: int
    description: str
    parameters: JSONDict | None
    times: int | None
    chat_id: int | str | None


@dataclass
class DelayRule:
    method: str
    seconds: float
    times: int | None
    # Only this share of the matching calls is delayed (drawn from `rng`); 1.0 = every one.
    share: float = 1.0
    rng: random.Random | None = None

    def applies(self) -> bool:
        """Whether this matching call is one of the delayed share."""
        if self.share >= 1.0:
            return True
        rng = self.rng or random
        return rng.random() < self.share


@dataclass
class LateRule:
    """Answer a call late, after carrying it out (see FakeBotAPI.answer_late)."""

    method: str
    seconds: float
    fraction: float
    every: int | None
    times: int | None
    chat_id: int | str | None
    seed: int = 0
    seen: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def picks(self) -> bool:
        """Is the call just counted in `seen` one to answer late?"""
        if self.every is not None:
            return self.seen % max(self.every, 1) == 0
        return self.rng.random() < self.fraction


def image_size(content: bytes) -> tuple[int, int]:
    """Width/height of a PNG or JPEG (best effort; 320x240 otherwise)."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(content):
            if content[i] != 0xFF:
                break
            marker = content[i + 1]
            seg_len = int.from_bytes(content[i + 2 : i + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                h = int.from_bytes(content[i + 5 : i + 7], "big")
                w = int.from_bytes(content[i + 7 : i + 9], "big")
                return w, h
            i += 2 + seg_len
    return 320, 240


def inline_rows(markup: JSONDict | None) -> list[list[JSONDict]]:
    if not markup or not isinstance(markup.get("inline_keyboard"), list):
        return []
    return [[b for b in row if isinstance(b, dict)] for row in markup["inline_keyboard"]]


def normalized_inline(markup: JSONDict | None) -> JSONDict | None:
    rows = inline_rows(markup)
    return {"inline_keyboard": rows} if any(rows) else None


class FakeState:
    """All mutable state of one fake server, guarded by ``self._cond`` (an RLock Condition)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "officebot_bot",
        bot_id: int | None = None,
        *,
        bot_first_name: str = "OfficeBot",
        strict_html_ampersand: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        if bot_id is None:
            prefix = token.split(":", 1)[0]
            bot_id = int(prefix) if prefix.isdigit() else 123456
        self.bot_id = bot_id
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.clock: Callable[[], datetime] = clock or utc_now
        self.strict_html_ampersand = strict_html_ampersand
        self._stop_event = threading.Event()

        self._cond = threading.Condition(threading.RLock())
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeChat] = {}
        self._private: dict[int, FakeChat] = {}
        self._started: set[int] = set()
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._bot_log: list[StoredMessage] = []
        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(100_000_001)
        self._confirmed_offset = 0
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._webhook_url = ""
        self._webhook_secret = ""
        self._webhook_last_error: tuple[int, str] | None = None
        from bot.sim._webhook import WebhookPusher

        self._webhook_pusher = WebhookPusher(self)  # type: ignore[arg-type]  # a BotApiMethods
        self._calls: list[Call] = []
        self._fail_rules: list[FailRule] = []
        self._delay_rules: list[DelayRule] = []
        self._late_rules: list[LateRule] = []
        self.late_answers = 0
        self._delayed: list[tuple[str, float]] = []  # (method, seconds) of every delayed call
        self._queries: dict[str, bool] = {}
        self._query_ids = itertools.count(4_200_000_001)
        self._callback_answers: list[CallbackAnswer] = []
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._menu_buttons: dict[int | None, JSONDict] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._file_counter = itertools.count(1)
        self._reply_keyboards: dict[int, JSONDict | None] = {}
        self._seq = 0
        self._action_seq = 0
        self.chat_actions: list[tuple[int, str]] = []
        self.internal_errors: list[str] = []

    # ------------------------------------------------------------------ state helpers

    def _now(self) -> int:
        return int(self.clock().timestamp())

    def _chat(self, chat_id: Any) -> FakeChat:
        chat = self._find_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _find_chat(self, chat_id: Any) -> FakeChat | None:
        try:
            cid = int(chat_id)
        except (TypeError, ValueError):
            return None
        if cid in self._groups:
            return self._groups[cid]
        if cid in self._users:
            return self._private_chat(self._users[cid])
        return None

    def _private_chat(self, user: FakeUser) -> FakeChat:
        chat = self._private.get(user.id)
        if chat is None:
            chat = FakeChat(
                id=user.id,
                type="private",
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
                members=[user.id],
            )
            self._private[user.id] = chat
        return chat

    def _check_can_send(self, chat: FakeChat) -> None:
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.is_private:
            if chat.id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat.id not in self._started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif chat.bot_status == "kicked":
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        elif chat.bot_status == "left":
            raise ApiError(403, "Forbidden: bot is not a member of the supergroup chat")

    def _check_thread(self, chat: FakeChat, params: JSONDict) -> int | None:
        """The topic a send goes to, as Telegram checks it (forum supergroups only)."""
        raw = params.get("message_thread_id")
        if raw is None or not chat.is_forum:
            return None
        tid = int(raw)
        topic = chat.topics.get(tid)
        # The General topic takes no message_thread_id: sends there omit it.
        if topic is None or topic.get("deleted"):
            raise bad_request("message thread not found")
        if topic.get("closed"):
            raise bad_request("TOPIC_CLOSED")
        return tid

    def _stored(self, chat_id: int, message_id: Any) -> StoredMessage | None:
        try:
            mid = int(message_id)
        except (TypeError, ValueError):
            return None
        msg = self._messages.get(chat_id, {}).get(mid)
        return msg if msg is not None and not msg.deleted else None

    def _new_message(
        self,
        chat: FakeChat,
        sender: JSONDict,
        fields: JSONDict,
        *,
        from_bot: bool,
        reply_to: StoredMessage | None = None,
    ) -> StoredMessage:
        mid = self._next_message_id.get(chat.id, 1)
        self._next_message_id[chat.id] = mid + 1
        data: JSONDict = {
            "message_id": mid,
            "from": dict(sender),
            "chat": chat.to_dict(),
            "date": self._now(),
        }
        if reply_to is not None:
            replied = copy.deepcopy(reply_to.data)
            replied.pop("reply_to_message", None)
            data["reply_to_message"] = replied
        data.update(fields)
        msg = StoredMessage(
            chat_id=chat.id,
            message_id=mid,
            data=data,
            from_bot=from_bot,
            reply_to_message_id=reply_to.message_id if reply_to else None,
        )
        self._messages.setdefault(chat.id, {})[mid] = msg
        if from_bot:
            self._seq += 1
            msg.seq = self._seq
            self._bot_log.append(msg)
        return msg

    def _enqueue(self, update: JSONDict) -> JSONDict:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._cond.notify_all()
        return update

    def _format(
        self, text: Any, parse_mode: Any, entities: Any, *, caption: bool
    ) -> tuple[str, list[JSONDict]]:
        """Validate and parse outgoing text/caption -> (plain, entities)."""
        raw = "" if text is None else str(text)
        mode = str(parse_mode).lower() if parse_mode else ""
        if mode == "html":
            try:
                plain, ents = parse_html(raw, strict_ampersand=self.strict_html_ampersand)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        else:
            plain = raw
            ents = [dict(e) for e in entities] if isinstance(entities, list) else []
        for entity in ents:
            user = entity.get("user")
            if entity.get("type") == "text_mention" and isinstance(user, dict):
                known = self._users.get(int(user.get("id", 0)))
                if known is not None:
                    entity["user"] = known.to_dict()
        if caption:
            if len(plain) > MAX_CAPTION:
                raise bad_request("message caption is too long")
        else:
            if not plain.strip():
                raise bad_request("message text is empty")
            if len(plain) > MAX_TEXT:
                raise bad_request("message is too long")
        return plain, ents

    def _validate_markup(self, markup: Any) -> JSONDict | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    self._validate_inline_button(button)
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
                )
        elif not ("remove_keyboard" in markup or "force_reply" in markup):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup

    @staticmethod
    def _validate_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "text" must be of type String'
            )
        if not button["text"]:
            raise bad_request("BUTTON_TEXT_EMPTY")
        actions = INLINE_ACTIONS.intersection(button)
        if not actions:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(str(data).encode("utf-8"))
            if not isinstance(data, str) or size == 0 or size > MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = str(button["url"])
            if not url.startswith(("http://", "https://", "tg://")) or len(url) < 8:
                raise bad_request("BUTTON_URL_INVALID")

    def _reply_target(self, chat: FakeChat, params: JSONDict) -> StoredMessage | None:
        rp = params.get("reply_parameters")
        if rp is None and params.get("reply_to_message_id") is not None:
            rp = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if not isinstance(rp, dict):
            return None
        target_chat = rp.get("chat_id", chat.id)
        target = None
        if str(target_chat) == str(chat.id):
            target = self._stored(chat.id, rp.get("message_id"))
        if target is None and not rp.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return target

    def _record_bot_markup(self, chat: FakeChat, markup: JSONDict | None) -> None:
        if markup is None or "inline_keyboard" in markup:
            return
        self._reply_keyboards[chat.id] = None if "remove_keyboard" in markup else markup

    def _send(
        self,
        params: JSONDict,
        *,
        kind: str,
        fields: JSONDict,
        plain: str,
        entities: list[JSONDict],
        html: str,
        file: StoredFile | None = None,
    ) -> JSONDict:
        chat = self._chat(params.get("chat_id"))
        self._check_can_send(chat)
        thread = self._check_thread(chat, params)
        if thread is not None:
            fields = {"message_thread_id": thread, "is_topic_message": True, **fields}
        markup = self._validate_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        inline = normalized_inline(markup)
        if inline is not None:
            fields["reply_markup"] = inline
        msg = self._new_message(chat, self.bot_user, fields, from_bot=True, reply_to=reply_to)
        msg.html = html
        msg.text = plain
        msg.parse_mode = params.get("parse_mode")
        msg.entities = entities
        msg.reply_markup = markup
        msg.kind = kind
        msg.params = params
        if file is not None:
            msg.file_id = file.file_id
            msg.file_name = file.file_name
        self._record_bot_markup(chat, markup)
        return copy.deepcopy(msg.data)
