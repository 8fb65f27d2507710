"""The quality page: what BPJS scores, per poli and day, from the read-back.

Same rules as the main page: server-rendered, no script, every value escaped
and every reason scrubbed of secrets and patient identifiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from html import escape

import aiomysql

from app.dashboard.style import STYLE
from core.masking import scrub_text
from core.quality import DayQuality, summarize
from core.state.readback import Readbacks

__all__ = ["load_quality", "render_quality"]


async def load_quality(state: aiomysql.Pool, day: date) -> DayQuality:
    return summarize(day, (await Readbacks(state).for_day("bpjs", day)).values())


def render_quality(quality: DayQuality, secrets: Iterable[str]) -> str:
    secrets = list(secrets)
    day = quality.tanggal.isoformat()
    rows = []
    for poli in quality.polis:
        rows.append(f"<tr><th>{escape(poli.kodepoli)}</th><td>{poli.complete}/{poli.visits}"
                    f"</td><td>{poli.share:.1%}</td></tr>")
        for kode, reason in poli.incomplete:
            rows.append(f'<tr class="muted"><td>{escape(kode)}</td>'
                        f'<td colspan="2">{escape(scrub_text(reason, secrets))}</td></tr>')
    strangers = "".join(f"<li>{escape(kode)}: {escape(scrub_text(reason, secrets))}</li>"
                        for kode, reason in quality.not_in_khanza)
    share = f"{quality.complete / quality.visits:.1%}" if quality.visits else "&ndash;"
    checked = escape(quality.last_checked or "never")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>simrs-bridge quality {escape(day)}</title><style>{STYLE}</style></head><body>
<header><h1>Task chains complete at BPJS, {escape(day)}</h1>
<p><a href="./">back</a> &middot; <a href="api/quality?date={escape(day)}">JSON</a></p></header>
<main><section class="card">
<p>{quality.complete} of {quality.visits} visits complete ({share}); last read back {checked}.
Run <code>simrs-bridge reconcile --date {escape(day)}</code> for fresh figures.</p>
<form method="get" action="quality"><label>Date <input type="date" name="date"
 value="{escape(day)}"></label> <button type="submit">Show</button></form>
<table><thead><tr><th>poli / visit</th><th>complete</th><th>share / reason</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
{f'<h2>BPJS holds, Khanza lacks</h2><ul>{strangers}</ul>' if strangers else ''}
</section></main></body></html>"""
