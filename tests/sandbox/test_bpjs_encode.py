"""The sandbox's BPJS encoder: what the fake server answers with, byte-exact with BPJS.

Its output is checked against the shared vectors and Node's lz-string in
tests/worker/bpjs/ (where the production decoder reads it back); here, what is
the encoder's alone.
"""

from __future__ import annotations

import json

import pytest

from sandbox.bpjs_encode import compress_to_encoded_uri_component, encrypt
from worker.bpjs import crypto, lzstring
from worker.bpjs.lzstring import LoneSurrogateError


@pytest.mark.parametrize("text", ["\ud800", "a\udc00b", "\U0001f600\ud83d"])
def test_compressing_a_lone_surrogate_raises(text: str) -> None:
    # The decoder refuses such streams, so the encoder must never produce one.
    with pytest.raises(LoneSurrogateError):
        compress_to_encoded_uri_component(text)


def test_encrypt_is_what_decrypt_reads_and_only_under_the_same_timestamp() -> None:
    rows = [{"kodebooking": "B1", "nama": "Siti \U0001f600 \u738b", "taskid": 3}]
    ciphertext = encrypt("1234", "s3cr3t", "1722500000", json.dumps(rows))
    assert crypto.decrypt_json("1234", "s3cr3t", "1722500000", ciphertext) == rows
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_json("1234", "s3cr3t", "1722500001", ciphertext)


def test_production_ships_only_the_decoders() -> None:
    assert not hasattr(crypto, "encrypt")
    assert not hasattr(lzstring, "compress_to_encoded_uri_component")
    assert not hasattr(lzstring, "_compress")
