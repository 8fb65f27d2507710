"""A fake Mobile JKN: drives the hospital's WS RS the way BPJS does.

BPJS's server asks for a token with the credentials the hospital gave it, then
calls ``ambilantrean`` for a patient; on code 202 (unknown patient) it sends the
patient's data to ``pasienbaru`` and books again; later it checks the patient in
or cancels, and asks for the queue, the pharmacy queue and the surgery schedule.
The token is fetched again when the service says it expired. ``calls`` counts the
calls per endpoint, answered or refused, so a scenario can show it reached every
one. Used by the demo (``sandbox.mobile_jkn_day``) and by tests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiohttp

__all__ = ["MobileJkn", "Patient", "WsrsAnswer"]


@dataclass(frozen=True)
class WsrsAnswer:
    code: int
    message: str
    response: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return self.code == 200


@dataclass(frozen=True)
class Patient:
    """What Mobile JKN knows about a participant (BPJS's own records)."""

    nomorkartu: str
    nik: str
    nama: str
    jeniskelamin: str = "L"
    tanggallahir: str = "1980-01-01"
    nohp: str = "081200000000"
    alamat: str = "JL. CONTOH"

    def pasienbaru(self) -> dict[str, Any]:
        return {"nomorkartu": self.nomorkartu, "nik": self.nik, "nomorkk": self.nik,
                "nama": self.nama, "jeniskelamin": self.jeniskelamin,
                "tanggallahir": self.tanggallahir, "nohp": self.nohp, "alamat": self.alamat,
                "kodeprop": "33", "namaprop": "PROPINSI CONTOH", "kodedati2": "3301",
                "namadati2": "KABUPATEN CONTOH", "kodekec": "330101",
                "namakec": "KECAMATAN CONTOH", "kodekel": "3301011",
                "namakel": "KELURAHAN CONTOH", "rw": "001", "rt": "001"}


class MobileJkn:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, username: str,
                 password: str) -> None:
        self._session, self._base = session, base_url.rstrip("/")
        self._username, self._password = username, password
        self._token: str | None = None
        self.calls: Counter[str] = Counter()

    async def token(self) -> str:
        async with self._session.get(f"{self._base}/auth", headers={
                "x-username": self._username, "x-password": self._password}) as response:
            answer = await self._answer(response)
        if not answer.ok or answer.response is None:
            raise RuntimeError(f"WS RS refused the token: {answer.message}")
        self._token = str(answer.response["token"])
        return self._token

    async def call(self, endpoint: str, body: dict[str, Any]) -> WsrsAnswer:
        self.calls[endpoint] += 1
        for _ in range(2):
            token = self._token or await self.token()
            async with self._session.post(f"{self._base}/{endpoint}", json=body, headers={
                    "x-token": token, "x-username": self._username}) as response:
                answer = await self._answer(response)
            if answer.message not in ("Token Expired", "Token salah"):
                return answer
            self._token = None
        return answer

    async def book(self, patient: Patient, *, kodepoli: str, kodedokter: str,
                   tanggal: date, jampraktek: str, nomorreferensi: str,
                   jeniskunjungan: int = 1) -> WsrsAnswer:
        """ambilantrean; on 202 register the patient with pasienbaru and book again."""
        body = {"nomorkartu": patient.nomorkartu, "nik": patient.nik, "nohp": patient.nohp,
                "kodepoli": kodepoli, "norm": "", "tanggalperiksa": tanggal.isoformat(),
                "kodedokter": kodedokter, "jampraktek": jampraktek,
                "jeniskunjungan": jeniskunjungan, "nomorreferensi": nomorreferensi}
        answer = await self.call("ambilantrean", body)
        if answer.code == 202:
            registered = await self.call("pasienbaru", patient.pasienbaru())
            if not registered.ok:
                return registered
            answer = await self.call("ambilantrean", body)
        return answer

    async def check_in(self, kodebooking: str, waktu_ms: int) -> WsrsAnswer:
        return await self.call("checkinantrean", {"kodebooking": kodebooking,
                                                  "waktu": waktu_ms})

    async def cancel(self, kodebooking: str, keterangan: str) -> WsrsAnswer:
        return await self.call("batalantrean", {"kodebooking": kodebooking,
                                                "keterangan": keterangan})

    async def status(self, *, kodepoli: str, kodedokter: str, tanggal: date,
                     jampraktek: str) -> WsrsAnswer:
        return await self.call("statusantrean", {
            "kodepoli": kodepoli, "kodedokter": kodedokter,
            "tanggalperiksa": tanggal.isoformat(), "jampraktek": jampraktek})

    async def remaining(self, kodebooking: str) -> WsrsAnswer:
        return await self.call("sisaantrean", {"kodebooking": kodebooking})

    async def pharmacy_take(self, kodebooking: str) -> WsrsAnswer:
        return await self.call("ambilantreanfarmasi", {"kodebooking": kodebooking})

    async def pharmacy_status(self, kodebooking: str) -> WsrsAnswer:
        return await self.call("statusantreanfarmasi", {"kodebooking": kodebooking})

    async def surgeries(self, first: date, last: date) -> WsrsAnswer:
        return await self.call("jadwaloperasirs", {"tanggalawal": first.isoformat(),
                                                   "tanggalakhir": last.isoformat()})

    async def patient_surgeries(self, nopeserta: str) -> WsrsAnswer:
        return await self.call("jadwaloperasipasien", {"nopeserta": nopeserta})

    @staticmethod
    async def _answer(response: aiohttp.ClientResponse) -> WsrsAnswer:
        body = await response.json(content_type=None)
        meta = body.get("metadata", {}) if isinstance(body, dict) else {}
        return WsrsAnswer(int(meta.get("code", 0)), str(meta.get("message", "")),
                          body.get("response") if isinstance(body, dict) else None)
