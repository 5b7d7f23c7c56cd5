"""Bot API method implementations of the fake server (``_api_<methodName>``)."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from typing import Any

from bot.sim._http import UploadedFile
from bot.sim._models import (
    ADMIN_RIGHTS,
    ApiError,
    CallbackAnswer,
    FakeChat,
    JSONDict,
    StoredFile,
    StoredMessage,
    bad_request,
)
from bot.sim._state import (
    CHAT_ACTIONS,
    NOT_MODIFIED,
    OPT_IN_UPDATES,
    QUERY_TOO_OLD,
    FakeState,
    image_size,
    normalized_inline,
)


class BotApiMethods(FakeState):
    """The Bot API surface: every ``_api_X`` serves method ``X``; called with the lock held."""

    def method_table(self) -> dict[str, Callable[[JSONDict], Any]]:
        """Lower-cased Bot API method name -> implementation."""
        return {
            name[len("_api_") :].lower(): getattr(self, name)
            for name in dir(self)
            if name.startswith("_api_")
        }

    # ------------------------------------------------------------------ Bot API methods

    def _api_getMe(self, _params: JSONDict) -> Any:
        return dict(self.bot_user)

    def _api_getUpdates(self, params: JSONDict) -> Any:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = list(allowed) if isinstance(allowed, list) else None
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        if offset is not None:
            offset = int(offset)
            if offset < 0:
                self._updates = self._updates[offset:]
                if self._updates:
                    self._confirmed_offset = self._updates[0]["update_id"]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self._confirmed_offset = max(self._confirmed_offset, offset)
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            self._drop_unwanted_updates()
            if self._updates or self._stop_event.is_set():
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(remaining)

    def _drop_unwanted_updates(self) -> None:
        allowed = self._allowed_updates
        if allowed:
            wanted: Callable[[str], bool] = lambda kind: kind in allowed  # noqa: E731
        else:
            wanted = lambda kind: kind not in OPT_IN_UPDATES  # noqa: E731
        self._updates = [u for u in self._updates if any(wanted(k) for k in u if k != "update_id")]

    def _api_deleteWebhook(self, params: JSONDict) -> Any:
        self._webhook_url = ""
        self._webhook_secret = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._cond.notify_all()
        return True

    def _api_setWebhook(self, params: JSONDict) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token") or "")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        self._webhook_url = url
        self._webhook_secret = secret
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = list(allowed) if isinstance(allowed, list) else None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if url:
            self._webhook_pusher.ensure_running()
        self._cond.notify_all()
        return True

    def _api_getWebhookInfo(self, _params: JSONDict) -> Any:
        info: JSONDict = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook_last_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        if self._allowed_updates is not None:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _api_setMyCommands(self, params: JSONDict) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for cmd in commands:
            name = str(cmd.get("command", "")) if isinstance(cmd, dict) else ""
            desc = str(cmd.get("description", "")) if isinstance(cmd, dict) else ""
            valid = 1 <= len(name) <= 32 and all(
                c.islower() or c.isdigit() or c == "_" for c in name
            )
            if not valid or not name.isascii():
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(desc) <= 256:
                raise bad_request("command description must be non-empty")
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_getMyCommands(self, params: JSONDict) -> Any:
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    def _api_deleteMyCommands(self, params: JSONDict) -> Any:
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        self._commands.pop(key, None)
        return True

    def _set_bot_text(self, kind: str, field: str, params: JSONDict, limit: int) -> Any:
        value = str(params.get(field) or "")
        if len(value) > limit:
            raise bad_request(f"{field.upper()}_INVALID")
        self._bot_texts[(kind, str(params.get("language_code") or ""))] = value
        return True

    def _get_bot_text(self, kind: str, field: str, params: JSONDict) -> Any:
        return {field: self._bot_texts.get((kind, str(params.get("language_code") or "")), "")}

    def _api_setMyDescription(self, params: JSONDict) -> Any:
        return self._set_bot_text("description", "description", params, 512)

    def _api_getMyDescription(self, params: JSONDict) -> Any:
        return self._get_bot_text("description", "description", params)

    def _api_setMyShortDescription(self, params: JSONDict) -> Any:
        return self._set_bot_text("short", "short_description", params, 120)

    def _api_getMyShortDescription(self, params: JSONDict) -> Any:
        return self._get_bot_text("short", "short_description", params)

    def _api_setMyName(self, params: JSONDict) -> Any:
        return self._set_bot_text("name", "name", params, 64)

    def _api_getMyName(self, params: JSONDict) -> Any:
        return self._get_bot_text("name", "name", params)

    def _api_sendMessage(self, params: JSONDict) -> Any:
        self._chat(params.get("chat_id"))
        raw = params.get("text")
        plain, entities = self._format(
            raw, params.get("parse_mode"), params.get("entities"), caption=False
        )
        fields: JSONDict = {"text": plain}
        if entities:
            fields["entities"] = entities
        lpo = params.get("link_preview_options")
        if isinstance(lpo, dict) and lpo:
            fields["link_preview_options"] = lpo
        return self._send(
            params,
            kind="text",
            fields=fields,
            plain=plain,
            entities=entities,
            html="" if raw is None else str(raw),
        )

    def _editable(self, params: JSONDict) -> StoredMessage:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake")
        chat = self._chat(params.get("chat_id"))
        msg = self._stored(chat.id, params.get("message_id"))
        if msg is None:
            raise bad_request("message to edit not found")
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        return msg

    def _apply_edit(
        self,
        msg: StoredMessage,
        params: JSONDict,
        *,
        plain: str,
        entities: list[JSONDict],
        html: str,
        markup: JSONDict | None,
        text_field: str | None,
    ) -> JSONDict:
        msg.history.append(msg.text)
        if text_field is not None:
            msg.text = plain
            msg.html = html
            msg.entities = entities
            msg.parse_mode = params.get("parse_mode")
            msg.data[text_field] = plain
            ents_field = "entities" if text_field == "text" else "caption_entities"
            if entities:
                msg.data[ents_field] = entities
            else:
                msg.data.pop(ents_field, None)
        msg.reply_markup = markup
        inline = normalized_inline(markup)
        if inline is None:
            msg.data.pop("reply_markup", None)
        else:
            msg.data["reply_markup"] = inline
        msg.data["edit_date"] = self._now()
        msg.edits += 1
        self._seq += 1
        msg.edit_seq = self._seq
        msg.params = params
        return copy.deepcopy(msg.data)

    def _api_editMessageText(self, params: JSONDict) -> Any:
        return self._edit_words(params, "text")

    def _api_editMessageCaption(self, params: JSONDict) -> Any:
        return self._edit_words(params, "caption")

    def _edit_words(self, params: JSONDict, field: str) -> Any:
        """editMessageText / editMessageCaption: the same checks on a text or a media message."""
        caption = field == "caption"
        msg = self._editable(params)
        if (msg.kind == "text") == caption:
            raise bad_request(f"there is no {field} in the message to edit")
        raw = params.get(field)
        entities_key = "caption_entities" if caption else "entities"
        plain, entities = self._format(
            raw, params.get("parse_mode"), params.get(entities_key), caption=caption
        )
        markup = self._validate_markup(params.get("reply_markup"))
        if (
            plain == msg.text
            and entities == msg.entities
            and normalized_inline(markup) == normalized_inline(msg.reply_markup)
        ):
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(
            msg,
            params,
            plain=plain,
            entities=entities,
            html="" if raw is None else str(raw),
            markup=markup,
            text_field=field,
        )

    def _api_editMessageReplyMarkup(self, params: JSONDict) -> Any:
        msg = self._editable(params)
        markup = self._validate_markup(params.get("reply_markup"))
        if normalized_inline(markup) == normalized_inline(msg.reply_markup):
            raise bad_request(NOT_MODIFIED)
        msg.history.append(msg.text)
        result = self._apply_edit(
            msg,
            params,
            plain=msg.text,
            entities=msg.entities,
            html=msg.html,
            markup=markup,
            text_field=None,
        )
        msg.history.pop()
        return result

    def _api_answerCallbackQuery(self, params: JSONDict) -> Any:
        qid = str(params.get("callback_query_id") or "")
        if self._queries.get(qid, True):
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._queries[qid] = True
        self._callback_answers.append(
            CallbackAnswer(qid, None if text is None else str(text), bool(params.get("show_alert")))
        )
        return True

    def _api_deleteMessage(self, params: JSONDict) -> Any:
        chat = self._chat(params.get("chat_id"))
        msg = self._stored(chat.id, params.get("message_id"))
        if msg is None:
            raise bad_request("message to delete not found")
        if not chat.is_private and not msg.from_bot and chat.bot_status != "administrator":
            raise bad_request("message can't be deleted")
        msg.deleted = True
        return True

    def _api_getChat(self, params: JSONDict) -> Any:
        chat = self._chat(params.get("chat_id"))
        info = chat.to_dict()
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        if not chat.is_private:
            info["permissions"] = {"can_send_messages": True}
        return info

    def _member_status(self, chat: FakeChat, user_id: int) -> str:
        if user_id == self.bot_id:
            return chat.bot_status if not chat.is_private else "member"
        if chat.is_private:
            return "member" if user_id == chat.id else "left"
        if user_id == chat.creator_id:
            return "creator"
        if user_id in chat.admins:
            return "administrator"
        if user_id in chat.members:
            return "member"
        return "left"

    def _member(self, chat: FakeChat, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            user = dict(self.bot_user)
        elif user_id in self._users:
            user = self._users[user_id].to_dict()
        else:
            raise bad_request("user not found")
        status = self._member_status(chat, user_id)
        member: JSONDict = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update({**ADMIN_RIGHTS, "can_pin_messages": True, "can_manage_topics": False})
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _api_getChatMember(self, params: JSONDict) -> Any:
        chat = self._chat(params.get("chat_id"))
        try:
            user_id = int(params.get("user_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise bad_request("invalid user_id specified") from None
        return self._member(chat, user_id)

    def _api_getChatAdministrators(self, params: JSONDict) -> Any:
        chat = self._chat(params.get("chat_id"))
        if chat.is_private:
            raise bad_request("there are no administrators in the private chat")
        ids: list[int] = []
        if chat.creator_id is not None:
            ids.append(chat.creator_id)
        ids.extend(a for a in chat.admins if a not in ids)
        if chat.bot_status == "administrator":
            ids.append(self.bot_id)
        return [self._member(chat, uid) for uid in ids]

    def _api_getChatMemberCount(self, params: JSONDict) -> Any:
        chat = self._chat(params.get("chat_id"))
        if chat.is_private:
            return 2
        people = set(chat.members) | set(chat.admins)
        if chat.creator_id is not None:
            people.add(chat.creator_id)
        return len(people) + (0 if chat.bot_status == "kicked" else 1)

    def _new_file(
        self,
        kind: str,
        content: bytes,
        file_name: str | None,
        mime_type: str | None,
    ) -> StoredFile:
        n = next(self._file_counter)
        if kind == "photo":
            file_id = f"AgACAgUAAxkBAAI{n:08d}FakePhoto"
            ext = ".jpg"
            width, height = image_size(content)
        else:
            file_id = f"BQACAgUAAxkBAAI{n:08d}FakeDocument"
            ext = ""
            if file_name and "." in file_name:
                ext = "." + file_name.rsplit(".", 1)[1]
            width = height = 0
        folder = "photos" if kind == "photo" else "documents"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AQAD{n:08d}",
            kind=kind,
            content=content,
            file_path=f"{folder}/file_{n}{ext}",
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._files[file_id] = stored
        self._file_paths[stored.file_path] = file_id
        return stored

    def _input_file(self, params: JSONDict, field: str, kind: str) -> StoredFile:
        value = params.get(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        if isinstance(value, UploadedFile):
            if not value.content:
                raise bad_request("file must be non-empty")
            mime = value.content_type
            if kind == "photo":
                mime = "image/jpeg"
            return self._new_file(kind, value.content, value.filename, mime)
        if isinstance(value, str) and value:
            if value.startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
            stored = self._files.get(value)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
            return stored
        raise bad_request(f"there is no {field} in the request")

    def _send_media(self, params: JSONDict, kind: str) -> Any:
        self._chat(params.get("chat_id"))
        raw = params.get("caption")
        plain, entities = self._format(
            raw, params.get("parse_mode"), params.get("caption_entities"), caption=True
        )
        stored = self._input_file(params, kind, kind)
        fields: JSONDict = {}
        if kind == "photo":
            fields["photo"] = [stored.describe()]
        else:
            fields["document"] = stored.describe()
        if plain:
            fields["caption"] = plain
        if entities:
            fields["caption_entities"] = entities
        return self._send(
            params,
            kind=kind,
            fields=fields,
            plain=plain,
            entities=entities,
            html="" if raw is None else str(raw),
            file=stored,
        )

    def _api_sendDocument(self, params: JSONDict) -> Any:
        return self._send_media(params, "document")

    def _api_sendPhoto(self, params: JSONDict) -> Any:
        return self._send_media(params, "photo")

    def _api_getFile(self, params: JSONDict) -> Any:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _api_sendChatAction(self, params: JSONDict) -> Any:
        chat = self._chat(params.get("chat_id"))
        action = str(params.get("action") or "")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_can_send(chat)
        self.chat_actions.append((chat.id, action))
        return True

    def _api_setChatMenuButton(self, params: JSONDict) -> Any:
        chat_id = params.get("chat_id")
        key = None if chat_id is None else self._chat(chat_id).id
        button = params.get("menu_button")
        self._menu_buttons[key] = button if isinstance(button, dict) else {"type": "default"}
        return True

    def _api_getChatMenuButton(self, params: JSONDict) -> Any:
        chat_id = params.get("chat_id")
        key = None if chat_id is None else self._chat(chat_id).id
        button = self._menu_buttons.get(key) or self._menu_buttons.get(None)
        return copy.deepcopy(button) if button else {"type": "default"}

    def _api_close(self, _params: JSONDict) -> Any:
        return True

    def _api_logOut(self, _params: JSONDict) -> Any:
        return True
