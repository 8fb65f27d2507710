"""A fake BPJS Antrean RS server: the documented behaviour, on loopback.

It checks the gateway headers (consid, user_key, HMAC signature, timestamp
within a skew window), encrypts every ``response`` with the request's own
``X-timestamp`` exactly like BPJS, and keeps bookings and tasks in memory to
enforce the rules public clients report (reference §3-4): duplicate booking
(208), duplicate task (208), unknown kodebooking, task order by patient type,
strictly increasing times, times on the service date, nothing after task 99.

Message texts are the literal strings public clients branch on. Where no
public text exists (gateway refusals, missing fields, farmasi duplicates,
unknown participants) the text is a plausible guess, marked ``(guess)``; the
daemon must rely on ``worker.bpjs.outcomes`` patterns, not on these guesses.

``python -m sandbox.fake_bpjs --port 8181`` runs it for the demo; tests use
``create_app`` and inspect ``FakeBpjsState`` directly or via ``/_fake/``.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from sandbox import faults
from worker.bpjs import crypto
from worker.settings import Settings

__all__ = ["CONFIG_KEY", "STATE_KEY", "Booking", "FakeBpjsConfig", "FakeBpjsState", "RunningFake",
           "Task", "create_app", "main", "running"]

logger = logging.getLogger(__name__)

Answer = tuple[int, str, Any]  # metadata code, message, response (None = metadata only)
OK: Answer = (200, "Ok", None)
NO_CONTENT: Answer = (204, "No Content", None)

# Seen with code "404" on another apijkn service (reference §4); the real text for a bad
# signature or a stale timestamp is not public, so every gateway refusal uses it (guess).
UNREGISTERED = "Unauthorized! You are not registered for this service!"
NOT_FOUND = "Kode Booking tidak ditemukan"
BAD_DATE = "Format Tanggal Tidak Sesuai, format yang benar adalah yyyy-mm-dd"

TASK_NAMES = {
    1: "mulai waktu tunggu admisi",
    2: "akhir waktu tunggu admisi/mulai waktu layan admisi",
    3: "akhir waktu layan admisi/mulai waktu tunggu poli",
    4: "akhir waktu tunggu poli/mulai waktu layan poli",
    5: "akhir waktu layan poli/mulai waktu tunggu farmasi",
    6: "akhir waktu tunggu farmasi/mulai waktu layan farmasi membuat obat",
    7: "akhir waktu obat selesai dibuat",
    99: "tidak hadir/batal",
}
HARI = ("", "SENIN", "SELASA", "RABU", "KAMIS", "JUMAT", "SABTU", "MINGGU")
ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
               "Asia/Jayapura": "WIT"}
ADD_FIELDS = ("kodebooking", "jenispasien", "nomorkartu", "nik", "nohp", "kodepoli", "namapoli",
              "pasienbaru", "norm", "tanggalperiksa", "kodedokter", "namadokter", "jampraktek",
              "jeniskunjungan", "nomorreferensi", "nomorantrean", "angkaantrean",
              "estimasidilayani", "sisakuotajkn", "kuotajkn", "sisakuotanonjkn", "kuotanonjkn",
              "keterangan")


def _default_poli() -> list[dict[str, Any]]:
    # Matches maping_poli_bpjs / maping_dokter_dpjpvclaim of the sample Khanza data.
    return [
        {"kdpoli": "INT", "nmpoli": "PENYAKIT DALAM", "kdsubspesialis": "INT",
         "nmsubspesialis": "PENYAKIT DALAM"},
        {"kdpoli": "ANA", "nmpoli": "ANAK", "kdsubspesialis": "ANA", "nmsubspesialis": "ANAK"},
    ]


def _default_dokter() -> list[dict[str, Any]]:
    return [{"kodedokter": 99901, "namadokter": "dr. CONTOH SATU, Sp.PD"},
            {"kodedokter": 99902, "namadokter": "dr. CONTOH DUA, Sp.A"}]


def _default_jadwal() -> list[dict[str, Any]]:
    rows = []
    for hari in range(1, 7):
        rows.append({"kodepoli": "INT", "namapoli": "PENYAKIT DALAM", "kodesubspesialis": "INT",
                     "namasubspesialis": "PENYAKIT DALAM", "kodedokter": 99901,
                     "namadokter": "dr. CONTOH SATU, Sp.PD", "hari": hari,
                     "jadwal": "08:00-12:00", "kapasitaspasien": 30, "libur": 0})
        rows.append({"kodepoli": "ANA", "namapoli": "ANAK", "kodesubspesialis": "ANA",
                     "namasubspesialis": "ANAK", "kodedokter": 99902,
                     "namadokter": "dr. CONTOH DUA, Sp.A", "hari": hari,
                     "jadwal": "09:00-13:00", "kapasitaspasien": 20, "libur": 0})
    return rows


@dataclass
class FakeBpjsConfig:
    consid: str = "1234"
    secret: str = "sandbox-secret"  # noqa: S105 - the sandbox default of Settings
    user_key: str = "sandbox-user-key"
    timezone: str = "Asia/Jakarta"
    skew_seconds: float = 300.0
    base_path: str = "/antreanrs"
    kdppk: str = "0000R001"
    nmppk: str = "RS SANDBOX"
    poli: list[dict[str, Any]] = field(default_factory=_default_poli)
    poli_fp: list[dict[str, Any]] = field(default_factory=list)  # dev answered "No Content"
    dokter: list[dict[str, Any]] = field(default_factory=_default_dokter)
    jadwal: list[dict[str, Any]] = field(default_factory=_default_jadwal)
    clock: Callable[[], float] = time.time
    # Encrypt responses with another secret: a key mismatch that the gateway does not catch.
    encrypt_secret: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_label(self) -> str:
        return ZONE_LABELS.get(self.timezone, self.timezone)


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


CONFIG_KEY = web.AppKey("bpjs_config", FakeBpjsConfig)
STATE_KEY = web.AppKey("bpjs_state", FakeBpjsState)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _envelope(code: int | str, message: str, response: Any = None) -> web.Response:
    body: dict[str, Any] = {"metadata": {"code": code, "message": message}}
    if response is not None:
        body["response"] = response
    return web.json_response(body)


def _reply(request: web.Request, answer: Answer, *, plain: bool = False) -> web.Response:
    code, message, data = answer
    if data is None or plain:
        return _envelope(code, message, data)
    config = request.app[CONFIG_KEY]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    secret = config.encrypt_secret or config.secret
    return _envelope(code, message, crypto.encrypt(config.consid, secret,
                                                   request.headers["X-timestamp"], text))


def _refusal(request: web.Request) -> str | None:
    """Why the gateway would refuse this request, or None (logged, never sent back)."""
    config, headers = request.app[CONFIG_KEY], request.headers
    if headers.get("X-cons-id") != config.consid:
        return "unknown X-cons-id"
    if not hmac.compare_digest(headers.get("user_key", ""), config.user_key):
        return "wrong user_key"
    stamp = headers.get("X-timestamp", "")
    if not stamp.isdigit() or abs(config.clock() - int(stamp)) > config.skew_seconds:
        return f"X-timestamp {stamp!r} outside the ±{config.skew_seconds:g} s window"
    expected = crypto.signature(config.consid, config.secret, stamp)
    if not hmac.compare_digest(headers.get("X-signature", ""), expected):
        return "signature mismatch"
    return None


@web.middleware
async def _gateway(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/_fake/"):
        return await handler(request)
    reason = _refusal(request)
    if reason is not None:
        logger.info("fake bpjs refuses %s %s: %s", request.method, request.path, reason)
        return _envelope("404", UNREGISTERED)
    return await handler(request)


async def _body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json(loads=json.loads)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _post(method: Callable[[FakeBpjsState, dict[str, Any]], Answer]) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        if body is None:
            return _envelope(201, "Format request tidak valid")  # (guess)
        return _reply(request, method(request.app[STATE_KEY], body))
    return handle


def _get(method: Callable[[FakeBpjsState, dict[str, str]], Answer], plain: bool = False
         ) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        answer = method(request.app[STATE_KEY], dict(request.match_info))
        return _reply(request, answer, plain=plain)
    return handle


def _listing(rows: list[dict[str, Any]], code: int = 1) -> Answer:
    return (code, "Ok", rows) if rows else NO_CONTENT


def _dashboard(s: FakeBpjsState, m: dict[str, str]) -> Answer:
    if "tanggal" in m:
        tanggal = m["tanggal"]
        if _date(tanggal) is None:
            return 201, BAD_DATE, None
        return 200, "Ok", s.dashboard(lambda t: t == tanggal, m["waktu"] == "server")
    prefix = f"{m['tahun']}-{m['bulan'].zfill(2)}-"
    return 200, "Ok", s.dashboard(lambda t: t.startswith(prefix), m["waktu"] == "server")


def _per_jadwal(s: FakeBpjsState, m: dict[str, str]) -> Answer:
    def keep(b: Booking) -> bool:
        day = _date(b.body["tanggalperiksa"])
        return (b.body["kodepoli"] == m["kodepoli"] and str(b.body["kodedokter"])
                == m["kodedokter"] and day is not None and str(day.isoweekday()) == m["hari"]
                and b.body["jampraktek"] == m["jampraktek"])
    return s.pendaftaran(keep)


async def _fake_bookings(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    return web.json_response([b.snapshot() for b in state.bookings.values()])


async def _fake_booking(request: web.Request) -> web.Response:
    booking = request.app[STATE_KEY].bookings.get(request.match_info["kodebooking"])
    if booking is None:
        return web.json_response({"error": "no such booking"}, status=404)
    return web.json_response(booking.snapshot())


async def _fake_reset(request: web.Request) -> web.Response:
    request.app[STATE_KEY].reset()
    return web.json_response({"reset": True})


def create_app(config: FakeBpjsConfig | None = None) -> web.Application:
    """The fake as an aiohttp app, fault injection included (``sandbox.faults``)."""
    config = config or FakeBpjsConfig()
    app = web.Application()
    faults.install(app)  # outermost: faults happen before the gateway, like a proxy's
    app.middlewares.append(_gateway)
    app[CONFIG_KEY] = config
    app[STATE_KEY] = FakeBpjsState(config)
    p = config.base_path.rstrip("/")
    pend = f"{p}/antrean/pendaftaran"
    dash = f"{p}/dashboard/waktutunggu"
    app.router.add_get(f"{p}/ref/poli", _get(lambda s, m: _listing(s.config.poli)))
    app.router.add_get(f"{p}/ref/dokter", _get(lambda s, m: _listing(s.config.dokter)))
    app.router.add_get(f"{p}/ref/poli/fp", _get(lambda s, m: _listing(s.config.poli_fp)))
    app.router.add_get(f"{p}/ref/pasien/fp/identitas/{{jenis}}/noidentitas/{{nomor}}",
                       _get(lambda s, m: s.pasien_fp(m["jenis"], m["nomor"])))
    app.router.add_get(f"{p}/jadwaldokter/kodepoli/{{kodepoli}}/tanggal/{{tanggal}}",
                       _get(lambda s, m: s.jadwal(m["kodepoli"], m["tanggal"])))
    app.router.add_post(f"{p}/jadwaldokter/updatejadwaldokter", _post(FakeBpjsState.update_jadwal))
    app.router.add_post(f"{p}/antrean/add", _post(FakeBpjsState.add))
    app.router.add_post(f"{p}/antrean/farmasi/add", _post(FakeBpjsState.farmasi_add))
    app.router.add_post(f"{p}/antrean/updatewaktu", _post(FakeBpjsState.update_waktu))
    app.router.add_post(f"{p}/antrean/batal", _post(FakeBpjsState.batal))
    app.router.add_post(f"{p}/antrean/getlisttask",
                        _post(lambda s, b: s.list_tasks(str(b.get("kodebooking")))))
    app.router.add_get(f"{dash}/tanggal/{{tanggal}}/waktu/{{waktu:rs|server}}",
                       _get(_dashboard, plain=True))
    app.router.add_get(f"{dash}/bulan/{{bulan:\\d{{1,2}}}}/tahun/{{tahun:\\d{{4}}}}/waktu/"
                       "{waktu:rs|server}", _get(_dashboard, plain=True))
    app.router.add_get(f"{pend}/tanggal/{{tanggal}}", _get(
        lambda s, m: s.pendaftaran(lambda b: b.body["tanggalperiksa"] == m["tanggal"])))
    app.router.add_get(f"{pend}/kodebooking/{{kodebooking}}", _get(
        lambda s, m: s.pendaftaran(lambda b: b.kodebooking == m["kodebooking"])))
    app.router.add_get(f"{pend}/aktif", _get(lambda s, m: s.pendaftaran(s.aktif)))
    app.router.add_get(f"{pend}/kodepoli/{{kodepoli}}/kodedokter/{{kodedokter}}/hari/{{hari}}"
                       "/jampraktek/{jampraktek}", _get(_per_jadwal))
    app.router.add_get("/_fake/bookings", _fake_bookings)
    app.router.add_get("/_fake/bookings/{kodebooking}", _fake_booking)
    app.router.add_delete("/_fake/state", _fake_reset)
    return app


@dataclass(frozen=True)
class RunningFake:
    """A started fake: ``base_url`` is what ``SIMRS_BRIDGE_BPJS_BASE_URL`` should be."""

    root_url: str
    base_url: str
    app: web.Application
    state: FakeBpjsState
    config: FakeBpjsConfig


@asynccontextmanager
async def running(
    config: FakeBpjsConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[RunningFake]:
    """Serve the fake on ``host:port`` (0 = a free port) for the duration of the block."""
    app = create_app(config)
    runner, root = await faults.serve(app, host, port)
    try:
        cfg = app[CONFIG_KEY]
        yield RunningFake(root, root + cfg.base_path.rstrip("/"), app, app[STATE_KEY], cfg)
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    defaults = Settings.model_fields
    parser = argparse.ArgumentParser(prog="python -m sandbox.fake_bpjs",
                                     description="Fake BPJS Antrean RS server on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8181)
    parser.add_argument("--consid", default=defaults["bpjs_cons_id"].default)
    parser.add_argument("--secret", default=defaults["bpjs_secret"].default.get_secret_value())
    parser.add_argument("--user-key",
                        default=defaults["bpjs_user_key"].default.get_secret_value())
    parser.add_argument("--timezone", default=defaults["timezone"].default)
    parser.add_argument("--skew", type=float, default=300.0, help="clock-skew window, seconds")
    parser.add_argument("--base-path", default="/antreanrs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    config = FakeBpjsConfig(consid=args.consid, secret=args.secret, user_key=args.user_key,
                            timezone=args.timezone, skew_seconds=args.skew,
                            base_path=args.base_path)
    print(f"fake BPJS Antrean RS on http://{args.host}:{args.port}{args.base_path}", flush=True)
    web.run_app(create_app(config), host=args.host, port=args.port, access_log=None,
                print=None)


if __name__ == "__main__":
    main()
