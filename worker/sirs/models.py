"""Typed RS Online V3 payloads and decoded rows, with the guide's rules.

The models hold numbers as numbers and dates as dates; ``body()`` renders the
guide's JSON (counts as strings, ``covid`` as a number, ``yyyy-mm-dd`` dates).
Validation happens here, before anything is sent, so a bad value comes back
as a message naming the field instead of an opaque refusal from Kemenkes.
Inputs (inbox events, ``sirs report --file``) may use the guide's own
string-typed JSON; extra keys are refused so that a misspelt field is an error
rather than a silent zero.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    create_model,
    model_validator,
)

from ..errors import Outcome

__all__ = [
    "M3",
    "RUANG_MAX",
    "Antrian",
    "AntrianTask",
    "BedGroup",
    "BedRow",
    "Count",
    "DailyReport",
    "HasilShk",
    "Kebutuhan",
    "KebutuhanRef",
    "KebutuhanRow",
    "NakesTerinfeksi",
    "Oksigen",
    "PcrNakes",
    "ReportRow",
    "ShkPasien",
    "ShkQuery",
    "SirsModel",
    "Tanggal",
    "TempatTidurRef",
    "WriteResult",
    "explain",
]

logger = logging.getLogger(__name__)

RUANG_MAX = 100
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^\d+$")


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


def _date(value: Any) -> Any:
    if isinstance(value, str) and not _DATE.match(value.strip()):
        raise ValueError(f"must be a date yyyy-mm-dd, got {value!r}")
    return value.strip() if isinstance(value, str) else value


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise ValueError(f"must be 'YYYY-MM-DD HH:MM:SS', got {value!r}") from None
    return value


def _code(value: Any) -> Any:
    """Reference codes arrive as "3" or 3; both mean the same code."""
    text = str(value).strip() if isinstance(value, int | str) else value
    if isinstance(text, str) and not _DIGITS.match(text):
        raise ValueError(f"must be a numeric code, got {value!r}")
    return text


def _flag(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if str(value).strip() in ("0", "1"):
        return int(str(value).strip())
    raise ValueError(f"must be 0 or 1, got {value!r}")


def _ruang(value: str) -> str:
    """The guide's room name: an ASCII apostrophe is refused upstream, so use U+2019."""
    text = value.strip().replace("'", "\u2019")
    if not text:
        raise ValueError("must not be empty")
    if len(text) > RUANG_MAX:
        raise ValueError(f"must be at most {RUANG_MAX} characters, got {len(text)}")
    return text


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral() else str(int(value))


# Numbers stay numbers in Python; the JSON sent upstream has the guide's string forms.
_AS_JSON: Any = {"return_type": str, "when_used": "json"}
Count = Annotated[int, Field(ge=0), PlainSerializer(str, **_AS_JSON)]
Tanggal = Annotated[date, BeforeValidator(_date), PlainSerializer(date.isoformat, **_AS_JSON)]
Timestamp = Annotated[
    datetime,
    BeforeValidator(_timestamp),
    PlainSerializer(lambda d: d.strftime("%Y-%m-%d %H:%M:%S"), **_AS_JSON),
]
Code = Annotated[str, BeforeValidator(_code)]
Flag = Annotated[int, BeforeValidator(_flag)]
Ruang = Annotated[str, AfterValidator(_ruang)]
M3 = Annotated[
    Decimal, Field(ge=0, allow_inf_nan=False), PlainSerializer(_decimal_text, **_AS_JSON)
]
Text = Annotated[str, Field(min_length=1)]


class SirsModel(BaseModel):
    """Request payloads: strict about unknown keys, JSON as the guide prints it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class _Row(BaseModel):
    """Decoded rows: the server adds and drops columns over time, so be lenient."""

    model_config = ConfigDict(extra="allow")


def _optional_int(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return int(Decimal(value.strip()))
    return value


OptionalCount = Annotated[int | None, BeforeValidator(_optional_int)]
OptionalText = Annotated[str | None, BeforeValidator(lambda v: None if v is None else str(v))]


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


# --- SDM / APD ----------------------------------------------------------------------------------


class Kebutuhan(SirsModel):
    """One SDM or APD line, keyed by ``id_kebutuhan`` (POST first time, PUT after)."""

    id_kebutuhan: Code
    jumlah_eksisting: Count
    jumlah: Count
    jumlah_diterima: Count


class KebutuhanRow(_Row):
    id_kebutuhan: OptionalText = None
    kebutuhan: OptionalText = None
    jumlah_eksisting: OptionalCount = None
    jumlah: OptionalCount = None
    jumlah_diterima: OptionalCount = None
    tglupdate: OptionalText = None


class TempatTidurRef(_Row):
    kode_tt: OptionalText = None
    nama_tt: OptionalText = None


class KebutuhanRef(_Row):
    id_kebutuhan: OptionalText = None
    kebutuhan: OptionalText = None


class ReportRow(_Row):
    """A row of a date-keyed report or of SHK/Antrian reads; columns kept as sent."""

    tanggal: OptionalText = None


# --- Date-keyed daily reports (upserts by tanggal) --------------------------------------------

PCR_GROUPS = (
    "dokter_umum", "dokter_spesialis", "dokter_gigi", "residen", "perawat", "bidan",
    "apoteker", "radiografer", "analis_lab", "co_ass", "internship", "nakes_lainnya",
)  # fmt: skip
PCR_MEASURES = ("jumlah_tenaga", "sudah_periksa", "hasil_pcr")
PCR_REKAP = {
    "jumlah_tenaga": "rekap_jumlah_tenaga",
    "sudah_periksa": "rekap_jumlah_sudah_diperiksa",
    "hasil_pcr": "rekap_jumlah_hasil_pcr",
}
# The guide spells "intership" (sic) here, unlike "internship" in pcr_nakes; the server's
# column names follow the guide, so the spelling is kept.
NAKES_GROUPS = (
    "co_ass", "residen", "intership", "dokter_spesialis", "dokter_umum", "dokter_gigi",
    "perawat", "bidan", "apoteker", "radiografer", "analis_lab", "nakes_lainnya",
)  # fmt: skip
NAKES_STATES = ("", "_meninggal", "_dirawat", "_isoman", "_sembuh")


class DailyReport(SirsModel):
    """A report the server keeps one row of per ``tanggal``: sending a date again updates it."""

    tanggal: Tanggal


class _PcrNakesBase(DailyReport):
    tgllapor: Timestamp

    @model_validator(mode="after")
    def _rekap(self) -> _PcrNakesBase:
        """The guide's totals are the sums of the groups; fill them in or check them."""
        for measure, total_field in PCR_REKAP.items():
            total = sum(int(getattr(self, f"{measure}_{g}")) for g in PCR_GROUPS)
            given = getattr(self, total_field)
            if given is None:
                setattr(self, total_field, total)
            elif given != total:
                raise ValueError(
                    f"{total_field}: must be the sum of {measure}_* ({total}), got {given}"
                )
        return self


PcrNakes: type[DailyReport] = create_model(
    "PcrNakes",
    __base__=_PcrNakesBase,
    **{f"{m}_{g}": (Count, 0) for g in PCR_GROUPS for m in PCR_MEASURES},  # type: ignore[call-overload]
    **{name: (Count | None, None) for name in PCR_REKAP.values()},
)
# The guide's sample also prints "internship" and "analisis_lab"; accept those spellings on
# input, send the column names public clients use ("intership", "analis_lab").
_NAKES_VARIANTS = {"intership": "internship", "analis_lab": "analisis_lab"}


def _nakes_field(group: str, state: str) -> tuple[Any, Any]:
    name = f"{group}{state}"
    if group in _NAKES_VARIANTS:
        variant = f"{_NAKES_VARIANTS[group]}{state}"
        return (Count, Field(0, validation_alias=AliasChoices(name, variant)))
    return (Count, 0)


NakesTerinfeksi: type[DailyReport] = create_model(
    "NakesTerinfeksi",
    __base__=DailyReport,
    **{f"{g}{s}": _nakes_field(g, s) for g in NAKES_GROUPS for s in NAKES_STATES},  # type: ignore[call-overload]
)


class Oksigen(DailyReport):
    """Oxygen use (``p_*``) and stock (``k_isi_*``) in m³; see ``units.to_m3``."""

    p_cair: M3 = Decimal(0)
    p_tabung_kecil: M3 = Decimal(0)
    p_tabung_sedang: M3 = Decimal(0)
    p_tabung_besar: M3 = Decimal(0)
    k_isi_cair: M3 = Decimal(0)
    k_isi_tabung_kecil: M3 = Decimal(0)
    k_isi_tabung_sedang: M3 = Decimal(0)
    k_isi_tabung_besar: M3 = Decimal(0)


# --- SHK (newborn congenital hypothyroidism screening) ------------------------------------------

Nik = Annotated[str, Field(pattern=r"^\d{16}$")]


class ShkPasien(SirsModel):
    """``Pasien/shk`` POST body (PUT adds ``id_shk``); ``koders`` defaults to our rs id."""

    koders: str | None = None
    nik_ibu: Nik
    nama_ibu: Text
    nik_anak: Nik
    nama_anak: Text
    tgllahir: Tanggal
    gender: Literal["Laki-Laki", "Perempuan"]
    umur: int = Field(ge=0)
    alamat: Text
    provinsi: Annotated[str, Field(pattern=r"^\d{2}$")]
    kabkota: Annotated[str, Field(pattern=r"^\d{4}$")]
    kecamatan: Text
    tgl_ambil_sampel: Tanggal
    tgl_kirim_sampel: Tanggal
    tgl_lapor: Tanggal
    kode_perujuk: str = ""
    nama_fayankes_perujuk: str = ""  # sic, as in the guide
    jenis_fasyankes: Code


class ShkQuery(SirsModel):
    tgl_ambil_sampel: Tanggal | None = None
    id_shk: int | None = None


class HasilShk(SirsModel):
    """``Pasien/hasilShk`` POST body; the PUT adds ``id_hasil`` and the two names."""

    id_shk: Code
    jenis_pemeriksaan: Code
    hasil_pemeriksaan: Code
    tgl_periksa: Tanggal
    tgl_hasil: Tanggal
    layak_sampel: Code
    id_layak: Code
    tgl_terima: Tanggal
    tgllapor: Timestamp
    nama_pemeriksaan: str | None = None
    nama_hasil: str | None = None


# --- Antrian (KPI 1) ----------------------------------------------------------------------------

_EPOCH_MS_MIN = 10**12  # 2001-09-09 in milliseconds: anything smaller is seconds by mistake


def _epoch_ms(value: int) -> int:
    if value < _EPOCH_MS_MIN:
        raise ValueError(f"must be epoch milliseconds, got {value} (seconds?)")
    return value


EpochMs = Annotated[int, AfterValidator(_epoch_ms)]


class Antrian(SirsModel):
    kodebooking: Text
    jenispasien: Literal["JKN", "NON JKN"]
    nik: str
    kodepoli: Text
    namapoli: Text
    pasienbaru: Literal[0, 1]
    norm: Text
    tanggalperiksa: Tanggal
    kodedokter: int
    namadokter: Text
    jampraktek: Text
    jeniskunjungan: Literal[1, 2, 3, 4]
    nomorreferensi: str = ""
    nomorantrean: Text
    angkaantrean: int = Field(ge=0)
    estimasidilayani: EpochMs
    keterangan: str = ""

    @model_validator(mode="after")
    def _referensi(self) -> Antrian:
        if self.jenispasien == "NON JKN" and self.nomorreferensi:
            raise ValueError("nomorreferensi: must be empty for NON JKN patients")
        return self


class AntrianTask(SirsModel):
    kodebooking: Text
    taskid: Literal[1, 2, 3, 4, 5, 6, 7, 99]
    waktu: EpochMs


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
