"""Benchmarks before/after: two revisions of the code measured in one run, alternating.

Issue 11 (the restructure) asks that the benchmarks' figures stay within noise of the
tree it was measured on, "before/after in one run". Numbers from two different runs on
this shared 2-CPU machine differ by more than most regressions, so this script:

1. checks each revision out as a detached worktree under ``bench/.cache/compare/<sha>``
   with its own virtualenv (``python3 -m venv`` + ``pip install -e .``), kept and reused
   for as long as the revision and its ``pyproject.toml`` are the same;
2. runs every benchmark both revisions have (``bench_decrypt``, ``bench_pipeline``,
   ``bench_producer``, ``bench_latency``), each side's script from its own worktree with
   its own venv, so each side measures its own code, alternating old/new
   (A B A B ... ``--rounds`` times per benchmark) so that the machine's other load weighs
   on both alike, with the same flags on both sides (a flag one side's script lacks is
   dropped for both);
3. reads the headline figures back from each run's markdown report
   (``compare_figures.py``) and writes ``bench/reports/compare.md``: per benchmark a table
   of every round, the medians, after÷before and a verdict against the spread between
   rounds of one side, plus the load average before and after every step.

Run from the repository root (needs what the benchmarks need: ``redis-server``,
``mariadbd``, and for the decrypt benchmark's Node column ``node``/``npm``)::

    .venv/bin/python bench/compare.py                      # 30fdce1 vs HEAD, ~35 minutes
    .venv/bin/python bench/compare.py --old main~3 --new HEAD --only pipeline --rounds 3
    .venv/bin/python bench/compare.py --quick              # tiny sizes: checks the plumbing
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_figures import PARSERS, Figure, compare_rows  # noqa: E402

__all__ = ["main"]

CACHE = REPO / "bench" / ".cache" / "compare"
STAMP = ".bench-compare-installed"
DEFAULT_OLD = "30fdce1"  # the tree issue 11 was measured on
LZ_JS_VERSION = "1.5.0"  # what bench_decrypt.py compares with; installed once per worktree

# Flags per benchmark: sized so that two rounds of four benchmarks on both sides take about
# 35 minutes on the 2 shared CPUs. ``--quick`` only checks the plumbing.
FULL: dict[str, list[str]] = {
    "decrypt": ["--budget", "0.5", "--no-install"],
    "pipeline": ["--noop-jobs", "5000", "--visits", "2000", "--rss-jobs", "20000",
                 "--rss-seconds", "15"],
    "producer": ["--history", "200000", "--patients", "40000", "--runs", "7"],
    "latency": ["--visits", "200", "--changes", "200"],
}
QUICK: dict[str, list[str]] = {
    "decrypt": ["--budget", "0.05", "--no-install", "--no-stall"],
    "pipeline": ["--noop-jobs", "300", "--visits", "60", "--rss-jobs", "400",
                 "--rss-seconds", "3"],
    "producer": ["--history", "3000", "--patients", "500", "--runs", "2",
                 "--today-visits", "40"],
    "latency": ["--visits", "20", "--changes", "20"],
}
# bench_latency scenarios, the first of these that both sides know (cdc: issue 15).
SCENARIOS = ["nudge-1s", "cdc", "poll-1s"]
QUICK_SCENARIOS = ["nudge-1s"]
SCRIPTS = {name: f"bench/bench_{name}.py" for name in FULL}
RUN_TIMEOUT = 30 * 60


@dataclass
class Side:
    """One revision: its worktree and venv."""

    label: str  # "before" / "after"
    rev: str
    sha: str
    subject: str
    root: Path

    @property
    def python(self) -> Path:
        return self.root / ".venv" / "bin" / "python"


@dataclass
class Step:
    """One run of one benchmark on one side."""

    bench: str
    side: Side
    round: int
    load_before: float
    load_after: float = 0.0
    seconds: float = 0.0
    returncode: int | None = None
    report: Path | None = None
    log: Path | None = None
    figures: list[Figure] = field(default_factory=list)


# --- the two worktrees ---------------------------------------------------------------------------


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def prepare(label: str, rev: str) -> Side:
    """A detached worktree of ``rev`` with an installed venv, reused when already there."""
    sha = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    root = CACHE / sha[:12]
    if not (root / ".git").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        git("worktree", "prune")
        say(f"{label}: worktree of {rev} ({sha[:12]}) in {root.relative_to(REPO)}")
        git("worktree", "add", "--detach", "--force", str(root), sha)
    elif git("rev-parse", "HEAD", cwd=root) != sha:
        raise SystemExit(f"{root} is not at {sha}: remove it (git worktree remove --force)")
    want = hashlib.sha256((root / "pyproject.toml").read_bytes()).hexdigest()
    stamp = root / ".venv" / STAMP
    if not stamp.is_file() or stamp.read_text().strip() != want:
        say(f"{label}: creating its venv and installing it (pip install -e .)")
        if not (root / ".venv" / "bin" / "python").exists():
            # As deploy/setup.sh does: PYTHON, else the system's python3.
            subprocess.run([os.environ.get("PYTHON", "python3"), "-m", "venv",
                            str(root / ".venv")], check=True)
        pip = [str(root / ".venv" / "bin" / "python"), "-m", "pip", "install", "-q",
               "--disable-pip-version-check"]
        for command in ([*pip, "--upgrade", "pip"], [*pip, "-e", "."]):
            done = subprocess.run(command, cwd=root, capture_output=True, text=True,
                                  check=False)
            if done.returncode:
                raise SystemExit(f"{label}: {' '.join(command[1:])} failed:\n"
                                 f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
        stamp.write_text(want + "\n")
    subject = git("log", "-1", "--format=%s", sha)
    return Side(label, rev, sha, subject, root)


def prepare_node(side: Side) -> None:
    """bench_decrypt's Node comparison module in the side's ``bench/.cache/node``, installed
    once (the script itself would also install PyPI ``lzstring``, which we do not time)."""
    prefix = side.root / "bench" / ".cache" / "node"
    if (prefix / "node_modules" / "lz-string" / "package.json").is_file():
        return
    if shutil.which("npm") is None:
        say("npm not found: the decrypt reports will have no Node column")
        return
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit",
                           "--no-fund", f"lz-string@{LZ_JS_VERSION}"],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        say(f"npm install lz-string failed, no Node column: {done.stderr[-300:]}")


# --- flags both sides accept -------------------------------------------------------------------


def script_help(side: Side, script: str) -> str:
    done = subprocess.run([str(side.python), script, "--help"], cwd=side.root, env=child_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    return done.stdout if done.returncode == 0 else ""


def common_flags(flags: list[str], helps: list[str]) -> tuple[list[str], list[str]]:
    """``flags`` less every option (with its value) that one side's ``--help`` lacks."""
    kept, dropped, index = [], [], 0
    while index < len(flags):
        option, index = flags[index], index + 1
        values = []
        while index < len(flags) and not flags[index].startswith("--"):
            values.append(flags[index])
            index += 1
        if all(re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", h) for h in helps):
            kept += [option, *values]
        else:
            dropped.append(option)
    return kept, dropped


def scenario_choices(help_text: str) -> list[str]:
    match = re.search(r"--scenarios \{([^}]*)\}", help_text)
    return match.group(1).split(",") if match else []


# --- running -------------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    """This environment less what would point a child at another checkout or configuration."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    return {k: v for k, v in os.environ.items()
            if k not in drop and not k.startswith("SIMRS_BRIDGE_")}


def run_step(step: Step, flags: list[str], reports: Path, logs: Path) -> Step:
    name = f"{step.bench}-{step.side.label}-r{step.round}"
    step.report, step.log = reports / f"{name}.md", logs / f"{name}.log"
    step.report.unlink(missing_ok=True)
    command = [str(step.side.python), SCRIPTS[step.bench], *flags, "--out", str(step.report)]
    say(f"{name}: {' '.join(command[1:])} (load {step.load_before:.2f})")
    started = time.monotonic()
    with step.log.open("w") as log:
        try:
            done = subprocess.run(command, cwd=step.side.root, env=child_env(), stdout=log,
                                  stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT, check=False)
            step.returncode = done.returncode
        except subprocess.TimeoutExpired:
            step.returncode = -1
            log.write(f"\ncompare.py: timed out after {RUN_TIMEOUT} s\n")
    step.seconds = time.monotonic() - started
    step.load_after = os.getloadavg()[0]
    if step.report.is_file():
        step.figures = PARSERS[step.bench](step.report.read_text(encoding="utf-8"))
    found = sum(f.value is not None for f in step.figures)
    say(f"{name}: rc {step.returncode}, {step.seconds:.0f} s, {found} figures")
    return step


# --- report --------------------------------------------------------------------------------------


def render(sides: tuple[Side, Side], steps: list[Step], flags: dict[str, list[str]],
           dropped: dict[str, list[str]], started: datetime, args: argparse.Namespace) -> str:
    old, new = sides
    ended = datetime.now(UTC)
    out = [
        "# Benchmarks before/after, one run",
        "",
        f"- before: `{old.rev}` = {old.sha[:12]} ({old.subject})",
        f"- after: `{new.rev}` = {new.sha[:12]} ({new.subject})",
        f"- {started:%Y-%m-%d %H:%M}-{ended:%H:%M} UTC · {platform.node()} · "
        f"{os.cpu_count()} CPUs (shared) · Python {platform.python_version()} · "
        f"{args.rounds} round(s), alternating before/after per benchmark",
        "- each side ran its own script from its own worktree and venv; same flags on both; "
        "verdict: within noise when |after÷before - 1| < the larger spread "
        "((max - min) / median) between the rounds of one side",
        "",
    ]
    for bench in flags:
        runs = [s for s in steps if s.bench == bench]
        if not runs:
            continue
        before = [s.figures for s in runs if s.side is old]
        after = [s.figures for s in runs if s.side is new]
        out += [f"## {bench}", "",
                f"`bench/bench_{bench}.py {' '.join(flags[bench])}`"
                + (f" (dropped, one side lacks it: {', '.join(dropped[bench])})"
                   if dropped.get(bench) else ""), ""]
        out += compare_rows(before, after)
        out += ["", "| step | side | round | load avg before → after | took | exit | report |",
                "|---|---|---|---|---|---|---|"]
        for s in runs:
            report = (f"[{s.report.name}]({s.report.parent.name}/{s.report.name})"
                      if s.report and s.report.is_file() else "none")
            out.append(f"| {runs.index(s) + 1} | {s.side.label} | {s.round} | "
                       f"{s.load_before:.2f} → {s.load_after:.2f} | {s.seconds:.0f} s | "
                       f"{s.returncode} | {report} |")
        failed = [s for s in runs if s.returncode != 0]
        for s in failed:
            out.append(f"\n{s.side.label} round {s.round} failed (exit {s.returncode}); "
                       f"its log: `{s.log}`")
        out.append("")
    return "\n".join(out)


def say(text: str) -> None:
    print(f"[compare {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=DEFAULT_OLD, help="the 'before' revision (30fdce1)")
    parser.add_argument("--new", default="HEAD", help="the 'after' revision (HEAD)")
    parser.add_argument("--rounds", type=int, default=2, help="before/after pairs per benchmark")
    parser.add_argument("--only", nargs="+", choices=list(FULL), default=list(FULL),
                        help="some of the benchmarks (default: all four)")
    parser.add_argument("--scenarios", nargs="+", default=None,
                        help=f"bench_latency scenarios (default: {' '.join(SCENARIOS)}, "
                        "those both sides know)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, to check the plumbing; figures mean nothing")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "reports" / "compare.md")
    parser.add_argument("--runs-dir", type=Path, default=None,
                        help="each run's own report (default: compare/ beside --out); their "
                        "logs go to bench/.cache/compare/logs")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    started = datetime.now(UTC)
    sides = (prepare("before", args.old), prepare("after", args.new))
    reports = args.runs_dir or args.out.parent / "compare"
    logs = CACHE / "logs"
    for folder in (reports, logs):
        folder.mkdir(parents=True, exist_ok=True)
    sizes = QUICK if args.quick else FULL
    flags: dict[str, list[str]] = {}
    dropped: dict[str, list[str]] = {}
    for bench in args.only:
        if not all((side.root / SCRIPTS[bench]).is_file() for side in sides):
            say(f"{bench}: not on both sides, skipped")
            continue
        helps = [script_help(side, SCRIPTS[bench]) for side in sides]
        if not all(helps):
            say(f"{bench}: --help fails on one side, skipped")
            continue
        flags[bench], dropped[bench] = common_flags(sizes[bench], helps)
        if bench == "latency":
            known = [set(scenario_choices(h)) for h in helps]
            wanted = args.scenarios or (QUICK_SCENARIOS if args.quick else SCENARIOS)
            common = [s for s in wanted if all(s in k for k in known)]
            if not common:
                say("latency: no scenario both sides know, skipped")
                del flags[bench]
                continue
            flags[bench] += ["--scenarios", *common]
        if bench == "decrypt":
            for side in sides:
                prepare_node(side)

    steps: list[Step] = []
    for bench, bench_flags in flags.items():
        for round_ in range(1, args.rounds + 1):
            for side in sides:  # A B A B: the machine's other load weighs on both alike
                steps.append(run_step(Step(bench, side, round_, os.getloadavg()[0]),
                                      bench_flags, reports, logs))
        text = render(sides, steps, flags, dropped, started, args)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")  # after each benchmark: partial results
    text = render(sides, steps, flags, dropped, started, args)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0 if all(s.returncode == 0 for s in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
