"""``sirs_shk``: send one baby's SHK screening, the patient first, then its results.

One job per baby keeps the order RS Online needs (a result refers to the
patient's ``id_shk``), as one job per booking keeps task order. The job carries
the patient's row id only and re-reads the newest payloads when it runs.

The first POST of a patient or result returns the id every later PUT needs;
it is stored at once. A POST is flagged before it goes out, so when its answer
is lost the next try looks the record up (by the child's NIK and birth date,
or the examination) instead of creating a duplicate. A PUT answered "tidak
ditemukan" means the server lost the record: it is POSTed again (and for a
patient, its results with it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import FixThenRetryError, Outcome, PermanentError, RetryableError, UpstreamError
from core.keys import SIRS_SHK, shk_job_id
from core.masking import mask
from core.sirs.models import HasilShk, ShkPasien, ShkQuery, WriteResult, explain
from core.state.shk import ShkHasilRow, ShkPasienRow, ShkStore
from worker.jobs.runner import run_keyed
from worker.jobs.send import Sent, guarded
from worker.services import Services

__all__ = ["sirs_shk"]

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


def _model(model: type[M], payload: dict[str, Any]) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise PermanentError(f"stored {model.__name__} is invalid: {explain(exc)}",
                             service="sirs") from None


async def _write(services: Services, call: Callable[[], Awaitable[WriteResult]]) -> WriteResult:
    """One guarded write; the full answer is kept for the id it carries."""
    answers: list[WriteResult] = []

    async def attempt() -> Sent:
        result = await call()
        answers.append(result)
        return Sent(result.outcome, result.status, result.message)

    await guarded(services, "sirs", attempt)
    return answers[-1]


def _same(row: dict[str, Any], **wanted: str) -> bool:
    return all(str(row.get(name) or "").strip() == value for name, value in wanted.items())


async def _find_pasien(services: Services, body: ShkPasien) -> str | None:
    """The id_shk of a patient an earlier, unanswered POST may have created."""
    async def call() -> Sent:
        rows.extend(r.model_dump() for r in await services.sirs.shk(
            ShkQuery(tgl_ambil_sampel=body.tgl_ambil_sampel)))
        return Sent(Outcome.DONE, None, "")

    rows: list[dict[str, Any]] = []
    await guarded(services, "sirs", call)
    ids = [int(r["id_shk"]) for r in rows if r.get("id_shk") is not None and _same(
        r, nik_anak=body.nik_anak, tgllahir=body.tgllahir.isoformat())]
    return str(max(ids)) if ids else None


async def _find_hasil(services: Services, body: HasilShk) -> str | None:
    async def call() -> Sent:
        rows.extend(r.model_dump() for r in await services.sirs.hasil_shk(body.id_shk))
        return Sent(Outcome.DONE, None, "")

    rows: list[dict[str, Any]] = []
    await guarded(services, "sirs", call)
    ids = [int(r["id_hasil"]) for r in rows if r.get("id_hasil") is not None and _same(
        r, jenis_pemeriksaan=body.jenis_pemeriksaan, tgl_periksa=body.tgl_periksa.isoformat())]
    return str(max(ids)) if ids else None


async def _send_pasien(services: Services, store: ShkStore, pasien: ShkPasienRow) -> WriteResult:
    body = _model(ShkPasien, pasien.payload)
    api = services.sirs
    id_shk = pasien.id_shk
    if id_shk is None and pasien.posting_since is not None:
        id_shk = await _find_pasien(services, body)
        if id_shk is not None:
            logger.info("shk %s: adopted id_shk %s from an earlier POST", mask(pasien.ref), id_shk)
            await store.set_id_shk(pasien.id, id_shk)
    if id_shk is not None:
        try:
            return await _write(services, lambda: api.put_shk(str(id_shk), body))
        except FixThenRetryError:
            logger.info("shk %s: RS Online lost id_shk %s; posting again", mask(pasien.ref), id_shk)
            await store.forget_id_shk(pasien.id)
    await store.posting_pasien(pasien.id)
    result = await _write(services, lambda: api.post_shk(body))
    if not result.id_shk:
        raise RetryableError("POST Pasien/shk: the answer carried no id_shk; looking it up "
                             "before trying again", service="sirs")
    await store.set_id_shk(pasien.id, result.id_shk)
    return result


async def _send_hasil(
    services: Services, store: ShkStore, pasien: ShkPasienRow, hasil: ShkHasilRow, id_shk: str
) -> WriteResult:
    body = _model(HasilShk, {**hasil.payload, "id_shk": id_shk})
    api = services.sirs
    id_hasil = hasil.id_hasil
    if id_hasil is None and hasil.posting_since is not None:
        id_hasil = await _find_hasil(services, body)
        if id_hasil is not None:
            await store.set_id_hasil(hasil.id, id_hasil)
    if id_hasil is not None:
        try:
            return await _write(services, lambda: api.put_hasil_shk(str(id_hasil), body))
        except FixThenRetryError:
            await store.forget_id_hasil(hasil.id)
    await store.posting_hasil(hasil.id)
    try:
        result = await _write(services, lambda: api.post_hasil_shk(body))
    except FixThenRetryError as exc:
        # "id_shk tidak ditemukan": the patient is gone upstream; POST it again first.
        await store.forget_id_shk(pasien.id)
        raise RetryableError(f"{exc.message}; the patient is posted again first",
                             service="sirs", code=exc.code) from None
    if not result.id_hasil:
        raise RetryableError("POST Pasien/hasilShk: the answer carried no id_hasil; looking it "
                             "up before trying again", service="sirs")
    await store.set_id_hasil(hasil.id, result.id_hasil)
    return result


async def _send_case(
    services: Services, store: ShkStore, pasien_id: int, force: bool = False
) -> str:
    """Send what is pending of one baby (all of it when forced); failures go on their row."""
    case = await store.get(pasien_id)
    if case is None:
        return "no such SHK patient stored"
    pasien = case.pasien
    sent = 0
    if force or pasien.pending or pasien.id_shk is None:
        try:
            result = await _send_pasien(services, store, pasien)
        except UpstreamError as exc:
            refused = pasien.payload_hash if exc.outcome is Outcome.PERMANENT else None
            await store.mark_pasien_failed(pasien.id, exc.outcome, exc.message, refused)
            raise
        await store.mark_pasien_sent(pasien.id, pasien.payload_hash, result.outcome,
                                     result.message)
        sent += 1
        case = await store.get(pasien_id) or case  # ids and reset results are re-read
    id_shk = case.pasien.id_shk
    if id_shk is None:
        return "patient not on RS Online yet"
    for hasil in case.hasil:
        if not (force or hasil.pending):
            continue
        try:
            result = await _send_hasil(services, store, case.pasien, hasil, id_shk)
        except UpstreamError as exc:
            refused = hasil.payload_hash if exc.outcome is Outcome.PERMANENT else None
            await store.mark_hasil_failed(hasil.id, exc.outcome, exc.message, refused)
            raise
        await store.mark_hasil_sent(hasil.id, hasil.payload_hash, result.outcome, result.message)
        sent += 1
    return f"shk {pasien_id}: {sent} sent"


async def sirs_shk(ctx: dict[str, Any], pasien_id: int, force: bool = False) -> str:
    """``force`` (a dead-letter replay) sends even what was sent or refused before."""
    services: Services = ctx["services"]
    store = services.stores.shk

    async def one_pass(force: bool) -> str:
        return await _send_case(services, store, int(pasien_id), force)

    return await run_keyed(ctx, SIRS_SHK, [pasien_id], shk_job_id(pasien_id), one_pass,
                           force=force)
