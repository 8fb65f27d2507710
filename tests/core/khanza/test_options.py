"""Task sources are chosen by name from a setting; a bad part is named in the error."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from core.khanza.options import PRESETS, SOURCE_NAMES, KhanzaOptions, TaskSources
from core.khanza.tasks import EXTRACTORS

NEWER_KHANZA = ("3=mutasi_berkas.dikirim,4=mutasi_berkas.diterima,5=pemeriksaan_ralan.first,"
                "6=resep_obat.validasi,7=resep_obat.penyerahan")


def test_default_is_the_newer_khanza_mapping() -> None:
    sources = KhanzaOptions(zone=ZoneInfo("Asia/Jakarta")).task_sources
    assert sources == TaskSources.parse(NEWER_KHANZA) == TaskSources.parse("khanza")
    assert str(sources) == NEWER_KHANZA
    assert [sources.source(t) for t in (1, 2)] == ["none", "none"]


def test_checkin_preset() -> None:
    sources = TaskSources.parse("checkin")
    assert dict(sources) == {
        3: "referensi_mobilejkn_bpjs.validasi", 4: "pemeriksaan_ralan.petugas",
        5: "pemeriksaan_ralan.dokter", 6: "resep_obat.peresepan", 7: "resep_obat.penyerahan",
    }
    assert not sources.uses("mutasi_berkas")
    assert sources.uses("pemeriksaan_ralan")


def test_parse_tolerates_spaces_and_none() -> None:
    sources = TaskSources.parse(" 1=none, 3 = mutasi_berkas.dikirim ,")
    assert dict(sources) == {3: "mutasi_berkas.dikirim"}
    assert TaskSources.parse("") == TaskSources(())


@pytest.mark.parametrize(("text", "named"), [
    ("3=mutasi_berkas.dikirim,4=mutasi_berkas.sent", "'4=mutasi_berkas.sent'"),
    ("3=mutasi_berkas.dikirim,4", "'4'"),
    ("99=resep_obat.validasi", "'99=resep_obat.validasi'"),
    ("x=resep_obat.validasi", "'x=resep_obat.validasi'"),
    ("3=mutasi_berkas.dikirim,3=mutasi_berkas.diterima", "'3=mutasi_berkas.diterima'"),
    ("3=SELECT 1", "'3=SELECT 1'"),
])
def test_parse_errors_name_the_bad_part(text: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        TaskSources.parse(text)


def test_every_name_has_an_extractor_and_presets_use_known_names() -> None:
    assert set(EXTRACTORS) == set(SOURCE_NAMES)
    for pairs in PRESETS.values():
        assert TaskSources(pairs).pairs == tuple(sorted(pairs))


def test_window_and_its_validation() -> None:
    options = KhanzaOptions(zone=ZoneInfo("Asia/Jakarta"))
    assert options.window(date(2025, 1, 31)) == (date(2025, 1, 30), date(2025, 2, 7))
    with pytest.raises(ValueError, match="negative"):
        KhanzaOptions(zone=ZoneInfo("Asia/Jakarta"), lookback_days=-1)


def test_a_task_may_name_ordered_alternatives_and_round_trips() -> None:
    sources = TaskSources.parse("3 = referensi_mobilejkn_bpjs.checkin | mutasi_berkas.dikirim")
    assert sources.alternatives(3) == ("referensi_mobilejkn_bpjs.checkin",
                                       "mutasi_berkas.dikirim")
    assert TaskSources.parse(str(sources)) == sources
    assert sources.uses("mutasi_berkas")  # the second alternative's query must run
    assert TaskSources(PRESETS["wsrs"]).source(3) == (
        "referensi_mobilejkn_bpjs.checkin|mutasi_berkas.dikirim")


@pytest.mark.parametrize(("text", "why"), [
    ("3=none|mutasi_berkas.dikirim", "'none' cannot be an alternative"),
    ("3=mutasi_berkas.dikirim|mutasi_berkas.dikirim", "named twice"),
    ("3=mutasi_berkas.dikirim|SELECT 1", "unknown source 'SELECT 1'"),
])
def test_bad_chains_are_refused_naming_the_part(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as raised:
        TaskSources.parse(text)
    assert repr(text) in str(raised.value)
