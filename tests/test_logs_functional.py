"""The daemon's whole log output for the sample day holds no secret and no patient identifier.

The producer and the worker run as the real commands (subprocesses, an env file,
DEBUG logging, upstreams that sometimes answer 503 or an HTML error page), and
everything they print is scanned for every configured secret and for the sample
data's identifiers: NIKs, BPJS card numbers, phone numbers and patient names.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from core.settings import DatabaseUrl, Settings
from sandbox.demo import settings_values, write_env
from sandbox.fake_bpjs import RunningFake
from sandbox.fake_sirs import RunningFakeSirs
from sandbox.sample_day import DAY, preload_what_bpjs_already_has
from sandbox.services import MariaDBServer

REPO = Path(__file__).resolve().parents[1]
SAMPLE = (REPO / "sandbox" / "khanza" / "sample-data.sql").read_text()
IDENTIFIERS = [
    "0000000000000001", "0000000000000002", "0000000000000003",  # NIK
    "0000000000001", "0000000000002",  # BPJS card numbers
    "080000000101", "080000000102", "080000000103",  # phones
    "PASIEN CONTOH SATU", "PASIEN CONTOH DUA", "PASIEN CONTOH TIGA", "IBU CONTOH",
    "KELUARGA CONTOH SATU", "ANAK CONTOH TIGA", "0000R0010125K00000",  # names, referrals
]
DB_PASSWORD = "state-db-pa55word-never-logged"


async def run(command: list[str], env: dict[str, str], timeout: float) -> str:
    """Run a command while this event loop keeps serving the two fakes."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *command, env=env, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"{command} still running after {timeout} s") from None
    output = out.decode(errors="replace")
    assert process.returncode == 0, output[-4000:]
    return output


async def test_daemon_logs_leak_nothing(
    bridge_settings: Settings, fake_bpjs: RunningFake, fake_sirs: RunningFakeSirs,
    mariadb_server: MariaDBServer, fresh_khanza_db: str, state_db_url: str, redis: object,
    tmp_path: Path,
) -> None:
    assert all(value in SAMPLE for value in IDENTIFIERS[:8])  # the list matches the fixture
    state_db = DatabaseUrl.parse(state_db_url).database
    mariadb_server.sql(
        f"CREATE USER 'logtest'@'127.0.0.1' IDENTIFIED BY '{DB_PASSWORD}';"
        f"GRANT ALL ON `{state_db}`.* TO 'logtest'@'127.0.0.1';"
        f"GRANT SELECT ON `{fresh_khanza_db}`.* TO 'logtest'@'127.0.0.1';")
    try:
        settings = bridge_settings.model_copy(update={
            "khanza_db_url": DatabaseUrl.parse(mariadb_server.url(fresh_khanza_db, "logtest",
                                                                  DB_PASSWORD)),
            "state_db_url": DatabaseUrl.parse(mariadb_server.url(state_db, "logtest",
                                                                 DB_PASSWORD)),
            "dashboard_token": SecretStr("dashboard-token-never-logged"),
            "log_level": "DEBUG",
        })
        await preload_what_bpjs_already_has(settings, fake_bpjs.state)
        async with aiohttp.ClientSession() as session:
            # Rare enough that the circuit breakers stay closed and the day ends quickly.
            for fake, knobs in ((fake_bpjs.root_url, {"html_rate": 0.1}),
                                (fake_sirs.root, {"error_rate": 0.1})):
                async with session.put(fake + "/_fake/faults", json=knobs) as answer:
                    assert answer.status == 200
        env_file = tmp_path / "env"
        write_env(env_file, settings_values(settings))
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
        env.update(SIMRS_BRIDGE_ENV_FILE=str(env_file), PYTHONPATH=str(REPO))

        output = await run(["producer", "--day", DAY.isoformat()], env, 60)
        output += await run(["worker", "--burst"], env, 90)
    finally:
        mariadb_server.sql("DROP USER 'logtest'@'127.0.0.1'")

    # The scan has something to scan: every upstream call and job is in the log.
    assert "antrean/add" in output and "Antrian" in output and "DEBUG" in output
    assert len(fake_bpjs.state.bookings) == 5
    for secret in (*settings.secrets(), "dashboard-token-never-logged", DB_PASSWORD):
        assert secret not in output, "a secret reached the logs"
    leaked = [value for value in IDENTIFIERS if value in output]
    assert leaked == [], f"unmasked identifiers in the logs: {leaked}"
