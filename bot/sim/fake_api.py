"""A local fake of the Telegram Bot API over real HTTP, for end-to-end tests and the simulator.

Point PTB at it with ``base_url=fake.base_url`` and ``base_file_url=fake.file_url``. The
server runs on daemon threads (stdlib ``ThreadingHTTPServer``), so the bot may live in the
test's event loop or in a subprocess. All state sits under one ``threading.Condition``.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
import mimetypes
import random
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from bot.sim._http import FakeHTTPServer, HttpResponse, UploadedFile, parse_body
from bot.sim._methods import BotApiMethods
from bot.sim._models import (
    ADMIN_RIGHTS,
    ApiError,
    BotMessage,
    Call,
    CallbackAnswer,
    FakeChat,
    FakeUser,
    JSONDict,
    StoredMessage,
    bad_request,
)
from bot.sim._state import DEFAULT_TOKEN, DelayRule, FailRule, LateRule, inline_rows
from bot.sim._text import (
    derive_entities,
    entity_for_substring,
)

__all__ = [
    "CHANNEL_BOT",
    "DEFAULT_TOKEN",
    "GROUP_ANONYMOUS_BOT",
    "ApiError",
    "BotMessage",
    "Call",
    "CallbackAnswer",
    "FakeBotAPI",
    "FakeChat",
    "FakeUser",
    "UploadedFile",
]

_T = TypeVar("_T")

#: The "users" Telegram puts in ``from`` of a message sent as a chat (see send_as_chat).
GROUP_ANONYMOUS_BOT = FakeUser(
    1087968824, "Group", username="GroupAnonymousBot", language_code=None, is_bot=True
)
CHANNEL_BOT = FakeUser(
    136817688, "Channel", username="Channel_Bot", language_code=None, is_bot=True
)


def call_sent(call: Call) -> Callable[[bool], None]:
    """Hook for the HTTP layer: flag ``call`` as undelivered when the reply could not be sent."""

    def sent(delivered: bool) -> None:
        call.delivered = delivered

    return sent


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FakeBotAPI(BotApiMethods):
    """In-process fake Telegram Bot API server with a test-facing control surface."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "officebot_bot",
        bot_id: int | None = None,
        *,
        bot_first_name: str = "OfficeBot",
        host: str = "127.0.0.1",
        port: int = 0,
        strict_html_ampersand: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(
            token,
            bot_username,
            bot_id,
            bot_first_name=bot_first_name,
            strict_html_ampersand=strict_html_ampersand,
            clock=clock,
        )
        self._host = host
        self._port = port
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._methods = self.method_table()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Bind 127.0.0.1 (port 0 = any free port) and serve on a daemon thread."""
        if self._server is not None:
            return
        self._stop_event.clear()
        server = FakeHTTPServer(self, self._host, self._port)
        self._server = server
        self._port = server.server_port  # a restart binds the same port: URLs stay valid
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeBotAPI-server",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Wake long polls and delays, close every connection and join all server threads."""
        server = self._server
        if server is None:
            return
        self._stop_event.set()
        server.stopping.set()
        with self._cond:
            self._cond.notify_all()
        server.shutdown()
        self._webhook_pusher.join()
        if self._thread is not None:
            self._thread.join(5)
        server.close_all()
        server.server_close()
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotAPI:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port (known once started; kept across stop/start)."""
        if self._port == 0:
            raise RuntimeError("FakeBotAPI has not been started yet")
        return self._port

    @property
    def base_url(self) -> str:
        """``base_url`` for PTB: ``http://127.0.0.1:PORT/bot``."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """``base_file_url`` for PTB: ``http://127.0.0.1:PORT/file/bot``."""
        return f"http://{self._host}:{self.port}/file/bot"

    # ------------------------------------------------------------------ HTTP entry point

    def handle_http(
        self, _verb: str, path: str, headers: dict[str, str], body: bytes
    ) -> HttpResponse:
        """Serve one HTTP request (called on a server thread)."""
        started = time.monotonic()
        split = urlsplit(path)
        route = unquote(split.path)
        if route.startswith("/file/bot"):
            return self._serve_file(route[len("/file/bot") :], started)
        if not route.startswith("/bot"):
            return self._json_reply("?", {}, started, ApiError(404, "Not Found"))
        token, _, method = route[len("/bot") :].partition("/")
        try:
            params = parse_body(headers.get("content-type", ""), body, split.query)
        except (ValueError, UnicodeError) as exc:
            return self._json_reply(
                method, {}, started, bad_request(f"can't parse request body: {exc}")
            )
        if token != self.token:
            return self._json_reply(method, params, started, ApiError(401, "Unauthorized"))
        result: Any
        try:
            result = self._call(method, params)
        except ApiError as err:
            result = err
        except Exception:  # noqa: BLE001 - reported as a 500 and kept in internal_errors
            trace = traceback.format_exc()
            with self._cond:
                self.internal_errors.append(f"{method}: {trace}")
            result = ApiError(500, f"Internal Server Error: fake bug in {method}")
        return self._json_reply(method, params, started, result)

    def _json_reply(
        self, method: str, params: JSONDict, started: float, result: Any
    ) -> HttpResponse:
        if isinstance(result, ApiError):
            status, payload = result.status, result.envelope()
        else:
            status, payload = 200, {"ok": True, "result": result}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")

        call = Call(
            method=method,
            params=params,
            at=started,
            status=status,
            response=payload,
            duration=time.monotonic() - started,
        )
        self._record(call)
        return HttpResponse(status=status, body=body, on_sent=call_sent(call))

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _serve_file(self, rest: str, started: float) -> HttpResponse:
        token, _, file_path = rest.partition("/")
        with self._cond:
            file_id = self._file_paths.get(file_path) if token == self.token else None
            stored = self._files.get(file_id) if file_id else None
        status = 200 if stored else 404
        payload: JSONDict = {"file_path": file_path, "size": len(stored.content) if stored else 0}

        call = Call(
            "download",
            {"file_path": file_path},
            started,
            status,
            payload,
            time.monotonic() - started,
        )
        self._record(call)
        record = call_sent(call)

        if stored is None:
            body = json.dumps({"ok": False, "error_code": 404, "description": "Not Found"})
            return HttpResponse(404, body.encode(), on_sent=record)
        mime = stored.mime_type or mimetypes.guess_type(file_path)[0] or "application/octet-stream"
        return HttpResponse(200, stored.content, content_type=mime, on_sent=record)

    def _call(self, method: str, params: JSONDict) -> Any:
        key = method.lower()
        delay = 0.0
        with self._cond:
            for rule in self._delay_rules:
                if rule.method == key and rule.applies():
                    delay = rule.seconds
                    self._consume(self._delay_rules, rule)
                    self._delayed.append((key, delay))
                    break
        if delay > 0:
            self._stop_event.wait(delay)
        with self._cond:
            for fail in self._fail_rules:
                if fail.method != key:
                    continue
                if fail.chat_id is not None and str(params.get("chat_id")) != str(fail.chat_id):
                    continue
                self._consume(self._fail_rules, fail)
                raise ApiError(fail.status, fail.description, fail.parameters)
            impl = self._methods.get(key)
            if impl is None:
                raise ApiError(404, "Not Found")
            try:
                result = impl(params)
            finally:
                self._cond.notify_all()
            late = self._late_for(key, params)
        if late > 0:  # performed already (visible in the fake), answered only now
            self._stop_event.wait(late)
        return result

    def _late_for(self, key: str, params: JSONDict) -> float:
        for rule in self._late_rules:
            if rule.method != key:
                continue
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            rule.seen += 1
            if not rule.picks():
                continue
            self.late_answers += 1
            self._consume(self._late_rules, rule)
            return rule.seconds
        return 0.0

    @staticmethod
    def _consume(rules: list[Any], rule: FailRule | DelayRule | LateRule) -> None:
        if rule.times is None:
            return
        rule.times -= 1
        if rule.times <= 0:
            rules.remove(rule)

    # ------------------------------------------------------------------ world setup

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> FakeUser:
        """Register a human user the bot may meet."""
        user = FakeUser(
            id=user_id,
            first_name=first_name,
            username=username,
            last_name=last_name,
            language_code=language_code,
        )
        with self._cond:
            self._users[user_id] = user
        return user

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        members: list[FakeUser],
        admins: list[FakeUser] | None = None,
        creator: FakeUser | None = None,
        bot_admin: bool = False,
        forum: bool = False,
    ) -> FakeChat:
        """Register a group (``-100…`` ids become supergroups) with the bot as a member.

        ``forum`` makes it a forum supergroup (topics: `add_topic`)."""
        if forum and not str(chat_id).startswith("-100"):
            raise ValueError("only supergroups (-100… ids) can be forums")
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        admins = admins or []
        everyone = [*members, *admins, *([creator] if creator else [])]
        with self._cond:
            for user in everyone:
                self._users.setdefault(user.id, user)
            ids: list[int] = []
            for user in everyone:
                if user.id not in ids:
                    ids.append(user.id)
            chat = FakeChat(
                id=chat_id,
                type="supergroup" if str(chat_id).startswith("-100") else "group",
                title=title,
                members=ids,
                admins=[a.id for a in admins],
                creator_id=creator.id if creator else None,
                bot_status="administrator" if bot_admin else "member",
                is_forum=forum,
            )
            self._groups[chat_id] = chat
        return chat

    # ----- forum topics ----------------------------------------------------------------------
    def add_topic(self, chat: FakeChat | int, name: str) -> int:
        """Open a topic in a forum supergroup; returns its message_thread_id."""
        with self._cond:
            group = self._groups[self._chat_id(chat)]
            if not group.is_forum:
                raise ValueError("not a forum")
            # A topic's id is its service message's id; 1 is the General topic's.
            tid = max(2, self._next_message_id.get(group.id, 1))
            self._next_message_id[group.id] = tid + 1
            group.topics[tid] = {"name": name, "closed": False, "deleted": False}
            return tid

    def enable_topics(self, chat: FakeChat | int) -> None:
        """An admin turns topics on: the supergroup becomes a forum."""
        with self._cond:
            group = self._groups[self._chat_id(chat)]
            if group.type != "supergroup":
                raise ValueError("only supergroups can have topics")
            group.is_forum = True

    def close_topic(self, chat: FakeChat | int, thread: int, *, closed: bool = True) -> None:
        with self._cond:
            self._groups[self._chat_id(chat)].topics[thread]["closed"] = closed

    def delete_topic(self, chat: FakeChat | int, thread: int) -> None:
        with self._cond:
            self._groups[self._chat_id(chat)].topics[thread]["deleted"] = True

    # ----- group → supergroup ----------------------------------------------------------------
    def migrate_to_supergroup(self, chat: FakeChat | int, new_id: int | None = None) -> FakeChat:
        """A basic group becomes a supergroup, as Telegram does it: a new chat id; the old
        chat gets a service message with ``migrate_to_chat_id``, the new one with
        ``migrate_from_chat_id``; history keeps its message ids; sends to the old id fail."""
        with self._cond:
            old = self._groups[self._chat_id(chat)]
            if old.type != "group":
                raise ValueError("only basic groups migrate")
            new_id = new_id or int(f"-100{abs(old.id)}")
            new = FakeChat(
                id=new_id,
                type="supergroup",
                title=old.title,
                members=list(old.members),
                admins=list(old.admins),
                creator_id=old.creator_id,
                bot_status=old.bot_status,
            )
            self._groups[new_id] = new
            self._messages[new_id] = {
                mid: dataclasses.replace(m, chat_id=new_id)
                for mid, m in self._messages.get(old.id, {}).items()
            }
            self._next_message_id[new_id] = self._next_message_id.get(old.id, 1)
            actor = self._users.get(old.creator_id or (old.admins or old.members or [0])[0])
            sender = actor.to_dict() if actor else dict(self.bot_user)
            out = self._new_message(old, sender, {"migrate_to_chat_id": new_id}, from_bot=False)
            self._enqueue({"message": copy.deepcopy(out.data)})
            old.migrated_to = new_id
            into = self._new_message(new, sender, {"migrate_from_chat_id": old.id}, from_bot=False)
            self._enqueue({"message": copy.deepcopy(into.data)})
            return new

    def add_member(
        self,
        chat: FakeChat | int,
        user: FakeUser,
        *,
        admin: bool = False,
        notify: bool = False,
        by: FakeUser | None = None,
    ) -> None:
        """Add ``user`` to a group. ``notify``: the service message with ``new_chat_members``
        (from ``by``, else the user joining) and, when the bot asked for them, a
        ``chat_member`` update — as Telegram sends both; otherwise no update."""
        with self._cond:
            group = self._groups[self._chat_id(chat)]
            self._users.setdefault(user.id, user)
            if user.id not in group.members:
                group.members.append(user.id)
            if admin and user.id not in group.admins:
                group.admins.append(user.id)
            if not notify:
                return
            actor = by or user
            fields: JSONDict = {"new_chat_members": [user.to_dict()]}
            msg = self._new_message(group, actor.to_dict(), fields, from_bot=False)
            self._action_seq = self._seq
            self._enqueue({"message": copy.deepcopy(msg.data)})
            self._enqueue(
                {
                    "chat_member": {
                        "chat": group.to_dict(),
                        "from": actor.to_dict(),
                        "date": self._now(),
                        "old_chat_member": {"status": "left", "user": user.to_dict()},
                        "new_chat_member": {
                            "status": "administrator" if admin else "member",
                            "user": user.to_dict(),
                        }
                        | (ADMIN_RIGHTS if admin else {}),
                    }
                }
            )

    def remove_member(
        self,
        chat: FakeChat | int,
        user: FakeUser,
        *,
        notify: bool = False,
        by: FakeUser | None = None,
    ) -> None:
        """Remove ``user`` from a group; getChatMember then reports ``left`` (``kicked`` when
        ``by`` someone). ``notify``: the service message with ``left_chat_member`` and, when
        the bot asked for them, a ``chat_member`` update — as Telegram sends both."""
        with self._cond:
            group = self._groups[self._chat_id(chat)]
            was = "administrator" if user.id in group.admins else "member"
            group.members = [m for m in group.members if m != user.id]
            group.admins = [a for a in group.admins if a != user.id]
            if not notify:
                return
            actor = by or user
            status = "kicked" if by is not None else "left"
            msg = self._new_message(
                group, actor.to_dict(), {"left_chat_member": user.to_dict()}, from_bot=False
            )
            self._action_seq = self._seq
            self._enqueue({"message": copy.deepcopy(msg.data)})
            new_member: JSONDict = {"status": status, "user": user.to_dict()}
            if status == "kicked":
                new_member["until_date"] = 0
            self._enqueue(
                {
                    "chat_member": {
                        "chat": group.to_dict(),
                        "from": actor.to_dict(),
                        "date": self._now(),
                        "old_chat_member": {"status": was, "user": user.to_dict()},
                        "new_chat_member": new_member,
                    }
                }
            )

    def kick_bot(
        self, chat: FakeChat | int, *, notify: bool = False, by: FakeUser | None = None
    ) -> None:
        """Remove the bot from a group: sends there then fail with 403; ``notify`` queues the
        ``my_chat_member`` update Telegram sends (always delivered, no opt-in)."""
        self._set_bot_status(chat, "kicked", notify=notify, by=by)

    def add_bot_back(self, chat: FakeChat | int, *, by: FakeUser | None = None) -> None:
        """Someone adds the bot to the group again (a ``my_chat_member`` update)."""
        self._set_bot_status(chat, "member", notify=True, by=by)

    def _set_bot_status(
        self, chat: FakeChat | int, status: str, *, notify: bool, by: FakeUser | None
    ) -> None:
        with self._cond:
            group = self._groups[self._chat_id(chat)]
            old, group.bot_status = group.bot_status, status
            if not notify:
                return
            actor = by or self._users.get((group.admins or group.members or [0])[0])
            bot = dict(self.bot_user)
            old_member: JSONDict = {"status": old, "user": bot}
            new_member: JSONDict = {"status": status, "user": bot}
            for member in (old_member, new_member):
                if member["status"] == "kicked":  # Telegram's ChatMemberBanned has one
                    member["until_date"] = 0
            self._enqueue(
                {
                    "my_chat_member": {
                        "chat": group.to_dict(),
                        "from": actor.to_dict() if actor else bot,
                        "date": self._now(),
                        "old_chat_member": old_member,
                        "new_chat_member": new_member,
                    }
                }
            )

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The one-to-one chat between ``user`` and the bot."""
        with self._cond:
            self._users.setdefault(user.id, user)
            return self._private_chat(user)

    def mark_started(self, user: FakeUser) -> None:
        """``user`` pressed Start in the bot's private chat long ago (no update now): the bot
        may write to them."""
        with self._cond:
            self._users.setdefault(user.id, user)
            self._private_chat(user)
            self._started.add(user.id)

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot (sends then 403); ``notify`` queues a my_chat_member update."""
        self._set_blocked(user_id, True, notify)

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        """The user unblocks the bot; ``notify`` queues a my_chat_member update."""
        self._set_blocked(user_id, False, notify)

    def _set_blocked(self, user_id: int, blocked: bool, notify: bool) -> None:
        with self._cond:
            was = user_id in self._blocked
            if blocked:
                self._blocked.add(user_id)
            else:
                self._blocked.discard(user_id)
            user = self._users.get(user_id)
            if notify and user is not None and was != blocked:
                old, new = ("member", "kicked") if blocked else ("kicked", "member")
                bot = dict(self.bot_user)
                old_member: JSONDict = {"status": old, "user": bot}
                new_member: JSONDict = {"status": new, "user": bot}
                for member in (old_member, new_member):
                    if member["status"] == "kicked":
                        member["until_date"] = 0
                self._enqueue(
                    {
                        "my_chat_member": {
                            "chat": self._private_chat(user).to_dict(),
                            "from": user.to_dict(),
                            "date": self._now(),
                            "old_chat_member": old_member,
                            "new_chat_member": new_member,
                        }
                    }
                )

    # ------------------------------------------------------------------ simulated users

    def _chat_id(self, chat: FakeChat | FakeUser | int) -> int:
        if isinstance(chat, FakeChat | FakeUser):
            return chat.id
        return int(chat)

    def _user_message(
        self,
        user: FakeUser,
        chat: FakeChat | int,
        fields: JSONDict,
        reply_to: int | None,
    ) -> JSONDict:
        with self._cond:
            self._users.setdefault(user.id, user)
            target = self._find_chat(self._chat_id(chat))
            if target is None:
                raise ValueError(f"unknown chat {chat!r}; add_group/add_user first")
            if target.is_private:
                if target.id != user.id:
                    raise ValueError(f"user {user.id} cannot write in {target.id}'s private chat")
                self._started.add(user.id)
            elif user.id not in target.members:
                target.members.append(user.id)
            replied: StoredMessage | None = None
            if reply_to is not None:
                replied = self._stored(target.id, reply_to)
                if replied is None:
                    raise ValueError(f"no message {reply_to} in chat {target.id}")
            msg = self._new_message(
                target, user.to_dict(), fields, from_bot=False, reply_to=replied
            )
            msg.text = str(fields.get("text") or fields.get("caption") or "")
            self._action_seq = self._seq
            update = self._enqueue({"message": copy.deepcopy(msg.data)})
            return copy.deepcopy(update["message"])

    def send_message(
        self,
        user: FakeUser,
        chat: FakeChat | int,
        text: str,
        *,
        reply_to: int | None = None,
        entities: list[JSONDict] | None = None,
        thread: int | None = None,
    ) -> JSONDict:
        """``user`` writes ``text`` in ``chat`` (in forum topic ``thread``, if given); returns
        the Message as put in the update.

        Entities default to Telegram's auto-detection (bot_command, mention, hashtag, url,
        email; UTF-16 offsets). Writing in the private chat marks the bot as started.
        """
        fields: JSONDict = {"text": text}
        if thread is not None:
            fields.update(message_thread_id=thread, is_topic_message=True)
        ents = derive_entities(text) if entities is None else entities
        if ents:
            fields["entities"] = ents
        return self._user_message(user, chat, fields, reply_to)

    def send_as_chat(
        self,
        chat: FakeChat | int,
        text: str,
        *,
        channel: FakeChat | None = None,
        with_from: bool = True,
        reply_to: int | None = None,
    ) -> JSONDict:
        """A message in a group sent on behalf of a chat, as Telegram shows it to bots: by an
        anonymous admin (``sender_chat`` is the group, ``from`` is GroupAnonymousBot), or by
        ``channel`` (``sender_chat`` is the channel, ``from`` is Channel_Bot). ``with_from=False``
        leaves ``from`` out altogether. Nobody becomes a member of the group."""
        with self._cond:
            target = self._find_chat(self._chat_id(chat))
            if target is None or target.is_private:
                raise ValueError(f"unknown group {chat!r}; add_group first")
            sender_chat = channel if channel is not None else target
            stand_in = CHANNEL_BOT if channel is not None else GROUP_ANONYMOUS_BOT
            replied = self._stored(target.id, reply_to) if reply_to is not None else None
            if reply_to is not None and replied is None:
                raise ValueError(f"no message {reply_to} in chat {target.id}")
            fields: JSONDict = {"text": text, "sender_chat": sender_chat.to_dict()}
            ents = derive_entities(text)
            if ents:
                fields["entities"] = ents
            msg = self._new_message(
                target, stand_in.to_dict(), fields, from_bot=False, reply_to=replied
            )
            if not with_from:
                msg.data.pop("from", None)
            msg.text = text
            self._action_seq = self._seq
            update = self._enqueue({"message": copy.deepcopy(msg.data)})
            return copy.deepcopy(update["message"])

    def text_mention(self, text: str, substring: str, user: FakeUser) -> JSONDict:
        """A ``text_mention`` entity for ``substring`` of ``text`` pointing at ``user``."""
        entity = entity_for_substring(text, substring, "text_mention")
        entity["user"] = user.to_dict()
        return entity

    def share_contact(
        self,
        user: FakeUser,
        chat: FakeChat | int,
        phone_number: str,
        first_name: str,
        *,
        last_name: str | None = None,
        contact_user_id: int | None = None,
        vcard: str | None = None,
    ) -> JSONDict:
        """``user`` shares a contact card in ``chat``."""
        contact: JSONDict = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        if vcard:
            contact["vcard"] = vcard
        return self._user_message(user, chat, {"contact": contact}, None)

    def send_document(
        self,
        user: FakeUser,
        chat: FakeChat | int,
        file_name: str,
        content: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> JSONDict:
        """``user`` uploads a document; getFile + download return ``content``."""
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        with self._cond:
            stored = self._new_file("document", content, file_name, mime)
        fields: JSONDict = {"document": stored.describe()}
        if caption:
            fields["caption"] = caption
            ents = derive_entities(caption)
            if ents:
                fields["caption_entities"] = ents
        return self._user_message(user, chat, fields, reply_to)

    def send_photo(
        self,
        user: FakeUser,
        chat: FakeChat | int,
        content: bytes,
        *,
        caption: str | None = None,
    ) -> JSONDict:
        """``user`` sends a photo (a single PhotoSize)."""
        with self._cond:
            stored = self._new_file("photo", content, None, "image/jpeg")
        fields: JSONDict = {"photo": [stored.describe()]}
        if caption:
            fields["caption"] = caption
        return self._user_message(user, chat, fields, None)

    def edit_user_message(
        self, user: FakeUser, chat: FakeChat | int, message_id: int, text: str
    ) -> JSONDict:
        """``user`` edits their earlier text message; queues an ``edited_message`` update."""
        with self._cond:
            cid = self._chat_id(chat)
            msg = self._stored(cid, message_id)
            if msg is None or msg.from_bot or msg.data.get("from", {}).get("id") != user.id:
                raise ValueError(f"no message {message_id} by user {user.id} in chat {cid}")
            msg.history.append(msg.text)
            msg.text = text
            msg.data["text"] = text
            ents = derive_entities(text)
            if ents:
                msg.data["entities"] = ents
            else:
                msg.data.pop("entities", None)
            msg.data["edit_date"] = self._now()
            msg.edits += 1
            self._action_seq = self._seq
            update = self._enqueue({"edited_message": copy.deepcopy(msg.data)})
            return copy.deepcopy(update["edited_message"])

    def _resolve_message_ref(
        self, message: JSONDict | BotMessage | tuple[int, int]
    ) -> tuple[int, int]:
        if isinstance(message, BotMessage):
            return message.chat_id, message.message_id
        if isinstance(message, tuple):
            return int(message[0]), int(message[1])
        if "chat_id" in message:
            return int(message["chat_id"]), int(message["message_id"])
        return int(message["chat"]["id"]), int(message["message_id"])

    def press(
        self,
        user: FakeUser,
        message: JSONDict | BotMessage | tuple[int, int],
        callback_data: str,
        *,
        strict: bool = True,
    ) -> str:
        """``user`` presses an inline button; queues a callback_query and returns its id.

        With ``strict`` the message must currently carry a button with ``callback_data``.
        """
        chat_id, message_id = self._resolve_message_ref(message)
        with self._cond:
            msg = self._stored(chat_id, message_id)
            if msg is None:
                raise ValueError(f"no live message {message_id} in chat {chat_id}")
            if strict:
                datas = [
                    b.get("callback_data") for row in inline_rows(msg.reply_markup) for b in row
                ]
                if callback_data not in datas:
                    raise ValueError(
                        f"message {chat_id}/{message_id} has no button with callback_data "
                        f"{callback_data!r}; it has {datas!r}"
                    )
            self._users.setdefault(user.id, user)
            qid = str(next(self._query_ids))
            self._queries[qid] = False
            self._action_seq = self._seq
            self._enqueue(
                {
                    "callback_query": {
                        "id": qid,
                        "from": user.to_dict(),
                        "message": copy.deepcopy(msg.data),
                        "chat_instance": str(abs(chat_id) * 7919 + self.bot_id),
                        "data": callback_data,
                    }
                }
            )
            return qid

    def press_button(
        self, user: FakeUser, chat_id: FakeChat | int, message_id: int, label_substring: str
    ) -> str:
        """Press the inline button whose label is (or, uniquely, contains) ``label_substring``."""
        cid = self._chat_id(chat_id)
        with self._cond:
            msg = self._stored(cid, message_id)
            if msg is None:
                raise ValueError(f"no live message {message_id} in chat {cid}")
            buttons = [b for row in inline_rows(msg.reply_markup) for b in row]
            exact = [b for b in buttons if b.get("text") == label_substring]
            matches = exact or [b for b in buttons if label_substring in str(b.get("text", ""))]
            labels = [b.get("text") for b in buttons]
            if not matches:
                raise ValueError(f"no button labelled {label_substring!r}; labels: {labels!r}")
            if len(matches) > 1:
                raise ValueError(f"{label_substring!r} matches several buttons: {labels!r}")
            data = matches[0].get("callback_data")
            if data is None:
                raise ValueError(f"button {matches[0].get('text')!r} has no callback_data")
        return self.press(user, (cid, message_id), str(data))

    # ------------------------------------------------------------------ fault injection

    def fail(
        self,
        method: str,
        *,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int | None = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (None = forever) fail with ``status``."""
        if description is None:
            description = {
                400: "Bad Request",
                401: "Unauthorized",
                403: "Forbidden",
                404: "Not Found",
                409: "Conflict",
                429: f"Too Many Requests: retry after {retry_after or 1}",
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
                504: "Gateway Timeout",
            }.get(status, "Error")
        parameters: JSONDict | None = None
        if status == 429 or retry_after is not None:
            parameters = {"retry_after": retry_after or 1}
        with self._cond:
            self._fail_rules.append(
                FailRule(method.lower(), status, description, parameters, times, chat_id)
            )

    def delay(
        self,
        method: str,
        seconds: float,
        *,
        times: int | None = 1,
        share: float = 1.0,
        seed: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (None = forever) ``seconds`` late.

        With ``share`` < 1 only that fraction of the matching calls is delayed, chosen at
        random (``seed`` makes the choice repeatable); ``times`` then counts delayed calls.
        The delay comes before the call is carried out, so a client that gives up waiting
        still finds the message sent.
        """
        if not 0.0 < share <= 1.0:
            raise ValueError("share must be in (0, 1]")
        rng = random.Random(seed) if share < 1.0 else None
        with self._cond:
            self._delay_rules.append(DelayRule(method.lower(), seconds, times, share, rng))

    @property
    def delayed_calls(self) -> list[tuple[str, float]]:
        """``(method, seconds)`` of every call a ``delay`` rule held back, in order."""
        with self._cond:
            return list(self._delayed)

    def answer_late(
        self,
        method: str,
        seconds: float,
        *,
        fraction: float = 1.0,
        every: int | None = None,
        times: int | None = None,
        chat_id: int | str | None = None,
        seed: int = 0,
    ) -> None:
        """Carry out calls of ``method`` at once but answer them ``seconds`` late (a slow
        Telegram: a client that times out has in fact been served).

        Which calls: every ``every``-th one if given, else a ``fraction`` of them picked by a
        random generator seeded with ``seed`` (repeatable); ``times`` late answers at most
        (None = no limit); only calls for ``chat_id`` if given. ``late_answers`` counts them.
        """
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction is between 0 and 1")
        with self._cond:
            self._late_rules.append(
                LateRule(method.lower(), seconds, fraction, every, times, chat_id, seed)
            )

    def clear_faults(self) -> None:
        """Drop all pending ``fail``/``delay``/``answer_late`` rules."""
        with self._cond:
            self._fail_rules.clear()
            self._delay_rules.clear()
            self._late_rules.clear()

    def was_fetched(self, update_id: int) -> bool:
        """Has a getUpdates answer carried this update (the bot may not have confirmed it)?"""
        with self._cond:
            calls = [c for c in self._calls if c.method.lower() == "getupdates" and c.ok]
        return any(
            isinstance(u, dict) and u.get("update_id") == update_id
            for c in calls
            for u in c.response.get("result") or []
        )

    # ------------------------------------------------------------------ inspection

    def webhook_info(self) -> JSONDict:
        """What getWebhookInfo would answer now."""
        with self._cond:
            info: JSONDict = self._api_getWebhookInfo({})
            return info

    @property
    def calls(self) -> list[Call]:
        """Every request served so far, in completion order."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Requests to ``method`` (case-insensitive)."""
        key = method.lower()
        with self._cond:
            return [c for c in self._calls if c.method.lower() == key]

    def clear_calls(self) -> None:
        """Forget the recorded calls."""
        with self._cond:
            self._calls.clear()

    def bot_messages(
        self, chat_id: FakeChat | FakeUser | int | None = None, *, after: int = 0
    ) -> list[BotMessage]:
        """Snapshots of the bot's messages (in send order), optionally for one chat, and only
        those sent after the `mark()` `after` (polling a long log cheaply: the snapshots are
        copies, made under the server's lock)."""
        with self._cond:
            cid = None if chat_id is None else self._chat_id(chat_id)
            return [
                m.snapshot()
                for m in self._bot_log
                if m.seq > after and (cid is None or m.chat_id == cid)
            ]

    def message(self, chat_id: FakeChat | FakeUser | int, message_id: int) -> BotMessage | None:
        """Snapshot of any stored message (bot's or user's), deleted ones included."""
        with self._cond:
            msg = self._messages.get(self._chat_id(chat_id), {}).get(message_id)
            return msg.snapshot() if msg else None

    def last_bot_message(self, chat_id: FakeChat | FakeUser | int) -> BotMessage | None:
        """The bot's most recent message in a chat, if any."""
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    def reply_keyboard(self, chat_id: FakeChat | FakeUser | int) -> JSONDict | None:
        """The reply keyboard currently shown in a chat (None if none or removed)."""
        with self._cond:
            return copy.deepcopy(self._reply_keyboards.get(self._chat_id(chat_id)))

    def file_content(self, file_id: str) -> bytes:
        """Bytes of a stored file (uploaded by the bot or a user)."""
        with self._cond:
            return self._files[file_id].content

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """``(query_id, text, show_alert)`` of every answerCallbackQuery."""
        with self._cond:
            return list(self._callback_answers)

    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        with self._cond:
            return len(self._updates)

    @property
    def confirmed_offset(self) -> int:
        """Highest ``offset`` a getUpdates call confirmed with (0 if none)."""
        with self._cond:
            return self._confirmed_offset

    def my_commands(
        self, language_code: str | None = None, scope: JSONDict | None = None
    ) -> list[JSONDict]:
        """Commands stored by setMyCommands for exactly this scope and language."""
        with self._cond:
            return copy.deepcopy(self._commands.get(self._scope_key(scope, language_code), []))

    def menu_button(self, chat_id: int | None = None) -> JSONDict | None:
        """The menu button set by setChatMenuButton for a chat (None = the default one)."""
        with self._cond:
            return copy.deepcopy(self._menu_buttons.get(chat_id))

    def mark(self) -> int:
        """A position in the bot's send/edit sequence, for ``wait_for_message(after=...)``."""
        with self._cond:
            return self._seq

    # ------------------------------------------------------------------ waiting

    async def wait_for(
        self,
        predicate: Callable[[], _T | None],
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test-facing contract
        interval: float = 0.01,
    ) -> _T:
        """Poll ``predicate`` until it returns something truthy; TimeoutError with a dump."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s\n{self.dump()}")
            await asyncio.sleep(interval)

    def _find_new_message(
        self, cid: int, contains: str | None, after: int, include_edits: bool
    ) -> BotMessage | None:
        with self._cond:
            for msg in self._bot_log:
                if msg.chat_id != cid:
                    continue
                fresh = msg.seq > after or (include_edits and msg.edit_seq > after)
                if fresh and (contains is None or contains in msg.text):
                    return msg.snapshot()
        return None

    async def wait_for_message(
        self,
        chat_id: FakeChat | FakeUser | int,
        *,
        contains: str | None = None,
        after: int | None = None,
        include_edits: bool = False,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test-facing contract
    ) -> BotMessage:
        """Wait for the first bot message in ``chat_id`` sent after ``after`` containing ``contains``.

        ``after`` defaults to the moment of the latest simulated user action (send_message,
        press, …), so a reply the bot sent before this call started still counts; pass
        ``after=fake.mark()`` for "strictly from now on". ``include_edits`` also accepts
        messages edited after that point. ``contains`` matches the plain text/caption.
        """
        cid = self._chat_id(chat_id)
        with self._cond:
            since = self._action_seq if after is None else after
        try:
            return await self.wait_for(
                lambda: self._find_new_message(cid, contains, since, include_edits), timeout
            )
        except TimeoutError:
            raise TimeoutError(
                f"no bot message in chat {cid} after seq {since}"
                + (f" containing {contains!r}" if contains else "")
                + f" within {timeout}s\n{self.dump(chat_id=cid)}"
            ) from None

    def dump(self, *, chat_id: int | None = None, last: int = 20) -> str:
        """Human-readable recent calls, bot messages and server errors, for failure output."""
        lines = ["--- FakeBotAPI: recent calls ---"]
        with self._cond:
            calls = self._calls[-last:]
            messages = [m for m in self._bot_log if chat_id is None or m.chat_id == chat_id]
            messages = messages[-10:]
            pending = len(self._updates)
            errors = list(self.internal_errors)
        for call in calls:
            shown = {k: v for k, v in call.params.items() if k not in ("reply_markup",)}
            outcome = "ok" if call.ok else f"{call.status} {call.response.get('description', '')}"
            lines.append(f"  {call.method} {_short(shown, 120)} -> {outcome}")
        lines.append(f"--- bot messages{'' if chat_id is None else f' in {chat_id}'} ---")
        for msg in messages:
            flags = (" [deleted]" if msg.deleted else "") + (
                f" [edited x{msg.edits}]" if msg.edits else ""
            )
            lines.append(f"  #{msg.seq} {msg.chat_id}/{msg.message_id}{flags}: {_short(msg.text)}")
        lines.append(f"--- pending updates: {pending} ---")
        lines.extend(f"!!! internal error: {e}" for e in errors)
        return "\n".join(lines)

    def iter_updates(self) -> Iterator[JSONDict]:
        """Copies of the queued (unconfirmed) updates."""
        with self._cond:
            queued = copy.deepcopy(self._updates)
        yield from queued
