"""The ordering rules, step by step: what each upstream is sent for a visit, and in what order.

Pure functions, so these tests build snapshots by hand; the end-to-end tests
(producer + worker + fake upstreams) show the same rules reaching the wire.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.bpjs.models import AntreanAdd, FarmasiAdd
from core.errors import Outcome
from core.khanza.snapshot import BookingSnapshot, Cancellation
from core.plan import Plan, pending, plan_bpjs, plan_sirs
from core.state.ledger import LedgerEntry

ZONE = ZoneInfo("Asia/Jakarta")  # UTC+7, no daylight saving
KODE = "20250115000001"
ALL_SOURCES = frozenset(range(1, 8))


def at(hour: int, minute: int) -> datetime:
    """A Khanza wall-clock time on the visit's day (naive, the hospital's zone)."""
    return datetime(2025, 1, 15, hour, minute)


def ms(hour: int, minute: int) -> int:
    """The same time as BPJS wants it: epoch ms, computed independently of core.plan."""
    return int(datetime(2025, 1, 15, hour - 7, minute, tzinfo=UTC).timestamp() * 1000)


def add_body(**changes: Any) -> AntreanAdd:
    fields: dict[str, Any] = dict(
        kodebooking=KODE, jenispasien="JKN", nomorkartu="0000000000001",
        nik="0000000000000001", nohp="080000000101", kodepoli="INT",
        namapoli="PENYAKIT DALAM", pasienbaru=0, norm="000001", tanggalperiksa="2025-01-15",
        kodedokter=99901, namadokter="dr. CONTOH SATU, Sp.PD", jampraktek="08:00-12:00",
        jeniskunjungan=1, nomorreferensi="0001R0010125B000001", nomorantrean="A-001",
        angkaantrean=1, estimasidilayani=ms(8, 0), sisakuotajkn=29, kuotajkn=30,
        sisakuotanonjkn=30, kuotanonjkn=30, keterangan="-")
    fields.update(changes)
    return AntreanAdd(**fields)


FARMASI = FarmasiAdd(kodebooking=KODE, jenisresep="racikan", nomorantrean=1, keterangan="-")


def snapshot(tasks: dict[int, datetime], **changes: Any) -> BookingSnapshot:
    base = BookingSnapshot(kodebooking=KODE, no_rawat="2025/01/15/000001",
                           tanggal=date(2025, 1, 15), source="mobile_jkn", pasienbaru=False,
                           add=add_body(), tasks=tasks)
    return replace(base, **changes)


DAY = {1: at(7, 0), 2: at(7, 10), 3: at(7, 30), 4: at(8, 0), 5: at(8, 20), 6: at(8, 30),
       7: at(8, 45)}


def names(plan: Plan) -> list[str]:
    return [step.name for step in plan.steps]


def test_existing_patient_starts_at_task_3_even_when_khanza_has_earlier_times() -> None:
    plan = plan_bpjs(snapshot(DAY), ZONE, ALL_SOURCES)
    assert names(plan) == ["add", "task3", "task4", "task5", "task6", "task7"]
    assert plan.waiting is None
    assert plan.steps[0].body == add_body().model_dump(mode="json")
    task3 = plan.step("task3")
    assert task3 is not None
    assert task3.body == {"kodebooking": KODE, "taskid": 3, "waktu": ms(7, 30)}
    assert (task3.taskid, task3.waktu) == (3, ms(7, 30))  # Khanza's time, never shifted


def test_new_patient_starts_at_task_1_when_the_hospital_records_it() -> None:
    new = snapshot(DAY, pasienbaru=True)
    assert names(plan_bpjs(new, ZONE, ALL_SOURCES)) == [
        "add", "task1", "task2", "task3", "task4", "task5", "task6", "task7"]
    # Without a source for tasks 1 and 2 they are not invented: the sequence starts at 3.
    assert names(plan_bpjs(new, ZONE))[:2] == ["add", "task3"]
    # With a source for task 2 only, it starts there.
    assert names(plan_bpjs(new, ZONE, frozenset(range(2, 8))))[:2] == ["add", "task2"]


def test_a_missing_time_holds_back_every_later_task_and_says_why() -> None:
    gap = {t: w for t, w in DAY.items() if t != 5}
    plan = plan_bpjs(snapshot(gap, farmasi=FARMASI), ZONE)
    assert names(plan) == ["add", "task3", "task4"]
    assert plan.waiting == "task 5 has no time in Khanza yet"
    # The visit simply has not got further: nothing to wait for, nothing to say.
    plan = plan_bpjs(snapshot({3: at(7, 30), 4: at(8, 0)}), ZONE)
    assert names(plan) == ["add", "task3", "task4"]
    assert plan.waiting is None


def test_farmasi_goes_right_after_task_5_with_the_prescription_type() -> None:
    plan = plan_bpjs(snapshot(DAY, farmasi=FARMASI, jenisresep="racikan"), ZONE)
    assert names(plan) == ["add", "task3", "task4", "task5", "farmasi", "task6", "task7"]
    task5, farmasi = plan.step("task5"), plan.step("farmasi")
    assert task5 is not None and farmasi is not None
    assert task5.body["jenisresep"] == "racikan"
    assert farmasi.kind == "farmasi" and farmasi.body == FARMASI.model_dump(mode="json")
    # Before task 5 has a time, no farmasi either.
    early = plan_bpjs(snapshot({3: at(7, 30), 4: at(8, 0)}, farmasi=FARMASI), ZONE)
    assert "farmasi" not in names(early)


def test_bpjs_cancellation_is_batal_then_task_99_and_nothing_else() -> None:
    batal = Cancellation("pasien batal", at(9, 15))
    plan = plan_bpjs(snapshot(DAY, batal=batal, farmasi=FARMASI), ZONE)
    assert names(plan) == ["batal", "task99"]
    assert plan.steps[0].body == {"kodebooking": KODE, "keterangan": "pasien batal"}
    assert plan.steps[1].body == {"kodebooking": KODE, "taskid": 99, "waktu": ms(9, 15)}
    # Cancelled before its add went out: the add is there for BPJS's "Kode Booking tidak
    # ditemukan" (fix_then_retry), not sent on its own.
    fix = plan.step("add")
    assert fix is not None and fix.body == add_body().model_dump(mode="json")
    # No recorded cancellation time: task 99 is not sent with an invented one.
    untimed = plan_bpjs(snapshot(DAY, batal=Cancellation("Batal", None)), ZONE)
    assert names(untimed) == ["batal"]


def test_no_add_body_means_no_steps_and_the_reason() -> None:
    plan = plan_bpjs(snapshot(DAY, add=None, problem="no poli mapping for U0001"), ZONE)
    assert plan.steps == ()
    assert plan.waiting == "antrean/add cannot be built: no poli mapping for U0001"
    sirs = plan_sirs(snapshot(DAY, add=None, problem="no poli mapping for U0001"), ZONE)
    assert sirs.steps == () and sirs.waiting is not None and "U0001" in sirs.waiting


def test_sirs_gets_the_visit_then_its_tasks_without_bpjs_only_fields() -> None:
    plan = plan_sirs(snapshot(DAY, farmasi=FARMASI, jenisresep="racikan"), ZONE)
    assert names(plan) == ["add", "task3", "task4", "task5", "task6", "task7"]
    antrian = plan.steps[0].body
    assert antrian["kodebooking"] == KODE and antrian["nomorreferensi"] == "0001R0010125B000001"
    for bpjs_only in ("nomorkartu", "nohp", "sisakuotajkn", "kuotajkn"):
        assert bpjs_only not in antrian
    task5 = plan.step("task5")
    assert task5 is not None and "jenisresep" not in task5.body
    non_jkn = plan_sirs(snapshot(DAY, add=add_body(jenispasien="NON JKN")), ZONE)
    assert non_jkn.steps[0].body["nomorreferensi"] == ""


def test_bpjs_cancellation_before_the_visit_day_is_batal_alone() -> None:
    # Cancelled the evening before: BPJS takes task times only on the service date, so the
    # real cancellation time cannot be a task 99 there, and no other time is made up.
    before = Cancellation("pasien batal", datetime(2025, 1, 14, 19, 30))
    plan = plan_bpjs(snapshot({}, batal=before), ZONE)
    assert names(plan) == ["batal"] and plan.waiting is None
    assert plan.steps[0].body == {"kodebooking": KODE, "keterangan": "pasien batal"}
    # Just after midnight on the visit day it is a task 99 again, at that very time.
    early = Cancellation("pasien batal", datetime(2025, 1, 15, 0, 5))
    assert [s.body for s in plan_bpjs(snapshot({}, batal=early), ZONE).steps][1] == {
        "kodebooking": KODE, "taskid": 99,
        "waktu": int(datetime(2025, 1, 14, 17, 5, tzinfo=UTC).timestamp() * 1000)}


def test_sirs_cancellation_is_the_visit_then_task_99() -> None:
    plan = plan_sirs(snapshot(DAY, batal=Cancellation("pasien batal", at(9, 15))), ZONE)
    assert names(plan) == ["add", "task99"]
    assert plan.steps[1].body == {"kodebooking": KODE, "taskid": 99, "waktu": ms(9, 15)}
    assert names(plan_sirs(snapshot(DAY, batal=Cancellation("Batal", None)), ZONE)) == ["add"]


def entry(step: str, outcome: Outcome, *, digest: str | None = None,
          done: bool = False) -> LedgerEntry:
    now = datetime(2025, 1, 15, 2, 0)
    return LedgerEntry(upstream="bpjs", kodebooking=KODE, step=step, taskid=None, waktu=None,
                       payload_hash=digest, outcome=outcome, code=None, message=None,
                       attempts=1, first_try=now, last_try=now, done_at=now if done else None)


def test_pending_skips_what_was_acknowledged_or_recorded_by_khanza() -> None:
    plan = plan_bpjs(snapshot(DAY), ZONE)
    ledger = {"add": entry("add", Outcome.DONE, done=True),
              "task3": entry("task3", Outcome.ALREADY_DONE, done=True),
              "task4": entry("task4", Outcome.RETRY)}  # tried, not acknowledged: send again
    left = pending(plan, ledger, recorded=frozenset({"task5"}))
    assert [s.name for s in left] == ["task4", "task6", "task7"]


def test_a_permanent_refusal_stops_the_visit_until_the_data_changes_or_a_replay() -> None:
    plan = plan_bpjs(snapshot(DAY), ZONE)
    add = plan.step("add")
    assert add is not None
    refused = {"add": entry("add", Outcome.PERMANENT, digest=add.digest)}
    assert pending(plan, refused) == []  # later steps wait too: BPJS needs the add first
    assert [s.name for s in pending(plan, refused, force=True)] == names(plan)
    corrected = {"add": entry("add", Outcome.PERMANENT, digest="0" * 16)}
    assert [s.name for s in pending(plan, corrected)] == names(plan)
    # Refused for a fixable reason: retried as it is.
    fixable = {"add": entry("add", Outcome.FIX_THEN_RETRY, digest=add.digest)}
    assert [s.name for s in pending(plan, fixable)] == names(plan)
