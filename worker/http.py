"""The one HTTP exchange both upstream clients share.

Transport failures look the same for BPJS and RS Online (connection refused,
resets, timeouts, gateway HTML pages, 5xx, 429), and DESIGN.md principle 4
classes all of them as ``retry``. Doing that here once keeps the two clients
to what differs: signing and the envelope. A body is returned as text, and
``decode_json`` refuses anything that is not a JSON document, because an HTTP
200 carrying an HTML maintenance page is a failure, not a success.
``SessionClient`` is the session's lifetime both clients share: each is an
async context manager that closes the session it made on the way out.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

from core.errors import RetryableError

__all__ = ["HttpAnswer", "SessionClient", "decode_json", "exchange", "new_session"]

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_SNIPPET = 160


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """What came back: enough to classify and to audit, nothing more."""

    method: str
    url: str
    status: int
    text: str
    content_type: str
    elapsed: float


def new_session(timeout: float) -> aiohttp.ClientSession:
    """A session per client, created inside the running loop (aiohttp requires it)."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        raise_for_status=False,
    )


class SessionClient:
    """An upstream client's aiohttp session: closed on exit when the client made it.

    A session the caller passes in (``session=``) stays the caller's to close,
    so several clients can share one; otherwise the client makes its own
    (``new_session(self._timeout)``, when it enters or first calls) and closes it.
    """

    def __init__(self, *, timeout: float, session: aiohttp.ClientSession | None = None) -> None:
        self._timeout = timeout
        self._session = session
        self._owns_session = session is None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None


def _snippet(text: str) -> str:
    """A short, single-line description of a non-JSON body for an error message."""
    title = _TITLE.search(text)
    raw = title.group(1) if title else _TAG.sub(" ", text)
    clean = _SPACE.sub(" ", html.unescape(raw)).strip()
    return clean[:_SNIPPET] + ("…" if len(clean) > _SNIPPET else "")


async def exchange(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    service: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
) -> HttpAnswer:
    """Send one request; transport trouble and 5xx/429 raise ``RetryableError``.

    GET and DELETE may carry a body (RS Online needs both), so the body is
    passed as raw bytes whatever the method.
    """
    started = time.perf_counter()
    try:
        async with session.request(method, url, headers=dict(headers), data=body) as response:
            raw = await response.read()
            status = response.status
            content_type = response.headers.get("Content-Type", "")
    except TimeoutError:
        raise RetryableError(
            f"{method} {_path(url)}: no answer within {_timeout(session)}", service=service
        ) from None
    except aiohttp.ServerDisconnectedError:
        raise RetryableError(
            f"{method} {_path(url)}: server closed the connection", service=service
        ) from None
    except aiohttp.ClientConnectorError as exc:
        raise RetryableError(
            f"{method} {_path(url)}: cannot connect ({exc.os_error.strerror or exc.os_error})",
            service=service,
        ) from None
    except (aiohttp.ClientError, ConnectionError) as exc:
        raise RetryableError(
            f"{method} {_path(url)}: connection failed ({type(exc).__name__})", service=service
        ) from None
    elapsed = time.perf_counter() - started
    text = raw.decode("utf-8", errors="replace")
    answer = HttpAnswer(method, url, status, text, content_type, elapsed)
    if status >= 500 or status == 429:
        detail = _snippet(text) if text.strip() else "empty body"
        raise RetryableError(
            f"{method} {_path(url)}: HTTP {status} ({detail})", service=service, http_status=status
        )
    return answer


def decode_json(answer: HttpAnswer, *, service: str) -> Any:
    """The body as JSON, or ``RetryableError`` naming what came instead."""
    text = answer.text.strip()
    if not text:
        raise RetryableError(
            f"{answer.method} {_path(answer.url)}: HTTP {answer.status} with an empty body",
            service=service,
            http_status=answer.status,
        )
    if text[0] not in "{[":
        kind = "an HTML page" if text.startswith("<") else "a non-JSON body"
        raise RetryableError(
            f"{answer.method} {_path(answer.url)}: HTTP {answer.status} with {kind} "
            f"({_snippet(text)})",
            service=service,
            http_status=answer.status,
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RetryableError(
            f"{answer.method} {_path(answer.url)}: HTTP {answer.status} with malformed JSON "
            f"(line {exc.lineno} column {exc.colno})",
            service=service,
            http_status=answer.status,
        ) from None


def _path(url: str) -> str:
    """The URL without scheme and host: errors name the endpoint, not the server."""
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url


def _timeout(session: aiohttp.ClientSession) -> str:
    total = session.timeout.total
    return f"{total:g} s" if total else "the time limit"

