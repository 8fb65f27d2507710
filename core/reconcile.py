"""Three sources, one verdict per booking: Khanza (desired), ledger (acknowledged), BPJS (held).

Pure functions for the read-back reconcile job (``worker/jobs/reconcile.py``)
and the quality view. Given what Khanza says a visit's chain is (its
``plan_bpjs``), what our ledger recorded, and what a read-back found BPJS
holds, ``compare`` decides:

* which steps BPJS holds at exactly Khanza's time: confirmed, with BPJS's
  receive time (``wakturs``) kept in the ledger;
* which steps BPJS lacks: re-sent with Khanza's own time, in plan order. This
  includes steps Khanza's own sender marked ``Sudah`` without delivering
  (``snapshot.recorded``), which the live path trusts and so never sends;
* what cannot be corrected: BPJS holds another time than Khanza, or a task
  Khanza has no time for. BPJS has no correction endpoint, so these are
  reported, never "fixed" by inventing or shifting a time.

``farmasi`` (``antrean/farmasi/add``) has no read-back endpoint, so it is left
to the ledger and the live path and is not part of a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from core.errors import Outcome
from core.khanza.snapshot import BookingSnapshot
from core.plan import Plan, Step
from core.state.ledger import LedgerEntry
from core.state.readback import State

__all__ = [
    "CHECKABLE",
    "Confirmation",
    "Held",
    "HeldTask",
    "Verdict",
    "bpjs_time_ms",
    "chain_gap",
    "compare",
    "needs_reading",
]

# Steps a read-back can see: the booking (pendaftaran), its tasks and its cancellation.
CHECKABLE = frozenset({"add", "task", "batal"})
_BPJS_TIME = "%d-%m-%Y %H:%M:%S"
_CANCELLED = ("batal",)


def bpjs_time_ms(text: str, zone: ZoneInfo) -> int | None:
    """Epoch ms of a getlisttask time like ``24-03-2021 12:55:23 WIB`` in the hospital's zone.

    The trailing zone label is BPJS's (WIB/WITA/WIT); the wall-clock part is read
    in the hospital's zone, the zone the times were sent in. None when unreadable.
    """
    parts = text.strip().split()
    if len(parts) < 2:
        return None
    try:
        local = datetime.strptime(f"{parts[0]} {parts[1]}", _BPJS_TIME)
    except ValueError:
        return None
    return int(local.replace(tzinfo=zone).timestamp() * 1000)


@dataclass(frozen=True)
class HeldTask:
    taskid: int
    waktu: str
    wakturs: str


@dataclass(frozen=True)
class Held:
    """What BPJS holds for one booking: listed by ``antrean/pendaftaran`` or not, its status
    text there, and its tasks from ``antrean/getlisttask`` (empty when not read)."""

    listed: bool
    status: str = ""
    tasks: Mapping[int, HeldTask] = field(default_factory=dict)

    @property
    def cancelled(self) -> bool:
        return any(word in self.status.lower() for word in _CANCELLED) or 99 in self.tasks


@dataclass(frozen=True)
class Confirmation:
    step: str
    taskid: int | None
    waktu: int | None
    wakturs: str | None


@dataclass(frozen=True)
class Verdict:
    confirm: tuple[Confirmation, ...]
    resend: tuple[Step, ...]
    contradictions: tuple[str, ...]
    state: State
    reason: str | None


def _checkable(plan: Plan) -> list[Step]:
    return [s for s in plan.steps if s.kind in CHECKABLE]


def needs_reading(plan: Plan, entries: Mapping[str, LedgerEntry]) -> bool:
    """False once every step a read-back can see was confirmed: never read such a booking
    again. A chain that grew since (a later task got its time) is read for the new step, and
    one whose confirmed time changed in Khanza since is read to show the contradiction."""
    steps = _checkable(plan)
    return not steps or not all(
        (e := entries.get(s.name)) is not None and e.confirmed
        and (s.waktu is None or e.waktu is None or e.waktu == s.waktu)  # Khanza moved it
        for s in steps)


def chain_gap(snapshot: BookingSnapshot, configured: frozenset[int]) -> str | None:
    """Why the task chain BPJS scores is not complete in Khanza yet, or None when it is.

    The chain: tasks 1-5 for a new patient, 3-5 otherwise, plus 6-7 with a
    prescription, limited to the tasks the hospital has a source for; a cancelled
    visit's chain is its cancellation. A missing time is never filled in.
    """
    if snapshot.batal is not None:
        return None
    first = 1 if snapshot.pasienbaru else 3
    expected = [t for t in range(first, 6) if t in configured]
    if snapshot.farmasi is not None:
        expected += [t for t in (6, 7) if t in configured]
    for taskid in expected:
        if taskid in snapshot.tasks:
            continue
        if any(t > taskid for t in snapshot.tasks):
            return f"waiting for a predecessor: task {taskid} has no time in Khanza"
        return f"no time in Khanza yet for task {taskid}"
    return None


def _clock(ms: int, zone: ZoneInfo) -> str:
    return f"{datetime.fromtimestamp(ms / 1000, zone):%Y-%m-%d %H:%M:%S}"


def _refused(entry: LedgerEntry | None, step: Step) -> bool:
    """The live path's rule: a payload refused for good is not sent again unchanged."""
    return (entry is not None and not entry.done and entry.outcome is Outcome.PERMANENT
            and entry.payload_hash == step.digest)


def compare(
    snapshot: BookingSnapshot, plan: Plan, entries: Mapping[str, LedgerEntry], held: Held,
    zone: ZoneInfo,
) -> Verdict:
    confirm: list[Confirmation] = []
    contradictions: list[str] = []
    held_steps: set[str] = set()
    if held.listed:
        held_steps.add("add")
        confirm.append(Confirmation("add", None, None, None))
    if held.cancelled and plan.step("batal") is not None:
        held_steps.add("batal")
        confirm.append(Confirmation("batal", None, None, None))
    for taskid, task in sorted(held.tasks.items()):
        name = f"task{taskid}"
        step = plan.step(name)
        at_bpjs = bpjs_time_ms(task.waktu, zone)
        held_steps.add(name)
        if step is None or step.waktu is None:
            contradictions.append(f"BPJS holds task {taskid} at {task.waktu}; "
                                  "Khanza has no time for it")
        elif at_bpjs is None or at_bpjs // 1000 != step.waktu // 1000:
            contradictions.append(f"task {taskid}: BPJS holds {task.waktu}, Khanza has "
                                  f"{_clock(step.waktu, zone)}")
        else:
            confirm.append(Confirmation(name, taskid, step.waktu, task.wakturs or None))
    resend: list[Step] = []
    refused: str | None = None
    for step in _checkable(plan):
        if step.name in held_steps:
            continue
        entry = entries.get(step.name)
        if _refused(entry, step):
            refused = f"{step.name} refused by BPJS: {entry.message if entry else ''}"
            break
        resend.append(step)
    if contradictions:
        state: State = "contradiction"
        reason: str | None = "; ".join(contradictions)
    elif resend or refused or plan.waiting or not _checkable(plan):
        state = "incomplete"
        parts = []
        if resend:
            parts.append("BPJS lacks " + ", ".join(s.name for s in resend))
        if refused:
            parts.append(refused)
        if plan.waiting:
            parts.append(plan.waiting)
        if not _checkable(plan) and snapshot.problem:
            parts.append(snapshot.problem)
        reason = "; ".join(parts) or "nothing to send yet"
    else:
        state, reason = "confirmed", None
    return Verdict(tuple(confirm), tuple(resend), tuple(contradictions), state, reason)
