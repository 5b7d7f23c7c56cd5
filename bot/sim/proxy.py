"""A small recording proxy on 127.0.0.1 (HTTP forward proxy and SOCKS5), for tests of
OFFICEBOT_PROXY: the bot must reach the Bot API only through it, long polling included.

Not a general proxy: it serves one test at a time, on loopback, and remembers what passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import struct
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_METHOD_RE = re.compile(r"/bot[^/]+/(\w+)")


@dataclass
class RecordingProxy:
    """`kind` is "http" or "socks5"; `auth` (user, password) makes SOCKS5 ask for them."""

    kind: str = "http"
    auth: tuple[str, str] | None = None
    requests: list[str] = field(default_factory=list)  # Bot API method names, in order
    connections: int = 0
    refused_auth: int = 0
    _server: asyncio.base_events.Server | None = None
    port: int = 0

    @property
    def url(self) -> str:
        cred = f"{self.auth[0]}:{self.auth[1]}@" if self.auth else ""
        scheme = "socks5" if self.kind == "socks5" else "http"
        return f"{scheme}://{cred}127.0.0.1:{self.port}"

    async def start(self) -> None:
        handler = self._socks if self.kind == "socks5" else self._http
        self._server = await asyncio.start_server(handler, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    def methods(self) -> set[str]:
        return set(self.requests)

    # ----- HTTP: absolute-URI requests, forwarded one by one (Connection: close) ---------------
    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = lines[0].split(" ", 2)
                headers = [h for h in lines[1:] if h]
                length = next(
                    (
                        int(h.split(":", 1)[1])
                        for h in headers
                        if h.lower().startswith("content-length:")
                    ),
                    0,
                )
                body = await reader.readexactly(length) if length else b""
                url = urlsplit(target)
                found = _METHOD_RE.search(url.path)
                if found:
                    self.requests.append(found.group(1))
                path = url.path + (f"?{url.query}" if url.query else "")
                kept = [
                    h
                    for h in headers
                    if not h.lower().startswith(("proxy-", "connection:", "keep-alive:"))
                ]
                up_r, up_w = await asyncio.open_connection(url.hostname, url.port or 80)
                up_w.write(
                    f"{method} {path} {version}\r\n".encode("latin-1")
                    + "".join(f"{h}\r\n" for h in kept).encode("latin-1")
                    + b"Connection: close\r\n\r\n"
                    + body
                )
                await up_w.drain()
                response = await up_r.read()
                up_w.close()
                writer.write(response)
                await writer.drain()
                break  # the upstream closed: so do we (the client opens a new connection)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    # ----- SOCKS5 (RFC 1928, with RFC 1929 user/password), CONNECT only ------------------------
    async def _socks(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            _ver, n = await reader.readexactly(2)
            offered = await reader.readexactly(n)
            want = 0x02 if self.auth else 0x00
            if want not in offered:
                writer.write(b"\x05\xff")
                return
            writer.write(bytes([5, want]))
            if self.auth:
                _v, ulen = await reader.readexactly(2)
                user = (await reader.readexactly(ulen)).decode()
                (plen,) = await reader.readexactly(1)
                password = (await reader.readexactly(plen)).decode()
                if (user, password) != self.auth:
                    self.refused_auth += 1
                    writer.write(b"\x01\x01")
                    return
                writer.write(b"\x01\x00")
            _v, cmd, _rsv, atyp = await reader.readexactly(4)
            if atyp == 1:
                host = ".".join(str(b) for b in await reader.readexactly(4))
            elif atyp == 3:
                (ln,) = await reader.readexactly(1)
                host = (await reader.readexactly(ln)).decode()
            else:
                writer.write(b"\x05\x08\x00\x01" + bytes(6))
                return
            (port,) = struct.unpack("!H", await reader.readexactly(2))
            if cmd != 1:
                writer.write(b"\x05\x07\x00\x01" + bytes(6))
                return
            up_r, up_w = await asyncio.open_connection(host, port)
            writer.write(b"\x05\x00\x00\x01" + bytes(6))
            await writer.drain()
            await asyncio.gather(self._pipe(reader, up_w, record=True), self._pipe(up_r, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _pipe(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, record: bool = False
    ) -> None:
        try:
            while data := await src.read(65536):
                if record:
                    self.requests.extend(
                        m.group(1).decode() for m in re.finditer(rb"/bot[^/ ]+/(\w+) HTTP", data)
                    )
                dst.write(data)
                await dst.drain()
        except ConnectionError:
            pass
        finally:
            with contextlib.suppress(Exception):
                dst.close()
