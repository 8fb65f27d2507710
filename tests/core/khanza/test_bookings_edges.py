"""Rows the sample day does not have: half-entered, unmapped, cancelled, at month ends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiomysql
import pytest

from core.khanza import KhanzaOptions, TaskSources, load_booking, load_window
from core.khanza.bookings import no_rawat_range
from core.khanza.snapshot import Cancellation
from core.khanza.tasks import forget_schema_cache, wallclock
from sandbox.services import MariaDBServer

Connect = Callable[[str], Awaitable[aiomysql.Connection]]  # the connect_to fixture


WIB = ZoneInfo("Asia/Jakarta")
OPTIONS = KhanzaOptions(zone=WIB)
CHECKIN = KhanzaOptions(zone=WIB, task_sources=TaskSources.parse("checkin"))
DAY = date(2025, 1, 15)
# Lets the zero dates in, as Khanza's own dump does, whatever the server's global mode.
ZERO_DATES_OK = "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\n"


def register(server: MariaDBServer, db: str, no_rawat: str, *, no_reg: str = "004",
             jam: str = "09:00:00", kd_poli: str = "INT", kd_dokter: str = "D001",
             rm: str = "000003", kd_pj: str = "A09", stts: str = "Belum") -> None:
    """An on-site registration on the day its no_rawat names."""
    tgl = no_rawat[:10].replace("/", "-")
    sql = f"""
        INSERT INTO reg_periksa (no_reg, no_rawat, tgl_registrasi, jam_reg, kd_dokter,
          no_rkm_medis, kd_poli, p_jawab, almt_pj, hubunganpj, biaya_reg, stts, stts_daftar,
          status_lanjut, kd_pj, umurdaftar, sttsumur, status_bayar, status_poli)
        VALUES ('{no_reg}', '{no_rawat}', '{tgl}', '{jam}', '{kd_dokter}', '{rm}', '{kd_poli}',
          '-', '-', '-', 0, '{stts}', 'Lama', 'Ralan', '{kd_pj}', 40, 'Th', 'Belum Bayar',
          'Lama')"""  # noqa: S608 -- test constants only
    server.sql(sql, db)


def test_wallclock_refuses_what_is_not_a_real_time() -> None:
    assert wallclock(None) is None
    assert wallclock("0000-00-00 00:00:00") is None  # PyMySQL's zero DATETIME
    assert wallclock("0000-00-00", timedelta(0)) is None
    assert wallclock(DAY, None) is None
    assert wallclock(None, timedelta(hours=8)) is None
    assert wallclock(DAY, timedelta(hours=24)) is None
    assert wallclock(DAY, timedelta(hours=-1)) is None
    assert wallclock(DAY, timedelta(hours=8, minutes=5)) == datetime(2025, 1, 15, 8, 5)
    assert wallclock(DAY, time(8, 5)) == datetime(2025, 1, 15, 8, 5)
    assert wallclock(datetime(2025, 1, 15, 8, 5)) == datetime(2025, 1, 15, 8, 5)


async def test_zero_dates_and_half_entered_rows_give_no_task(
    mariadb_server: MariaDBServer, fresh_khanza_db: str, connect_to: Connect
) -> None:
    db = fresh_khanza_db
    register(mariadb_server, db, "2025/01/15/000006")
    mariadb_server.sql(ZERO_DATES_OK + """
        INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima, kembali, tidakada, ranap)
        VALUES ('2025/01/15/000006', 'Sudah Dikirim', '0000-00-00 00:00:00', NULL, NULL, NULL,
                '0000-00-00 00:00:00');
        INSERT INTO pemeriksaan_ralan (no_rawat, tgl_perawatan, jam_rawat, tensi, spo2,
          kesadaran, rtl, penilaian, instruksi, evaluasi, nip)
        VALUES ('2025/01/15/000006', '0000-00-00', '00:00:00', '-', '-', 'Compos Mentis',
                '-', '-', '-', '-', 'P001'),
               ('2025/01/15/000006', '0000-00-00', '08:30:00', '-', '-', 'Compos Mentis',
                '-', '-', '-', '-', 'D001');
        INSERT INTO resep_obat (no_resep, tgl_perawatan, jam, no_rawat, kd_dokter,
          tgl_peresepan, jam_peresepan, status, tgl_penyerahan, jam_penyerahan)
        VALUES ('202501150006', NULL, '08:30:00', '2025/01/15/000006', 'D001',
                '0000-00-00', NULL, 'ralan', '0000-00-00', '09:00:00');
        -- Checked in on paper, but the time was never written.
        UPDATE referensi_mobilejkn_bpjs SET status = 'Checkin' WHERE nobooking = '20250115000003';
        """, db)  # noqa: S608 -- constants
    conn = await connect_to(db)
    for options in (OPTIONS, CHECKIN):
        visit = await load_booking(conn, "2025/01/15/000006", options)
        assert visit is not None
        assert visit.tasks == {}
        # The prescription exists, so the pharmacy queue is still due.
        assert visit.farmasi is not None and visit.farmasi.nomorantrean == 6
        booking = await load_booking(conn, "20250115000003", options)
        assert booking is not None and booking.tasks == {}


async def test_missing_mappings_and_schedule_are_named_not_guessed(
    mariadb_server: MariaDBServer, fresh_khanza_db: str, connect_to: Connect
) -> None:
    db = fresh_khanza_db
    mariadb_server.sql("DELETE FROM maping_poli_bpjs WHERE kd_poli_rs = 'ANA'", db)
    register(mariadb_server, db, "2025/01/15/000006", kd_poli="ANA", kd_dokter="D002")
    register(mariadb_server, db, "2025/01/16/000001", no_reg="001")  # Thursday: no jadwal
    conn = await connect_to(db)
    window = {s.kodebooking: s for s in await load_window(conn, DAY, date(2025, 1, 16), OPTIONS)}

    for kodebooking in ("20250115000003", "20250115000004"):
        assert window[kodebooking].add is None
        assert window[kodebooking].problem == "BPJS poli ANA has no maping_poli_bpjs row"
    anak = window["2025/01/15/000006"]
    assert anak.add is None
    assert anak.problem == "poli ANA has no maping_poli_bpjs row"
    thursday = window["2025/01/16/000001"]
    assert thursday.add is None
    assert thursday.problem == "doctor D001 has no jadwal on KAMIS in poli INT"
    # Everything else is still built.
    for kodebooking in ("20250115000001", "20250115000002", "2025/01/15/000005"):
        assert window[kodebooking].add is not None and window[kodebooking].problem is None

    mariadb_server.sql(
        "UPDATE maping_dokter_dpjpvclaim SET kd_dokter_bpjs = NULL WHERE kd_dokter = 'D001'", db)
    walk_in = await load_booking(conn, "2025/01/15/000005", OPTIONS)
    assert walk_in is not None and walk_in.add is None
    assert walk_in.problem == "doctor D001 has no maping_dokter_dpjpvclaim row"


async def test_bpjs_on_site_and_cancelled_registrations(
    mariadb_server: MariaDBServer, fresh_khanza_db: str, connect_to: Connect
) -> None:
    db = fresh_khanza_db
    register(mariadb_server, db, "2025/01/15/000006", rm="000001", kd_pj="BPJ", no_reg="005")
    register(mariadb_server, db, "2025/01/15/000007", no_reg="006", stts="Batal")
    mariadb_server.sql("""
        INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima, kembali, tidakada, ranap)
        VALUES ('2025/01/15/000006', 'Sudah Dikirim', '2025-01-15 09:05:00', NULL, NULL, NULL,
                '2025-01-15 09:05:00')""", db)
    conn = await connect_to(db)

    bpjs = await load_booking(conn, "2025/01/15/000006", OPTIONS)
    assert bpjs is not None and bpjs.source == "onsite"
    assert bpjs.add is None and bpjs.problem is not None and "SEP" in bpjs.problem
    assert bpjs.tasks == {3: datetime(2025, 1, 15, 9, 5)}

    cancelled = await load_booking(conn, "2025/01/15/000007", OPTIONS)
    assert cancelled is not None and cancelled.add is not None
    assert cancelled.add.jenispasien == "NON JKN"
    assert cancelled.batal == Cancellation("Dibatalkan di SIMRS", None)  # no invented time

    # Khanza's cancel flow may delete the registration: the booking is still seen.
    mariadb_server.sql("DELETE FROM reg_periksa WHERE no_rawat = '2025/01/15/000004'", db)
    gone = await load_booking(conn, "20250115000004", OPTIONS)
    assert gone is not None
    assert gone.batal == Cancellation("Dibatalkan pasien melalui Mobile JKN (data contoh)",
                                      datetime(2025, 1, 15, 8, 15))
    assert gone.add is None and gone.problem is not None and "reg_periksa" in gone.problem
    window = await load_window(conn, DAY, DAY, OPTIONS)
    assert gone in window


async def test_racikan_when_the_table_exists(
    mariadb_server: MariaDBServer, fresh_khanza_db: str, connect_to: Connect
) -> None:
    db = fresh_khanza_db
    # Many installs lack the table: start from one without it.
    mariadb_server.sql("DROP TABLE resep_dokter_racikan", db)
    forget_schema_cache()
    conn = await connect_to(db)
    before = await load_booking(conn, "20250115000002", OPTIONS)
    assert before is not None and before.jenisresep == "Non Racikan"

    mariadb_server.sql("""
        CREATE TABLE resep_dokter_racikan (
          no_resep varchar(14) NOT NULL, no_racik varchar(2) NOT NULL,
          nama_racik varchar(100) NOT NULL, kd_racik varchar(3) NOT NULL,
          jml_dr int(11) NOT NULL, aturan_pakai varchar(150) NOT NULL,
          keterangan varchar(50) NOT NULL, PRIMARY KEY (no_resep, no_racik))
          ENGINE=InnoDB DEFAULT CHARSET=latin1;
        INSERT INTO resep_dokter_racikan VALUES
          ('202501150002', '1', 'PUYER CONTOH', 'R01', 10, '3x1', '-');""", db)
    # Existence is checked once per database and cached ...
    cached = await load_booking(conn, "20250115000002", OPTIONS)
    assert cached is not None and cached.jenisresep == "Non Racikan"
    forget_schema_cache()
    # ... and read again after the cache is forgotten (e.g. a restart).
    window = {s.kodebooking: s for s in await load_window(conn, DAY, DAY, OPTIONS)}
    racikan = window["20250115000002"]
    assert racikan.jenisresep == "Racikan"
    assert racikan.farmasi is not None and racikan.farmasi.jenisresep == "Racikan"
    assert window["20250115000001"].jenisresep == "Non Racikan"
    forget_schema_cache()


@pytest.mark.parametrize(("start", "end", "bounds"), [
    (date(2025, 1, 15), date(2025, 1, 15), ("2025/01/15/", "2025/01/16/")),
    (date(2025, 1, 31), date(2025, 1, 31), ("2025/01/31/", "2025/02/01/")),
    (date(2024, 12, 31), date(2024, 12, 31), ("2024/12/31/", "2025/01/01/")),
    (date(2024, 2, 28), date(2024, 2, 29), ("2024/02/28/", "2024/03/01/")),
    (date(2024, 12, 30), date(2025, 1, 2), ("2024/12/30/", "2025/01/03/")),
])
def test_no_rawat_range(start: date, end: date, bounds: tuple[str, str]) -> None:
    assert no_rawat_range(start, end) == bounds


def test_no_rawat_range_refuses_a_reversed_window() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        no_rawat_range(date(2025, 1, 2), date(2025, 1, 1))


async def test_windows_across_month_and_year_ends(
    mariadb_server: MariaDBServer, fresh_khanza_db: str, connect_to: Connect
) -> None:
    days = ["2024/02/28", "2024/02/29", "2024/03/01", "2024/12/31", "2025/01/01",
            "2025/01/31", "2025/02/01"]
    for day in days:
        register(mariadb_server, fresh_khanza_db, f"{day}/000001", no_reg="001")
        register(mariadb_server, fresh_khanza_db, f"{day}/000999", no_reg="999")
    conn = await connect_to(fresh_khanza_db)

    async def seen(start: date, end: date) -> list[str]:
        return [s.no_rawat for s in await load_window(conn, start, end, OPTIONS)]

    def of(*chosen: str) -> list[str]:
        return [f"{day}/{n}" for day in chosen for n in ("000001", "000999")]

    assert await seen(date(2024, 2, 29), date(2024, 2, 29)) == of("2024/02/29")
    assert await seen(date(2024, 2, 29), date(2024, 3, 1)) == of("2024/02/29", "2024/03/01")
    assert await seen(date(2024, 12, 31), date(2024, 12, 31)) == of("2024/12/31")
    assert await seen(date(2025, 1, 1), date(2025, 1, 1)) == of("2025/01/01")
    assert await seen(date(2024, 12, 31), date(2025, 1, 1)) == of("2024/12/31", "2025/01/01")
    assert await seen(date(2025, 1, 31), date(2025, 1, 31)) == of("2025/01/31")
    assert await seen(date(2025, 2, 1), date(2025, 2, 1)) == of("2025/02/01")
    assert await seen(date(2025, 1, 16), date(2025, 1, 30)) == []
