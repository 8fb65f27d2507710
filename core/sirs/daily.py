"""RS Online V3 reports the hospital repeats: SDM/APD needs and date-keyed daily reports.

Date-keyed reports (PCR nakes, infected nakes, oxygen) are kept by the server as
one row per ``tanggal``, so sending a date again updates it; SDM/APD lines are
keyed by ``id_kebutuhan`` instead. Totals the guide derives from the groups are
filled in or checked here, before anything is sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, Field, create_model, model_validator

from core.sirs.fields import (
    M3,
    Code,
    Count,
    OptionalCount,
    OptionalText,
    SirsModel,
    Tanggal,
    Timestamp,
    _Row,
)

__all__ = [
    "DailyReport",
    "Kebutuhan",
    "KebutuhanRow",
    "NakesTerinfeksi",
    "Oksigen",
    "PcrNakes",
]


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
