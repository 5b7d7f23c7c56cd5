"""The fake's webhook delivery: as Telegram does, POST each pending update to the registered
URL (with the secret header) and drop it only once the bot answered 2xx; retry otherwise."""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.sim._methods import BotApiMethods

# Telegram backs off on failures; the fake retries quickly so tests stay short.
RETRY_PAUSE = 0.2
POST_TIMEOUT = 10.0


class WebhookPusher:
    """One daemon thread per fake server while a webhook is set."""

    def __init__(self, state: BotApiMethods) -> None:
        self._state = state
        self._thread: threading.Thread | None = None
        self.deliveries = 0  # 2xx answers
        self.refusals = 0  # non-2xx answers and connection failures

    def ensure_running(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name="FakeBotAPI-webhook", daemon=True
            )
            self._thread.start()

    def join(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _next(self) -> tuple[str, str, dict[str, Any]] | None:
        """Wait for (url, secret, update) to push; None once the server stops or the hook goes."""
        st = self._state
        with st._cond:
            while True:
                if st._stop_event.is_set() or not st._webhook_url:
                    return None
                st._drop_unwanted_updates()
                if st._updates:
                    return st._webhook_url, st._webhook_secret, copy.deepcopy(st._updates[0])
                st._cond.wait(0.5)

    def _run(self) -> None:
        st = self._state
        while (item := self._next()) is not None:
            url, secret, update = item
            request = urllib.request.Request(
                url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"}
                | ({"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}),
                method="POST",
            )
            error = ""
            try:
                with urllib.request.urlopen(request, timeout=POST_TIMEOUT) as response:
                    ok = 200 <= response.status < 300
                    error = "" if ok else f"Wrong response from the webhook: {response.status}"
            except urllib.error.HTTPError as exc:
                ok, error = False, f"Wrong response from the webhook: {exc.code} {exc.reason}"
            except (OSError, urllib.error.URLError) as exc:
                ok, error = False, f"Connection failed: {exc}"
            with st._cond:
                if ok:
                    self.deliveries += 1
                    st._updates = [u for u in st._updates if u["update_id"] != update["update_id"]]
                    st._confirmed_offset = max(st._confirmed_offset, update["update_id"] + 1)
                    st._cond.notify_all()
                    continue
                self.refusals += 1
                st._webhook_last_error = (int(time.time()), error)
            time.sleep(RETRY_PAUSE)
