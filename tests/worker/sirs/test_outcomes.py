"""Every line of the RS Online outcome table, one case each (reference §2)."""

from __future__ import annotations

import json

import pytest

from core.errors import Outcome
from worker.sirs.outcomes import CREDENTIALS_HINT, RULES, classify, is_login_failure

GAGAL = json.dumps({"response": "Gagal Login"})

CASES = [
    # (resource, method, status, message, outcome, no_data)
    ("Fasyankes", "GET", "401", GAGAL, Outcome.PERMANENT, False),
    ("Fasyankes", "POST", "200", GAGAL, Outcome.PERMANENT, False),
    ("Logistik/oksigen", "GET", "202", "Data tidak tersedia", Outcome.DONE, True),
    ("Pasien/shk", "GET", "200", "Data id_shk 1 tidak ditemukan", Outcome.DONE, True),
    ("Antrian", "GET", "201", "Data belum ada", Outcome.DONE, True),
    (
        "Fasyankes/sdm",
        "POST",
        "200",
        "Data sudah tersimpan, silahkan edit dengan method PUT",
        Outcome.FIX_THEN_RETRY,
        False,
    ),
    (
        "Fasyankes",
        "POST",
        "200",
        "Data ruang X dengan id_tt 3 sudah ada",
        Outcome.FIX_THEN_RETRY,
        False,
    ),
    (
        "Pasien/pcr_nakes",
        "POST",
        "200",
        "Data tanggal 2024-01-01 sudah ada",
        Outcome.FIX_THEN_RETRY,
        False,
    ),
    ("Antrian/Task", "POST", "200", "Task id 3 sudah ada", Outcome.ALREADY_DONE, False),
    (
        "Antrian",
        "POST",
        "200",
        "Data sudah tersimpan, silahkan edit dengan method PUT",
        Outcome.ALREADY_DONE,
        False,
    ),
    (
        "Fasyankes",
        "DELETE",
        "200",
        "Data id_t_tt 9 bagi kode rs 1 tidak ditemukan",
        Outcome.ALREADY_DONE,
        False,
    ),
    ("Fasyankes/apd", "DELETE", "200", "Data belum ada di database", Outcome.ALREADY_DONE, False),
    (
        "Fasyankes",
        "PUT",
        "200",
        "Data id_t_tt 9 bagi kode rs 1 tidak ditemukan",
        Outcome.FIX_THEN_RETRY,
        False,
    ),
    (
        "Fasyankes/sdm",
        "PUT",
        "200",
        "Data belum ada di database, silahkan gunakan method POST",
        Outcome.FIX_THEN_RETRY,
        False,
    ),
    (
        "Antrian/Task",
        "POST",
        "200",
        "Kode booking B1 tidak ditemukan",
        Outcome.FIX_THEN_RETRY,
        False,
    ),
    ("Pasien/hasilShk", "POST", "200", "id_shk belum ada", Outcome.FIX_THEN_RETRY, False),
    ("Fasyankes", "POST", "200", "Berhasil menambah data", Outcome.DONE, False),
    ("Pasien/shk", "POST", "201", "Created", Outcome.DONE, False),
]


def test_every_rule_has_a_case() -> None:
    """Adding a rule without a case here fails, so the table never grows untested."""
    hit = set()
    for resource, method, status, message, *_ in CASES:
        first = next(
            i
            for i, rule in enumerate(RULES)
            if (i == 0 and is_login_failure(message))
            or rule.matches(resource, method, status, message)
        )
        hit.add(first)
    assert hit == set(range(len(RULES)))


@pytest.mark.parametrize(("resource", "method", "status", "message", "outcome", "no_data"), CASES)
def test_rule(
    resource: str, method: str, status: str, message: str, outcome: Outcome, no_data: bool
) -> None:
    verdict = classify(resource, method, status, message)
    assert verdict.outcome is outcome
    assert verdict.no_data is no_data


def test_unknown_status_is_permanent_with_its_reason() -> None:
    verdict = classify("Fasyankes", "POST", "400", "Karakter ' tidak diperbolehkan pada ruang")
    assert verdict.outcome is Outcome.PERMANENT


def test_server_status_5xx_in_the_envelope_is_retry() -> None:
    assert classify("Fasyankes", "GET", "500", "Database error").outcome is Outcome.RETRY


def test_fragment_on_an_unrelated_method_falls_back_to_status() -> None:
    # "sudah ada" on a PUT is not a duplicate-insert signal: the status decides.
    assert classify("Fasyankes", "PUT", "200", "Data sudah ada").outcome is Outcome.DONE
    assert classify("Pasien/shk", "POST", "400", "nik tidak ditemukan").outcome is Outcome.PERMANENT


def test_login_failure_detection() -> None:
    assert is_login_failure(GAGAL)
    assert is_login_failure("Gagal Login")
    assert not is_login_failure(json.dumps({"response": "OK"}))
    assert classify("Fasyankes", "GET", "401", GAGAL).why == CREDENTIALS_HINT
