"""The quality page: what BPJS scores, per poli and day, from the read-back.

Same rules as the main page: server-rendered from ``templates/quality.html`` with
autoescape on, no script, and every reason scrubbed of secrets and patient
identifiers here before the template sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import aiomysql

from app.dashboard.templating import render
from core.masking import scrub_text
from core.quality import DayQuality, summarize
from core.state.readback import Readbacks

__all__ = ["load_quality", "render_quality"]


async def load_quality(state: aiomysql.Pool, day: date) -> DayQuality:
    return summarize(day, (await Readbacks(state).for_day("bpjs", day)).values())


@dataclass(frozen=True)
class PoliRow:
    kodepoli: str
    complete: int
    visits: int
    share: str
    incomplete: list[tuple[str, str]]  # kodebooking, why its chain is not complete (scrubbed)


def render_quality(quality: DayQuality, secrets: Iterable[str]) -> str:
    secrets = list(secrets)
    polis = [PoliRow(p.kodepoli, p.complete, p.visits, f"{p.share:.1%}",
                     [(kode, scrub_text(reason, secrets)) for kode, reason in p.incomplete])
             for p in quality.polis]
    return render(
        "quality.html", day=quality.tanggal.isoformat(), polis=polis,
        complete=quality.complete, visits=quality.visits,
        share=f"{quality.complete / quality.visits:.1%}" if quality.visits else None,
        checked=quality.last_checked or "never",
        strangers=[(kode, scrub_text(reason, secrets)) for kode, reason in quality.not_in_khanza])
