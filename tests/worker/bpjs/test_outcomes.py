"""Every row of the BPJS outcome table, checked against expectations written here.

The samples and expected outcomes below are taken from reference §4 (and the
brief's notes), not read from ``RULES``: if someone changes a rule's outcome or
pattern, the row's test fails.
"""

from __future__ import annotations

import pytest

from core.errors import (
    BlockedError,
    FixThenRetryError,
    Outcome,
    PermanentError,
    RetryableError,
    UpstreamError,
)
from worker.bpjs import outcomes
from worker.bpjs.outcomes import RULES, classify, error_for

# situation -> (code, message sample, expected outcome)
EXPECTED: dict[str, tuple[object, str, Outcome]] = {
    "success": (200, "Ok", Outcome.DONE),
    "no content (empty list)": (204, "", Outcome.DONE),
    "no content message": (201, "No Content", Outcome.DONE),
    "duplicate kodebooking": (208, "Terdapat duplikasi Kode Booking", Outcome.ALREADY_DONE),
    "task already sent": (208, "TaskId=3 sudah ada", Outcome.ALREADY_DONE),
    "kodebooking unknown": (201, "Kode Booking tidak ditemukan", Outcome.FIX_THEN_RETRY),
    "previous task not sent": (
        201,
        "TaskId=4 tidak valid / TaskId sebelumnya belum terkirim",
        Outcome.BLOCKED,
    ),
    "previous task missing": (201, "Task=1 ada. TaskId=2 belum ada", Outcome.BLOCKED),
    "time not after previous task": (
        201,
        "waktu TaskId=5 tidak boleh kurang atau sama dengan waktu sebelumnya "
        "(2026-03-13 08:10:00 WIB)",
        Outcome.PERMANENT,
    ),
    "time not before next task": (
        201,
        "TaskId=3 tidak boleh lebih besar daripada TaskId=4 (2026-03-13 09:00:00 WIB)",
        Outcome.PERMANENT,
    ),
    "time not on the service date": (
        201,
        "Waktu tidak valid (2026-03-14 00:44:08 WIB). Tanggal pelayanan untuk Kode Booking "
        "tersebut adalah (2026-03-13)",
        Outcome.PERMANENT,
    ),
    "after task 99": (201, "TaskId terakhir 99", Outcome.PERMANENT),
    "farmasi already added": (201, "Antrean farmasi sudah ada", Outcome.ALREADY_DONE),
    "referral problem": (201, "Rujukan nomor 0001R0010125B000001 tidak valid", Outcome.PERMANENT),
    "not registered": (
        "404",
        "Unauthorized! You are not registered for this service!",
        Outcome.PERMANENT,
    ),
    "consumer id expired": (201, "consumer id is expired", Outcome.PERMANENT),
    "HTTP 5xx": (outcomes.TRANSPORT_5XX, "", Outcome.RETRY),
    "HTTP 429 throttled": (outcomes.TRANSPORT_429, "", Outcome.RETRY),
    "HTML page instead of JSON": (outcomes.TRANSPORT_HTML, "", Outcome.RETRY),
    "non-JSON body": (outcomes.TRANSPORT_NON_JSON, "", Outcome.RETRY),
    "timeout": (outcomes.TRANSPORT_TIMEOUT, "", Outcome.RETRY),
    "connection reset": (outcomes.TRANSPORT_RESET, "", Outcome.RETRY),
}


def test_every_row_has_an_independent_expectation() -> None:
    assert sorted(r.situation for r in RULES) == sorted(EXPECTED)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.situation)
def test_row(rule: outcomes.Rule) -> None:
    code, message, expected = EXPECTED[rule.situation]
    assert classify(code, message) is expected
    # The sample is decided by this very row, not by an earlier, broader one.
    first = next(r for r in RULES if r.matches(outcomes.normalize_code(code), message))
    assert first is rule


@pytest.mark.parametrize("code", [1, "1", 200, "200", " 200 ", 200.0])
def test_success_codes_number_or_string(code: object) -> None:
    assert classify(code, "Ok") is Outcome.DONE


@pytest.mark.parametrize(
    ("code", "message"),
    [(201, "Sesuatu yang belum pernah terlihat"), (500, "Internal error"), (208, "Aneh"), ("", "")],
)
def test_unknown_answers_are_permanent(code: object, message: str) -> None:
    assert classify(code, message) is Outcome.PERMANENT


def test_message_matching_ignores_case_and_code() -> None:
    assert classify(201, "TERDAPAT DUPLIKASI KODE BOOKING") is Outcome.ALREADY_DONE
    assert classify("200", "TaskId=99 sudah ada") is Outcome.DONE  # success code wins
    assert classify(201, "TaskId = 7 sudah ada") is Outcome.ALREADY_DONE


def test_plain_sudah_ada_needs_a_farmasi_style_code() -> None:
    assert classify(500, "Data sudah ada") is Outcome.PERMANENT


@pytest.mark.parametrize(
    ("code", "message", "cls"),
    [
        (201, "Kode Booking tidak ditemukan", FixThenRetryError),
        (201, "TaskId=2 tidak valid / TaskId sebelumnya belum terkirim", BlockedError),
        (201, "TaskId terakhir 99", PermanentError),
        (201, "Rujukan tidak valid", PermanentError),
        (outcomes.TRANSPORT_5XX, "HTTP 503", RetryableError),
        (999, "mystery", PermanentError),
    ],
)
def test_error_for_builds_the_subclass_with_the_upstream_message(
    code: object, message: str, cls: type[UpstreamError]
) -> None:
    exc = error_for(code, message, context="POST antrean/updatewaktu", http_status=200)
    assert type(exc) is cls
    assert exc.outcome is classify(code, message)
    assert exc.message == f"POST antrean/updatewaktu: {message}"
    assert exc.code == str(code)
    assert exc.http_status == 200
    assert exc.service == "bpjs"


def test_error_for_refuses_a_success() -> None:
    with pytest.raises(ValueError, match="success"):
        error_for(208, "Terdapat duplikasi Kode Booking")
