"""The allocation proof: 200 simultaneous bookings for one schedule (kuota 30), with and
without Khanza's desktop registering walk-ins into the same doctor and day at the same time.

The walk-in is written the way a single-statement desktop registration is: one
``INSERT ... SELECT max(no_reg)+1`` (and the day's next no_rawat) with no lock of
its own. Numbers must stay unique and consecutive, the kuota (shared by bookings
and walk-ins, as Khanza counts it) must hold, and every refused caller must get
the clear "kuota penuh" message.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pymysql

from core.db import connect

from .conftest import DAY, Wsrs, add_patients, ambil

FULL = "Kuota penuh, silakan pilih tanggal atau jadwal lain"
CALLERS = 200

WALK_IN = """INSERT INTO reg_periksa (no_reg, no_rawat, tgl_registrasi, jam_reg, kd_dokter,
    no_rkm_medis, kd_poli, p_jawab, almt_pj, hubunganpj, biaya_reg, stts, stts_daftar,
    status_lanjut, kd_pj, umurdaftar, sttsumur, status_bayar, status_poli)
SELECT LPAD(IFNULL(MAX(CAST(no_reg AS UNSIGNED)), 0) + 1, 3, '0'),
       CONCAT(%s, LPAD((SELECT IFNULL(MAX(CAST(RIGHT(no_rawat, 6) AS UNSIGNED)), 0) + 1
                        FROM reg_periksa WHERE no_rawat LIKE %s), 6, '0')),
       %s, '09:00:00', 'D001', '000002', 'INT', '-', '-', '-', 10000, 'Belum', 'Lama',
       'Ralan', 'A09', 40, 'Th', 'Belum Bayar', 'Lama'
FROM reg_periksa WHERE kd_dokter = 'D001' AND tgl_registrasi = %s"""


async def walk_ins(w: Wsrs, stop: asyncio.Event, limit: int) -> Counter[str]:
    """Register walk-ins until told to stop; a collision or deadlock is simply tried again,
    as a clerk presses save again. Returns what happened."""
    seen: Counter[str] = Counter()
    conn = await connect(w.db_url, setting="walk-in")
    prefix = f"{DAY:%Y/%m/%d}/"
    try:
        while not stop.is_set() and seen["registered"] < limit:
            try:
                async with conn.cursor() as cursor:
                    await cursor.execute(WALK_IN, (prefix, prefix + "%", DAY, DAY))
                seen["registered"] += 1
            except pymysql.err.MySQLError as exc:
                seen[f"error {exc.args[0]}"] += 1
            await asyncio.sleep(0.005)
    finally:
        conn.close()
    return seen


async def book_all(w: Wsrs) -> list[dict[str, Any]]:
    token = await w.token()
    return await asyncio.gather(*(w.post("ambilantrean", ambil(n), token)
                                  for n in range(1, CALLERS + 1)))


async def registrations(w: Wsrs) -> list[dict[str, Any]]:
    return await w.query(
        "SELECT rp.no_reg, rp.no_rawat, r.nobooking FROM reg_periksa rp "
        "LEFT JOIN referensi_mobilejkn_bpjs r ON r.no_rawat = rp.no_rawat "
        "WHERE rp.kd_dokter = 'D001' AND rp.tgl_registrasi = %s", DAY)


def assert_unique_and_consecutive(rows: list[dict[str, Any]]) -> None:
    numbers = sorted(int(r["no_reg"]) for r in rows)
    assert numbers == list(range(1, len(rows) + 1)), numbers
    assert len({r["no_rawat"] for r in rows}) == len(rows)


async def test_two_hundred_bookings_for_thirty_places_get_exactly_thirty(wsrs: Wsrs) -> None:
    await add_patients(wsrs, CALLERS)
    answers = await book_all(wsrs)
    ok = [a["response"] for a in answers if a["metadata"]["code"] == 200]
    refused = Counter(a["metadata"]["message"] for a in answers if a["metadata"]["code"] != 200)
    assert len(ok) == 30
    assert refused == {FULL: CALLERS - 30}
    assert sorted(b["angkaantrean"] for b in ok) == list(range(1, 31))
    assert len({b["kodebooking"] for b in ok}) == 30
    rows = await registrations(wsrs)
    assert len(rows) == 30 and all(r["nobooking"] for r in rows)
    assert_unique_and_consecutive(rows)


async def test_walk_ins_by_the_desktop_never_share_a_number_with_a_booking(
    wsrs: Wsrs,
) -> None:
    await add_patients(wsrs, CALLERS)
    stop = asyncio.Event()
    desk = asyncio.create_task(walk_ins(wsrs, stop, limit=12))
    await asyncio.sleep(0.02)  # the desk is already registering when Mobile JKN arrives
    answers = await book_all(wsrs)
    stop.set()
    seen = await desk
    ok = [a["response"] for a in answers if a["metadata"]["code"] == 200]
    refused = Counter(a["metadata"]["message"] for a in answers if a["metadata"]["code"] != 200)
    rows = await registrations(wsrs)
    walk_in_numbers = sorted(int(r["no_reg"]) for r in rows if r["nobooking"] is None)
    booked_numbers = sorted(b["angkaantrean"] for b in ok)
    print(f"\nwalk-ins {dict(seen)}; bookings {len(ok)} at {booked_numbers}; "
          f"walk-ins at {walk_in_numbers}")
    assert seen["registered"] >= 1 and walk_in_numbers
    # Every number once, bookings and walk-ins alike, no gaps, no duplicate no_rawat.
    assert_unique_and_consecutive(rows)
    assert sorted(int(r["no_reg"]) for r in rows if r["nobooking"]) == booked_numbers
    # The kuota of 30 held: bookings only took places 1..30, which are all taken, and
    # the desk (which does not check the kuota) registered beyond it.
    assert max(booked_numbers) <= 30
    assert len(ok) + sum(1 for n in walk_in_numbers if n <= 30) == 30
    assert refused == {FULL: CALLERS - len(ok)}
