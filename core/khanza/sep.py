"""The SEP of an on-site JKN visit: what its ``antrean/add`` needs that ``reg_periksa`` lacks.

A walk-in BPJS patient gets a SEP (``bridging_sep``, V-Claim) at registration.
Its referral and control-letter numbers decide ``jeniskunjungan`` and
``nomorreferensi``; they are read, never guessed. No SEP yet → no body, and
the visit waits with that reason (reference bpjs-antrean.md §3.1, "On-site JKN
visits").

How a SEP maps to ``antrean/add`` (first matching row wins; the mapping is
inferred from the V-Claim field meanings, not from a BPJS document):

=====================================================  ==============  ==================
SEP (``bridging_sep``)                                 jeniskunjungan  nomorreferensi
=====================================================  ==============  ==================
``noskdp`` set (a control letter, whose number is      3 Kontrol       ``noskdp``
``bridging_surat_kontrol_bpjs.no_surat``)
``tujuankunjungan = '2'`` (doctor consultation)        2 Internal      ``no_rujukan``
``asal_rujukan = '2. Faskes 2(RS)'``                   4 Antar RS      ``no_rujukan``
otherwise (``'1. Faskes 1'``)                          1 FKTP          ``no_rujukan``
=====================================================  ==============  ==================

Only outpatient SEPs (``jnspelayanan = '2'``) count; with several, the newest
(``tglsep``, then ``no_sep``) is used. A SEP without the number its row needs
is a problem shown on the visit, not a body with an empty reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["SEP_IN_RANGE", "SEP_OF_VISIT", "Sep", "pick_seps", "referral"]

Row = dict[str, Any]

# SEPs by the KEY no_rawat: a range over the window's no_rawat, or the one visit.
# jnspelayanan is filtered in Python (no index; a WHERE term must not steer the plan).
_SEP = """SELECT no_sep, no_rawat, tglsep, jnspelayanan, no_rujukan, asal_rujukan, noskdp,
       tujuankunjungan, no_kartu, notelep
FROM bridging_sep
"""
SEP_IN_RANGE = _SEP + "WHERE no_rawat >= %s AND no_rawat < %s"
SEP_OF_VISIT = _SEP + "WHERE no_rawat = %s"

RAWAT_JALAN = "2"
FASKES_2 = "2. Faskes 2(RS)"
KONSULTASI_DOKTER = "2"


def _text(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return "" if text == "-" else text


@dataclass(frozen=True)
class Sep:
    no_sep: str
    no_kartu: str
    notelep: str
    jeniskunjungan: int | None
    nomorreferensi: str
    problem: str | None = None


def referral(row: Row) -> Sep:
    """The table above, for one ``bridging_sep`` row."""
    noskdp, rujukan = _text(row["noskdp"]), _text(row["no_rujukan"])
    if noskdp:
        jenis, nomor, source = 3, noskdp, "noskdp"
    elif _text(row["tujuankunjungan"]) == KONSULTASI_DOKTER:
        jenis, nomor, source = 2, rujukan, "no_rujukan"
    elif _text(row["asal_rujukan"]) == FASKES_2:
        jenis, nomor, source = 4, rujukan, "no_rujukan"
    else:
        jenis, nomor, source = 1, rujukan, "no_rujukan"
    problem = None if nomor else f"SEP {row['no_sep']} has no {source} (jeniskunjungan {jenis})"
    return Sep(str(row["no_sep"]), _text(row["no_kartu"]), _text(row["notelep"]),
               None if problem else jenis, nomor, problem)


def pick_seps(rows: Sequence[Row]) -> dict[str, Sep]:
    """The newest outpatient SEP of each visit, by no_rawat."""
    chosen: dict[str, Row] = {}
    for row in rows:
        if row["no_rawat"] is None or str(row["jnspelayanan"] or "") != RAWAT_JALAN:
            continue
        best = chosen.get(row["no_rawat"])
        key = (str(row["tglsep"] or ""), str(row["no_sep"]))
        if best is None or key > (str(best["tglsep"] or ""), str(best["no_sep"])):
            chosen[row["no_rawat"]] = row
    return {no_rawat: referral(row) for no_rawat, row in chosen.items()}
