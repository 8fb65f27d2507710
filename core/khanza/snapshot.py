"""What Khanza says about one outpatient visit, in the shape both upstreams need.

A ``BookingSnapshot`` is read fresh by the producer (for a whole window, to
find gaps) and by the job (for one visit, just before sending), so a job never
sends stale values (DESIGN.md principle 2). It holds only facts found in the
database: a task whose source column is NULL, a zero date or otherwise absent
is simply missing from ``tasks`` — never estimated (principle 3). A visit whose
``antrean/add`` body cannot be built (no BPJS poli or doctor mapping, no
schedule) carries the reason in ``problem`` so it reaches the dashboard instead
of being guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from core.bpjs.models import AntreanAdd, FarmasiAdd
from core.masking import mask
from core.state.reports import payload_hash as state_payload_hash

__all__ = ["TASK_ORDER", "BookingSnapshot", "Cancellation", "epoch_ms", "payload_hash"]

# The order BPJS accepts tasks in (reference §3.2); farmasi/add sits between 5 and 6.
TASK_ORDER = (1, 2, 3, 4, 5, 6, 7)


def epoch_ms(local: datetime, zone: ZoneInfo) -> int:
    """Epoch milliseconds of a Khanza wall-clock time in the hospital's zone (principle 7)."""
    if local.tzinfo is not None:
        raise ValueError("Khanza times are naive wall-clock times; got an aware datetime")
    return int(local.replace(tzinfo=zone).timestamp() * 1000)


def payload_hash(payload: Mapping[str, object]) -> str:
    """A stable digest of a body, so a permanently refused payload is not resent unchanged.

    The state database's canonical digest, cut to the ledger's 16 characters."""
    return state_payload_hash(payload)[:16]


@dataclass(frozen=True)
class Cancellation:
    """A cancelled visit: ``waktu`` is the recorded cancellation time, if Khanza has one.

    Mobile JKN cancellations carry ``tanggalbatal``; a registration merely set to
    ``stts='Batal'`` has no time, and then task 99 is not sent (Khanza would
    send the detection time, which is not when the patient cancelled).
    """

    keterangan: str
    waktu: datetime | None


@dataclass(frozen=True)
class BookingSnapshot:
    kodebooking: str
    no_rawat: str
    tanggal: date
    source: Literal["mobile_jkn", "onsite"]
    pasienbaru: bool
    add: AntreanAdd | None
    problem: str | None = None
    tasks: Mapping[int, datetime] = field(default_factory=dict)
    jenisresep: str | None = None
    farmasi: FarmasiAdd | None = None
    batal: Cancellation | None = None
    recorded: frozenset[str] = frozenset()
    unreadable: Mapping[int, str] = field(default_factory=dict, compare=False)
    """Tasks without a time whose Khanza source holds something that is not a real time
    (``mutasi_berkas.dikirim is '0000-00-00 00:00:00'``): shown as the reason they wait."""
    """BPJS steps Khanza's own tables say were sent (``add`` for statuskirim 'Sudah',
    ``task<n>`` for referensi_mobilejkn_bpjs_taskid rows, ``batal``): trusted as done so
    that moving from Khanza's sender to this daemon does not resend history."""

    def visit(self) -> dict[str, str]:
        """How staff find the visit (dead letters, the dashboard); the patient is masked."""
        add = self.add
        return {"no_rawat": self.no_rawat, "tanggal": self.tanggal.isoformat(),
                "poli": add.kodepoli if add else "", "dokter": str(add.kodedokter) if add else "",
                "patient": mask(add.norm) if add and add.norm else ""}

    def task_ms(self, taskid: int, zone: ZoneInfo) -> int | None:
        local = self.tasks.get(taskid)
        return None if local is None else epoch_ms(local, zone)
