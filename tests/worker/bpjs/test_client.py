"""BpjsClient end to end: against the fake BPJS, and against a canned-envelope server.

The canned server is a real aiohttp server on loopback that answers whatever
envelope a test sets, to cover envelope variants the fake never produces
(``metaData``, string codes, gateway JSON without metadata, HTTP 404 pages).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from core.bpjs.models import AntreanAdd, Batal, FarmasiAdd, UpdateJadwalDokter, UpdateWaktu
from core.errors import FixThenRetryError, Outcome, PermanentError, RetryableError
from core.settings import Settings
from sandbox import faults
from sandbox.bpjs_encode import encrypt
from sandbox.fake_bpjs import FakeBpjsConfig, RunningFake, running
from worker.bpjs.client import BpjsClient

CONSID, SECRET, USER_KEY = "1234", "client-test-secret", "client-test-user-key"


@dataclass
class Canned:
    """What the canned server answers, and what it saw."""

    status: int = 200
    body: Callable[[str], str] = lambda stamp: "{}"
    content_type: str = "application/json"
    seen: list[dict[str, Any]] = field(default_factory=list)


CANNED_KEY = web.AppKey("canned", Canned)


async def _canned_handler(request: web.Request) -> web.Response:
    canned = request.app[CANNED_KEY]
    canned.seen.append(
        {
            "method": request.method,
            "raw_path": request.raw_path,
            "headers": dict(request.headers),
            "body": await request.text(),
        }
    )
    stamp = request.headers.get("X-timestamp", "")
    return web.Response(
        status=canned.status, text=canned.body(stamp), content_type=canned.content_type
    )


@pytest.fixture
async def canned() -> AsyncIterator[tuple[Canned, str]]:
    app = web.Application()
    app[CANNED_KEY] = Canned()
    app.router.add_route("*", "/antreanrs/{tail:.*}", _canned_handler)
    runner, root = await faults.serve(app)
    yield app[CANNED_KEY], root + "/antreanrs"
    await runner.cleanup()


def envelope(
    code: Any, message: str, response: Any = None, key: str = "metadata"
) -> Callable[[str], str]:
    def render(stamp: str) -> str:
        body: dict[str, Any] = {key: {"code": code, "message": message}}
        if response is not None:
            body["response"] = (
                encrypt(CONSID, SECRET, stamp, json.dumps(response))
                if isinstance(response, list)
                else response
            )
        return json.dumps(body)

    return render


def make_client(base_url: str, **changes: Any) -> BpjsClient:
    options: dict[str, Any] = {
        "consid": CONSID,
        "secret": SECRET,
        "user_key": USER_KEY,
        "base_url": base_url,
        "timeout": 5.0,
    }
    options.update(changes)
    return BpjsClient(**options)


@pytest.fixture
async def fake() -> AsyncIterator[RunningFake]:
    async with running(FakeBpjsConfig(consid=CONSID, secret=SECRET, user_key=USER_KEY)) as s:
        yield s


def add_body(kodebooking: str, tanggal: str, estimasi: int) -> AntreanAdd:
    return AntreanAdd(
        kodebooking=kodebooking,
        jenispasien="JKN",
        nomorkartu="0000000000001",
        nik="0000000000000001",
        nohp="080000000101",
        kodepoli="INT",
        namapoli="PENYAKIT DALAM",
        pasienbaru=0,
        norm="000001",
        tanggalperiksa=tanggal,
        kodedokter=99901,
        namadokter="dr. CONTOH SATU, Sp.PD",
        jampraktek="08:00-12:00",
        jeniskunjungan=1,
        nomorreferensi="0001R0010326B000001",
        nomorantrean="A-001",
        angkaantrean=1,
        estimasidilayani=estimasi,
        sisakuotajkn=29,
        kuotajkn=30,
        sisakuotanonjkn=30,
        kuotanonjkn=30,
        keterangan="-",
    )


# --- headers, signing, body -----------------------------------------------------------------


async def test_headers_match_the_published_signature_vector(canned: tuple[Canned, str]) -> None:
    server, base = canned
    server.body = envelope(200, "Ok")
    async with make_client(base, secret="pwd", clock=lambda: 433223232.9) as c:
        await c.update_waktu(UpdateWaktu(kodebooking="B 1", taskid=3, waktu=1700000000000))
    [seen] = server.seen
    headers = seen["headers"]
    assert headers["X-cons-id"] == "1234"
    assert headers["X-timestamp"] == "433223232"
    assert headers["X-signature"] == "eXMtvX2r7e7CLCIu3kpEpCrvciZgK8FuOhKv06NDAHk="
    assert headers["user_key"] == USER_KEY
    assert headers["Content-Type"] == "application/json"
    assert seen["method"] == "POST" and seen["raw_path"] == "/antreanrs/antrean/updatewaktu"
    assert json.loads(seen["body"]) == {
        "kodebooking": "B 1",
        "taskid": 3,
        "waktu": 1700000000000,
    }  # no null jenisresep


async def test_fresh_timestamp_per_request_decrypts_each_answer(canned: tuple[Canned, str]) -> None:
    server, base = canned
    rows = [{"kdpoli": "ANA", "nmpoli": "ANAK"}]
    server.body = envelope(1, "Ok", rows)
    ticks = iter([1700000000.0, 1700000001.0, 1700000002.0])
    async with make_client(base, clock=lambda: next(ticks)) as c:
        for _ in range(3):
            assert [p.kdpoli for p in await c.ref_poli()] == ["ANA"]
    assert [s["headers"]["X-timestamp"] for s in server.seen] == [
        "1700000000",
        "1700000001",
        "1700000002",
    ]


async def test_path_segments_are_url_encoded(canned: tuple[Canned, str]) -> None:
    server, base = canned
    server.body = envelope(200, "Ok")
    async with make_client(base) as c:
        await c.pendaftaran_per_kodebooking("2024/01/15/000123")
        await c.pendaftaran_per_jadwal("ANA", 99902, 5, "09:00-13:00")
    first, second = (s["raw_path"] for s in server.seen)
    # A "/" inside a value must not split it into two path segments.
    assert first == "/antreanrs/antrean/pendaftaran/kodebooking/2024%2F01%2F15%2F000123"
    # ":" is legal in a path; yarl normalises %3A back to it, either form is one segment.
    assert unquote(second) == (
        "/antreanrs/antrean/pendaftaran/kodepoli/ANA/kodedokter/99902/hari/5/jampraktek/09:00-13:00"
    )


# --- envelope variants ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "key"), [(200, "metadata"), ("200", "metadata"), (1, "metadata"), ("1", "metaData")]
)
async def test_success_codes_and_envelope_spellings(
    canned: tuple[Canned, str], code: Any, key: str
) -> None:
    server, base = canned
    server.body = envelope(code, "Ok", [{"kodebooking": "B1", "taskid": "4"}], key=key)
    async with make_client(base) as c:
        [item] = await c.get_list_task("B1")
    assert (item.kodebooking, item.taskid) == ("B1", 4)


async def test_plain_object_response_is_returned_as_is(canned: tuple[Canned, str]) -> None:
    server, base = canned
    server.body = envelope(200, "Ok", {"list": [{"kodepoli": "ANA", "jumlah_antrean": 3}]})
    async with make_client(base) as c:
        raw = await c.get("dashboard/waktutunggu/tanggal/2026-03-13/waktu/rs")
        [row] = await c.dashboard_per_tanggal("2026-03-13")
    assert raw.data == {"list": [{"kodepoli": "ANA", "jumlah_antrean": 3}]}
    assert (row.kodepoli, row.jumlah_antrean) == ("ANA", 3)


@pytest.mark.parametrize("response", ["", None])
async def test_empty_or_absent_response_is_none(canned: tuple[Canned, str], response: Any) -> None:
    server, base = canned
    server.body = envelope(200, "Ok", response)
    async with make_client(base) as c:
        result = await c.batal(Batal(kodebooking="B1", keterangan="x"))
        assert await c.pendaftaran_aktif() == []
    assert (result.code, result.message, result.data, result.outcome) == (
        "200",
        "Ok",
        None,
        Outcome.DONE,
    )


async def test_no_content_is_an_empty_list(canned: tuple[Canned, str]) -> None:
    server, base = canned
    server.body = envelope(204, "No Content")
    async with make_client(base) as c:
        assert await c.ref_poli_fp() == []


async def test_json_without_metadata_is_retryable(canned: tuple[Canned, str]) -> None:
    server, base = canned
    server.status, server.body = 404, lambda stamp: '{"message": "no Route matched"}'
    async with make_client(base) as c:
        with pytest.raises(RetryableError, match="without metadata") as caught:
            await c.ref_poli()
    assert caught.value.http_status == 404


async def test_html_404_is_retryable(canned: tuple[Canned, str]) -> None:
    server, base = canned
    server.status, server.content_type = 404, "text/html"
    server.body = lambda stamp: "<html><head><title>404 Not Found</title></head></html>"
    async with make_client(base) as c:
        with pytest.raises(RetryableError, match=r"HTML page.*404 Not Found"):
            await c.ref_poli()


async def test_gateway_json_on_http_404_is_classified(canned: tuple[Canned, str]) -> None:
    server, base = canned
    server.status = 404
    server.body = envelope("404", "Unauthorized! You are not registered for this service!")
    async with make_client(base) as c:
        with pytest.raises(PermanentError, match="not registered") as caught:
            await c.ref_poli()
    assert (caught.value.code, caught.value.http_status) == ("404", 404)


async def test_unexpected_shape_is_permanent(canned: tuple[Canned, str]) -> None:
    server, base = canned
    server.body = envelope(1, "Ok", [{"nmpoli": "no kdpoli"}])
    async with make_client(base) as c:
        with pytest.raises(PermanentError, match="unexpected response shape"):
            await c.ref_poli()


async def test_call_outside_context_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        await make_client("http://127.0.0.1:9").ref_poli()


# --- against the fake -----------------------------------------------------------------------


async def test_every_endpoint_against_the_fake(fake: RunningFake) -> None:
    tanggal = "2026-03-13"
    # A time on the service date in the fake's zone (Asia/Jakarta).
    jakarta_8am = int(
        datetime(2026, 3, 13, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta")).timestamp() * 1000
    )
    async with make_client(fake.base_url) as c:
        assert len(await c.ref_poli()) == 2
        assert len(await c.ref_dokter()) == 2
        assert len(await c.jadwal_dokter("INT", tanggal)) == 1
        update = UpdateJadwalDokter.model_validate(
            {
                "kodepoli": "INT",
                "kodesubspesialis": "INT",
                "kodedokter": "99901",
                "jadwal": [{"hari": "8", "buka": "00:00", "tutup": "00:00"}],
            }
        )
        assert (await c.update_jadwal_dokter(update)).outcome is Outcome.DONE
        assert await c.ref_poli_fp() == []
        added = await c.antrean_add(add_body("B1", tanggal, jakarta_8am))
        assert added.outcome is Outcome.DONE
        fp = await c.pasien_fp("noka", "0000000000001")
        assert fp is not None and fp.nik == "0000000000000001"
        assert (
            await c.update_waktu(UpdateWaktu(kodebooking="B1", taskid=3, waktu=jakarta_8am))
        ).outcome is Outcome.DONE
        farmasi = FarmasiAdd(kodebooking="B1", jenisresep="racikan", nomorantrean=1, keterangan="-")
        assert (await c.farmasi_add(farmasi)).outcome is Outcome.DONE
        assert [t.taskid for t in await c.get_list_task("B1")] == [3]
        assert len(await c.dashboard_per_tanggal(tanggal, "server")) == 1
        assert len(await c.dashboard_per_bulan(3, 2026)) == 1
        assert len(await c.pendaftaran_per_tanggal(tanggal)) == 1
        assert len(await c.pendaftaran_per_kodebooking("B1")) == 1
        assert await c.pendaftaran_aktif() == []
        assert len(await c.pendaftaran_per_jadwal("INT", 99901, 5, "08:00-12:00")) == 1
        assert (await c.batal(Batal(kodebooking="B1", keterangan="-"))).outcome is Outcome.DONE
        with pytest.raises(FixThenRetryError, match="POST antrean/updatewaktu: Kode Booking"):
            await c.update_waktu(UpdateWaktu(kodebooking="NOPE", taskid=3, waktu=jakarta_8am))


async def test_from_settings_talks_to_the_fake(fake: RunningFake) -> None:
    settings = Settings(
        bpjs_base_url=fake.base_url, bpjs_cons_id=CONSID, bpjs_secret=SECRET, bpjs_user_key=USER_KEY
    )
    async with BpjsClient.from_settings(settings) as c:
        assert [d.kodedokter for d in await c.ref_dokter()] == [99901, 99902]
    assert SECRET not in repr(c) and USER_KEY not in repr(c)


async def test_large_listing_is_decoded(fake: RunningFake) -> None:
    for i in range(1500):
        fake.state.add(add_body(f"K{i:05d}", "2026-03-13", 1).model_dump())
    async with make_client(fake.base_url) as c:
        rows = await c.pendaftaran_per_tanggal("2026-03-13")
    assert [r.kodebooking for r in rows] == [f"K{i:05d}" for i in range(1500)]


async def test_one_log_line_per_call_with_masked_identifiers(
    fake: RunningFake, caplog: pytest.LogCaptureFixture
) -> None:
    nik = "3201234567890123"
    caplog.set_level(logging.DEBUG, logger="worker.bpjs.client")
    async with make_client(fake.base_url) as c:
        await c.ref_poli()
        with pytest.raises(PermanentError) as caught:
            await c.pasien_fp("nik", nik)
    records = [r for r in caplog.records if r.name == "worker.bpjs.client"]
    # A call that went well is DEBUG (the job logs one INFO summary); a failed one WARNING.
    assert [r.levelno for r in records] == [logging.DEBUG, logging.WARNING]
    lines = [r.getMessage() for r in records]
    assert lines[0].startswith("bpjs GET ref/poli -> done 1 in ") and lines[0].endswith(" ms")
    assert "GET ref/pasien/fp/identitas/nik/noidentitas/************0123 -> permanent" in lines[1]
    assert all(nik not in line for line in lines)
    assert nik not in str(caught.value) and "************0123" in str(caught.value)
    assert all(SECRET not in line and USER_KEY not in line for line in lines)


async def test_transport_errors_mask_identifiers_too(fake: RunningFake) -> None:
    nik = "3201234567890123"
    fake.app[faults.FAULTS_KEY].update({"error_rate": 1})
    async with make_client(fake.base_url) as c:
        with pytest.raises(RetryableError, match="HTTP 503") as caught:
            await c.pasien_fp("nik", nik)
    assert nik not in str(caught.value) and "************0123" in str(caught.value)
