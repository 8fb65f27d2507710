"""Which Khanza tables and columns the producer reads, and what a row change there touches.

The binlog carries every committed row change of the hospital's database; only
changes the producer cycle would see matter. ``WATCHED`` names, per table, the
columns the producer's queries read (``core/khanza/bookings.py``, ``tasks.py``,
``beds.py``; a test compares this list with those queries, so a new query on a
new column cannot be forgotten here) and the column that names the unit the
change touches. A row that appears or disappears always counts; an update
counts only when one of the read columns changed, so Khanza rewriting a row
with a new value in a column we never read (a nurse's note, a billing flag)
wakes nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.masking import mask

__all__ = ["WATCHED", "Change", "Watched", "changes_in_rows"]

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Watched:
    """One table: the columns read, and the column naming what a change touches.

    ``subject`` says what ``key`` is: a ``booking`` (kodebooking = Mobile JKN
    ``nobooking``), a ``visit`` (``no_rawat``; an on-site visit's kodebooking),
    a ``resep``, a ``patient``, a ``reference`` row many visits use, or ``beds``.
    """

    table: str
    subject: str
    key: str
    columns: frozenset[str]


def _w(table: str, subject: str, key: str, columns: str) -> Watched:
    return Watched(table, subject, key, frozenset(columns.split()))


_VISIT_TABLES = (
    _w("reg_periksa", "visit", "no_rawat",
       "no_rawat no_reg tgl_registrasi jam_reg kd_dokter no_rkm_medis kd_poli kd_pj stts"),
    _w("referensi_mobilejkn_bpjs_taskid", "visit", "no_rawat", "no_rawat taskid"),
    _w("mutasi_berkas", "visit", "no_rawat", "no_rawat dikirim diterima"),
    _w("pemeriksaan_ralan", "visit", "no_rawat", "no_rawat tgl_perawatan jam_rawat nip"),
    _w("resep_obat", "visit", "no_rawat",
       "no_resep no_rawat status tgl_peresepan jam_peresepan tgl_perawatan jam "
       "tgl_penyerahan jam_penyerahan"),
)
_BOOKING_TABLES = (
    _w("referensi_mobilejkn_bpjs", "booking", "nobooking",
       "nobooking no_rawat nomorkartu nik nohp kodepoli pasienbaru norm tanggalperiksa "
       "kodedokter jampraktek jeniskunjungan nomorreferensi nomorantrean angkaantrean "
       "estimasidilayani sisakuotajkn kuotajkn sisakuotanonjkn kuotanonjkn status validasi "
       "statuskirim"),
    _w("referensi_mobilejkn_bpjs_batal", "booking", "nobooking",
       "nobooking tanggalbatal keterangan statuskirim"),
)
_OTHER_TABLES = (
    _w("resep_dokter_racikan", "resep", "no_resep", "no_resep"),
    _w("pasien", "patient", "no_rkm_medis", "no_rkm_medis no_peserta no_ktp no_tlp"),
    _w("maping_poli_bpjs", "reference", "kd_poli_rs", "kd_poli_rs kd_poli_bpjs nm_poli_bpjs"),
    _w("maping_dokter_dpjpvclaim", "reference", "kd_dokter",
       "kd_dokter kd_dokter_bpjs nm_dokter_bpjs"),
    _w("jadwal", "reference", "kd_dokter",
       "kd_dokter hari_kerja jam_mulai jam_selesai kd_poli kuota"),
    _w("dokter", "reference", "kd_dokter", "kd_dokter"),
    _w("kamar", "beds", "kd_bangsal", "kd_bangsal kelas status statusdata"),
    _w("bangsal", "beds", "kd_bangsal", "kd_bangsal nm_bangsal"),
)
WATCHED: Mapping[str, Watched] = {
    w.table: w for w in (*_VISIT_TABLES, *_BOOKING_TABLES, *_OTHER_TABLES)
}


@dataclass(frozen=True)
class Change:
    """One relevant row change: the table, and the booking/visit/... it touches."""

    table: str
    subject: str
    key: str

    def describe(self) -> str:
        # Keys are patient-linked (kodebooking, no_rawat, no_rkm_medis): masked in logs.
        return f"{self.table}: {self.subject} {mask(self.key)}"


def _changed(watched: Watched, before: Row, after: Row) -> bool:
    return any(before.get(c) != after.get(c) for c in watched.columns)


def changes_in_rows(
    table: str, kind: str, rows: Iterable[Mapping[str, Row]]
) -> list[Change]:
    """The relevant changes in one row event's rows (``kind``: write, update, delete).

    Rows are as the binlog library gives them: ``values`` for a write or delete,
    ``before_values``/``after_values`` for an update. An update that moves a row
    from one key to another touches both.
    """
    watched = WATCHED.get(table)
    if watched is None:
        return []
    found: list[Change] = []
    for row in rows:
        if kind == "update":
            before, after = row["before_values"], row["after_values"]
            if not _changed(watched, before, after):
                continue
            images = [after] if before.get(watched.key) == after.get(watched.key) else [
                before, after]
        else:
            images = [row["values"]]
        for image in images:
            change = Change(table, watched.subject, str(image.get(watched.key) or ""))
            if change not in found:
                found.append(change)
    return found
