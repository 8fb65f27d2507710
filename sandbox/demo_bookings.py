"""Mobile JKN in the demo: participants booking through the WS RS while the day runs.

Every ``every`` seconds the fake Mobile JKN (``sandbox.mobile_jkn``) books the next
demo patient for tomorrow with one of the two demo doctors, through
``simrs-bridge wsrs`` exactly as BPJS would; the WS RS queues the booking and the
worker sends ``antrean/add`` to the fake BPJS within a second, so the dashboard
shows Mobile JKN bookings arriving. Tomorrow, so the WS RS's registrations never
share a day's numbering with the simulated desk (``hospital_day``), which numbers
today's registrations itself.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import aiomysql

from core import db
from core.khanza.bookings import HARI
from core.settings import DatabaseUrl
from sandbox.hospital_day import PATIENTS, POLI
from sandbox.mobile_jkn import MobileJkn, Patient

__all__ = ["book_during_the_day"]

logger = logging.getLogger(__name__)

# Tomorrow's practice hours of the two demo doctors (the desk's today has its own row).
TOMORROW = ("INSERT IGNORE INTO jadwal (kd_dokter, hari_kerja, jam_mulai, jam_selesai, kd_poli,"
            " kuota) VALUES (%s, %s, '08:00:00', '14:00:00', %s, 100)")


async def book_during_the_day(khanza: DatabaseUrl, base_url: str, username: str, password: str,
                              zone: ZoneInfo, stop: asyncio.Event, *, every: float = 6.0
                              ) -> int:
    """Book until ``stop``; returns how many bookings the WS RS accepted."""
    tomorrow = datetime.now(zone).date() + timedelta(days=1)
    conn = await db.connect(khanza, setting="demo")
    try:
        async with conn.cursor(aiomysql.Cursor) as cursor:
            for kd_poli, kd_dokter, _ in POLI:
                await cursor.execute(TOMORROW, (kd_dokter, HARI[tomorrow.weekday()], kd_poli))
    finally:
        conn.close()
    booked = 0
    async with aiohttp.ClientSession() as session:
        jkn = MobileJkn(session, base_url, username, password)
        for n in range(1, PATIENTS + 1):
            # First wait: the simulated day creates the demo patients when it starts.
            try:
                await asyncio.wait_for(stop.wait(), timeout=every)
            except TimeoutError:
                pass
            if stop.is_set():
                break
            kd_poli, _, kodedokter = POLI[n % len(POLI)]
            # The demo patients hospital_day creates (PASIEN CONTOH DEMO n).
            patient = Patient(nomorkartu=f"{n:013d}", nik=f"{n:016d}",
                              nama=f"PASIEN CONTOH DEMO {n}")
            try:
                answer = await jkn.book(patient, kodepoli=kd_poli, kodedokter=kodedokter,
                                        tanggal=tomorrow, jampraktek="08:00-14:00",
                                        nomorreferensi=f"DEMO{tomorrow:%m%d}R{n:06d}")
            except (aiohttp.ClientError, RuntimeError) as exc:
                logger.warning("demo booking %d not made: %s", n, exc)
            else:
                booked += answer.ok
                if not answer.ok:
                    logger.info("demo booking %d refused: %s", n, answer.message)
    return booked
