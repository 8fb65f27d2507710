"""Typed RS Online V3 beds (Fasyankes), referensi rows and write answers.

The payload models are split by domain: shared field types and base classes in
``fields``, date-keyed reports and SDM/APD lines in ``daily``, SHK and Antrian in
``patients``. This module re-exports all of them so that importers keep one
place to import from (``from core.sirs.models import ...``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
    model_validator,
)

from core.errors import Outcome
from core.sirs.daily import DailyReport, Kebutuhan, KebutuhanRow, NakesTerinfeksi, Oksigen, PcrNakes
from core.sirs.fields import (
    M3,
    Code,
    Count,
    Flag,
    OptionalCount,
    OptionalText,
    SirsModel,
    Tanggal,
    _Row,
)
from core.sirs.patients import Antrian, AntrianTask, HasilShk, ShkPasien, ShkQuery

__all__ = [
    "M3",
    "REPORTS",
    "RUANG_MAX",
    "Antrian",
    "AntrianTask",
    "BedGroup",
    "BedKey",
    "BedRow",
    "Count",
    "DailyReport",
    "HasilShk",
    "Kebutuhan",
    "KebutuhanKind",
    "KebutuhanRef",
    "KebutuhanRow",
    "NakesTerinfeksi",
    "Oksigen",
    "PcrNakes",
    "ReportKind",
    "ReportRow",
    "ShkPasien",
    "ShkQuery",
    "SirsModel",
    "Tanggal",
    "TempatTidurRef",
    "WriteResult",
    "explain",
]

RUANG_MAX = 100


def explain(exc: ValidationError) -> str:
    """One line naming the first bad field, for CLI output and dead letters."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is required"
    elif error["type"] == "extra_forbidden":
        message = "is not a field of this report (check the spelling against the guide)"
    return f"{where}: {message}" if where else message


def _ruang(value: str) -> str:
    """The guide's room name: an ASCII apostrophe is refused upstream, so use U+2019."""
    text = value.strip().replace("'", "\u2019")
    if not text:
        raise ValueError("must not be empty")
    if len(text) > RUANG_MAX:
        raise ValueError(f"must be at most {RUANG_MAX} characters, got {len(text)}")
    return text


Ruang = Annotated[str, AfterValidator(_ruang)]


# --- Beds (Fasyankes) -------------------------------------------------------------------------

BED_COUNTS = (
    "jumlah_ruang", "jumlah", "terpakai", "terpakai_suspek", "terpakai_konfirmasi",
    "antrian", "prepare", "prepare_plan", "covid",
    "terpakai_dbd", "terpakai_dbd_anak", "jumlah_dbd",
)  # fmt: skip


class BedGroup(SirsModel):
    """One bed record as the hospital wants it shown; (id_tt, ruang) identifies it."""

    id_tt: Code
    ruang: Ruang
    jumlah_ruang: Count = 1
    jumlah: Count
    terpakai: Count
    terpakai_suspek: Count = 0
    terpakai_konfirmasi: Count = 0
    antrian: Count = 0
    prepare: Count = 0
    prepare_plan: Count = 0
    covid: Flag = 0
    terpakai_dbd: Count = 0
    terpakai_dbd_anak: Count = 0
    jumlah_dbd: Count = 0

    @model_validator(mode="after")
    def _covid_split(self) -> BedGroup:
        split = self.terpakai_suspek + self.terpakai_konfirmasi
        if self.covid == 1 and self.terpakai != split:
            raise ValueError(
                f"terpakai: a COVID bed (covid=1) needs terpakai = terpakai_suspek + "
                f"terpakai_konfirmasi, got {self.terpakai} != {split}"
            )
        if self.covid == 0 and split:
            field = "terpakai_suspek" if self.terpakai_suspek else "terpakai_konfirmasi"
            raise ValueError(f"{field}: must be 0 for a non-COVID bed (covid=0)")
        return self

    @property
    def key(self) -> tuple[str, str]:
        return (self.id_tt, self.ruang)

    def counts(self) -> tuple[int, ...]:
        return tuple(int(getattr(self, name)) for name in BED_COUNTS)

    def post_body(self) -> dict[str, Any]:
        return self.body()

    def put_body(self, id_t_tt: str) -> dict[str, Any]:
        """The guide's PUT body: ``id_t_tt`` in place of ``id_tt``."""
        body = self.body()
        del body["id_tt"]
        return {"id_t_tt": id_t_tt, **body}


class BedRow(_Row):
    """A ``GET Fasyankes`` row; placeholder rows (unregistered types) have no id_t_tt."""

    id_tt: OptionalText = None
    tt: OptionalText = None
    ruang: OptionalText = None
    id_t_tt: OptionalText = None
    jumlah_ruang: OptionalCount = None
    jumlah: OptionalCount = None
    terpakai: OptionalCount = None
    terpakai_suspek: OptionalCount = None
    terpakai_konfirmasi: OptionalCount = None
    antrian: OptionalCount = None
    prepare: OptionalCount = None
    prepare_plan: OptionalCount = None
    covid: OptionalCount = None
    terpakai_dbd: OptionalCount = None
    terpakai_dbd_anak: OptionalCount = None
    jumlah_dbd: OptionalCount = None
    kosong: OptionalCount = None
    tglupdate: OptionalText = None

    @property
    def registered(self) -> bool:
        return bool(self.id_t_tt and self.id_t_tt.strip() and self.ruang is not None)

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.id_tt or ""), _ruang_or_raw(self.ruang or ""))

    def counts(self) -> tuple[int, ...]:
        return tuple(int(getattr(self, name) or 0) for name in BED_COUNTS)


def _ruang_or_raw(value: str) -> str:
    try:
        return _ruang(value)
    except ValueError:
        return value


# --- Referensi and read rows --------------------------------------------------------------------


class TempatTidurRef(_Row):
    kode_tt: OptionalText = None
    nama_tt: OptionalText = None


class KebutuhanRef(_Row):
    id_kebutuhan: OptionalText = None
    kebutuhan: OptionalText = None


class ReportRow(_Row):
    """A row of a date-keyed report or of SHK/Antrian reads; columns kept as sent."""

    tanggal: OptionalText = None


# --- Write answers ------------------------------------------------------------------------------


class WriteResult(BaseModel):
    """A POST/PUT/DELETE answer; ids the server assigned are kept for the caller to store."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    status: str
    message: str
    id_t_tt: OptionalText = None
    id_shk: OptionalText = None
    id_hasil: OptionalText = None


BedKey = tuple[str, str]
"""(id_tt, ruang): how a bed group is recognised in the server's listing (reference §4.2)."""

ReportKind = Literal["pcr_nakes", "nakes_terinfeksi", "oksigen"]
KebutuhanKind = Literal["sdm", "apd"]

# Report kind (the inbox/CLI name) -> resource and payload model.
REPORTS: dict[str, tuple[str, type[DailyReport]]] = {
    "pcr_nakes": ("Pasien/pcr_nakes", PcrNakes),
    "nakes_terinfeksi": ("Pasien/harian_nakes_terinfeksi", NakesTerinfeksi),
    "oksigen": ("Logistik/oksigen", Oksigen),
}
