"""``simrs-bridge check`` against reachable and unreachable services, as a real process."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from sandbox import fake_bpjs as fake_bpjs_module
from sandbox import fake_sirs as fake_sirs_module
from sandbox.services import MariaDBServer, free_port


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
    empty = tmp_path / "env"
    empty.write_text("")
    env["SIMRS_BRIDGE_ENV_FILE"] = str(empty)
    return env


async def test_check_all_reachable(
    tmp_path: Path, redis_url: str, mariadb_server: MariaDBServer, khanza_db: str,
    fake_bpjs: fake_bpjs_module.RunningFake, fake_sirs: fake_sirs_module.RunningFakeSirs,
) -> None:
    mariadb_server.sql("CREATE DATABASE IF NOT EXISTS bridge_state")
    mariadb_server.sql(
        "CREATE USER IF NOT EXISTS 'checker'@'127.0.0.1' IDENTIFIED BY 'db-secret-99';"
        f"GRANT SELECT ON `{khanza_db}`.* TO 'checker'@'127.0.0.1';"
        "GRANT ALL ON bridge_state.* TO 'checker'@'127.0.0.1';"
    )
    env = base_env(tmp_path) | {
        "SIMRS_BRIDGE_REDIS_URL": redis_url,
        "SIMRS_BRIDGE_KHANZA_DB_URL": mariadb_server.url(khanza_db, "checker", "db-secret-99"),
        "SIMRS_BRIDGE_STATE_DB_URL": mariadb_server.url("bridge_state", "checker", "db-secret-99"),
        "SIMRS_BRIDGE_BPJS_BASE_URL": fake_bpjs.base_url,
        "SIMRS_BRIDGE_SIRS_BASE_URL": fake_sirs.base_url,
        "SIMRS_BRIDGE_TASK_SOURCES": "wsrs",
    }
    code, out, err = await run_cli(env, "check")
    assert code == 0, out + err
    lines = out.splitlines()
    task3 = next(line for line in lines if line.startswith("  task 3: "))
    assert task3.startswith("  task 3: referensi_mobilejkn_bpjs.checkin (")
    assert ", else mutasi_berkas.dikirim (" in task3
    assert "  task 2: none (" in lines[lines.index(task3) - 1]
    for component in ("redis", "khanza-db", "state-db", "bpjs", "sirs"):
        assert any(line.split()[:2] == ["ok", component] for line in lines), out
    assert "SIMRS_BRIDGE_BPJS_SECRET=**********" in out
    assert "  ok   every rule the daemons check at start" in lines
    for secret in ("db-secret-99", "sandbox-secret", "sandbox-password", "sandbox-user-key"):
        assert secret not in out + err


async def test_check_reports_each_unreachable_component(tmp_path: Path, redis_url: str) -> None:
    dead = free_port()
    env = base_env(tmp_path) | {
        "SIMRS_BRIDGE_REDIS_URL": redis_url,
        "SIMRS_BRIDGE_KHANZA_DB_URL": f"mysql://ro:pw-secret-1@127.0.0.1:{dead}/sik",
        "SIMRS_BRIDGE_STATE_DB_URL": f"mysql://rw:pw-secret-2@127.0.0.1:{dead}/state",
        "SIMRS_BRIDGE_BPJS_BASE_URL": f"http://127.0.0.1:{dead}/antreanrs",
        "SIMRS_BRIDGE_SIRS_BASE_URL": f"http://127.0.0.1:{dead}/fo/index.php",
    }
    code, out, err = await run_cli(env, "check")
    assert code == 2
    failed = {line.split()[1]: line for line in out.splitlines() if line.strip().startswith("FAIL")}
    assert set(failed) == {"khanza-db", "state-db", "bpjs", "sirs"}
    assert "SIMRS_BRIDGE_KHANZA_DB_URL" in failed["khanza-db"]
    assert "SIMRS_BRIDGE_BPJS_BASE_URL" in failed["bpjs"]
    assert "cannot connect" in failed["sirs"]
    assert "Traceback" not in out + err
    assert "pw-secret" not in out + err


async def test_dead_redis_is_named(tmp_path: Path) -> None:
    env = base_env(tmp_path) | {"SIMRS_BRIDGE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    code, out, _ = await run_cli(env, "check")
    assert code == 2
    line = next(line for line in out.splitlines() if " redis " in line)
    assert line.strip().startswith("FAIL")
    assert "SIMRS_BRIDGE_REDIS_URL: cannot reach" in line


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SIMRS_BRIDGE_TIMEZONE", "Nowhere/Town"),
        ("SIMRS_BRIDGE_KHANZA_DB_URL", "not a url"),
        ("SIMRS_BRIDGE_REDIS_URL", "redis://127.0.0.1:notaport/0"),
    ],
)
async def test_bad_setting_is_one_line_exit_2(tmp_path: Path, variable: str, value: str) -> None:
    code, out, err = await run_cli(base_env(tmp_path) | {variable: value}, "check")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"simrs-bridge: {variable}: ")
    assert "Traceback" not in err


async def test_help_lists_subcommands(tmp_path: Path) -> None:
    code, out, _ = await run_cli(base_env(tmp_path), "--help")
    assert code == 0
    assert "check" in out


# --- check runs every rule the daemons run (core.validate), and both refuse the same ---------

# (variable set, its value, the setting the refusal names)
REFUSED = [
    ("SIMRS_BRIDGE_TASK_SOURCES", "3=foo.bar", None),
    ("SIMRS_BRIDGE_TASK_SOURCES", "9=mutasi_berkas.dikirim", None),
    ("SIMRS_BRIDGE_BPJS_PAYERS", " , ", None),
    ("SIMRS_BRIDGE_BPJS_SECRET", "CHANGE-ME", None),
    ("SIMRS_BRIDGE_SIRS_RS_ID", "CHANGE-ME", None),
    ("SIMRS_BRIDGE_KHANZA_DB_URL", "mysql://ro:CHANGE-ME@127.0.0.1:3306/sik", None),
    ("SIMRS_BRIDGE_DASHBOARD_REQUIRE_TOKEN_FOR_READS", "true", "SIMRS_BRIDGE_DASHBOARD_TOKEN"),
]


def _dead_services(tmp_path: Path) -> dict[str, str]:
    """Nothing answers: a settings rule must refuse before any connection is tried."""
    dead = free_port()
    return base_env(tmp_path) | {
        "SIMRS_BRIDGE_REDIS_URL": f"redis://127.0.0.1:{dead}/0",
        "SIMRS_BRIDGE_KHANZA_DB_URL": f"mysql://ro:pw@127.0.0.1:{dead}/sik",
        "SIMRS_BRIDGE_STATE_DB_URL": f"mysql://rw:pw@127.0.0.1:{dead}/state",
        "SIMRS_BRIDGE_STARTUP_WAIT": "30",
    }


@pytest.mark.parametrize(("variable", "value", "named"), REFUSED)
async def test_check_and_every_daemon_refuse_the_same_setting(
    tmp_path: Path, variable: str, value: str, named: str | None
) -> None:
    env = _dead_services(tmp_path)
    env[variable] = value
    variable = named or variable
    code, out, _ = await run_cli(env, "check")
    assert code == 2
    failed = [line for line in out.splitlines() if line.startswith(f"  FAIL {variable}: ")]
    assert failed, out
    for command in (["producer", "--once"], ["worker", "--burst"], ["dashboard"]):
        code, _, err = await run_cli(env, *command)
        # At once (STARTUP_WAIT is 30 s and nothing answers): refused before waiting.
        assert code == 2, (command, err)
        assert err.count("\n") == 1 and err.startswith(f"simrs-bridge: {variable}: "), err
        assert "Traceback" not in err


async def test_unknown_names_fail_check_with_a_suggestion(tmp_path: Path) -> None:
    env = _dead_services(tmp_path)
    env["SIMRS_BRIDGE_REDIS_ULR"] = "redis://elsewhere:6379/0"
    Path(env["SIMRS_BRIDGE_ENV_FILE"]).write_text(
        "SIMRS_BRIDGE_PRODUCER_INTERVALL=5\nSIMRS_BRIDGE_LOG_LEVEL=INFO\n")
    code, out, _ = await run_cli(env, "check")
    assert code == 2
    assert ("  FAIL SIMRS_BRIDGE_REDIS_ULR: unknown setting in the environment, ignored; "
            "did you mean SIMRS_BRIDGE_REDIS_URL?") in out, out
    assert ("SIMRS_BRIDGE_PRODUCER_INTERVALL: unknown setting in "
            f"{env['SIMRS_BRIDGE_ENV_FILE']}, ignored; did you mean "
            "SIMRS_BRIDGE_PRODUCER_INTERVAL?") in out, out
    assert "SIMRS_BRIDGE_LOG_LEVEL: unknown" not in out


async def test_daemon_only_warns_about_an_unknown_name(tmp_path: Path) -> None:
    # A rollback leaves newer names in the env file: the service must still start.
    env = _dead_services(tmp_path) | {"SIMRS_BRIDGE_STARTUP_WAIT": "0",
                                      "SIMRS_BRIDGE_FUTURE_KNOB": "1"}
    code, out, err = await run_cli(env, "producer", "--once")
    assert code == 69, err  # it went on to wait for Redis, which is down
    assert "WARNING core.validate: SIMRS_BRIDGE_FUTURE_KNOB: unknown setting" in out


async def test_rs_online_404_is_a_failure_naming_the_setting(
    tmp_path: Path, fake_bpjs: fake_bpjs_module.RunningFake,
    fake_sirs: fake_sirs_module.RunningFakeSirs,
) -> None:
    env = base_env(tmp_path) | {
        "SIMRS_BRIDGE_BPJS_BASE_URL": fake_bpjs.base_url,
        "SIMRS_BRIDGE_SIRS_BASE_URL": fake_sirs.base_url.replace("/fo/", "/fx/"),
    }
    code, out, _ = await run_cli(env, "check")
    assert code == 2
    sirs = next(line for line in out.splitlines() if line.split()[1:2] == ["sirs"])
    assert sirs.split()[0] == "FAIL"
    assert "SIMRS_BRIDGE_SIRS_BASE_URL" in sirs and "HTTP 404" in sirs
    bpjs = next(line for line in out.splitlines() if line.split()[1:2] == ["bpjs"])
    assert bpjs.split()[0] == "ok"


async def test_wrong_credentials_name_the_credential_settings(
    tmp_path: Path, fake_bpjs: fake_bpjs_module.RunningFake,
    fake_sirs: fake_sirs_module.RunningFakeSirs,
) -> None:
    env = base_env(tmp_path) | {
        "SIMRS_BRIDGE_BPJS_BASE_URL": fake_bpjs.base_url,
        "SIMRS_BRIDGE_SIRS_BASE_URL": fake_sirs.base_url,
        "SIMRS_BRIDGE_BPJS_SECRET": "not-the-secret-1",
        "SIMRS_BRIDGE_SIRS_PASSWORD": "not-the-password-2",
    }
    code, out, err = await run_cli(env, "check")
    assert code == 2
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("  FAIL")}
    assert "SIMRS_BRIDGE_BPJS_CONS_ID/_SECRET/_USER_KEY" in lines["bpjs"]
    assert "SIMRS_BRIDGE_SIRS_RS_ID/_PASSWORD" in lines["sirs"]
    assert "not-the-secret-1" not in out + err and "not-the-password-2" not in out + err


async def test_a_host_that_never_answers_is_named(tmp_path: Path) -> None:
    """A listener that accepts and says nothing (a firewall's half-open port, a hung
    server): the line names the setting instead of only "no answer"."""
    silent = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    env = base_env(tmp_path) | {
        "SIMRS_BRIDGE_KHANZA_DB_URL": f"mysql://ro:pw@127.0.0.1:{port}/sik"}
    try:
        code, out, _ = await run_cli(env, "check")
    finally:
        silent.close()
    assert code == 2
    line = next(line for line in out.splitlines() if line.split()[1:2] == ["khanza-db"])
    assert line.split()[0] == "FAIL"
    assert "SIMRS_BRIDGE_KHANZA_DB_URL" in line
async def check_binlog(tmp_path: Path, redis_url: str, mariadb_server: MariaDBServer,
                       khanza_db: str, user: str, grants: str) -> tuple[int, list[str], str]:
    """``check`` in binlog mode as ``user`` with ``grants``; the binlog lines and all output."""
    mariadb_server.sql(
        f"DROP USER IF EXISTS '{user}'@'127.0.0.1';"
        f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY 'repl-secret-3';" + grants)
    env = base_env(tmp_path) | {
        "SIMRS_BRIDGE_REDIS_URL": redis_url,
        "SIMRS_BRIDGE_KHANZA_DB_URL": mariadb_server.url(khanza_db, user, "repl-secret-3"),
        "SIMRS_BRIDGE_CHANGES": "binlog",
    }
    code, out, err = await run_cli(env, "check")
    lines = [line for line in out.splitlines() if line.split()[1:2] == ["binlog"]]
    return code, lines, out + err


async def test_check_in_binlog_mode_names_every_missing_grant_in_one_line(
    tmp_path: Path, redis_url: str, mariadb_server: MariaDBServer, khanza_db: str,
) -> None:
    code, lines, output = await check_binlog(
        tmp_path, redis_url, mariadb_server, khanza_db, "no_repl",
        f"GRANT SELECT ON `{khanza_db}`.reg_periksa TO 'no_repl'@'127.0.0.1';")
    assert code == 2
    assert len(lines) == 1, output
    line = lines[0]
    assert line.strip().startswith("FAIL")
    assert "REPLICATION SLAVE" in line and "REPLICATION CLIENT" in line
    assert "SELECT on " in line and "pasien" in line and "reg_periksa," not in line
    assert "log_bin" not in line  # the private server has the binlog on, as required
    assert "docs/binlog.md" in line
    assert "repl-secret-3" not in output


async def test_check_in_binlog_mode_passes_with_the_documented_grants(
    tmp_path: Path, redis_url: str, mariadb_server: MariaDBServer, khanza_db: str,
) -> None:
    _, lines, output = await check_binlog(
        tmp_path, redis_url, mariadb_server, khanza_db, "repl_ok",
        "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl_ok'@'127.0.0.1';"
        f"GRANT SELECT ON `{khanza_db}`.* TO 'repl_ok'@'127.0.0.1';")
    assert len(lines) == 1 and lines[0].strip().startswith("ok"), output
    assert "GTID" in lines[0]


async def test_check_names_binlog_settings_the_server_lacks(
    tmp_path: Path, redis_url: str, mariadb_server: MariaDBServer, khanza_db: str,
) -> None:
    mariadb_server.sql("SET GLOBAL binlog_row_image = 'MINIMAL'")
    try:
        _, lines, output = await check_binlog(
            tmp_path, redis_url, mariadb_server, khanza_db, "repl_min",
            "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl_min'@'127.0.0.1';"
            f"GRANT SELECT ON `{khanza_db}`.* TO 'repl_min'@'127.0.0.1';")
    finally:
        mariadb_server.sql("SET GLOBAL binlog_row_image = 'FULL'")
    assert len(lines) == 1 and lines[0].strip().startswith("FAIL"), output
    assert "binlog_row_image=FULL (is MINIMAL)" in lines[0]
    assert "REPLICATION" not in lines[0]
