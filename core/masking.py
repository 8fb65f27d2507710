"""Removing patient identifiers and secrets from anything we log, store or show.

The one place that knows how: log lines (``core.logging``'s filter), the audit
log, dead letters, upstream error texts and the dashboard all call these.

The audit log keeps request and response bodies so that staff can see exactly
what was sent, but the state database is read by more people than the SIMRS
itself: identifiers are masked (last four characters kept, as in logs) and
any configured secret is replaced wherever it appears.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "HIDDEN",
    "PATIENT_KEYS",
    "hide_secrets",
    "mask",
    "ordered_secrets",
    "redact",
    "redact_text",
    "scrub_text",
]

HIDDEN = "**********"

# Field names of both protocols that identify a patient.
PATIENT_KEYS = frozenset({
    "nik", "nomorkartu", "nokapst", "noka", "nohp", "norm", "norekammedis", "no_rkm_medis",
    "nomorkk", "nama", "nama_pasien", "nama_ibu", "nama_anak", "alamat", "tanggallahir",
    "tgllahir", "nomorreferensi", "noidentitas",
})


def mask(value: object, keep: int = 4) -> str:
    """Mask an identifier, keeping only its last ``keep`` characters so staff can still
    tell two patients apart."""
    text = "" if value is None else str(value)
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


def ordered_secrets(secrets: Iterable[str], min_length: int = 1) -> list[str]:
    """The secrets worth hiding, longest first so one containing another goes whole.

    Computed once per body or per filter, not per string: ``hide_secrets`` runs on every
    string of a response that may hold thousands of rows."""
    return sorted({s for s in secrets if len(s) >= min_length}, key=len, reverse=True)


def hide_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced, in the order given (``ordered_secrets``)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    return text


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of a JSON-like value with identifiers masked and secrets removed."""
    return _walk(value, ordered_secrets(secrets))


def _walk(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: (mask(item) if key.lower() in PATIENT_KEYS and item not in (None, "", "-")
                  else _walk(item, secrets))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_walk(item, secrets) for item in value]
    if isinstance(value, str):
        return hide_secrets(value, secrets)
    return value


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """A body as text: redacted as JSON when it is JSON, else only secrets removed."""
    try:
        parsed = json.loads(text)
    except (ValueError, TypeError):
        return hide_secrets(text, ordered_secrets(secrets))
    return json.dumps(redact(parsed, secrets), ensure_ascii=False, separators=(",", ":"))


# NIK (16 digits), BPJS card (13 digits), Indonesian mobile numbers.
_IDENTIFIER = re.compile(r"(?<!\d)(?:\d{16}|\d{13}|(?:\+?62|0)8\d{7,11})(?!\d)")


def scrub_text(text: str | None, secrets: Iterable[str]) -> str:
    """Free text from an upstream or the database, fit to show: redacted like a body,
    and any identifier-shaped number inside it masked."""
    if not text:
        return ""
    cleaned = redact_text(text, list(secrets))
    return _IDENTIFIER.sub(lambda m: mask(m.group(0)), cleaned)
