"""The dashboard page: plain server-rendered HTML, no script, no external asset.

It refreshes itself every few seconds (a meta refresh, so it works with
scripts disabled and under ``default-src 'none'``). Every value from the
database or an upstream is HTML-escaped, and messages pass through the same
redaction as the audit log plus a last mask for anything shaped like a NIK,
card or phone number: what staff see here must not identify a patient.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo

from app.dashboard.changes import changes_html
from app.dashboard.chart import throughput_chart
from app.dashboard.data import SUCCESS, Figures, UpstreamFigures, total
from app.dashboard.style import STYLE
from app.dashboard.wsrs import wsrs_card
from core.masking import scrub_text

__all__ = ["REFRESH_SECONDS", "login_page", "render_page"]

REFRESH_SECONDS = 10
NAMES = {"bpjs": "BPJS Antrean RS", "sirs": "Kemenkes RS Online"}
OUTCOMES = ("done", "already_done", "retry", "fix_then_retry", "blocked", "permanent")
def _when(at: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    if at is None:
        return '<span class="muted">never</span>'
    at_utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    seconds = max(0.0, (now.replace(tzinfo=UTC) - at_utc).total_seconds())
    ago = (f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
           if seconds < 7200 else f"{seconds / 3600:.1f} h" if seconds < 172_800
           else f"{seconds / 86400:.0f} days")
    local = at_utc.astimezone(zone)
    shown = local.strftime("%H:%M:%S") if seconds < 86_400 else local.strftime("%Y-%m-%d %H:%M")
    return (f'<time datetime="{local.isoformat()}">{shown}</time> '
            f'<span class="muted">({ago} ago)</span>')


def _ms(value: float | None) -> str:
    return "&ndash;" if value is None else f"{value:.0f} ms"


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge {kind}">{escape(text)}</span>'


def _upstream_card(x: UpstreamFigures, f: Figures, zone: ZoneInfo) -> str:
    state = str(x.breaker.get("state", "closed"))
    breaker = _badge({"closed": "circuit closed", "open": "circuit OPEN",
                      "half_open": "probing"}.get(state, state),
                     "ok" if state == "closed" else "bad")
    reason = x.breaker.get("last_reason") if state != "closed" else None
    lim = x.limiter
    if lim.get("rate"):
        rate = (f'{lim.get("available", 0)} of {lim.get("burst")} permits free '
                f'({lim["rate"]:g}/s)')
    else:
        rate = "no rate limit"
    conc = (f'{lim.get("leases_held", 0)} of {lim["max_concurrency"]} in flight'
            if lim.get("max_concurrency") else "no concurrency limit")
    done = total(f.audit_outcomes, x.name, SUCCESS)
    return f"""
<section class="card upstream" data-upstream="{x.name}">
  <h2>{NAMES.get(x.name, x.name)} {breaker}</h2>
  {f'<p class="warn">{escape(str(reason))}</p>' if reason else ''}
  <div class="figures">
    <div><b data-figure="{x.name}-queued">{x.queued}</b><span>queued</span></div>
    <div><b data-figure="{x.name}-deferred">{x.deferred}</b><span>retry later</span></div>
    <div><b data-figure="{x.name}-in-progress">{x.in_progress}</b><span>running</span></div>
    <div><b data-figure="{x.name}-calls">{x.hour.count}</b><span>calls, last hour</span></div>
    <div><b data-figure="{x.name}-done">{done}</b><span>accepted</span></div>
    <div><b>{_ms(x.hour.p50)}</b><span>p50</span></div>
    <div><b>{_ms(x.hour.p95)}</b><span>p95</span></div>
  </div>
  {throughput_chart(x.buckets, zone, NAMES.get(x.name, x.name))}
  <p class="legend"><i class="sw bar"></i>calls per 5 min <i class="sw failed"></i>not done
     <i class="sw lat"></i>p95 latency</p>
  <p>Last accepted call: <span data-figure="{x.name}-last-success">{
      _when(x.last_success, f.now, zone)}</span></p>
  <p class="muted">{escape(rate)}; {escape(conc)}</p>
</section>"""


def _outcomes(f: Figures) -> str:
    rows = []
    for upstream in ("bpjs", "sirs"):
        cells = "".join(
            f"<td>{f.audit_outcomes.get((upstream, o), 0)}</td>"
            f"<td>{f.ledger_outcomes.get((upstream, o), 0)}</td>" for o in OUTCOMES)
        rows.append(f"<tr><th>{NAMES[upstream]}</th>{cells}</tr>")
    head = "".join(f'<th colspan="2">{o.replace("_", " ")}</th>' for o in OUTCOMES)
    sub = '<th class="sub">calls 1 h</th><th class="sub">steps 24 h</th>' * len(OUTCOMES)
    return (f'<table class="outcomes"><tr><th></th>{head}</tr><tr><th></th>{sub}</tr>'
            f'{"".join(rows)}</table>')


def _producer(f: Figures, zone: ZoneInfo) -> str:
    p = f.producer
    if p is None or f.producer_lag is None:
        return '<p class="warn">The producer has not finished a cycle yet.</p>'
    lag = f.producer_lag
    badge = _badge(f"{lag:.0f} s ago", "ok" if lag < 60 else "bad")
    enqueued = p.get("enqueued") or {}
    queued = ", ".join(f"{escape(str(k))} {escape(str(v))}" for k, v in enqueued.items())
    waiting = p.get("waiting") or {}
    return (f'<p>Last cycle <span data-figure="producer-lag">{badge}</span> took '
            f'{float(p.get("duration", 0)):.2f} s: {escape(str(p.get("visits", 0)))} visits, '
            f'enqueued {queued or "nothing"}, {escape(str(p.get("coalesced", 0)))} already '
            f'queued, {len(waiting)} waiting for Khanza.</p>{_waiting(waiting)}')


WAITING_SHOWN = 50


def _waiting(waiting: dict[str, str]) -> str:
    """Why each visit waits (a mapping to add, a time to correct): what a person must fix."""
    if not waiting:
        return ""
    rows = "".join(f'<tr><td>{escape(str(kode))}</td><td>{escape(str(reason))}</td></tr>'
                   for kode, reason in sorted(waiting.items())[:WAITING_SHOWN])
    more = len(waiting) - WAITING_SHOWN
    tail = f"<p>… and {more} more (see the producer's log).</p>" if more > 0 else ""
    return (f'<table class="waiting" data-figure="waiting"><tr><th>kodebooking</th>'
            f'<th>waiting for Khanza because</th></tr>{rows}</table>{tail}')


# A beat older than this means the process is gone or wedged (beats come every 15 s).
STALE_BEAT = 120.0


def _stale(f: Figures, process: str) -> bool:
    newest, _ = f.heartbeats.get(process, (None, 0))
    return newest is None or f.now.replace(tzinfo=UTC).timestamp() - newest > STALE_BEAT


def _processes(f: Figures, zone: ZoneInfo) -> str:
    """Worker and producer heartbeats (core.heartbeat): alive, how many, last beat."""
    items = []
    for process, (newest, alive) in sorted(f.heartbeats.items()):
        if newest is None:
            state = _badge("never seen", "bad")
        elif _stale(f, process):
            state = _badge("silent", "bad")
        else:
            state = _badge(f"{alive} alive", "ok")
        when = (_when(datetime.fromtimestamp(newest, UTC), f.now, zone)
                if newest is not None else "")
        items.append(f'<li><b>{escape(process)}</b> <span data-figure="heartbeat-'
                     f'{escape(process)}">{state}</span> {"last beat " + when if when else ""}'
                     "</li>")
    return f"<ul>{''.join(items)}</ul>"


def _reports(f: Figures, zone: ZoneInfo, secrets: list[str]) -> str:
    last = "".join(f'<li><b>{escape(k)}</b>: <span data-figure="report-{escape(k)}">'
                   f"{_when(at, f.now, zone)}</span></li>"
                   for k, at in sorted(f.last_sent.items()))
    rows = "".join(
        f"<tr><td>{escape(r.kind)}</td><td>{r.tanggal:%Y-%m-%d}</td>"
        f"<td>{_when(r.sent_at, f.now, zone)}</td>"
        f"<td>{_badge('sent', 'ok') if r.current else _badge('pending', 'warn')}</td>"
        f"<td>{escape(r.last_outcome or '')} "
        f"{escape(scrub_text(r.last_message, secrets))}</td></tr>"
        for r in f.reports)
    return ((f"<ul>{last}</ul>" if last else '<p class="muted">No daily report sent yet.</p>')
            + (f'<table><tr><th>kind</th><th>tanggal</th><th>last sent</th><th></th>'
               f"<th>last answer</th></tr>{rows}</table>" if rows else ""))


def _beds(f: Figures, zone: ZoneInfo) -> str:
    if f.beds is None:
        return '<p class="muted" data-figure="beds">no bed run yet</p>'
    unmapped = f.beds.get("unmapped") or []
    items = "".join(
        "<li>" + escape(" / ".join(map(str, w)) if isinstance(w, list | tuple) else str(w))
        + "</li>" for w in unmapped)
    last = f.beds.get("last_run")
    when = (_when(datetime.fromtimestamp(float(last), UTC), f.now, zone)
            if isinstance(last, int | float) else "")
    head = f"<p>Last bed run {when}: {escape(str(f.beds.get('message') or ''))}</p>"
    if not unmapped:
        return head + '<p data-figure="beds">Every ward with beds is mapped.</p>'
    return (head + f'<p class="warn" data-figure="beds">{len(unmapped)} ward(s) have no RS '
            f"Online bed type, so their beds are not reported:</p><ul>{items}</ul>")


def _dead_letters(f: Figures, zone: ZoneInfo, secrets: list[str], can_act: bool,
                  has_token: bool) -> str:
    if not f.dead_letters:
        return '<p class="muted">None. Everything that failed for good was replayed.</p>'
    if not has_token:
        note = ('<p class="muted">Set SIMRS_BRIDGE_DASHBOARD_TOKEN to replay from here, or use '
                "<code>simrs-bridge dead-letters replay ID</code>.</p>")
    elif not can_act:
        note = ('<form method="post" action="login" class="login"><label>Operator token '
                '<input type="password" name="token" autocomplete="current-password" required>'
                '</label> <button type="submit">Unlock replay</button></form>')
    else:
        note = ""
    rows = []
    for d in f.dead_letters:
        action = (f'<form method="post" action="dead-letters/{d.id}/replay">'
                  f'<button type="submit" class="replay">Replay</button></form>'
                  if can_act else "")
        code = f" {escape(d.code)}" if d.code else ""
        visit = " ".join(f"{k}={v}" for k, v in (d.visit or {}).items() if v)
        extra = (f'<br><span class="muted">{escape(scrub_text(visit, secrets))}</span>' if visit
                 else "") + f"<br><em>What to do: {escape(d.hint)}</em>"
        rows.append(
            f'<tr data-letter="{d.id}"><td>{d.id}</td><td>{_when(d.failed_at, f.now, zone)}</td>'
            f"<td><code>{escape(scrub_text(d.job_id, secrets))}</code></td>"
            f"<td>{escape(NAMES.get(d.upstream or '', d.upstream or ''))}</td>"
            f"<td>{escape(d.outcome)}{code}</td>"
            f'<td class="msg">{escape(scrub_text(d.message, secrets))}{extra}</td>'
            f"<td>{d.attempts}</td>"
            f"<td>{action}</td></tr>")
    return (note + "<table><tr><th>#</th><th>failed</th><th>job</th><th>upstream</th>"
            "<th>outcome</th><th>upstream's message</th><th>tries</th><th></th></tr>"
            + "".join(rows) + "</table>")


def render_page(f: Figures, zone: ZoneInfo, *, secrets: list[str], can_act: bool,
                has_token: bool, flash: str | None = None) -> str:
    now_local = f.now.replace(tzinfo=UTC).astimezone(zone)
    problems = f.dead_letters_open + sum(
        1 for x in f.upstreams.values() if x.breaker.get("state", "closed") != "closed") + sum(
        1 for process in f.heartbeats if _stale(f, process))
    status = (_badge("all good", "ok") if problems == 0
              else _badge(f"{problems} thing(s) need attention", "bad"))
    cards = "".join(_upstream_card(x, f, zone) for x in f.upstreams.values())
    other = (f'<p class="muted">{f.other_queued} other job(s) queued.</p>'
             if f.other_queued else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>simrs-bridge</title><style>{STYLE}</style></head>
<body>
<header><h1>simrs-bridge</h1> {status}
<span class="muted">{now_local:%Y-%m-%d %H:%M:%S} {now_local.isoformat()[-6:]}
{escape(str(zone))}; refreshes every
{REFRESH_SECONDS} s</span></header>
{f'<p class="flash">{escape(flash)}</p>' if flash else ''}
<main>
<div class="row">{cards}</div>
{other}
<section class="card"><h2>Dead letters <span data-figure="dead-letters-open"
  class="count">{f.dead_letters_open}</span> open</h2>
{_dead_letters(f, zone, secrets, can_act, has_token)}</section>
<div class="row">
<section class="card"><h2>Processes</h2>{_processes(f, zone)}</section>
<section class="card"><h2>Producer</h2>{_producer(f, zone)}{changes_html(f.changes)}</section>
<section class="card"><h2>Bed availability</h2>{_beds(f, zone)}</section>
</div>
<section class="card"><h2>Outcomes</h2>{_outcomes(f)}</section>
{wsrs_card(f.wsrs, lambda text: scrub_text(text, secrets))}
<section class="card"><h2>Daily reports to RS Online</h2>{_reports(f, zone, secrets)}</section>
</main>
<footer class="muted">Prometheus: <a href="metrics">/metrics</a></footer>
</body></html>"""


def login_page(message: str | None = None) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>simrs-bridge</title><style>{STYLE}</style></head><body>
<header><h1>simrs-bridge</h1></header><main><section class="card">
{f'<p class="warn">{escape(message)}</p>' if message else ''}
<form method="post" action="login" class="login"><label>Operator token
<input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></section></main></body></html>"""
