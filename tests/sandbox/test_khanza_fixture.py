"""The project's own Khanza fixture: it loads, it holds the sample day, it matches real Khanza.

Later tests assert producer behaviour against this day ("which tasks are
pending, the cancelled booking, the walk-in, the beds"), so the facts are
pinned here once. The drift checks compare every table of ours with the real
upstream definitions from ``../shared/khanza`` through ``information_schema``;
without ``../shared`` (a user's machine) they are skipped, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sandbox.services import MariaDBServer, ServiceError

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "sandbox" / "khanza" / "schema.sql"
SAMPLE = REPO / "sandbox" / "khanza" / "sample-data.sql"
UPSTREAM_SCHEMA = REPO.parent / "shared" / "khanza" / "schema.sql"

OUR_TABLES = re.findall(r"^CREATE TABLE `(\w+)`", SCHEMA.read_text(), flags=re.MULTILINE)
WIB = ZoneInfo("Asia/Jakarta")
HARI = ("SENIN", "SELASA", "RABU", "KAMIS", "JUMAT", "SABTU", "AKHAD")  # Khanza weekday names

Row = tuple[str, ...]


def rows(server: MariaDBServer, database: str, query: str) -> list[Row]:
    """Result rows as strings (the client's batch output; SQL NULL prints as NULL)."""
    out = server.sql(query, database)
    return [tuple(line.split("\t")) for line in out.splitlines()]


@pytest.fixture
def scratch_db(mariadb_server: MariaDBServer) -> Iterator[str]:
    """An empty latin1 database, dropped afterwards."""
    name = "khanza_fixture_scratch"
    mariadb_server.sql(
        f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` CHARACTER SET latin1"
    )
    yield name
    mariadb_server.sql(f"DROP DATABASE `{name}`")


def test_schema_lists_the_tables_the_producers_read() -> None:
    read_by_producers = {
        "reg_periksa", "referensi_mobilejkn_bpjs", "referensi_mobilejkn_bpjs_batal",
        "referensi_mobilejkn_bpjs_taskid", "mutasi_berkas", "pemeriksaan_ralan", "resep_obat",
        "pasien", "penjab", "poliklinik", "dokter", "maping_poli_bpjs",
        "maping_dokter_dpjpvclaim", "jadwal", "bangsal", "kamar", "kamar_inap",
        "aplicare_ketersediaan_kamar", "siranap_ketersediaan_kamar",
    }
    assert read_by_producers <= set(OUR_TABLES)
    assert len(OUR_TABLES) == len(set(OUR_TABLES))


# --------------------------------------------------------------- the sample day


def test_five_registrations_of_the_day(mariadb_server: MariaDBServer, khanza_db: str) -> None:
    found = rows(mariadb_server, khanza_db, """
        SELECT no_rawat, no_reg, jam_reg, kd_poli, no_rkm_medis, kd_pj, stts, status_lanjut
        FROM reg_periksa WHERE no_rawat BETWEEN '2025/01/15/' AND '2025/01/15/999999'
        ORDER BY no_rawat""")
    assert found == [
        ("2025/01/15/000001", "001", "07:40:00", "INT", "000001", "BPJ", "Sudah", "Ralan"),
        ("2025/01/15/000002", "002", "07:55:00", "INT", "000002", "BPJ", "Belum", "Ralan"),
        ("2025/01/15/000003", "001", "09:00:00", "ANA", "000001", "BPJ", "Belum", "Ralan"),
        ("2025/01/15/000004", "002", "09:00:00", "ANA", "000002", "BPJ", "Batal", "Ralan"),
        ("2025/01/15/000005", "003", "08:10:00", "INT", "000003", "A09", "Dirawat", "Ranap"),
    ]


def test_bookings_their_states_and_the_walk_in(
    mariadb_server: MariaDBServer, khanza_db: str
) -> None:
    bookings = rows(mariadb_server, khanza_db, """
        SELECT nobooking, no_rawat, status, validasi, statuskirim
        FROM referensi_mobilejkn_bpjs ORDER BY nobooking""")
    assert bookings == [
        ("20250115000001", "2025/01/15/000001", "Checkin", "2025-01-15 07:40:00", "Sudah"),
        ("20250115000002", "2025/01/15/000002", "Checkin", "2025-01-15 07:55:00", "Sudah"),
        ("20250115000003", "2025/01/15/000003", "Belum", "0000-00-00 00:00:00", "Belum"),
        ("20250115000004", "2025/01/15/000004", "Batal", "2025-01-15 08:15:00", "Sudah"),
    ]
    on_site = rows(mariadb_server, khanza_db, """
        SELECT r.no_rawat, p.png_jawab FROM reg_periksa r JOIN penjab p USING (kd_pj)
        WHERE r.no_rawat BETWEEN '2025/01/15/' AND '2025/01/15/999999'
          AND r.no_rawat NOT IN (SELECT no_rawat FROM referensi_mobilejkn_bpjs)""")
    assert on_site == [("2025/01/15/000005", "UMUM")]


def test_the_cancellation_waits_to_be_sent(mariadb_server: MariaDBServer, khanza_db: str) -> None:
    batal = rows(mariadb_server, khanza_db, """
        SELECT b.nobooking, b.no_rawat_batal, b.tanggalbatal, b.statuskirim, r.stts
        FROM referensi_mobilejkn_bpjs_batal b
        JOIN reg_periksa r ON r.no_rawat = b.no_rawat_batal""")
    assert batal == [
        ("20250115000004", "2025/01/15/000004", "2025-01-15 08:15:00", "Belum", "Batal"),
    ]


def test_task_ledger(mariadb_server: MariaDBServer, khanza_db: str) -> None:
    ledger = rows(mariadb_server, khanza_db, """
        SELECT no_rawat, taskid, waktu FROM referensi_mobilejkn_bpjs_taskid
        ORDER BY no_rawat, taskid + 0""")
    assert [(r, t) for r, t, _ in ledger if r == "2025/01/15/000001"] == [
        ("2025/01/15/000001", t) for t in ("3", "4", "5", "6", "7")
    ]
    assert [(r, t, w) for r, t, w in ledger if r != "2025/01/15/000001"] == [
        ("2025/01/15/000002", "3", "2025-01-15 08:00:00"),
    ]


def test_the_unvalidated_prescription_has_zero_dates(
    mariadb_server: MariaDBServer, khanza_db: str
) -> None:
    unvalidated = rows(mariadb_server, khanza_db, """
        SELECT no_resep, no_rawat, tgl_peresepan, jam_peresepan, tgl_perawatan, jam,
               tgl_penyerahan, jam_penyerahan
        FROM resep_obat WHERE status = 'ralan' AND tgl_perawatan = '0000-00-00'""")
    assert unvalidated == [
        ("202501150002", "2025/01/15/000002", "2025-01-15", "08:50:00",
         "0000-00-00", "00:00:00", "0000-00-00", "00:00:00"),
    ]


def test_events_minus_ledger_is_the_documented_pending_work(
    mariadb_server: MariaDBServer, khanza_db: str
) -> None:
    """Task sources as in Khanza's newer sender (reference bpjs-antrean.md section 6)."""
    events = rows(mariadb_server, khanza_db, """
        SELECT no_rawat, 3, dikirim FROM mutasi_berkas
         WHERE dikirim <> '0000-00-00 00:00:00'
        UNION ALL SELECT no_rawat, 4, diterima FROM mutasi_berkas
         WHERE diterima <> '0000-00-00 00:00:00'
        UNION ALL SELECT no_rawat, 5, MIN(TIMESTAMP(tgl_perawatan, jam_rawat))
         FROM pemeriksaan_ralan GROUP BY no_rawat
        UNION ALL SELECT no_rawat, 6, TIMESTAMP(tgl_perawatan, jam) FROM resep_obat
         WHERE status = 'ralan' AND tgl_perawatan <> '0000-00-00'
        UNION ALL SELECT no_rawat, 7, TIMESTAMP(tgl_penyerahan, jam_penyerahan) FROM resep_obat
         WHERE status = 'ralan' AND tgl_penyerahan <> '0000-00-00'""")
    ledger = rows(mariadb_server, khanza_db,
                  "SELECT no_rawat, taskid, waktu FROM referensi_mobilejkn_bpjs_taskid")
    # Besides the sample day only the visit a week earlier (behind today's kontrol, outside
    # the producer's window) has events; Khanza's ledger is read for the window alone.
    earlier = {no_rawat for no_rawat, _, _ in events if not no_rawat.startswith("2025/01/15/")}
    assert earlier == {"2025/01/08/000001"}
    events = [event for event in events if event[0].startswith("2025/01/15/")]
    happened = {(no_rawat, int(taskid)): waktu for no_rawat, taskid, waktu in events}
    sent = {(no_rawat, int(taskid)): waktu for no_rawat, taskid, waktu in ledger}
    # every ledger row records an event that happened, at the time it happened
    assert {key: happened.get(key) for key in sent} == sent
    pending = sorted((*key, waktu) for key, waktu in happened.items() if key not in sent)
    assert pending == [
        ("2025/01/15/000002", 4, "2025-01-15 08:30:00"),
        ("2025/01/15/000002", 5, "2025-01-15 08:35:00"),
        ("2025/01/15/000005", 3, "2025-01-15 08:15:00"),
        ("2025/01/15/000005", 4, "2025-01-15 08:20:00"),
        ("2025/01/15/000005", 5, "2025-01-15 08:45:00"),
    ]
    not_yet_added = rows(mariadb_server, khanza_db, """
        SELECT nobooking FROM referensi_mobilejkn_bpjs WHERE statuskirim = 'Belum'""")
    assert not_yet_added == [("20250115000003",)]


def test_bookings_agree_with_schedules_and_mappings(
    mariadb_server: MariaDBServer, khanza_db: str
) -> None:
    found = rows(mariadb_server, khanza_db, """
        SELECT b.nobooking, b.tanggalperiksa, j.hari_kerja, j.jam_mulai, r.no_reg,
               b.estimasidilayani, b.nomorantrean, CONCAT(r.kd_poli, '-', r.no_reg),
               b.kuotajkn, j.kuota,
               b.jampraktek, CONCAT(LEFT(j.jam_mulai, 5), '-', LEFT(j.jam_selesai, 5))
        FROM referensi_mobilejkn_bpjs b
        JOIN reg_periksa r USING (no_rawat)
        JOIN maping_poli_bpjs mp ON mp.kd_poli_rs = r.kd_poli AND mp.kd_poli_bpjs = b.kodepoli
        JOIN maping_dokter_dpjpvclaim md
          ON md.kd_dokter = r.kd_dokter AND md.kd_dokter_bpjs = b.kodedokter
        JOIN jadwal j ON j.kd_dokter = r.kd_dokter AND j.kd_poli = r.kd_poli
        ORDER BY b.nobooking""")
    assert len(found) == 4  # every booking maps to its poli, doctor and schedule
    for row in found:
        _, tanggal, hari, jam_mulai, no_reg, estimasi, antrean, expected = row[:8]
        kuota, kuota_j, jp, jp_j = row[8:]
        assert hari == HARI[date.fromisoformat(tanggal).weekday()] == "RABU"
        start = datetime.fromisoformat(f"{tanggal} {jam_mulai}").replace(tzinfo=WIB)
        expected_ms = int((start + timedelta(minutes=5 * int(no_reg))).timestamp() * 1000)
        assert int(estimasi) == expected_ms
        assert (antrean, kuota, jp) == (expected, kuota_j, jp_j)


def test_beds_per_ward(mariadb_server: MariaDBServer, khanza_db: str) -> None:
    found = rows(mariadb_server, khanza_db, """
        SELECT kd_bangsal, kelas, status, COUNT(*) FROM kamar WHERE statusdata = '1'
        GROUP BY kd_bangsal, kelas, status ORDER BY kd_bangsal, status""")
    assert found == [
        ("ICU", "Kelas Utama", "KOSONG", "1"),
        ("ICU", "Kelas Utama", "PERBAIKAN", "1"),
        ("MLT", "Kelas 3", "ISI", "1"),
        ("MLT", "Kelas 3", "KOSONG", "1"),
        ("MLT", "Kelas 3", "DIBERSIHKAN", "1"),
        ("MWR", "Kelas 1", "KOSONG", "2"),
    ]
    admitted = rows(mariadb_server, khanza_db, """
        SELECT ki.no_rawat, ki.kd_kamar, ki.tgl_masuk, ki.jam_masuk, k.status
        FROM kamar_inap ki JOIN kamar k USING (kd_kamar) WHERE ki.tgl_keluar = '0000-00-00'""")
    assert admitted == [("2025/01/15/000005", "MLT.01", "2025-01-15", "10:30:00", "ISI")]


def test_bed_snapshots_match_the_beds(mariadb_server: MariaDBServer, khanza_db: str) -> None:
    """Khanza's rule: kapasitas = statusdata '1', tersedia = KOSONG, menunggu = DIBERSIHKAN."""
    found = rows(mariadb_server, khanza_db, """
        SELECT c.kd_bangsal,
               a.kapasitas = c.kapasitas AND a.tersedia = c.tersedia,
               s.kapasitas = c.kapasitas AND s.tersedia = c.tersedia AND s.menunggu = c.menunggu
        FROM (SELECT kd_bangsal, kelas, SUM(statusdata = '1') AS kapasitas,
                     SUM(status = 'KOSONG') AS tersedia, SUM(status = 'DIBERSIHKAN') AS menunggu
              FROM kamar GROUP BY kd_bangsal, kelas) c
        JOIN aplicare_ketersediaan_kamar a USING (kd_bangsal, kelas)
        JOIN siranap_ketersediaan_kamar s USING (kd_bangsal, kelas)
        ORDER BY c.kd_bangsal""")
    assert found == [("ICU", "1", "1"), ("MLT", "1", "1"), ("MWR", "1", "1")]


def test_patients_are_fake(mariadb_server: MariaDBServer, khanza_db: str) -> None:
    found = rows(mariadb_server, khanza_db,
                 "SELECT nm_pasien, no_ktp, no_peserta FROM pasien ORDER BY no_rkm_medis")
    assert len(found) == 3
    for name, nik, card in found:
        assert "CONTOH" in name
        assert re.fullmatch(r"0{15}\d", nik)
        assert re.fullmatch(r"(0{12}\d)?", card)


# ---------------------------------------------------------------- loading rules


def test_loads_with_strict_session_and_foreign_key_checks(
    mariadb_server: MariaDBServer, scratch_db: str
) -> None:
    strict = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE';\n"
    zero_date_update = (
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE';"
        "UPDATE resep_obat SET tgl_penyerahan = '0000-00-00' WHERE no_resep = '202501150001'"
    )
    mariadb_server.sql(
        strict + "SET FOREIGN_KEY_CHECKS = 1;\n" + SCHEMA.read_text() + SAMPLE.read_text(),
        scratch_db,
    )
    assert rows(mariadb_server, scratch_db,
                "SELECT COUNT(*) FROM resep_obat WHERE tgl_penyerahan = '0000-00-00'") == [("1",)]
    # the strict session is real: outside the files' own SQL_MODE a zero date is refused
    with pytest.raises(ServiceError, match="Incorrect"):
        mariadb_server.sql(zero_date_update, scratch_db)


def test_schema_refuses_to_replace_existing_tables(
    mariadb_server: MariaDBServer, scratch_db: str
) -> None:
    mariadb_server.sql("CREATE TABLE propinsi (kd_prop int PRIMARY KEY, nm_prop varchar(30));"
                       "INSERT INTO propinsi VALUES (7, 'KEEP ME')", scratch_db)
    with pytest.raises(ServiceError, match="already exists"):
        mariadb_server.load(SCHEMA, scratch_db)
    assert rows(mariadb_server, scratch_db, "SELECT nm_prop FROM propinsi") == [("KEEP ME",)]
    text = SCHEMA.read_text() + SAMPLE.read_text()
    assert not re.search(r"^\s*(DROP|USE\b|CREATE DATABASE)", text, flags=re.MULTILINE | re.I)


# ---------------------------------------------------- drift against real Khanza


def _table_options(server: MariaDBServer, database: str) -> dict[str, Row]:
    found = rows(server, database, """
        SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = DATABASE()""")
    return {name: (engine, collation) for name, engine, collation in found}


def _per_table(server: MariaDBServer, database: str, query: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for table, *rest in rows(server, database, query):
        grouped.setdefault(table, []).append(tuple(rest))
    return grouped


COLUMNS = """
    SELECT TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE,
           COALESCE(COLUMN_DEFAULT, '(no default)'), COALESCE(CHARACTER_SET_NAME, '-'),
           COALESCE(COLLATION_NAME, '-'), EXTRA
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
    ORDER BY TABLE_NAME, ORDINAL_POSITION"""
INDEXES = """
    SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE,
           COALESCE(SUB_PART, '-')
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
    ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"""
FOREIGN_KEYS = """
    SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION, k.COLUMN_NAME,
           k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, c.UPDATE_RULE, c.DELETE_RULE
    FROM information_schema.KEY_COLUMN_USAGE k
    JOIN information_schema.REFERENTIAL_CONSTRAINTS c
      ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME
     AND c.TABLE_NAME = k.TABLE_NAME
    WHERE k.TABLE_SCHEMA = DATABASE()
    ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"""


@pytest.fixture(scope="module")
def drift(
    mariadb_server: MariaDBServer, khanza_db: str, upstream_khanza_db: str
) -> dict[str, tuple[dict[str, list[Row]], dict[str, list[Row]]]]:
    """(ours, upstream) information_schema rows per aspect, fetched once."""
    snapshot = {}
    aspects = (("columns", COLUMNS), ("indexes", INDEXES), ("foreign keys", FOREIGN_KEYS))
    for aspect, query in aspects:
        snapshot[aspect] = (_per_table(mariadb_server, khanza_db, query),
                            _per_table(mariadb_server, upstream_khanza_db, query))
    ours_opts = _table_options(mariadb_server, khanza_db)
    up_opts = _table_options(mariadb_server, upstream_khanza_db)
    snapshot["table options"] = (
        {t: [o] for t, o in ours_opts.items()}, {t: [o] for t, o in up_opts.items()},
    )
    return snapshot


def test_every_table_of_ours_exists_upstream(
    drift: dict[str, tuple[dict[str, list[Row]], dict[str, list[Row]]]],
) -> None:
    ours, upstream = drift["table options"]
    assert set(ours) == set(OUR_TABLES)
    assert set(ours) - set(upstream) == set()


@pytest.mark.parametrize("aspect", ["columns", "indexes", "foreign keys", "table options"])
@pytest.mark.parametrize("table", OUR_TABLES)
def test_table_matches_upstream(
    drift: dict[str, tuple[dict[str, list[Row]], dict[str, list[Row]]]], table: str, aspect: str,
) -> None:
    ours, upstream = drift[aspect]
    mine, theirs = ours.get(table, []), upstream.get(table, [])
    if aspect in ("columns", "table options"):
        assert mine, f"{table} has no {aspect} in our fixture"
    if aspect == "indexes" and not theirs:
        # Only a keyless upstream table (set_no_rkm_medis) may have none; it must exist there.
        assert drift["columns"][1].get(table), f"{table} is not in the upstream definitions"
    elif aspect == "indexes":
        assert mine, f"{table} has no indexes in our fixture"
    assert mine == theirs, (
        f"{table} {aspect} drifted from upstream:\n"
        f"  only ours:     {sorted(set(mine) - set(theirs))}\n"
        f"  only upstream: {sorted(set(theirs) - set(mine))}"
    )


def test_sample_data_fits_the_upstream_definitions(
    mariadb_server: MariaDBServer, khanza_db: str, upstream_khanza_db: str, scratch_db: str,
) -> None:
    mariadb_server.load(UPSTREAM_SCHEMA, scratch_db)
    mariadb_server.load(SAMPLE, scratch_db)
    tables = ", ".join(f"`{t}`" for t in OUR_TABLES)

    def checksums(database: str) -> dict[str, str]:
        found = rows(mariadb_server, database, f"CHECKSUM TABLE {tables}")
        return {name.split(".", 1)[1]: checksum for name, checksum in found}

    ours = checksums(khanza_db)
    assert set(ours) == set(OUR_TABLES)
    assert all(checksum != "0" for checksum in ours.values())  # every table holds rows
    assert checksums(scratch_db) == ours  # same rows, byte for byte, in the real definitions
