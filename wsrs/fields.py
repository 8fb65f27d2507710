"""Field checks that answer in the words Mobile JKN shows the patient.

Khanza's web service answers a bad field with an Indonesian sentence naming it
(``Nomor Kartu harus 13 digit``); hospitals and BPJS's UAT expect those texts.
Each helper here makes a check for a pydantic ``BeforeValidator`` that turns a JSON value into
text or raises ``ValueError`` with that sentence, so the handler can hand the
first error's message straight to the patient.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

__all__ = ["code", "digits", "tanggal", "text"]

_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_CODE = re.compile(r"^[A-Za-z0-9._:/-]+$")


def _raw(value: Any, label: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"Format {label} tidak sesuai")
    return str(value).strip()


def text(label: str, limit: int, *, required: bool = True,
         bad: str | None = None) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        out = _raw(value, label)
        if not out and required:
            raise ValueError(f"{label} tidak boleh kosong")
        if len(out) > limit or any(ord(c) < 32 for c in out):
            raise ValueError(bad or f"Format {label} salah")
        return out
    return check


def digits(label: str, length: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        out = _raw(value, label)
        if not out:
            raise ValueError(f"{label} tidak boleh kosong")
        if len(out) != length:
            raise ValueError(f"{label} harus {length} digit")
        if not out.isdigit() or not out.isascii():
            raise ValueError(f"Format {label} tidak sesuai")
        return out
    return check


def code(label: str, limit: int, unknown: str) -> Callable[[Any], str]:
    """A code looked up later: empty is named, anything odd is simply 'not found'."""
    def check(value: Any) -> str:
        out = _raw(value, label)
        if not out:
            raise ValueError(f"{label} tidak boleh kosong")
        if len(out) > limit or not _CODE.match(out):
            raise ValueError(unknown)
        return out
    return check


def tanggal(label: str = "Tanggal") -> Callable[[Any], date]:
    def check(value: Any) -> date:
        out = _raw(value, label)
        if not out:
            raise ValueError(f"{label} tidak boleh kosong")
        if not _DATE.match(out):
            raise ValueError(f"Format {label} Tidak Sesuai, format yang benar adalah yyyy-mm-dd")
        try:
            return date.fromisoformat(out)
        except ValueError:
            raise ValueError(f"Format {label} Tidak Sesuai, format yang benar adalah "
                             "yyyy-mm-dd") from None
    return check

