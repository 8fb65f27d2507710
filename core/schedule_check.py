"""Schedule and mapping check: Khanza's mappings and schedule held against BPJS's own lists.

Before a booking fails on it, list what BPJS will refuse: a Khanza poli or
doctor with a session that day but no BPJS mapping; a mapping to a poli or
doctor BPJS does not list (``ref/poli``, ``ref/dokter``, which answer code 1
on success); a Khanza session BPJS has no schedule for (``jadwaldokter``);
a quota that differs from BPJS's ``kapasitaspasien``. Pure: the caller
fetches both sides (``worker/jobs/schedule.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from core.bpjs.models import Dokter, JadwalDokter, Poli
from core.khanza.mapping import KhanzaMappings

__all__ = ["Finding", "check_schedules"]


@dataclass(frozen=True)
class Finding:
    kind: str  # unmapped_poli, unmapped_dokter, unknown_poli, unknown_dokter, no_schedule, quota
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}: {self.detail}"


def _hhmm(value: object) -> str:
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds()) // 60
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return str(value or "")[:5]


def check_schedules(
    khanza: KhanzaMappings, poli: Sequence[Poli], dokter: Sequence[Dokter],
    jadwal: Mapping[str, Sequence[JadwalDokter]],
) -> list[Finding]:
    """``jadwal``: BPJS's jadwaldokter of the day per BPJS poli code."""
    found: list[Finding] = []
    known_poli = {p.kdpoli for p in poli} | {p.kdsubspesialis for p in poli if p.kdsubspesialis}
    known_dokter = {str(d.kodedokter) for d in dokter}
    for kd_poli_rs, row in sorted(khanza.poli.items()):
        if str(row["kd_poli_bpjs"]) not in known_poli:
            found.append(Finding("unknown_poli", kd_poli_rs,
                                 f"mapped to BPJS poli {row['kd_poli_bpjs']}, which ref/poli "
                                 "does not list"))
    for kd_dokter, row in sorted(khanza.dokter.items()):
        if str(row["kd_dokter_bpjs"] or "") not in known_dokter:
            found.append(Finding("unknown_dokter", kd_dokter,
                                 f"mapped to HFIS doctor {row['kd_dokter_bpjs']}, which "
                                 "ref/dokter does not list"))
    for session in khanza.jadwal:
        kd_poli, kd_dokter = str(session["kd_poli"] or ""), str(session["kd_dokter"])
        hours = f"{_hhmm(session['jam_mulai'])}-{_hhmm(session['jam_selesai'])}"
        subject = f"{kd_dokter}/{kd_poli} {hours}"
        mapped_poli, mapped_dokter = khanza.poli.get(kd_poli), khanza.dokter.get(kd_dokter)
        if mapped_poli is None:
            found.append(Finding("unmapped_poli", subject,
                                 f"poli {kd_poli} has no maping_poli_bpjs row"))
        if mapped_dokter is None or not mapped_dokter["kd_dokter_bpjs"]:
            found.append(Finding("unmapped_dokter", subject,
                                 f"doctor {kd_dokter} has no maping_dokter_dpjpvclaim row"))
        if mapped_poli is None or mapped_dokter is None or not mapped_dokter["kd_dokter_bpjs"]:
            continue
        code = str(mapped_poli["kd_poli_bpjs"])
        theirs = [j for j in jadwal.get(code, ())
                  if str(j.kodedokter) == str(mapped_dokter["kd_dokter_bpjs"]) and not j.libur]
        match = next((j for j in theirs if j.jadwal == hours), None)
        if match is None:
            held = ", ".join(j.jadwal for j in theirs) or "none"
            found.append(Finding("no_schedule", subject,
                                 f"BPJS has no {hours} session for doctor "
                                 f"{mapped_dokter['kd_dokter_bpjs']} in {code} (BPJS has: {held})"))
        elif session["kuota"] is not None and match.kapasitaspasien is not None and int(
                session["kuota"]) != match.kapasitaspasien:
            found.append(Finding("quota", subject,
                                 f"Khanza kuota {session['kuota']}, BPJS kapasitaspasien "
                                 f"{match.kapasitaspasien}"))
    return found
