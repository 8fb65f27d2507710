"""A fake Kemenkes RS Online (SIRS Online V3) server for tests, benchmarks and the demo.

It reproduces what reference/sirs-online.md documents, including the awkward
parts a client must cope with: application errors inside HTTP 200, the
"Gagal Login" row whose message is itself JSON, placeholder bed rows for
unregistered types, ``id_t_tt`` assignment, "sudah ada" on a duplicate POST,
"Data id_t_tt X bagi kode rs Y tidak ditemukan" for unknown ids, a PUT without
``id_t_tt`` that answers 200 and stores nothing, date-keyed upserts with the
``x-tanggal`` filter, SHK ids and the Antrian KPI. Its field lists are written
out here from the guide on purpose, not imported from the client, so that a
misspelt field in the client is refused. Message texts the real service does
not publish are invented but contain the fragments real clients match on.

State lives in a ``FakeSirs`` object (``app[FAKE_SIRS_KEY]``) that tests read
directly; ``/_fake/...`` exposes the same over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from sandbox import faults

__all__ = [
    "FAKE_SIRS_KEY",
    "FakeSirs",
    "FakeSirsConfig",
    "RunningFakeSirs",
    "Seen",
    "create_app",
    "main",
    "start",
]

logger = logging.getLogger(__name__)

Rows = list[dict[str, Any]]
Answer = tuple[Rows, int]

TEMPAT_TIDUR = {
    "1": "VVIP/ Super VIP", "2": "VIP", "3": "Kelas I", "4": "Kelas II", "5": "Kelas III",
    "6": "ICU Tanpa Ventilator", "7": "HCU", "8": "ICCU/ICVCU Tanpa Ventilator",
    "9": "RICU Tanpa Ventilator", "10": "NICU Tanpa Ventilator", "11": "PICU Tanpa Ventilator",
    "12": "Isolasi", "14": "Perinatologi", "24": "ICU Tekanan Negatif dengan Ventilator",
    "25": "ICU Tekanan Negatif tanpa Ventilator",
    "26": "ICU Tanpa Tekanan Negatif Dengan Ventilator",
    "27": "ICU Tanpa Tekanan Negatif Tanpa Ventilator", "28": "Isolasi Tekanan Negatif",
    "29": "Isolasi Tanpa Tekanan Negatif", "30": "NICU Khusus Covid", "31": "PICU Khusus Covid",
    "32": "IGD Khusus Covid", "33": "VK (TT Observasi di R Bersalin) Khusus Covid",
    "34": "Isolasi Perinatologi Khusus Covid", "36": "VK (TT Observasi di R Bersalin) Non Covid",
    "37": "Intermediate Ward (IGD)", "38": "ICU Dengan Ventilator", "39": "NICU Dengan Ventilator",
    "40": "PICU Dengan Ventilator", "50": "RICU Dengan Ventilator",
    "51": "ICCU/ICVCU Dengan Ventilator", "52": "KRIS JKN",
}  # fmt: skip
KEBUTUHAN_SDM = {"26": "Dokter", "27": "Dokter Spesialis Paru",
                 "28": "Dokter Spesialis Penyakit Dalam", "29": "Perawat"}
KEBUTUHAN_APD = {"1": "Protection Gown", "2": "Google Glass", "3": "Sarung Tangan Panjang",
                 "16": "Masker N95"}
BED_COUNTS = ("jumlah_ruang", "jumlah", "terpakai", "terpakai_suspek", "terpakai_konfirmasi",
              "antrian", "prepare", "prepare_plan", "terpakai_dbd", "terpakai_dbd_anak",
              "jumlah_dbd")
_PCR = ("dokter_umum", "dokter_spesialis", "dokter_gigi", "residen", "perawat", "bidan",
        "apoteker", "radiografer", "analis_lab", "co_ass", "internship", "nakes_lainnya")
_NAKES = ("co_ass", "residen", "intership", "dokter_spesialis", "dokter_umum", "dokter_gigi",
          "perawat", "bidan", "apoteker", "radiografer", "analis_lab", "nakes_lainnya")
REPORT_FIELDS: dict[str, frozenset[str]] = {
    "Pasien/pcr_nakes": frozenset(
        [f"{m}_{g}" for g in _PCR for m in ("jumlah_tenaga", "sudah_periksa", "hasil_pcr")]
        + ["rekap_jumlah_tenaga", "rekap_jumlah_sudah_diperiksa", "rekap_jumlah_hasil_pcr",
           "tgllapor"]),
    "Pasien/harian_nakes_terinfeksi": frozenset(
        f"{g}{s}" for g in _NAKES for s in ("", "_meninggal", "_dirawat", "_isoman", "_sembuh")),
    "Logistik/oksigen": frozenset(
        f"{p}{t}" for p in ("p_", "k_isi_")
        for t in ("cair", "tabung_kecil", "tabung_sedang", "tabung_besar")),
}  # fmt: skip
REPORT_KINDS = {"pcr_nakes": "Pasien/pcr_nakes",
                "nakes_terinfeksi": "Pasien/harian_nakes_terinfeksi",
                "oksigen": "Logistik/oksigen"}
KEYS = {
    "Referensi/tempat_tidur": "tempat_tidur", "Referensi/kebutuhan_sdm": "kebutuhan_sdm",
    "Referensi/kebutuhan_apd": "kebutuhan_apd", "Fasyankes": "fasyankes",
    "Fasyankes/sdm": "sdm", "Fasyankes/apd": "apd", "Pasien/pcr_nakes": "PCRNakes",
    "Pasien/harian_nakes_terinfeksi": "HarianNakesTerinfeksi",
    "Logistik/oksigen": "Oksigenasi", "Pasien/shk": "shk", "Pasien/hasilShk": "shk",
    "Antrian": "antrian", "Antrian/Task": "task",
}  # fmt: skip
TASK_IDS = frozenset({1, 2, 3, 4, 5, 6, 7, 99})
NOT_FOUND_PAGE = ("<html><head><title>404 Page Not Found</title></head><body><h1>404 Page Not "
                  "Found</h1><p>The page you requested was not found.</p></body></html>")


def _jakarta_today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


@dataclass
class FakeSirsConfig:
    rs_id: str = "3404015"
    password: str = "sandbox-password"  # noqa: S105 - the sandbox default
    base_path: str = "/fo/index.php"
    accept_md5: bool = False
    # The guide says POST inserts or updates by tanggal; False makes POST refuse an
    # existing date with "sudah ada, silahkan edit dengan method PUT" (a stricter server).
    report_post_upserts: bool = True
    today: Callable[[], date] = _jakarta_today
    first_id_t_tt: int = 34452700


@dataclass(frozen=True)
class Seen:
    """One request as the fake understood it; ``x_pass`` is plain/md5/wrong, never the value."""

    method: str
    resource: str
    headers: dict[str, str]
    x_pass: str
    body: Any


class Refusal(Exception):
    """A status row other than success: (status, message)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _ok(message: str, **extra: Any) -> Answer:
    return [{"status": "200", "message": message, **extra}], 200


def _now() -> str:
    return datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m-%d %H:%M:%S")


def _count(body: dict[str, Any], name: str) -> int:
    value = body.get(name, 0)
    try:
        number = int(str(value))
    except ValueError:
        raise Refusal("400", f"Nilai {name} tidak valid") from None
    if number < 0:
        raise Refusal("400", f"Nilai {name} tidak valid")
    return number


def _tanggal(value: Any, name: str = "tanggal") -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise Refusal("400", f"Format {name} harus yyyy-mm-dd") from None


class FakeSirs:
    """The server's whole state plus the handlers that change it."""

    def __init__(self, config: FakeSirsConfig) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        self.beds: dict[str, dict[str, Any]] = {}
        self.kebutuhan: dict[str, dict[str, dict[str, Any]]] = {"sdm": {}, "apd": {}}
        self.reports: dict[str, dict[str, dict[str, Any]]] = {r: {} for r in REPORT_FIELDS}
        self.shk: dict[int, dict[str, Any]] = {}
        self.hasil_shk: dict[int, dict[str, Any]] = {}
        self.antrian: dict[str, dict[str, Any]] = {}
        self.tasks: dict[tuple[str, int], dict[str, Any]] = {}
        self.seen: list[Seen] = []
        self._next_id = self.config.first_id_t_tt
        self._next_shk = 282880
        self._next_hasil = 13400

    # --- state helpers used by tests and /_fake -------------------------------------------------

    def add_bed(self, row: dict[str, Any]) -> str:
        """Preload a bed record as if POSTed earlier; returns its id_t_tt."""
        id_t_tt = str(row.get("id_t_tt") or self._new_id())
        stored = {"id_tt": str(row["id_tt"]), "ruang": str(row["ruang"]), "id_t_tt": id_t_tt,
                  "covid": int(row.get("covid", 0)), "tglupdate": _now()}
        stored.update({name: str(_count(row, name)) for name in BED_COUNTS})
        self.beds[id_t_tt] = stored
        return id_t_tt

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def bed_rows(self) -> Rows:
        rows = []
        for row in self.beds.values():
            kosong = int(row["jumlah"]) - int(row["terpakai"])
            rows.append({**row, "tt": TEMPAT_TIDUR.get(row["id_tt"]), "kosong": str(kosong),
                         "kode_siranap": row["id_tt"].zfill(4)})
        return rows

    def check_login(self, request: web.Request) -> str | None:
        """plain / md5 when the credentials are right, None otherwise."""
        given = request.headers.get("X-pass", "")
        if request.headers.get("X-rs-id", "") != self.config.rs_id:
            return None
        if not request.headers.get("X-Timestamp", "").isdigit():
            return None
        if given == self.config.password:
            return "plain"
        md5 = hashlib.md5(self.config.password.encode(), usedforsecurity=False).hexdigest()
        if self.config.accept_md5 and given == md5:
            return "md5"
        return None

    # --- dispatch -------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        resource = request.match_info["resource"].strip("/")
        key = KEYS.get(resource)
        if key is None:
            return web.Response(status=404, text=NOT_FOUND_PAGE, content_type="text/html")
        raw = await request.read()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        form = self.check_login(request)
        headers = {k: ("<set>" if k.lower() == "x-pass" else v) for k, v in request.headers.items()}
        self.seen.append(Seen(request.method, resource, headers, form or "wrong", body))
        if form is None:
            login = json.dumps({"response": "Gagal Login"})
            return web.json_response({key: [{"status": 401, "message": login}]})
        handler = getattr(self, f"_{request.method.lower()}_{_slug(resource)}", None)
        if handler is None:
            return web.Response(status=404, text=NOT_FOUND_PAGE, content_type="text/html")
        try:
            if not isinstance(body, dict):
                raise Refusal("400", "Format JSON tidak valid")
            rows, http_status = handler(request, resource, body)
        except Refusal as exc:
            rows, http_status = [{"status": exc.status, "message": exc.message}], 200
        return web.json_response({key: rows}, status=http_status)

    # --- Referensi ------------------------------------------------------------------------------

    def _get_referensi_tempat_tidur(self, _r: web.Request, _res: str, _b: Any) -> Answer:
        return [{"kode_tt": k, "nama_tt": v} for k, v in TEMPAT_TIDUR.items()], 200

    def _get_referensi_kebutuhan_sdm(self, _r: web.Request, _res: str, _b: Any) -> Answer:
        return [{"id_kebutuhan": k, "kebutuhan": v} for k, v in KEBUTUHAN_SDM.items()], 200

    def _get_referensi_kebutuhan_apd(self, _r: web.Request, _res: str, _b: Any) -> Answer:
        return [{"id_kebutuhan": k, "kebutuhan": v} for k, v in KEBUTUHAN_APD.items()], 200

    # --- Fasyankes ------------------------------------------------------------------------------

    def _get_fasyankes(self, _r: web.Request, _res: str, _b: Any) -> Answer:
        rows = self.bed_rows()
        registered = {row["id_tt"] for row in rows}
        for kode, nama in TEMPAT_TIDUR.items():
            if kode not in registered:
                rows.append({
                    "id_tt": kode, "tt": nama, "ruang": None, "kode_siranap": kode.zfill(4),
                    **{name: None for name in BED_COUNTS}, "kosong": None, "covid": None,
                    "id_t_tt": None, "tglupdate": None,
                })  # fmt: skip
        return rows, 200

    def _bed_values(self, body: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
        merged = {**base, **{k: v for k, v in body.items() if k != "id_t_tt"}}
        ruang = merged.get("ruang")
        if not isinstance(ruang, str) or not ruang.strip():
            raise Refusal("400", "ruang harus diisi")
        if "'" in ruang:
            raise Refusal("400", "Karakter ' tidak diperbolehkan pada ruang")
        if str(merged.get("id_tt", "")) not in TEMPAT_TIDUR:
            raise Refusal("400", f"id_tt {merged.get('id_tt')} tidak terdaftar di referensi")
        counts = {name: _count(merged, name) for name in BED_COUNTS}
        covid = _count(merged, "covid")
        split = counts["terpakai_suspek"] + counts["terpakai_konfirmasi"]
        if covid == 1 and counts["terpakai"] != split:
            raise Refusal("400", "terpakai harus sama dengan terpakai_suspek + terpakai_konfirmasi")
        return {"id_tt": str(merged["id_tt"]), "ruang": ruang, "covid": covid,
                **{k: str(v) for k, v in counts.items()}}

    def _post_fasyankes(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        values = self._bed_values(body, {})
        for row in self.beds.values():
            if (row["id_tt"], row["ruang"]) == (values["id_tt"], values["ruang"]):
                return _ok(f"Data ruang {values['ruang']} dengan id_tt {values['id_tt']} sudah ada")
        id_t_tt = self._new_id()
        self.beds[id_t_tt] = {**values, "id_t_tt": id_t_tt, "tglupdate": _now()}
        return _ok("Berhasil menambah data tempat tidur", id_t_tt=id_t_tt)

    def _put_fasyankes(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        id_t_tt = str(body.get("id_t_tt") or "")
        if not id_t_tt:
            return _ok("Berhasil update data tempat tidur")  # like the real one: nothing stored
        row = self.beds.get(id_t_tt)
        if row is None:
            return _ok(self._gone(id_t_tt))
        row.update(self._bed_values(body, row), tglupdate=_now())
        return _ok("Berhasil update data tempat tidur")

    def _delete_fasyankes(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        id_t_tt = str(body.get("id_t_tt") or "")
        if not id_t_tt:
            raise Refusal("400", "id_t_tt harus diisi")
        if self.beds.pop(id_t_tt, None) is None:
            return _ok(self._gone(id_t_tt))
        return _ok("Berhasil menghapus data tempat tidur")

    def _gone(self, id_t_tt: str) -> str:
        return f"Data id_t_tt {id_t_tt} bagi kode rs {self.config.rs_id} tidak ditemukan"

    # --- Fasyankes/sdm and /apd -------------------------------------------------------------------

    def _kebutuhan(self, resource: str) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        kind = resource.rsplit("/", 1)[1]
        return (KEBUTUHAN_SDM if kind == "sdm" else KEBUTUHAN_APD), self.kebutuhan[kind]

    def _get_fasyankes_kebutuhan(self, _r: web.Request, resource: str, _b: Any) -> Answer:
        ref, stored = self._kebutuhan(resource)
        empty = dict.fromkeys(("jumlah_eksisting", "jumlah", "jumlah_diterima", "tglupdate"))
        rows = [{"id_kebutuhan": k, "kebutuhan": v, **stored.get(k, empty)} for k, v in ref.items()]
        return rows, 200

    def _write_kebutuhan(self, resource: str, body: dict[str, Any], *, new: bool) -> Answer:
        ref, stored = self._kebutuhan(resource)
        ident = str(body.get("id_kebutuhan", ""))
        if ident not in ref:
            raise Refusal("400", f"id_kebutuhan {ident} tidak terdaftar di referensi")
        if new and ident in stored:
            return _ok(f"Data id_kebutuhan {ident} sudah tersimpan, "
                       "silahkan edit dengan method PUT")
        if not new and ident not in stored:
            return _ok(f"Data id_kebutuhan {ident} belum ada di database, "
                       "silahkan gunakan method POST")
        names = ("jumlah_eksisting", "jumlah", "jumlah_diterima")
        stored[ident] = {**{n: str(_count(body, n)) for n in names}, "tglupdate": _now()}
        return _ok("Berhasil menyimpan data" if new else "Berhasil update data")

    def _post_fasyankes_kebutuhan(self, _r: web.Request, res: str, body: dict[str, Any]) -> Answer:
        return self._write_kebutuhan(res, body, new=True)

    def _put_fasyankes_kebutuhan(self, _r: web.Request, res: str, body: dict[str, Any]) -> Answer:
        return self._write_kebutuhan(res, body, new=False)

    def _delete_fasyankes_kebutuhan(self, r: web.Request, res: str, body: dict[str, Any]) -> Answer:
        _, stored = self._kebutuhan(res)
        ident = r.headers.get("Id_kebutuhan") or str(body.get("id_kebutuhan") or "")
        if not ident:
            raise Refusal("400", "Header Id_kebutuhan harus diisi")
        if stored.pop(ident, None) is None:
            return _ok(f"Data id_kebutuhan {ident} tidak ditemukan")
        return _ok("Berhasil menghapus data")

    # --- date-keyed reports ---------------------------------------------------------------------

    def _get_report(self, r: web.Request, resource: str, _b: Any) -> Answer:
        stored = self.reports[resource]
        wanted = r.headers.get("x-tanggal")
        if wanted:
            rows = [stored[d] for d in [_tanggal(wanted, "x-tanggal")] if d in stored]
        else:
            today = self.config.today()
            first = (today - timedelta(days=9)).isoformat()
            rows = [row for d, row in sorted(stored.items()) if first <= d <= today.isoformat()]
        return (rows, 200) if rows else ([{"status": "202", "message": "Data tidak tersedia"}], 200)

    def _write_report(self, resource: str, body: dict[str, Any], *, post: bool) -> Answer:
        day = _tanggal(body.get("tanggal"))
        unknown = sorted(set(body) - REPORT_FIELDS[resource] - {"tanggal"})
        if unknown:
            raise Refusal("400", f"Field tidak dikenal: {', '.join(unknown)}")
        stored = self.reports[resource]
        exists = day in stored
        if post and exists and not self.config.report_post_upserts:
            return _ok(f"Data tanggal {day} sudah ada, silahkan edit dengan method PUT")
        if not post and not exists:
            return _ok(f"Data tanggal {day} belum ada, silahkan gunakan method POST")
        stored[day] = {**body, "tanggal": day, "tglupdate": _now()}
        return _ok("Berhasil update data" if exists else "Berhasil menyimpan data")

    def _post_report(self, _r: web.Request, res: str, body: dict[str, Any]) -> Answer:
        return self._write_report(res, body, post=True)

    def _put_report(self, _r: web.Request, res: str, body: dict[str, Any]) -> Answer:
        return self._write_report(res, body, post=False)

    # --- SHK ------------------------------------------------------------------------------------

    def _get_pasien_shk(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        rows = [{**row, "id_shk": ident} for ident, row in self.shk.items()
                if (not body.get("id_shk") or int(body["id_shk"]) == ident)
                and (not body.get("tgl_ambil_sampel")
                     or row.get("tgl_ambil_sampel") == body["tgl_ambil_sampel"])]
        return (rows, 200) if rows else ([{"status": "202", "message": "Data tidak tersedia"}], 200)

    def _shk_id(self, body: dict[str, Any]) -> int:
        try:
            return int(body["id_shk"])
        except (KeyError, TypeError, ValueError):
            raise Refusal("400", "id_shk harus diisi") from None

    def _post_pasien_shk(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        if str(body.get("koders")) != self.config.rs_id:
            raise Refusal("400", "koders tidak sesuai")
        for name in ("nik_anak", "nama_anak", "tgllahir", "tgl_ambil_sampel"):
            if not body.get(name):
                raise Refusal("400", f"{name} harus diisi")
        self._next_shk += 1
        self.shk[self._next_shk] = dict(body)
        return _ok("Berhasil menyimpan data SHK", id_shk=self._next_shk)

    def _put_pasien_shk(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        ident = self._shk_id(body)
        if ident not in self.shk:
            return _ok(f"Data id_shk {ident} tidak ditemukan")
        self.shk[ident].update({k: v for k, v in body.items() if k != "id_shk"})
        return _ok("Berhasil update data SHK")

    def _delete_pasien_shk(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        ident = self._shk_id(body)
        if self.shk.pop(ident, None) is None:
            return _ok(f"Data id_shk {ident} tidak ditemukan")
        self.hasil_shk = {k: v for k, v in self.hasil_shk.items() if int(v["id_shk"]) != ident}
        return _ok("Berhasil menghapus data SHK")

    def _get_pasien_hasilshk(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        ident = self._shk_id(body)
        rows = [{**row, "id_hasil": k} for k, row in self.hasil_shk.items()
                if int(row["id_shk"]) == ident]
        return (rows, 200) if rows else ([{"status": "202", "message": "Data tidak tersedia"}], 200)

    def _post_pasien_hasilshk(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        ident = self._shk_id(body)
        if ident not in self.shk:
            return _ok(f"Data id_shk {ident} tidak ditemukan")
        self._next_hasil += 1
        self.hasil_shk[self._next_hasil] = dict(body)
        return _ok("Berhasil menyimpan hasil SHK", id_hasil=self._next_hasil, id_shk=ident)

    def _put_pasien_hasilshk(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        ident = int(body.get("id_hasil") or 0)
        if ident not in self.hasil_shk:
            return _ok(f"Data id_hasil {ident} tidak ditemukan")
        self.hasil_shk[ident].update({k: v for k, v in body.items() if k != "id_hasil"})
        return _ok("Berhasil update hasil SHK")

    def _delete_pasien_hasilshk(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        ident = int(body.get("id_hasil") or 0)
        if self.hasil_shk.pop(ident, None) is None:
            return _ok(f"Data id_hasil {ident} tidak ditemukan")
        return _ok("Berhasil menghapus hasil SHK")

    # --- Antrian and Antrian/Task ---------------------------------------------------------------

    def _kodebooking(self, body: dict[str, Any]) -> str:
        kode = str(body.get("kodebooking") or "")
        if not kode:
            raise Refusal("400", "kodebooking harus diisi")
        return kode

    def _get_antrian(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        day = _tanggal(body["tanggal"]) if body.get("tanggal") else self.config.today().isoformat()
        rows = [row for row in self.antrian.values() if row.get("tanggalperiksa") == day]
        return (rows, 200) if rows else ([{"status": "202", "message": "Data tidak tersedia"}], 200)

    def _post_antrian(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        kode = self._kodebooking(body)
        if kode in self.antrian:
            return _ok(f"Kode booking {kode} sudah ada")
        _tanggal(body.get("tanggalperiksa"), "tanggalperiksa")
        self.antrian[kode] = dict(body)
        return _ok("Berhasil menambah antrian")

    def _put_antrian(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        kode = self._kodebooking(body)
        if kode not in self.antrian:
            return _ok(f"Kode booking {kode} tidak ditemukan")
        self.antrian[kode].update(body)
        return _ok("Berhasil update antrian")

    def _delete_antrian(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        kode = self._kodebooking(body)
        if self.antrian.pop(kode, None) is None:
            return _ok(f"Kode booking {kode} tidak ditemukan")
        return _ok("Berhasil menghapus antrian")

    def _task(self, body: dict[str, Any]) -> tuple[str, int, int]:
        kode = self._kodebooking(body)
        try:
            taskid, waktu = int(body["taskid"]), int(body["waktu"])
        except (KeyError, TypeError, ValueError):
            raise Refusal("400", "taskid dan waktu harus diisi") from None
        if taskid not in TASK_IDS:
            raise Refusal("400", f"taskid {taskid} tidak valid")
        return kode, taskid, waktu

    def _post_antrian_task(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        kode, taskid, waktu = self._task(body)
        if kode not in self.antrian:
            return _ok(f"Kode booking {kode} tidak ditemukan")
        if (kode, taskid) in self.tasks:
            return _ok(f"Task id {taskid} untuk kode booking {kode} sudah ada")
        self.tasks[(kode, taskid)] = {"kodebooking": kode, "taskid": taskid, "waktu": waktu}
        return _ok("Berhasil menambah waktu pelayanan")

    def _put_antrian_task(self, _r: web.Request, _res: str, body: dict[str, Any]) -> Answer:
        kode, taskid, waktu = self._task(body)
        if (kode, taskid) not in self.tasks:
            return _ok(f"Task id {taskid} untuk kode booking {kode} tidak ditemukan")
        self.tasks[(kode, taskid)]["waktu"] = waktu
        return _ok("Berhasil update waktu pelayanan")


def _slug(resource: str) -> str:
    if resource in REPORT_FIELDS:
        return "report"
    if resource in ("Fasyankes/sdm", "Fasyankes/apd"):
        return "fasyankes_kebutuhan"
    return resource.lower().replace("/", "_")


FAKE_SIRS_KEY = web.AppKey("fake_sirs", FakeSirs)


def _fake(request: web.Request) -> FakeSirs:
    return request.app[FAKE_SIRS_KEY]


async def _inspect_state(request: web.Request) -> web.Response:
    fake = _fake(request)
    return web.json_response({
        "beds": fake.bed_rows(), "kebutuhan": fake.kebutuhan,
        "reports": {kind: list(fake.reports[res].values()) for kind, res in REPORT_KINDS.items()},
        "shk": {str(k): v for k, v in fake.shk.items()},
        "hasil_shk": {str(k): v for k, v in fake.hasil_shk.items()},
        "antrian": list(fake.antrian.values()), "tasks": list(fake.tasks.values()),
    })  # fmt: skip


async def _reset_state(request: web.Request) -> web.Response:
    _fake(request).reset()
    return web.json_response({"reset": True})


async def _inspect_beds(request: web.Request) -> web.Response:
    return web.json_response(_fake(request).bed_rows())


async def _preload_beds(request: web.Request) -> web.Response:
    rows = await request.json()
    fake = _fake(request)
    ids = [fake.add_bed(row) for row in (rows if isinstance(rows, list) else [rows])]
    return web.json_response({"id_t_tt": ids})


async def _remove_bed(request: web.Request) -> web.Response:
    gone = _fake(request).beds.pop(request.match_info["id_t_tt"], None)
    return web.json_response({"deleted": gone is not None}, status=200 if gone else 404)


def _report_resource(request: web.Request) -> str:
    kind = request.match_info["kind"]
    resource = REPORT_KINDS.get(kind, kind)
    if resource not in REPORT_FIELDS:
        raise web.HTTPNotFound(text=f"unknown report kind {kind}")
    return resource


async def _inspect_report(request: web.Request) -> web.Response:
    stored = _fake(request).reports[_report_resource(request)]
    return web.json_response([stored[d] for d in sorted(stored)])


async def _preload_report(request: web.Request) -> web.Response:
    stored = _fake(request).reports[_report_resource(request)]
    rows = await request.json()
    for row in rows if isinstance(rows, list) else [rows]:
        stored[_tanggal(row["tanggal"])] = {**row, "tglupdate": _now()}
    return web.json_response({"stored": len(stored)})


async def _inspect_seen(request: web.Request) -> web.Response:
    return web.json_response([vars(s) for s in _fake(request).seen])


def create_app(config: FakeSirsConfig | None = None) -> web.Application:
    """The fake as an aiohttp app, fault injection installed."""
    config = config or FakeSirsConfig()
    fake = FakeSirs(config)
    app = web.Application()
    app[FAKE_SIRS_KEY] = fake
    faults.install(app)
    base = "/" + config.base_path.strip("/") if config.base_path.strip("/") else ""
    app.router.add_get("/_fake/state", _inspect_state)
    app.router.add_delete("/_fake/state", _reset_state)
    app.router.add_get("/_fake/beds", _inspect_beds)
    app.router.add_post("/_fake/beds", _preload_beds)
    app.router.add_delete("/_fake/beds/{id_t_tt}", _remove_bed)
    app.router.add_get("/_fake/reports/{kind}", _inspect_report)
    app.router.add_post("/_fake/reports/{kind}", _preload_report)
    app.router.add_get("/_fake/seen", _inspect_seen)
    app.router.add_route("*", base + "/{resource:.+}", fake.handle)
    return app


@dataclass
class RunningFakeSirs:
    """A started fake: its state, its root URL, and helpers for the inspection API."""

    state: FakeSirs
    runner: web.AppRunner
    root: str

    @property
    def base_url(self) -> str:
        """What ``SIMRS_BRIDGE_SIRS_BASE_URL`` should be to talk to this fake."""
        return self.root + "/" + self.state.config.base_path.strip("/")

    async def fetch(self, method: str, path: str, body: Any = None) -> Any:
        async with aiohttp.ClientSession() as session:
            async with session.request(method, self.root + path, json=body) as response:
                return await response.json()

    async def requests(self) -> list[tuple[str, str]]:
        """(method, resource) of every RS Online request received, in order."""
        prefix = "/" + self.state.config.base_path.strip("/") + "/"
        items = await self.fetch("GET", "/_fake/requests")
        return [(item["method"], item["path"].removeprefix(prefix)) for item in items]

    async def clear_requests(self) -> None:
        await self.fetch("DELETE", "/_fake/requests")

    async def set_faults(self, **knobs: Any) -> None:
        await self.fetch("PUT", "/_fake/faults", knobs)

    async def close(self) -> None:
        await self.runner.cleanup()


async def start(
    config: FakeSirsConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningFakeSirs:
    """Create and serve the fake (port 0: a free one)."""
    app = create_app(config)
    runner, root = await faults.serve(app, host, port)
    return RunningFakeSirs(app[FAKE_SIRS_KEY], runner, root)


def main(argv: list[str] | None = None) -> None:
    """``python -m sandbox.fake_sirs --port 8182``: the fake with the sandbox credentials."""
    from worker.settings import Settings

    fields = Settings.model_fields
    rs_id = str(fields["sirs_rs_id"].default)
    password = fields["sirs_password"].default.get_secret_value()
    parser = argparse.ArgumentParser(prog="python -m sandbox.fake_sirs")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8182)
    parser.add_argument("--rs-id", default=rs_id)
    parser.add_argument("--password", default=password)
    parser.add_argument("--base-path", default="/fo/index.php")
    parser.add_argument("--accept-md5", action="store_true")
    args = parser.parse_args(argv)
    config = FakeSirsConfig(rs_id=args.rs_id, password=args.password,
                            base_path=args.base_path, accept_md5=args.accept_md5)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    async def run() -> None:
        fake = await start(config, args.host, args.port)
        logger.info("fake RS Online listening on %s", fake.base_url)
        try:
            await asyncio.Event().wait()
        finally:
            await fake.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
