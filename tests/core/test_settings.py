"""Settings: defaults, validation naming the variable, and secrets that never print."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import DatabaseUrl, Settings, load_settings


def test_sandbox_defaults_point_at_loopback(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.bpjs_base_url.startswith("http://127.0.0.1:")
    assert settings.sirs_base_url.startswith("http://127.0.0.1:")
    assert settings.timezone == "Asia/Jakarta"
    assert str(settings.zone) == "Asia/Jakarta"


def test_environment_overrides(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SIMRS_BRIDGE_TIMEZONE", "Asia/Makassar")
    clean_env.setenv("SIMRS_BRIDGE_KHANZA_DB_URL", "mysql://ro:p%40ss@db.local:3307/sik")
    settings = load_settings()
    assert settings.timezone == "Asia/Makassar"
    url = settings.khanza_db_url
    assert (url.user, url.host, url.port, url.database) == ("ro", "db.local", 3307, "sik")
    assert url.password.get_secret_value() == "p@ss"


def test_env_file_is_read(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = tmp_path / "env"
    env.write_text("SIMRS_BRIDGE_SIRS_RS_ID=1234567\nSIMRS_BRIDGE_SIRS_PASSWORD=from-file\n")
    clean_env.setenv("SIMRS_BRIDGE_ENV_FILE", str(env))
    settings = load_settings()
    assert settings.sirs_rs_id == "1234567"
    assert settings.sirs_password.get_secret_value() == "from-file"


def test_named_env_file_that_is_missing_is_an_error(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("SIMRS_BRIDGE_ENV_FILE", str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match=r"SIMRS_BRIDGE_ENV_FILE: .*nope does not exist"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("SIMRS_BRIDGE_TIMEZONE", "Asia/Atlantis", "unknown time zone 'Asia/Atlantis'"),
        ("SIMRS_BRIDGE_KHANZA_DB_URL", "postgres://u@h/db", "must start with mysql://"),
        ("SIMRS_BRIDGE_STATE_DB_URL", "mysql://u@h:70000/db", "invalid port"),
        ("SIMRS_BRIDGE_STATE_DB_URL", "mysql://u@h/", "must name exactly one database"),
        ("SIMRS_BRIDGE_REDIS_URL", "localhost:6379", "must be a redis:// URL"),
        ("SIMRS_BRIDGE_BPJS_BASE_URL", "ftp://x/antreanrs", "http:// or https://"),
        ("SIMRS_BRIDGE_BPJS_CONS_ID", "  ", "must not be empty"),
        ("SIMRS_BRIDGE_HTTP_TIMEOUT", "-1", "greater than 0"),
        ("SIMRS_BRIDGE_LOG_LEVEL", "LOUD", "must be one of"),
    ],
)
def test_invalid_setting_gives_one_line_naming_it(
    clean_env: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    clean_env.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert reason in message
    assert "\n" not in message


def test_secrets_are_masked_everywhere(clean_env: pytest.MonkeyPatch) -> None:
    secrets = {
        "SIMRS_BRIDGE_BPJS_SECRET": "bpjs-s3cret-value",
        "SIMRS_BRIDGE_BPJS_USER_KEY": "user-key-value-42",
        "SIMRS_BRIDGE_SIRS_PASSWORD": "sirs-pass-value",
        "SIMRS_BRIDGE_STATE_DB_URL": "mysql://bridge:db-pass-value@127.0.0.1/state",
    }
    for name, value in secrets.items():
        clean_env.setenv(name, value)
    settings = load_settings()
    shown = "\n".join(
        [repr(settings), str(settings), settings.model_dump_json(), str(settings.describe())]
    )
    for leaked in ("bpjs-s3cret-value", "user-key-value-42", "sirs-pass-value", "db-pass-value"):
        assert leaked not in shown
        assert leaked in settings.secrets()
    assert "**********" in dict(settings.describe())["SIMRS_BRIDGE_BPJS_SECRET"]
    assert dict(settings.describe())["SIMRS_BRIDGE_STATE_DB_URL"] == (
        "mysql://bridge:**********@127.0.0.1:3306/state"
    )


def test_database_url_round_trip_keeps_password_only_when_asked() -> None:
    url = DatabaseUrl.parse("mysql://user:p%2Fw@host:3310/db?unix_socket=/run/mysqld.sock")
    assert url.unix_socket == "/run/mysqld.sock"
    assert "p%2Fw" not in str(url)
    assert DatabaseUrl.parse(url.render(reveal=True)) == url


def test_settings_are_passed_in_not_global() -> None:
    one = Settings(timezone="Asia/Jayapura")
    two = Settings(timezone="Asia/Jakarta")
    assert (one.timezone, two.timezone) == ("Asia/Jayapura", "Asia/Jakarta")
