"""The page's stylesheet, inline: no file to serve, nothing fetched from anywhere."""

from __future__ import annotations

__all__ = ["STYLE"]

STYLE = """
:root { --ink:#1d2733; --muted:#66717f; --line:#dde3ea; --bg:#f4f6f9; --card:#fff;
        --ok:#1e7d46; --okbg:#e3f4ea; --bad:#b3261e; --badbg:#fde7e5; --warn:#8a5a00;
        --warnbg:#fff3d6; --bar:#5b8def; --lat:#e0793a; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 "DejaVu Sans", system-ui, sans-serif; color:var(--ink);
       background:var(--bg); }
header { display:flex; align-items:center; gap:14px; flex-wrap:wrap; padding:12px 22px;
         background:#14324f; color:#fff; }
header h1 { font-size:20px; margin:0; letter-spacing:.02em; }
header .muted { color:#c4d3e2; margin-left:auto; }
main { padding:16px 22px; display:flex; flex-direction:column; gap:16px; max-width:1280px; }
.row { display:flex; gap:16px; flex-wrap:wrap; }
.row > .card { flex:1 1 460px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px;
        padding:12px 16px; }
.card h2 { font-size:16px; margin:0 0 10px; display:flex; align-items:center; gap:8px; }
.figures { display:grid; grid-template-columns:repeat(7, 1fr); gap:6px; margin-bottom:8px; }
.figures div { background:var(--bg); border-radius:6px; padding:6px 4px; text-align:center; }
.figures b { display:block; font-size:18px; }
.figures span { font-size:11px; color:var(--muted); }
.badge { font-size:12px; font-weight:600; padding:2px 8px; border-radius:10px; }
.badge.ok { background:var(--okbg); color:var(--ok); }
.badge.bad { background:var(--badbg); color:var(--bad); }
.badge.warn { background:var(--warnbg); color:var(--warn); }
.count { font-size:15px; background:var(--bg); border-radius:10px; padding:0 8px; }
.muted { color:var(--muted); }
.warn { color:var(--warn); }
.flash { margin:12px 22px 0; padding:8px 12px; background:var(--okbg); color:var(--ok);
         border-radius:6px; max-width:1236px; }
p { margin:6px 0; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line);
         vertical-align:top; }
th { font-weight:600; background:#fafbfc; }
th.sub { font-weight:400; font-size:11px; color:var(--muted); }
table.outcomes td { text-align:right; }
td.msg { max-width:420px; }
code { font-size:12px; }
button { font:inherit; padding:3px 12px; border-radius:5px; border:1px solid #2f5f8f;
         background:#2f6fb0; color:#fff; cursor:pointer; }
button:hover { background:#255a90; }
form.login { display:flex; gap:8px; align-items:center; margin:4px 0 10px; }
input[type=password] { font:inherit; padding:3px 6px; border:1px solid var(--line);
                       border-radius:5px; }
svg.chart { width:100%; height:auto; max-width:520px; display:block; }
svg .axis { stroke:#9aa5b1; stroke-width:1; }
svg .tick { font-size:10px; fill:var(--muted); }
svg .tick.lat { fill:var(--lat); }
svg .bar { fill:var(--bar); }
svg .bar-failed { fill:var(--bad); }
svg .lat-line { fill:none; stroke:var(--lat); stroke-width:2; }
svg .lat-dot { fill:var(--lat); }
.legend { font-size:12px; color:var(--muted); }
.sw { display:inline-block; width:10px; height:10px; margin:0 4px 0 10px;
      vertical-align:-1px; }
.sw.bar { background:var(--bar); } .sw.failed { background:var(--bad); }
.sw.lat { background:var(--lat); height:3px; vertical-align:2px; }
footer { padding:4px 22px 20px; }
@media (max-width:700px) { .figures { grid-template-columns:repeat(4, 1fr); } }
"""
