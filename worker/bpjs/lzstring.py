"""lz-string 1.5.0 (JavaScript) ``EncodedURIComponent`` transport, ported for BPJS responses.

BPJS compresses every encrypted response with the JavaScript library's
``compressToEncodedURIComponent``, so the only correct decoder is one that reproduces that
library bit for bit. Three properties of the original drive this port:

* **UTF-16 code units, not code points.** A JavaScript string is a sequence of UTF-16 code
  units; the LZW dictionary, the 8/16-bit literals and ``charAt(0)`` all work on them. An
  emoji is two units, and a dictionary entry may end between its halves. Walking Python code
  points instead (as PyPI ``lzstring`` 1.0.4 does) writes 17-bit values into 16-bit fields and
  corrupts every text with an astral character. Here the compressor splits astral characters
  into surrogate pairs first, and the decompressor produces code units and rejoins the pairs
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
``__proto__``. The port reproduces it so that our fake BPJS server emits identical bytes.

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

__all__ = [
    "IMPLEMENTATION",
    "LZStringError",
    "LoneSurrogateError",
    "compress_to_encoded_uri_component",
    "decompress_from_encoded_uri_component",
    "decompress_from_encoded_uri_component_async",
    "decompress_from_encoded_uri_component_steps",
    "run_sliced",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


class LZStringError(ValueError):
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
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")

# Codes between pauses of the cooperative decoder: about a millisecond of work, small enough
# that checking the clock at each pause keeps slices near their budget, large enough that
# the pauses cost nothing measurable.
_CODES_PER_STEP: Final = 1024
_NEVER: Final = 1 << 62


# --- compression ---------------------------------------------------------------------------


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
    units = _to_code_units(text)  # also the lone-surrogate check for the native path
    if _native is not None:
        return _native.compress_to_encoded_uri_component(text)
    return _to_uri(*_compress(units))


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

# Inputs whose outputs are known from lz-string 1.5.0 itself: plain ASCII, a BMP/astral mix,
# and the "__proto__" quirk. A native codec must agree with the pure port on all of them.
_SELF_TEST: Final = (
    "",
    '[{"nmpoli":"ANAK","nmsubspesialis":"ANAK","kdsubspesialis":"ANA","kdpoli":"ANA"}]',
    "Ahmad \U0001f600 Zain \u738b\u5c0f\u660e Jos\u00e9 \U0001d518\U0001d518\U0001f3e5",
    "__proto__ __proto__ __proto__",
)


class _NativeCodec(Protocol):
    """The parts of ``lz_string`` we call."""

    def compress_to_encoded_uri_component(self, text: str, /) -> str: ...

    def decompress_from_encoded_uri_component(self, text: str, /) -> str | None: ...


def _load_native() -> _NativeCodec | None:
    try:
        import lz_string  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    codec: _NativeCodec = lz_string
    try:
        for sample in _SELF_TEST:
            expected = _to_uri(*_compress(_to_code_units(sample)))
            if codec.compress_to_encoded_uri_component(sample) != expected:
                raise ValueError("compressed output differs")
            if codec.decompress_from_encoded_uri_component(expected) != sample:
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
