"""Every Redis key, stream and job name simrs-bridge uses, in one place.

Modelled on arq's ``constants.py``: the producer, the worker, the dashboard and
the inbox reader all meet in Redis, so the names they meet under live here and
nowhere else. Job ids are derived from the unit of work
(``bpjs:booking:<kodebooking>``, ``sirs:<kind>:<tanggal>``, ``sirs:beds``), so a
burst of changes coalesces into one queued job (DESIGN principle 2).
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "BEDS_JOB_ID",
    "BEDS_LAST",
    "BEDS_STATUS",
    "BPJS_BOOKING",
    "BPJS_RECONCILE",
    "BPJS_SCHEDULE_CHECK",
    "BREAKER_PREFIX",
    "CHANGES_STATUS",
    "HEARTBEAT_PROCESSES",
    "INBOX_REJECTED_STREAM",
    "INBOX_STREAM",
    "KEBUTUHAN_KINDS",
    "PREFIX",
    "PRODUCER_STATUS",
    "QUEUE_NAME",
    "RATELIMIT_PREFIX",
    "RECONCILE_LAST",
    "SIRS_ANTRIAN",
    "SIRS_BEDS",
    "SIRS_KEBUTUHAN",
    "SIRS_REPORT",
    "SIRS_SHK",
    "booking_job_id",
    "dirty_key",
    "heartbeat_key",
    "kebutuhan_job_id",
    "reconcile_closing_key",
    "reconcile_job_id",
    "reconcile_status_key",
    "report_job_id",
    "schedule_check_job_id",
    "schedule_check_key",
    "schedule_check_queued_key",
    "shk_job_id",
]

PREFIX = "simrs-bridge"

# arq's queue (a sorted set) and the SIMRS inbox streams.
QUEUE_NAME = f"{PREFIX}:queue"
INBOX_STREAM = f"{PREFIX}:inbox"
INBOX_REJECTED_STREAM = f"{PREFIX}:inbox:rejected"

# Status documents the dashboard reads.
PRODUCER_STATUS = f"{PREFIX}:producer:status"
BEDS_STATUS = f"{PREFIX}:beds:status"
BEDS_LAST = f"{PREFIX}:beds:last"
# The producer's change source (poll or binlog): lag, events per table, fallbacks.
CHANGES_STATUS = f"{PREFIX}:changes:status"

# Heartbeats: one hash per kind of process, field "<host>:<pid>" -> epoch seconds of its
# latest beat (core/heartbeat.py), read by the dashboard and /metrics.
HEARTBEAT_PROCESSES = ("worker", "producer")

# Shared per-upstream state: ``<prefix>:<upstream>:...``.
RATELIMIT_PREFIX = f"{PREFIX}:ratelimit"
BREAKER_PREFIX = f"{PREFIX}:breaker"

# Job function names (arq's registry keys).
BPJS_BOOKING = "bpjs_booking"
SIRS_ANTRIAN = "sirs_antrian"
SIRS_BEDS = "sirs_beds"
SIRS_REPORT = "sirs_report"
SIRS_KEBUTUHAN = "sirs_kebutuhan"
SIRS_SHK = "sirs_shk"
BPJS_RECONCILE = "bpjs_reconcile"
BPJS_SCHEDULE_CHECK = "bpjs_schedule_check"

# The read-back reconcile (issue 12): when the producer last scheduled one, and per day
# whether the "after the last clinic closed" run was scheduled and what the last run found.
RECONCILE_LAST = f"{PREFIX}:reconcile:last"

BEDS_JOB_ID = "sirs:beds"
KEBUTUHAN_KINDS = ("sdm", "apd")


def booking_job_id(function: str, kodebooking: str) -> str:
    prefix = "bpjs:booking" if function == BPJS_BOOKING else "sirs:antrian"
    return f"{prefix}:{kodebooking}"


def report_job_id(kind: str, tanggal: date | str) -> str:
    text = tanggal.isoformat() if isinstance(tanggal, date) else tanggal
    return f"sirs:{kind}:{text}"


def reconcile_job_id(tanggal: date | str) -> str:
    text = tanggal.isoformat() if isinstance(tanggal, date) else tanggal
    return f"bpjs:reconcile:{text}"


def reconcile_status_key(tanggal: date | str) -> str:
    text = tanggal.isoformat() if isinstance(tanggal, date) else tanggal
    return f"{PREFIX}:reconcile:status:{text}"


def schedule_check_job_id(tanggal: date | str) -> str:
    text = tanggal.isoformat() if isinstance(tanggal, date) else tanggal
    return f"bpjs:schedule:{text}"


def schedule_check_key(tanggal: date | str) -> str:
    """The findings of the day's schedule and mapping check (JSON)."""
    text = tanggal.isoformat() if isinstance(tanggal, date) else tanggal
    return f"{PREFIX}:schedule:check:{text}"


def schedule_check_queued_key(tanggal: date | str) -> str:
    """Set when the day's schedule check was queued, so it is queued once."""
    return schedule_check_key(tanggal) + ":queued"


def reconcile_closing_key(tanggal: date | str) -> str:
    text = tanggal.isoformat() if isinstance(tanggal, date) else tanggal
    return f"{PREFIX}:reconcile:closing:{text}"


def kebutuhan_job_id(kind: str, id_kebutuhan: str) -> str:
    return f"sirs:{kind}:{id_kebutuhan}"


def shk_job_id(pasien_id: int) -> str:
    return f"sirs:shk:{pasien_id}"


def dirty_key(job_id: str) -> str:
    """Set when an enqueue found the job already queued or running: run it again."""
    return f"{PREFIX}:dirty:{job_id}"


def heartbeat_key(process: str) -> str:
    return f"{PREFIX}:heartbeat:{process}"
