"""lz-string 1.5.0 (JavaScript) ``EncodedURIComponent`` decoder, ported for BPJS responses.

Production only ever decodes; the matching compressor (for the fake BPJS server, the tests
and the benchmarks) lives in ``sandbox/bpjs_encode.py`` and shares this module's notes.

BPJS compresses every encrypted response with the JavaScript library's
``compressToEncodedURIComponent``, so the only correct decoder is one that reproduces that
library bit for bit. Three properties of the original drive this port:

* **UTF-16 code units, not code points.** A JavaScript string is a sequence of UTF-16 code
  units; the LZW dictionary, the 8/16-bit literals and ``charAt(0)`` all work on them. An
  emoji is two units, and a dictionary entry may end between its halves. Walking Python code
  points instead (as PyPI ``lzstring`` 1.0.4 does) writes 17-bit values into 16-bit fields and
  corrupts every text with an astral character. The compressor splits astral characters
  into surrogate pairs first, and this decompressor produces code units and rejoins the pairs
  once at the end.
* **A faithful bit stream.** The transport is exactly base64 (with ``-`` for ``/``, no padding)
  of an MSB-first bit stream in which each LZW code is written least significant bit first.
  Treating it that way lets C code (``base64``, ``bytes.translate``) do the alphabet and bit
  reversal work, so the Python loop touches each *code* once instead of each *bit*.
* **The original is lenient; we are not.** For corrupt input the JavaScript decoder returns
  ``null``/``""`` or silently reads missing bits as zeros. A BPJS response that decodes to
  wrong text is worse than one that fails, so every such case raises :class:`LZStringError`,
  and a lone surrogate in the output (never valid text, always corruption for JSON) raises
  :class:`LoneSurrogateError`. Bits after the end-of-stream marker are ignored, as in the
  original, because they cannot change the decoded text.

The JavaScript compressor also has a quirk worth preserving: it keeps its dictionary in a
plain object, where assigning the key ``"__proto__"`` is a no-op. That entry's number is used
up but never found again, and the output differs from a naive port for any text containing
``__proto__``. The sandbox compressor reproduces it so that our fake BPJS server emits
identical bytes; decoding needs nothing special for it.

The decoder is written as a generator that can pause every thousand codes or so. The
synchronous API runs it straight through; :func:`run_sliced` runs it (or any computation
that embeds it) on the event loop in slices of a few milliseconds (see ``crypto.py`` for
why a thread does not help).

Optional native path: PyPI ``lzstring-codec`` (import name ``lz_string``; Rust core, Python
>= 3.12 only), about 3x faster than this decoder. It is lenient like the original, so it is
used only if it reproduces this module on built-in samples at import, and only behind the
checks in :func:`_decompress_native` that make it exactly as strict as the pure decoder.
The async API never uses it: it holds the GIL for long stretches (a 54 ms event-loop stall
measured at 50,000 rows even from a worker thread). On Python 3.11 it cannot be installed
and :data:`IMPLEMENTATION` is ``"pure"``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import sys
import time
from array import array
from collections.abc import Generator
from typing import Final, Literal, Protocol, TypeVar

from core.errors import BridgeError

__all__ = [
    "IMPLEMENTATION",
    "LZStringError",
    "LoneSurrogateError",
    "decompress_from_encoded_uri_component",
    "decompress_from_encoded_uri_component_async",
    "decompress_from_encoded_uri_component_steps",
    "run_sliced",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


class LZStringError(BridgeError, ValueError):
    """The input is not an lz-string ``EncodedURIComponent`` stream (corrupt or truncated)."""


class LoneSurrogateError(LZStringError):
    """The stream decodes to UTF-16 with an unpaired surrogate, i.e. not to valid text."""


# The URI-safe alphabet is base64's with "-" in place of "/". Index 64 ("$") is never written
# by the compressor; the original reads it as zero bits, we reject it like any foreign char.
_URI_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-"
_URI_ALPHABET_BYTES: Final = _URI_ALPHABET.encode("ascii")
_NOT_URI_CHAR: Final = re.compile(r"[^A-Za-z0-9+\-]")
_B64_TO_URI: Final = bytes.maketrans(b"/", b"-")
# Reverses the bit order inside each byte: turns the MSB-first stream into LSB-first words.
_REVERSE_BITS: Final = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
_SURROGATE: Final = re.compile("[\ud800-\udfff]")

# Codes between pauses of the cooperative decoder: about a millisecond of work, small enough
# that checking the clock at each pause keeps slices near their budget, large enough that
# the pauses cost nothing measurable.
_CODES_PER_STEP: Final = 1024
_NEVER: Final = 1 << 62


# --- decompression -------------------------------------------------------------------------


def _is_uri_text(text: str) -> bool:
    """Whether every char is in the URI-safe alphabet (a C-speed pass, no regex engine)."""
    return text.isascii() and not text.encode("ascii").translate(None, _URI_ALPHABET_BYTES)


def _stream_from_uri(text: str) -> tuple[bytes, int]:
    """Validate the transport text and return its MSB-first bit stream and length in bits."""
    if not text:
        raise LZStringError("empty lz-string input (the original returns null)")
    # The original turns spaces back into "+": a "+" that crossed a query string unescaped.
    text = text.replace(" ", "+")
    if not _is_uri_text(text):
        bad = _NOT_URI_CHAR.search(text)
        assert bad is not None
        raise LZStringError(
            f"invalid character {bad.group()!r} at index {bad.start()} in lz-string input"
        )
    padded = text.replace("-", "/") + "A" * (-len(text) % 4)
    return base64.b64decode(padded, validate=True), 6 * len(text)


def _decompress(stream: bytes, nbits: int, step: int) -> Generator[None, None, list[str]]:
    """Decode an lz-string bit stream into code units, pausing every ``step`` codes.

    Returns the code units as a list of strings (one per pause, joined while paused so that
    no single join of the whole output stalls an event loop).

    Reads whole codes from an LSB-first accumulator refilled 32 bits at a time, so the
    per-code cost is a mask and a shift. ``numBits`` in the original equals the bit length of
    the dictionary size at every read, so the width grows when the size reaches ``limit``;
    the same comparison doubles as the pause check (``limit`` is the nearer of the next
    power of two and the next pause), which keeps the hot path free of extra tests.
    """
    rev = stream.translate(_REVERSE_BITS)
    rev += b"\0" * (-len(rev) % 4)
    vals: list[int] = []
    chunk = 1 << 18 if step else len(rev)
    for start in range(0, len(rev), chunk):
        words = array("I", rev[start : start + chunk])
        if sys.byteorder != "little":
            words.byteswap()
        vals += words.tolist()
        if step:
            yield
    acc = vals[0]  # a non-empty text gives at least one word
    pos = 1
    nacc = 32

    try:
        first = acc & 3
        acc >>= 2
        nacc -= 2
        if first == 2:
            return []  # compress("") -> "Q"
        if first == 3:
            raise LZStringError("corrupt lz-string stream: no literal at the start")
        width = 8 if first == 0 else 16
        if nacc < width:
            acc |= vals[pos] << nacc
            pos += 1
            nacc += 32
        w = chr(acc & ((1 << width) - 1))
        acc >>= width
        nacc -= width

        dictionary = ["", "", "", w]
        dict_append = dictionary.append
        parts: list[str] = []
        out = [w]
        out_append = out.append
        size = 4
        num_bits = 3
        next_pow2 = 8
        next_pause = step if step else _NEVER
        limit = min(next_pow2, next_pause)
        mask = 7

        while True:
            if nacc < num_bits:
                acc |= vals[pos] << nacc
                pos += 1
                nacc += 32
            code = acc & mask
            acc >>= num_bits
            nacc -= num_bits
            if code > 2:
                if code < size:
                    entry = dictionary[code]
                elif code == size:
                    entry = w + w[0]
                elif 32 * pos - nacc > nbits:
                    raise IndexError  # read past the end: report truncation, not this code
                else:
                    raise LZStringError(
                        f"corrupt lz-string stream: code {code} beyond dictionary size {size}"
                    )
            elif code == 2:
                break
            else:
                width = 8 if code == 0 else 16
                if nacc < width:
                    acc |= vals[pos] << nacc
                    pos += 1
                    nacc += 32
                entry = chr(acc & ((1 << width) - 1))
                acc >>= width
                nacc -= width
                dict_append(entry)
                size += 1
            out_append(entry)
            dict_append(w + entry[0])
            size += 1
            w = entry
            if size >= limit:
                if size >= next_pow2:
                    num_bits += 1
                    next_pow2 <<= 1
                    mask = next_pow2 - 1
                    if num_bits > 32:
                        raise LZStringError("corrupt lz-string stream: dictionary overflow")
                if size >= next_pause:
                    parts.append("".join(out))
                    out.clear()
                    yield
                    next_pause = size + step
                limit = min(next_pow2, next_pause)
    except IndexError:
        raise LZStringError("truncated lz-string stream: ends before its end marker") from None

    if 32 * pos - nacc > nbits:
        raise LZStringError("truncated lz-string stream: ends inside its end marker")
    parts.append("".join(out))
    if step:
        # Freeing a dictionary of ~10^5..10^6 strings at once takes >10 ms: do it in batches.
        while len(dictionary) > 1 << 16:
            del dictionary[-(1 << 16) :]
            yield
    return parts


def _units_to_text(units: str, offset: int = 0) -> str:
    """Join surrogate pairs into code points; a lone surrogate means corrupt data."""
    if units.isascii():
        return units
    try:
        return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError as exc:
        index = offset + exc.start // 2
        raise LoneSurrogateError(
            f"lz-string stream decodes to a lone surrogate at code unit {index}"
        ) from None


def _parts_to_text(parts: list[str]) -> Generator[None, None, str]:
    """:func:`_units_to_text` part by part, carrying a high surrogate across part ends."""
    texts: list[str] = []
    carry = ""
    offset = 0
    for part in parts:
        units = carry + part
        carry = ""
        if units and "\ud800" <= units[-1] <= "\udbff":
            carry = units[-1]
            units = units[:-1]
        texts.append(_units_to_text(units, offset))
        offset += len(units)
        yield
    texts.append(_units_to_text(carry, offset))  # a high surrogate at the very end is lone
    return "".join(texts)


def _finish(steps: Generator[None, None, _T]) -> _T:
    """Run a pausable computation straight through."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: _T = done.value
            return result


def _decompress_pure(text: str) -> str:
    stream, nbits = _stream_from_uri(text)
    return _units_to_text("".join(_finish(_decompress(stream, nbits, 0))))


def decompress_from_encoded_uri_component(text: str) -> str:
    """Decompress like JavaScript ``LZString.decompressFromEncodedURIComponent(text)``.

    Raises :class:`LZStringError` where the original would return ``null``, ``""`` for a
    non-empty stream, or text built from missing bits.
    """
    if _native is not None:
        result = _decompress_native(text)
        if result is not None:
            return result
    return _decompress_pure(text)


def decompress_from_encoded_uri_component_steps(text: str) -> Generator[None, None, str]:
    """The pure decoder as a pausable computation: yields about every millisecond of work.

    Drive it with :func:`run_sliced`, or compose it with ``yield from`` into a larger
    pausable computation (``crypto.decrypt_json_async`` does).
    """
    stream, nbits = _stream_from_uri(text)
    yield
    parts = yield from _decompress(stream, nbits, _CODES_PER_STEP)
    return (yield from _parts_to_text(parts))


async def run_sliced(steps: Generator[None, None, _T], slice_seconds: float = 0.004) -> _T:
    """Run a pausable computation on the event loop, giving other tasks a turn every
    ``slice_seconds``, so that none of them waits much longer than one slice.

    Each turn is two ``sleep(0)``: after the first, this task is queued again *before*
    timers that fell due during the slice (asyncio moves due timers to the ready queue after
    it), so they would wait a second slice; after the second they have run.
    """
    deadline = time.perf_counter() + slice_seconds
    try:
        while True:
            next(steps)
            if time.perf_counter() >= deadline:
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                deadline = time.perf_counter() + slice_seconds
    except StopIteration as done:
        result: _T = done.value
        return result


async def decompress_from_encoded_uri_component_async(
    text: str, *, slice_seconds: float = 0.004
) -> str:
    """Like :func:`decompress_from_encoded_uri_component`, yielding to the event loop.

    The work stays on the loop's thread but is cut into slices of about ``slice_seconds``.
    A worker thread would not help: the decoder is pure Python and holds the GIL (and so,
    mostly, does the native codec, which is why the pure decoder is used here).
    """
    return await run_sliced(decompress_from_encoded_uri_component_steps(text), slice_seconds)


# --- optional native backend ---------------------------------------------------------------

# Streams written by lz-string 1.5.0 itself (npm, under Node 20) and their text: plain
# ASCII, a BMP/astral mix, and the "__proto__" quirk. A native codec must decode them all.
_SELF_TEST: Final = (
    ("Q", ""),
    ("NobwRAdgtgDg9gGwJZgFxgIIDkMGkwA0kUAzgK4BGJMApiUgIbIlqY75EDWAJuVbfSZIW6bBkJge8ZKzFgAvgF0gA",
     '[{"nmpoli":"ANAK","nmsubspesialis":"ANAK","kdsubspesialis":"ANA","kdpoli":"ANA"}]'),
    ("IICwtghgJgBIvBuAA9mAtCBLAdkA", "Ahmad \U0001f600 Zain"),
    ("tHOngdRwZgBAUg9gzgS4oHg3Cn+xQCICHa8AdgcwgBUALQabwg",
     "\u738b\u5c0f\u660e Jos\u00e9 \U0001f3e5 \u0110\u1eb7ng Th\u1ecb"),
    ("PrAOCcHsBdJACEEZ2IsVYiA", "__proto__ __proto__ __proto__"),
)


class _NativeCodec(Protocol):
    """The parts of ``lz_string`` we call."""

    def decompress_from_encoded_uri_component(self, text: str, /) -> str | None: ...


def _load_native() -> _NativeCodec | None:
    try:
        import lz_string  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    codec: _NativeCodec = lz_string
    try:
        for stream, text in _SELF_TEST:
            if codec.decompress_from_encoded_uri_component(stream) != text:
                raise ValueError("decompressed output differs")
    except Exception as exc:  # noqa: BLE001 - any failure just disables the fast path
        logger.warning("lzstring-codec disagrees with lz-string 1.5.0 (%s); not using it", exc)
        return None
    return codec


def _decompress_native(text: str) -> str | None:
    """Native decode, or None when the strict pure decoder must decide.

    The native codec, like the original, reads bits past the end of the input as zeros, so
    a stream cut just after the first bits of its end marker would still "end" there and
    come back silently shortened. Appending one all-ones character ("-") closes that hole
    without a second pass: no code that touches those bits can be the end marker 2 (its
    bit 0 would be 1, or bits above 1 would be set), so a result comes back only if the end
    marker lies entirely inside the real input, which is the pure decoder's own rule.
    The original's other lenient cases (foreign characters, a start with code 3, a code
    beyond the dictionary, lone surrogates) are screened here or come back as None/"".
    """
    assert _native is not None
    normalized = text.replace(" ", "+")
    if not normalized or not _is_uri_text(normalized):
        return None
    if _URI_ALPHABET.index(normalized[0]) >= 48:  # first code would be 3
        return None
    result = _native.decompress_from_encoded_uri_component(normalized + "-")
    if not result or (not result.isascii() and _SURROGATE.search(result) is not None):
        return None
    return result


_native: _NativeCodec | None = _load_native()

IMPLEMENTATION: Final[Literal["native", "pure"]] = "pure" if _native is None else "native"
"""The synchronous codec in use: ``"native"`` (lzstring-codec) or ``"pure"`` (this module)."""
