"""The SEP → antrean/add table (core/khanza/sep.py), row by row."""

from __future__ import annotations

from typing import Any

import pytest

from core.khanza.sep import pick_seps, referral


def sep(**fields: Any) -> dict[str, Any]:
    row = {"no_sep": "0000R0010125V000009", "no_rawat": "2025/01/15/000009",
           "tglsep": "2025-01-15", "jnspelayanan": "2", "no_rujukan": "RUJ-1",
           "asal_rujukan": "1. Faskes 1", "noskdp": "", "tujuankunjungan": "0",
           "no_kartu": "0000000000009", "notelep": "0800"}
    row.update(fields)
    return row


@pytest.mark.parametrize(("fields", "jenis", "nomor"), [
    ({}, 1, "RUJ-1"),
    ({"asal_rujukan": "2. Faskes 2(RS)"}, 4, "RUJ-1"),
    ({"tujuankunjungan": "2"}, 2, "RUJ-1"),
    ({"tujuankunjungan": "2", "asal_rujukan": "2. Faskes 2(RS)"}, 2, "RUJ-1"),
    ({"noskdp": "SK-7"}, 3, "SK-7"),
    ({"noskdp": "SK-7", "tujuankunjungan": "2"}, 3, "SK-7"),
    ({"noskdp": "-"}, 1, "RUJ-1"),  # Khanza's "no value"
], ids=["fktp", "antar rs", "internal", "internal wins", "kontrol", "kontrol wins", "dash"])
def test_the_documented_table(fields: dict[str, Any], jenis: int, nomor: str) -> None:
    result = referral(sep(**fields))
    assert (result.jeniskunjungan, result.nomorreferensi, result.problem) == (jenis, nomor, None)


def test_a_missing_number_is_a_problem_not_an_empty_reference() -> None:
    result = referral(sep(no_rujukan=""))
    assert result.jeniskunjungan is None
    assert result.problem == "SEP 0000R0010125V000009 has no no_rujukan (jeniskunjungan 1)"


def test_only_outpatient_seps_and_the_newest_wins() -> None:
    rows = [sep(no_sep="A", tglsep="2025-01-14"), sep(no_sep="B", noskdp="SK-1"),
            sep(no_sep="C", jnspelayanan="1", tglsep="2025-01-16")]
    assert pick_seps(rows)["2025/01/15/000009"].no_sep == "B"
    assert pick_seps([sep(jnspelayanan="1")]) == {}
