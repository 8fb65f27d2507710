"""BookingSnapshots of the sample day, and of rows Khanza leaves half-entered.

The expected values are the scenario of sandbox/khanza/sample-data.sql (its
header lists the pending work), written out here rather than derived, so a
change in what the producer reads shows up as a concrete difference.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import aiomysql
import pytest

from core.bpjs.models import AntreanAdd, FarmasiAdd
from core.khanza import KhanzaOptions, TaskSources, load_booking, load_window
from core.khanza.snapshot import BookingSnapshot, Cancellation
from sandbox.services import MariaDBServer

Connect = Callable[[str], Awaitable[aiomysql.Connection]]  # the connect_to fixture


WIB = ZoneInfo("Asia/Jakarta")
DAY = date(2025, 1, 15)
OPTIONS = KhanzaOptions(zone=WIB)
KETERANGAN = "Peserta harap 30 menit lebih awal guna pencatatan administrasi."
FARMASI = "Resep dibuat secara elektronik di poli"


def at(hhmm: str) -> datetime:
    hour, minute = hhmm.split(":")
    return datetime(2025, 1, 15, int(hour), int(minute))


def mobile_add(kodebooking: str, **fields: object) -> AntreanAdd:
    body: dict[str, object] = {
        "kodebooking": kodebooking, "jenispasien": "JKN", "pasienbaru": 0,
        "tanggalperiksa": "2025-01-15", "keterangan": KETERANGAN,
    }
    body.update(fields)
    return AntreanAdd.model_validate(body)


PASIEN_1 = {"nomorkartu": "0000000000001", "nik": "0000000000000001", "nohp": "080000000101",
            "norm": "000001"}
PASIEN_2 = {"nomorkartu": "0000000000002", "nik": "0000000000000002", "nohp": "080000000102",
            "norm": "000002"}
INT_D001 = {"kodepoli": "INT", "namapoli": "PENYAKIT DALAM", "kodedokter": 99901,
            "namadokter": "dr. CONTOH SATU, Sp.PD", "jampraktek": "08:00-12:00"}
ANA_D002 = {"kodepoli": "ANA", "namapoli": "ANAK", "kodedokter": 99902,
            "namadokter": "dr. CONTOH DUA, Sp.A", "jampraktek": "09:00-13:00"}

EXPECTED = [
    BookingSnapshot(
        kodebooking="20250115000001", no_rawat="2025/01/15/000001", tanggal=DAY,
        source="mobile_jkn", pasienbaru=False,
        add=mobile_add("20250115000001", **PASIEN_1, **INT_D001, jeniskunjungan=1,
                       nomorreferensi="0000R0010125K000001", nomorantrean="INT-001",
                       angkaantrean=1, estimasidilayani=1736903100000, sisakuotajkn=28,
                       kuotajkn=30, sisakuotanonjkn=28, kuotanonjkn=30),
        tasks={3: at("07:50"), 4: at("08:05"), 5: at("08:10"), 6: at("08:40"), 7: at("08:55")},
        jenisresep="Non Racikan",
        farmasi=FarmasiAdd(kodebooking="20250115000001", jenisresep="Non Racikan",
                           nomorantrean=1, keterangan=FARMASI),
        # Khanza's sender marked the booking sent and recorded tasks 3-7.
        recorded=frozenset({"add", "task3", "task4", "task5", "task6", "task7"}),
    ),
    BookingSnapshot(
        kodebooking="20250115000002", no_rawat="2025/01/15/000002", tanggal=DAY,
        source="mobile_jkn", pasienbaru=False,
        add=mobile_add("20250115000002", **PASIEN_2, **INT_D001, jeniskunjungan=3,
                       nomorreferensi="0000R0010125K000002", nomorantrean="INT-002",
                       angkaantrean=2, estimasidilayani=1736903400000, sisakuotajkn=27,
                       kuotajkn=30, sisakuotanonjkn=27, kuotanonjkn=30),
        # The prescription is written but neither validated nor handed over: no 6, no 7.
        tasks={3: at("08:00"), 4: at("08:30"), 5: at("08:35")},
        jenisresep="Non Racikan",
        farmasi=FarmasiAdd(kodebooking="20250115000002", jenisresep="Non Racikan",
                           nomorantrean=2, keterangan=FARMASI),
        recorded=frozenset({"add", "task3"}),
    ),
    BookingSnapshot(
        kodebooking="20250115000003", no_rawat="2025/01/15/000003", tanggal=DAY,
        source="mobile_jkn", pasienbaru=False,
        add=mobile_add("20250115000003", **PASIEN_1, **ANA_D002, jeniskunjungan=2,
                       nomorreferensi="0000R0010125K000003", nomorantrean="ANA-001",
                       angkaantrean=1, estimasidilayani=1736906700000, sisakuotajkn=18,
                       kuotajkn=20, sisakuotanonjkn=18, kuotanonjkn=20),
    ),
    BookingSnapshot(
        kodebooking="20250115000004", no_rawat="2025/01/15/000004", tanggal=DAY,
        source="mobile_jkn", pasienbaru=False,
        add=mobile_add("20250115000004", **PASIEN_2, **ANA_D002, jeniskunjungan=1,
                       nomorreferensi="0000R0010125K000004", nomorantrean="ANA-002",
                       angkaantrean=2, estimasidilayani=1736907000000, sisakuotajkn=17,
                       kuotajkn=20, sisakuotanonjkn=17, kuotanonjkn=20),
        batal=Cancellation("Dibatalkan pasien melalui Mobile JKN (data contoh)", at("08:15")),
        recorded=frozenset({"add"}),  # added earlier; the cancellation is not sent yet
    ),
    BookingSnapshot(
        kodebooking="2025/01/15/000005", no_rawat="2025/01/15/000005", tanggal=DAY,
        source="onsite", pasienbaru=False,
        add=AntreanAdd(
            kodebooking="2025/01/15/000005", jenispasien="NON JKN", nomorkartu="-", nik="-",
            nohp="-", kodepoli="INT", namapoli="PENYAKIT DALAM", pasienbaru=0, norm="000003",
            tanggalperiksa="2025-01-15", kodedokter=99901, namadokter="dr. CONTOH SATU, Sp.PD",
            jampraktek="08:00-12:00", jeniskunjungan=3, nomorreferensi="-", nomorantrean="003",
            angkaantrean=3, estimasidilayani=1736903700000, sisakuotajkn=27, kuotajkn=30,
            sisakuotanonjkn=27, kuotanonjkn=30, keterangan=KETERANGAN,
        ),
        tasks={3: at("08:15"), 4: at("08:20"), 5: at("08:45")},
    ),
]


async def test_sample_day_window(sample: aiomysql.Connection) -> None:
    snapshots = await load_window(sample, DAY, DAY, OPTIONS)
    assert snapshots == EXPECTED
    walk_in = snapshots[-1]
    assert walk_in.add is not None
    assert walk_in.add.estimasidilayani == 1736903700000  # 08:15 WIB
    assert walk_in.task_ms(3, WIB) == 1736903700000


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda s: s.kodebooking)
async def test_load_booking_equals_the_window(
    sample: aiomysql.Connection, expected: BookingSnapshot
) -> None:
    assert await load_booking(sample, expected.kodebooking, OPTIONS) == expected


async def test_load_booking_unknown_keys(sample: aiomysql.Connection) -> None:
    assert await load_booking(sample, "20990101000001", OPTIONS) is None
    assert await load_booking(sample, "2099/01/01/000001", OPTIONS) is None
    # A Mobile JKN visit's no_rawat is not its kodebooking (the window has none such).
    assert await load_booking(sample, "2025/01/15/000001", OPTIONS) is None


async def test_other_days_are_empty(sample: aiomysql.Connection) -> None:
    assert await load_window(sample, date(2025, 1, 14), date(2025, 1, 14), OPTIONS) == []
    assert await load_window(sample, date(2025, 1, 16), date(2025, 1, 22), OPTIONS) == []
    around = await load_window(sample, date(2025, 1, 14), date(2025, 1, 22), OPTIONS)
    assert around == EXPECTED


async def test_checkin_style_sources(sample: aiomysql.Connection) -> None:
    options = KhanzaOptions(zone=WIB, task_sources=TaskSources.parse("checkin"))
    tasks = {s.kodebooking: dict(s.tasks) for s in await load_window(sample, DAY, DAY, options)}
    assert tasks == {
        # 3 check-in, 4 none (only the doctor wrote SOAP), 5 doctor's SOAP, 6 written, 7 handed.
        "20250115000001": {3: at("07:40"), 5: at("08:10"), 6: at("08:20"), 7: at("08:55")},
        "20250115000002": {3: at("07:55"), 5: at("08:35"), 6: at("08:50")},
        "20250115000003": {},  # not checked in: validasi is a zero datetime
        "20250115000004": {},  # validasi 08:15 is the cancellation, not a check-in
        "2025/01/15/000005": {5: at("08:45")},  # on-site: no check-in row
    }


async def test_nurse_soap_is_the_petugas_source(
    mariadb_server: MariaDBServer, fresh_khanza_db: str, connect_to: Connect
) -> None:
    mariadb_server.sql("""
        INSERT INTO pemeriksaan_ralan (no_rawat, tgl_perawatan, jam_rawat, tensi, spo2,
          kesadaran, rtl, penilaian, instruksi, evaluasi, nip)
        VALUES ('2025/01/15/000001', '2025-01-15', '08:02:00', '120/80', '98',
          'Compos Mentis', '-', '-', '-', '-', 'P001')""", fresh_khanza_db)
    conn = await connect_to(fresh_khanza_db)
    checkin = KhanzaOptions(zone=WIB, task_sources=TaskSources.parse("checkin"))
    snapshot = await load_booking(conn, "20250115000001", checkin)
    assert snapshot is not None
    assert (snapshot.tasks[4], snapshot.tasks[5]) == (at("08:02"), at("08:10"))
    newer = await load_booking(conn, "20250115000001", OPTIONS)
    assert newer is not None and newer.tasks[5] == at("08:02")  # first note, anyone's


async def test_zone_shifts_epoch_by_exactly_one_hour(sample: aiomysql.Connection) -> None:
    wita = KhanzaOptions(zone=ZoneInfo("Asia/Makassar"))
    in_wib = await load_booking(sample, "2025/01/15/000005", OPTIONS)
    in_wita = await load_booking(sample, "2025/01/15/000005", wita)
    assert in_wib is not None and in_wita is not None
    assert in_wib.add is not None and in_wita.add is not None
    assert in_wib.add.estimasidilayani - in_wita.add.estimasidilayani == 3_600_000
    assert in_wib.tasks == in_wita.tasks  # same wall clock
    for taskid in in_wib.tasks:
        wib_ms, wita_ms = in_wib.task_ms(taskid, WIB), in_wita.task_ms(taskid, wita.zone)
        assert wib_ms is not None and wita_ms is not None
        assert wib_ms - wita_ms == 3_600_000
