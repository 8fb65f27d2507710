"""The client core over real HTTP: headers, bodies, envelope rules and transport faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from itertools import count

import pytest
from aiohttp import web
from pydantic import SecretStr

from core.errors import Outcome, PermanentError, RetryableError
from core.settings import Settings
from sandbox.fake_sirs import FakeSirsConfig, start
from sandbox.fake_sirs import RunningFakeSirs as Fake
from sandbox.faults import serve
from worker.sirs.client import SirsClient
from worker.sirs.endpoints import RsOnline

RS_ID = FakeSirsConfig().rs_id
PASSWORD = FakeSirsConfig().password
NOW = 1_700_000_000.0


async def test_headers_are_the_guides(fake: Fake, make_api: Callable[..., RsOnline]) -> None:
    async with make_api(clock=lambda: NOW) as api:
        await api.tempat_tidur_ref()
    seen = fake.state.seen[-1]
    assert seen.method == "GET" and seen.resource == "Referensi/tempat_tidur"
    assert seen.headers["X-rs-id"] == RS_ID
    assert seen.headers["X-Timestamp"] == str(int(NOW))
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.x_pass == "plain"


async def test_timestamp_is_fresh_per_request(
    fake: Fake, make_api: Callable[..., RsOnline]
) -> None:
    ticks = count(1_700_000_000)
    async with make_api(clock=lambda: float(next(ticks))) as api:
        await api.beds()
        await api.beds()
    stamps = [s.headers["X-Timestamp"] for s in fake.state.seen]
    assert stamps == ["1700000000", "1700000001"]


async def test_md5_password_only_when_asked() -> None:
    fake = await start(FakeSirsConfig(accept_md5=True))
    try:
        settings = Settings(
            sirs_base_url=fake.base_url,
            sirs_rs_id=RS_ID,
            sirs_password=SecretStr(PASSWORD),
            sirs_password_md5=True,
        )
        async with RsOnline.from_settings(settings) as api:
            await api.beds()
        assert fake.state.seen[-1].x_pass == "md5"
        plain = settings.model_copy(update={"sirs_password_md5": False})
        async with RsOnline.from_settings(plain) as api:
            await api.beds()
        assert fake.state.seen[-1].x_pass == "plain"
    finally:
        await fake.close()


async def test_x_tanggal_only_when_given(fake: Fake, api: RsOnline) -> None:
    await api.daily_report("oksigen", date(2024, 1, 2))
    assert fake.state.seen[-1].headers["x-tanggal"] == "2024-01-02"
    await api.daily_report("oksigen")
    assert "x-tanggal" not in {k.lower() for k in fake.state.seen[-1].headers}


async def test_get_and_delete_carry_json_bodies(fake: Fake, api: RsOnline) -> None:
    await api.antrian(date(2024, 3, 1))
    assert fake.state.seen[-1].method == "GET"
    assert fake.state.seen[-1].body == {"tanggal": "2024-03-01"}
    await api.delete_bed("123")
    assert fake.state.seen[-1].method == "DELETE"
    assert fake.state.seen[-1].body == {"id_t_tt": "123"}


async def test_gagal_login_is_permanent_and_names_the_settings(
    fake: Fake, make_api: Callable[..., RsOnline]
) -> None:
    secret = "very-wrong-password-42"
    async with make_api(password=SecretStr(secret)) as api:
        with pytest.raises(PermanentError) as info:
            await api.beds()
    text = str(info.value)
    assert "Gagal Login" in text
    assert "SIMRS_BRIDGE_SIRS_RS_ID" in text and "SIMRS_BRIDGE_SIRS_PASSWORD" in text
    assert secret not in text and PASSWORD not in text
    assert info.value.outcome is Outcome.PERMANENT


async def test_wrong_rs_id_is_gagal_login(fake: Fake, make_api: Callable[..., RsOnline]) -> None:
    async with make_api(rs_id="9999999") as api:
        with pytest.raises(PermanentError, match="Gagal Login"):
            await api.kebutuhan("sdm")


async def test_202_is_an_empty_result(fake: Fake, api: RsOnline) -> None:
    assert await api.daily_report("pcr_nakes", date(2020, 1, 1)) == []
    assert fake.state.seen[-1].resource == "Pasien/pcr_nakes"


async def test_status_row_refusal_inside_http_200(fake: Fake, api: RsOnline) -> None:
    answer_body = {"id_tt": "99", "ruang": "Melati", "jumlah": "1", "terpakai": "0"}
    with pytest.raises(PermanentError) as info:
        await api.call("POST", "Fasyankes", body=answer_body)
    assert info.value.http_status == 200
    assert info.value.code == "400"
    assert "id_tt 99" in str(info.value)
    assert fake.state.beds == {}


async def test_unknown_resource_is_refused_before_sending(fake: Fake, api: RsOnline) -> None:
    with pytest.raises(ValueError, match="unknown RS Online resource"):
        await api.call("GET", "Pasien")
    assert fake.state.seen == []


@pytest.mark.parametrize(
    ("knobs", "expect"),
    [
        ({"error_rate": 1.0}, "HTTP 503"),
        ({"html_rate": 1.0}, "HTML page"),
        ({"reset_rate": 1.0}, "connection"),
        ({"throttle_rate": 1.0}, "HTTP 429"),
        ({"timeout_rate": 1.0, "hang": 3.0}, "no answer within"),
    ],
)
async def test_faults_are_retryable(
    fake: Fake, make_api: Callable[..., RsOnline], knobs: dict[str, float], expect: str
) -> None:
    await fake.set_faults(**knobs)
    async with make_api(timeout=0.5) as api:
        with pytest.raises(RetryableError) as info:
            await api.beds()
    assert expect in str(info.value)
    assert info.value.outcome is Outcome.RETRY


async def test_missing_envelope_key_is_permanent() -> None:
    async def odd(_request: web.Request) -> web.Response:
        return web.json_response({"a": 1, "b": 2})

    app = web.Application()
    app.router.add_get("/fo/index.php/Fasyankes", odd)
    runner, root = await serve(app)
    try:
        client = SirsClient(
            base_url=root + "/fo/index.php", rs_id=RS_ID, password=SecretStr(PASSWORD)
        )
        async with client:
            with pytest.raises(PermanentError, match="without a 'fasyankes' list"):
                await client.call("GET", "Fasyankes")
    finally:
        await runner.cleanup()


async def test_answer_keeps_the_decoded_document(fake: Fake, api: RsOnline) -> None:
    answer = await api.call("GET", "Referensi/kebutuhan_apd")
    assert answer.outcome is Outcome.DONE
    assert json.loads(json.dumps(answer.document))["kebutuhan_apd"][0]["id_kebutuhan"] == "1"


async def test_wrong_base_url_is_permanent(fake: Fake, make_api: Callable[..., RsOnline]) -> None:
    async with make_api(base_url=fake.root + "/fo/index.phpx") as api:
        with pytest.raises(PermanentError, match="check SIMRS_BRIDGE_SIRS_BASE_URL"):
            await api.beds()
