"""What BPJS does to a response, for the fake BPJS server, the tests and the benchmarks.

BPJS answers with ``encrypt(compressToEncodedURIComponent(json))``: lz-string 1.5.0's
compressor, then AES-256-CBC under a key from consid, secret and the request's timestamp.
Production only decodes (``worker/bpjs/lzstring.py`` and ``crypto.py``), so the encoding
side lives here, outside the installed daemon's code paths. It is a byte-exact port (the
notes on UTF-16 code units and the ``__proto__`` quirk are in ``worker/bpjs/lzstring.py``):
the fake server must emit exactly what BPJS would, or the decoder is tested against itself.
"""

from __future__ import annotations

import base64
import re
import sys
from array import array
from typing import Final

from Crypto.Cipher import AES

from worker.bpjs.crypto import derive_key
from worker.bpjs.lzstring import LoneSurrogateError

__all__ = ["compress_to_encoded_uri_component", "encrypt"]

_B64_TO_URI: Final = bytes.maketrans(b"/", b"-")
# Reverses the bit order inside each byte: turns LSB-first words into the MSB-first stream.
_REVERSE_BITS: Final = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _split_astral(match: re.Match[str]) -> str:
    cp = ord(match.group()) - 0x10000
    return chr(0xD800 | (cp >> 10)) + chr(0xDC00 | (cp & 0x3FF))


def _to_code_units(text: str) -> str:
    """Re-express ``text`` as one Python char per UTF-16 code unit, as JavaScript sees it."""
    if text.isascii():
        return text
    lone = _SURROGATE.search(text)
    if lone is not None:
        raise LoneSurrogateError(
            f"cannot compress text with a lone surrogate U+{ord(lone.group()):04X} "
            f"at index {lone.start()}"
        )
    return _ASTRAL.sub(_split_astral, text)


def _compress(units: str) -> tuple[bytes, int]:
    """LZW-compress code units exactly like lz-string's ``_compress``.

    Returns the bit stream as MSB-first bytes (zero-padded) and its length in bits, so any
    transport alphabet can be laid over it. Each value is written LSB first, as in the
    original; keeping the stream as a little-endian integer accumulator makes that a shift
    and an OR per code instead of a loop per bit.
    """
    dictionary: dict[str, int] = {}
    to_create: set[str] = set()
    dict_size = 3
    num_bits = 2
    enlarge_in = 2  # the original compensates for the first entry, which does not count
    w = ""
    words: list[int] = []
    words_append = words.append
    acc = 0  # pending stream bits, bit k = k-th bit of the stream
    nacc = 0

    for c in units:
        if c not in dictionary:
            dictionary[c] = dict_size
            dict_size += 1
            to_create.add(c)
        wc = w + c
        if wc in dictionary:
            w = wc
            continue
        if w in to_create:
            cu = ord(w)
            if cu < 256:
                acc |= cu << (nacc + num_bits)  # marker 0, then 8 bits
                nacc += num_bits + 8
            else:
                acc |= (1 | (cu << num_bits)) << nacc  # marker 1, then 16 bits
                nacc += num_bits + 16
            enlarge_in -= 1
            if enlarge_in == 0:
                enlarge_in = 1 << num_bits
                num_bits += 1
            to_create.remove(w)
        else:
            acc |= dictionary[w] << nacc
            nacc += num_bits
        enlarge_in -= 1
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1
        while nacc >= 32:
            words_append(acc & 0xFFFFFFFF)
            acc >>= 32
            nacc -= 32
        # JavaScript's `dict["__proto__"] = n` sets the prototype instead: the number is
        # spent but the entry never exists. Reproduced for byte-identical output.
        if wc != "__proto__":
            dictionary[wc] = dict_size
        dict_size += 1
        w = c

    if w:
        if w in to_create:
            cu = ord(w)
            if cu < 256:
                acc |= cu << (nacc + num_bits)
                nacc += num_bits + 8
            else:
                acc |= (1 | (cu << num_bits)) << nacc
                nacc += num_bits + 16
            enlarge_in -= 1
            if enlarge_in == 0:
                enlarge_in = 1 << num_bits
                num_bits += 1
        else:
            acc |= dictionary[w] << nacc
            nacc += num_bits
        enlarge_in -= 1
        if enlarge_in == 0:
            num_bits += 1
    acc |= 2 << nacc  # end-of-stream marker
    nacc += num_bits

    nbits = 32 * len(words) + nacc
    packed = array("I", words)
    if sys.byteorder != "little":
        packed.byteswap()
    stream = packed.tobytes() + acc.to_bytes((nacc + 7) // 8, "little")
    return stream.translate(_REVERSE_BITS), nbits


def _to_uri(stream: bytes, nbits: int) -> str:
    """Lay the URI-safe alphabet over a bit stream, ending like the original does."""
    # The original always ends with a (possibly all-zero) flush char after the end marker.
    nchars = nbits // 6 + 1
    stream += b"\0" * ((nchars * 6 + 7) // 8 - len(stream))
    return base64.b64encode(stream).translate(_B64_TO_URI)[:nchars].decode("ascii")


def compress_to_encoded_uri_component(text: str) -> str:
    """Compress like JavaScript ``LZString.compressToEncodedURIComponent(text)``.

    Raises :class:`LoneSurrogateError` for text the decompressor would refuse, so that
    anything we produce round-trips.
    """
    return _to_uri(*_compress(_to_code_units(text)))


def encrypt(consid: str, secret: str, timestamp: str, json_text: str) -> str:
    """The inverse of ``worker.bpjs.crypto.decrypt``, as BPJS does it."""
    data = compress_to_encoded_uri_component(json_text).encode("ascii")
    pad = AES.block_size - len(data) % AES.block_size
    key, iv = derive_key(consid, secret, timestamp)
    ciphertext: bytes = AES.new(key, AES.MODE_CBC, iv).encrypt(data + bytes([pad]) * pad)
    return base64.b64encode(ciphertext).decode("ascii")
