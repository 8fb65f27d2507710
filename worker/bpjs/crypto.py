"""BPJS Antrean RS request signing and response decryption (reference §1, §2).

Only the decrypting side: encryption, which only the fake BPJS server and the tests need,
is ``sandbox/bpjs_encode.py``.

BPJS encrypts each response with a key derived from consid, secret *and the request's
X-timestamp*, so the same bytes decrypt only with that request's timestamp string. A wrong
key almost always shows up as bad PKCS#7 padding, which is why padding is checked strictly
(every pad byte equal, value 1..16) rather than trusting the last byte: a lenient unpad
(as in some public clients) lets garbage through to the LZ decoder and out as wrong data.
Every failure becomes :class:`DecryptionError`, whose message never contains the secret,
the key or the decrypted content (patient data).

Why :func:`decrypt_json_async` slices the work on the event loop instead of handing it to
a thread or a process pool. ``bench/bench_decrypt.py`` measures all three as the longest
gap of a 1 ms ticker task (Python 3.11, 2 shared CPUs, median of 7 runs, ranges over
several benchmark runs; the idle loop alone shows 1-4 ms):

* A thread does not bound the stall: the LZ decoder is pure Python and holds the GIL, and
  ``json.loads`` is C code that never releases it. At 5,000 rows that happens to stay
  near the budget (9-15 ms, worst run 21 ms); at 50,000 rows it is 43-99 ms.
* A process pool moves the LZ work away, but the parsed result has to be built in the
  loop's process anyway (``json.loads`` there, or unserialising the same objects, which
  costs as much), so the loop stalls for the whole parse: 11-16 ms at 5,000 rows,
  104-141 ms at 50,000; plus a pool to start, feed megabytes and shut down.
* Slicing bounds the stall directly: base64 and AES run in C per 256 KiB chunk, the LZ
  decoder pauses about every millisecond, surrogate pairs are rejoined part by part, and a
  top-level JSON array is parsed element by element with ``JSONDecoder.raw_decode``. All of
  it is one pausable computation run by :func:`lzstring.run_sliced` in ~4 ms slices:
  10-17 ms at 5,000 rows (worst run 20 ms), 15-19 ms at 50,000 ASCII rows. At 50,000 rows
  of international text it is ~48 ms, nearly all of it one join into a 9 MB
  four-bytes-per-char ``str`` (avoiding that would need a JSON parser over a list of
  chunks). Total CPU time stays about the same.

Garbage-collector pauses are outside this: decoding 5,000 rows allocates 5,000 dicts,
which can trigger a full collection whose length depends on everything the process holds
(16 ms seen once in the benchmark process). ``gc.freeze()`` after start-up is the lever.

Small payloads (the usual per-booking ``getlisttask`` answer) are decoded inline: below
:data:`ASYNC_INLINE_MAX_CHARS` the whole decode takes about one slice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Generator
from typing import Any, Final

from Crypto.Cipher import AES

from core.errors import BridgeError
from worker.bpjs import lzstring

__all__ = [
    "ASYNC_INLINE_MAX_CHARS",
    "DecryptionError",
    "decrypt",
    "decrypt_json",
    "decrypt_json_async",
    "derive_key",
    "signature",
]

ASYNC_INLINE_MAX_CHARS: Final = 16 * 1024
"""Ciphertexts up to this many base64 chars are decoded without yielding (~5 ms here)."""

_SLICE_SECONDS: Final = 0.004
_AES_CHUNK_BYTES: Final = 256 * 1024  # a few ms of AES-CBC; a multiple of the block size
_JSON_WS: Final = re.compile(r"[ \t\n\r]*")
_HINT: Final = "(wrong consid/secret/timestamp?)"


class DecryptionError(BridgeError):
    """A BPJS response could not be decrypted, decompressed or parsed."""


def signature(consid: str, secret: str, timestamp: str) -> str:
    """The X-signature header; BPJS recomputes it, so base64 must be standard and padded."""
    mac = hmac.new(secret.encode(), f"{consid}&{timestamp}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def derive_key(consid: str, secret: str, timestamp: str) -> tuple[bytes, bytes]:
    """AES key and IV. The raw digest, not its hex text, and the IV is its first 16 bytes:
    both are easy to get wrong and only show up as "bad padding"."""
    key = hashlib.sha256(f"{consid}{secret}{timestamp}".encode()).digest()
    return key, key[:16]


def _ciphertext_bytes(ciphertext_b64: str) -> bytes:
    try:
        ciphertext = base64.b64decode(ciphertext_b64, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("cannot decrypt BPJS response: not valid base64") from None
    if not ciphertext or len(ciphertext) % AES.block_size:
        raise DecryptionError(
            f"cannot decrypt BPJS response: {len(ciphertext)} bytes is not a whole number "
            "of AES blocks (truncated?)"
        )
    return ciphertext


def _cipher(consid: str, secret: str, timestamp: str) -> Any:
    key, iv = derive_key(consid, secret, timestamp)
    return AES.new(key, AES.MODE_CBC, iv)


def _unpad_to_text(padded: bytes) -> str:
    pad = padded[-1]
    if not 1 <= pad <= AES.block_size or padded[-pad:] != bytes([pad]) * pad:
        raise DecryptionError(f"cannot decrypt BPJS response: bad padding {_HINT}")
    try:
        return padded[:-pad].decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionError(
            f"cannot decrypt BPJS response: plaintext is not UTF-8 {_HINT}"
        ) from None


def _decrypt_to_lz(consid: str, secret: str, timestamp: str, ciphertext_b64: str) -> str:
    ciphertext = _ciphertext_bytes(ciphertext_b64)
    padded: bytes = _cipher(consid, secret, timestamp).decrypt(ciphertext)
    return _unpad_to_text(padded)


def _lz_failed(exc: lzstring.LZStringError) -> DecryptionError:
    return DecryptionError(f"cannot decompress BPJS response {_HINT}: {exc}")


def decrypt(consid: str, secret: str, timestamp: str, ciphertext_b64: str) -> str:
    """The JSON text of an encrypted ``response`` field, exactly as BPJS compressed it.

    ``timestamp`` must be the exact X-timestamp string of the request this answers: it is
    part of the key, so a fresh ``time()`` here is the classic cause of "bad padding".
    """
    lz_text = _decrypt_to_lz(consid, secret, timestamp, ciphertext_b64)
    try:
        return lzstring.decompress_from_encoded_uri_component(lz_text)
    except lzstring.LZStringError as exc:
        raise _lz_failed(exc) from None


def _json_failed(exc: json.JSONDecodeError) -> DecryptionError:
    # Position only: the document is patient data and must not reach logs.
    return DecryptionError(
        f"BPJS response decrypted but is not JSON: {exc.msg} at line {exc.lineno} "
        f"column {exc.colno}"
    )


def decrypt_json(consid: str, secret: str, timestamp: str, ciphertext_b64: str) -> Any:
    """The parsed ``response``; a body that is not JSON is a :class:`DecryptionError` too,
    because to the caller it is the same failure: an answer it cannot read."""
    text = decrypt(consid, secret, timestamp, ciphertext_b64)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _json_failed(exc) from None


def _skip_ws(text: str, idx: int) -> int:
    match = _JSON_WS.match(text, idx)
    return match.end() if match else idx


def _loads_steps(text: str) -> Generator[None, None, Any]:
    """``json.loads`` that pauses between the elements of a top-level array.

    Only arrays are split: BPJS read-backs that can be large (``getlisttask``, references,
    schedules) are arrays; anything else is parsed in one go.
    """
    idx = _skip_ws(text, 0)
    if not text.startswith("[", idx):
        return json.loads(text)
    raw_decode = json.JSONDecoder().raw_decode
    items: list[Any] = []
    idx = _skip_ws(text, idx + 1)
    if text.startswith("]", idx):
        idx += 1
    else:
        while True:
            item, idx = raw_decode(text, idx)
            items.append(item)
            idx = _skip_ws(text, idx)
            delimiter = text[idx : idx + 1]
            if delimiter == ",":
                idx = _skip_ws(text, idx + 1)
            elif delimiter == "]":
                idx += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, idx)
            yield
    if _skip_ws(text, idx) != len(text):
        raise json.JSONDecodeError("Extra data", text, idx)
    return items


def _decrypt_json_steps(
    consid: str, secret: str, timestamp: str, ciphertext_b64: str
) -> Generator[None, None, Any]:
    """:func:`decrypt_json` as a pausable computation, for :func:`lzstring.run_sliced`."""
    ciphertext = _ciphertext_bytes(ciphertext_b64)
    cipher = _cipher(consid, secret, timestamp)
    chunks: list[bytes] = []
    for start in range(0, len(ciphertext), _AES_CHUNK_BYTES):  # CBC state carries over
        chunks.append(cipher.decrypt(ciphertext[start : start + _AES_CHUNK_BYTES]))
        yield
    lz_text = _unpad_to_text(b"".join(chunks))
    yield
    try:
        text = yield from lzstring.decompress_from_encoded_uri_component_steps(lz_text)
    except lzstring.LZStringError as exc:
        raise _lz_failed(exc) from None
    yield
    try:
        return (yield from _loads_steps(text))
    except json.JSONDecodeError as exc:
        raise _json_failed(exc) from None


async def decrypt_json_async(consid: str, secret: str, timestamp: str, ciphertext_b64: str) -> Any:
    """:func:`decrypt_json` for the worker: large responses are decoded in slices so that
    other jobs on the same event loop keep running (see the module docstring)."""
    if len(ciphertext_b64) <= ASYNC_INLINE_MAX_CHARS:
        return decrypt_json(consid, secret, timestamp, ciphertext_b64)
    steps = _decrypt_json_steps(consid, secret, timestamp, ciphertext_b64)
    return await lzstring.run_sliced(steps, _SLICE_SECONDS)

