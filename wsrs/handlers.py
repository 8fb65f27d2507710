"""The endpoints: validate the body, call the Khanza reader or writer, shape the answer.

Each handler returns ``(code, message, response)``; a refusal is raised as
``Refused`` by the writers and turned into the envelope by ``app.py``. Dates are
compared with the hospital's today (``Service.now``), never the host's.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.keys import BPJS_BOOKING, SIRS_ANTRIAN, booking_job_id
from core.khanza import antrean, farmasi, operasi
from core.khanza.snapshot import epoch_ms
from core.khanza.writes import checkin as visits
from core.khanza.writes.patients import NewPatient, register_patient
from core.khanza.writes.refusal import Refused
from core.khanza.writes.registration import KETERANGAN, BookingRequest, book
from core.khanza.writes.schedule import find_schedule
from core.masking import mask
from core.queue import enqueue
from wsrs.app import Answer, Handler, Service
from wsrs.models import (
    Ambil,
    Batal,
    Checkin,
    Kodebooking,
    OperasiPasien,
    OperasiRs,
    PasienBaru,
    Status,
    first_message,
)

__all__ = ["HANDLERS", "nudge"]

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
OK = "Ok"


def _parse(model: type[M], body: dict[str, Any]) -> M:
    try:
        return model(**body)
    except ValidationError as exc:
        raise Refused(first_message(exc), reason=f"invalid {exc.errors()[0]['loc'][0]}") from None


async def nudge(service: Service, kodebooking: str) -> None:
    """Queue the booking's jobs so BPJS hears of it now, not at the next producer cycle.

    A Redis outage must not undo a booking that is committed: the producer finds it anyway.
    """
    if service.queue is None:
        return
    try:
        for function in (BPJS_BOOKING, SIRS_ANTRIAN):
            await enqueue(service.queue, function, kodebooking,
                          job_id=booking_job_id(function, kodebooking))
    except (OSError, ConnectionError) as exc:
        logger.warning("booking %s saved, but could not be queued (%s); the producer will "
                       "find it", kodebooking, exc)


def _kd_pj(service: Service) -> str:
    """The payer written on a JKN registration: the first of ``SIMRS_BRIDGE_BPJS_PAYERS``."""
    return next(p.strip() for p in service.settings.bpjs_payers.split(",") if p.strip())


async def statusantrean(service: Service, body: dict[str, Any]) -> Answer:
    req = _parse(Status, body)
    now = service.now()
    if req.tanggalperiksa < now.date():
        raise Refused("Tanggal Periksa tidak berlaku", reason="mundur")
    async with service.khanza.acquire() as conn:
        schedule = await find_schedule(conn, req.kodepoli, req.kodedokter, req.tanggalperiksa,
                                       req.jampraktek)
        figures = await antrean.day_figures(conn, schedule.kd_dokter, schedule.kd_poli,
                                            req.tanggalperiksa)
    sisa = max(schedule.kuota - figures.total, 0)
    panggil = "" if figures.next_reg is None else f"{schedule.kd_poli}-{figures.next_reg:03d}"
    return 200, OK, {
        "namapoli": schedule.nm_poli, "namadokter": schedule.nm_dokter,
        "totalantrean": figures.total, "sisaantrean": figures.waiting,
        "antreanpanggil": panggil, "sisakuotajkn": sisa, "kuotajkn": schedule.kuota,
        "sisakuotanonjkn": sisa, "kuotanonjkn": schedule.kuota, "keterangan": "",
    }


async def ambilantrean(service: Service, body: dict[str, Any]) -> Answer:
    req = _parse(Ambil, body)
    now = service.now()
    if req.tanggalperiksa < now.date():
        raise Refused("Tanggal Periksa Tidak Berlaku Mundur", reason="mundur")
    settings = service.settings
    booked = await book(
        service.khanza,
        BookingRequest(
            nomorkartu=req.nomorkartu, nik=req.nik, nohp=req.nohp, kodepoli=req.kodepoli,
            norm=req.norm, tanggalperiksa=req.tanggalperiksa, kodedokter=req.kodedokter,
            jampraktek=req.jampraktek, jeniskunjungan=req.jeniskunjungan,
            nomorreferensi=req.nomorreferensi,
        ),
        now, kd_pj=_kd_pj(service), minutes_per_patient=settings.wsrs_minutes_per_patient,
        zone=settings.zone,
    )
    logger.info("booked %s: %s for patient %s", booked.kodebooking, booked.nomorantrean,
                mask(booked.norm))
    await nudge(service, booked.kodebooking)
    return 200, OK, {
        "nomorantrean": booked.nomorantrean, "angkaantrean": booked.angkaantrean,
        "kodebooking": booked.kodebooking, "pasienbaru": booked.pasienbaru,
        "norm": booked.norm, "namapoli": booked.namapoli, "namadokter": booked.namadokter,
        "estimasidilayani": booked.estimasidilayani, "sisakuotajkn": booked.sisakuota,
        "kuotajkn": booked.kuota, "sisakuotanonjkn": booked.sisakuota,
        "kuotanonjkn": booked.kuota, "keterangan": KETERANGAN,
    }


async def sisaantrean(service: Service, body: dict[str, Any]) -> Answer:
    req = _parse(Kodebooking, body)
    async with service.khanza.acquire() as conn:
        row = await antrean.booking(conn, req.kodebooking)
        if row is None or row["status"] == "Gagal":
            raise Refused("Data Booking tidak ditemukan", reason="booking tidak ada")
        if row["status"] == "Batal":
            raise Refused("Data booking sudah dibatalkan", reason="sudah batal")
        if row["status"] == "Belum":
            raise Refused("Anda belum melakukan checkin, Silahkan checkin terlebih dahulu",
                          reason="belum checkin")
        if row["no_reg"] is None or not str(row["no_reg"]).strip().isdigit():
            raise Refused("Antrean Tidak Ditemukan !", reason="antrean tidak ada")
        mine = int(str(row["no_reg"]).strip())
        figures = await antrean.day_figures(conn, row["kd_dokter"], row["kd_poli"],
                                            row["tanggalperiksa"], upto=mine)
    minutes = service.settings.wsrs_minutes_per_patient
    panggil = "" if figures.next_reg is None else f"{row['kd_poli']}-{figures.next_reg:03d}"
    return 200, OK, {
        "nomorantrean": row["nomorantrean"], "namapoli": row["nm_poli_bpjs"] or "",
        "namadokter": row["nm_dokter_bpjs"] or "", "sisaantrean": figures.ahead,
        "antreanpanggil": panggil,
        "waktutunggu": max(figures.ahead - 1, 0) * minutes * 60,  # seconds (catalog S1)
        "keterangan": "",
    }


async def checkinantrean(service: Service, body: dict[str, Any]) -> Answer:
    req = _parse(Checkin, body)
    zone = service.settings.zone
    try:
        waktu = datetime.fromtimestamp(req.waktu / 1000, zone).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise Refused("Format Waktu Checkin tidak sesuai", reason="invalid waktu") from None
    changed = await visits.check_in(service.khanza, req.kodebooking, waktu, service.now())
    await nudge(service, changed.kodebooking)
    return 200, OK, None


async def batalantrean(service: Service, body: dict[str, Any]) -> Answer:
    req = _parse(Batal, body)
    changed = await visits.cancel(service.khanza, req.kodebooking, req.keterangan,
                                  service.now())
    await nudge(service, changed.kodebooking)
    return 200, OK, None


async def pasienbaru(service: Service, body: dict[str, Any]) -> Answer:
    req = _parse(PasienBaru, body)
    norm = await register_patient(service.khanza, NewPatient(
        nomorkartu=req.nomorkartu, nik=req.nik, nama=req.nama, jeniskelamin=req.jeniskelamin,
        tanggallahir=req.tanggallahir, nohp=req.nohp, alamat=req.alamat,
        namaprop=req.namaprop, namadati2=req.namadati2, namakec=req.namakec,
        namakel=req.namakel), service.now(), _kd_pj(service))
    logger.info("new patient %s registered for Mobile JKN", mask(norm))
    return 200, "Harap datang ke admisi untuk melengkapi data rekam medis", {"norm": norm}


async def _pharmacy(service: Service, body: dict[str, Any]) -> farmasi.PharmacyPlace:
    req = _parse(Kodebooking, body)
    async with service.khanza.acquire() as conn:
        place = await farmasi.pharmacy_place(conn, req.kodebooking)
    if isinstance(place, str):
        raise Refused(place, reason=place)
    return place


async def ambilantreanfarmasi(service: Service, body: dict[str, Any]) -> Answer:
    place = await _pharmacy(service, body)
    return 200, OK, {"jenisresep": place.jenisresep, "nomorantrean": place.nomorantrean,
                     "keterangan": ""}


async def statusantreanfarmasi(service: Service, body: dict[str, Any]) -> Answer:
    place = await _pharmacy(service, body)
    return 200, OK, {"jenisresep": place.jenisresep, "totalantrean": place.total,
                     "sisaantrean": place.waiting, "antreanpanggil": place.called,
                     "keterangan": ""}


async def jadwaloperasirs(service: Service, body: dict[str, Any]) -> Answer:
    req = _parse(OperasiRs, body)
    now = service.now()
    if req.tanggalawal < now.date():
        raise Refused("Tanggal Awal tidak berlaku mundur", reason="mundur")
    if req.tanggalakhir < now.date():
        raise Refused("Tanggal Akhir tidak berlaku mundur", reason="mundur")
    if req.tanggalawal > req.tanggalakhir:
        raise Refused("Format tanggal awal harus lebih kecil dari tanggal akhir",
                      reason="urutan tanggal")
    async with service.khanza.acquire() as conn:
        items = await operasi.surgeries(conn, between=(req.tanggalawal, req.tanggalakhir),
                                        lastupdate=epoch_ms(now, service.settings.zone))
    if not items:
        raise Refused("Maaf tidak ada Jadwal Operasi pada tanggal tersebut", reason="kosong")
    return 200, OK, {"list": items}


async def jadwaloperasipasien(service: Service, body: dict[str, Any]) -> Answer:
    req = _parse(OperasiPasien, body)
    async with service.khanza.acquire() as conn:
        items = await operasi.surgeries(conn, nopeserta=req.nopeserta,
                                        lastupdate=epoch_ms(service.now(),
                                                            service.settings.zone))
    if not items:
        raise Refused("Maaf anda tidak memiliki jadwal operasi", reason="kosong")
    return 200, OK, {"list": items}


HANDLERS: dict[str, Handler] = {
    "jadwaloperasirs": jadwaloperasirs,
    "jadwaloperasipasien": jadwaloperasipasien,
    "ambilantreanfarmasi": ambilantreanfarmasi,
    "statusantreanfarmasi": statusantreanfarmasi,
    "pasienbaru": pasienbaru,
    "statusantrean": statusantrean,
    "ambilantrean": ambilantrean,
    "sisaantrean": sisaantrean,
    "batalantrean": batalantrean,
    "checkinantrean": checkinantrean,
}
