"""HTTP plumbing for the fake Bot API: a stdlib threading server and request-body decoding."""

from __future__ import annotations

import contextlib
import email.message
import email.parser
import email.policy
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl

# Parameters whose values are plain strings on the wire (never JSON-decoded), even when they
# happen to look like numbers or JSON literals.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "action",
        "language_code",
        "file_id",
        "document",
        "photo",
        "audio",
        "video",
        "voice",
        "sticker",
        "animation",
        "thumbnail",
        "emoji",
        "title",
        "description",
        "short_description",
        "name",
        "business_connection_id",
        "message_effect_id",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "custom_title",
        "secret_token",
        "ip_address",
        "certificate",
    }
)


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    content: bytes = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"UploadedFile(filename={self.filename!r}, content_type={self.content_type!r}, "
            f"size={len(self.content)})"
        )


def decode_value(name: str, raw: str) -> Any:
    """Decode one wire value the way PTB encoded it (JSON for non-strings)."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _fix_header_text(value: str) -> str:
    """Undo the surrogate-escaping that ``email`` applies to raw UTF-8 header bytes."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return value


def parse_body(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """Decode query string plus a urlencoded, multipart or JSON body into a params dict."""
    params: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params[key] = decode_value(key, value)
    ctype = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params
    if ctype == "application/x-www-form-urlencoded":
        for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
            params[key] = decode_value(key, value)
    elif ctype == "application/json":
        loaded = json.loads(body.decode("utf-8"))
        if isinstance(loaded, dict):
            params.update(loaded)
    elif ctype == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        parts = msg.get_payload()
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, email.message.Message):
                continue
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            name = _fix_header_text(name)
            payload = part.get_payload(decode=True)
            content = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is not None:
                params[name] = UploadedFile(
                    filename=_fix_header_text(filename),
                    content_type=part.get_content_type(),
                    content=content,
                )
            else:
                params[name] = decode_value(name, content.decode("utf-8"))
    return params


@dataclass
class HttpResponse:
    """What the dispatcher wants written back, plus a hook called once it was (not) sent."""

    status: int
    body: bytes
    content_type: str = "application/json"
    on_sent: Callable[[bool], None] | None = None


class Dispatcher(Protocol):
    """The fake's request handler, called on server threads."""

    def handle_http(
        self, verb: str, path: str, headers: dict[str, str], body: bytes
    ) -> HttpResponse: ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else header/body writes hit the 40 ms delayed-ACK stall
    server: FakeHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; every request is recorded in ``FakeBotAPI.calls`` instead."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self, verb: str) -> None:
        body = self._read_body() if verb == "POST" else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.server.dispatcher.handle_http(verb, self.path, headers, body)
        delivered = True
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            if self.server.stopping.is_set():
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(response.body)
            self.wfile.flush()
        except OSError:
            delivered = False
            self.close_connection = True
        if response.on_sent is not None:
            response.on_sent(delivered)

    def do_POST(self) -> None:
        """Serve a Bot API call."""
        self._serve("POST")

    def do_GET(self) -> None:
        """Serve a Bot API call with query parameters, or a file download."""
        self._serve("GET")


class FakeHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that tracks its connections so ``close_all`` can end them."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, dispatcher: Dispatcher, host: str = "127.0.0.1", port: int = 0) -> None:
        self.dispatcher = dispatcher
        self.stopping = threading.Event()
        self._conn_lock = threading.Lock()
        self._conns: dict[socket.socket, threading.Thread] = {}
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        """Bind without the reverse-DNS lookup ``HTTPServer.server_bind`` does."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve each connection on its own tracked daemon thread."""
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"FakeBotAPI-conn-{client_address[1]}",
            daemon=True,
        )
        with self._conn_lock:
            self._conns[request] = thread
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except OSError:
            pass
        except Exception:  # noqa: BLE001 - a bug in the fake must answer, not hang the bot
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._conn_lock:
                self._conns.pop(request, None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Swallow connection-level errors (clients vanish mid-long-poll all the time)."""

    def close_all(self, timeout: float = 5.0) -> None:
        """End every open connection and join its thread.

        The read side goes first: idle keep-alive connections see EOF and end, while a
        reply that is being written (e.g. a long poll woken by ``stop``) still completes.
        """
        with self._conn_lock:
            conns = list(self._conns.items())
        for sock, _ in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
        deadline = time.monotonic() + timeout
        for _, thread in conns:
            if thread is not threading.current_thread():
                thread.join(max(0.0, min(1.0, deadline - time.monotonic())))
        for sock, thread in conns:
            if thread.is_alive():
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        for _, thread in conns:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
