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
