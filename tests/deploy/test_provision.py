"""deploy/sql/provision.sql on a fresh MariaDB: each account can do its job and nothing more.

A private server of its own (not the session's), so the accounts it creates meet no
leftovers and leave none. The reader runs every named Khanza query and the bed query;
the writer writes the web service's tables and nothing else; the owner runs the
migrations; and each is refused outside its grants.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import aiomysql
import pymysql
import pytest

from core.db import connect
from core.khanza.queries import ALL_QUERIES, OPTIONAL_TABLES, executable
from core.settings import DatabaseUrl
from core.state.migrate import migrate
from sandbox.services import MariaDBServer

from ..conftest import FIXTURE_DIR
from .conftest import REPO

PASSWORDS = {"READER_PASSWORD": "r'ead\\er-1", "WRITER_PASSWORD": "wr1ter-2",
             "OWNER_PASSWORD": "0wner-3"}
DENIED = (1044, 1142, 1143, 1045)  # db, table and column access denied; login refused


def render(**extra: str) -> str:
    env = {**os.environ, **PASSWORDS, "KHANZA_DB": "sik", "STATE_DB": "bridge_state",
           "CLIENT_HOST": "127.0.0.1", **extra}
    result = subprocess.run(["bash", str(REPO / "deploy" / "provision.sh")], env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    server = MariaDBServer(tmp_path_factory.mktemp("provision") / "mariadb").start()
    try:
        server.sql("CREATE DATABASE `sik` CHARACTER SET latin1")
        server.load(FIXTURE_DIR / "schema.sql", "sik")
        server.load(FIXTURE_DIR / "sample-data.sql", "sik")
        server.sql(render())
        server.sql(render())  # a second run changes nothing and fails on nothing
        yield server
    finally:
        server.stop()


def url(server: MariaDBServer, user: str, password: str, database: str) -> DatabaseUrl:
    return DatabaseUrl(user=user, password=password, host="127.0.0.1",  # type: ignore[arg-type]
                       port=server.port, database=database)


async def refused(connection: aiomysql.Connection, sql: str) -> int:
    async with connection.cursor() as cursor:
        with pytest.raises(pymysql.err.MySQLError) as caught:
            await cursor.execute(sql)
    return int(caught.value.args[0])


def test_render_refuses_a_missing_password() -> None:
    env = {k: v for k, v in os.environ.items() if k not in PASSWORDS}
    result = subprocess.run(["bash", str(REPO / "deploy" / "provision.sh")], env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "READER_PASSWORD is required" in result.stderr


async def run_queries(connection: aiomysql.Connection, names: list[str]) -> None:
    async with connection.cursor() as cursor:
        for name in names:
            if name in OPTIONAL_TABLES:
                continue  # the fixture lacks the optional table; the SQL grants it if present
            sql, params = executable(name)
            await cursor.execute(sql, params)
            await cursor.fetchall()


async def test_reader_runs_every_named_query_and_writes_nothing(
    provisioned: MariaDBServer,
) -> None:
    reader = await connect(url(provisioned, "simrs_bridge_ro", PASSWORDS["READER_PASSWORD"],
                               "sik"), setting="reader")
    try:
        # The WS RS's reads (``wsrs_*``) run under its own account, in the writer's test.
        await run_queries(reader, [n for n in ALL_QUERIES if not n.startswith("wsrs_")])
        async with reader.cursor() as cursor:
            await cursor.execute("SELECT kd_bangsal FROM bangsal")
        assert await refused(reader, "UPDATE reg_periksa SET stts = 'Batal'") in DENIED
        assert await refused(reader, "INSERT INTO referensi_mobilejkn_bpjs_taskid "
                             "(no_rawat, taskid, waktu) VALUES ('x', '3', '1')") in DENIED
        assert await refused(reader, "SELECT * FROM penjab") in DENIED  # not a table it reads
        assert await refused(reader, "SELECT 1 FROM bridge_state.schema_migrations") in DENIED
    finally:
        reader.close()


async def test_writer_writes_its_tables_only(provisioned: MariaDBServer) -> None:
    writer = await connect(url(provisioned, "simrs_bridge_wsrs", PASSWORDS["WRITER_PASSWORD"],
                               "sik"), setting="writer")
    try:
        await run_queries(writer, [n for n in ALL_QUERIES if n.startswith("wsrs_")])
        async with writer.cursor() as cursor:
            await cursor.execute("START TRANSACTION")
            await cursor.execute("UPDATE referensi_mobilejkn_bpjs SET status = status")
            await cursor.execute("UPDATE reg_periksa SET stts = stts")
            await cursor.execute("UPDATE pasien SET no_tlp = no_tlp")
            await cursor.execute("SELECT COUNT(*) FROM jadwal")
            await cursor.execute("SELECT COUNT(*) FROM maping_dokter_dpjpvclaim")
            await cursor.execute("ROLLBACK")
        assert await refused(writer, "DELETE FROM reg_periksa") in DENIED
        assert await refused(writer, "UPDATE dokter SET nm_dokter = nm_dokter") in DENIED
        assert await refused(writer, "SELECT * FROM mutasi_berkas") in DENIED
        assert await refused(writer, "DROP TABLE pasien") in DENIED
        assert await refused(writer, "SELECT 1 FROM bridge_state.schema_migrations") in DENIED
    finally:
        writer.close()


async def test_owner_migrates_the_state_database_and_cannot_touch_khanza(
    provisioned: MariaDBServer,
) -> None:
    owner = await connect(url(provisioned, "simrs_bridge", PASSWORDS["OWNER_PASSWORD"],
                              "bridge_state"), setting="owner")
    try:
        assert await migrate(owner)  # every table created by the owner itself
        assert await refused(owner, "SELECT * FROM sik.reg_periksa") in DENIED
        assert await refused(owner, "CREATE DATABASE another_one") in DENIED
    finally:
        owner.close()


def test_grants_are_exactly_these(provisioned: MariaDBServer) -> None:
    shown = provisioned.sql("SHOW GRANTS FOR 'simrs_bridge_ro'@'127.0.0.1'")
    tables = sorted(line.split("`sik`.`")[1].split("`")[0]
                    for line in shown.splitlines() if "`sik`." in line)
    assert all(line.startswith(("GRANT SELECT ON `sik`", "GRANT USAGE ON *.*"))
               for line in shown.splitlines()), shown
    assert "resep_dokter_racikan" in tables  # optional, and present in the fixture
    assert set(tables) >= {"reg_periksa", "referensi_mobilejkn_bpjs", "kamar", "bangsal"}
    owner = provisioned.sql("SHOW GRANTS FOR 'simrs_bridge'@'127.0.0.1'")
    assert "`sik`" not in owner and "ALL PRIVILEGES ON `bridge_state`.*" in owner


def test_optional_tables_are_granted_where_they_exist(provisioned: MariaDBServer) -> None:
    # A Khanza that has the optional tables (as the full upstream schema does).
    provisioned.sql("CREATE DATABASE sik2 CHARACTER SET latin1")
    provisioned.load(FIXTURE_DIR / "schema.sql", "sik2")
    reader = provisioned.sql("SHOW GRANTS FOR 'simrs_bridge_ro'@'127.0.0.1'")
    assert "`sik`.`resep_dokter_racikan`" in reader
    # An older Khanza without them: nothing granted on what is absent, the rest still is.
    provisioned.sql("DROP TABLE sik2.resep_dokter_racikan; DROP TABLE sik2.set_no_rkm_medis")
    provisioned.sql(render(KHANZA_DB="sik2"))
    reader = provisioned.sql("SHOW GRANTS FOR 'simrs_bridge_ro'@'127.0.0.1'")
    writer = provisioned.sql("SHOW GRANTS FOR 'simrs_bridge_wsrs'@'127.0.0.1'")
    assert "`sik2`.`resep_dokter_racikan`" not in reader
    assert "`sik2`.`set_no_rkm_medis`" not in writer
    assert "GRANT SELECT ON `sik2`.`reg_periksa`" in reader


def _grants(lines: list[str], database: str) -> dict[str, set[str]]:
    """``GRANT A, B ON db.table`` lines (quoted or not) as table -> privileges."""
    found: dict[str, set[str]] = {}
    for line in lines:
        match = re.match(rf"GRANT (.+?) ON `?{database}`?\.`?(\w+)`? TO", line.strip())
        if match:
            found[match[2]] = {p.strip() for p in match[1].split(",")}
    return found


def test_the_wsrs_grants_in_the_docs_are_the_ones_provisioned(
        provisioned: MariaDBServer) -> None:
    granted = _grants(provisioned.sql(
        "SHOW GRANTS FOR 'simrs_bridge_wsrs'@'127.0.0.1'").splitlines(), "sik")
    documented = _grants((REPO / "docs" / "wsrs.md").read_text().splitlines(), "sik")
    assert granted and documented == granted


def test_the_template_is_what_the_wheel_ships() -> None:
    assert (REPO / "deploy" / "sql" / "provision.sql").is_file()
    assert Path(REPO / "deploy" / "provision.sh").stat().st_mode & 0o111
