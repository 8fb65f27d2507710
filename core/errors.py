"""A small exception hierarchy that carries the outcome of an upstream call.

Every answer from BPJS or RS Online maps to exactly one ``Outcome``
(DESIGN.md principle 4). Code that catches an ``UpstreamError`` decides what to
do from ``exc.outcome`` alone, never by parsing messages again: the message
matching lives in one table per service (``bpjs/outcomes.py``,
``sirs/outcomes.py``).

Messages carry the upstream's own words (that is the "clear reason for every
failure" hospital IT staff ask for) but never a secret: the clients build them
from status, code and message only, never from headers.
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = [
    "ERROR_FOR",
    "BlockedError",
    "BridgeError",
    "ConfigError",
    "FixThenRetryError",
    "Outcome",
    "PermanentError",
    "RetryableError",
    "UnavailableError",
    "UpstreamError",
]


class Outcome(enum.StrEnum):
    """What one upstream answer means for the unit of work that caused it."""

    DONE = "done"
    ALREADY_DONE = "already_done"
    RETRY = "retry"
    FIX_THEN_RETRY = "fix_then_retry"
    BLOCKED = "blocked"
    PERMANENT = "permanent"

    @property
    def succeeded(self) -> bool:
        return self in (Outcome.DONE, Outcome.ALREADY_DONE)


class BridgeError(Exception):
    """Base of every error the daemon raises on purpose."""

    outcome: Outcome = Outcome.PERMANENT


class ConfigError(BridgeError):
    """A setting is missing or invalid, or a configured service is unreachable at start."""


class UnavailableError(ConfigError):
    """A configured service (Redis, a database) did not answer: the setting may be right.

    A ``ConfigError`` so that every caller that reports configuration trouble
    reports this too, but the daemons retry it at start and then exit with
    ``core.exitcodes.UNAVAILABLE`` (restarted by systemd) instead of
    ``CONFIG`` (not restarted): a database that is down comes back by itself,
    a wrong password does not.
    """


class UpstreamError(BridgeError):
    """An upstream answer (or the lack of one) that is not a success.

    ``service`` is ``"bpjs"`` or ``"sirs"``; ``code`` is the envelope's code or
    status when there was an envelope; ``http_status`` the HTTP status when a
    response arrived at all. ``dead_letter`` is what a job adds on its way up
    (the step, the payload digest, the visit) so that a dead letter written
    after the last retry, far from the code that knew them, still tells staff
    which visit and step gave up.
    """

    outcome: Outcome = Outcome.PERMANENT

    def __init__(
        self,
        message: str,
        *,
        service: str,
        outcome: Outcome | None = None,
        code: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.service = service
        if outcome is not None:
            self.outcome = outcome
        self.code = code
        self.http_status = http_status
        self.dead_letter: dict[str, Any] = {}

    def __str__(self) -> str:
        code = f" {self.code}" if self.code is not None else ""
        return f"{self.service}{code}: {self.message} ({self.outcome.value})"


class RetryableError(UpstreamError):
    """Network trouble, timeouts, 5xx, 429, HTML or non-JSON bodies: try again later."""

    outcome = Outcome.RETRY


class PermanentError(UpstreamError):
    """The upstream refused this payload for a reason a retry cannot change."""

    outcome = Outcome.PERMANENT


class FixThenRetryError(UpstreamError):
    """The upstream lacks a prerequisite we can send (e.g. ``antrean/add`` before a task)."""

    outcome = Outcome.FIX_THEN_RETRY


class BlockedError(UpstreamError):
    """A predecessor (an earlier task id) has not been accepted yet."""

    outcome = Outcome.BLOCKED


# The exception each failing outcome is raised as; both upstream clients classify an answer
# to an outcome and raise through this one table.
ERROR_FOR: dict[Outcome, type[UpstreamError]] = {
    Outcome.RETRY: RetryableError,
    Outcome.PERMANENT: PermanentError,
    Outcome.FIX_THEN_RETRY: FixThenRetryError,
    Outcome.BLOCKED: BlockedError,
}
