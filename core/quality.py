"""The quality view: per poli and day, how many visits' task chains BPJS really holds.

BPJS scores a hospital on the completeness of the task data it holds
("Quality Rate"); the hospital should see that figure first. It is computed
from the read-back (``readback`` rows the reconcile writes), never from what
BPJS merely answered: a visit counts as complete only when a read-back found
its whole chain held at Khanza's times (``core.reconcile.chain_gap``). Every
other visit is listed with its reason: no time in Khanza yet, waiting for a
predecessor, refused with BPJS's message, no SEP, cannot be corrected, or not
read back yet. Bookings BPJS holds that Khanza lacks are listed apart; they
are not Khanza visits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.state.readback import ReadbackRow

__all__ = ["UNMAPPED", "DayQuality", "PoliQuality", "summarize"]

UNMAPPED = "(no BPJS poli)"


@dataclass
class PoliQuality:
    kodepoli: str
    visits: int = 0
    complete: int = 0
    incomplete: list[tuple[str, str]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.complete / self.visits if self.visits else 0.0


@dataclass
class DayQuality:
    tanggal: date
    polis: list[PoliQuality]
    not_in_khanza: list[tuple[str, str]]
    last_checked: str | None

    @property
    def visits(self) -> int:
        return sum(p.visits for p in self.polis)

    @property
    def complete(self) -> int:
        return sum(p.complete for p in self.polis)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tanggal": self.tanggal.isoformat(), "visits": self.visits,
            "complete": self.complete,
            "share": round(self.complete / self.visits, 4) if self.visits else 0.0,
            "last_checked": self.last_checked,
            "polis": [{"kodepoli": p.kodepoli, "visits": p.visits, "complete": p.complete,
                       "share": round(p.share, 4),
                       "incomplete": [{"kodebooking": k, "reason": r} for k, r in p.incomplete]}
                      for p in self.polis],
            "not_in_khanza": [{"kodebooking": k, "reason": r} for k, r in self.not_in_khanza],
        }


def summarize(tanggal: date, rows: Iterable[ReadbackRow]) -> DayQuality:
    polis: dict[str, PoliQuality] = {}
    strangers: list[tuple[str, str]] = []
    checked = None
    for row in sorted(rows, key=lambda r: r.kodebooking):
        checked = max(checked or row.checked_at, row.checked_at)
        if row.state == "not_in_khanza":
            strangers.append((row.kodebooking, row.reason or ""))
            continue
        poli = polis.setdefault(row.kodepoli or UNMAPPED, PoliQuality(row.kodepoli or UNMAPPED))
        poli.visits += 1
        if row.complete:
            poli.complete += 1
        else:
            poli.incomplete.append((row.kodebooking, row.reason or "not read back yet"))
    return DayQuality(tanggal, [polis[k] for k in sorted(polis)], strangers,
                      None if checked is None else f"{checked:%Y-%m-%d %H:%M:%S} UTC")
