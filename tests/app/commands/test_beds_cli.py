"""``simrs-bridge beds ...`` as a real process: real Khanza/state databases, the fake RS Online."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import sys
import time
from pathlib import Path

import aiomysql
import pytest

from app.commands import beds as beds_module
from app.commands.base import CommandError
from app.commands.beds import probe_unmapped
from core.db import create_pool
from core.errors import BridgeError, ConfigError
from core.settings import Settings
from core.state.beds import BedMapping, BedMappingStore
from core.state.migrate import migrate
from sandbox.fake_sirs import RunningFakeSirs
from worker.jobs.beds import sirs_beds
from worker.services import open_services

REPO = Path(__file__).resolve().parents[3]
SAMPLE_CSV = REPO / "sandbox" / "khanza" / "bed-mapping.csv"


def env_for(tmp_path: Path, settings: Settings, sirs_base_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
    env_file = tmp_path / "env"
    env_file.write_text(
        f"SIMRS_BRIDGE_REDIS_URL={settings.redis_url}\n"
        f"SIMRS_BRIDGE_KHANZA_DB_URL={settings.khanza_db_url.render(reveal=True)}\n"
        f"SIMRS_BRIDGE_STATE_DB_URL={settings.state_db_url.render(reveal=True)}\n"
        f"SIMRS_BRIDGE_SIRS_BASE_URL={sirs_base_url or settings.sirs_base_url}\n"
        "SIMRS_BRIDGE_HTTP_TIMEOUT=5\n"
    )
    env["SIMRS_BRIDGE_ENV_FILE"] = str(env_file)
    return env


async def beds(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "beds", *args, env=env, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    raw_out, raw_err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    out, err = raw_out.decode(), raw_err.decode()
    assert "Traceback" not in err, err
    return process.returncode, out, err


async def invoke(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str],
    *args: str,
) -> tuple[int, str, str]:
    """The command in this process (quicker than a process start); errors as cli.main shows
    them. The process tests above cover cli.main itself."""
    monkeypatch.setenv("SIMRS_BRIDGE_ENV_FILE", env["SIMRS_BRIDGE_ENV_FILE"])
    parser = argparse.ArgumentParser(prog="simrs-bridge")
    beds_module.register(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args(["beds", *args])
    capsys.readouterr()
    try:
        code = await parsed.handler(parsed)
    except (BridgeError, CommandError) as exc:
        print(f"simrs-bridge: {exc}", file=sys.stderr)
        code = 2
    out, err = capsys.readouterr()
    return code, out, err


async def mapping_rows(settings: Settings) -> list[tuple[object, ...]]:
    pool: aiomysql.Pool = await create_pool(settings.state_db_url, setting="test")
    try:
        async with pool.acquire() as connection:
            await migrate(connection)
        rows = await BedMappingStore(pool).all()
    finally:
        pool.close()
        await pool.wait_closed()
    return [(m.kd_bangsal, m.kelas, m.id_tt, m.ruang, m.covid) for m in rows]


SAMPLE_ROWS = [
    ("ICU", "Kelas Utama", "6", "Ruang ICU", 0),
    ("MLT", "Kelas 3", "5", "Ruang Melati", 0),
    ("MWR", "Kelas 1", "3", "Ruang Mawar", 0),
]


async def test_load_the_sample_mapping(
    tmp_path: Path, bridge_settings: Settings, fake_sirs: RunningFakeSirs
) -> None:
    code, out, err = await beds(env_for(tmp_path, bridge_settings), "mapping", "load",
                                str(SAMPLE_CSV))
    assert code == 0, err
    assert "3 ward class(es) (was 0) into 3 RS Online group(s)" in out
    assert "every ward class with beds is mapped" in out
    assert await mapping_rows(bridge_settings) == SAMPLE_ROWS
    assert ("GET", "Referensi/tempat_tidur") in await fake_sirs.requests()


async def test_bad_rows_are_all_named_and_nothing_changes(
    tmp_path: Path, bridge_settings: Settings, fake_sirs: RunningFakeSirs,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    env = env_for(tmp_path, bridge_settings)
    assert (await invoke(monkeypatch, capsys, env, "mapping", "load", str(SAMPLE_CSV)))[0] == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kd_bangsal,kelas,id_tt,ruang,covid\n"
        "MWR,Kelas 1,4,Bangsal Umum,0\n"             # 2: fine
        "XYZ,Kelas 1,3,Ruang X,0\n"                  # 3: no such bangsal
        "MLT,Kelas 1,5,Ruang Melati,0\n"             # 4: MLT has no Kelas 1 beds
        "ICU,Kelas Utama,13,Ruang ICU,0\n"           # 5: 13 is not an RS Online code
        "\n"
        "MLT,Kelas 3,4,Bangsal Umum,2\n"             # 7: covid 2
        f"ICU,Kelas Utama,6,{'x' * 101},0\n"         # 8: duplicate ward, ruang too long
        "mwr,Kelas 1,3,  ,0\n"                       # 9: case of kd_bangsal, empty ruang
    )
    code, out, err = await beds(env, "mapping", "load", str(bad))
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0] == f"simrs-bridge: {bad}: 6 bad row(s); the mapping was not changed:"
    problems = "\n".join(lines[1:])
    for expected in (
        "line 3: kd_bangsal 'XYZ' is not in Khanza's bangsal",
        "line 4: MLT/Kelas 1 has no beds in kamar (classes with beds: Kelas 3)",
        "line 5: id_tt 13 is not in RS Online's Referensi/tempat_tidur",
        "line 7: covid must be 0 or 1, got '2'",
        "line 8: ruang: must be at most 100 characters, got 101",
        "line 8: ICU/Kelas Utama is already mapped on line 5",
        "line 9: kd_bangsal 'mwr' is not in Khanza's bangsal (did you mean MWR?)",
        "line 9: ruang: must not be empty",
    ):
        assert expected in problems, problems
    assert "line 2" not in problems and "line 6" not in problems
    assert out == ""
    assert await mapping_rows(bridge_settings) == SAMPLE_ROWS


async def test_same_group_must_agree_on_covid_and_spelling(
    tmp_path: Path, bridge_settings: Settings, fake_sirs: RunningFakeSirs,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "groups.csv"
    bad.write_text("kd_bangsal,kelas,id_tt,ruang,covid\nMWR,Kelas 1,4,Bangsal Umum,0\n"
                   "MLT,Kelas 3,4,Bangsal Umum,1\nICU,Kelas Utama,4,BANGSAL UMUM,0\n")
    env = env_for(tmp_path, bridge_settings)
    code, _, err = await invoke(monkeypatch, capsys, env, "mapping", "load", str(bad))
    assert code == 2
    assert "line 3: 4/Bangsal Umum has covid 1 here but 0 on line 2" in err
    assert "line 4: ruang 'BANGSAL UMUM' differs only in case from 'Bangsal Umum' on line 2" in err
    assert await mapping_rows(bridge_settings) == []


async def test_offline_skips_the_reference_with_a_warning(
    tmp_path: Path, bridge_settings: Settings, unused_port: int,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    down = f"http://127.0.0.1:{unused_port}/fo/index.php"
    env = env_for(tmp_path, bridge_settings, sirs_base_url=down)
    code, _, err = await beds(env, "mapping", "load", str(SAMPLE_CSV))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "use --offline" in err
    assert await mapping_rows(bridge_settings) == []
    code, out, err = await invoke(monkeypatch, capsys, env, "mapping", "load", "--offline",
                                  str(SAMPLE_CSV))
    assert code == 0, err
    assert "warning: --offline" in err and "into 3 RS Online group(s)" in out
    assert await mapping_rows(bridge_settings) == SAMPLE_ROWS


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_show_prints_mapping_groups_and_unmapped_wards(
    tmp_path: Path, bridge_settings: Settings,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    mapping = tmp_path / "two.csv"
    mapping.write_text("kd_bangsal,kelas,id_tt,ruang,covid\nMWR,Kelas 1,4,Bangsal Umum,0\n"
                       "MLT,Kelas 3,4,Bangsal Umum,0\n")
    env = env_for(tmp_path, bridge_settings)
    code, out, err = await invoke(monkeypatch, capsys, env, "mapping", "load", "--offline",
                                  str(mapping))
    assert code == 0, err
    assert "1 ward class(es) with beds are NOT reported to RS Online" in out
    code, out, err = await invoke(monkeypatch, capsys, env, "mapping", "show")
    assert code == 0, err
    lines = [line.split() for line in out.splitlines()]
    assert re.search(r"^mapping: 2 ward class\(es\), loaded \d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
                     r"\+07:00$", out, re.MULTILINE), out
    assert "UTC" not in out
    assert ["MLT", "Kelas", "3", "4", "Bangsal", "Umum", "0", "3"] in lines
    assert ["4", "Bangsal", "Umum", "5", "1", "1", "0"] in lines  # jumlah terpakai prepare covid
    assert ["ICU", "RUANG", "ICU", "Kelas", "Utama", "2"] in lines


async def test_status_and_check_probe(
    tmp_path: Path, bridge_settings: Settings, fake_sirs: RunningFakeSirs, redis: object,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    env = env_for(tmp_path, bridge_settings)
    code, out, _ = await invoke(monkeypatch, capsys, env, "status")
    assert (code, out.strip()) == (1, "no bed reconcile has run yet")
    with pytest.raises(ConfigError, match="no bed_mapping table yet; run simrs-bridge migrate"):
        await probe_unmapped(bridge_settings)  # check reads only, it never migrates

    services = await open_services(bridge_settings)  # migrates, as the worker does at start
    try:
        with pytest.raises(ConfigError, match="ICU/Kelas Utama, MLT/Kelas 3, MWR/Kelas 1"):
            await probe_unmapped(bridge_settings)
        await BedMappingStore(services.state).replace_all(
            [BedMapping(*row) for row in SAMPLE_ROWS[1:]])
        await sirs_beds({"services": services, "job_try": 1, "enqueue_time": time.time()})
    finally:
        await services.close()
    code, out, err = await invoke(monkeypatch, capsys, env, "status")
    assert code == 0, err
    assert "posted:       2\n  3/Ruang Mawar\n  5/Ruang Melati" in out
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+07:00", out), out
    assert "unmapped:     1\n  ICU/Kelas Utama" in out
    with pytest.raises(ConfigError, match=r"no RS Online mapping: ICU/Kelas Utama \("):
        await probe_unmapped(bridge_settings)
    pool: aiomysql.Pool = await create_pool(bridge_settings.state_db_url, setting="test")
    try:
        await BedMappingStore(pool).replace_all([BedMapping(*row) for row in SAMPLE_ROWS])
    finally:
        pool.close()
        await pool.wait_closed()
    assert await probe_unmapped(bridge_settings) == (
        "3 RS Online bed group(s) from 3 ward class(es)")
