"""Data types of the fake Bot API: users, chats, recorded calls and bot-message snapshots."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, NamedTuple

JSONDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API error reply: HTTP status, Telegram description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def envelope(self) -> JSONDict:
        """The ``{"ok": false, ...}`` body Telegram would send."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> ApiError:
    """A 400 with Telegram's ``Bad Request: `` prefix."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass(eq=False)
class FakeUser:
    """A human Telegram user known to the fake."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "zh-hans"
    is_bot: bool = False

    def to_dict(self) -> JSONDict:
        """The Bot API ``User`` object."""
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @property
    def full_name(self) -> str:
        """First and last name joined by a space."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(eq=False)
class FakeChat:
    """A private chat or a group known to the fake; member lists hold user ids."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    members: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    creator_id: int | None = None
    bot_status: str = "member"  # member | administrator | kicked | left
    is_forum: bool = False
    #: Forum topics by message_thread_id: {"name": …, "closed": bool, "deleted": bool}.
    topics: dict[int, JSONDict] = field(default_factory=dict)
    #: Set once a group became a supergroup (Telegram answers sends to the old id with 400).
    migrated_to: int | None = None

    @property
    def is_private(self) -> bool:
        """Whether this is a one-to-one chat with a user."""
        return self.type == "private"

    def to_dict(self) -> JSONDict:
        """The Bot API ``Chat`` object."""
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "first_name", "last_name", "username"):
            value = getattr(self, key)
            if value:
                data[key] = value
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class Call:
    """One request the fake served (``params`` decoded; uploads are ``UploadedFile``).

    Recorded before the reply is written, so it is visible as soon as the client has the
    answer; ``delivered`` turns False if writing the reply failed (client gone).
    """

    method: str
    params: JSONDict
    at: float
    status: int
    response: JSONDict
    duration: float = 0.0
    delivered: bool = True

    @property
    def ok(self) -> bool:
        """Whether the reply was a success envelope."""
        return self.status == 200


class CallbackAnswer(NamedTuple):
    """An ``answerCallbackQuery`` the bot made."""

    query_id: str
    text: str | None
    show_alert: bool


@dataclass(frozen=True)
class BotMessage:
    """Snapshot of a message the bot sent, in its current state (after edits/deletes)."""

    chat_id: int
    message_id: int
    text: str  # plain text (tags stripped, entities decoded); the caption for media
    html: str  # the raw text/caption exactly as sent (HTML when parse_mode=HTML)
    reply_markup: JSONDict | None
    deleted: bool
    edits: int
    reply_to_message_id: int | None
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    kind: str = "text"  # text | document | photo
    file_id: str | None = None
    file_name: str | None = None
    date: int = 0
    seq: int = 0  # global order of sends/edits, comparable with FakeBotAPI.mark()
    edit_seq: int = 0
    history: list[str] = field(default_factory=list)  # earlier plain texts, oldest first
    params: JSONDict = field(default_factory=dict)  # the last send/edit request's params
    data: JSONDict = field(default_factory=dict)  # the Message object as Telegram returns it

    def buttons(self) -> list[list[str]]:
        """Labels of the (inline or reply) keyboard, row by row."""
        rows = _keyboard_rows(self.reply_markup)
        return [[_button_text(b) for b in row] for row in rows]

    def button_labels(self) -> list[str]:
        """All keyboard labels, flattened."""
        return [label for row in self.buttons() for label in row]

    def callback_data(self, label_substring: str) -> str | None:
        """callback_data of the first inline button whose label contains ``label_substring``."""
        for row in _keyboard_rows(self.reply_markup):
            for button in row:
                if isinstance(button, dict) and label_substring in str(button.get("text", "")):
                    data = button.get("callback_data")
                    return str(data) if data is not None else None
        return None


def _keyboard_rows(markup: JSONDict | None) -> list[list[Any]]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard", markup.get("keyboard", []))
    return [list(row) for row in rows] if isinstance(rows, list) else []


def _button_text(button: Any) -> str:
    if isinstance(button, dict):
        return str(button.get("text", ""))
    return str(button)


@dataclass
class StoredFile:
    """A file the fake holds, uploaded by the bot or by a simulated user."""

    file_id: str
    file_unique_id: str
    kind: str  # document | photo
    content: bytes = field(repr=False)
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def describe(self) -> JSONDict:
        """The Bot API ``Document`` (or ``PhotoSize``) object."""
        data: JSONDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.kind == "photo":
            data["width"] = self.width
            data["height"] = self.height
        else:
            if self.file_name:
                data["file_name"] = self.file_name
            if self.mime_type:
                data["mime_type"] = self.mime_type
        return data


@dataclass
class StoredMessage:
    """Mutable server-side state of one message (user's or bot's)."""

    chat_id: int
    message_id: int
    data: JSONDict
    from_bot: bool
    html: str = ""
    text: str = ""
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    deleted: bool = False
    edits: int = 0
    seq: int = 0
    edit_seq: int = 0
    kind: str = "text"
    file_id: str | None = None
    file_name: str | None = None
    reply_to_message_id: int | None = None
    history: list[str] = field(default_factory=list)
    params: JSONDict = field(default_factory=dict)

    def snapshot(self) -> BotMessage:
        """An immutable copy for tests."""
        return BotMessage(
            chat_id=self.chat_id,
            message_id=self.message_id,
            text=self.text,
            html=self.html,
            reply_markup=copy.deepcopy(self.reply_markup),
            deleted=self.deleted,
            edits=self.edits,
            reply_to_message_id=self.reply_to_message_id,
            parse_mode=self.parse_mode,
            entities=copy.deepcopy(self.entities),
            kind=self.kind,
            file_id=self.file_id,
            file_name=self.file_name,
            date=int(self.data.get("date", 0)),
            seq=self.seq,
            edit_seq=self.edit_seq,
            history=list(self.history),
            params=dict(self.params),
            data=copy.deepcopy(self.data),
        )


#: What an administrator's ChatMember carries besides its status (Telegram requires these).
ADMIN_RIGHTS: JSONDict = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}
