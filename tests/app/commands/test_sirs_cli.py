"""``simrs-bridge sirs ...`` as a real process against the fake RS Online."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.fake_sirs import FAKE_SIRS_KEY, FakeSirs, FakeSirsConfig, create_app
from sandbox.faults import serve

RS_ID = "3404015"
PASSWORD = "cli-secret-password"


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeSirs, str]]:
    app = create_app(FakeSirsConfig(rs_id=RS_ID, password=PASSWORD))
    runner, root = await serve(app)
    yield app[FAKE_SIRS_KEY], root + "/fo/index.php"
    await runner.cleanup()


def env_for(tmp_path: Path, base_url: str, password: str = PASSWORD) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
    env_file = tmp_path / "env"
    env_file.write_text(
        f"SIMRS_BRIDGE_SIRS_BASE_URL={base_url}\nSIMRS_BRIDGE_SIRS_RS_ID={RS_ID}\n"
        f"SIMRS_BRIDGE_SIRS_PASSWORD={password}\nSIMRS_BRIDGE_HTTP_TIMEOUT=5\n"
    )
    env["SIMRS_BRIDGE_ENV_FILE"] = str(env_file)
    return env


async def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "sirs",
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


async def test_get_prints_the_answer(tmp_path: Path, fake: tuple[FakeSirs, str]) -> None:
    state, base = fake
    state.add_bed({"id_tt": "3", "ruang": "Melati", "jumlah": 5, "terpakai": 2})
    code, out, err = await run_cli(env_for(tmp_path, base), "get", "fasyankes")
    assert code == 0, err
    rows = json.loads(out)["fasyankes"]
    assert [r["ruang"] for r in rows if r["id_t_tt"]] == ["Melati"]
    assert state.seen[-1].x_pass == "plain"


async def test_get_with_tanggal(tmp_path: Path, fake: tuple[FakeSirs, str]) -> None:
    state, base = fake
    state.reports["Logistik/oksigen"]["2024-03-01"] = {"tanggal": "2024-03-01", "p_cair": "3"}
    code, out, _ = await run_cli(
        env_for(tmp_path, base), "get", "Logistik/oksigen", "--tanggal", "2024-03-01"
    )
    assert code == 0 and json.loads(out)["Oksigenasi"][0]["p_cair"] == "3"
    assert state.seen[-1].headers["x-tanggal"] == "2024-03-01"
    code, _, err = await run_cli(
        env_for(tmp_path, base), "get", "Logistik/oksigen", "--tanggal", "01-03-2024"
    )
    assert code == 2 and "--tanggal must be a date yyyy-mm-dd" in one_line(err)


async def test_send_post_then_duplicate(tmp_path: Path, fake: tuple[FakeSirs, str]) -> None:
    state, base = fake
    body = json.dumps({"id_tt": "3", "ruang": "Melati", "jumlah": "5", "terpakai": "2"})
    code, out, err = await run_cli(
        env_for(tmp_path, base), "send", "Fasyankes", "--method", "POST", "--json", body
    )
    assert code == 0, err
    assert json.loads(out)["fasyankes"][0]["id_t_tt"] in state.beds
    code, _, err = await run_cli(
        env_for(tmp_path, base), "send", "Fasyankes", "--method", "POST", "--json", body
    )
    assert code == 2 and "sudah ada" in one_line(err) and "fix_then_retry" in err


async def test_send_delete_kebutuhan_sets_the_header(
    tmp_path: Path, fake: tuple[FakeSirs, str]
) -> None:
    state, base = fake
    state.kebutuhan["sdm"]["26"] = {"jumlah_eksisting": "1", "jumlah": "1", "jumlah_diterima": "0"}
    code, _, err = await run_cli(
        env_for(tmp_path, base),
        "send",
        "Fasyankes/sdm",
        "--method",
        "delete",
        "--json",
        '{"id_kebutuhan": "26"}',
    )
    assert code == 0, err
    assert state.seen[-1].headers["Id_kebutuhan"] == "26" and state.kebutuhan["sdm"] == {}


async def test_put_fasyankes_without_id_is_refused_locally(
    tmp_path: Path, fake: tuple[FakeSirs, str]
) -> None:
    state, base = fake
    code, _, err = await run_cli(
        env_for(tmp_path, base),
        "send",
        "Fasyankes",
        "--method",
        "PUT",
        "--json",
        '{"id_tt": "3", "ruang": "Melati"}',
    )
    assert code == 2 and "id_t_tt" in one_line(err)
    assert state.seen == []


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (("get", "Pasien/covid"), "unknown resource 'Pasien/covid'"),
        (("send", "Fasyankes", "--method", "POST", "--json", "{nope"), "--json: not valid JSON"),
        (("send", "Fasyankes", "--method", "POST", "--json", "[1]"), "must be a JSON object"),
    ],
)
async def test_bad_input_is_one_line(
    tmp_path: Path, fake: tuple[FakeSirs, str], args: tuple[str, ...], expect: str
) -> None:
    state, base = fake
    code, _, err = await run_cli(env_for(tmp_path, base), *args)
    assert code == 2 and expect in one_line(err)
    assert state.seen == []


async def test_wrong_password_names_the_settings_not_the_secret(
    tmp_path: Path, fake: tuple[FakeSirs, str]
) -> None:
    _, base = fake
    wrong = "wrong-password-123456"
    code, out, err = await run_cli(env_for(tmp_path, base, wrong), "get", "Fasyankes")
    line = one_line(err)
    assert code == 2 and "Gagal Login" in line and "SIMRS_BRIDGE_SIRS_PASSWORD" in line
    assert wrong not in out + err and PASSWORD not in out + err


async def test_report_upserts_by_tanggal(tmp_path: Path, fake: tuple[FakeSirs, str]) -> None:
    state, base = fake
    report = tmp_path / "oksigen.json"
    for p_cair in ("1.5", "2.25"):
        report.write_text(json.dumps({"tanggal": "2024-03-01", "p_cair": p_cair}))
        code, out, err = await run_cli(
            env_for(tmp_path, base), "report", "oksigen", "--file", str(report)
        )
        assert code == 0, err
        assert json.loads(out)["outcome"] == "done"
    stored = state.reports["Logistik/oksigen"]
    assert list(stored) == ["2024-03-01"] and stored["2024-03-01"]["p_cair"] == "2.25"


async def test_report_from_stdin(tmp_path: Path, fake: tuple[FakeSirs, str]) -> None:
    state, base = fake
    data = json.dumps({"tanggal": "2024-03-01", "intership_isoman": 2})
    code, _, err = await run_cli(
        env_for(tmp_path, base), "report", "nakes_terinfeksi", "--file", "-", stdin=data
    )
    assert code == 0, err
    assert state.reports["Pasien/harian_nakes_terinfeksi"]["2024-03-01"]["intership_isoman"] == "2"


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        ({"tanggal": "2024/03/01"}, "tanggal: must be a date yyyy-mm-dd"),
        ({"tanggal": "2024-03-01", "p_cair": "-2"}, "p_cair: Input should be greater than"),
        ({"tanggal": "2024-03-01", "p_cairan": "2"}, "p_cairan: is not a field"),
        ({"p_cair": "2"}, "tanggal: is required"),
    ],
)
async def test_report_validation_names_the_field(
    tmp_path: Path, fake: tuple[FakeSirs, str], content: dict[str, str], expect: str
) -> None:
    state, base = fake
    report = tmp_path / "bad.json"
    report.write_text(json.dumps(content))
    code, _, err = await run_cli(
        env_for(tmp_path, base), "report", "oksigen", "--file", str(report)
    )
    assert code == 2 and expect in one_line(err)
    assert state.seen == []


async def test_report_missing_file(tmp_path: Path, fake: tuple[FakeSirs, str]) -> None:
    _, base = fake
    code, _, err = await run_cli(
        env_for(tmp_path, base), "report", "pcr_nakes", "--file", str(tmp_path / "none.json")
    )
    assert code == 2 and "cannot read" in one_line(err)
