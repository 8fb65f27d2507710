"""Every V3 endpoint and every message case, end to end against the fake over HTTP."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from core.errors import FixThenRetryError, Outcome
from core.sirs.models import (
    Antrian,
    AntrianTask,
    BedGroup,
    HasilShk,
    Kebutuhan,
    NakesTerinfeksi,
    Oksigen,
    PcrNakes,
    ShkPasien,
    ShkQuery,
)
from sandbox.fake_sirs import FakeSirsConfig, start
from sandbox.fake_sirs import RunningFakeSirs as Fake
from worker.sirs.endpoints import RsOnline

RS_ID = FakeSirsConfig().rs_id
PASSWORD = FakeSirsConfig().password


def melati(**values: Any) -> BedGroup:
    return BedGroup.model_validate(
        {"id_tt": "3", "ruang": "Melati", "jumlah": 5, "terpakai": 2, **values}
    )


async def test_referensi(api: RsOnline) -> None:
    types = await api.tempat_tidur_ref()
    assert {"3", "52"} <= {t.kode_tt for t in types} and "13" not in {t.kode_tt for t in types}
    sdm = await api.kebutuhan_ref("sdm")
    assert sdm[0].id_kebutuhan == "26" and sdm[0].kebutuhan == "Dokter"
    apd = await api.kebutuhan_ref("apd")
    assert apd[0].kebutuhan == "Protection Gown"


async def test_fasyankes_post_get_put_delete(fake: Fake, api: RsOnline) -> None:
    posted = await api.post_bed(melati())
    assert posted.outcome is Outcome.DONE and posted.id_t_tt
    rows = [r for r in await api.beds() if r.registered]
    assert [(r.key, r.id_t_tt, r.kosong) for r in rows] == [(("3", "Melati"), posted.id_t_tt, 3)]
    updated = await api.put_bed(posted.id_t_tt, melati(terpakai=4))
    assert updated.outcome is Outcome.DONE
    assert fake.state.beds[posted.id_t_tt]["terpakai"] == "4"
    deleted = await api.delete_bed(posted.id_t_tt)
    assert deleted.outcome is Outcome.DONE and fake.state.beds == {}


async def test_fasyankes_duplicate_post_says_sudah_ada(fake: Fake, api: RsOnline) -> None:
    await api.post_bed(melati())
    with pytest.raises(FixThenRetryError, match="sudah ada"):
        await api.post_bed(melati(terpakai=1))
    assert len(fake.state.beds) == 1


async def test_fasyankes_put_unknown_id_says_tidak_ditemukan(fake: Fake, api: RsOnline) -> None:
    with pytest.raises(FixThenRetryError) as info:
        await api.put_bed("777", melati())
    assert f"Data id_t_tt 777 bagi kode rs {RS_ID} tidak ditemukan" in str(info.value)


async def test_fasyankes_delete_unknown_id_is_already_gone(api: RsOnline) -> None:
    result = await api.delete_bed("777")
    assert result.outcome is Outcome.ALREADY_DONE and "tidak ditemukan" in result.message


async def test_fasyankes_put_needs_an_id(fake: Fake, api: RsOnline) -> None:
    with pytest.raises(ValueError, match="id_t_tt"):
        await api.put_bed("  ", melati())
    assert fake.state.seen == []


async def test_covid_bed_round_trip(fake: Fake, api: RsOnline) -> None:
    group = BedGroup(
        id_tt="30",
        ruang="NICU Covid",
        jumlah=4,
        terpakai=3,
        terpakai_suspek=1,
        terpakai_konfirmasi=2,
        covid=1,
    )
    posted = await api.post_bed(group)
    assert posted.id_t_tt
    stored = fake.state.beds[posted.id_t_tt]
    split = (stored["terpakai_suspek"], stored["terpakai_konfirmasi"], stored["covid"])
    assert split == ("1", "2", 1)


@pytest.mark.parametrize("kind", ["sdm", "apd"])
async def test_kebutuhan_post_put_delete(fake: Fake, api: RsOnline, kind: str) -> None:
    ident = "26" if kind == "sdm" else "16"
    item = Kebutuhan(id_kebutuhan=ident, jumlah_eksisting=154, jumlah=3, jumlah_diterima=1)
    assert (await api.post_kebutuhan(kind, item)).outcome is Outcome.DONE  # type: ignore[arg-type]
    with pytest.raises(FixThenRetryError, match="silahkan edit dengan method PUT"):
        await api.post_kebutuhan(kind, item)  # type: ignore[arg-type]
    await api.put_kebutuhan(kind, item.model_copy(update={"jumlah_diterima": 2}))  # type: ignore[arg-type]
    rows = {r.id_kebutuhan: r for r in await api.kebutuhan(kind)}  # type: ignore[arg-type]
    assert (rows[ident].jumlah_eksisting, rows[ident].jumlah_diterima) == (154, 2)
    assert any(r.jumlah is None for r in rows.values())  # never-sent items come back as null
    result = await api.delete_kebutuhan(kind, ident)  # type: ignore[arg-type]
    assert result.outcome is Outcome.DONE and ident not in fake.state.kebutuhan[kind]
    assert fake.state.seen[-1].headers["Id_kebutuhan"] == ident
    again = await api.delete_kebutuhan(kind, ident)  # type: ignore[arg-type]
    assert again.outcome is Outcome.ALREADY_DONE


async def test_kebutuhan_put_before_post_says_belum_ada(api: RsOnline) -> None:
    item = Kebutuhan(id_kebutuhan="27", jumlah_eksisting=1, jumlah=1, jumlah_diterima=0)
    with pytest.raises(FixThenRetryError, match="belum ada"):
        await api.put_kebutuhan("sdm", item)


PCR = {
    "tanggal": "2024-03-01",
    "tgllapor": "2024-03-01 20:00:00",
    "jumlah_tenaga_perawat": 10,
    "sudah_periksa_perawat": 4,
    "hasil_pcr_perawat": 1,
    "jumlah_tenaga_internship": 3,
}


async def test_daily_reports_each_kind(fake: Fake, api: RsOnline) -> None:
    await api.send_daily_report("pcr_nakes", PcrNakes.model_validate(PCR))
    await api.send_daily_report(
        "nakes_terinfeksi",
        NakesTerinfeksi.model_validate(
            {"tanggal": "2024-03-01", "intership": 1, "perawat_isoman": 2}
        ),
    )
    await api.send_daily_report("oksigen", {"tanggal": "2024-03-01", "p_cair": "120.5"})
    pcr = fake.state.reports["Pasien/pcr_nakes"]["2024-03-01"]
    assert pcr["rekap_jumlah_tenaga"] == "13" and pcr["jumlah_tenaga_internship"] == "3"
    nakes = fake.state.reports["Pasien/harian_nakes_terinfeksi"]["2024-03-01"]
    assert nakes["intership"] == "1" and nakes["perawat_isoman"] == "2"
    assert fake.state.reports["Logistik/oksigen"]["2024-03-01"]["p_cair"] == "120.5"
    rows = await api.daily_report("nakes_terinfeksi", date(2024, 3, 1))
    assert [r.tanggal for r in rows] == ["2024-03-01"]
    assert rows[0].model_extra is not None and rows[0].model_extra["perawat_isoman"] == "2"


async def test_same_date_twice_updates_the_one_row(fake: Fake, api: RsOnline) -> None:
    first = await api.send_daily_report("oksigen", Oksigen(tanggal=date(2024, 3, 1), p_cair=1))
    second = await api.send_daily_report("oksigen", Oksigen(tanggal=date(2024, 3, 1), p_cair=7))
    assert first.outcome is Outcome.DONE and second.outcome is Outcome.DONE
    rows = await fake.fetch("GET", "/_fake/reports/oksigen")
    assert len(rows) == 1 and rows[0]["p_cair"] == "7"
    assert await fake.requests() == [("POST", "Logistik/oksigen")] * 2


async def test_server_that_refuses_a_second_post_gets_a_put() -> None:
    fake = await start(FakeSirsConfig(report_post_upserts=False))
    try:
        async with RsOnline(
            base_url=fake.base_url, rs_id=RS_ID, password=SecretStr(PASSWORD)
        ) as api:
            await api.send_daily_report("pcr_nakes", PCR)
            result = await api.send_daily_report("pcr_nakes", {**PCR, "hasil_pcr_perawat": 3})
        assert result.outcome is Outcome.DONE
        stored = fake.state.reports["Pasien/pcr_nakes"]
        assert list(stored) == ["2024-03-01"] and stored["2024-03-01"]["hasil_pcr_perawat"] == "3"
        assert await fake.requests() == [
            ("POST", "Pasien/pcr_nakes"),
            ("POST", "Pasien/pcr_nakes"),
            ("PUT", "Pasien/pcr_nakes"),
        ]
    finally:
        await fake.close()


async def test_report_without_tanggal_lists_the_last_ten_days(fake: Fake, api: RsOnline) -> None:
    today = fake.state.config.today()
    days = [today - timedelta(days=n) for n in (0, 9, 10, 30)]
    await fake.fetch("POST", "/_fake/reports/oksigen", [{"tanggal": d.isoformat()} for d in days])
    rows = await api.daily_report("oksigen")
    assert sorted(r.tanggal or "" for r in rows) == sorted(d.isoformat() for d in days[:2])


def shk_pasien(**values: Any) -> ShkPasien:
    return ShkPasien.model_validate({
        "nik_ibu": "0" * 16, "nama_ibu": "TEST IBU", "nik_anak": "0" * 16,
        "nama_anak": "By Ny TEST", "tgllahir": "2022-11-25", "gender": "Laki-Laki", "umur": 1,
        "alamat": "DEPOK SLEMAN", "provinsi": "34", "kabkota": "3404", "kecamatan": "DEPOK",
        "tgl_ambil_sampel": "2022-11-22", "tgl_kirim_sampel": "2022-11-22",
        "tgl_lapor": "2023-01-16", "kode_perujuk": "3404187",
        "nama_fayankes_perujuk": "RSKIA Sadewa", "jenis_fasyankes": "2", **values,
    })  # fmt: skip


def hasil(id_shk: str, **values: Any) -> HasilShk:
    return HasilShk.model_validate({
        "id_shk": id_shk, "jenis_pemeriksaan": "1", "hasil_pemeriksaan": "1",
        "tgl_periksa": "2022-12-16", "tgl_hasil": "2023-01-02", "layak_sampel": "2",
        "id_layak": "2", "tgl_terima": "2022-12-14", "tgllapor": "2023-05-10 14:23:08", **values,
    })  # fmt: skip


async def test_shk_and_hasil_keep_their_ids(fake: Fake, api: RsOnline) -> None:
    posted = await api.post_shk(shk_pasien())
    assert posted.outcome is Outcome.DONE and posted.id_shk
    assert fake.state.seen[-1].body["koders"] == RS_ID
    rows = await api.shk(ShkQuery(id_shk=int(posted.id_shk)))
    assert [r.model_extra["nama_anak"] for r in rows if r.model_extra] == ["By Ny TEST"]
    await api.put_shk(posted.id_shk, shk_pasien(nama_anak="By Ny TEST 2"))
    assert fake.state.shk[int(posted.id_shk)]["nama_anak"] == "By Ny TEST 2"

    result = await api.post_hasil_shk(hasil(posted.id_shk))
    assert result.id_hasil and result.outcome is Outcome.DONE
    await api.put_hasil_shk(result.id_hasil, hasil(posted.id_shk, nama_hasil="TSH Normal"))
    found = await api.hasil_shk(posted.id_shk)
    assert [r.model_extra["nama_hasil"] for r in found if r.model_extra] == ["TSH Normal"]
    assert (await api.delete_hasil_shk(result.id_hasil, posted.id_shk)).outcome is Outcome.DONE
    assert (await api.delete_shk(posted.id_shk)).outcome is Outcome.DONE
    assert fake.state.shk == {} and fake.state.hasil_shk == {}
    assert (await api.delete_shk(posted.id_shk)).outcome is Outcome.ALREADY_DONE
    assert await api.shk() == []


async def test_shk_missing_records(api: RsOnline) -> None:
    with pytest.raises(FixThenRetryError, match="id_shk 5 tidak ditemukan"):
        await api.post_hasil_shk(hasil("5"))
    with pytest.raises(FixThenRetryError, match="tidak ditemukan"):
        await api.put_shk(5, shk_pasien())
    with pytest.raises(FixThenRetryError, match="tidak ditemukan"):
        await api.put_hasil_shk(9, hasil("5"))


def booking(**values: Any) -> Antrian:
    return Antrian.model_validate({
        "kodebooking": "B0301-001", "jenispasien": "JKN", "nik": "3404010101010001",
        "kodepoli": "INT", "namapoli": "Penyakit Dalam", "pasienbaru": 0, "norm": "123456",
        "tanggalperiksa": "2024-03-01", "kodedokter": 12345, "namadokter": "dr. A",
        "jampraktek": "08:00-12:00", "jeniskunjungan": 1, "nomorreferensi": "0301R0010324",
        "nomorantrean": "A-12", "angkaantrean": 12, "estimasidilayani": 1709258400000,
        **values,
    })  # fmt: skip


async def test_antrian_and_tasks(fake: Fake, api: RsOnline) -> None:
    task = AntrianTask(kodebooking="B0301-001", taskid=1, waktu=1709258000000)
    with pytest.raises(FixThenRetryError, match="tidak ditemukan"):
        await api.post_task(task)
    with pytest.raises(FixThenRetryError, match="tidak ditemukan"):
        await api.put_antrian(booking())
    assert (await api.post_antrian(booking())).outcome is Outcome.DONE
    assert (await api.post_antrian(booking())).outcome is Outcome.ALREADY_DONE
    await api.put_antrian(booking(angkaantrean=13))
    rows = await api.antrian(date(2024, 3, 1))
    assert [r.model_extra["angkaantrean"] for r in rows if r.model_extra] == [13]
    assert await api.antrian(date(2024, 3, 2)) == []
    assert (await api.post_task(task)).outcome is Outcome.DONE
    assert (await api.post_task(task)).outcome is Outcome.ALREADY_DONE
    await api.put_task(task.model_copy(update={"waktu": 1709258060000}))
    assert fake.state.tasks[("B0301-001", 1)]["waktu"] == 1709258060000
    assert (await api.delete_antrian("B0301-001")).outcome is Outcome.DONE
    assert (await api.delete_antrian("B0301-001")).outcome is Outcome.ALREADY_DONE
