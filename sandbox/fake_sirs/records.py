"""Record resources: date-keyed reports, SHK (and its results), Antrian and Antrian/Task.

Method names are ``_<method>_<slug>`` so ``FakeSirs.handle`` can dispatch to them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from sandbox.fake_sirs.config import REPORT_FIELDS, TASK_IDS, Answer
from sandbox.fake_sirs.store import Refusal, SirsStore, _now, _ok, _tanggal

__all__ = ["RecordResources"]


class RecordResources(SirsStore):
    """The report, SHK and Antrian handlers, with their validation."""

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

