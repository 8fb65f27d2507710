"""The dashboard page: plain server-rendered HTML, no script, no external asset.

The markup lives in ``templates/page.html`` and is rendered with autoescape on
(``templating.py``), so every value from the database, Redis or an upstream is
HTML-escaped without anyone having to remember to; this module only works out
what each card says. The page refreshes itself every few seconds (a meta
refresh, so it works with scripts disabled and under ``default-src 'none'``).
Messages pass through the same redaction as the audit log plus a last mask for
anything shaped like a NIK, card or phone number (``scrub_text``): what staff
see here must not identify a patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from app.dashboard.changes import changes_view
from app.dashboard.chart import Chart, throughput_chart
from app.dashboard.data import SUCCESS, Figures, UpstreamFigures, total
from app.dashboard.templating import moment, render
from app.dashboard.wsrs import wsrs_view
from core.masking import scrub_text
from core.state.deadletters import DeadLetter

__all__ = ["REFRESH_SECONDS", "login_page", "render_page"]

REFRESH_SECONDS = 10
NAMES = {"bpjs": "BPJS Antrean RS", "sirs": "Kemenkes RS Online"}
OUTCOMES = ("done", "already_done", "retry", "fix_then_retry", "blocked", "permanent")
WAITING_SHOWN = 50
# A beat older than this means the process is gone or wedged (beats come every 15 s).
STALE_BEAT = 120.0


@dataclass(frozen=True)
class UpstreamCard:
    name: str
    title: str
    breaker: str
    breaker_kind: str
    reason: str | None  # why the circuit is not closed
    rate: str
    conc: str
    done: int
    x: UpstreamFigures
    chart: Chart


def _card(x: UpstreamFigures, f: Figures, zone: ZoneInfo) -> UpstreamCard:
    state = str(x.breaker.get("state", "closed"))
    label = {"closed": "circuit closed", "open": "circuit OPEN",
             "half_open": "probing"}.get(state, state)
    reason = x.breaker.get("last_reason") if state != "closed" else None
    lim = x.limiter
    if lim.get("rate"):
        rate = (f'{lim.get("available", 0)} of {lim.get("burst")} permits free '
                f'({lim["rate"]:g}/s)')
    else:
        rate = "no rate limit"
    conc = (f'{lim.get("leases_held", 0)} of {lim["max_concurrency"]} in flight'
            if lim.get("max_concurrency") else "no concurrency limit")
    title = NAMES.get(x.name, x.name)
    return UpstreamCard(
        name=x.name, title=title, breaker=label, breaker_kind="ok" if state == "closed" else "bad",
        reason=str(reason) if reason else None, rate=rate, conc=conc,
        done=total(f.audit_outcomes, x.name, SUCCESS), x=x,
        chart=throughput_chart(x.buckets, zone, title))


@dataclass(frozen=True)
class ProducerLine:
    lag: str
    lag_kind: str
    duration: str
    visits: str
    enqueued: list[tuple[str, str]]
    coalesced: str
    waiting: int
    # Why each visit waits (a mapping to add, a time to correct): what a person must fix.
    # (kodebooking, reason scrubbed like any message), the first WAITING_SHOWN
    reasons: list[tuple[str, str]]
    more: int  # waiting visits not listed


def _producer(f: Figures, secrets: list[str]) -> ProducerLine | None:
    p = f.producer
    if p is None or f.producer_lag is None:
        return None
    lag = f.producer_lag
    enqueued = p.get("enqueued") or {}
    waiting = p.get("waiting") or {}
    return ProducerLine(
        lag=f"{lag:.0f} s ago", lag_kind="ok" if lag < 60 else "bad",
        duration=f'{float(p.get("duration", 0)):.2f}', visits=str(p.get("visits", 0)),
        enqueued=[(str(k), str(v)) for k, v in enqueued.items()],
        coalesced=str(p.get("coalesced", 0)), waiting=len(waiting),
        reasons=[(str(k), scrub_text(str(r), secrets))
                 for k, r in sorted(waiting.items())[:WAITING_SHOWN]],
        more=len(waiting) - WAITING_SHOWN)


def _stale(f: Figures, process: str) -> bool:
    newest, _ = f.heartbeats.get(process, (None, 0))
    return newest is None or f.now.replace(tzinfo=UTC).timestamp() - newest > STALE_BEAT


@dataclass(frozen=True)
class ProcessLine:
    """A kind of process (core.heartbeat): alive, how many, last beat."""

    name: str
    state: str
    kind: str
    last_beat: datetime | None


def _processes(f: Figures) -> list[ProcessLine]:
    lines = []
    for process, (newest, alive) in sorted(f.heartbeats.items()):
        if newest is None:
            state, kind = "never seen", "bad"
        elif _stale(f, process):
            state, kind = "silent", "bad"
        else:
            state, kind = f"{alive} alive", "ok"
        last = datetime.fromtimestamp(newest, UTC) if newest is not None else None
        lines.append(ProcessLine(process, state, kind, last))
    return lines


@dataclass(frozen=True)
class BedLine:
    last_run: datetime | None
    message: str
    unmapped: list[str]  # "ward / class", one per ward without an RS Online bed type


def _beds(f: Figures) -> BedLine | None:
    if f.beds is None:
        return None
    last = f.beds.get("last_run")
    return BedLine(
        last_run=(datetime.fromtimestamp(float(last), UTC)
                  if isinstance(last, int | float) else None),
        message=str(f.beds.get("message") or ""),
        unmapped=[" / ".join(map(str, w)) if isinstance(w, list | tuple) else str(w)
                  for w in f.beds.get("unmapped") or []])


@dataclass(frozen=True)
class LetterRow:
    """A dead letter as shown: its texts already scrubbed of secrets and identifiers."""

    d: DeadLetter
    job_id: str
    upstream: str
    message: str
    visit: str  # "no_rawat=… poli=… patient=…", empty when the letter names no visit


def _letters(f: Figures, secrets: list[str]) -> list[LetterRow]:
    rows = []
    for d in f.dead_letters:
        visit = " ".join(f"{k}={v}" for k, v in (d.visit or {}).items() if v)
        rows.append(LetterRow(
            d, job_id=scrub_text(d.job_id, secrets),
            upstream=NAMES.get(d.upstream or "", d.upstream or ""),
            message=scrub_text(d.message, secrets), visit=scrub_text(visit, secrets)))
    return rows


def render_page(f: Figures, zone: ZoneInfo, *, secrets: list[str], can_act: bool,
                has_token: bool, flash: str | None = None) -> str:
    now_local = f.now.replace(tzinfo=UTC).astimezone(zone)
    problems = f.dead_letters_open + sum(
        1 for x in f.upstreams.values() if x.breaker.get("state", "closed") != "closed") + sum(
        1 for process in f.heartbeats if _stale(f, process))
    return render(
        "page.html", f=f, refresh=REFRESH_SECONDS, problems=problems, flash=flash,
        now_local=f"{now_local:%Y-%m-%d %H:%M:%S} {now_local.isoformat()[-6:]}",
        zone=str(zone), can_act=can_act, has_token=has_token,
        moment=partial(moment, now=f.now, zone=zone),
        scrub=partial(scrub_text, secrets=secrets),
        cards=[_card(x, f, zone) for x in f.upstreams.values()],
        letters=_letters(f, secrets), processes=_processes(f), producer=_producer(f, secrets),
        changes=changes_view(f.changes), beds=_beds(f), outcomes=OUTCOMES,
        outcome_rows=[
            (NAMES[u], [n for o in OUTCOMES for n in (f.audit_outcomes.get((u, o), 0),
                                                       f.ledger_outcomes.get((u, o), 0))])
            for u in ("bpjs", "sirs")],
        wsrs=wsrs_view(f.wsrs, partial(scrub_text, secrets=secrets)),
        last_sent=sorted(f.last_sent.items()))


def login_page(message: str | None = None) -> str:
    return render("login.html", message=message)
