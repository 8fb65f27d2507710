"""Mobile JKN in the demo: participants booking through the WS RS while the day runs.

Every ``every`` seconds the fake Mobile JKN (``sandbox.mobile_jkn``) books the next
demo patient for tomorrow with one of the two demo doctors, through
``simrs-bridge wsrs`` exactly as BPJS would; the WS RS queues the booking and the
worker sends ``antrean/add`` to the fake BPJS within a second, so the dashboard
shows Mobile JKN bookings arriving. First thing, and then every ``round_every``
steps, a whole round (``sandbox.mobile_jkn_day``) adds what a plain booking stream
lacks: a new patient, same-day bookings checked in with the real time,
cancellations, and the read endpoints. Today's bookings share the day's numbering
with the simulated desk (``hospital_day``), which numbers its own registrations the
way Khanza's desktop does, after the last one in the table.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp

from core.masking import mask
from core.settings import DatabaseUrl
from sandbox.hospital_day import PATIENTS, POLI
from sandbox.mobile_jkn import MobileJkn, Patient
from sandbox.mobile_jkn_day import play_round, prepare_practices

__all__ = ["book_during_the_day"]

logger = logging.getLogger(__name__)


async def _pause(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``; True when the demo is stopping."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
    return stop.is_set()


async def book_during_the_day(khanza: DatabaseUrl, base_url: str, username: str, password: str,
                              zone: ZoneInfo, stop: asyncio.Event, *, every: float = 6.0,
                              round_every: int = 20,
                              say: Callable[[str], None] = lambda line: None) -> int:
    """Book until ``stop``; returns how many bookings the WS RS accepted."""
    def clock() -> datetime:
        return datetime.now(zone)

    _, tomorrow = await prepare_practices(khanza, clock())
    booked = rounds = 0
    async with aiohttp.ClientSession() as session:
        jkn = MobileJkn(session, base_url, username, password)
        for n in range(1, PATIENTS + 1):
            # First wait: the simulated day creates the demo patients when it starts.
            if await _pause(stop, every):
                break
            kd_poli, _, kodedokter = POLI[n % len(POLI)]
            # The demo patients hospital_day creates (PASIEN CONTOH DEMO n).
            patient = Patient(nomorkartu=f"{n:013d}", nik=f"{n:016d}",
                              nama=f"PASIEN CONTOH DEMO {n}")
            day = clock().date() + timedelta(days=1)
            try:
                if n % round_every == 1:
                    rounds += 1
                    booked += len((await play_round(jkn, khanza, rounds, clock, say)).booked)
                    continue
                answer = await jkn.book(patient, kodepoli=kd_poli, kodedokter=kodedokter,
                                        tanggal=day, jampraktek=tomorrow.jampraktek,
                                        nomorreferensi=f"DEMO{day:%m%d}R{n:06d}")
            except (aiohttp.ClientError, RuntimeError) as exc:
                logger.warning("demo booking %d not made: %s", n, exc)
                continue
            booked += answer.ok
            if not answer.ok:
                logger.info("demo booking for %s refused: %s", mask(patient.nomorkartu),
                            answer.message)
    return booked
