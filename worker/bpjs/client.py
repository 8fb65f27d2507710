"""The BPJS Antrean RS client: one place that signs, sends, parses and decrypts.

``_call`` is the whole protocol (reference §1-2): a fresh UTC timestamp per
request, the HMAC signature over ``consid&timestamp``, the envelope with
lower-case ``metadata``, classification through ``outcomes``, and decryption
of ``response`` with *that request's* timestamp. Endpoint methods below it are
one line of path plus a model, in the manner of ssecd/jkn.

Errors are ``UpstreamError`` subclasses carrying the outcome. Their messages
name the endpoint but never a secret, and patient identifiers that appear in a
path (``ref/pasien/fp``) are masked there as well as in the log.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter, ValidationError

from core.bpjs.models import (
    AntreanAdd,
    Batal,
    Dashboard,
    DashboardList,
    Dokter,
    FarmasiAdd,
    GetListTask,
    JadwalDokter,
    PasienFp,
    Pendaftaran,
    Poli,
    PoliFp,
    TaskListItem,
    UpdateJadwalDokter,
    UpdateWaktu,
)
from core.errors import Outcome, PermanentError, RetryableError, UpstreamError
from core.masking import mask
from core.observe import CallObserver, CallRecord, notify
from core.settings import Settings
from worker.bpjs import crypto
from worker.bpjs.outcomes import SERVICE, classify, error_for, normalize_code
from worker.http import SessionClient, decode_json, exchange, new_session

__all__ = ["BpjsClient", "BpjsResult"]

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# One list validator per response model, built on first use and kept for the process:
# building a TypeAdapter costs more than validating the few rows a read answers with, and
# a read-back asks ``getlisttask`` once per booking (issue 11's pipeline profile).
_LIST_ADAPTERS: dict[type[BaseModel], TypeAdapter[Any]] = {}


def _list_adapter(model: type[M]) -> TypeAdapter[list[M]]:
    adapter = _LIST_ADAPTERS.get(model)
    if adapter is None:
        adapter = _LIST_ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter


@dataclass(frozen=True, slots=True)
class BpjsResult:
    """A successful (``done``/``already_done``) answer; ``data`` is decrypted, or None."""

    code: str
    message: str
    data: Any
    outcome: Outcome


def _text(payload: bytes | None) -> str | None:
    return None if payload is None else payload.decode("utf-8")


def _segment(value: object) -> str:
    return quote(str(value), safe="")


def _tanggal(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else value


class BpjsClient(SessionClient):
    """Async context manager owning one aiohttp session per client."""

    def __init__(
        self,
        *,
        consid: str,
        secret: str,
        user_key: str,
        base_url: str,
        timeout: float = 20.0,
        clock: Callable[[], float] = time.time,
        observer: CallObserver | None = None,
    ) -> None:
        super().__init__(timeout=timeout)
        self._observer = observer
        self._consid = consid
        self._secret = secret
        self._user_key = user_key
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        observer: CallObserver | None = None,
    ) -> BpjsClient:
        return cls(
            consid=settings.bpjs_cons_id,
            secret=settings.bpjs_secret.get_secret_value(),
            user_key=settings.bpjs_user_key.get_secret_value(),
            base_url=settings.bpjs_base_url,
            timeout=settings.http_timeout,
            clock=clock,
            observer=observer,
        )

    def __repr__(self) -> str:
        return f"BpjsClient(base_url={self._base_url!r}, consid={self._consid!r})"

    async def __aenter__(self) -> BpjsClient:
        self._session = new_session(self._timeout)
        return self

    # --- the one place that talks to BPJS -----------------------------------------------

    def _headers(self, timestamp: str) -> dict[str, str]:
        return {
            "X-cons-id": self._consid,
            "X-timestamp": timestamp,
            "X-signature": crypto.signature(self._consid, self._secret, timestamp),
            "user_key": self._user_key,
            "Content-Type": "application/json",
        }

    async def _call(
        self,
        method: str,
        path: str,
        body: BaseModel | Any = None,
        *,
        redact: Sequence[str] = (),
    ) -> BpjsResult:
        """Send one request and return its success, or raise the classified error.

        ``redact`` lists path values (patient identifiers) to mask in logs and errors.
        """
        if self._session is None:
            raise RuntimeError("use 'async with BpjsClient(...)' before calling BPJS")
        path = path.strip("/")
        shown = path
        for value in redact:
            shown = shown.replace(_segment(value), mask(value))
        context = f"{method} {shown}"
        timestamp = str(int(self._clock()))
        payload = None
        if body is not None:
            data = body.model_dump(mode="json", exclude_none=True) if isinstance(
                body, BaseModel
            ) else body
            payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        started = time.perf_counter()
        answer = None
        try:
            answer = await exchange(
                self._session,
                method,
                f"{self._base_url}/{path}",
                service=SERVICE,
                headers=self._headers(timestamp),
                body=payload,
            )
            result = await self._parse(decode_json(answer, service=SERVICE), timestamp, context,
                                       answer.status)
        except UpstreamError as exc:
            if redact:
                exc = _redacted(exc, path, shown)
            elapsed = (time.perf_counter() - started) * 1000
            logger.warning("bpjs %s -> %s in %.0f ms: %s", context, exc.outcome.value,
                           elapsed, exc.message)
            await notify(self._observer, CallRecord(
                SERVICE, method, shown, exc.outcome, int(elapsed), exc.http_status, exc.code,
                exc.message, _text(payload), answer.text if answer else None,
            ))
            raise exc from None
        elapsed = (time.perf_counter() - started) * 1000
        logger.debug("bpjs %s -> %s %s in %.0f ms", context, result.outcome.value, result.code,
                     elapsed)
        await notify(self._observer, CallRecord(
            SERVICE, method, shown, result.outcome, int(elapsed), answer.status, result.code,
            result.message, _text(payload), answer.text,
        ))
        return result

    async def _parse(
        self, envelope: Any, timestamp: str, context: str, status: int
    ) -> BpjsResult:
        meta = envelope.get("metadata", envelope.get("metaData")) if isinstance(
            envelope, dict
        ) else None
        if not isinstance(meta, dict) or "code" not in meta:
            # A JSON body without the envelope is a gateway/proxy talking, not BPJS.
            raise RetryableError(f"{context}: HTTP {status} answer without metadata",
                                 service=SERVICE, http_status=status)
        code = normalize_code(meta.get("code"))
        message = str(meta.get("message") or "")
        outcome = classify(code, message)
        if not outcome.succeeded:
            raise error_for(code, message, context=context, http_status=status)
        response = envelope.get("response")
        if isinstance(response, str):
            response = await self._decrypt(response, timestamp, context) if response else None
        return BpjsResult(code, message, response, outcome)

    async def _decrypt(self, ciphertext: str, timestamp: str, context: str) -> Any:
        try:
            return await crypto.decrypt_json_async(
                self._consid, self._secret, timestamp, ciphertext
            )
        except crypto.DecryptionError:
            # PERMANENT, not retry: the key is derived only from consid, secret and this
            # request's timestamp, so the same configuration fails the same way on every
            # request (typically a secret/consid pair from another environment, accepted
            # by the gateway but not matching the service's key). Retrying would hammer
            # BPJS and bury the real cause; the dead letter can be replayed once fixed.
            raise PermanentError(
                f"{context}: cannot decrypt the response; check SIMRS_BRIDGE_BPJS_SECRET "
                "and SIMRS_BRIDGE_BPJS_CONS_ID",
                service=SERVICE,
            ) from None

    # --- typed endpoints (reference §3) -------------------------------------------------

    @staticmethod
    def _models(adapter: TypeAdapter[list[M]], data: Any, context: str) -> list[M]:
        if data is None:
            return []  # "No Content": an empty list, not an error
        if isinstance(data, dict):
            data = [data]
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            raise PermanentError(
                f"{context}: unexpected response shape ({exc.error_count()} errors, first at "
                f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])})",
                service=SERVICE,
            ) from None

    async def _list(self, model: type[M], path: str, body: Any = None) -> list[M]:
        result = await self._call("POST" if body is not None else "GET", path, body)
        return self._models(_list_adapter(model), result.data, path)

    async def get(self, path: str) -> BpjsResult:
        return await self._call("GET", path)

    async def post(self, path: str, json_body: Any) -> BpjsResult:
        return await self._call("POST", path, json_body)

    async def ref_poli(self) -> list[Poli]:
        return await self._list(Poli, "ref/poli")

    async def ref_dokter(self) -> list[Dokter]:
        return await self._list(Dokter, "ref/dokter")

    async def jadwal_dokter(self, kodepoli: str, tanggal: date | str) -> list[JadwalDokter]:
        path = f"jadwaldokter/kodepoli/{_segment(kodepoli)}/tanggal/{_segment(_tanggal(tanggal))}"
        return await self._list(JadwalDokter, path)

    async def update_jadwal_dokter(self, body: UpdateJadwalDokter) -> BpjsResult:
        return await self._call("POST", "jadwaldokter/updatejadwaldokter", body)

    async def ref_poli_fp(self) -> list[PoliFp]:
        return await self._list(PoliFp, "ref/poli/fp")

    async def pasien_fp(self, jenis: Literal["nik", "noka"], nomor: str) -> PasienFp | None:
        path = f"ref/pasien/fp/identitas/{_segment(jenis)}/noidentitas/{_segment(nomor)}"
        result = await self._call("GET", path, redact=[nomor])
        items = self._models(_list_adapter(PasienFp), result.data, "ref/pasien/fp")
        return items[0] if items else None

    async def antrean_add(self, body: AntreanAdd) -> BpjsResult:
        return await self._call("POST", "antrean/add", body)

    async def farmasi_add(self, body: FarmasiAdd) -> BpjsResult:
        return await self._call("POST", "antrean/farmasi/add", body)

    async def update_waktu(self, body: UpdateWaktu) -> BpjsResult:
        return await self._call("POST", "antrean/updatewaktu", body)

    async def batal(self, body: Batal) -> BpjsResult:
        return await self._call("POST", "antrean/batal", body)

    async def get_list_task(self, kodebooking: str) -> list[TaskListItem]:
        return await self._list(TaskListItem, "antrean/getlisttask",
                                GetListTask(kodebooking=kodebooking))

    async def _dashboard(self, path: str) -> list[Dashboard]:
        result = await self._call("GET", path)
        if result.data is None:
            return []
        try:
            return DashboardList.model_validate(result.data).items
        except ValidationError as exc:
            raise PermanentError(f"{path}: unexpected response shape ({exc.error_count()} "
                                 "errors)", service=SERVICE) from None

    async def dashboard_per_tanggal(
        self, tanggal: date | str, waktu: Literal["rs", "server"] = "rs"
    ) -> list[Dashboard]:
        return await self._dashboard(
            f"dashboard/waktutunggu/tanggal/{_segment(_tanggal(tanggal))}/waktu/{_segment(waktu)}"
        )

    async def dashboard_per_bulan(
        self, bulan: int, tahun: int, waktu: Literal["rs", "server"] = "rs"
    ) -> list[Dashboard]:
        return await self._dashboard(
            f"dashboard/waktutunggu/bulan/{bulan:02d}/tahun/{tahun:04d}/waktu/{_segment(waktu)}"
        )

    async def pendaftaran_per_tanggal(self, tanggal: date | str) -> list[Pendaftaran]:
        path = f"antrean/pendaftaran/tanggal/{_segment(_tanggal(tanggal))}"
        return await self._list(Pendaftaran, path)

    async def pendaftaran_per_kodebooking(self, kodebooking: str) -> list[Pendaftaran]:
        path = f"antrean/pendaftaran/kodebooking/{_segment(kodebooking)}"
        return await self._list(Pendaftaran, path)

    async def pendaftaran_aktif(self) -> list[Pendaftaran]:
        return await self._list(Pendaftaran, "antrean/pendaftaran/aktif")

    async def pendaftaran_per_jadwal(
        self, kodepoli: str, kodedokter: int | str, hari: int, jampraktek: str
    ) -> list[Pendaftaran]:
        path = (
            f"antrean/pendaftaran/kodepoli/{_segment(kodepoli)}/kodedokter/"
            f"{_segment(kodedokter)}/hari/{_segment(hari)}/jampraktek/{_segment(jampraktek)}"
        )
        return await self._list(Pendaftaran, path)


def _redacted(exc: UpstreamError, path: str, shown: str) -> UpstreamError:
    """The same error with the identifier-bearing path replaced by its masked form."""
    if path not in exc.message:
        return exc
    return type(exc)(
        exc.message.replace(path, shown),
        service=exc.service,
        outcome=exc.outcome,
        code=exc.code,
        http_status=exc.http_status,
    )
