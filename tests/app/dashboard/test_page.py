"""The dashboard's templates escape every value: hostile text from Khanza, Redis, the WS RS
or an upstream comes out as text, never as markup, wherever it appears on a page; a name the
template misses fails loudly; and the templates travel with the installed package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jinja2 import UndefinedError

from app.dashboard.chart import throughput_chart
from app.dashboard.data import Bucket, Figures, ReportRow, UpstreamFigures
from app.dashboard.page import login_page, render_page
from app.dashboard.quality import render_quality
from app.dashboard.templating import render
from app.dashboard.wsrs import WsrsFigures
from core.quality import DayQuality, PoliQuality
from core.state.deadletters import DeadLetter

HOSTILE = "<script>alert(1)</script>\"&'><img src=x onerror=alert(2)>"
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;&#34;&amp;&#39;&gt;"
           "&lt;img src=x onerror=alert(2)&gt;")
SECRET = "secret-that-must-not-show"
NOW = datetime(2025, 1, 15, 3, 0)
ZONE = ZoneInfo("Asia/Jakarta")
REPO = Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "app" / "dashboard" / "templates"


class Parsed(HTMLParser):
    """Every element and attribute the browser would build from the page, and its text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_inert(page: str) -> Parsed:
    """No element or attribute came from a value, and the hostile text reads as text."""
    parsed = Parsed(page)
    assert "<script" not in page and "<img" not in page
    assert not {"script", "img"} & parsed.tags
    assert "onerror" not in parsed.attributes
    assert any(HOSTILE in text for text in parsed.text)
    return parsed


def hostile_figures() -> Figures:
    """A hostile string in every text the main page shows from outside."""
    start = NOW - timedelta(hours=1)
    buckets = [Bucket(start + timedelta(minutes=5 * i), count=2, failed=1, durations=[120, 340])
               for i in range(12)]
    bpjs = UpstreamFigures(
        "bpjs", queued=1, breaker={"state": "open", "last_reason": HOSTILE},
        limiter={"rate": 2.0, "burst": 4, "available": 1}, last_success=NOW,
        hour=Bucket(start, count=24, durations=[120] * 24), buckets=buckets)
    sirs = UpstreamFigures("sirs", breaker={"state": HOSTILE}, buckets=buckets)
    stranger = UpstreamFigures(HOSTILE, buckets=buckets)  # its name goes into attributes
    letters = [
        DeadLetter(id=7, job_id=f"bpjs:booking:{HOSTILE}", function="bpjs_booking", args=[],
                   upstream=HOSTILE, outcome=HOSTILE, code=HOSTILE,
                   message=f"{HOSTILE} key {SECRET}", attempts=3,
                   failed_at=NOW - timedelta(minutes=2), replayed_at=None,
                   visit={"no_rawat": "2025/01/15/000003", "poli": HOSTILE}),
        DeadLetter(id=8, job_id="bpjs:task:B1:5", function="bpjs_task", args=[],
                   upstream="bpjs", outcome="fix_then_retry", code="201",
                   message="Antrean tidak ditemukan", attempts=1,
                   failed_at=NOW - timedelta(minutes=1), replayed_at=None)]
    alive = NOW.replace(tzinfo=UTC).timestamp() - 5
    return Figures(
        now=NOW, upstreams={"bpjs": bpjs, "sirs": sirs, HOSTILE: stranger}, other_queued=0,
        audit_outcomes={("bpjs", "done"): 3}, ledger_outcomes={},
        producer={"duration": 1.5, "visits": HOSTILE, "enqueued": {HOSTILE: HOSTILE},
                  "coalesced": HOSTILE, "waiting": {HOSTILE: f"{HOSTILE} key {SECRET}"}},
        producer_lag=3.0,
        reports=[ReportRow(HOSTILE, date(2025, 1, 14), NOW, False, HOSTILE, HOSTILE)],
        last_sent={HOSTILE: NOW},
        beds={"last_run": NOW.replace(tzinfo=UTC).timestamp(), "message": HOSTILE,
              "unmapped": [[HOSTILE, HOSTILE]]},
        dead_letters=letters, dead_letters_open=2,
        heartbeats={HOSTILE: (alive, 1), "worker": (None, 0)},
        changes={"source": "binlog", "connected": False, "lag": None, "position": HOSTILE,
                 "stored": HOSTILE, "safety_interval": HOSTILE, "trouble": HOSTILE,
                 "log_file": HOSTILE, "server": HOSTILE, "rows": {HOSTILE: 3},
                 "nudging": {HOSTILE: 1}, "fallbacks": 1,
                 "last_fallback": {"at": NOW.replace(tzinfo=UTC).timestamp(),
                                   "reason": HOSTILE}},
        wsrs=WsrsFigures(calls={HOSTILE: 2}, refused={HOSTILE: 1}, reasons={HOSTILE: 1},
                         durations={HOSTILE: [12, 30]}))


@pytest.mark.parametrize(("can_act", "has_token"), [(True, True), (False, True), (False, False)])
def test_hostile_values_on_the_main_page_come_out_as_text(can_act: bool, has_token: bool) -> None:
    page = render_page(hostile_figures(), ZONE, secrets=[SECRET], can_act=can_act,
                       has_token=has_token, flash=HOSTILE)
    assert_inert(page)
    assert SECRET not in page
    e = ESCAPED
    for shown in (
        f'<p class="flash">{e}</p>',  # the flash after a replay
        f'<p class="warn">{e}</p>',  # an open breaker's reason
        f'<span class="badge bad">{e}</span>',  # a breaker state nobody knows
        f'data-upstream="{e}"',  # an upstream's name, in an attribute
        f'aria-label="{e}: calls per 5 minutes',  # ... and in the chart's SVG
        f"<code>bpjs:booking:{e}</code>",  # a dead letter's job id
        f"<td>{e}</td>",  # its upstream
        f"<td>{e} {e}</td>",  # its outcome and code
        f'<td class="msg">{e} key ***',  # its message, secret redacted
        f'<span class="muted">no_rawat=2025/01/15/000003 poli={e}</span>',  # its visit
        f"<b>{e}</b> <span data-figure=\"heartbeat-{e}\">",  # a heartbeat's process name
        f"{e} visits, enqueued {e} {e}, {e} already queued",  # the producer's cycle
        f"<tr><td>{e}</td><td>{e} key ***",  # a waiting kodebooking and its reason
        f"at GTID\n {e} (saved {e}); polling every {e} s",  # the binlog position
        f"<tr><td>{e}</td><td>3</td><td>1</td></tr>",  # a binlog table
        f": {e}</p>",  # the last fallback's reason
        f"<li>{e} / {e}</li>",  # an unmapped ward
        f"<tr><th>{e}</th><td>2</td><td>1</td><td>30 ms</td></tr>",  # a WS RS endpoint
        f"<li>{e}: 1</li>",  # a WS RS refusal reason
        f'<b>{e}</b>: <span data-figure="report-{e}">',  # a daily report's kind
        f"<td>{e} {e}</td></tr>",  # its last answer
    ):
        assert shown in page, shown
    # The hint is ours, but goes through the same escaping (it has an apostrophe).
    assert ("<em>What to do: BPJS does not know the booking: replay after its antrean/add is "
            "sent (or after Khanza&#39;s SEP form sent it)</em>") in page


def test_hostile_values_on_the_quality_page_come_out_as_text() -> None:
    quality = DayQuality(
        date(2025, 1, 15),
        [PoliQuality(HOSTILE, visits=2, complete=1, incomplete=[(HOSTILE, f"{HOSTILE} {SECRET}")])],
        not_in_khanza=[(HOSTILE, HOSTILE)], last_checked=HOSTILE)
    page = render_quality(quality, [SECRET])
    assert_inert(page)
    assert SECRET not in page
    for shown in (f"<tr><th>{ESCAPED}</th><td>1/2</td><td>50.0%</td></tr>",
                  f'<tr class="muted"><td>{ESCAPED}</td><td colspan="2">{ESCAPED} ***',
                  f"<li>{ESCAPED}: {ESCAPED}</li>", f"last read back {ESCAPED}."):
        assert shown in page, shown


def test_login_page_escapes_its_message() -> None:
    page = login_page(HOSTILE)
    assert_inert(page)
    assert f'<p class="warn">{ESCAPED}</p>' in page
    assert 'name="token"' in page and "Operator token" in page


def test_the_chart_svg_template_escapes_too() -> None:
    """Autoescape covers .svg templates, not only .html ones."""
    svg = render("chart.svg", c=throughput_chart([Bucket(NOW, count=1)], ZONE, HOSTILE))
    assert svg.startswith("<svg") and "<script" not in svg
    assert f'aria-label="{ESCAPED}: calls per 5 minutes' in svg


def test_a_missing_template_variable_fails_loudly() -> None:
    with pytest.raises(UndefinedError, match="message"):
        render("login.html")
    with pytest.raises(UndefinedError):
        render("page.html", refresh=10)


def test_the_installed_package_has_its_templates() -> None:
    shipped = files("app.dashboard") / "templates"
    for name in ("base.html", "page.html", "login.html", "quality.html", "chart.svg",
                 "style.css"):
        assert (shipped / name).is_file(), name
    assert "--ink" in (shipped / "style.css").read_text()


def test_the_wheel_carries_every_template(tmp_path: Path) -> None:
    """The demo, CI and hospitals install the wheel, not the tree: each template must be in it.

    Built from a copy without the editable install's egg-info or build directory, whose
    file lists setuptools would otherwise reuse, as a fresh clone would be.
    """
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "build", "dist", "__pycache__", ".*_cache"))
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(source)],
        capture_output=True, text=True, check=False, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    wanted = {f"app/dashboard/templates/{p.name}" for p in TEMPLATES.iterdir()}
    assert len(wanted) >= 9 and wanted <= names
