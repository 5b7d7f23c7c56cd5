"""Settings: one frozen dataclass, read from the environment and `.env`, validated at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

# Telegram tokens look like 123456789:AA…(35 chars of [A-Za-z0-9_-]); be a little lenient on length.
_TOKEN_RE = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,50}$")


class SettingsError(ValueError):
    """A setting is missing or malformed; `key` names the catalog message, `values` fill it."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable. Built by `load_settings`; tests build it directly."""

    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    api_file_url: str | None = None
    data_dir: Path = Path("data")
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    lang: Lang = "zh"
    workday_start: time = time(9, 0)
    workday_end: time = time(18, 0)
    digest_time: time = time(8, 30)
    admins: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] | None = None
    holidays: Literal["cn", "none"] = "cn"
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    #: Every Bot API request (long polling included) goes through this proxy when set.
    proxy: str | None = field(default=None, repr=False)  # may hold user:password
    #: Webhook mode (instead of polling) when `webhook_url` is set; the secret is required then.
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443

    def require_token(self) -> str:
        """Return the bot token, or raise a SettingsError that says how to get one."""
        if not self.token:
            raise SettingsError("config.token_missing")
        if not _TOKEN_RE.match(self.token):
            raise SettingsError("config.token_malformed")
        return self.token


def _parse_time(var: str, raw: str) -> time:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", raw)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise SettingsError("config.bad_time", var=var, value=raw)
    return time(int(m[1]), int(m[2]))


def _parse_ids(var: str, raw: str) -> frozenset[int]:
    out: set[int] = set()
    for part in re.split(r"[,\s]+", raw.strip()):
        if not part:
            continue
        if not re.fullmatch(r"-?\d+", part):
            raise SettingsError("config.bad_ids", var=var, value=part)
        out.add(int(part))
    return frozenset(out)


def _parse_dates(var: str, raw: str) -> frozenset[date]:
    out: set[date] = set()
    for part in re.split(r"[,\s]+", raw.strip()):
        if not part:
            continue
        try:
            out.add(date.fromisoformat(part))
        except ValueError:
            raise SettingsError("config.bad_dates", var=var, value=part) from None
    return frozenset(out)


_PROXY_RE = re.compile(r"^(?:http|https|socks5|socks5h)://(?:[^@/\s]+@)?[^@/:\s]+(?::\d{1,5})?/?$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _parse_proxy(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _PROXY_RE.match(raw):
        # The value may hold a password: name the variable, never echo it.
        raise SettingsError("config.bad_proxy", var="OFFICEBOT_PROXY")
    return raw


def _parse_webhook(
    url: str | None,
    secret: str | None,
    listen: str | None,
    port_raw: str | None,
    *,
    api: str | None,
) -> tuple[str | None, str | None, str, int]:
    listen = listen or "127.0.0.1"
    port_text = port_raw or "8443"
    if not re.fullmatch(r"\d{1,5}", port_text) or not 0 < int(port_text) < 65536:
        raise SettingsError("config.bad_port", var="OFFICEBOT_WEBHOOK_PORT", value=port_text)
    if url is None:
        return None, None, listen, int(port_text)
    # Telegram's own servers call https:// only; a self-hosted Bot API server may use http://.
    scheme_ok = url.startswith("https://") or (url.startswith("http://") and api is not None)
    if not scheme_ok or not re.match(r"^https?://[^/\s]+", url):
        raise SettingsError("config.bad_webhook_url", var="OFFICEBOT_WEBHOOK_URL", value=url)
    if secret is None:
        raise SettingsError("config.webhook_secret_missing", var="OFFICEBOT_WEBHOOK_SECRET")
    if not _SECRET_RE.match(secret):
        raise SettingsError("config.bad_webhook_secret", var="OFFICEBOT_WEBHOOK_SECRET")
    return url, secret, listen, int(port_text)


def load_settings(
    env: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings from `env` (default: the process environment, after loading `env_file`).

    Variables already in the environment win over the file. Raises SettingsError naming the
    variable and the fix.
    """
    if env is None:
        if env_file is not None and env_file.is_file():
            from dotenv import dotenv_values

            file_values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
            env = {**file_values, **os.environ}
        else:
            env = dict(os.environ)

    def get(var: str) -> str | None:
        value = env.get(var)
        if value is None or not value.strip():
            return None
        return value.strip()

    tz_name = get("OFFICEBOT_TZ") or "Asia/Shanghai"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("config.bad_tz", var="OFFICEBOT_TZ", value=tz_name) from None

    lang_raw = (get("OFFICEBOT_LANG") or "zh").lower()
    lang = next((code for code in LANGS if code == lang_raw), None)
    if lang is None:
        raise SettingsError("config.bad_lang", var="OFFICEBOT_LANG", value=lang_raw)

    workday = get("OFFICEBOT_WORKDAY") or "09:00-18:00"
    parts = workday.split("-")
    if len(parts) != 2:
        raise SettingsError("config.bad_workday", var="OFFICEBOT_WORKDAY", value=workday)
    try:
        start = _parse_time("OFFICEBOT_WORKDAY", parts[0])
        end = _parse_time("OFFICEBOT_WORKDAY", parts[1])
    except SettingsError:
        raise SettingsError("config.bad_workday", var="OFFICEBOT_WORKDAY", value=workday) from None
    if end <= start:
        raise SettingsError("config.bad_workday", var="OFFICEBOT_WORKDAY", value=workday)

    holidays = (get("OFFICEBOT_HOLIDAYS") or "cn").lower()
    if holidays not in ("cn", "none"):
        raise SettingsError("config.bad_holidays", var="OFFICEBOT_HOLIDAYS", value=holidays)

    allowed_raw = get("OFFICEBOT_ALLOWED_CHATS")
    for var in ("TELEGRAM_API_BASE_URL", "TELEGRAM_API_FILE_URL"):
        url = get(var)
        if url and not re.match(r"^https?://", url):
            raise SettingsError("config.bad_url", var=var, value=url)

    webhook_url, webhook_secret, webhook_listen, webhook_port = _parse_webhook(
        get("OFFICEBOT_WEBHOOK_URL"),
        get("OFFICEBOT_WEBHOOK_SECRET"),
        get("OFFICEBOT_WEBHOOK_LISTEN"),
        get("OFFICEBOT_WEBHOOK_PORT"),
        api=get("TELEGRAM_API_BASE_URL"),
    )

    return Settings(
        token=get("TELEGRAM_BOT_TOKEN"),
        api_base_url=get("TELEGRAM_API_BASE_URL"),
        api_file_url=get("TELEGRAM_API_FILE_URL"),
        data_dir=Path(get("OFFICEBOT_DATA_DIR") or "data"),
        tz=tz,
        lang=lang,
        workday_start=start,
        workday_end=end,
        digest_time=_parse_time("OFFICEBOT_DIGEST_TIME", get("OFFICEBOT_DIGEST_TIME") or "08:30"),
        admins=_parse_ids("OFFICEBOT_ADMINS", get("OFFICEBOT_ADMINS") or ""),
        allowed_chats=(_parse_ids("OFFICEBOT_ALLOWED_CHATS", allowed_raw) if allowed_raw else None),
        holidays=holidays,  # type: ignore[arg-type]  # checked above
        extra_holidays=_parse_dates(
            "OFFICEBOT_EXTRA_HOLIDAYS", get("OFFICEBOT_EXTRA_HOLIDAYS") or ""
        ),
        extra_workdays=_parse_dates(
            "OFFICEBOT_EXTRA_WORKDAYS", get("OFFICEBOT_EXTRA_WORKDAYS") or ""
        ),
        proxy=_parse_proxy(get("OFFICEBOT_PROXY")),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=webhook_listen,
        webhook_port=webhook_port,
    )
