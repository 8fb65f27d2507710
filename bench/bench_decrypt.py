"""Benchmark BPJS response decryption against Node's original lz-string, in one run.

Why this exists: the worker decrypts every BPJS read-back in pure Python on the event loop,
so two numbers matter and both are measured here on the same payloads and machine:

1. decrypt + decompress time of our decoder relative to Node + lz-string 1.5.0 (the
   library BPJS-style clients use), with the optional native codec and PyPI ``lzstring``
   1.0.4 alongside for comparison (the latter is also checked for correctness: it mangles
   text outside the BMP);
2. the event loop's longest stall while ``decrypt_json_async`` works, next to the two
   obvious alternatives (a worker thread, a process pool), which is what ``crypto.py``'s
   design rests on.

Node also re-encrypts every plaintext, so the report shows whether the sandbox encrypt() is
byte-identical to Node crypto + lz-string at every size.

Run from the repository root::

    .venv/bin/python bench/bench_decrypt.py [--out bench/reports/decrypt.md]

Missing comparison tools are installed under ``bench/.cache/`` (``npm install --prefix`` for
lz-string 1.5.0, ``pip install --target`` for PyPI lzstring 1.0.4) unless ``--no-install``.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import functools
import gc
import importlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.bpjs_encode import encrypt  # noqa: E402
from worker.bpjs import crypto, lzstring  # noqa: E402

CACHE = REPO / "bench" / ".cache"
NODE_PREFIX = CACHE / "node"
PYPI_TARGET = CACHE / "pypi"
LZ_JS_VERSION = "1.5.0"
CONSID, SECRET, TIMESTAMP = "29876", "s3cr3t+/=&?", "1722500370"
SIZES = (7, 300, 5000, 50000)
STALL_SIZES = (5000, 50000)
STALL_LIMIT_MS = 20.0
STALL_RUNS = 7

NODE_SCRIPT = r"""
const fs = require("fs");
const crypto = require("crypto");
const LZString = require(process.argv[2]);
const payloads = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const budgetNs = BigInt(Math.round(Number(process.argv[4]) * 1e9));

function keyOf(p) {
  return crypto.createHash("sha256").update(p.consid + p.secret + p.timestamp, "utf8").digest();
}
function decrypt(p) {
  const key = keyOf(p);
  const d = crypto.createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  const lz = Buffer.concat([d.update(p.ciphertext, "base64"), d.final()]).toString("utf8");
  return LZString.decompressFromEncodedURIComponent(lz);
}
function encrypt(p, text) {
  const key = keyOf(p);
  const c = crypto.createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  const lz = LZString.compressToEncodedURIComponent(text);
  return Buffer.concat([c.update(lz, "utf8"), c.final()]).toString("base64");
}

const out = {};
for (const p of payloads) {
  const text = decrypt(p);  // warm-up (JIT), also the correctness check
  const times = [];
  const start = process.hrtime.bigint();
  while (times.length < 3 || (times.length < 25 && process.hrtime.bigint() - start < budgetNs)) {
    const t0 = process.hrtime.bigint();
    decrypt(p);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sameCiphertext = encrypt(p, p.plain) === p.ciphertext;
  out[p.name] = { times, correct: text === p.plain, same_ciphertext: sameCiphertext };
}
process.stdout.write(JSON.stringify(out));
"""

# --- payloads --------------------------------------------------------------------------------

TASKS = (
    "mulai waktu tunggu admisi",
    "akhir waktu tunggu admisi/mulai waktu layan admisi",
    "akhir waktu layan admisi/mulai waktu tunggu poli",
    "akhir waktu tunggu poli/mulai waktu layan poli",
    "akhir waktu layan poli/mulai waktu tunggu farmasi",
    "akhir waktu tunggu farmasi/mulai waktu layan farmasi buat obat",
    "akhir waktu obat selesai dibuat",
)
NAMES_INTL = (
    "Siti Aminah Nurhaliz\u00e1",
    "Jos\u00e9 M\u00fcller",
    "\u738b\u5c0f\u660e",
    "Ahmad \U0001f600 Zain",
    "Dewi Lestari \U0001d518",
    "\u0110\u1eb7ng Th\u1ecb Ng\u1ecdc",
    "\u00d1and\u00fa \u00c7elik \U0001f3e5",
    "\u5c71\u7530 \u82b1\u5b50 \U0001f469\u200d\u2695\ufe0f",
)


def getlisttask_rows(count: int, international: bool) -> list[dict[str, Any]]:
    """Rows shaped like ``antrean/getlisttask`` answers; ``taskname`` carries a name in the
    international variant so that every row has accents, CJK or emoji."""
    rnd = random.Random(count * 2 + international)
    rows = []
    for i in range(count):
        task = i % 7
        name = f" ({rnd.choice(NAMES_INTL)})" if international else ""
        rows.append(
            {
                "kodebooking": f"2024080{i // 7:07d}",
                "taskid": task + 1,
                "taskname": TASKS[task] + name,
                "waktu": f"{rnd.randint(1, 28):02d}-08-2024 {rnd.randint(7, 20):02d}:"
                f"{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d} WIB",
                "wakturs": f"01-08-2024 13:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d} WIB",
            }
        )
    return rows


@dataclass
class Payload:
    name: str
    rows: int
    international: bool
    plain: str
    ciphertext: str
    times: dict[str, list[float]] = field(default_factory=dict)
    correct: dict[str, bool] = field(default_factory=dict)
    stall_ms: dict[str, tuple[float, float]] = field(default_factory=dict)  # median, worst
    gc_pause_ms: float = 0.0
    node_same_ciphertext: bool | None = None


def build_payloads() -> list[Payload]:
    payloads = []
    for rows in SIZES:
        for international in (False, True):
            plain = json.dumps(
                getlisttask_rows(rows, international), ensure_ascii=False, separators=(",", ":")
            )
            name = f"{rows} rows {'intl' if international else 'ASCII'}"
            ciphertext = encrypt(CONSID, SECRET, TIMESTAMP, plain)
            payloads.append(Payload(name, rows, international, plain, ciphertext))
    return payloads


# --- comparison tools ------------------------------------------------------------------------


def node_lz_string(install: bool) -> Path | None:
    node = shutil.which("node")
    module = NODE_PREFIX / "node_modules" / "lz-string"
    if node is None:
        return None
    package = module / "package.json"
    if package.is_file() and json.loads(package.read_text())["version"] == LZ_JS_VERSION:
        return module
    if not install or shutil.which("npm") is None:
        return None
    NODE_PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(NODE_PREFIX), "--no-audit", "--no-fund",
         f"lz-string@{LZ_JS_VERSION}"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return module if package.is_file() else None


def pypi_lzstring(install: bool) -> Any | None:
    """PyPI ``lzstring`` 1.0.4's ``LZString`` class, from site-packages or bench/.cache."""
    if PYPI_TARGET.is_dir():
        sys.path.append(str(PYPI_TARGET))
    try:
        module = importlib.import_module("lzstring")
    except ImportError:
        if not install:
            return None
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(PYPI_TARGET),
             "lzstring==1.0.4"],
            check=True,
        )  # fmt: skip
        sys.path.append(str(PYPI_TARGET))
        importlib.invalidate_caches()
        module = importlib.import_module("lzstring")
    return module.LZString()


# --- timing ----------------------------------------------------------------------------------


def time_python(
    fn: Callable[[str], str], payload: Payload, budget: float
) -> tuple[list[float], bool]:
    def call() -> str | Exception:
        try:
            return fn(payload.ciphertext)
        except Exception as exc:  # noqa: BLE001 - a comparison library failing is a result
            return exc

    first = call()  # warm-up, also the correctness check
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 3 or (len(times) < 25 and time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
        if times[-1] > 2000:  # a multi-second decoder: one timed run says enough
            break
    return times, first == payload.plain


def run_node(lz_module: Path, payloads: list[Payload], budget: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "payloads.json"
        script = Path(tmp) / "bench.js"
        script.write_text(NODE_SCRIPT)
        data.write_text(
            json.dumps(
                [
                    {"name": p.name, "consid": CONSID, "secret": SECRET, "timestamp": TIMESTAMP,
                     "ciphertext": p.ciphertext, "plain": p.plain}
                    for p in payloads
                ]
            )
        )  # fmt: skip
        result = subprocess.run(
            ["node", str(script), str(lz_module), str(data), str(budget)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    for p in payloads:
        entry = json.loads(result.stdout)[p.name]
        p.times["node"] = entry["times"]
        p.correct["node"] = entry["correct"]
        p.node_same_ciphertext = entry["same_ciphertext"]


# --- event loop stall ------------------------------------------------------------------------


class GcPauses:
    """Longest garbage-collector pause while active: a full collection stops the whole
    process for a time that depends on everything the process holds, not on the code that
    happened to allocate last, so the report shows it next to each stall."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.longest = max(self.longest, time.perf_counter() - self._start)


async def max_stall_ms(work: Callable[[], Awaitable[Any]], expected: Any) -> tuple[float, float]:
    """Longest gap between wake-ups of a task that sleeps 1 ms while ``work`` runs, and the
    longest GC pause in that time (both in ms)."""
    gap = 0.0
    running = True

    async def ticker() -> None:
        nonlocal gap
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gap = max(gap, now - last)
            last = now

    # Settle what earlier work owes the collector, so that it is not billed to this run.
    gc.collect()
    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    gap = 0.0
    try:
        result = await work()
    finally:
        gc.callbacks.remove(pauses)
    running = False
    await task
    if expected is not None and result != expected:
        raise AssertionError("decryption under measurement returned a wrong value")
    return gap * 1000, pauses.longest * 1000


Args = tuple[str, str, str, str]


async def _idle(args: Args) -> Any:
    await asyncio.sleep(0.05)  # the ticker alone: this machine's noise floor


async def _ours(args: Args) -> Any:
    return await crypto.decrypt_json_async(*args)


async def _thread(args: Args) -> Any:
    return await asyncio.to_thread(crypto.decrypt_json, *args)


def measure_stalls(payloads: list[Payload]) -> None:
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=1)

    async def process_pool(args: Args) -> Any:
        text = await asyncio.get_running_loop().run_in_executor(pool, crypto.decrypt, *args)
        return json.loads(text)

    variants: dict[str, Callable[[Args], Awaitable[Any]]] = {
        "idle": _idle, "ours": _ours, "thread": _thread, "process": process_pool,
    }  # fmt: skip
    try:
        pool.submit(int).result()  # start the worker outside the measurement
        for p in payloads:
            if p.rows not in STALL_SIZES:
                continue
            expected = json.loads(p.plain)
            args = (CONSID, SECRET, TIMESTAMP, p.ciphertext)
            for label, work in variants.items():
                want = None if work is _idle else expected
                runs = [
                    asyncio.run(max_stall_ms(functools.partial(work, args), want))
                    for _ in range(STALL_RUNS)
                ]
                stalls = [stall for stall, _ in runs]
                p.stall_ms[label] = (statistics.median(stalls), max(stalls))
                p.gc_pause_ms = max(p.gc_pause_ms, *(pause for _, pause in runs))
    finally:
        pool.shutdown()


# --- report ----------------------------------------------------------------------------------


def median(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.2f}" if value < 10 else f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def ratio(value: float | None, node: float | None) -> str:
    if value is None or node is None or node <= 0:
        return "n/a"
    return f"{value / node:.2f}x"


def report(payloads: list[Payload], columns: list[tuple[str, str]], notes: list[str]) -> str:
    lines = [
        "# BPJS response decryption benchmark",
        "",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.machine()}, {platform.system()}; CPUs: {_cpu_count()}",
        f"- Node {_node_version()} with lz-string {LZ_JS_VERSION} and Node crypto, same payloads, "
        "same run",
        f"- active decoder (`worker.bpjs.lzstring.IMPLEMENTATION`): `{lzstring.IMPLEMENTATION}`",
        "- time = median of decrypt (base64 + AES-256-CBC + PKCS#7) + lz-string decompress, "
        "in ms; ratio = time / Node's time",
        "",
    ]
    header = ["payload", "JSON KiB", "ciphertext KiB", "Node ms"]
    for _, title in columns:
        header += [f"{title} ms", "vs Node"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for p in payloads:
        node = median(p.times.get("node"))
        cells = [
            p.name,
            f"{len(p.plain.encode()) / 1024:,.1f}",
            f"{len(p.ciphertext) / 1024:,.1f}",
            fmt_ms(node) + ("" if p.correct.get("node", True) else " WRONG"),
        ]
        for key, _ in columns:
            value = median(p.times.get(key))
            wrong = "" if p.correct.get(key, True) else " **WRONG**"
            cells += [fmt_ms(value) + wrong, ratio(value, node)]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    same = [p.node_same_ciphertext for p in payloads if p.node_same_ciphertext is not None]
    if same:
        lines.append(
            f"- Node's encryption of each plaintext is byte-identical to ours: "
            f"{sum(same)}/{len(same)} payloads"
        )
    lines += [f"- {note}" for note in notes]

    if not any(p.stall_ms for p in payloads):
        return "\n".join(lines) + "\n"
    lines += [
        "",
        "## Event loop stall",
        "",
        "Longest gap (ms) between wake-ups of a task sleeping 1 ms while the response is "
        "decrypted and parsed to Python objects: median of "
        f"{STALL_RUNS} runs, worst in brackets (`gc.collect()` before each run). "
        f"Requirement: < {STALL_LIMIT_MS:.0f} ms at 5,000 rows, judged on the median because "
        "single runs pick up whatever else the (shared) machine does; the idle column is the "
        "ticker alone. The last column is the longest "
        "garbage-collector pause in any run: it stalls every variant alike and grows with "
        "everything the process holds.",
        "",
        "| payload | idle loop | `decrypt_json_async` | `asyncio.to_thread(decrypt_json)` "
        "| process pool `decrypt` + `json.loads` | longest GC pause |",
        "|---|---|---|---|---|---|",
    ]

    def cell(stall: tuple[float, float]) -> str:
        return f"{stall[0]:.1f} ({stall[1]:.1f})"

    for p in payloads:
        if p.stall_ms:
            s = p.stall_ms
            ok = s["ours"][0] < STALL_LIMIT_MS
            verdict = "" if p.rows != 5000 else (" ok" if ok else " FAIL")
            lines.append(
                f"| {p.name} | {cell(s['idle'])} | **{cell(s['ours'])}**{verdict} "
                f"| {cell(s['thread'])} | {cell(s['process'])} | {p.gc_pause_ms:.1f} |"
            )
    return "\n".join(lines) + "\n"


def _cpu_count() -> str:
    return str(os.cpu_count())


def _node_version() -> str:
    try:
        return subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "(not found)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the markdown report here")
    parser.add_argument("--budget", type=float, default=1.5, help="seconds per measurement")
    parser.add_argument("--no-install", action="store_true", help="do not npm/pip install")
    parser.add_argument("--no-stall", action="store_true", help="skip the event-loop stall part")
    args = parser.parse_args()

    print("building and encrypting payloads ...", file=sys.stderr)
    payloads = build_payloads()
    notes: list[str] = []

    def ours_pure(ciphertext: str) -> str:
        lz_text = crypto._decrypt_to_lz(CONSID, SECRET, TIMESTAMP, ciphertext)
        return lzstring._decompress_pure(lz_text)

    implementations: dict[str, Callable[[str], str]] = {"pure": ours_pure}
    columns = [("pure", "ours, pure Python")]
    if lzstring.IMPLEMENTATION == "native":

        def ours_native(ciphertext: str) -> str:
            return crypto.decrypt(CONSID, SECRET, TIMESTAMP, ciphertext)

        implementations["native"] = ours_native
        columns.append(("native", "ours, lzstring-codec"))
    else:
        notes.append(
            f"lzstring-codec (native) not available on Python {platform.python_version()} "
            "(it needs >= 3.12); the pure decoder is what runs"
        )
    legacy = pypi_lzstring(not args.no_install)
    if legacy is not None:

        def pypi(ciphertext: str) -> str:
            lz_text = crypto._decrypt_to_lz(CONSID, SECRET, TIMESTAMP, ciphertext)
            return str(legacy.decompressFromEncodedURIComponent(lz_text))

        implementations["pypi"] = pypi
        columns.append(("pypi", "PyPI lzstring 1.0.4"))
        notes.append(
            "PyPI lzstring 1.0.4: **WRONG** marks payloads it decodes to different text "
            "(astral characters), one timed run where a run takes seconds"
        )
    else:
        notes.append("PyPI lzstring 1.0.4 not installed: column omitted")

    lz_module = node_lz_string(not args.no_install)
    if lz_module is not None:
        print("timing Node ...", file=sys.stderr)
        run_node(lz_module, payloads, args.budget)
    else:
        notes.append("Node or lz-string 1.5.0 not available: no Node column")

    for p in payloads:
        for key, fn in implementations.items():
            print(f"timing {key} on {p.name} ...", file=sys.stderr)
            p.times[key], p.correct[key] = time_python(fn, p, args.budget)

    if not args.no_stall:
        print("measuring event loop stalls ...", file=sys.stderr)
        measure_stalls(payloads)

    text = report(payloads, columns, notes)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
