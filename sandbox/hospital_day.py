"""A hospital day, today, in the hospital's zone: what Khanza's users would type.

The demo runs this against its private copy of the sample Khanza database so
the dashboard shows live flow: Mobile JKN bookings and walk-in registrations,
check-ins, the medical-record file sent and received (tasks 3 and 4), the
examination (task 5), prescriptions written, validated and handed over (the
pharmacy queue, tasks 6 and 7), cancellations from Mobile JKN, and beds in
``kamar`` changing state. Every time is "now" on the hospital's wall clock,
written the way Khanza writes it; nothing is back-dated to please an
upstream. A visit moves at most one step every ``STEP_GAP`` seconds, because
Khanza stores seconds and BPJS refuses a task that is not later than the one
before.

Every identifier is invented and obviously so (NIKs and card numbers start
with zeros, names are "PASIEN CONTOH DEMO n"). One booking in
``bad_referral_every`` has the referral "-", which BPJS refuses for good,
so the dashboard has a dead letter to show.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiomysql
import pymysql

from core import db
from core.khanza.bookings import HARI
from core.khanza.writes.tx import DEADLOCK, DUPLICATE_KEY
from core.settings import DatabaseUrl

__all__ = ["STEP_GAP", "Counts", "HospitalDay"]

STEP_GAP = 2.0  # seconds between two steps of one visit
PATIENTS = 60
POLI = (("INT", "D001", "99901"), ("ANA", "D002", "99902"))
BED_STATES = ("KOSONG", "ISI", "DIBERSIHKAN", "KOSONG", "ISI")
MOBILE_STEPS = ("checkin", "dikirim", "diterima", "periksa", "resep", "validasi", "serah")
WALKIN_STEPS = MOBILE_STEPS[1:]


@dataclass
class Visit:
    no_rawat: str
    nobooking: str | None  # None: walk-in (on-site)
    no_rkm_medis: str
    kd_poli: str
    steps: list[str]
    next_at: float = 0.0

    @property
    def resep(self) -> str:
        return self.no_rawat.replace("/", "")[-14:]


@dataclass
class Counts:
    bookings: int = 0
    walk_ins: int = 0
    steps: int = 0
    cancellations: int = 0
    beds: int = 0
    by_step: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (f"{self.bookings} Mobile JKN bookings, {self.walk_ins} walk-ins, "
                f"{self.steps} service steps, {self.cancellations} cancellations, "
                f"{self.beds} bed changes")


class HospitalDay:
    def __init__(self, khanza: DatabaseUrl, zone: ZoneInfo, *, rate: float = 3.0,
                 seed: int | None = None, bad_referral_every: int = 15) -> None:
        self.url = khanza
        self.zone = zone
        self.rate = rate
        self.random = random.Random(seed)
        self.bad_referral_every = bad_referral_every
        self.counts = Counts()
        self.open: list[Visit] = []
        self._seq = 0

    def now(self) -> datetime:
        return datetime.now(self.zone).replace(tzinfo=None, microsecond=0)

    async def run(self, stop: asyncio.Event) -> Counts:
        connection = await db.connect(self.url, setting="hospital day")
        try:
            async with connection.cursor() as cursor:
                await self._prepare(cursor)
                while not stop.is_set():
                    await self._event(cursor)
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=1 / self.rate)
        finally:
            connection.close()
        return self.counts

    async def _prepare(self, cursor: aiomysql.Cursor) -> None:
        """Today's schedules and a pool of invented patients; today's numbering goes on."""
        today = self.now().date()
        for kd_poli, kd_dokter, _ in POLI:
            await cursor.execute(
                "INSERT IGNORE INTO jadwal (kd_dokter, hari_kerja, jam_mulai, jam_selesai, "
                "kd_poli, kuota) VALUES (%s, %s, '00:00:00', '23:59:00', %s, 999)",
                (kd_dokter, HARI[today.weekday()], kd_poli))
        await cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS demo_pasien "
                             "SELECT * FROM pasien WHERE no_rkm_medis = '000001'")
        for n in range(1, PATIENTS + 1):
            await cursor.execute(
                "UPDATE demo_pasien SET no_rkm_medis = %s, nm_pasien = %s, no_ktp = %s, "
                "no_peserta = %s, no_tlp = %s, tgl_daftar = %s",
                (f"9{n:05d}", f"PASIEN CONTOH DEMO {n}", f"{n:016d}", f"{n:013d}",
                 f"0800009{n:05d}", today))
            await cursor.execute("INSERT IGNORE INTO pasien SELECT * FROM demo_pasien")
        lo, hi = f"{today:%Y/%m/%d}/", f"{today + timedelta(days=1):%Y/%m/%d}/"
        await cursor.execute("SELECT MAX(no_rawat) FROM reg_periksa WHERE no_rawat >= %s "
                             "AND no_rawat < %s", (lo, hi))
        row = await cursor.fetchone()
        self._seq = int(row[0][-6:]) if row and row[0] else 0

    async def _event(self, cursor: aiomysql.Cursor) -> None:
        roll = self.random.random()
        due = [v for v in self.open if v.next_at <= time.monotonic()]
        if roll < 0.22 or not due:
            await self._register(cursor, mobile=self.random.random() < 0.6)
        elif roll < 0.30:
            await self._bed(cursor)
        elif roll < 0.34 and any(v.nobooking and v.steps[0] == "checkin" for v in due):
            await self._cancel(cursor, next(v for v in due if v.nobooking
                                            and v.steps[0] == "checkin"))
        else:
            await self._step(cursor, self.random.choice(due))

    async def _register(self, cursor: aiomysql.Cursor, *, mobile: bool) -> None:
        """One registration, numbered as Khanza's desktop numbers it: after the last one.

        The WS RS books today too (the demo's Mobile JKN), so a number read here can be
        taken before the insert: the transaction is rolled back and numbered again."""
        kd_poli, kd_dokter, kodedokter = self.random.choice(POLI)
        patient = self.random.randint(1, PATIENTS)
        for _ in range(20):
            await cursor.execute("BEGIN")
            try:
                made = await self._write_registration(cursor, mobile, kd_poli, kd_dokter,
                                                      kodedokter, patient)
                await cursor.execute("COMMIT")
                break
            except pymysql.err.MySQLError as exc:
                await cursor.execute("ROLLBACK")
                if exc.args[0] not in (DUPLICATE_KEY, DEADLOCK):
                    raise
        else:
            return  # the WS RS kept taking the numbers; the next event tries again
        no_rawat, nobooking, norm = made
        if mobile:
            self.counts.bookings += 1
        else:
            self.counts.walk_ins += 1
        steps = list(MOBILE_STEPS if mobile else WALKIN_STEPS)
        if self.random.random() < 0.3:
            steps = steps[:steps.index("periksa") + 1]  # no prescription for this one
        self.open.append(Visit(no_rawat, nobooking, norm, kd_poli, steps,
                               time.monotonic() + STEP_GAP))

    async def _write_registration(self, cursor: aiomysql.Cursor, mobile: bool, kd_poli: str,
                                  kd_dokter: str, kodedokter: str, patient: int
                                  ) -> tuple[str, str | None, str]:
        now = self.now()
        day = f"{now:%Y/%m/%d}/"
        await cursor.execute("SELECT MAX(no_rawat) FROM reg_periksa WHERE no_rawat >= %s AND "
                             "no_rawat < %s", (day, f"{now:%Y/%m/%d}/~"))
        row = await cursor.fetchone()
        self._seq = max(self._seq, int(row[0][-6:]) if row and row[0] else 0) + 1
        no_rawat = f"{day}{self._seq:06d}"
        norm = f"9{patient:05d}"
        await cursor.execute("SELECT MAX(CAST(no_reg AS UNSIGNED)) FROM reg_periksa WHERE "
                             "kd_dokter = %s AND no_rawat >= %s AND no_rawat < %s",
                             (kd_dokter, day, f"{day}~"))
        no_reg = int((await cursor.fetchone())[0] or 0) + 1
        await cursor.execute(
            "INSERT INTO reg_periksa (no_reg, no_rawat, tgl_registrasi, jam_reg, kd_dokter, "
            "no_rkm_medis, kd_poli, p_jawab, almt_pj, hubunganpj, biaya_reg, stts, stts_daftar, "
            "status_lanjut, kd_pj, umurdaftar, sttsumur, status_bayar, status_poli) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, 'KELUARGA CONTOH', 'JL. CONTOH', 'KELUARGA', 10000, "
            "'Belum', 'Lama', 'Ralan', %s, 40, 'Th', 'Belum Bayar', 'Lama')",
            (f"{no_reg:03d}", no_rawat, now.date(), now.time(), kd_dokter, norm, kd_poli,
             "BPJ" if mobile else "A09"))
        if not mobile:
            return no_rawat, None, norm
        await cursor.execute("SELECT MAX(nobooking) FROM referensi_mobilejkn_bpjs WHERE "
                             "nobooking >= %s AND nobooking <= %s",
                             (f"{now:%Y%m%d}000000", f"{now:%Y%m%d}999999"))
        row = await cursor.fetchone()
        nobooking = f"{now:%Y%m%d}{(int(row[0][-6:]) if row and row[0] else 0) + 1:06d}"
        bad = (self.bad_referral_every
               and (self.counts.bookings + 1) % self.bad_referral_every == 0)
        estimasi = int((datetime.combine(now.date(), datetime.min.time())
                        + timedelta(minutes=5 * no_reg)).replace(tzinfo=self.zone)
                       .timestamp() * 1000)
        await cursor.execute(
            "INSERT INTO referensi_mobilejkn_bpjs (nobooking, no_rawat, nomorkartu, nik, "
            "nohp, kodepoli, pasienbaru, norm, tanggalperiksa, kodedokter, jampraktek, "
            "jeniskunjungan, nomorreferensi, nomorantrean, angkaantrean, estimasidilayani, "
            "sisakuotajkn, kuotajkn, sisakuotanonjkn, kuotanonjkn, status, validasi, "
            "statuskirim) VALUES (%s, %s, %s, %s, %s, %s, '0', %s, %s, %s, '00:00-23:59', "
            "'1 (Rujukan FKTP)', %s, %s, %s, %s, %s, 999, %s, 999, 'Belum', "
            "'0000-00-00 00:00:00', 'Belum')",
            (nobooking, no_rawat, f"{patient:013d}", f"{patient:016d}",
             f"0800009{patient:05d}", kd_poli, norm, now.date(), kodedokter,
             "-" if bad else f"0000R001{now:%m%y}K{self._seq:06d}",
             f"{kd_poli}-{no_reg:03d}", f"{no_reg:03d}", str(estimasi), 999 - no_reg,
             999 - no_reg))
        return no_rawat, nobooking, norm

    async def _step(self, cursor: aiomysql.Cursor, visit: Visit) -> None:
        step = visit.steps.pop(0)
        now = self.now()
        if step == "checkin":
            await cursor.execute("UPDATE referensi_mobilejkn_bpjs SET status = 'Checkin', "
                                 "validasi = %s WHERE nobooking = %s", (now, visit.nobooking))
        elif step == "dikirim":
            await cursor.execute(
                "INSERT INTO mutasi_berkas (no_rawat, status, dikirim, diterima, kembali, "
                "tidakada, ranap) VALUES (%s, 'Sudah Dikirim', %s, '0000-00-00 00:00:00', "
                "'0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00')",
                (visit.no_rawat, now))
        elif step == "diterima":
            await cursor.execute("UPDATE mutasi_berkas SET status = 'Sudah Diterima', "
                                 "diterima = %s WHERE no_rawat = %s", (now, visit.no_rawat))
        elif step == "periksa":
            await cursor.execute(
                "INSERT INTO pemeriksaan_ralan (no_rawat, tgl_perawatan, jam_rawat, suhu_tubuh, "
                "tensi, nadi, respirasi, tinggi, berat, spo2, gcs, kesadaran, keluhan, "
                "pemeriksaan, alergi, lingkar_perut, rtl, penilaian, instruksi, evaluasi, nip) "
                "VALUES (%s, %s, %s, '36.8', '120/80', '80', '18', '165', '60', '98', '15', "
                "'Compos Mentis', 'Keluhan contoh (demo)', '-', '-', '-', '-', '-', '-', '-', "
                "%s)", (visit.no_rawat, now.date(), now.time(),
                        "D001" if visit.kd_poli == "INT" else "D002"))
            await cursor.execute("UPDATE reg_periksa SET stts = 'Sudah' WHERE no_rawat = %s",
                                 (visit.no_rawat,))
        elif step == "resep":
            await cursor.execute(
                "INSERT INTO resep_obat (no_resep, tgl_perawatan, jam, no_rawat, kd_dokter, "
                "tgl_peresepan, jam_peresepan, status, tgl_penyerahan, jam_penyerahan) VALUES "
                "(%s, '0000-00-00', '00:00:00', %s, %s, %s, %s, 'ralan', '0000-00-00', "
                "'00:00:00')", (visit.resep, visit.no_rawat,
                                "D001" if visit.kd_poli == "INT" else "D002", now.date(),
                                now.time()))
        elif step == "validasi":
            await cursor.execute("UPDATE resep_obat SET tgl_perawatan = %s, jam = %s "
                                 "WHERE no_resep = %s", (now.date(), now.time(), visit.resep))
        elif step == "serah":
            await cursor.execute("UPDATE resep_obat SET tgl_penyerahan = %s, jam_penyerahan = %s "
                                 "WHERE no_resep = %s", (now.date(), now.time(), visit.resep))
        self.counts.steps += 1
        self.counts.by_step[step] = self.counts.by_step.get(step, 0) + 1
        visit.next_at = time.monotonic() + STEP_GAP
        if not visit.steps:
            self.open.remove(visit)

    async def _cancel(self, cursor: aiomysql.Cursor, visit: Visit) -> None:
        now = self.now()
        await cursor.execute("UPDATE referensi_mobilejkn_bpjs SET status = 'Batal', validasi = %s"
                             " WHERE nobooking = %s", (now, visit.nobooking))
        await cursor.execute(
            "INSERT INTO referensi_mobilejkn_bpjs_batal (no_rkm_medis, no_rawat_batal, "
            "nomorreferensi, tanggalbatal, keterangan, statuskirim, nobooking) SELECT norm, "
            "no_rawat, nomorreferensi, %s, 'Dibatalkan pasien melalui Mobile JKN (demo)', "
            "'Belum', nobooking FROM referensi_mobilejkn_bpjs WHERE nobooking = %s",
            (now, visit.nobooking))
        await cursor.execute("UPDATE reg_periksa SET stts = 'Batal' WHERE no_rawat = %s",
                             (visit.no_rawat,))
        self.open.remove(visit)
        self.counts.cancellations += 1

    async def _bed(self, cursor: aiomysql.Cursor) -> None:
        await cursor.execute("SELECT kd_kamar FROM kamar WHERE statusdata = '1'")
        rooms = [r[0] for r in await cursor.fetchall()]
        if rooms:
            await cursor.execute("UPDATE kamar SET status = %s WHERE kd_kamar = %s",
                                 (self.random.choice(BED_STATES), self.random.choice(rooms)))
            self.counts.beds += 1
