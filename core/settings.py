"""The daemon's one settings class.

Everything the daemon is told comes from here: environment variables prefixed
``SIMRS_BRIDGE_`` and, under systemd, the env file ``/etc/simrs-bridge/env``.
No other module reads the environment; settings are passed in. Secrets are
``SecretStr`` so that printing, logging or serialising a ``Settings`` shows
``**********`` instead of the value, and database URLs keep their password the
same way.

The defaults are the sandbox: the fake BPJS and RS Online servers on loopback
and local Redis/MariaDB, so that a fresh checkout runs the demo without any
configuration. A production install overrides them in the env file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from core.errors import ConfigError

__all__ = [
    "ENV_FILE",
    "ENV_PREFIX",
    "DatabaseUrl",
    "Settings",
    "env_file_path",
    "load_settings",
]

ENV_PREFIX = "SIMRS_BRIDGE_"
ENV_FILE = Path("/etc/simrs-bridge/env")


class DatabaseUrl(BaseModel):
    """A parsed ``mysql://user:pass@host:port/db`` URL.

    Parsed once at start so a malformed URL fails there, naming the setting,
    rather than at the first query; the password is a ``SecretStr`` so the URL
    can be shown by ``check`` and in logs without leaking it.
    """

    model_config = ConfigDict(frozen=True)

    user: str
    password: SecretStr
    host: str
    port: int
    database: str
    unix_socket: str | None = None

    @classmethod
    def parse(cls, raw: str) -> DatabaseUrl:
        parts = urlsplit(raw.strip())
        if parts.scheme not in ("mysql", "mariadb"):
            raise ValueError("must start with mysql:// (e.g. mysql://user:pass@127.0.0.1:3306/sik)")
        try:
            port = parts.port or 3306
        except ValueError as exc:
            raise ValueError("has an invalid port") from exc
        database = parts.path.lstrip("/")
        if not database or "/" in database:
            raise ValueError("must name exactly one database after the host, e.g. .../sik")
        if not parts.username:
            raise ValueError("must name a user, e.g. mysql://user:pass@host/db")
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        return cls(
            user=unquote(parts.username),
            password=SecretStr(unquote(parts.password or "")),
            host=parts.hostname or "127.0.0.1",
            port=port,
            database=unquote(database),
            unix_socket=unquote(query["unix_socket"]) if "unix_socket" in query else None,
        )

    def render(self, *, reveal: bool = False) -> str:
        """The URL again; the password is masked unless ``reveal`` is asked for."""
        secret = self.password.get_secret_value()
        password = quote(secret, safe="") if reveal else ("**********" if secret else "")
        auth = quote(self.user, safe="") + (f":{password}" if password else "")
        tail = f"?unix_socket={quote(self.unix_socket)}" if self.unix_socket else ""
        return f"mysql://{auth}@{self.host}:{self.port}/{self.database}{tail}"

    def __str__(self) -> str:
        return self.render()


def _database_url(value: Any) -> DatabaseUrl:
    if isinstance(value, DatabaseUrl):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a mysql:// URL")
    return DatabaseUrl.parse(value)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def _redis_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError("must be a redis:// URL, e.g. redis://127.0.0.1:6379/0")
    try:
        parts.port  # noqa: B018 - evaluating it validates the port
    except ValueError as exc:
        raise ValueError("has an invalid port") from exc
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
RedisUrl = Annotated[str, AfterValidator(_redis_url)]


class Settings(BaseSettings):
    """All configuration, sandbox defaults included."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=None,
        extra="ignore",
        frozen=True,
    )

    redis_url: RedisUrl = "redis://127.0.0.1:6379/0"
    khanza_db_url: Annotated[DatabaseUrl, NoDecode] = DatabaseUrl.parse(
        "mysql://simrs_bridge@127.0.0.1:3306/sik"
    )
    state_db_url: Annotated[DatabaseUrl, NoDecode] = DatabaseUrl.parse(
        "mysql://simrs_bridge@127.0.0.1:3306/simrs_bridge"
    )
    timezone: str = "Asia/Jakarta"

    bpjs_base_url: HttpUrl = "http://127.0.0.1:8181/antreanrs"
    bpjs_cons_id: str = "1234"
    bpjs_secret: SecretStr = SecretStr("sandbox-secret")
    bpjs_user_key: SecretStr = SecretStr("sandbox-user-key")

    sirs_base_url: HttpUrl = "http://127.0.0.1:8182/fo/index.php"
    sirs_rs_id: str = "3404015"
    sirs_password: SecretStr = SecretStr("sandbox-password")
    sirs_password_md5: bool = False

    http_timeout: float = Field(default=20.0, gt=0, le=300)
    log_level: str = "INFO"
    # Seconds a daemon waits at start for Redis and its databases (retrying with backoff)
    # before it exits with core.exitcodes.UNAVAILABLE; keep below the units' TimeoutStartSec.
    startup_wait: float = Field(default=60.0, ge=0, le=75, description="seconds")

    # Sending: shared by every worker process (Redis); 0 means unlimited.
    bpjs_rate: float = Field(default=10.0, ge=0, description="requests per second")
    bpjs_burst: int = Field(default=10, ge=1)
    bpjs_max_concurrency: int = Field(default=8, ge=0)
    sirs_rate: float = Field(default=5.0, ge=0, description="requests per second")
    sirs_burst: int = Field(default=5, ge=1)
    sirs_max_concurrency: int = Field(default=4, ge=0)
    worker_max_jobs: int = Field(default=50, ge=1, le=1000)
    job_max_tries: int = Field(default=25, ge=1, le=1000)
    job_max_age_hours: float = Field(default=36.0, gt=0)
    job_timeout: int = Field(default=300, ge=5, le=3600, description="seconds per job run")
    shutdown_grace: int = Field(default=20, ge=0, le=600, description="seconds")

    # Reading Khanza.
    producer_interval: float = Field(default=2.0, gt=0, le=3600, description="seconds")
    lookback_days: int = Field(default=1, ge=0, le=31)
    lookahead_days: int = Field(default=7, ge=0, le=90)
    bpjs_payers: str = "BPJ"
    task_sources: str = ""
    khanza_writeback: bool = False
    beds_delete_missing: bool = False

    # --- Change feed (issue 15, docs/binlog.md) ----------------------------------------------
    # poll: a cycle every PRODUCER_INTERVAL. binlog: follow Khanza's binary log as a replica
    # and start a cycle at each relevant change; polling goes on every CHANGES_SAFETY_INTERVAL
    # as the safety net. BINLOG_SERVER_ID: the replica id we announce, unique among the
    # server's replicas and different from its own server_id.
    changes: Literal["poll", "binlog"] = "poll"
    changes_safety_interval: float = Field(default=30.0, gt=0, le=3600, description="seconds")
    binlog_server_id: int = Field(default=4150, ge=1, le=4_294_967_295)
    # --- Read-back reconcile (issue 12) -------------------------------------------------------
    # Minutes between scheduled read-backs of today's bookings at BPJS; each day is also read
    # back once after its last clinic closed. 0: no schedule, only `simrs-bridge reconcile`.
    # A run reads only bookings whose chain is not confirmed yet.
    reconcile_interval: float = Field(default=30.0, ge=0, le=1440, description="minutes")
    # Seconds a read-back may wait in total for live sends queued ahead of it before it
    # stops and leaves the rest to its next run (it never delays a live send).
    reconcile_yield_max: float = Field(default=120.0, ge=0, le=3600, description="seconds")

    # --- Dashboard (issue 8) -----------------------------------------------------------------
    # Loopback by default: put a reverse proxy with TLS in front to reach it from elsewhere.
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = Field(default=8180, ge=0, le=65535)
    # Actions (replaying a dead letter) need it; empty disables actions.
    dashboard_token: SecretStr = SecretStr("")
    dashboard_require_token_for_reads: bool = False

    # --- Circuit breaker (pipeline cost / breaker window rule) -------------------------------
    # Shared by every worker process through Redis (worker/breaker.py). Opens after
    # BREAKER_FAILURES transport failures in a row, or when at least BREAKER_FAILURE_RATIO
    # of at least BREAKER_MIN_CALLS calls within BREAKER_WINDOW seconds failed (ratio 0:
    # that rule off); probes after BREAKER_COOLDOWN seconds, doubling up to the max.
    # BREAKER_CACHE: seconds a process trusts the state it last saw (0: ask on every call).
    breaker_failures: int = Field(default=10, ge=1, le=1000)
    breaker_window: float = Field(default=60.0, gt=0, le=3600, description="seconds")
    breaker_min_calls: int = Field(default=40, ge=1, le=100_000)
    breaker_failure_ratio: float = Field(default=0.5, ge=0, le=1)
    breaker_cooldown: float = Field(default=15.0, gt=0, le=3600, description="seconds")
    breaker_max_cooldown: float = Field(default=300.0, gt=0, le=86_400, description="seconds")
    breaker_probe_timeout: float = Field(default=60.0, gt=0, le=3600, description="seconds")
    breaker_cache: float = Field(default=1.0, ge=0, le=10, description="seconds")

    # --- WS RS: the web service Mobile JKN calls (simrs-bridge wsrs, issue 16) ---------------
    # Loopback by default: BPJS reaches it through a TLS reverse proxy (docs/wsrs.md).
    wsrs_listen: str = "127.0.0.1:8190"
    wsrs_base_path: str = "/wsrs"
    # The user and password the hospital gives BPJS; an empty password refuses every token.
    wsrs_username: str = "mobilejkn"
    wsrs_password: SecretStr = SecretStr("")
    # HS256 key the tokens are signed with (at least 32 characters); empty: refuse to start.
    wsrs_token_key: SecretStr = SecretStr("")
    wsrs_token_ttl: int = Field(default=3600, ge=60, le=86_400, description="seconds")
    # A Khanza account that may write the registration tables (docs/wsrs.md, grants).
    wsrs_db_url: Annotated[DatabaseUrl, NoDecode] = DatabaseUrl.parse(
        "mysql://simrs_bridge_wsrs@127.0.0.1:3306/sik"
    )
    wsrs_minutes_per_patient: int = Field(default=10, ge=1, le=240)
    # Per client address: a bucket of WSRS_BURST requests refilled at WSRS_RATE per second.
    wsrs_rate: float = Field(default=20.0, gt=0, le=10_000, description="requests per second")
    wsrs_burst: int = Field(default=120, ge=1, le=100_000)
    wsrs_body_limit: int = Field(default=16_384, ge=1024, le=1_048_576, description="bytes")

    @field_validator("khanza_db_url", "state_db_url", "wsrs_db_url", mode="before")
    @classmethod
    def _parse_db_url(cls, value: Any) -> DatabaseUrl:
        return _database_url(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"
            ) from exc
        return value

    @field_validator("bpjs_cons_id", "sirs_rs_id")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("wsrs_base_path")
    @classmethod
    def _base_path(cls, value: str) -> str:
        path = "/" + value.strip().strip("/")
        if not re.fullmatch(r"/[A-Za-z0-9._~/-]*", path):
            raise ValueError("must be a URL path such as /wsrs")
        return path.rstrip("/") if path != "/" else ""

    @field_validator("wsrs_listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, sep, port = value.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("must be host:port, e.g. 127.0.0.1:8190")
        return value.strip()

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def secrets(self) -> list[str]:
        """Every configured secret value, for scrubbers that must never let one through."""
        values = [
            self.bpjs_secret.get_secret_value(),
            self.bpjs_user_key.get_secret_value(),
            self.sirs_password.get_secret_value(),
            self.khanza_db_url.password.get_secret_value(),
            self.state_db_url.password.get_secret_value(),
            self.dashboard_token.get_secret_value(),
            self.wsrs_password.get_secret_value(),
            self.wsrs_token_key.get_secret_value(),
            self.wsrs_db_url.password.get_secret_value(),
        ]
        return [v for v in values if v]

    def describe(self) -> list[tuple[str, str]]:
        """(environment variable, shown value) pairs with secrets masked, for ``check``."""
        rows: list[tuple[str, str]] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                shown = "**********" if value.get_secret_value() else "(empty)"
            else:
                shown = str(value)
            rows.append((ENV_PREFIX + name.upper(), shown))
        return rows


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{ENV_PREFIX}{field.upper()}: {message}"


def env_file_path() -> Path | None:
    """The env file ``load_settings`` reads (None: the environment only), for checks that
    look at the file itself (unknown names)."""
    override = os.environ.get(ENV_PREFIX + "ENV_FILE")
    if override == "":
        return None
    path = Path(override) if override else ENV_FILE
    return path if path.is_file() else None


def load_settings(env_file: Path | None = None, **overrides: Any) -> Settings:
    """Build ``Settings`` or raise ``ConfigError`` with one line naming the setting.

    The env file is read only when it exists, so the same code runs under
    systemd (file present) and in a developer's shell (environment only).
    ``SIMRS_BRIDGE_ENV_FILE`` points at another file, e.g. for the demo; set but
    empty, it means "no env file" (child processes given their whole environment).
    """
    path = env_file
    if path is None:
        override = os.environ.get(ENV_PREFIX + "ENV_FILE")
        if override == "":
            try:
                return Settings(**overrides)
            except ValidationError as exc:
                raise ConfigError(_first_error(exc)) from None
        path = Path(override) if override else ENV_FILE
    try:
        if path.is_file():
            return Settings(_env_file=path, **overrides)
        if env_file is not None or os.environ.get(ENV_PREFIX + "ENV_FILE"):
            raise ConfigError(f"{ENV_PREFIX}ENV_FILE: {path} does not exist")
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc)) from None
    except SettingsError as exc:
        raise ConfigError(f"settings: {exc}") from None
    except PermissionError:
        raise ConfigError(f"{ENV_PREFIX}ENV_FILE: {path} is not readable") from None
