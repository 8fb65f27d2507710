"""One thin, typed method per RS Online V3 endpoint.

Each method only picks the resource, the method, the body and the decoded
type; everything else (headers, envelope, outcome) is ``SirsClient.call``.
PUT and DELETE on ``Fasyankes`` take ``id_t_tt`` as a required argument: the
real server answers 200 to a PUT without it and stores nothing, so such a
request cannot be built here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from core.errors import FixThenRetryError
from core.sirs.models import (
    REPORTS,
    Antrian,
    AntrianTask,
    BedGroup,
    BedRow,
    DailyReport,
    HasilShk,
    Kebutuhan,
    KebutuhanKind,
    KebutuhanRef,
    KebutuhanRow,
    ReportKind,
    ReportRow,
    ShkPasien,
    ShkQuery,
    TempatTidurRef,
    WriteResult,
)
from worker.sirs.client import SirsAnswer, SirsClient

__all__ = ["RsOnline"]

logger = logging.getLogger(__name__)

RowT = TypeVar("RowT", bound=BaseModel)


def _rows(answer: SirsAnswer, model: type[RowT]) -> list[RowT]:
    return [model.model_validate(row) for row in answer.rows]


def _written(answer: SirsAnswer) -> WriteResult:
    first = answer.first
    return WriteResult(
        outcome=answer.outcome,
        status=answer.status or "",
        message=answer.message,
        id_t_tt=first.get("id_t_tt"),
        id_shk=first.get("id_shk"),
        id_hasil=first.get("id_hasil"),
    )


def _id(value: str | int, name: str) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError(f"{name}: must not be empty")
    return text


class RsOnline(SirsClient):
    """The RS Online V3 API as typed methods."""

    async def _write(
        self,
        method: str,
        resource: str,
        body: Mapping[str, Any] | None,
        *,
        tanggal: date | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> WriteResult:
        answer = await self.call(method, resource, body=body, tanggal=tanggal, headers=headers)
        return _written(answer)

    # --- Referensi ---------------------------------------------------------------------------

    async def tempat_tidur_ref(self) -> list[TempatTidurRef]:
        return _rows(await self.call("GET", "Referensi/tempat_tidur"), TempatTidurRef)

    async def kebutuhan_ref(self, kind: KebutuhanKind) -> list[KebutuhanRef]:
        answer = await self.call("GET", f"Referensi/kebutuhan_{kind}")
        return _rows(answer, KebutuhanRef)

    # --- Fasyankes (beds) --------------------------------------------------------------------

    async def beds(self) -> list[BedRow]:
        """Every row, placeholders for unregistered bed types included."""
        return _rows(await self.call("GET", "Fasyankes"), BedRow)

    async def post_bed(self, group: BedGroup) -> WriteResult:
        return await self._write("POST", "Fasyankes", group.post_body())

    async def put_bed(self, id_t_tt: str, group: BedGroup) -> WriteResult:
        return await self._write("PUT", "Fasyankes", group.put_body(_id(id_t_tt, "id_t_tt")))

    async def delete_bed(self, id_t_tt: str) -> WriteResult:
        return await self._write("DELETE", "Fasyankes", {"id_t_tt": _id(id_t_tt, "id_t_tt")})

    # --- Fasyankes/sdm and Fasyankes/apd -----------------------------------------------------

    async def kebutuhan(self, kind: KebutuhanKind) -> list[KebutuhanRow]:
        return _rows(await self.call("GET", f"Fasyankes/{kind}"), KebutuhanRow)

    async def post_kebutuhan(self, kind: KebutuhanKind, item: Kebutuhan) -> WriteResult:
        return await self._write("POST", f"Fasyankes/{kind}", item.body())

    async def put_kebutuhan(self, kind: KebutuhanKind, item: Kebutuhan) -> WriteResult:
        return await self._write("PUT", f"Fasyankes/{kind}", item.body())

    async def delete_kebutuhan(self, kind: KebutuhanKind, id_kebutuhan: str) -> WriteResult:
        """The guide puts the id in the ``Id_kebutuhan`` header, one client in the body: both."""
        ident = _id(id_kebutuhan, "id_kebutuhan")
        return await self._write(
            "DELETE", f"Fasyankes/{kind}", {"id_kebutuhan": ident}, headers={"Id_kebutuhan": ident}
        )

    # --- Date-keyed daily reports ------------------------------------------------------------

    async def daily_report(self, kind: ReportKind, tanggal: date | None = None) -> list[ReportRow]:
        """Rows for ``tanggal`` (header ``x-tanggal``); without it the server gives 10 days."""
        resource, _ = REPORTS[kind]
        return _rows(await self.call("GET", resource, tanggal=tanggal), ReportRow)

    async def send_daily_report(
        self, kind: ReportKind, payload: DailyReport | Mapping[str, Any]
    ) -> WriteResult:
        """Upsert one day: POST (the guide's insert-or-update), PUT if the server says it exists.

        Sending the same ``tanggal`` twice therefore updates that day; the
        newest value wins (DESIGN.md principle 2).
        """
        resource, model = REPORTS[kind]
        report = payload if isinstance(payload, model) else model.model_validate(payload)
        body = report.body()
        try:
            return await self._write("POST", resource, body, tanggal=report.tanggal)
        except FixThenRetryError:
            logger.info("sirs %s %s exists; updating it with PUT", kind, report.tanggal)
            return await self._write("PUT", resource, body, tanggal=report.tanggal)

    # --- Pasien/shk and Pasien/hasilShk ------------------------------------------------------

    async def shk(self, query: ShkQuery | None = None) -> list[ReportRow]:
        body = (query or ShkQuery()).body()
        return _rows(await self.call("GET", "Pasien/shk", body=body), ReportRow)

    def _shk_body(self, pasien: ShkPasien) -> dict[str, Any]:
        body = pasien.body()
        body.setdefault("koders", self.rs_id)
        return body

    async def post_shk(self, pasien: ShkPasien) -> WriteResult:
        """The answer's ``id_shk`` is the key for every later PUT, DELETE and result."""
        return await self._write("POST", "Pasien/shk", self._shk_body(pasien))

    async def put_shk(self, id_shk: int | str, pasien: ShkPasien) -> WriteResult:
        body = {"id_shk": int(_id(id_shk, "id_shk")), **self._shk_body(pasien)}
        return await self._write("PUT", "Pasien/shk", body)

    async def delete_shk(self, id_shk: int | str) -> WriteResult:
        body = {"id_shk": int(_id(id_shk, "id_shk")), "koders": self.rs_id}
        return await self._write("DELETE", "Pasien/shk", body)

    async def hasil_shk(self, id_shk: int | str) -> list[ReportRow]:
        body = {"id_shk": int(_id(id_shk, "id_shk"))}
        return _rows(await self.call("GET", "Pasien/hasilShk", body=body), ReportRow)

    async def post_hasil_shk(self, hasil: HasilShk) -> WriteResult:
        return await self._write("POST", "Pasien/hasilShk", hasil.body())

    async def put_hasil_shk(self, id_hasil: int | str, hasil: HasilShk) -> WriteResult:
        body = {"id_hasil": _id(id_hasil, "id_hasil"), **hasil.body()}
        return await self._write("PUT", "Pasien/hasilShk", body)

    async def delete_hasil_shk(self, id_hasil: int | str, id_shk: int | str) -> WriteResult:
        body = {"id_hasil": _id(id_hasil, "id_hasil"), "id_shk": _id(id_shk, "id_shk")}
        return await self._write("DELETE", "Pasien/hasilShk", body)

    # --- Antrian (KPI 1) ---------------------------------------------------------------------

    async def antrian(self, tanggal: date | None = None) -> list[ReportRow]:
        """Bookings of ``tanggal`` (GET with a body); the server defaults to today."""
        body = {"tanggal": tanggal.isoformat()} if tanggal else {}
        return _rows(await self.call("GET", "Antrian", body=body), ReportRow)

    async def post_antrian(self, antrian: Antrian) -> WriteResult:
        return await self._write("POST", "Antrian", antrian.body())

    async def put_antrian(self, antrian: Antrian) -> WriteResult:
        return await self._write("PUT", "Antrian", antrian.body())

    async def delete_antrian(self, kodebooking: str) -> WriteResult:
        body = {"kodebooking": _id(kodebooking, "kodebooking")}
        return await self._write("DELETE", "Antrian", body)

    async def post_task(self, task: AntrianTask) -> WriteResult:
        return await self._write("POST", "Antrian/Task", task.body())

    async def put_task(self, task: AntrianTask) -> WriteResult:
        return await self._write("PUT", "Antrian/Task", task.body())
