"""Ward counts per (kd_bangsal, kelas) on the sample beds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiomysql

from core.khanza.beds import WardCount, load_ward_counts
from sandbox.services import MariaDBServer

Connect = Callable[[str], Awaitable[aiomysql.Connection]]  # the connect_to fixture


async def test_sample_beds(sample: aiomysql.Connection) -> None:
    assert await load_ward_counts(sample) == [
        WardCount("ICU", "RUANG ICU", "Kelas Utama", capacity=2, occupied=0, free=1, prepare=0,
                  other=1),
        WardCount("MLT", "RUANG MELATI", "Kelas 3", capacity=3, occupied=1, free=1, prepare=1,
                  other=0),
        WardCount("MWR", "RUANG MAWAR", "Kelas 1", capacity=2, occupied=0, free=2, prepare=0,
                  other=0),
    ]


async def test_retired_beds_do_not_count_and_bookings_prepare(
    mariadb_server: MariaDBServer, fresh_khanza_db: str, connect_to: Connect
) -> None:
    mariadb_server.sql("""
        UPDATE kamar SET statusdata = '0' WHERE kd_kamar = 'MWR.02';
        UPDATE kamar SET status = 'DIBOOKING' WHERE kd_kamar = 'MLT.02';
        INSERT INTO kamar (kd_kamar, kd_bangsal, trf_kamar, status, kelas, statusdata)
        VALUES ('MWR.VIP', 'MWR', 900000, 'ISI', 'Kelas VIP', '1');""", fresh_khanza_db)
    counts = {(w.kd_bangsal, w.kelas): w for w in
              await load_ward_counts(await connect_to(fresh_khanza_db))}
    assert counts[("MWR", "Kelas 1")].capacity == 1
    assert counts[("MWR", "Kelas VIP")] == WardCount("MWR", "RUANG MAWAR", "Kelas VIP", 1, 1,
                                                     0, 0, 0)
    melati = counts[("MLT", "Kelas 3")]
    assert (melati.capacity, melati.free, melati.prepare) == (3, 0, 2)
