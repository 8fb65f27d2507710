"""Tokens: issued only for the right credentials, refused when missing, forged or expired."""

from __future__ import annotations

from datetime import timedelta

import jwt

from .conftest import KEY, PASSWORD, USER, Wsrs


async def test_token_needs_both_credentials_and_the_right_ones(wsrs: Wsrs) -> None:
    async def auth(**headers: str) -> dict[str, object]:
        response = await wsrs.client.get("/wsrs/auth", headers=headers)
        return dict((await response.json())["metadata"])

    assert await auth() == {"message": "Username dan Password wajib diisi", "code": 201}
    assert await auth(**{"x-username": USER, "x-password": "salah"}) == {
        "message": "Username atau Password Tidak Sesuai", "code": 201}
    assert await auth(**{"X-USERNAME": USER, "X-Password": PASSWORD}) == {
        "message": "Ok", "code": 200}  # header names are case-insensitive
    response = await wsrs.client.post("/wsrs/auth", headers={"x-username": USER,
                                                             "x-password": PASSWORD})
    assert (await response.json())["metadata"]["code"] == 201


async def test_missing_wrong_forged_and_expired_tokens_are_refused(wsrs: Wsrs) -> None:
    body = {"kodebooking": "20250205000001"}

    async def sisa(**headers: str) -> dict[str, object]:
        response = await wsrs.client.post("/wsrs/sisaantrean", json=body, headers=headers)
        assert response.status == 201
        return dict((await response.json())["metadata"])

    token = await wsrs.token()
    assert await sisa() == {"message": "Username dan Token wajib diisi", "code": 201}
    assert await sisa(**{"x-username": USER}) == {"message": "Username dan Token wajib diisi",
                                                  "code": 201}
    assert await sisa(**{"x-username": "lain", "x-token": token}) == {
        "message": "Username salah", "code": 201}
    assert await sisa(**{"x-username": USER, "x-token": token + "x"}) == {
        "message": "Token salah", "code": 201}
    forged = jwt.encode({"sub": USER, "iat": 1, "exp": 4_000_000_000,
                         "iss": "simrs-bridge-wsrs"}, "another-key-" * 4, algorithm="HS256")
    assert await sisa(**{"x-username": USER, "x-token": forged}) == {
        "message": "Token salah", "code": 201}
    unsigned = jwt.encode({"sub": USER, "iat": 1, "exp": 4_000_000_000,
                           "iss": "simrs-bridge-wsrs"}, None, algorithm="none")
    assert await sisa(**{"x-username": USER, "x-token": unsigned}) == {
        "message": "Token salah", "code": 201}
    assert await sisa(**{"X-Username": USER, "X-Token": token}) == {
        "message": "Data Booking tidak ditemukan", "code": 201}  # accepted, then looked up
    wsrs.clock.now += timedelta(seconds=3601)
    assert await sisa(**{"x-username": USER, "x-token": token}) == {
        "message": "Token Expired", "code": 201}
    claims = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["exp"] - claims["iat"] == 3600 and "password" not in str(claims)


async def test_audit_keeps_every_call_masked_and_without_the_token(
    wsrs: Wsrs, state_pool: object) -> None:
    token = await wsrs.token()
    await wsrs.post("ambilantrean", {"nomorkartu": "9000000000001", "nik": "9" * 16}, token)
    assert wsrs.service.audit is not None
    await wsrs.service.audit.flush()
    import aiomysql
    assert isinstance(state_pool, aiomysql.Pool)
    async with state_pool.acquire() as conn, conn.cursor() as cursor:
        await cursor.execute("SELECT path, code, request_body, response_body FROM audit "
                             "WHERE upstream = 'wsrs' ORDER BY id")
        rows = await cursor.fetchall()
    assert [r[0] for r in rows] == ["auth", "ambilantrean"]
    text = " ".join(str(c) for r in rows for c in r)
    assert token not in text and PASSWORD not in text
    assert "9000000000001" not in text and "*********0001" in text
