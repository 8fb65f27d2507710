"""Bad Khanza rows are explained where a person looks: the status the dashboard reads, the log.

Each row below is one a real Khanza holds now and then; the producer must say
why the visit waits (and never send a zero ``tanggalperiksa`` upstream).
"""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest
import redis.asyncio as aioredis

from core.keys import BPJS_BOOKING, PRODUCER_STATUS, booking_job_id
from core.settings import Settings
from producers.loop import open_producer
from sandbox.services import MariaDBServer

DAY = date(2025, 1, 15)
ZERO_DATES_OK = "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\n"


def register(server: MariaDBServer, db: str, no_rawat: str, no_reg: str) -> None:
    server.sql(f"""
        INSERT INTO reg_periksa (no_reg, no_rawat, tgl_registrasi, jam_reg, kd_dokter,
          no_rkm_medis, kd_poli, p_jawab, almt_pj, hubunganpj, biaya_reg, stts, stts_daftar,
          status_lanjut, kd_pj, umurdaftar, sttsumur, status_bayar, status_poli)
        VALUES ('{no_reg}', '{no_rawat}', '2025-01-15', '09:00:00', 'D001', '000003', 'INT',
          '-', '-', '-', 0, 'Belum', 'Lama', 'Ralan', 'A09', 40, 'Th', 'Belum Bayar',
          'Lama')""", db)  # noqa: S608 -- test constants only


async def test_each_bad_row_has_a_waiting_reason_in_the_status_and_one_log_line(
    bridge_settings: Settings, mariadb_server: MariaDBServer, fresh_khanza_db: str,
    redis: aioredis.Redis, caplog: pytest.LogCaptureFixture,
) -> None:
    db = fresh_khanza_db
    register(mariadb_server, db, "2025/01/15/000006", "006")
    register(mariadb_server, db, "2025/01/15/000007", "007")
    mariadb_server.sql(ZERO_DATES_OK + """
        DELETE FROM maping_poli_bpjs WHERE kd_poli_rs = 'ANA';
        UPDATE reg_periksa SET no_reg = NULL WHERE no_rawat = '2025/01/15/000005';
        UPDATE referensi_mobilejkn_bpjs SET tanggalperiksa = '0000-00-00'
            WHERE nobooking = '20250115000001';
        INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima, kembali, tidakada, ranap)
        VALUES ('2025/01/15/000006', 'Sudah Diterima', '0000-00-00 00:00:00',
                '2025-01-15 09:10:00', NULL, NULL, '0000-00-00 00:00:00'),
               ('2025/01/15/000007', 'Sudah Diterima', '2025-01-15 09:05:00',
                '2025-01-15 09:10:00', NULL, NULL, '0000-00-00 00:00:00');
        INSERT INTO pemeriksaan_ralan (no_rawat, tgl_perawatan, jam_rawat, tensi, spo2,
          kesadaran, rtl, penilaian, instruksi, evaluasi, nip)
        VALUES ('2025/01/15/000007', '2025-01-15', '09:20:00', '-', '-', 'Compos Mentis',
                '-', '-', '-', '-', 'D001');
        INSERT INTO resep_obat (no_resep, tgl_perawatan, jam, no_rawat, kd_dokter,
          tgl_peresepan, jam_peresepan, status, tgl_penyerahan, jam_penyerahan)
        VALUES ('202501150007', '2025-01-15', '25:00:00', '2025/01/15/000007', 'D001',
                '2025-01-15', '09:25:00', 'ralan', '0000-00-00', '00:00:00');
        """, db)  # noqa: S608 -- constants
    caplog.set_level(logging.INFO, logger="producers.loop")
    async with open_producer(bridge_settings) as producer:
        await producer.cycle(today=DAY)
        await producer.cycle(today=DAY)  # the second cycle logs nothing new
    status = json.loads(await redis.get(PRODUCER_STATUS))
    waiting = status["waiting"]
    assert waiting["20250115000003"] == (
        "antrean/add cannot be built: BPJS poli ANA has no maping_poli_bpjs row")
    assert waiting["2025/01/15/000005"] == (
        "antrean/add cannot be built: registration 2025/01/15/000005 has no no_reg (NULL)")
    assert waiting["20250115000001"] == (
        "antrean/add cannot be built: booking tanggalperiksa '0000-00-00' is not a real date")
    assert waiting["2025/01/15/000006"] == (
        "task 3 has no time in Khanza yet "
        "(mutasi_berkas.dikirim is '0000-00-00 00:00:00')")
    assert waiting["2025/01/15/000007"] == (
        "task 6: resep_obat.validasi is '2025-01-15 25:00:00', not a real time "
        "(correct it in Khanza)")
    # Never sent: no job for the visit with the zero tanggalperiksa.
    assert not await redis.exists(f"arq:job:{booking_job_id(BPJS_BOOKING, '20250115000001')}")
    for kode, reason in waiting.items():
        lines = [r.getMessage() for r in caplog.records
                 if r.getMessage() == f"booking {kode} waits for Khanza: {reason}"]
        assert len(lines) == 1, (kode, lines)
