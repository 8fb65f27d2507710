"""Bed resources: Referensi, Fasyankes (beds by ``id_t_tt``) and Fasyankes/sdm, /apd.

Method names are ``_<method>_<slug>`` so ``FakeSirs.handle`` can dispatch to them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.fake_sirs.config import BED_COUNTS, KEBUTUHAN_APD, KEBUTUHAN_SDM, TEMPAT_TIDUR, Answer
from sandbox.fake_sirs.store import Refusal, SirsStore, _count, _now, _ok

__all__ = ["BedResources"]


class BedResources(SirsStore):
    """The bed and needs (kebutuhan) handlers, with their validation."""

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
