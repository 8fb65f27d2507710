"""The fake BPJS server enforces the documented rules, seen through the real client."""

from __future__ import annotations

import asyncio
import re
import socket
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from core.bpjs.models import AntreanAdd, Batal, FarmasiAdd, UpdateJadwalDokter, UpdateWaktu
from core.errors import (
    BlockedError,
    FixThenRetryError,
    Outcome,
    PermanentError,
    RetryableError,
)
from core.settings import Settings
from sandbox.fake_bpjs import FakeBpjsConfig, RunningFake, running
from worker.bpjs import crypto
from worker.bpjs.client import BpjsClient

CONSID, SECRET, USER_KEY = "1234", "fake-test-secret", "fake-test-user-key"
TANGGAL = "2026-03-13"


def at(hh: int, mm: int, ss: int = 0, *, day: int = 13, zone: str = "Asia/Jakarta") -> int:
    """Epoch ms of a wall-clock time on the test service date in ``zone``."""
    return int(datetime(2026, 3, day, hh, mm, ss, tzinfo=ZoneInfo(zone)).timestamp() * 1000)


def booking(kodebooking: str = "B001", **changes: Any) -> AntreanAdd:
    fields: dict[str, Any] = {
        "kodebooking": kodebooking, "jenispasien": "JKN", "nomorkartu": "0000000000001",
        "nik": "0000000000000001", "nohp": "080000000101", "kodepoli": "INT",
        "namapoli": "PENYAKIT DALAM", "pasienbaru": 0, "norm": "000001",
        "tanggalperiksa": TANGGAL, "kodedokter": 99901, "namadokter": "dr. CONTOH SATU, Sp.PD",
        "jampraktek": "08:00-12:00", "jeniskunjungan": 1, "nomorreferensi": "0001R0010326B000001",
        "nomorantrean": "A-001", "angkaantrean": 1, "estimasidilayani": at(8, 0),
        "sisakuotajkn": 29, "kuotajkn": 30, "sisakuotanonjkn": 30, "kuotanonjkn": 30,
        "keterangan": "Peserta harap datang 30 menit lebih awal",
    }
    fields.update(changes)
    return AntreanAdd(**fields)


def task(taskid: Any, waktu: int, kodebooking: str = "B001") -> UpdateWaktu:
    return UpdateWaktu(kodebooking=kodebooking, taskid=taskid, waktu=waktu)


def config(**changes: Any) -> FakeBpjsConfig:
    return FakeBpjsConfig(consid=CONSID, secret=SECRET, user_key=USER_KEY, **changes)


def client_for(fake: RunningFake, **changes: Any) -> BpjsClient:
    options: dict[str, Any] = {"consid": CONSID, "secret": SECRET, "user_key": USER_KEY,
                               "base_url": fake.base_url, "timeout": 5.0}
    options.update(changes)
    return BpjsClient(**options)


@pytest.fixture
async def fake() -> AsyncIterator[RunningFake]:
    async with running(config()) as server:
        yield server


@pytest.fixture
async def client(fake: RunningFake) -> AsyncIterator[BpjsClient]:
    async with client_for(fake) as c:
        yield c


# --- gateway ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes", [{"secret": "wrong-secret"}, {"user_key": "wrong-key"}, {"consid": "9999"}],
    ids=["signature", "user_key", "consid"],
)
async def test_gateway_refuses_bad_credentials(fake: RunningFake, changes: dict[str, Any]) -> None:
    async with client_for(fake, **changes) as c:
        with pytest.raises(PermanentError, match="not registered") as caught:
            await c.ref_poli()
    assert caught.value.code == "404"
    assert "wrong-secret" not in str(caught.value)


async def test_tampered_signature_is_refused(fake: RunningFake) -> None:
    stamp = str(int(time.time()))
    headers = {"X-cons-id": CONSID, "X-timestamp": stamp, "user_key": USER_KEY,
               "X-signature": crypto.signature(CONSID, SECRET, str(int(stamp) + 1))}
    async with aiohttp.ClientSession() as session, session.get(
        f"{fake.base_url}/ref/poli", headers=headers
    ) as response:
        body = await response.json()
    assert body == {"metadata": {"code": "404",
                                 "message": "Unauthorized! You are not registered for this "
                                            "service!"}}


@pytest.mark.parametrize(("offset", "accepted"), [(-270, True), (-330, False), (270, True),
                                                  (330, False)])
async def test_timestamp_skew_window(fake: RunningFake, offset: int, accepted: bool) -> None:
    async with client_for(fake, clock=lambda: time.time() + offset) as c:
        if accepted:
            assert [p.kdpoli for p in await c.ref_poli()] == ["INT", "ANA"]
        else:
            with pytest.raises(PermanentError, match="not registered"):
                await c.ref_poli()


async def test_responses_are_encrypted_with_the_request_timestamp(fake: RunningFake) -> None:
    stamp = str(int(time.time()) - 7)
    headers = {"X-cons-id": CONSID, "X-timestamp": stamp, "user_key": USER_KEY,
               "X-signature": crypto.signature(CONSID, SECRET, stamp)}
    async with aiohttp.ClientSession() as session, session.get(
        f"{fake.base_url}/ref/dokter", headers=headers
    ) as response:
        body = await response.json()
    assert body["metadata"] == {"code": 1, "message": "Ok"}
    assert crypto.decrypt_json(CONSID, SECRET, stamp, body["response"]) == fake.config.dokter
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_json(CONSID, SECRET, str(int(stamp) + 1), body["response"])


# --- antrean/add --------------------------------------------------------------------------


async def test_duplicate_booking_is_208(fake: RunningFake, client: BpjsClient) -> None:
    first = await client.antrean_add(booking())
    again = await client.antrean_add(booking(keterangan="changed"))
    assert (first.code, first.outcome) == ("200", Outcome.DONE)
    assert (again.code, again.message, again.outcome) == (
        "208", "Terdapat duplikasi Kode Booking", Outcome.ALREADY_DONE)
    assert fake.state.bookings["B001"].body["keterangan"].startswith("Peserta")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({k: v for k, v in booking().model_dump().items() if k != "jampraktek"}, "jampraktek"),
        (booking(nomorkartu="123").model_dump(), "nomorkartu"),
        (booking(nomorreferensi="-").model_dump(), "Rujukan"),
        (dict(booking().model_dump(), tanggalperiksa="13-03-2026"), "yyyy-mm-dd"),
    ],
    ids=["missing field", "short card number", "no referral", "date format"],
)
async def test_add_validation(
    fake: RunningFake, client: BpjsClient, body: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(PermanentError, match=fragment) as caught:
        await client.post("antrean/add", body)
    assert caught.value.code == "201"
    assert fake.state.bookings == {}


async def test_non_jkn_booking_without_ids_is_accepted(fake: RunningFake,
                                                       client: BpjsClient) -> None:
    body = booking(jenispasien="NON JKN", nomorkartu="-", nik="-", nomorreferensi="-")
    assert (await client.antrean_add(body)).outcome is Outcome.DONE
    assert list(fake.state.bookings) == ["B001"]


# --- antrean/updatewaktu ------------------------------------------------------------------


async def test_unknown_booking_needs_add_first(client: BpjsClient) -> None:
    with pytest.raises(FixThenRetryError, match="Kode Booking tidak ditemukan"):
        await client.update_waktu(task(3, at(8, 0)))


async def test_existing_patient_flow_and_repeat(fake: RunningFake, client: BpjsClient) -> None:
    await client.antrean_add(booking())
    for taskid, waktu in ((3, at(8, 0)), (4, at(8, 30)), (5, at(8, 45)), (6, at(9, 0)),
                          (7, at(9, 20))):
        assert (await client.update_waktu(task(taskid, waktu))).outcome is Outcome.DONE
    repeat = await client.update_waktu(task(4, at(8, 35)))
    assert (repeat.code, repeat.message, repeat.outcome) == ("208", "TaskId=4 sudah ada",
                                                             Outcome.ALREADY_DONE)
    stored = fake.state.bookings["B001"].tasks
    assert sorted(stored) == [3, 4, 5, 6, 7]
    assert stored[4].waktu == at(8, 30)  # a repeat never changes the stored time


@pytest.mark.parametrize(
    ("pasienbaru", "sent", "refused"),
    [(1, [], 3), (1, [1], 3), (1, [1, 2, 3], 5), (0, [], 4), (0, [3], 5), (0, [3, 4, 5], 7)],
)
async def test_missing_predecessor_blocks(
    fake: RunningFake, client: BpjsClient, pasienbaru: int, sent: list[int], refused: int
) -> None:
    await client.antrean_add(booking(pasienbaru=pasienbaru))
    for minute, taskid in enumerate(sent):
        await client.update_waktu(task(taskid, at(8, minute)))
    with pytest.raises(BlockedError) as caught:
        await client.update_waktu(task(refused, at(9, 0)))
    assert f"TaskId={refused} tidak valid / TaskId sebelumnya belum terkirim" in str(caught.value)
    assert refused not in fake.state.bookings["B001"].tasks


async def test_new_patient_full_flow(fake: RunningFake, client: BpjsClient) -> None:
    await client.antrean_add(booking(pasienbaru=1))
    for taskid in range(1, 8):
        await client.update_waktu(task(taskid, at(7, 5 * taskid)))
    assert sorted(fake.state.bookings["B001"].tasks) == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("same", [True, False], ids=["equal", "earlier"])
async def test_time_must_increase(client: BpjsClient, same: bool) -> None:
    await client.antrean_add(booking())
    await client.update_waktu(task(3, at(8, 0, 5)))
    with pytest.raises(PermanentError) as caught:
        await client.update_waktu(task(4, at(8, 0, 5) if same else at(7, 59)))
    assert ("tidak boleh kurang atau sama dengan waktu sebelumnya (2026-03-13 08:00:05 WIB)"
            in caught.value.message)


async def test_time_must_be_on_the_service_date(client: BpjsClient) -> None:
    await client.antrean_add(booking())
    with pytest.raises(PermanentError) as caught:
        await client.update_waktu(task(3, at(0, 44, 8, day=14)))
    assert caught.value.message.endswith(
        "Waktu tidak valid (2026-03-14 00:44:08 WIB). Tanggal pelayanan untuk Kode Booking "
        "tersebut adalah (2026-03-13)")


@pytest.mark.parametrize(("zone", "accepted"), [("Asia/Makassar", True), ("Asia/Jakarta", False)])
async def test_service_date_uses_the_hospital_zone(zone: str, accepted: bool) -> None:
    # 00:30 WITA on the 14th is 23:30 WIB on the 13th: only a WITA hospital's day matches.
    async with running(config(timezone=zone)) as server, client_for(server) as c:
        await c.antrean_add(booking(tanggalperiksa="2026-03-14"))
        sent = c.update_waktu(task(3, at(0, 30, day=14, zone="Asia/Makassar")))
        if accepted:
            assert (await sent).outcome is Outcome.DONE
        else:
            expected = r"Waktu tidak valid \(2026-03-13 23:30:00 WIB\)"
            with pytest.raises(PermanentError, match=expected):
                await sent


async def test_nothing_after_task_99(fake: RunningFake, client: BpjsClient) -> None:
    await client.antrean_add(booking())
    await client.update_waktu(task(3, at(8, 0)))
    await client.update_waktu(task(99, at(8, 10)))
    with pytest.raises(PermanentError, match="TaskId terakhir 99"):
        await client.update_waktu(task(4, at(8, 20)))
    assert (await client.update_waktu(task(99, at(8, 30)))).outcome is Outcome.ALREADY_DONE
    assert sorted(fake.state.bookings["B001"].tasks) == [3, 99]


async def test_khanza_style_string_numbers_are_accepted(fake: RunningFake,
                                                        client: BpjsClient) -> None:
    await client.antrean_add(booking())
    body = {"kodebooking": "B001", "taskid": "3", "waktu": str(at(8, 0))}
    assert (await client.post("antrean/updatewaktu", body)).outcome is Outcome.DONE
    assert fake.state.bookings["B001"].tasks[3].waktu == at(8, 0)


# --- batal, farmasi, getlisttask ------------------------------------------------------------


async def test_batal(fake: RunningFake, client: BpjsClient) -> None:
    with pytest.raises(FixThenRetryError):
        await client.batal(Batal(kodebooking="B001", keterangan="pasien batal"))
    await client.antrean_add(booking())
    assert (await client.batal(Batal(kodebooking="B001", keterangan="pasien batal"))).code == "200"
    assert fake.state.bookings["B001"].batal == "pasien batal"
    assert [p.status for p in await client.pendaftaran_per_kodebooking("B001")] == ["Batal"]


async def test_farmasi_add(fake: RunningFake, client: BpjsClient) -> None:
    resep = FarmasiAdd(kodebooking="B001", jenisresep="Non Racikan", nomorantrean=12,
                       keterangan="Resep dibuat secara elektronik di poli")
    with pytest.raises(FixThenRetryError):
        await client.farmasi_add(resep)
    await client.antrean_add(booking())
    assert (await client.farmasi_add(resep)).outcome is Outcome.DONE
    again = await client.farmasi_add(resep)
    assert again.outcome is Outcome.ALREADY_DONE
    assert "sudah ada" in again.message
    assert fake.state.bookings["B001"].farmasi == resep.model_dump()


async def test_getlisttask_shape(fake: RunningFake) -> None:
    received = at(9, 15, 30)
    async with running(config(clock=lambda: received / 1000)) as server, client_for(
        server, clock=lambda: received / 1000
    ) as c:
        await c.antrean_add(booking())
        await c.update_waktu(task(3, at(8, 0, 1)))
        await c.update_waktu(task(4, at(8, 30, 2)))
        raw = (await c.post("antrean/getlisttask", {"kodebooking": "B001"})).data
        typed = await c.get_list_task("B001")
    assert raw == [
        {"kodebooking": "B001", "taskid": 3, "taskname":
         "akhir waktu layan admisi/mulai waktu tunggu poli",
         "waktu": "13-03-2026 08:00:01 WIB", "wakturs": "13-03-2026 09:15:30 WIB"},
        {"kodebooking": "B001", "taskid": 4, "taskname":
         "akhir waktu tunggu poli/mulai waktu layan poli",
         "waktu": "13-03-2026 08:30:02 WIB", "wakturs": "13-03-2026 09:15:30 WIB"},
    ]
    assert all(type(item["taskid"]) is int for item in raw)
    assert [(t.taskid, t.waktu) for t in typed] == [(3, "13-03-2026 08:00:01 WIB"),
                                                   (4, "13-03-2026 08:30:02 WIB")]


# --- references, listings, dashboards -------------------------------------------------------


async def test_references_and_schedule(fake: RunningFake, client: BpjsClient) -> None:
    assert [d.kodedokter for d in await client.ref_dokter()] == [99901, 99902]
    assert await client.ref_poli_fp() == []  # "No Content"
    friday = await client.jadwal_dokter("ANA", TANGGAL)
    assert [(j.kodedokter, j.namahari, j.jadwal) for j in friday] == [(99902, "JUMAT",
                                                                       "09:00-13:00")]
    assert await client.jadwal_dokter("ANA", "2026-03-15") == []  # Sunday: no practice
    with pytest.raises(PermanentError, match="yyyy-mm-dd"):
        await client.jadwal_dokter("ANA", "15-03-2026")
    update = UpdateJadwalDokter.model_validate(
        {"kodepoli": "ANA", "kodesubspesialis": "ANA", "kodedokter": 99902,
         "jadwal": [{"hari": "1", "buka": "08:00", "tutup": "10:00"}]})
    assert (await client.update_jadwal_dokter(update)).outcome is Outcome.DONE
    assert fake.state.jadwal_updates == [update.model_dump()]


async def test_pendaftaran_listings(fake: RunningFake, client: BpjsClient) -> None:
    await client.antrean_add(booking("B001"))
    await client.antrean_add(booking("B002", kodepoli="ANA", kodedokter=99902,
                                     jampraktek="09:00-13:00"))
    await client.antrean_add(booking("B003", tanggalperiksa="2026-03-14"))
    assert [p.kodebooking for p in await client.pendaftaran_per_tanggal(TANGGAL)] == ["B001",
                                                                                   "B002"]
    per_jadwal = await client.pendaftaran_per_jadwal("ANA", 99902, 5, "09:00-13:00")
    assert [(p.kodebooking, p.nokapst) for p in per_jadwal] == [("B002", "0000000000001")]
    assert await client.pendaftaran_per_jadwal("ANA", 99902, 4, "09:00-13:00") == []


async def test_pendaftaran_aktif_counts_today_and_later() -> None:
    now = at(7, 0) / 1000
    async with running(config(clock=lambda: now)) as server, client_for(
        server, clock=lambda: now
    ) as c:
        await c.antrean_add(booking("TODAY"))
        await c.antrean_add(booking("DONE"))
        await c.antrean_add(booking("PAST", tanggalperiksa="2026-03-12"))
        for taskid, minute in ((3, 1), (4, 2), (5, 3)):
            await c.update_waktu(task(taskid, at(8, minute), "DONE"))
        assert [p.kodebooking for p in await c.pendaftaran_aktif()] == ["TODAY"]


async def test_dashboard_is_plain_and_computed(fake: RunningFake, client: BpjsClient) -> None:
    for kodebooking, start in (("B001", 0), ("B002", 10)):
        await client.antrean_add(booking(kodebooking))
        await client.update_waktu(task(3, at(8, start), kodebooking))
        await client.update_waktu(task(4, at(8, start + 20), kodebooking))
    raw = await client.get(f"dashboard/waktutunggu/tanggal/{TANGGAL}/waktu/rs")
    assert isinstance(raw.data, dict)  # not encrypted
    [row] = await client.dashboard_per_tanggal(TANGGAL, "rs")
    assert (row.kodepoli, row.jumlah_antrean, row.waktu_task3, row.avg_waktu_task3) == (
        "INT", 2, 2400, 1200)
    assert (await client.dashboard_per_bulan(3, 2026, "server"))[0].jumlah_antrean == 2
    assert await client.dashboard_per_bulan(4, 2026, "rs") == []


# --- inspection API -------------------------------------------------------------------------


async def test_inspection_api(fake: RunningFake, client: BpjsClient) -> None:
    await client.antrean_add(booking("2024/01/15/000123"))
    await client.update_waktu(task(3, at(8, 0), "2024/01/15/000123"))
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.root_url}/_fake/bookings") as response:
            listed = await response.json()
        async with session.get(f"{fake.root_url}/_fake/bookings/2024%2F01%2F15%2F000123") as r:
            one = await r.json()
        async with session.get(f"{fake.root_url}/_fake/bookings/NOPE") as r:
            assert r.status == 404
        async with session.delete(f"{fake.root_url}/_fake/state") as r:
            assert r.status == 200
    assert [b["kodebooking"] for b in listed] == ["2024/01/15/000123"]
    assert one["tasks"][0]["taskid"] == 3 and one["tasks"][0]["waktu"] == at(8, 0)
    assert one["status"] == "Belum dilayani"
    assert fake.state.bookings == {}


# --- faults surface as RetryableError -------------------------------------------------------


@pytest.mark.parametrize(
    ("knobs", "pattern"),
    [
        ({"error_rate": 1}, r"HTTP 503"),
        ({"html_rate": 1}, r"HTML page.*Bad Gateway"),
        ({"reset_rate": 1}, r"closed the connection|connection failed"),
        ({"throttle_rate": 1}, r"HTTP 429"),
        ({"timeout_rate": 1, "hang": 5}, r"no answer within 0.3 s"),
    ],
    ids=["5xx", "html", "reset", "429", "timeout"],
)
async def test_faults_are_retryable(fake: RunningFake, knobs: dict[str, Any], pattern: str) -> None:
    async with aiohttp.ClientSession() as session, session.put(
        f"{fake.root_url}/_fake/faults", json=knobs
    ) as response:
        assert response.status == 200
    async with client_for(fake, timeout=0.3) as c:
        with pytest.raises(RetryableError) as caught:
            await c.ref_poli()
    assert caught.value.outcome is Outcome.RETRY
    assert re.search(pattern, str(caught.value)), str(caught.value)
    assert "/antreanrs/ref/poli" in str(caught.value)


async def test_mismatched_response_key_is_permanent_and_names_the_setting() -> None:
    async with running(config(encrypt_secret="other-secret")) as server, client_for(server) as c:
        with pytest.raises(PermanentError) as caught:
            await c.ref_poli()
    assert "SIMRS_BRIDGE_BPJS_SECRET" in str(caught.value)
    assert SECRET not in str(caught.value) and "other-secret" not in str(caught.value)


# --- standalone, as the demo runs it ------------------------------------------------------------


async def test_module_runs_standalone_with_the_sandbox_defaults(
    clean_env: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox.fake_bpjs", "--port", str(port),
        cwd=Path(__file__).resolve().parents[2], stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    try:
        async with BpjsClient.from_settings(
            Settings(bpjs_base_url=f"http://127.0.0.1:{port}/antreanrs")
        ) as c:
            deadline = time.monotonic() + 20
            while True:
                try:
                    polis = await c.ref_poli()
                    break
                except RetryableError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
        assert [p.kdpoli for p in polis] == ["INT", "ANA"]
    finally:
        process.terminate()
        await process.wait()
