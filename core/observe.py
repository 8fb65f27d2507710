"""What a client reports about each upstream call, and to whom.

The clients know the call (method, path, status, body, duration); the job
knows why it was made. A ``CallRecord`` carries the first and a context
variable the second, so the audit log gets both without threading a job id
through every endpoint method. Observers must not raise into the call path:
a full audit table must never stop a task from being sent, so failures to
record are logged and swallowed by ``notify``.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.errors import Outcome

__all__ = ["CallObserver", "CallRecord", "current_job_id", "notify"]

logger = logging.getLogger(__name__)

current_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_job_id", default=None
)


@dataclass(frozen=True)
class CallRecord:
    upstream: str
    method: str
    path: str
    outcome: Outcome
    duration_ms: int
    http_status: int | None = None
    code: str | None = None
    message: str | None = None
    request_body: str | None = None
    response_body: str | None = None
    job_id: str | None = None


CallObserver = Callable[[CallRecord], Awaitable[None]]


async def notify(observer: CallObserver | None, record: CallRecord) -> None:
    if observer is None:
        return
    if record.job_id is None:
        record = CallRecord(**{**record.__dict__, "job_id": current_job_id.get()})
    try:
        await observer(record)
    except Exception:  # auditing must never break sending; see the module docstring
        logger.exception("could not record an upstream call in the audit log")
