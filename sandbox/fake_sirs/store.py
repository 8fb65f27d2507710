"""The state every resource shares, and the small rules all of them apply.

``SirsStore`` holds what the server remembers; the resource classes in
``beds`` and ``records`` add the handlers, and ``state.FakeSirs`` joins them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from sandbox.fake_sirs.config import (
    BED_COUNTS,
    REPORT_FIELDS,
    TEMPAT_TIDUR,
    Answer,
    FakeSirsConfig,
    Rows,
)

__all__ = ["Refusal", "Seen", "SirsStore"]


@dataclass(frozen=True)
class Seen:
    """One request as the fake understood it; ``x_pass`` is plain/md5/wrong, never the value."""

    method: str
    resource: str
    headers: dict[str, str]
    x_pass: str
    body: Any


class Refusal(Exception):
    """A status row other than success: (status, message)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _ok(message: str, **extra: Any) -> Answer:
    return [{"status": "200", "message": message, **extra}], 200


def _now() -> str:
    return datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m-%d %H:%M:%S")


def _count(body: dict[str, Any], name: str) -> int:
    value = body.get(name, 0)
    try:
        number = int(str(value))
    except ValueError:
        raise Refusal("400", f"Nilai {name} tidak valid") from None
    if number < 0:
        raise Refusal("400", f"Nilai {name} tidak valid")
    return number


def _tanggal(value: Any, name: str = "tanggal") -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise Refusal("400", f"Format {name} harus yyyy-mm-dd") from None


class SirsStore:
    """What the server remembers, plus the helpers tests and ``/_fake`` use on it."""

    def __init__(self, config: FakeSirsConfig) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        self.beds: dict[str, dict[str, Any]] = {}
        self.kebutuhan: dict[str, dict[str, dict[str, Any]]] = {"sdm": {}, "apd": {}}
        self.reports: dict[str, dict[str, dict[str, Any]]] = {r: {} for r in REPORT_FIELDS}
        self.shk: dict[int, dict[str, Any]] = {}
        self.hasil_shk: dict[int, dict[str, Any]] = {}
        self.antrian: dict[str, dict[str, Any]] = {}
        self.tasks: dict[tuple[str, int], dict[str, Any]] = {}
        self.seen: list[Seen] = []
        self._next_id = self.config.first_id_t_tt
        self._next_shk = 282880
        self._next_hasil = 13400

    # --- state helpers used by tests and /_fake -------------------------------------------------

    def add_bed(self, row: dict[str, Any]) -> str:
        """Preload a bed record as if POSTed earlier; returns its id_t_tt."""
        id_t_tt = str(row.get("id_t_tt") or self._new_id())
        stored = {"id_tt": str(row["id_tt"]), "ruang": str(row["ruang"]), "id_t_tt": id_t_tt,
                  "covid": int(row.get("covid", 0)), "tglupdate": _now()}
        stored.update({name: str(_count(row, name)) for name in BED_COUNTS})
        self.beds[id_t_tt] = stored
        return id_t_tt

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def bed_rows(self) -> Rows:
        rows = []
        for row in self.beds.values():
            kosong = int(row["jumlah"]) - int(row["terpakai"])
            rows.append({**row, "tt": TEMPAT_TIDUR.get(row["id_tt"]), "kosong": str(kosong),
                         "kode_siranap": row["id_tt"].zfill(4)})
        return rows

    def check_login(self, request: web.Request) -> str | None:
        """plain / md5 when the credentials are right, None otherwise."""
        given = request.headers.get("X-pass", "")
        if request.headers.get("X-rs-id", "") != self.config.rs_id:
            return None
        if not request.headers.get("X-Timestamp", "").isdigit():
            return None
        if given == self.config.password:
            return "plain"
        md5 = hashlib.md5(self.config.password.encode(), usedforsecurity=False).hexdigest()
        if self.config.accept_md5 and given == md5:
            return "md5"
        return None
