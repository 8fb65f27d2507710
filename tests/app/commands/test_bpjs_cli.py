"""``simrs-bridge bpjs ...`` as an operator runs it: outputs, exit codes, one-line errors."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from sandbox.fake_bpjs import FakeBpjsConfig, RunningFake, running

REPO = Path(__file__).resolve().parents[3]

# Reference §7, vector B and the published signature inputs.
VECTOR_B = (
    "fsafieEFeiTP71qPoj7AxI60JVC7R6yb0ra8R3ym9Ja5Hy45+/EU5vEgnA/oSqy31ghMn0I7aZGKDZ707NwovA3sPP"
    "Gi2P6J/kyuZGkoFN3qDKC53eZHIqQtxwDMsU0g8ZdgmOsimJPDjtl1wNsMgtGN/i+fnQbQ1Er2fveTRa1rugGGas7v"
    "HyCVsaL20ABI0dVtWHQ/ArrRkVHMzTn/ozwuYg4F7iM9X/G3zbWryIge/rZlExZLkSfT6wnXYuWC"
)
PLAIN_B = (
    '[{"wakturs":"16-03-2021 11:32:49 WIB","waktu":"24-03-2021 12:55:23 WIB",'
    '"taskname":"mulai waktu tunggu admisi","taskid":1,"kodebooking":"ABC123"}]'
)
KEYS_B = ["--consid", "1234", "--secret", "pwd", "--timestamp", "1700000000"]

CONSID, SECRET, USER_KEY = "5678", "cli-test-secret", "cli-test-user-key"


def run(argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_signature_matches_the_reference(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bpjs", "signature", "--consid", "1234", "--secret", "pwd", "--timestamp",
            "433223232"]
    assert run(argv, "", monkeypatch, capsys) == (
        0, "eXMtvX2r7e7CLCIu3kpEpCrvciZgK8FuOhKv06NDAHk=\n", "")


@pytest.mark.parametrize(
    "stdin", [VECTOR_B, f"  {VECTOR_B}\n", json.dumps({"metadata": {"code": 200}, "response":
                                                       VECTOR_B})],
    ids=["raw", "whitespace", "envelope"],
)
def test_decrypt_prints_the_plaintext_exactly(
    stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["bpjs", "decrypt", *KEYS_B], stdin, monkeypatch, capsys) == (0, PLAIN_B + "\n",
                                                                             "")


@pytest.mark.parametrize(
    ("argv", "stdin", "fragment"),
    [
        (["bpjs", "decrypt", *KEYS_B], "", "no ciphertext on stdin"),
        (["bpjs", "decrypt", *KEYS_B], "not base64 at all!", "cannot decrypt"),
        (["bpjs", "decrypt", *KEYS_B[:-1], "1700000001"], VECTOR_B, "cannot decrypt"),
        (["bpjs", "decrypt", *KEYS_B], '{"metadata": {}}', "no encrypted 'response'"),
        (["bpjs", "decrypt", *KEYS_B], '{"response": ', "not valid"),
        (["bpjs", "post", "antrean/add", "--json", "{kodebooking: 1}"], "",
         "--json is not valid JSON"),
        (["bpjs", "post", "antrean/add", "--json", "-"], "[1, 2", "--json is not valid JSON"),
    ],
    ids=["empty", "bad base64", "wrong timestamp", "envelope without response",
         "broken envelope", "bad --json", "bad --json on stdin"],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], stdin: str, fragment: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, stdin, monkeypatch, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("simrs-bridge: ")
    assert fragment in err
    assert "Traceback" not in err and "pwd" not in err


# --- probes against a running fake, in a child process like an operator's shell ---------------


@pytest.fixture
async def fake() -> AsyncIterator[RunningFake]:
    async with running(FakeBpjsConfig(consid=CONSID, secret=SECRET, user_key=USER_KEY)) as s:
        yield s


async def cli(fake: RunningFake, tmp_path: Path, *argv: str, stdin: str = "",
              **env: str) -> tuple[int, str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SIMRS_BRIDGE_")}
    env_file = tmp_path / "env"
    env_file.write_text("")
    environment.update({
        "SIMRS_BRIDGE_ENV_FILE": str(env_file),
        "SIMRS_BRIDGE_BPJS_BASE_URL": fake.base_url,
        "SIMRS_BRIDGE_BPJS_CONS_ID": CONSID,
        "SIMRS_BRIDGE_BPJS_SECRET": SECRET,
        "SIMRS_BRIDGE_BPJS_USER_KEY": USER_KEY,
        **env,
    })
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", *argv, cwd=REPO, env=environment,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def no_secrets(*texts: str) -> bool:
    return all(SECRET not in t and USER_KEY not in t for t in texts)


async def test_get_prints_the_decrypted_answer(fake: RunningFake, tmp_path: Path) -> None:
    code, out, err = await cli(fake, tmp_path, "bpjs", "get", "ref/poli")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"metadata": {"code": 1, "message": "Ok"},
                               "response": fake.config.poli, "outcome": "done"}
    assert no_secrets(out, err)


async def test_post_from_stdin_reaches_the_fake(fake: RunningFake, tmp_path: Path) -> None:
    body: dict[str, Any] = {
        "kodebooking": "CLI1", "jenispasien": "NON JKN", "nomorkartu": "-", "nik": "-",
        "nohp": "-", "kodepoli": "INT", "namapoli": "PENYAKIT DALAM", "pasienbaru": 0,
        "norm": "000009", "tanggalperiksa": "2026-03-13", "kodedokter": 99901,
        "namadokter": "dr. CONTOH SATU, Sp.PD", "jampraktek": "08:00-12:00",
        "jeniskunjungan": 3, "nomorreferensi": "-", "nomorantrean": "A-9", "angkaantrean": 9,
        "estimasidilayani": 1773363600000, "sisakuotajkn": 1, "kuotajkn": 30,
        "sisakuotanonjkn": 1, "kuotanonjkn": 30, "keterangan": "-"}
    code, out, err = await cli(fake, tmp_path, "bpjs", "post", "antrean/add", "--json", "-",
                               stdin=json.dumps(body))
    assert (code, err) == (0, "")
    assert json.loads(out)["metadata"] == {"code": 200, "message": "Ok"}
    assert fake.state.bookings["CLI1"].body == body
    code, out, _ = await cli(fake, tmp_path, "bpjs", "post", "antrean/add", "--json",
                             json.dumps(body))
    assert code == 0
    assert json.loads(out)["outcome"] == "already_done"


async def test_upstream_refusal_exits_1_with_the_metadata(fake: RunningFake,
                                                          tmp_path: Path) -> None:
    code, out, err = await cli(fake, tmp_path, "bpjs", "post", "antrean/getlisttask", "--json",
                               '{"kodebooking": "NOPE"}')
    assert code == 1
    assert json.loads(out) == {"metadata": {"code": 201,
                                            "message": "Kode Booking tidak ditemukan"},
                               "outcome": "fix_then_retry"}
    assert err.count("\n") == 1 and "Kode Booking tidak ditemukan" in err
    assert "Traceback" not in err


async def test_wrong_credentials_exit_1_without_leaking(fake: RunningFake, tmp_path: Path) -> None:
    code, out, err = await cli(fake, tmp_path, "bpjs", "get", "ref/dokter",
                               SIMRS_BRIDGE_BPJS_USER_KEY="some-other-user-key")
    assert code == 1
    assert json.loads(out)["outcome"] == "permanent"
    assert "not registered" in err and err.count("\n") == 1
    assert "some-other-user-key" not in out + err and no_secrets(out, err)


async def test_bad_configuration_exits_2(fake: RunningFake, tmp_path: Path) -> None:
    code, out, err = await cli(fake, tmp_path, "bpjs", "get", "ref/poli",
                               SIMRS_BRIDGE_BPJS_BASE_URL="ftp://example")
    assert (code, out) == (2, "")
    assert err.startswith("simrs-bridge: SIMRS_BRIDGE_BPJS_BASE_URL") and err.count("\n") == 1
