"""Every on-site JKN visit gets its antrean/add, built from its SEP.

Four BPJS walk-ins on the sample day (registered here, with SEPs copied from the
fixture's and changed): a referral from a clinic, one from another hospital, a
control visit, and one without a SEP yet. The fake BPJS checks a JKN add the way
BPJS does (13-digit card, 16-digit NIK, a referral number).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.fake_bpjs import RunningFake
from sandbox.services import MariaDBServer
from tests.core.khanza.test_bookings_edges import register
from worker.jobs.booking import bpjs_booking
from worker.services import Services

WIB = ZoneInfo("Asia/Jakarta")
Ctx = Callable[..., dict[str, Any]]
CLINIC, OTHER_RS, KONTROL, NO_SEP = (f"2025/01/15/00001{n}" for n in range(4))


def ms(hhmm: str) -> int:
    hour, minute = map(int, hhmm.split(":"))
    return int(datetime(2025, 1, 15, hour, minute, tzinfo=WIB).timestamp() * 1000)


def add_sep(server: MariaDBServer, db: str, no_rawat: str, no_sep: str, **fields: str) -> None:
    """A copy of the fixture's clinic-referral SEP for ``no_rawat`` with ``fields`` changed."""
    sets = ", ".join(f"{name} = '{value}'" for name, value in
                     {"no_sep": no_sep, "no_rawat": no_rawat, **fields}.items())
    server.sql(f"""
        CREATE TEMPORARY TABLE s AS SELECT * FROM bridging_sep
          WHERE no_sep = '0000R0010125V000002';
        UPDATE s SET {sets};
        INSERT INTO bridging_sep SELECT * FROM s;""", db)  # noqa: S608 -- test constants


def files_moved(server: MariaDBServer, db: str, no_rawat: str, sent: str, received: str) -> None:
    server.sql(f"""
        INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima, kembali, tidakada, ranap)
        VALUES ('{no_rawat}', 'Sudah Diterima', '2025-01-15 {sent}:00',
                '2025-01-15 {received}:00', NULL, NULL, '2025-01-15 {sent}:00')""",  # noqa: S608
               db)


async def test_walk_ins_with_a_sep_are_added_with_its_referral(
    services: Services, ctx: Ctx, fake_bpjs: RunningFake, mariadb_server: MariaDBServer,
    fresh_khanza_db: str,
) -> None:
    db = fresh_khanza_db
    for n, no_rawat in enumerate((CLINIC, OTHER_RS, KONTROL, NO_SEP)):
        register(mariadb_server, db, no_rawat, no_reg=f"01{n}", rm="000001", kd_pj="BPJ")
    add_sep(mariadb_server, db, CLINIC, "SEP-CLINIC", no_rujukan="RUJ-FKTP-1")
    add_sep(mariadb_server, db, OTHER_RS, "SEP-RS", no_rujukan="RUJ-RS-2",
            asal_rujukan="2. Faskes 2(RS)")
    add_sep(mariadb_server, db, KONTROL, "SEP-KONTROL", noskdp="SK-3",
            tujuankunjungan="2", asal_rujukan="2. Faskes 2(RS)")

    for no_rawat in (CLINIC, OTHER_RS, KONTROL):
        summary = await bpjs_booking(ctx(), no_rawat)
        assert summary.startswith("1 step(s) sent"), summary
    bodies = {k: b.body for k, b in fake_bpjs.state.bookings.items()}
    assert {k: (b["jenispasien"], b["jeniskunjungan"], b["nomorreferensi"])
            for k, b in bodies.items()} == {
        CLINIC: ("JKN", 1, "RUJ-FKTP-1"),
        OTHER_RS: ("JKN", 4, "RUJ-RS-2"),
        KONTROL: ("JKN", 3, "SK-3"),
    }

    # No SEP yet: nothing is sent, and the reason is there to be shown.
    summary = await bpjs_booking(ctx(), NO_SEP)
    assert summary.startswith("0 step(s) sent; waiting:") and "no SEP yet" in summary
    assert NO_SEP not in fake_bpjs.state.bookings

    # The SEP arrives and the clinic works: the add, then its tasks in order.
    add_sep(mariadb_server, db, NO_SEP, "SEP-LATE", no_rujukan="RUJ-FKTP-4")
    files_moved(mariadb_server, db, NO_SEP, "09:40", "09:50")
    assert (await bpjs_booking(ctx(), NO_SEP)).startswith("3 step(s) sent")
    late = fake_bpjs.state.bookings[NO_SEP]
    assert (late.body["jeniskunjungan"], late.body["nomorreferensi"]) == (1, "RUJ-FKTP-4")
    assert {t.taskid: t.waktu for t in late.tasks.values()} == {3: ms("09:40"), 4: ms("09:50")}


async def test_an_add_khanzas_sep_form_already_sent_counts_as_done(
    services: Services, ctx: Ctx, fake_bpjs: RunningFake, mariadb_server: MariaDBServer,
    fresh_khanza_db: str,
) -> None:
    db = fresh_khanza_db
    register(mariadb_server, db, CLINIC, no_reg="010", rm="000001", kd_pj="BPJ")
    add_sep(mariadb_server, db, CLINIC, "SEP-CLINIC", no_rujukan="RUJ-FKTP-1")
    files_moved(mariadb_server, db, CLINIC, "09:40", "09:50")
    fake_bpjs.state.seed({"kodebooking": CLINIC, "jenispasien": "JKN", "pasienbaru": 0,
                          "tanggalperiksa": "2025-01-15", "kodepoli": "INT",
                          "kodedokter": 99901, "jampraktek": "08:00-12:00",
                          "nomorkartu": "0000000000001", "nik": "0000000000000001",
                          "nohp": "-", "norm": "000001", "jeniskunjungan": 1,
                          "nomorreferensi": "RUJ-FKTP-1", "nomorantrean": "010",
                          "estimasidilayani": 0, "namapoli": "PENYAKIT DALAM"})
    assert (await bpjs_booking(ctx(), CLINIC)).startswith("3 step(s) sent")
    entries = await services.ledger.entries("bpjs", CLINIC)
    assert entries["add"].outcome.value == "already_done" and entries["add"].code == "208"
    assert set(fake_bpjs.state.bookings[CLINIC].tasks) == {3, 4}
