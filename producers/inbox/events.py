"""The inbox event contract: one stream entry in, one typed event (or a reason) out.

An entry is either one field ``event`` holding a flat JSON object, or the
object's keys as stream fields (handy from redis-cli). Each kind is validated
with the same SIRS model that later builds the upstream body, so what is
stored is exactly what will be sent, and a bad value is refused here with a
reason naming the field (``oksigen.p_cair: must be a number``) instead of
failing upstream hours later. ``docs/inbox.md`` is the human version of this.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import BridgeError
from core.keys import KEBUTUHAN_KINDS
from core.masking import mask
from core.sirs.models import REPORTS, HasilShk, Kebutuhan, ShkPasien, explain

__all__ = [
    "KINDS",
    "BookingChanged",
    "Event",
    "HasilShkEvent",
    "KebutuhanEvent",
    "Rejected",
    "ReportEvent",
    "ShkEvent",
    "depth",
    "loggable",
    "parse",
]

REF = re.compile(r"^[A-Za-z0-9._/-]{1,64}$")
REASON_MAX = 300
# Limits checked on the raw entry, before any parsing: an event is a flat object of a
# few dozen short fields (the largest, pcr_nakes, is about 2 KB), so these leave a wide
# margin and still keep a hostile entry from costing memory or stack.
ENTRY_MAX_BYTES = 64 * 1024
FIELDS_MAX = 200
DEPTH_MAX = 8
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NUMBER_ERRORS = frozenset({
    "int_parsing", "int_type", "int_from_float", "float_parsing", "float_type",
    "decimal_parsing", "decimal_type", "finite_number",
})  # fmt: skip


M = TypeVar("M", bound=BaseModel)


class Rejected(BridgeError):
    """An entry that can never be stored; ``reason`` names the field at fault."""

    def __init__(self, reason: str) -> None:
        # Always encodable: a lone surrogate from the entry (a field name quoted back)
        # would make the reason itself impossible to write to Redis or to a log.
        safe = reason[:REASON_MAX].encode("utf-8", "backslashreplace").decode("utf-8")
        super().__init__(safe)
        self.reason = safe


@dataclass(frozen=True)
class ReportEvent:
    kind: str
    tanggal: date
    payload: dict[str, Any]

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.tanggal.isoformat()}"

    def describe(self) -> str:
        return f"{self.kind} {self.tanggal.isoformat()}"


@dataclass(frozen=True)
class KebutuhanEvent:
    kind: str
    id_kebutuhan: str
    payload: dict[str, Any]

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.id_kebutuhan}"

    def describe(self) -> str:
        return f"{self.kind} {self.id_kebutuhan}"


@dataclass(frozen=True)
class ShkEvent:
    ref: str
    payload: dict[str, Any]
    kind: str = "shk"

    @property
    def subject(self) -> str:
        return f"shk:{self.ref}"

    def describe(self) -> str:
        return f"shk {mask(self.ref)}"


@dataclass(frozen=True)
class HasilShkEvent:
    ref: str
    jenis_pemeriksaan: str
    payload: dict[str, Any]
    kind: str = "hasil_shk"

    @property
    def subject(self) -> str:
        return f"hasil_shk:{self.ref}:{self.jenis_pemeriksaan}"

    def describe(self) -> str:
        return f"hasil_shk {mask(self.ref)} pemeriksaan {self.jenis_pemeriksaan}"


@dataclass(frozen=True)
class BookingChanged:
    kodebooking: str
    kind: str = "booking_changed"

    def describe(self) -> str:
        return f"booking_changed {mask(self.kodebooking)}"


Event = ReportEvent | KebutuhanEvent | ShkEvent | HasilShkEvent | BookingChanged


def loggable(reason: str) -> str:
    """A reason fit for a log line: values a validator quoted back are cut off."""
    return re.sub(r",? got .*$", "", reason)[:200]


def _reason(kind: str, exc: ValidationError) -> str:
    error = exc.errors()[0]
    if error["type"] in _NUMBER_ERRORS:
        where = ".".join(str(part) for part in error["loc"])
        return f"{kind}.{where}: must be a number"
    if error["type"] == "greater_than_equal":
        where = ".".join(str(part) for part in error["loc"])
        return f"{kind}.{where}: must be at least {error.get('ctx', {}).get('ge', 0)}"
    return f"{kind}.{explain(exc)}"


def _validate(kind: str, model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Rejected(_reason(kind, exc)) from None


def _key(kind: str, name: str, value: Any, pattern: re.Pattern[str] = REF) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Rejected(f"{kind}.{name}: is required")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Rejected(f"{kind}.{name}: must be a string")
    text = str(value).strip()
    if not pattern.match(text):
        raise Rejected(f"{kind}.{name}: must be 1-64 characters of letters, digits and ._/-")
    return text


def _report(kind: str, data: dict[str, Any]) -> Event:
    _, model = REPORTS[kind]
    report = _validate(kind, model, data)
    return ReportEvent(kind, report.tanggal, report.body())


def _kebutuhan(kind: str, data: dict[str, Any]) -> Event:
    item = _validate(kind, Kebutuhan, data)
    return KebutuhanEvent(kind, item.id_kebutuhan, item.body())


def _shk(kind: str, data: dict[str, Any]) -> Event:
    ref = _key(kind, "ref", data.pop("ref", None))
    return ShkEvent(ref, _validate(kind, ShkPasien, data).body())


def _hasil_shk(kind: str, data: dict[str, Any]) -> Event:
    ref = _key(kind, "ref", data.pop("ref", None))
    if "id_shk" in data:
        raise Rejected(f"{kind}.id_shk: is assigned by RS Online; send ref (the baby's "
                       "reference, as in its shk event) instead")
    # id_shk is filled in by the job once RS Online has given the patient one.
    body = _validate(kind, HasilShk, {**data, "id_shk": "0"}).body()
    del body["id_shk"]
    return HasilShkEvent(ref, str(body["jenis_pemeriksaan"]), body)


def _booking_changed(kind: str, data: dict[str, Any]) -> Event:
    kodebooking = _key(kind, "kodebooking", data.pop("kodebooking", None))
    if data:
        raise Rejected(f"{kind}.{sorted(data)[0][:60]}: is not a field of this event")
    return BookingChanged(kodebooking)


_PARSERS: dict[str, Callable[[str, dict[str, Any]], Event]] = {
    **dict.fromkeys(REPORTS, _report),
    **dict.fromkeys(KEBUTUHAN_KINDS, _kebutuhan),
    "shk": _shk,
    "hasil_shk": _hasil_shk,
    "booking_changed": _booking_changed,
}
KINDS = tuple(_PARSERS)


def _unicode(text: str, name: str) -> str:
    """Refuse lone surrogates (JSON's ``"\\udc80"``): no database or upstream stores them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Rejected(f"{name[:60]}: is not valid Unicode text (lone surrogate)") from None
    return text


def _text(value: bytes | str, name: str) -> str:
    if isinstance(value, str):
        return _unicode(value, name)
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(f"{name[:60]}: is not UTF-8 text") from None


def _bounded(fields: Mapping[bytes | str, bytes | str]) -> None:
    """Bound the entry's size before anything is decoded or parsed."""
    if len(fields) > FIELDS_MAX:
        raise Rejected(f"entry: has {len(fields)} fields, at most {FIELDS_MAX} are allowed")
    total = sum(len(k) + len(v) for k, v in fields.items())
    if total > ENTRY_MAX_BYTES:
        raise Rejected(f"entry: is {total} bytes, at most {ENTRY_MAX_BYTES} are allowed")


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text, found without parsing it.

    ``json.loads`` recurses once per level, so an array nested a few thousand deep
    raises ``RecursionError``; this strips the strings and counts brackets instead.
    """
    level = deepest = 0
    for char in _JSON_STRING.sub("", text):
        if char in "[{":
            level += 1
            deepest = max(deepest, level)
        elif char in "]}":
            level -= 1
    return deepest


def _object(fields: Mapping[bytes | str, bytes | str]) -> dict[str, Any]:
    _bounded(fields)
    decoded = {_text(k, "field name"): v for k, v in fields.items()}
    if "event" not in decoded:
        return {name: _text(value, name) for name, value in decoded.items()}
    if len(decoded) > 1:
        raise Rejected("use either one field 'event' holding JSON or flat fields, not both")
    text = _text(decoded["event"], "event")
    if depth(text) > DEPTH_MAX:
        raise Rejected(f"event: is nested deeper than {DEPTH_MAX} levels (events are flat JSON)")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Rejected(f"event: is not JSON ({exc.__class__.__name__} at char "
                       f"{getattr(exc, 'pos', '?')})") from None
    if not isinstance(data, dict):
        raise Rejected("event: must be a JSON object with a kind")
    return data


def _plain(kind: str, data: dict[str, Any]) -> None:
    """Flat values only, and every string (names included) storable as UTF-8."""
    for name, value in data.items():
        _unicode(name, "field name")
        if isinstance(value, dict | list):
            raise Rejected(f"{kind}.{name[:60]}: must be a plain value (events are flat JSON)")
        if isinstance(value, str):
            _unicode(value, f"{kind}.{name[:60]}")


def parse(fields: Mapping[bytes | str, bytes | str]) -> Event:
    """The event in one stream entry's fields, or ``Rejected`` with the reason."""
    data = _object(fields)
    kind = data.pop("kind", None)
    if kind is None or kind == "":
        raise Rejected("kind: is required")
    if not isinstance(kind, str) or kind not in _PARSERS:
        raise Rejected(f"kind: unknown kind {str(kind)[:40]!r}; expected one of "
                       f"{', '.join(KINDS)}")
    _plain(kind, data)
    return _PARSERS[kind](kind, data)
