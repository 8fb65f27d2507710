"""What a visit still owes each upstream, in the order the upstream accepts it.

Pure functions from a ``BookingSnapshot`` (what Khanza says now) and the
ledger (what the upstream acknowledged) to an ordered list of steps. The
producer uses them to decide whether a job is needed at all; the job uses
them to send. Nothing here invents a time: a task without a time in Khanza
is not planned, and a task whose predecessor has no time yet waits (the
reason is returned so it can be shown), because BPJS refuses task n before
task n-1 and a shifted time would falsify the hospital's service times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from core.errors import Outcome
from core.khanza.snapshot import TASK_ORDER, BookingSnapshot, epoch_ms, payload_hash
from core.khanza.tasks import is_zero
from core.state.ledger import LedgerEntry

__all__ = ["Plan", "Step", "corrections", "pending", "plan_bpjs", "plan_sirs"]

Kind = Literal["add", "task", "farmasi", "batal", "correct"]


@dataclass(frozen=True)
class Step:
    """One upstream call: ``name`` is the ledger's step key (``add``, ``task3``, ...)."""

    name: str
    kind: Kind
    body: Mapping[str, Any]
    taskid: int | None = None
    waktu: int | None = None

    @property
    def digest(self) -> str:
        return payload_hash(self.body)


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    waiting: str | None = None
    """Why later steps are not planned yet (no time in Khanza, no add body), if any."""
    fixes: tuple[Step, ...] = ()
    """Steps sent only when the upstream asks for them first (``fix_then_retry``): the
    ``add`` of a booking cancelled before its add went out, which BPJS must know before
    it can take the ``antrean/batal`` (Khanza's sender, too, sends add, then batal)."""

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps + self.fixes if s.name == name), None)


def _first_task(snapshot: BookingSnapshot, configured: frozenset[int]) -> int:
    """Where this visit's task sequence starts: 1 for new patients, 3 for existing ones,
    but never at a task the hospital has no source for (those are not invented)."""
    start = 1 if snapshot.pasienbaru else 3
    while start not in configured and start < 3:
        start += 1
    return start


def _task_steps(
    snapshot: BookingSnapshot, zone: ZoneInfo, configured: frozenset[int], body_extra: bool
) -> tuple[list[Step], str | None]:
    steps: list[Step] = []
    for taskid in TASK_ORDER:
        if taskid < _first_task(snapshot, configured):
            continue
        local = snapshot.tasks.get(taskid)
        if local is None:
            return steps, _missing(snapshot, taskid)
        waktu = epoch_ms(local, zone)
        body: dict[str, Any] = {"kodebooking": snapshot.kodebooking, "taskid": taskid,
                                "waktu": waktu}
        if body_extra and taskid == 5 and snapshot.jenisresep:
            body["jenisresep"] = snapshot.jenisresep
        steps.append(Step(f"task{taskid}", "task", body, taskid, waktu))
    return steps, None


def _missing(snapshot: BookingSnapshot, taskid: int) -> str | None:
    """Why the sequence stops at ``taskid``, or None when it has simply not happened yet.

    A value that is not a time at all (``25:00:00``) is named whether or not later
    tasks exist: nothing after it is ever sent until someone corrects it. A zero
    date is Khanza's "not yet", named only once a later task shows it is stuck.
    """
    held = snapshot.unreadable.get(taskid)
    later = any(t > taskid for t in snapshot.tasks)
    # ``held`` names each alternative of the task's source chain ("a is '...'; b is '...'").
    if held is not None and not all(is_zero(part.partition("'")[2]) for part in held.split("; ")):
        return f"task {taskid}: {held}, not a real time (correct it in Khanza)"
    if not later:
        return None
    return f"task {taskid} has no time in Khanza yet" + (f" ({held})" if held else "")


def plan_bpjs(
    snapshot: BookingSnapshot, zone: ZoneInfo, configured: frozenset[int] = frozenset(range(3, 8))
) -> Plan:
    """add → tasks in order (farmasi/add right after task 5) → or batal → task 99.

    Task 99 only when the cancellation was made on the visit day; one made earlier is
    ``antrean/batal`` alone."""
    kode = snapshot.kodebooking
    if snapshot.batal is not None:
        steps = [Step("batal", "batal", {"kodebooking": kode,
                                         "keterangan": snapshot.batal.keterangan})]
        # BPJS takes a task time only on the service date (reference §3.2/§4): a booking
        # cancelled the day before has no task 99 time BPJS accepts, and none is invented;
        # antrean/batal alone cancels it there.
        if snapshot.batal.waktu is not None and snapshot.batal.waktu.date() == snapshot.tanggal:
            waktu = epoch_ms(snapshot.batal.waktu, zone)
            steps.append(Step("task99", "task", {"kodebooking": kode, "taskid": 99,
                                                 "waktu": waktu}, 99, waktu))
        fixes = () if snapshot.add is None else (
            Step("add", "add", snapshot.add.model_dump(mode="json")),)
        return Plan(tuple(steps), fixes=fixes)
    if snapshot.add is None:
        return Plan((), f"antrean/add cannot be built: {snapshot.problem or 'unknown reason'}")
    steps = [Step("add", "add", snapshot.add.model_dump(mode="json"))]
    tasks, waiting = _task_steps(snapshot, zone, configured, body_extra=True)
    for step in tasks:
        steps.append(step)
        if step.taskid == 5 and snapshot.farmasi is not None:
            steps.append(Step("farmasi", "farmasi", snapshot.farmasi.model_dump(mode="json")))
    return Plan(tuple(steps), waiting)


def plan_sirs(
    snapshot: BookingSnapshot, zone: ZoneInfo, configured: frozenset[int] = frozenset(range(3, 8))
) -> Plan:
    """RS Online's KPI: the visit (``Antrian``) then its tasks; a cancellation is task 99."""
    kode = snapshot.kodebooking
    if snapshot.add is None:
        return Plan((), f"Antrian cannot be built: {snapshot.problem or 'unknown reason'}")
    body = snapshot.add.model_dump(mode="json")
    antrian = {key: body[key] for key in _ANTRIAN_FIELDS if key in body}
    if antrian.get("jenispasien") == "NON JKN":
        antrian["nomorreferensi"] = ""
    steps = [Step("add", "add", antrian)]
    if snapshot.batal is not None:
        if snapshot.batal.waktu is not None:
            waktu = epoch_ms(snapshot.batal.waktu, zone)
            steps.append(Step("task99", "task", {"kodebooking": kode, "taskid": 99,
                                                 "waktu": waktu}, 99, waktu))
        return Plan(tuple(steps))
    tasks, waiting = _task_steps(snapshot, zone, configured, body_extra=False)
    return Plan(tuple(steps + tasks), waiting)


_ANTRIAN_FIELDS = (
    "kodebooking", "jenispasien", "nik", "kodepoli", "namapoli", "pasienbaru", "norm",
    "tanggalperiksa", "kodedokter", "namadokter", "jampraktek", "jeniskunjungan",
    "nomorreferensi", "nomorantrean", "angkaantrean", "estimasidilayani", "keterangan",
)


def pending(
    plan: Plan,
    ledger: Mapping[str, LedgerEntry],
    *,
    recorded: frozenset[str] = frozenset(),
    force: bool = False,
) -> list[Step]:
    """Steps not acknowledged yet, skipping a payload the upstream already refused for good.

    ``recorded`` are steps another sender (Khanza's own) recorded as done. A
    permanently refused step is retried only when its payload changed in Khanza
    (someone corrected the data) or when ``force`` is set by a dead-letter replay.
    """
    out = []
    for step in plan.steps:
        entry = ledger.get(step.name)
        if step.name in recorded or (entry is not None and entry.done):
            continue
        if (entry is not None and not force and entry.outcome is Outcome.PERMANENT
                and entry.payload_hash == step.digest):
            break
        out.append(step)
    return out


def corrections(plan: Plan, ledger: Mapping[str, LedgerEntry]) -> list[Step]:
    """Accepted tasks whose time changed in Khanza since: RS Online takes a correction (PUT
    ``Antrian/Task``), so each becomes a ``correct`` step carrying Khanza's new time.

    Only for an upstream that can correct. BPJS cannot (no endpoint changes a held
    task), so there a changed time stays a contradiction the read-back reports.
    A correction refused for good is not offered again unchanged (as in ``pending``).
    """
    out = []
    for step in plan.steps:
        entry = ledger.get(step.name)
        if (step.kind != "task" or entry is None or not entry.done or step.waktu is None
                or entry.waktu is None or entry.waktu == step.waktu):
            continue
        if entry.payload_hash == step.digest:
            continue  # this very body was refused for good (the ledger keeps its digest)
        out.append(Step(step.name, "correct", step.body, step.taskid, step.waktu))
    return out
