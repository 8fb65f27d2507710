"""How this hospital's Khanza is read: zone, BPJS payers, task sources, window.

Khanza installations disagree on which row marks which BPJS task (reference
bpjs-antrean.md §6): the newer Khanza sender uses the medical-record file
movement for tasks 3-4, others use the Mobile JKN check-in and who wrote the
SOAP note. A hospital picks, per task, one of a fixed set of *named* sources, or ordered
alternatives of them (``a|b``: a's time, else b's); each name stands for a fixed
SQL expression in ``tasks.py``, so a setting can choose between reviewed queries
but can never inject SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from core.errors import ConfigError
from core.settings import ENV_PREFIX, Settings

__all__ = [
    "ALTERNATIVE_SEPARATOR",
    "CONFIGURABLE_TASKS",
    "PRESETS",
    "SOURCE_NAMES",
    "KhanzaOptions",
    "TaskSources",
    "khanza_options",
]

# Task 99 is not configurable: it comes from the cancellation rows (bookings.py).
CONFIGURABLE_TASKS = (1, 2, 3, 4, 5, 6, 7)

# name -> what the row means; the SQL behind each name lives in tasks.py.
SOURCE_NAMES: Mapping[str, str] = {
    "none": "never sent",
    "mutasi_berkas.dikirim": "medical-record file sent to the clinic",
    "mutasi_berkas.diterima": "medical-record file received by the clinic",
    "pemeriksaan_ralan.first": "first SOAP note of the visit (tgl_perawatan + jam_rawat)",
    "pemeriksaan_ralan.petugas": "first SOAP note written by staff who are not doctors",
    "pemeriksaan_ralan.dokter": "first SOAP note written by a doctor",
    "resep_obat.peresepan": "prescription written (tgl_peresepan + jam_peresepan), ralan",
    "resep_obat.validasi": "prescription validated by the pharmacy (tgl_perawatan + jam), ralan",
    "resep_obat.penyerahan": "drugs handed over (tgl_penyerahan + jam_penyerahan), ralan",
    "referensi_mobilejkn_bpjs.validasi": "Mobile JKN check-in (none for on-site visits)",
    "referensi_mobilejkn_bpjs.checkin": "Mobile JKN check-in made on the visit day; counts "
    "for task 1 of a new patient and task 3 of an existing one (give it to both)",
}


def _preset(**by_task: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(key.removeprefix("t")), name) for key, name in by_task.items())


# The newer KhanzaHMSServiceMobileJKN mapping (reference §6) and the
# rsaisyiyah/antrol style (check-in, then nurse and doctor SOAP notes).
PRESETS: Mapping[str, tuple[tuple[int, str], ...]] = {
    "khanza": _preset(
        t3="mutasi_berkas.dikirim",
        t4="mutasi_berkas.diterima",
        t5="pemeriksaan_ralan.first",
        t6="resep_obat.validasi",
        t7="resep_obat.penyerahan",
    ),
    "checkin": _preset(
        t3="referensi_mobilejkn_bpjs.validasi",
        t4="pemeriksaan_ralan.petugas",
        t5="pemeriksaan_ralan.dokter",
        t6="resep_obat.peresepan",
        t7="resep_obat.penyerahan",
    ),
    # The simrs-bridge WS RS's check-in opens the visit (task 1 new / 3 existing patient).
    # An on-site visit (walk-in, JKN with SEP, a Mobile JKN patient who never checks in
    # through the app) has no check-in: its task 3 is the medical-record file sent, as in
    # the khanza preset. Task 1 has no honest on-site source, so it stays check-in only.
    "wsrs": _preset(
        t1="referensi_mobilejkn_bpjs.checkin",
        t3="referensi_mobilejkn_bpjs.checkin|mutasi_berkas.dikirim",
        t4="pemeriksaan_ralan.petugas",
        t5="pemeriksaan_ralan.dokter",
        t6="resep_obat.peresepan",
        t7="resep_obat.penyerahan",
    ),
}


# Ordered alternatives for one task: ``a|b`` means "a's time, else b's".
ALTERNATIVE_SEPARATOR = "|"


def _alternatives(chain: str) -> tuple[str, ...]:
    """The names of a source chain, checked: known names, ``none`` only alone, no repeats.

    The message does not say where the chain came from; callers prefix it.
    """
    names = tuple(name.strip() for name in chain.split(ALTERNATIVE_SEPARATOR))
    for name in names:
        if name not in SOURCE_NAMES:
            known = ", ".join(SOURCE_NAMES)
            raise ValueError(f"unknown source {name!r} (known: {known})")
    if len(names) > 1 and "none" in names:
        raise ValueError("'none' cannot be an alternative (leave the task out instead)")
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ValueError(f"source {name!r} is named twice")
    return names


@dataclass(frozen=True)
class TaskSources:
    """taskid -> source chain for tasks 1-7; a task left out has the source ``none``.

    A chain is one name or ordered alternatives ``a|b``: the first alternative with a
    real time for the visit gives the task's time (``tasks.collect_tasks``). It lets the
    ``wsrs`` preset read task 3 from the check-in when there is one and from the
    medical-record file otherwise (an on-site visit has no check-in). The fallback is a
    real row of the visit, never an invented or shifted time. The order matters when both
    exist: the first alternative wins, so a checked-in patient whose file was also sent
    gets the check-in time. If the file-sent time was read and sent first and a check-in
    appears later, BPJS keeps the sent time (the bridge never re-sends a done task to
    BPJS; read-back shows the difference), while RS Online, which takes corrections, is
    corrected to the check-in time like any task time that changes in Khanza.
    """

    pairs: tuple[tuple[int, str], ...] = PRESETS["khanza"]

    def __post_init__(self) -> None:
        seen: set[int] = set()
        canonical: list[tuple[int, str]] = []
        for taskid, chain in self.pairs:
            if taskid not in CONFIGURABLE_TASKS:
                raise ValueError(f"task {taskid}: only tasks 1-7 take a source")
            if taskid in seen:
                raise ValueError(f"task {taskid} is given twice")
            try:
                names = _alternatives(chain)
            except ValueError as exc:
                raise ValueError(f"task {taskid}: {exc}") from None
            seen.add(taskid)
            if names != ("none",):
                canonical.append((taskid, ALTERNATIVE_SEPARATOR.join(names)))
        # Canonical order and spelling, without "none" entries, so equal mappings compare equal.
        object.__setattr__(self, "pairs", tuple(sorted(canonical)))

    @classmethod
    def parse(cls, text: str) -> TaskSources:
        """From a setting: a preset name, or ``"3=a|b,4=..."`` (``a|b``: a, else b).

        Every error names the offending part, so a typo in the env file fails
        at start with one clear line.
        """
        text = text.strip()
        if text in PRESETS:
            return cls(PRESETS[text])
        pairs: list[tuple[int, str]] = []
        for part in text.split(","):
            item = part.strip()
            if not item:
                continue
            key, sep, chain = item.partition("=")
            if not sep:
                raise ValueError(f"task source {item!r}: expected taskid=source")
            key = key.strip()
            if not key.isdigit() or int(key) not in CONFIGURABLE_TASKS:
                raise ValueError(f"task source {item!r}: taskid must be 1-7")
            try:
                names = _alternatives(chain)
            except ValueError as exc:
                raise ValueError(f"task source {item!r}: {exc}") from None
            if any(t == int(key) for t, _ in pairs):
                raise ValueError(f"task source {item!r}: task {key} is given twice")
            pairs.append((int(key), ALTERNATIVE_SEPARATOR.join(names)))
        return cls(tuple(pairs))

    def source(self, taskid: int) -> str:
        """The task's chain as written (``a|b``), ``none`` when it has no source."""
        return dict(self.pairs).get(taskid, "none")

    def alternatives(self, taskid: int) -> tuple[str, ...]:
        """The task's source names in the order they are tried."""
        return tuple(self.source(taskid).split(ALTERNATIVE_SEPARATOR))

    def chains(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """(taskid, alternatives) for every task that has a source."""
        for taskid, chain in self.pairs:
            yield taskid, tuple(chain.split(ALTERNATIVE_SEPARATOR))

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return iter(self.pairs)

    def uses(self, prefix: str) -> bool:
        """Whether any alternative of any task reads the table ``prefix`` (so its query
        is needed at all)."""
        return any(name.startswith(prefix + ".") for _, names in self.chains() for name in names)

    def describe(self) -> list[str]:
        """One line per task for people (``check``): the chain and what each name means."""
        lines = []
        for taskid in CONFIGURABLE_TASKS:
            names = self.alternatives(taskid)
            meaning = ", else ".join(f"{n} ({SOURCE_NAMES[n]})" for n in names)
            lines.append(f"task {taskid}: {meaning}")
        return lines

    def __str__(self) -> str:
        return ",".join(f"{taskid}={chain}" for taskid, chain in self.pairs)


@dataclass(frozen=True)
class KhanzaOptions:
    zone: ZoneInfo
    bpjs_payers: frozenset[str] = frozenset({"BPJ"})
    task_sources: TaskSources = field(default_factory=TaskSources)
    lookback_days: int = 1
    lookahead_days: int = 7

    def __post_init__(self) -> None:
        if self.lookback_days < 0 or self.lookahead_days < 0:
            raise ValueError("lookback_days and lookahead_days must not be negative")

    def window(self, today: date) -> tuple[date, date]:
        """The active window around ``today`` (the producer's local date): bookings are
        made up to a week ahead in Mobile JKN, and yesterday's late tasks still count."""
        return today - timedelta(days=self.lookback_days), today + timedelta(
            days=self.lookahead_days
        )


def khanza_options(settings: Settings) -> KhanzaOptions:
    """The producer's reading rules from settings; a bad task source names the setting."""
    try:
        sources = TaskSources.parse(settings.task_sources) if settings.task_sources else (
            TaskSources()
        )
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}TASK_SOURCES: {exc}") from None
    payers = frozenset(p.strip() for p in settings.bpjs_payers.split(",") if p.strip())
    if not payers:
        raise ConfigError(f"{ENV_PREFIX}BPJS_PAYERS: name at least one kd_pj, e.g. BPJ")
    return KhanzaOptions(
        zone=settings.zone, bpjs_payers=payers, task_sources=sources,
        lookback_days=settings.lookback_days, lookahead_days=settings.lookahead_days,
    )
