"""BPJS signature and response decryption: reference §7 vectors, shared vectors, failures."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from Crypto.Cipher import AES
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.bpjs_encode import compress_to_encoded_uri_component, encrypt
from worker.bpjs import crypto, lzstring
from worker.bpjs.crypto import (
    DecryptionError,
    decrypt,
    decrypt_json,
    decrypt_json_async,
    derive_key,
    signature,
)

SHARED_VECTORS = (
    Path(__file__).resolve().parents[3].parent / "shared" / "vectors" / "bpjs-responses.json"
)

# --- reference §7 (public TrustMark example + self-generated vectors), always run ----------

VECTOR_A: dict[str, str] = {
    "consid": "1234",
    "secret": "pwd",
    "timestamp": "433223232",
    "key_hex": "f75bf2014da65c8f1c39a47de848ba383d051f4e218fa70774fcd3fb216c5f9b",
    "iv_hex": "f75bf2014da65c8f1c39a47de848ba38",
    "response": (
        "jVi+VBqujzlQbAiKneAp7Gf2VAsFMprjrD9Zr3cAhELWaskeedzuR1jfpYawGHHqmL4T+Z+5zg2FZlwFkWUJesA2"
        "urzPUNjRiNV+iLIBvJrh0qfElXasY1w/sUfJTePN"
    ),
    "lz": (
        "NobwRAdgtgDg9gGwJZgFxgIIDkMGkwA0kUAzgK4BGJMApiUgIbIlqY75EDWAJuVbfSZIW6bBkJge8ZKzFgAvgF0gA"
    ),
    "plain": '[{"nmpoli":"ANAK","nmsubspesialis":"ANAK","kdsubspesialis":"ANA","kdpoli":"ANA"}]',
}
VECTOR_B: dict[str, str] = {
    "consid": "1234",
    "secret": "pwd",
    "timestamp": "1700000000",
    "signature": "QbAKTP54Su+BEvo9Ks0zhW27zsJAjQNNXGMcns5eMz0=",
    "key_hex": "7b426539e1dda2e8eced60cdc7415cb59ab492ea549fbdccaa4f9380d2957dd5",
    "iv_hex": "7b426539e1dda2e8eced60cdc7415cb5",
    "response": (
        "fsafieEFeiTP71qPoj7AxI60JVC7R6yb0ra8R3ym9Ja5Hy45+/EU5vEgnA/oSqy31ghMn0I7aZGKDZ707NwovA3s"
        "PPGi2P6J/kyuZGkoFN3qDKC53eZHIqQtxwDMsU0g8ZdgmOsimJPDjtl1wNsMgtGN/i+fnQbQ1Er2fveTRa1rugGG"
        "as7vHyCVsaL20ABI0dVtWHQ/ArrRkVHMzTn/ozwuYg4F7iM9X/G3zbWryIge/rZlExZLkSfT6wnXYuWC"
    ),
    "lz": (
        "NobwRA7ghg1gLgVwE4GcwC4wEYBsBaABgGY8AmA0rAAiy3SNPQBYBOKgdQEkAhMAGkixEGMKSaES5SjUYBWWelJE"
        "OPfmDhQUMAHZQAtgFMRehABsoASyrR4CKom0BzR3agATPRZQW1GrRbcMLAEYAHs3AwAjUNCYCycRAEFuAGEsJTAA"
        "XwBdIA"
    ),
    "plain": (
        '[{"wakturs":"16-03-2021 11:32:49 WIB","waktu":"24-03-2021 12:55:23 WIB",'
        '"taskname":"mulai waktu tunggu admisi","taskid":1,"kodebooking":"ABC123"}]'
    ),
}
VECTORS = [VECTOR_A, VECTOR_B]


def _creds(vector: dict[str, str]) -> tuple[str, str, str]:
    return vector["consid"], vector["secret"], vector["timestamp"]


def test_hmac_primitive_trustmark_example() -> None:
    # message "aaa", key "bbb" (TrustMark text); signature() is this HMAC over consid&ts.
    mac = hmac.new(b"bbb", b"aaa", hashlib.sha256).digest()
    assert base64.b64encode(mac).decode() == "20BKS3PWnD3XU4JbSSZvVlGi2WWnDa8Sv9uHJ+wsELA="
    assert (
        signature("aaa", "bbb", "x")
        == base64.b64encode(hmac.new(b"bbb", b"aaa&x", hashlib.sha256).digest()).decode()
    )


def test_signature_examples() -> None:
    assert signature("1234", "pwd", "433223232") == "eXMtvX2r7e7CLCIu3kpEpCrvciZgK8FuOhKv06NDAHk="
    assert signature(*_creds(VECTOR_B)) == VECTOR_B["signature"]


@pytest.mark.parametrize("vector", VECTORS, ids=["A", "B"])
def test_key_derivation(vector: dict[str, str]) -> None:
    key, iv = derive_key(*_creds(vector))
    assert key.hex() == vector["key_hex"]
    assert iv.hex() == vector["iv_hex"]


@pytest.mark.parametrize("vector", VECTORS, ids=["A", "B"])
def test_intermediate_lz_text(vector: dict[str, str]) -> None:
    # Independent of crypto.decrypt: plain pycryptodome, then PKCS#7 by hand.
    key, iv = derive_key(*_creds(vector))
    padded = AES.new(key, AES.MODE_CBC, iv).decrypt(base64.b64decode(vector["response"]))
    assert padded[: -padded[-1]].decode() == vector["lz"]
    assert lzstring.decompress_from_encoded_uri_component(vector["lz"]) == vector["plain"]


@pytest.mark.parametrize("vector", VECTORS, ids=["A", "B"])
def test_reference_vectors_decrypt_and_encrypt(vector: dict[str, str]) -> None:
    creds = _creds(vector)
    assert decrypt(*creds, vector["response"]) == vector["plain"]
    assert decrypt_json(*creds, vector["response"]) == json.loads(vector["plain"])
    assert encrypt(*creds, vector["plain"]) == vector["response"]


def test_vector_a_padding_is_seven_bytes() -> None:
    key, iv = derive_key(*_creds(VECTOR_A))
    padded = AES.new(key, AES.MODE_CBC, iv).decrypt(base64.b64decode(VECTOR_A["response"]))
    assert padded[-7:] == bytes([7]) * 7


# --- shared vectors (../shared, absent on a user's machine) --------------------------------


def _shared_cases() -> list[Any]:
    if not SHARED_VECTORS.is_file():
        return [
            pytest.param(
                None, marks=pytest.mark.skip(reason=f"shared vectors not found at {SHARED_VECTORS}")
            )
        ]
    cases = json.loads(SHARED_VECTORS.read_text(encoding="utf-8"))
    return [pytest.param(case, id=f"case{i}") for i, case in enumerate(cases)]


@pytest.mark.parametrize("case", _shared_cases())
def test_shared_vector(case: dict[str, Any]) -> None:
    creds = case["consid"], case["secret"], case["timestamp"]
    # `plain` is stored as a JSON value; the encrypted text is its JSON.stringify form.
    plain_text = json.dumps(case["plain"], ensure_ascii=False, separators=(",", ":"))
    assert signature(*creds) == case["signature"]
    assert decrypt(*creds, case["response"]) == plain_text
    assert decrypt_json(*creds, case["response"]) == case["plain"]
    assert encrypt(*creds, plain_text) == case["response"]


# --- failures ------------------------------------------------------------------------------


def _raw_encrypt(vector: dict[str, str], plaintext: bytes) -> str:
    """AES-CBC with the vector's key and no padding of its own: for crafting bad inputs."""
    key, iv = derive_key(*_creds(vector))
    return base64.b64encode(AES.new(key, AES.MODE_CBC, iv).encrypt(plaintext)).decode()


def _lz_payload(lz_text: str) -> bytes:
    data = lz_text.encode()
    pad = 16 - len(data) % 16
    return data + bytes([pad]) * pad


BAD_CIPHERTEXTS: list[tuple[str, str, str, str]] = [
    # (name, timestamp, ciphertext, expected message part)
    ("wrong timestamp", "433223233", VECTOR_A["response"], "bad padding"),
    ("truncated chars", VECTOR_A["timestamp"], VECTOR_A["response"][:-4], "AES blocks"),
    (
        "truncated block",
        VECTOR_A["timestamp"],
        base64.b64encode(base64.b64decode(VECTOR_A["response"])[:-16]).decode(),
        "bad padding",
    ),
    ("non-base64", VECTOR_A["timestamp"], "not base64!", "not valid base64"),
    ("bad base64 padding", VECTOR_A["timestamp"], VECTOR_A["response"][:-1], "not valid base64"),
    (
        "embedded newline",
        VECTOR_A["timestamp"],
        VECTOR_A["response"][:20] + "\n" + VECTOR_A["response"][20:],
        "not valid base64",
    ),
    ("non-ascii", VECTOR_A["timestamp"], "\u00e9" + VECTOR_A["response"][1:], "not valid base64"),
    ("empty", VECTOR_A["timestamp"], "", "AES blocks"),
    (
        "pad byte 0",
        VECTOR_A["timestamp"],
        _raw_encrypt(VECTOR_A, b"A" * 15 + b"\x00"),
        "bad padding",
    ),
    (
        "pad byte 17",
        VECTOR_A["timestamp"],
        _raw_encrypt(VECTOR_A, b"A" * 15 + b"\x11"),
        "bad padding",
    ),
    (
        "uneven pad bytes",
        VECTOR_A["timestamp"],
        _raw_encrypt(VECTOR_A, b"A" * 13 + b"\x02\x01\x03"),
        "bad padding",
    ),
    ("not utf-8", VECTOR_A["timestamp"], _raw_encrypt(VECTOR_A, b"\xff" * 15 + b"\x01"), "UTF-8"),
    (
        "not lz-string",
        VECTOR_A["timestamp"],
        _raw_encrypt(VECTOR_A, _lz_payload("N$bw")),
        "invalid character",
    ),
    (
        "truncated lz",
        VECTOR_A["timestamp"],
        _raw_encrypt(VECTOR_A, _lz_payload(VECTOR_A["lz"][:40])),
        "truncated",
    ),
    (
        "lone surrogate",
        VECTOR_A["timestamp"],
        _raw_encrypt(VECTOR_A, _lz_payload("IaAB2EZA")),
        "lone surrogate",
    ),
]


@pytest.mark.parametrize(
    ("timestamp", "ciphertext", "message"),
    [case[1:] for case in BAD_CIPHERTEXTS],
    ids=[case[0] for case in BAD_CIPHERTEXTS],
)
def test_bad_input_raises_decryption_error(timestamp: str, ciphertext: str, message: str) -> None:
    with pytest.raises(DecryptionError, match=message) as caught:
        decrypt(VECTOR_A["consid"], VECTOR_A["secret"], timestamp, ciphertext)
    _assert_no_secret(caught.value, VECTOR_A["secret"], timestamp)


def _assert_no_secret(exc: BaseException, secret: str, timestamp: str) -> None:
    key, _ = derive_key(VECTOR_A["consid"], secret, timestamp)
    text = f"{exc} {exc!r}"
    for needle in (secret, key.hex(), base64.b64encode(key).decode(), key.hex().upper()):
        assert needle not in text
    assert exc.__cause__ is None  # nothing chained that a traceback would print


@pytest.mark.parametrize("secret", ["pwd2", "PWD", "pw", "pwd " + "x" * 40])
def test_wrong_secret_raises(secret: str) -> None:
    with pytest.raises(DecryptionError) as caught:
        decrypt(VECTOR_A["consid"], secret, VECTOR_A["timestamp"], VECTOR_A["response"])
    _assert_no_secret(caught.value, secret, VECTOR_A["timestamp"])


def test_wrong_consid_raises() -> None:
    with pytest.raises(DecryptionError):
        decrypt("1235", VECTOR_A["secret"], VECTOR_A["timestamp"], VECTOR_A["response"])


def test_decrypted_but_not_json_raises() -> None:
    creds = _creds(VECTOR_A)
    ciphertext = encrypt(*creds, '{"nama": "SITI AMINAH", oops}')
    assert decrypt(*creds, ciphertext) == '{"nama": "SITI AMINAH", oops}'
    with pytest.raises(DecryptionError, match="not JSON") as caught:
        decrypt_json(*creds, ciphertext)
    assert "SITI" not in str(caught.value)


def test_error_message_names_the_likely_cause() -> None:
    with pytest.raises(DecryptionError, match=r"wrong consid/secret/timestamp\?"):
        decrypt("1234", "pwd", "1700000001", VECTOR_B["response"])


# --- properties ----------------------------------------------------------------------------

# Any valid text (surrogates are not text), with emoji, astral, control chars and NUL
# drawn often on purpose.
_char = st.characters(codec="utf-8") | st.sampled_from(
    ["\U0001f600", "\U0001f469", "\u200d", "\U0001d518", "\U0002000b", "\x00", "\x1f", "\u2028"]
)
_text = st.text(_char, max_size=40)
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(_text, children, max_size=6),
    max_leaves=30,
)
_credential = st.text(_char, min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(_json_values, _credential, _credential, st.integers(0, 2**40).map(str))
def test_encrypt_decrypt_roundtrip(value: Any, consid: str, secret: str, timestamp: str) -> None:
    json_text = json.dumps(value, ensure_ascii=False)
    ciphertext = encrypt(consid, secret, timestamp, json_text)
    assert decrypt(consid, secret, timestamp, ciphertext) == json_text
    assert decrypt_json(consid, secret, timestamp, ciphertext) == value


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_json_values, max_size=8),
    st.sampled_from([None, 0, 1, 2, "\t"]),
    st.sampled_from([(",", ":"), (", ", ": "), (" ,\r\n", " :\t")]),
)
def test_sliced_json_parser_equals_json_loads(
    items: list[Any], indent: int | str | None, separators: tuple[str, str]
) -> None:
    text = " \n" + json.dumps(items, indent=indent, separators=separators) + "\r\n "
    assert asyncio.run(lzstring.run_sliced(crypto._loads_steps(text))) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    ["[1,]", "[1 2]", "[1]x", "[", "[1,", "[,1]", "]", "", "[1]]", '[{"a":1}'],
)
def test_sliced_json_parser_rejects_what_json_loads_rejects(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        asyncio.run(lzstring.run_sliced(crypto._loads_steps(text)))


# --- async ---------------------------------------------------------------------------------


def _getlisttask_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "wakturs": f"01-08-2024 13:{i % 60:02d}:11 WIB",
            "waktu": "24-03-2021 12:55:23 WIB",
            "taskname": "akhir waktu layan admisi/mulai waktu tunggu poli",
            "taskid": i % 7 + 1,
            "kodebooking": f"20240801{i:06d}",
            "nama": [
                "SITI AMINAH",
                "Jos\u00e9 M\u00fcller",
                "\u738b\u5c0f\u660e",
                "Ahmad \U0001f600",
            ][i % 4],
        }
        for i in range(count)
    ]


async def test_async_small_and_large_payloads_decrypt() -> None:
    creds = _creds(VECTOR_B)
    assert await decrypt_json_async(*creds, VECTOR_B["response"]) == json.loads(VECTOR_B["plain"])
    rows = _getlisttask_rows(5000)
    ciphertext = encrypt(*creds, json.dumps(rows, ensure_ascii=False))
    assert len(ciphertext) > crypto.ASYNC_INLINE_MAX_CHARS
    assert await decrypt_json_async(*creds, ciphertext) == rows


async def test_async_large_payload_failures_raise_decryption_error() -> None:
    creds = _creds(VECTOR_B)
    large = encrypt(*creds, json.dumps(_getlisttask_rows(2000)))
    with pytest.raises(DecryptionError, match="bad padding"):
        await decrypt_json_async("1234", "pwd", "1700000001", large)
    not_json = encrypt(*creds, json.dumps(_getlisttask_rows(2000))[:-1])
    with pytest.raises(DecryptionError, match="not JSON"):
        await decrypt_json_async(*creds, not_json)
    key, iv = derive_key(*creds)
    lz_cut = compress_to_encoded_uri_component(json.dumps(_getlisttask_rows(2000)))[:-50]
    truncated = base64.b64encode(
        AES.new(key, AES.MODE_CBC, iv).encrypt(_lz_payload(lz_cut))
    ).decode()
    with pytest.raises(DecryptionError, match="truncated"):
        await decrypt_json_async(*creds, truncated)
