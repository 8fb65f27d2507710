"""The domain of the fake: bookings and tasks as BPJS holds them, and the rules it enforces.

Kept free of HTTP so tests (and ``sandbox.sample_day``) can drive and inspect
it directly; every method returns an ``Answer`` the app turns into an envelope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sandbox.fake_bpjs.config import (
    ADD_FIELDS,
    BAD_DATE,
    HARI,
    NO_CONTENT,
    NOT_FOUND,
    OK,
    TASK_NAMES,
    Answer,
    FakeBpjsConfig,
)

__all__ = ["Booking", "FakeBpjsState", "Task"]


@dataclass
class Task:
    taskid: int
    waktu: int  # epoch ms the hospital sent
    received: int  # epoch ms the fake stored it ("wakturs")
    jenisresep: str | None = None


@dataclass
class Booking:
    body: dict[str, Any]
    created: int  # epoch ms
    tasks: dict[int, Task] = field(default_factory=dict)
    farmasi: dict[str, Any] | None = None
    batal: str | None = None  # keterangan of antrean/batal

    @property
    def kodebooking(self) -> str:
        return str(self.body["kodebooking"])

    @property
    def status(self) -> str:
        if self.batal is not None or 99 in self.tasks:
            return "Batal"
        if 5 in self.tasks:
            return "Selesai dilayani"
        return "Sedang dilayani" if 4 in self.tasks else "Belum dilayani"

    def snapshot(self) -> dict[str, Any]:
        tasks = [vars(t).copy() for t in sorted(self.tasks.values(), key=lambda t: t.taskid)]
        return {"kodebooking": self.kodebooking, "status": self.status, "body": self.body,
                "created": self.created, "tasks": tasks, "farmasi": self.farmasi,
                "batal": self.batal}


def _int(value: Any) -> int | None:
    """A JSON number or a numeric string (Khanza sends taskid and waktu as strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


class FakeBpjsState:
    """Bookings and tasks as BPJS would hold them; every method returns an ``Answer``."""

    def __init__(self, config: FakeBpjsConfig) -> None:
        self.config = config
        self.bookings: dict[str, Booking] = {}
        self.jadwal_updates: list[dict[str, Any]] = []

    def reset(self) -> None:
        self.bookings.clear()
        self.jadwal_updates.clear()

    def _now_ms(self) -> int:
        return int(self.config.clock() * 1000)

    def _local(self, ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, self.config.zone)

    def _text(self, ms: int, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
        return f"{self._local(ms).strftime(fmt)} {self.config.zone_label}"

    def add(self, body: dict[str, Any]) -> Answer:
        for name in ADD_FIELDS:
            if body.get(name) is None:
                return 201, f"{name} tidak boleh kosong", None  # (guess)
        if body["jenispasien"] not in ("JKN", "NON JKN"):
            return 201, "jenispasien tidak valid, isi JKN atau NON JKN", None  # (guess)
        if body["jenispasien"] == "JKN":
            for name, digits in (("nomorkartu", 13), ("nik", 16)):
                value = str(body[name])
                if not (value.isdigit() and len(value) == digits):
                    return 201, f"{name} tidak valid, harus {digits} digit", None  # (guess)
            if str(body["nomorreferensi"]).strip() in ("", "-"):
                return 201, "Rujukan tidak valid", None
        if _date(body["tanggalperiksa"]) is None:
            return 201, BAD_DATE, None
        if _int(body["pasienbaru"]) not in (0, 1) or _int(body["jeniskunjungan"]) not in (1, 2,
                                                                                           3, 4):
            return 201, "pasienbaru atau jeniskunjungan tidak valid", None  # (guess)
        if str(body["kodebooking"]) in self.bookings:
            return 208, "Terdapat duplikasi Kode Booking", None
        self.bookings[str(body["kodebooking"])] = Booking(dict(body), self._now_ms())
        return OK

    def seed(
        self, body: dict[str, Any], tasks: dict[int, int] | None = None, *,
        batal: str | None = None, received: int | None = None,
    ) -> Booking:
        """Hold a booking as if BPJS had accepted it before, no rules checked.

        For tests and the demo: a partial history (tasks Khanza's sender marked sent
        that never arrived), a task at another time than Khanza's, a booking Khanza
        lacks. ``tasks`` maps taskid to the epoch ms BPJS holds; ``received`` is the
        "wakturs" of each (default: now).
        """
        at = self._now_ms() if received is None else received
        booking = Booking(dict(body), at, batal=batal)
        for taskid, waktu in (tasks or {}).items():
            booking.tasks[int(taskid)] = Task(int(taskid), int(waktu), at)
        self.bookings[booking.kodebooking] = booking
        return booking

    def update_waktu(self, body: dict[str, Any]) -> Answer:
        taskid, waktu = _int(body.get("taskid")), _int(body.get("waktu"))
        if taskid not in TASK_NAMES or waktu is None:
            return 201, "taskid atau waktu tidak valid", None  # (guess)
        booking = self.bookings.get(str(body.get("kodebooking")))
        if booking is None:
            return 201, NOT_FOUND, None
        if taskid in booking.tasks:
            return 208, f"TaskId={taskid} sudah ada", None
        if 99 in booking.tasks:
            return 201, "TaskId terakhir 99", None
        new_patient = _int(booking.body.get("pasienbaru")) == 1
        previous = taskid - 1 if 1 < taskid < 99 and (taskid != 3 or new_patient) else None
        if previous is not None and previous not in booking.tasks:
            return 201, f"TaskId={taskid} tidak valid / TaskId sebelumnya belum terkirim", None
        day = self._local(waktu).date().isoformat()
        if day != booking.body["tanggalperiksa"]:
            return 201, (f"Waktu tidak valid ({self._text(waktu)}). Tanggal pelayanan untuk "
                         f"Kode Booking tersebut adalah ({booking.body['tanggalperiksa']})"), None
        earlier = [t for t in booking.tasks.values() if t.taskid < taskid]
        if earlier:
            last = max(earlier, key=lambda t: t.taskid)
            if waktu <= last.waktu:
                return 201, (f"waktu TaskId={taskid} tidak boleh kurang atau sama dengan waktu "
                             f"sebelumnya ({self._text(last.waktu)})"), None
        later = [t for t in booking.tasks.values() if taskid < t.taskid < 99]
        if later:
            following = min(later, key=lambda t: t.taskid)
            if waktu >= following.waktu:
                return 201, (f"waktu TaskId={taskid} tidak boleh lebih besar dari pada "
                             f"TaskId={following.taskid} ({self._text(following.waktu)})"), None
        jenisresep = body.get("jenisresep")
        booking.tasks[taskid] = Task(taskid, waktu, self._now_ms(),
                                     str(jenisresep) if jenisresep is not None else None)
        return OK

    def batal(self, body: dict[str, Any]) -> Answer:
        booking = self.bookings.get(str(body.get("kodebooking")))
        if booking is None:
            return 201, NOT_FOUND, None
        # A repeated batal answers Ok: no public text for it exists (guess).
        booking.batal = str(body.get("keterangan") or "")
        return OK

    def farmasi_add(self, body: dict[str, Any]) -> Answer:
        booking = self.bookings.get(str(body.get("kodebooking")))
        if booking is None:
            return 201, NOT_FOUND, None
        if str(body.get("jenisresep", "")).lower() not in ("racikan", "non racikan"):
            return 201, "jenisresep tidak valid", None  # (guess)
        if _int(body.get("nomorantrean")) is None:
            return 201, "nomorantrean tidak valid", None  # (guess)
        if booking.farmasi is not None:
            return 208, f"Antrean farmasi Kode Booking {booking.kodebooking} sudah ada", None
        booking.farmasi = dict(body)
        return OK

    def list_tasks(self, kodebooking: str) -> Answer:
        booking = self.bookings.get(kodebooking)
        if booking is None:
            return 201, NOT_FOUND, None
        fmt = "%d-%m-%Y %H:%M:%S"
        return 200, "Ok", [
            {"kodebooking": kodebooking, "taskid": t.taskid, "taskname": TASK_NAMES[t.taskid],
             "waktu": self._text(t.waktu, fmt), "wakturs": self._text(t.received, fmt)}
            for t in sorted(booking.tasks.values(), key=lambda t: t.taskid)]

    def pendaftaran(self, keep: Callable[[Booking], bool]) -> Answer:
        rows = []
        for b in self.bookings.values():
            if not keep(b):
                continue
            p = b.body
            rows.append({
                "kodebooking": b.kodebooking, "tanggal": p["tanggalperiksa"],
                "kodepoli": p["kodepoli"], "kodedokter": p["kodedokter"],
                "jampraktek": p["jampraktek"], "nik": p["nik"], "nokapst": p["nomorkartu"],
                "nohp": p["nohp"], "norekammedis": p["norm"],
                "jeniskunjungan": p["jeniskunjungan"], "nomorreferensi": p["nomorreferensi"],
                "sumberdata": "Bridging Antrean", "ispeserta": int(p["jenispasien"] == "JKN"),
                "noantrean": p["nomorantrean"], "estimasidilayani": p["estimasidilayani"],
                "createdtime": b.created, "status": b.status})
        return (200, "Ok", rows) if rows else NO_CONTENT

    def aktif(self, b: Booking) -> bool:
        today = self._local(self._now_ms()).date().isoformat()
        return b.status in ("Belum dilayani", "Sedang dilayani") and (
            b.body["tanggalperiksa"] >= today)

    def dashboard(self, keep: Callable[[str], bool], server_times: bool) -> dict[str, Any]:
        groups: dict[tuple[str, str], list[Booking]] = {}
        for b in self.bookings.values():
            if keep(b.body["tanggalperiksa"]):
                groups.setdefault((b.body["tanggalperiksa"], b.body["kodepoli"]), []).append(b)
        rows = []
        for (tanggal, kodepoli), bookings in sorted(groups.items()):
            row: dict[str, Any] = {
                "kdppk": self.config.kdppk, "nmppk": self.config.nmppk, "kodepoli": kodepoli,
                "namapoli": bookings[0].body["namapoli"], "tanggal": tanggal,
                "jumlah_antrean": len(bookings), "insertdate": self._now_ms()}
            for k in range(1, 7):
                spans = [(b.tasks[k + 1], b.tasks[k]) for b in bookings
                         if k in b.tasks and k + 1 in b.tasks]
                seconds = [((a.received - z.received) if server_times else (a.waktu - z.waktu))
                           / 1000 for a, z in spans]
                row[f"waktu_task{k}"] = sum(seconds)
                row[f"avg_waktu_task{k}"] = sum(seconds) / len(seconds) if seconds else 0
            rows.append(row)
        return {"list": rows}

    def jadwal(self, kodepoli: str, tanggal: str) -> Answer:
        day = _date(tanggal)
        if day is None:
            return 201, BAD_DATE, None
        hari = day.isoweekday()
        rows = [dict(j, namahari=HARI[hari]) for j in self.config.jadwal
                if j["hari"] == hari and kodepoli in (j["kodepoli"], j["kodesubspesialis"])]
        return (200, "Ok", rows) if rows else NO_CONTENT

    def pasien_fp(self, jenis: str, nomor: str) -> Answer:
        key = "nik" if jenis == "nik" else "nomorkartu"
        for b in self.bookings.values():
            if str(b.body.get(key)) == nomor:
                return 1, "Ok", {"nomorkartu": b.body["nomorkartu"], "nik": b.body["nik"],
                                 "tgllahir": "", "daftarfp": 0}
        return 201, "Data peserta tidak ditemukan", None  # (guess)

    def update_jadwal(self, body: dict[str, Any]) -> Answer:
        jadwal = body.get("jadwal")
        if not (body.get("kodepoli") and body.get("kodedokter") and isinstance(jadwal, list)
                and jadwal and all(isinstance(j, dict) and {"hari", "buka", "tutup"} <= set(j)
                                   for j in jadwal)):
            return 201, "Data jadwal tidak lengkap", None  # (guess)
        self.jadwal_updates.append(dict(body))
        return OK

