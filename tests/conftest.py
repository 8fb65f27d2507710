"""Shared fixtures: real, private Redis and MariaDB servers for the whole run.

DESIGN.md wants Redis and MariaDB real in tests. They are started once per
test run on free loopback ports in a temporary directory (a few seconds), torn
down at the end even when tests fail, and the Khanza fixture is loaded once.
Tests that change Khanza rows use their own database from ``fresh_khanza_db``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiomysql
import pytest
import redis.asyncio as aioredis

from core.db import create_pool
from core.settings import DatabaseUrl, Settings
from core.state.migrate import migrate
from sandbox import fake_bpjs as fake_bpjs_module
from sandbox import fake_sirs as fake_sirs_module
from sandbox.services import MariaDBServer, RedisServer

REPO = Path(__file__).resolve().parents[1]
FIXTURE_DIR = REPO / "sandbox" / "khanza"
SHARED_KHANZA = REPO.parent / "shared" / "khanza"

_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def services_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Unix socket paths are limited to ~107 bytes; pytest's base temp is short enough.
    return tmp_path_factory.mktemp("services")


@pytest.fixture(scope="session")
def redis_server(services_dir: Path) -> Iterator[RedisServer]:
    server = RedisServer(services_dir / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A client on a flushed database: every test starts from an empty Redis."""
    client = aioredis.from_url(redis_url, decode_responses=False)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def mariadb_server(services_dir: Path) -> Iterator[MariaDBServer]:
    server = MariaDBServer(services_dir / "mariadb").start()
    yield server
    server.stop()


def load_khanza(server: MariaDBServer, database: str) -> str:
    server.sql(f"CREATE DATABASE `{database}` CHARACTER SET latin1")
    server.load(FIXTURE_DIR / "schema.sql", database)
    server.load(FIXTURE_DIR / "sample-data.sql", database)
    return database


@pytest.fixture(scope="session")
def khanza_db(mariadb_server: MariaDBServer) -> str:
    """The project's own Khanza fixture with the sample day; treat it as read-only."""
    return load_khanza(mariadb_server, "sik")


@pytest.fixture
def fresh_khanza_db(mariadb_server: MariaDBServer) -> Iterator[str]:
    """A private copy of the sample database for a test that writes to it."""
    name = f"sik_{next(_database_numbers)}"
    load_khanza(mariadb_server, name)
    yield name
    mariadb_server.sql(f"DROP DATABASE `{name}`")


@pytest.fixture(scope="session")
def upstream_khanza_db(mariadb_server: MariaDBServer) -> str:
    """The real upstream Khanza definitions, where ``../shared`` is present (CI has it)."""
    schema = SHARED_KHANZA / "schema.sql"
    if not schema.is_file():
        pytest.skip(f"{schema} is absent: drift checks against real Khanza need ../shared")
    mariadb_server.sql("CREATE DATABASE `sik_upstream` CHARACTER SET latin1")
    mariadb_server.load(schema, "sik_upstream")
    return "sik_upstream"


@pytest.fixture
def state_db_url(mariadb_server: MariaDBServer) -> Iterator[str]:
    """An empty database for the daemon's own tables, dropped afterwards."""
    name = f"state_{next(_database_numbers)}"
    mariadb_server.sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    yield mariadb_server.url(name)
    mariadb_server.sql(f"DROP DATABASE `{name}`")


@pytest.fixture
async def state_pool(state_db_url: str) -> AsyncIterator[aiomysql.Pool]:
    """A pool on a migrated state database."""
    pool = await create_pool(DatabaseUrl.parse(state_db_url), setting="state")
    async with pool.acquire() as connection:
        await migrate(connection)
    yield pool
    pool.close()
    await pool.wait_closed()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No ``SIMRS_BRIDGE_*`` leaks in from the developer's shell, and no env file."""
    for name in list(os.environ):
        if name.startswith("SIMRS_BRIDGE_"):
            monkeypatch.delenv(name)
    env_file = tmp_path / "empty-env"
    env_file.write_text("")
    monkeypatch.setenv("SIMRS_BRIDGE_ENV_FILE", str(env_file))
    return monkeypatch


@pytest.fixture
async def fake_bpjs() -> AsyncIterator[fake_bpjs_module.RunningFake]:
    """The fake BPJS Antrean RS with Settings' sandbox credentials, on a free port."""
    async with fake_bpjs_module.running(fake_bpjs_module.FakeBpjsConfig()) as fake:
        yield fake


@pytest.fixture
async def fake_sirs() -> AsyncIterator[fake_sirs_module.RunningFakeSirs]:
    """The fake RS Online with Settings' sandbox credentials, on a free port."""
    fake = await fake_sirs_module.start(fake_sirs_module.FakeSirsConfig())
    yield fake
    await fake.close()


@pytest.fixture
def bridge_settings(
    redis_url: str, mariadb_server: MariaDBServer, fresh_khanza_db: str, state_db_url: str,
    fake_bpjs: fake_bpjs_module.RunningFake, fake_sirs: fake_sirs_module.RunningFakeSirs,
) -> Settings:
    """Settings for a whole daemon: real Redis and MariaDB, the two fakes, no limits."""
    return Settings(
        redis_url=redis_url,
        khanza_db_url=DatabaseUrl.parse(mariadb_server.url(fresh_khanza_db)),
        state_db_url=DatabaseUrl.parse(state_db_url),
        bpjs_base_url=fake_bpjs.base_url,
        sirs_base_url=fake_sirs.base_url,
        bpjs_rate=0, sirs_rate=0, bpjs_max_concurrency=0, sirs_max_concurrency=0,
        http_timeout=5,
        reconcile_interval=0,  # read-backs only where a test asks for one
    )


def settings_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment variables that make a child process load exactly ``settings``."""
    env = {k: v for k, v in (base or dict(os.environ)).items()
           if not k.startswith("SIMRS_BRIDGE_")}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, DatabaseUrl):
            text = value.render(reveal=True)
        elif hasattr(value, "get_secret_value"):
            text = value.get_secret_value()
        else:
            text = str(value)
        env[f"SIMRS_BRIDGE_{name.upper()}"] = text
    env["SIMRS_BRIDGE_ENV_FILE"] = ""  # no env file: the environment says everything
    return env


@pytest.fixture
def bridge_env(bridge_settings: Settings) -> dict[str, str]:
    """``bridge_settings`` as the environment of a child process (CLI, worker, producer)."""
    return settings_env(bridge_settings)
