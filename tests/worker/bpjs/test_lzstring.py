"""lz-string port: byte-exact with JavaScript lz-string 1.5.0, strict on corrupt input."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.bpjs_encode import compress_to_encoded_uri_component
from worker.bpjs import lzstring
from worker.bpjs.lzstring import (
    LoneSurrogateError,
    LZStringError,
    decompress_from_encoded_uri_component,
    decompress_from_encoded_uri_component_async,
)

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-"

# Reference §7, Vectors A and B: the LZ text between AES and JSON.
VECTOR_A_LZ = (
    "NobwRAdgtgDg9gGwJZgFxgIIDkMGkwA0kUAzgK4BGJMApiUgIbIlqY75EDWAJuVbfSZIW6bBkJge8ZKzFgAvgF0gA"
)
VECTOR_A_JSON = '[{"nmpoli":"ANAK","nmsubspesialis":"ANAK","kdsubspesialis":"ANA","kdpoli":"ANA"}]'
VECTOR_B_LZ = (
    "NobwRA7ghg1gLgVwE4GcwC4wEYBsBaABgGY8AmA0rAAiy3SNPQBYBOKgdQEkAhMAGkixEGMKSaES5SjUYBWWelJEOPfm"
    "DhQUMAHZQAtgFMRehABsoASyrR4CKom0BzR3agATPRZQW1GrRbcMLAEYAHs3AwAjUNCYCycRAEFuAGEsJTAAXwBdIA"
)
VECTOR_B_JSON = (
    '[{"wakturs":"16-03-2021 11:32:49 WIB","waktu":"24-03-2021 12:55:23 WIB",'
    '"taskname":"mulai waktu tunggu admisi","taskid":1,"kodebooking":"ABC123"}]'
)

# compressToEncodedURIComponent outputs of npm lz-string@1.5.0 under Node 20, generated once.
NODE_OUTPUTS = [
    ("\U0001f600", "rwbgA9o"),
    ("Ahmad \U0001f600 Zain", "IICwtghgJgBIvBuAA9mAtCBLAdkA"),
    ("\U0001d518" * 6, "qwbgxd3tKA"),
    (
        "\u738b\u5c0f\u660e Jos\u00e9 \U0001f3e5 \u0110\u1eb7ng Th\u1ecb",
        "tHOngdRwZgBAUg9gzgS4oHg3Cn+xQCICHa8AdgcwgBUALQabwg",
    ),
    (
        "\U0001f600\U0001f601\U0001f602\U0001f923\U0001f603\U0001f604" * 2
        + "\U0001f600\U0001f601\U0001f602",
        "rwbgA96QD3kID3D4NxiXeIYD3iBA90Frya9kpA",
    ),
    (
        '[{"nama":"Siti \U0001f469\u200d\u2695\ufe0f Aminah","poli":"ANAK",'
        '"kode":"\U0002000b\U0002000b"}]',
        "NobwRAdghgtlYC4wGUCWAXVACQvBuEsdwWAJBUskHg-rAQRlWgAswAaMABwHsAbVRMcgOXIGkGYANYsAJgFMugAQ3A0D"
        "tywAXwC6QA",
    ),
    ("\uffff\U0001f600\ud7ff\ue000\U0001f3e5", "v--l4NwAe4-+uAAHg8G4p-tA"),
    # JavaScript's dict["__proto__"] = n is a no-op; the port must spend the code the same way.
    ("__proto__ __proto__ __proto__", "PrAOCcHsBdJACEEZ2IsVYiA"),
    ("", "Q"),
]
# Node outputs for text holding lone surrogates ("\ud800" and "a\udc00b"): valid streams
# whose decoded text is not valid Unicode.
NODE_LONE_SURROGATE_STREAMS = ["gAbQ", "IaAB2EZA"]


def _stream(*fields: tuple[int, int]) -> str:
    """Hand-build a transport text from (value, bit count) fields, written LSB first."""
    bits = "".join(format(value, f"0{width}b")[::-1] for value, width in fields)
    bits += "0" * (-len(bits) % 6)
    return "".join(ALPHABET[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


@pytest.mark.parametrize(
    ("lz_text", "plain"), [(VECTOR_A_LZ, VECTOR_A_JSON), (VECTOR_B_LZ, VECTOR_B_JSON)]
)
def test_reference_vectors_both_directions(lz_text: str, plain: str) -> None:
    assert decompress_from_encoded_uri_component(lz_text) == plain
    assert compress_to_encoded_uri_component(plain) == lz_text


@pytest.mark.parametrize(("text", "expected"), NODE_OUTPUTS)
def test_matches_node_lz_string_including_astral_text(text: str, expected: str) -> None:
    assert compress_to_encoded_uri_component(text) == expected
    assert decompress_from_encoded_uri_component(expected) == text


@pytest.mark.parametrize("stream", NODE_LONE_SURROGATE_STREAMS)
def test_lone_surrogate_in_output_raises(stream: str) -> None:
    with pytest.raises(LoneSurrogateError, match="lone surrogate"):
        decompress_from_encoded_uri_component(stream)


def test_lone_surrogate_error_is_a_value_error() -> None:
    assert issubclass(LoneSurrogateError, LZStringError)
    assert issubclass(LZStringError, ValueError)


def test_space_reads_as_plus_like_the_original() -> None:
    text = "\u738b\u5c0f\u660e Jos\u00e9 \U0001f3e5 \u0110\u1eb7ng Th\u1ecb"
    stream = compress_to_encoded_uri_component(text)
    assert "+" in stream
    assert decompress_from_encoded_uri_component(stream.replace("+", " ")) == text


def test_hand_built_streams_decode_as_specified() -> None:
    assert _stream((0, 2), (ord("a"), 8), (2, 3)) == compress_to_encoded_uri_component("a")
    assert decompress_from_encoded_uri_component(_stream((1, 2), (0x738B, 16), (2, 3))) == "\u738b"
    # code 4 == dictionary size: the LZW "KwKwK" case, entry = w + w[0]
    assert decompress_from_encoded_uri_component(_stream((0, 2), (98, 8), (4, 3), (2, 3))) == "bbb"


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        ("", "empty"),
        ("N$bw", "invalid character '\\$'"),
        ("Nob=", "invalid character '='"),
        ("No/w", "invalid character '/'"),
        ("No%2B", "invalid character '%'"),
        ("No\u00e9w", "invalid character"),
        (_stream((3, 2), (2, 3)), "no literal at the start"),
        (_stream((0, 2), (97, 8), (7, 3)), "beyond dictionary"),
        # The end marker's first two bits are present, the third is not: the original reads
        # the missing bit as 0, sees "end", and returns "a". That must be an error.
        (_stream((0, 2), (97, 8), (2, 2)), "truncated"),
        (_stream((0, 2), (97, 8)), "truncated"),
        ("A", "truncated"),
    ],
)
def test_corrupt_input_raises(stream: str, message: str) -> None:
    with pytest.raises(LZStringError, match=message):
        decompress_from_encoded_uri_component(stream)


@pytest.mark.parametrize(("lz_text", "plain"), [(VECTOR_B_LZ, VECTOR_B_JSON)])
def test_every_truncation_raises_or_still_contains_the_end_marker(lz_text: str, plain: str) -> None:
    for cut in range(1, len(lz_text)):
        try:
            result = decompress_from_encoded_uri_component(lz_text[:cut])
        except LZStringError:
            continue
        assert result == plain, cut  # only the trailing flush char may be dropped


def test_bits_after_the_end_marker_are_ignored_like_the_original() -> None:
    assert decompress_from_encoded_uri_component(VECTOR_A_LZ + "AAAA") == VECTOR_A_JSON


def test_implementation_constant() -> None:
    assert lzstring.IMPLEMENTATION in {"native", "pure"}
    if importlib.util.find_spec("lz_string") is None:
        assert lzstring.IMPLEMENTATION == "pure"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_roundtrip_arbitrary_text(text: str) -> None:
    assert decompress_from_encoded_uri_component(compress_to_encoded_uri_component(text)) == text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b", "ab", " ", "\U0001f600", "\U0001d518", "\u00e9", "\u738b", "{"]),
        max_size=80,
    ).map("".join)
)
def test_roundtrip_repetitive_astral_text(text: str) -> None:
    # Few distinct units and many repeats: dictionary entries end mid-surrogate-pair.
    assert decompress_from_encoded_uri_component(compress_to_encoded_uri_component(text)) == text


@settings(max_examples=300, deadline=None)
@given(st.text(), st.data())
def test_damaged_stream_raises_or_decodes_never_crashes(text: str, data: st.DataObject) -> None:
    stream = compress_to_encoded_uri_component(text)
    index = data.draw(st.integers(0, len(stream) - 1))
    damaged = stream[:index] + data.draw(st.sampled_from(ALPHABET)) + stream[index + 1 :]
    damaged = damaged[: data.draw(st.integers(1, len(damaged)))]
    try:
        result = decompress_from_encoded_uri_component(damaged)
    except LZStringError:
        return
    assert isinstance(result, str)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=60))
def test_random_streams_raise_only_lzstring_errors(stream: str) -> None:
    try:
        decompress_from_encoded_uri_component(stream)
    except LZStringError:
        pass


def _large_text() -> str:
    rows = [
        f'{{"kodebooking":"B{i:06d}","taskid":{i % 7 + 1},"nama":"Siti \U0001f600 {i} \u738b",'
        f'"waktu":"24-03-2021 12:{i % 60:02d}:23 WIB"}}'
        for i in range(3000)
    ]
    return "[" + ",".join(rows) + "]"


async def test_async_decoder_matches_and_lets_other_tasks_run() -> None:
    text = _large_text()
    stream = compress_to_encoded_uri_component(text)
    loop = asyncio.get_running_loop()
    turns = 0
    done = False

    def other_work() -> None:  # runs once per event-loop turn until the decode is over
        nonlocal turns
        turns += 1
        if not done:
            loop.call_soon(other_work)

    loop.call_soon(other_work)
    result = await decompress_from_encoded_uri_component_async(stream, slice_seconds=0)
    done = True
    assert result == text
    assert turns > 10


async def test_async_decoder_is_as_strict() -> None:
    with pytest.raises(LoneSurrogateError):
        await decompress_from_encoded_uri_component_async("IaAB2EZA")
    with pytest.raises(LZStringError, match="truncated"):
        await decompress_from_encoded_uri_component_async(VECTOR_B_LZ[:-3])
    assert await decompress_from_encoded_uri_component_async("Q") == ""


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        (["a\ud83d", "\ude00b"], "a\U0001f600b"),
        (["\ud83d", "", "\ude00"], "\U0001f600"),
        (["ab", "\u738b", ""], "ab\u738b"),
    ],
)
def test_pairs_split_across_decoder_parts_are_rejoined(parts: list[str], text: str) -> None:
    assert lzstring._finish(lzstring._parts_to_text(parts)) == text


@pytest.mark.parametrize("parts", [["a\ud83d"], ["a\ud83d", "b"], ["\ude00", "b"]])
def test_lone_surrogate_across_decoder_parts_raises(parts: list[str]) -> None:
    with pytest.raises(LoneSurrogateError):
        lzstring._finish(lzstring._parts_to_text(parts))


@pytest.mark.skipif(lzstring.IMPLEMENTATION != "native", reason="lzstring-codec not installed")
def test_native_path_is_as_strict_as_the_pure_one() -> None:
    stream = compress_to_encoded_uri_component(_large_text()[:2000])
    # The fast path is really taken for a whole stream, and agrees with the pure decoder.
    assert lzstring._decompress_native(stream) == lzstring._decompress_pure(stream)
    for cut in range(1, len(stream) + 1):
        try:
            expected: str | None = lzstring._decompress_pure(stream[:cut])
        except LZStringError:
            expected = None
        native = lzstring._decompress_native(stream[:cut])
        if expected is None:
            assert native is None, cut  # never text where the pure decoder refuses
        elif native is not None:  # None here only means "let the pure decoder decide"
            assert native == expected, cut
