from datetime import date, time
from pathlib import Path

import pytest

from bot.core.config import Settings, SettingsError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def test_defaults_when_nothing_is_set():
    s = load_settings({}, env_file=None)
    assert s.token is None
    assert s.data_dir == Path("data")
    assert str(s.tz) == "Asia/Shanghai"
    assert s.lang == "zh"
    assert (s.workday_start, s.workday_end) == (time(9), time(18))
    assert s.digest_time == time(8, 30)
    assert s.admins == frozenset()
    assert s.allowed_chats is None
    assert s.holidays == "cn"


def test_every_variable_is_read():
    s = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:1/bot",
            "TELEGRAM_API_FILE_URL": "http://127.0.0.1:1/file/bot",
            "OFFICEBOT_DATA_DIR": "/tmp/x",
            "OFFICEBOT_TZ": "Europe/Berlin",
            "OFFICEBOT_LANG": "EN",
            "OFFICEBOT_WORKDAY": "08:30-17:30",
            "OFFICEBOT_DIGEST_TIME": "08:00",
            "OFFICEBOT_ADMINS": "1, 2",
            "OFFICEBOT_ALLOWED_CHATS": "-100,-200",
            "OFFICEBOT_HOLIDAYS": "none",
            "OFFICEBOT_EXTRA_HOLIDAYS": "2028-01-03",
            "OFFICEBOT_EXTRA_WORKDAYS": "2028-01-08",
        },
        env_file=None,
    )
    assert s.require_token() == TOKEN
    assert s.api_base_url == "http://127.0.0.1:1/bot"
    assert s.lang == "en"
    assert s.workday_start == time(8, 30)
    assert s.admins == {1, 2}
    assert s.allowed_chats == {-100, -200}
    assert s.holidays == "none"
    assert s.extra_holidays == {date(2028, 1, 3)}
    assert s.extra_workdays == {date(2028, 1, 8)}


@pytest.mark.parametrize(
    ("env", "key"),
    [
        pytest.param({"OFFICEBOT_TZ": "Mars/Base"}, "config.bad_tz", id="tz"),
        pytest.param({"OFFICEBOT_LANG": "fr"}, "config.bad_lang", id="lang"),
        pytest.param(
            {"OFFICEBOT_WORKDAY": "18:00-09:00"}, "config.bad_workday", id="workday-order"
        ),
        pytest.param({"OFFICEBOT_WORKDAY": "9-18"}, "config.bad_workday", id="workday-shape"),
        pytest.param({"OFFICEBOT_DIGEST_TIME": "25:00"}, "config.bad_time", id="digest"),
        pytest.param({"OFFICEBOT_ADMINS": "abc"}, "config.bad_ids", id="admins"),
        pytest.param({"OFFICEBOT_HOLIDAYS": "us"}, "config.bad_holidays", id="holidays"),
        pytest.param({"OFFICEBOT_EXTRA_HOLIDAYS": "2028/01/03"}, "config.bad_dates", id="dates"),
        pytest.param({"TELEGRAM_API_BASE_URL": "ftp://x"}, "config.bad_url", id="url"),
    ],
)
def test_malformed_values_name_the_variable(env, key):
    with pytest.raises(SettingsError) as err:
        load_settings(env, env_file=None)
    assert err.value.key == key


@pytest.mark.parametrize(
    ("token", "key"),
    [(None, "config.token_missing"), ("not-a-token", "config.token_malformed")],
)
def test_token_problems_are_reported(token, key):
    with pytest.raises(SettingsError) as err:
        Settings(token=token).require_token()
    assert err.value.key == key


def test_token_is_not_in_repr():
    assert TOKEN not in repr(Settings(token=TOKEN))


def test_env_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("OFFICEBOT_LANG=en\nOFFICEBOT_TZ=Europe/Berlin\n")
    monkeypatch.setenv("OFFICEBOT_TZ", "Asia/Tokyo")
    s = load_settings(env_file=env_file)
    assert s.lang == "en"
    assert str(s.tz) == "Asia/Tokyo"


@pytest.mark.parametrize(
    "proxy",
    [
        "http://127.0.0.1:3128",
        "https://proxy.example.cn:443",
        "socks5://user:p%40ss@10.0.0.1:1080",
        "socks5h://proxy.local:1080/",
    ],
)
def test_a_proxy_url_is_accepted(proxy):
    s = load_settings({"OFFICEBOT_PROXY": proxy}, env_file=None)
    assert s.proxy == proxy
    assert proxy not in repr(s)  # it may hold a password


@pytest.mark.parametrize(
    "proxy", ["127.0.0.1:3128", "ftp://proxy:21", "socks4://x:1", "http://", "http://a b:1"]
)
def test_a_wrong_proxy_url_names_the_variable_but_not_the_value(proxy):
    with pytest.raises(SettingsError) as err:
        load_settings({"OFFICEBOT_PROXY": proxy}, env_file=None)
    assert err.value.key == "config.bad_proxy"
    assert err.value.values == {"var": "OFFICEBOT_PROXY"}


def test_webhook_settings_are_read_with_defaults():
    s = load_settings(
        {
            "OFFICEBOT_WEBHOOK_URL": "https://bot.example.cn/hook",
            "OFFICEBOT_WEBHOOK_SECRET": "s3_-x",
        },
        env_file=None,
    )
    assert (s.webhook_url, s.webhook_secret) == ("https://bot.example.cn/hook", "s3_-x")
    assert (s.webhook_listen, s.webhook_port) == ("127.0.0.1", 8443)
    assert "s3_-x" not in repr(s)


def test_an_http_webhook_is_for_a_self_hosted_bot_api_server_only():
    env = {"OFFICEBOT_WEBHOOK_URL": "http://127.0.0.1:9000/hook", "OFFICEBOT_WEBHOOK_SECRET": "x"}
    with pytest.raises(SettingsError) as err:
        load_settings(env, env_file=None)
    assert err.value.key == "config.bad_webhook_url"
    s = load_settings({**env, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot"}, env_file=None)
    assert s.webhook_url == "http://127.0.0.1:9000/hook"


@pytest.mark.parametrize(
    ("env", "key"),
    [
        pytest.param(
            {"OFFICEBOT_WEBHOOK_URL": "https://a.cn/h"},
            "config.webhook_secret_missing",
            id="no-secret",
        ),
        pytest.param(
            {"OFFICEBOT_WEBHOOK_URL": "https://a.cn/h", "OFFICEBOT_WEBHOOK_SECRET": "有空格 x"},
            "config.bad_webhook_secret",
            id="bad-secret",
        ),
        pytest.param({"OFFICEBOT_WEBHOOK_PORT": "99999"}, "config.bad_port", id="port"),
        pytest.param(
            {"OFFICEBOT_WEBHOOK_URL": "ftp://a.cn/h", "OFFICEBOT_WEBHOOK_SECRET": "x"},
            "config.bad_webhook_url",
            id="scheme",
        ),
    ],
)
def test_bad_webhook_settings_name_the_variable(env, key):
    with pytest.raises(SettingsError) as err:
        load_settings(env, env_file=None)
    assert err.value.key == key
    assert "var" in err.value.values
