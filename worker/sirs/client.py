"""The RS Online client core: the one place that builds headers, sends and reads the envelope.

Every endpoint method (``endpoints.py``) goes through ``SirsClient.call``, so
the three authentication headers, the fresh ``X-Timestamp``, GET/DELETE bodies
and the envelope rules of reference §2 live here once: an HTTP 200 is only a
success when ``<key>[0].status`` says so and the message carries none of the
fragments in ``outcomes.RULES``. Transport failures are ``worker.http``'s job.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Self

import aiohttp
from pydantic import SecretStr

from core.errors import ERROR_FOR, Outcome, PermanentError, UpstreamError
from core.masking import hide_secrets
from core.observe import CallObserver, CallRecord, notify
from core.settings import Settings
from worker.http import HttpAnswer, SessionClient, decode_json, exchange, new_session
from worker.sirs.outcomes import CREDENTIALS_HINT, classify

__all__ = ["ENVELOPE_KEYS", "SERVICE", "SirsAnswer", "SirsClient"]

logger = logging.getLogger(__name__)

SERVICE = "sirs"

# Resource path -> the top-level key its answers are wrapped in (reference §2).
ENVELOPE_KEYS: dict[str, str] = {
    "Referensi/tempat_tidur": "tempat_tidur",
    "Referensi/kebutuhan_sdm": "kebutuhan_sdm",
    "Referensi/kebutuhan_apd": "kebutuhan_apd",
    "Fasyankes": "fasyankes",
    "Fasyankes/sdm": "sdm",
    "Fasyankes/apd": "apd",
    "Pasien/pcr_nakes": "PCRNakes",
    "Pasien/harian_nakes_terinfeksi": "HarianNakesTerinfeksi",
    "Logistik/oksigen": "Oksigenasi",
    "Pasien/shk": "shk",
    "Pasien/hasilShk": "shk",
    "Antrian": "antrian",
    "Antrian/Task": "task",
}

_STATUS_ROW_KEYS = {"status", "message", "response"}


@dataclass(frozen=True, slots=True)
class SirsAnswer:
    """One classified answer: data rows for reads, the status row for writes."""

    method: str
    resource: str
    http_status: int
    outcome: Outcome
    status: str | None
    message: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    document: Any = None

    @property
    def first(self) -> dict[str, Any]:
        return self.rows[0] if self.rows else {}


class SirsClient(SessionClient):
    """Holds the credentials and one aiohttp session; ``call`` is the only way out."""

    def __init__(
        self,
        *,
        base_url: str,
        rs_id: str,
        password: SecretStr,
        password_md5: bool = False,
        timeout: float = 20.0,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] = time.time,
        observer: CallObserver | None = None,
    ) -> None:
        super().__init__(timeout=timeout, session=session)
        self._observer = observer
        self.base_url = base_url.rstrip("/")
        self.rs_id = rs_id
        self._password = password
        self._password_md5 = password_md5
        self._clock = clock

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] = time.time,
        observer: CallObserver | None = None,
    ) -> Self:
        return cls(
            base_url=settings.sirs_base_url,
            rs_id=settings.sirs_rs_id,
            password=settings.sirs_password,
            password_md5=settings.sirs_password_md5,
            timeout=settings.http_timeout,
            session=session,
            clock=clock,
            observer=observer,
        )

    async def __aenter__(self) -> Self:
        return self

    def _x_pass(self) -> str:
        secret = self._password.get_secret_value()
        if self._password_md5:
            # Legacy switch (Khanza COVID modules); RS Online V3 expects the plain password.
            return hashlib.md5(secret.encode(), usedforsecurity=False).hexdigest()
        return secret

    def _headers(self, tanggal: date | None, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {
            "X-rs-id": self.rs_id,
            "X-Timestamp": str(int(self._clock())),
            "X-pass": self._x_pass(),
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        if tanggal is not None:
            headers["x-tanggal"] = tanggal.isoformat()
        headers.update(extra or {})
        return headers

    async def call(
        self,
        method: str,
        resource: str,
        *,
        body: Mapping[str, Any] | None = None,
        tanggal: date | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> SirsAnswer:
        """Send one request and classify its answer; failures raise ``UpstreamError``.

        ``body`` goes out as JSON whatever the method: ``Pasien/shk`` and
        ``Antrian`` are read with a GET body and several resources are deleted
        with a DELETE body.
        """
        method = method.upper()
        if resource not in ENVELOPE_KEYS:
            raise ValueError(f"unknown RS Online resource {resource!r}")
        if self._session is None:
            self._session = new_session(self._timeout)
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        text = None if data is None else data.decode("utf-8")
        started = time.perf_counter()
        answer: HttpAnswer | None = None
        try:
            answer = await exchange(
                self._session,
                method,
                f"{self.base_url}/{resource}",
                service=SERVICE,
                headers=self._headers(tanggal, headers),
                body=data,
            )
            result = self._read(method, resource, answer)
        except UpstreamError as exc:
            logger.warning("sirs %s %s -> %s (status %s): %s", method, resource,
                           exc.outcome.value, exc.code, exc.message)
            await notify(self._observer, CallRecord(
                SERVICE, method, resource, exc.outcome,
                int((time.perf_counter() - started) * 1000), exc.http_status, exc.code,
                exc.message, text, answer.text if answer else None,
            ))
            raise
        await notify(self._observer, CallRecord(
            SERVICE, method, resource, result.outcome, int(answer.elapsed * 1000), answer.status,
            result.status, result.message, text, answer.text,
        ))
        logger.debug(
            "sirs %s %s -> %s (status %s, %.2f s)",
            method, resource, result.outcome.value, result.status, answer.elapsed,
        )  # fmt: skip
        return result

    def _read(self, method: str, resource: str, answer: HttpAnswer) -> SirsAnswer:
        if answer.status == 404 and not answer.text.lstrip().startswith(("{", "[")):
            # No such page: a wrong base URL or path, which no retry will fix.
            self._fail(method, resource, answer, Outcome.PERMANENT, None,
                       "HTTP 404: no such page; check SIMRS_BRIDGE_SIRS_BASE_URL "
                       f"(now {self.base_url})")
        document = decode_json(answer, service=SERVICE)
        rows = _envelope_rows(document, ENVELOPE_KEYS[resource])
        if rows is None:
            self._fail(method, resource, answer, Outcome.PERMANENT, None,
                       f"unexpected answer without a '{ENVELOPE_KEYS[resource]}' list")
        assert rows is not None
        first = rows[0] if rows else None
        is_status_row = isinstance(first, dict) and "status" in first and (
            method != "GET" or set(first) <= _STATUS_ROW_KEYS
        )
        if not is_status_row:
            if method == "GET":
                return SirsAnswer(method, resource, answer.status, Outcome.DONE, None, "",
                                  [r for r in rows if isinstance(r, dict)], document)
            self._fail(method, resource, answer, Outcome.PERMANENT, None,
                       "answered without a status row")
        assert isinstance(first, dict)
        status = str(first.get("status", ""))
        message = self._scrub(str(first.get("message", first.get("response", ""))))
        verdict = classify(resource, method, status, message)
        if not verdict.outcome.succeeded:
            login = verdict.why == CREDENTIALS_HINT
            detail = verdict.why if login else f"{message} ({verdict.why})"
            self._fail(method, resource, answer, verdict.outcome, status, detail)
        data_rows = [] if method == "GET" else rows
        return SirsAnswer(method, resource, answer.status, verdict.outcome, status, message,
                          data_rows, document)

    def _fail(
        self,
        method: str,
        resource: str,
        answer: HttpAnswer,
        outcome: Outcome,
        status: str | None,
        detail: str,
    ) -> None:
        # Debug: ``call`` logs the raised error once, at WARNING.
        logger.debug("sirs %s %s -> %s (status %s)", method, resource, outcome.value, status)
        error = ERROR_FOR.get(outcome, PermanentError)
        raise error(
            f"{method} {resource}: {detail}",
            service=SERVICE,
            outcome=outcome,
            code=status,
            http_status=answer.status,
        )

    def _scrub(self, text: str) -> str:
        """Upstream text goes into errors and dead letters: never let the password through."""
        secret = self._password.get_secret_value()
        return hide_secrets(text, [secret]) if len(secret) >= 4 else text


def _envelope_rows(document: Any, key: str) -> list[Any] | None:
    """The rows under ``key``; a lone list under another key is accepted (reference §2)."""
    if not isinstance(document, dict):
        return document if isinstance(document, list) else None
    value = document.get(key)
    if value is None:
        lists = [v for v in document.values() if isinstance(v, list | dict)]
        if len(lists) != 1:
            return None
        value = lists[0]
    if isinstance(value, dict):
        return [value]
    return value if isinstance(value, list) else None
