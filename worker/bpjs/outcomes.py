"""What every BPJS Antrean RS answer means: one table, reference §4 row by row.

BPJS reuses codes for unrelated conditions (201 covers most validation
failures, 208 both duplicates), so the table matches the message text first
and the code second, exactly like the public clients that branch on these
strings. The first matching rule wins; the order below is deliberate (specific
before generic). Nothing else in the daemon parses BPJS messages: callers act on
``Outcome`` or on the ``UpstreamError`` subclass ``error_for`` builds.

Transport rows (HTTP 5xx, 429, HTML or non-JSON bodies, timeouts, resets) have
no envelope, so they carry pseudo codes (``TRANSPORT_*``). ``worker.http``
raises ``RetryableError`` for all of them before an envelope exists; they are
listed here so that this file stays the one complete answer to "what happens
when BPJS says X".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import ERROR_FOR, Outcome, UpstreamError

__all__ = [
    "RULES",
    "SERVICE",
    "SUCCESS_CODES",
    "TRANSPORT_5XX",
    "TRANSPORT_429",
    "TRANSPORT_HTML",
    "TRANSPORT_NON_JSON",
    "TRANSPORT_RESET",
    "TRANSPORT_TIMEOUT",
    "Rule",
    "classify",
    "error_for",
    "normalize_code",
]

SERVICE = "bpjs"
SUCCESS_CODES = frozenset({"1", "200"})

TRANSPORT_5XX = "http-5xx"
TRANSPORT_429 = "http-429"
TRANSPORT_HTML = "html-body"
TRANSPORT_NON_JSON = "non-json-body"
TRANSPORT_TIMEOUT = "timeout"
TRANSPORT_RESET = "connection-reset"


@dataclass(frozen=True, slots=True)
class Rule:
    """``codes`` empty = any code; ``pattern`` None = any message (case-insensitive search)."""

    situation: str
    codes: frozenset[str]
    pattern: re.Pattern[str] | None
    outcome: Outcome

    def matches(self, code: str, message: str) -> bool:
        if self.codes and code not in self.codes:
            return False
        return self.pattern is None or self.pattern.search(message) is not None


def _rule(situation: str, codes: tuple[str, ...], pattern: str | None, outcome: Outcome) -> Rule:
    compiled = re.compile(pattern, re.IGNORECASE) if pattern is not None else None
    return Rule(situation, frozenset(codes), compiled, outcome)


_ANY: tuple[str, ...] = ()

RULES: tuple[Rule, ...] = (
    # Success: 1 on ref endpoints, 200 elsewhere, either on antrean/pendaftaran.
    _rule("success", ("1", "200"), None, Outcome.DONE),
    # Empty result of a list/ref endpoint (ssecd saw "No Content" on ref/poli/fp and
    # pendaftaran/aktif; the code is probably 204). The client returns an empty list.
    _rule("no content (empty list)", ("204",), None, Outcome.DONE),
    _rule("no content message", _ANY, r"^\s*no content\s*$", Outcome.DONE),
    # Duplicates mean BPJS already holds what we send: success (DESIGN principle 2).
    _rule("duplicate kodebooking", _ANY, r"duplikasi\s+kode\s*booking", Outcome.ALREADY_DONE),
    _rule("task already sent", _ANY, r"taskid\s*=\s*\d+\s+sudah\s+ada", Outcome.ALREADY_DONE),
    # BPJS has no such booking: send antrean/add, then this request again.
    _rule("kodebooking unknown", _ANY, r"kode\s*booking\s+tidak\s+ditemukan",
          Outcome.FIX_THEN_RETRY),
    # The predecessor task is missing; it may still arrive, so wait for it.
    _rule("previous task not sent", _ANY, r"sebelumnya\s+belum\s+terkirim", Outcome.BLOCKED),
    _rule("previous task missing", _ANY, r"taskid\s*=\s*\d+\s+belum\s+ada", Outcome.BLOCKED),
    # Time rules: only a different (correct) time would pass, and we never invent one.
    _rule("time not after previous task", _ANY,
          r"tidak\s+boleh\s+kurang\s+atau\s+sama\s+dengan\s+waktu\s+sebelumnya",
          Outcome.PERMANENT),
    _rule("time not before next task", _ANY, r"lebih\s+besar\s+dari\s*(pada\s+)?taskid",
          Outcome.PERMANENT),
    _rule("time not on the service date", _ANY, r"waktu\s+tidak\s+valid.*tanggal\s+pelayanan",
          Outcome.PERMANENT),
    # Task 99 (cancelled / no-show) closes the booking at BPJS: no later task can ever be
    # accepted, so retrying is pointless. It is not "done" either: BPJS does not hold the time
    # we tried to send, and claiming so would hide that the visit was closed as 99. A dead
    # letter with this message tells staff exactly that.
    _rule("after task 99", _ANY, r"taskid\s+terakhir\s+99", Outcome.PERMANENT),
    # Antrean farmasi duplicate: 208, or 201 with "sudah ada" (one client, uncertain).
    _rule("farmasi already added", ("201", "208"), r"sudah\s+ada", Outcome.ALREADY_DONE),
    # Referral problems on antrean/add are data errors in the SIMRS record.
    _rule("referral problem", _ANY, r"^\s*rujukan\b", Outcome.PERMANENT),
    # Gateway refuses our credentials (texts seen on other apijkn services): nothing works
    # until someone fixes SIMRS_BRIDGE_BPJS_CONS_ID / _USER_KEY / _SECRET or the clock.
    _rule("not registered", _ANY, r"unauthorized.*not\s+registered", Outcome.PERMANENT),
    _rule("consumer id expired", _ANY, r"consumer\s+id\s+is\s+expired", Outcome.PERMANENT),
    # Transport rows (see module docstring): always worth another try later.
    _rule("HTTP 5xx", (TRANSPORT_5XX,), None, Outcome.RETRY),
    _rule("HTTP 429 throttled", (TRANSPORT_429,), None, Outcome.RETRY),
    _rule("HTML page instead of JSON", (TRANSPORT_HTML,), None, Outcome.RETRY),
    _rule("non-JSON body", (TRANSPORT_NON_JSON,), None, Outcome.RETRY),
    _rule("timeout", (TRANSPORT_TIMEOUT,), None, Outcome.RETRY),
    _rule("connection reset", (TRANSPORT_RESET,), None, Outcome.RETRY),
)

# Anything not in the table is PERMANENT. Retrying an answer we do not understand would
# hammer BPJS with a request it keeps refusing and could trip its limits; a dead letter
# carries the upstream's message, is visible on the dashboard and can be replayed once the
# cause is known (and the rule added here).
_UNKNOWN = Outcome.PERMANENT

def normalize_code(code: object) -> str:
    """``200``, ``"200"`` and ``" 200 "`` are the same code (Khanza compares text)."""
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    return str(code).strip() if code is not None else ""


def classify(code: object, message: str) -> Outcome:
    """The outcome of one answer; unknown answers are ``PERMANENT`` (see ``_UNKNOWN``)."""
    text = normalize_code(code)
    for rule in RULES:
        if rule.matches(text, message or ""):
            return rule.outcome
    return _UNKNOWN


def error_for(
    code: object, message: str, *, context: str = "", http_status: int | None = None
) -> UpstreamError:
    """The exception for a non-success answer, carrying BPJS's own message.

    ``context`` (e.g. ``"POST antrean/updatewaktu"``) is prefixed so a dead
    letter names the endpoint; it must not contain patient identifiers.
    """
    text = normalize_code(code)
    outcome = classify(text, message)
    if outcome.succeeded:
        raise ValueError(f"code {text} {message!r} is a success, not an error")
    cls = ERROR_FOR[outcome]
    shown = message.strip() or "(no message)"
    return cls(
        f"{context}: {shown}" if context else shown,
        service=SERVICE,
        outcome=outcome,
        code=text or None,
        http_status=http_status,
    )
