"""Removing patient identifiers and secrets from anything we store or show.

The audit log keeps request and response bodies so that staff can see exactly
what was sent, but the state database is read by more people than the SIMRS
itself: identifiers are masked (last four characters kept, as in logs) and
any configured secret is replaced wherever it appears.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from core.logging import mask

__all__ = ["PATIENT_KEYS", "redact", "redact_text"]

# Field names of both protocols that identify a patient.
PATIENT_KEYS = frozenset({
    "nik", "nomorkartu", "nokapst", "noka", "nohp", "norm", "norekammedis", "no_rkm_medis",
    "nomorkk", "nama", "nama_pasien", "nama_ibu", "nama_anak", "alamat", "tanggallahir",
    "tgllahir", "nomorreferensi", "noidentitas",
})


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of a JSON-like value with identifiers masked and secrets removed."""
    hidden = [s for s in secrets if s]
    return _walk(value, hidden)


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
        for secret in secrets:
            value = value.replace(secret, "**********")
    return value


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """A body as text: redacted as JSON when it is JSON, else only secrets removed."""
    try:
        parsed = json.loads(text)
    except (ValueError, TypeError):
        out = text
        for secret in secrets:
            if secret:
                out = out.replace(secret, "**********")
        return out
    return json.dumps(redact(parsed, secrets), ensure_ascii=False, separators=(",", ":"))
