"""The fake RS Online behaves like the documented service, over raw HTTP."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.fake_sirs import FAKE_SIRS_KEY, FakeSirs, FakeSirsConfig, create_app
from sandbox.faults import serve
from sandbox.services import free_port

RS_ID = "3404015"
PASSWORD = "sandbox-password"
HEADERS = {
    "X-rs-id": RS_ID,
    "X-Timestamp": "1700000000",
    "X-pass": PASSWORD,
    "Content-Type": "application/json",
}


class Server:
    def __init__(self, state: FakeSirs, root: str) -> None:
        self.state = state
        self.root = root

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        async with aiohttp.ClientSession() as session:
            async with session.request(
                method, self.root + path, data=data, headers=HEADERS if headers is None else headers
            ) as resp:
                text = await resp.text()
                try:
                    return resp.status, json.loads(text)
                except ValueError:
                    return resp.status, text


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    app = create_app(FakeSirsConfig(rs_id=RS_ID, password=PASSWORD))
    runner, root = await serve(app)
    yield Server(app[FAKE_SIRS_KEY], root)
    await runner.cleanup()


BED = {
    "id_tt": "3",
    "ruang": "Melati",
    "jumlah_ruang": "1",
    "jumlah": "5",
    "terpakai": "2",
    "terpakai_suspek": "0",
    "terpakai_konfirmasi": "0",
    "antrian": "0",
    "prepare": "0",
    "prepare_plan": "0",
    "covid": 0,
}


@pytest.mark.parametrize(
    "headers",
    [
        {**HEADERS, "X-pass": "nope"},
        {**HEADERS, "X-rs-id": "1234567"},
        {k: v for k, v in HEADERS.items() if k != "X-Timestamp"},
    ],
)
async def test_gagal_login_shape(server: Server, headers: dict[str, str]) -> None:
    status, body = await server.call("GET", "/fo/index.php/Fasyankes", headers=headers)
    assert status == 200
    (row,) = body["fasyankes"]
    assert isinstance(row["status"], int)
    assert json.loads(row["message"]) == {"response": "Gagal Login"}
    assert server.state.seen[-1].x_pass == ("wrong")
    assert "nope" not in json.dumps([vars(s) for s in server.state.seen])


async def test_headers_are_case_insensitive(server: Server) -> None:
    lower = {k.lower(): v for k, v in HEADERS.items()}
    status, body = await server.call("GET", "/fo/index.php/Referensi/tempat_tidur", headers=lower)
    assert status == 200 and body["tempat_tidur"][0] == {
        "kode_tt": "1",
        "nama_tt": "VVIP/ Super VIP",
    }


async def test_post_assigns_ids_and_listing_shows_placeholders(server: Server) -> None:
    _, first = await server.call("POST", "/fo/index.php/Fasyankes", BED)
    _, second = await server.call("POST", "/fo/index.php/Fasyankes", {**BED, "ruang": "Mawar"})
    ids = [first["fasyankes"][0]["id_t_tt"], second["fasyankes"][0]["id_t_tt"]]
    assert len(set(ids)) == 2 and all(i.isdigit() for i in ids)
    _, listing = await server.call("GET", "/fo/index.php/Fasyankes")
    rows = listing["fasyankes"]
    registered = [r for r in rows if r["id_t_tt"]]
    placeholders = [r for r in rows if r["id_t_tt"] is None]
    assert {r["ruang"] for r in registered} == {"Melati", "Mawar"}
    assert registered[0]["kosong"] == "3" and registered[0]["kode_siranap"] == "0003"
    assert all(r["ruang"] is None and r["tglupdate"] is None for r in placeholders)
    assert "3" not in {r["id_tt"] for r in placeholders} and "52" in {
        r["id_tt"] for r in placeholders
    }


async def test_duplicate_post_says_sudah_ada_with_status_200(server: Server) -> None:
    await server.call("POST", "/fo/index.php/Fasyankes", BED)
    _, body = await server.call("POST", "/fo/index.php/Fasyankes", BED)
    assert (
        body["fasyankes"][0]["status"] == "200" and "sudah ada" in body["fasyankes"][0]["message"]
    )
    assert len(server.state.beds) == 1


async def test_put_without_id_t_tt_answers_200_and_stores_nothing(server: Server) -> None:
    _, posted = await server.call("POST", "/fo/index.php/Fasyankes", BED)
    id_t_tt = posted["fasyankes"][0]["id_t_tt"]
    _, body = await server.call("PUT", "/fo/index.php/Fasyankes", {**BED, "terpakai": "4"})
    assert body["fasyankes"][0]["status"] == "200"
    assert server.state.beds[id_t_tt]["terpakai"] == "2"
    _, body = await server.call(
        "PUT",
        "/fo/index.php/Fasyankes",
        {**{k: v for k, v in BED.items() if k != "id_tt"}, "id_t_tt": id_t_tt, "terpakai": "4"},
    )
    assert server.state.beds[id_t_tt]["terpakai"] == "4"


async def test_unknown_id_t_tt_message(server: Server) -> None:
    _, body = await server.call("DELETE", "/fo/index.php/Fasyankes", {"id_t_tt": "42"})
    assert (
        body["fasyankes"][0]["message"] == f"Data id_t_tt 42 bagi kode rs {RS_ID} tidak ditemukan"
    )


async def test_apostrophe_and_covid_rules(server: Server) -> None:
    _, body = await server.call("POST", "/fo/index.php/Fasyankes", {**BED, "ruang": "Ibu's"})
    assert body["fasyankes"][0]["status"] == "400"
    covid = {**BED, "id_tt": "29", "covid": 1, "terpakai": "3", "terpakai_suspek": "1"}
    _, body = await server.call("POST", "/fo/index.php/Fasyankes", covid)
    assert body["fasyankes"][0]["status"] == "400" and server.state.beds == {}


async def test_reports_upsert_and_filter_by_x_tanggal(server: Server) -> None:
    path = "/fo/index.php/Logistik/oksigen"
    await server.call("POST", path, {"tanggal": "2024-03-01", "p_cair": "1"})
    await server.call("POST", path, {"tanggal": "2024-03-01", "p_cair": "2"})
    _, unknown = await server.call("POST", path, {"tanggal": "2024-03-01", "p_cairan": "2"})
    assert unknown["Oksigenasi"][0]["status"] == "400"
    _, rows = await server.call("GET", path, headers={**HEADERS, "x-tanggal": "2024-03-01"})
    assert [r["p_cair"] for r in rows["Oksigenasi"]] == ["2"]
    _, none = await server.call("GET", path, headers={**HEADERS, "x-tanggal": "2024-03-02"})
    assert none["Oksigenasi"] == [{"status": "202", "message": "Data tidak tersedia"}]
    _, stored = await server.call("GET", "/_fake/reports/oksigen")
    assert len(stored) == 1 and stored[0]["tanggal"] == "2024-03-01"


async def test_inspection_api(server: Server) -> None:
    status, loaded = await server.call("POST", "/_fake/beds", [BED, {**BED, "ruang": "Mawar"}])
    assert status == 200 and len(loaded["id_t_tt"]) == 2
    _, beds = await server.call("GET", "/_fake/beds")
    assert {b["ruang"] for b in beds} == {"Melati", "Mawar"}
    status, _ = await server.call("DELETE", f"/_fake/beds/{loaded['id_t_tt'][0]}")
    assert status == 200 and len(server.state.beds) == 1
    await server.call("GET", "/fo/index.php/Fasyankes")
    _, seen = await server.call("GET", "/_fake/seen")
    assert seen[-1]["headers"]["X-pass"] == "<set>" and PASSWORD not in json.dumps(seen)
    _, recorded = await server.call("GET", "/_fake/requests")
    assert [(r["method"], r["path"]) for r in recorded] == [("GET", "/fo/index.php/Fasyankes")]
    _, state = await server.call("GET", "/_fake/state")
    assert len(state["beds"]) == 1
    await server.call("DELETE", "/_fake/state")
    assert server.state.beds == {} and server.state.seen == []


async def test_unknown_path_is_an_html_404(server: Server) -> None:
    status, body = await server.call("GET", "/fo/index.php/Pasien/tidak_ada")
    assert status == 404 and "404 Page Not Found" in body


async def test_standalone_with_sandbox_credentials() -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox.fake_sirs",
        "--port",
        str(port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/fo/index.php/Referensi/kebutuhan_sdm"
    try:
        deadline = time.monotonic() + 20
        body: Any = None
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                try:
                    async with session.get(url, headers=HEADERS) as resp:
                        body = await resp.json()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
        assert body is not None, "the standalone fake did not start"
        assert body["kebutuhan_sdm"][0]["id_kebutuhan"] == "26"
    finally:
        process.terminate()
        await process.wait()
