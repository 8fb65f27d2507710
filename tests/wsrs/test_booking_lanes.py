"""Bookings of one doctor for adjacent days at the same time: every one succeeds with its
day's next number, and InnoDB never has to break a deadlock to get there.

The doctor-day lock of one day ends on the doctor's next registration, the first row
of the following day; when bookings queued per schedule, two adjacent days (two
schedules) of one doctor deadlocked on that row and InnoDB rolled one back (a quarter
of all bookings in bench_wsrs). Bookings now queue per doctor (docs/wsrs.md).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta

from .conftest import DAY, Wsrs, add_patients, ambil

DAYS = (DAY, DAY + timedelta(days=1), DAY + timedelta(days=2))  # RABU, KAMIS, JUMAT
PER_DAY = 25


async def deadlocks(w: Wsrs) -> int:
    [row] = await w.query("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")
    return int(row["Value"])


async def test_adjacent_days_of_one_doctor_book_without_deadlocks(wsrs: Wsrs) -> None:
    # D001 practises every one of the three days with room for everyone.
    await wsrs.query("UPDATE jadwal SET kuota = 1000 WHERE kd_dokter = 'D001'")
    for hari in ("KAMIS", "JUMAT"):
        await wsrs.query("INSERT INTO jadwal (kd_dokter, hari_kerja, jam_mulai, jam_selesai, "
                         "kd_poli, kuota) VALUES ('D001', %s, '08:00:00', '12:00:00', 'INT', "
                         "1000)", hari)
    await add_patients(wsrs, PER_DAY * len(DAYS))
    # The days already have a registration each, so every day's lock range has a first
    # row for the previous day's lock to end on.
    token = await wsrs.token()
    for i, day in enumerate(DAYS):
        first = await wsrs.post("ambilantrean", ambil(i + 1, tanggalperiksa=day.isoformat()),
                                token)
        assert first["metadata"]["code"] == 200, first
    before = await deadlocks(wsrs)

    bodies = [ambil(n, tanggalperiksa=DAYS[n % len(DAYS)].isoformat())
              for n in range(len(DAYS) + 1, PER_DAY * len(DAYS) + 1)]
    answers = await asyncio.gather(*(wsrs.post("ambilantrean", b, token) for b in bodies))

    assert [a["metadata"]["code"] for a in answers] == [200] * len(bodies)
    assert await deadlocks(wsrs) == before
    numbers: dict[str, list[int]] = defaultdict(list)
    for body, answer in zip(bodies, answers, strict=True):
        numbers[body["tanggalperiksa"]].append(answer["response"]["angkaantrean"])
    for day, taken in numbers.items():
        assert sorted(taken) == list(range(2, len(taken) + 2)), day
    rows = await wsrs.query("SELECT no_rawat, no_reg, tgl_registrasi FROM reg_periksa "
                            "WHERE kd_dokter = 'D001' AND tgl_registrasi >= %s", DAY)
    assert len(rows) == len(bodies) + len(DAYS)
    assert len({r["no_rawat"] for r in rows}) == len(rows)
    assert all(r["no_rawat"].startswith(f"{r['tgl_registrasi']:%Y/%m/%d}/") for r in rows)


async def test_two_doctors_booking_one_day_share_its_keys_without_clashing(wsrs: Wsrs) -> None:
    """Two doctors are two lanes that allocate the same day's no_rawat and nobooking: a
    clash with the other lane's commit is caught by the key, and the next one taken."""
    await wsrs.query("UPDATE jadwal SET kuota = 1000")
    await add_patients(wsrs, 2 * PER_DAY)
    token = await wsrs.token()
    bodies = [ambil(n) if n % 2 else ambil(n, kodepoli="ANA", kodedokter=99902,
                                          jampraktek="09:00-13:00")
              for n in range(1, 2 * PER_DAY + 1)]
    answers = await asyncio.gather(*(wsrs.post("ambilantrean", b, token) for b in bodies))

    assert [a["metadata"]["code"] for a in answers] == [200] * len(bodies)
    rows = await wsrs.query(
        "SELECT rp.kd_dokter, rp.no_reg, rp.no_rawat, r.nobooking, r.nomorkartu "
        "FROM reg_periksa rp JOIN referensi_mobilejkn_bpjs r ON r.no_rawat = rp.no_rawat "
        "WHERE rp.tgl_registrasi = %s", DAY)
    assert len(rows) == len(bodies)
    assert len({r["no_rawat"] for r in rows}) == len({r["nobooking"] for r in rows}) == len(rows)
    for doctor in ("D001", "D002"):
        mine = sorted(int(r["no_reg"]) for r in rows if r["kd_dokter"] == doctor)
        assert mine == list(range(1, PER_DAY + 1)), doctor
    # Each answer names the registration and booking that were committed for that patient.
    by_kartu = {r["nomorkartu"]: r for r in rows}
    for body, answer in zip(bodies, answers, strict=True):
        assert by_kartu[body["nomorkartu"]]["nobooking"] == answer["response"]["kodebooking"]
