"""``simrs-bridge beds``: the ward → RS Online bed-group mapping, and the last reconcile.

``mapping load FILE`` is the only way the mapping changes. A mapping error
publishes wrong bed numbers under the hospital's name, so the whole file is
checked first (wards and classes against Khanza, ``id_tt`` against the
server's own ``Referensi/tempat_tidur`` list, since the codes are not
contiguous and have changed names over time) and every bad row is reported at
once with its line number; only a fully valid file replaces the old mapping,
in one transaction. ``probe_unmapped`` is the ``check`` line for ward classes
that have beds but no mapping.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import aiomysql
import pymysql
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.commands.base import CommandError, Subparsers
from core import db
from core.beds import desired_groups
from core.errors import ConfigError, UpstreamError
from core.keys import BEDS_STATUS
from core.khanza.beds import WardCount, known_wards, load_ward_counts
from core.settings import ENV_PREFIX, Settings, load_settings
from core.sirs.models import BedGroup, explain
from core.state.beds import BedMapping, BedMappingStore
from core.state.migrate import migrate
from core.timefmt import human
from worker.sirs.endpoints import RsOnline

__all__ = ["HEADER", "parse_mapping", "probe_unmapped", "register"]

HEADER = ("kd_bangsal", "kelas", "id_tt", "ruang", "covid")


def _ward(kd_bangsal: str, kelas: str | None) -> str:
    return f"{kd_bangsal}/{kelas or '(no kelas)'}"


def parse_mapping(
    text: str, bangsal: set[str], classes: set[tuple[str, str | None]], id_tts: set[str] | None
) -> tuple[list[BedMapping], list[str]]:
    """The mapping rows and one message per bad row ("line N: ..."); ``id_tts=None`` skips
    the reference check (``--offline``)."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if tuple(header) != HEADER:
        return [], [f"line 1: the header must be {','.join(HEADER)}, got {','.join(header)}"]
    rows: list[BedMapping] = []
    errors: list[str] = []
    wards: dict[tuple[str, str | None], int] = {}
    # (id_tt, ruang casefolded) -> (line, ruang as spelt there, covid)
    groups: dict[tuple[str, str], tuple[int, str, int]] = {}
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(HEADER):
            errors.append(f"line {line}: expected {len(HEADER)} fields, got {len(fields)}")
            continue
        kd_bangsal, kelas_text, id_tt, ruang, covid_text = (f.strip() for f in fields)
        kelas = kelas_text or None
        problems: list[str] = []
        if kd_bangsal not in bangsal:
            near = [b for b in bangsal if b.casefold() == kd_bangsal.casefold()]
            hint = f" (did you mean {near[0]}?)" if near else ""
            problems.append(f"kd_bangsal {kd_bangsal!r} is not in Khanza's bangsal{hint}")
        elif (kd_bangsal, kelas) not in classes:
            known = sorted(k or "(no kelas)" for b, k in classes if b == kd_bangsal)
            problems.append(f"{_ward(kd_bangsal, kelas)} has no beds in kamar "
                            f"(classes with beds: {', '.join(known) or 'none'})")
        if covid_text not in ("0", "1"):
            problems.append(f"covid must be 0 or 1, got {covid_text!r}")
        try:
            cleaned = BedGroup(id_tt=id_tt, ruang=ruang, jumlah=0, terpakai=0)
        except ValidationError as exc:
            problems.append(explain(exc))
            cleaned = None
        if cleaned is not None and id_tts is not None and cleaned.id_tt not in id_tts:
            problems.append(f"id_tt {id_tt} is not in RS Online's Referensi/tempat_tidur")
        if (kd_bangsal, kelas) in wards:
            problems.append(f"{_ward(kd_bangsal, kelas)} is already mapped on line "
                            f"{wards[(kd_bangsal, kelas)]}")
        if cleaned is not None and covid_text in ("0", "1"):
            covid = int(covid_text)
            seen = groups.setdefault((cleaned.id_tt, cleaned.ruang.casefold()),
                                     (line, cleaned.ruang, covid))
            if seen[1] != cleaned.ruang:
                problems.append(f"ruang {cleaned.ruang!r} differs only in case from "
                                f"{seen[1]!r} on line {seen[0]}; the server may take them as "
                                "one record: spell them the same")
            elif seen[2] != covid:
                problems.append(f"{id_tt}/{cleaned.ruang} has covid {covid} here but "
                                f"{seen[2]} on line {seen[0]}")
        wards.setdefault((kd_bangsal, kelas), line)
        if problems:
            errors.extend(f"line {line}: {p}" for p in problems)
        elif cleaned is not None:
            rows.append(BedMapping(kd_bangsal, kelas, cleaned.id_tt, cleaned.ruang,
                                   int(covid_text)))
    return rows, errors


async def _khanza(settings: Settings) -> tuple[set[str], set[tuple[str, str | None]],
                                                list[WardCount]]:
    connection = await db.connect(settings.khanza_db_url, setting=f"{ENV_PREFIX}KHANZA_DB_URL")
    try:
        bangsal, classes = await known_wards(connection)
        return bangsal, classes, await load_ward_counts(connection)
    except pymysql.err.MySQLError as exc:
        raise ConfigError(f"{ENV_PREFIX}KHANZA_DB_URL: {db.describe_error(exc)}") from None
    finally:
        connection.close()


async def _state(settings: Settings) -> aiomysql.Pool:
    """The state database, migrated: loading a mapping may come before the daemon's first start."""
    pool = await db.create_pool(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL",
                                maxsize=1)
    async with pool.acquire() as connection:
        await migrate(connection)
    return pool


async def _close(pool: aiomysql.Pool) -> None:
    pool.close()
    await pool.wait_closed()


async def _mapping(settings: Settings) -> list[BedMapping]:
    """The stored mapping, read only (``show`` and ``check`` change nothing)."""
    pool = await db.create_pool(settings.state_db_url, setting=f"{ENV_PREFIX}STATE_DB_URL",
                                maxsize=1)
    try:
        return await BedMappingStore(pool).all()
    except pymysql.err.ProgrammingError:
        raise ConfigError(f"{ENV_PREFIX}STATE_DB_URL: no bed_mapping table yet; run "
                          "simrs-bridge migrate, or load a mapping") from None
    finally:
        await _close(pool)


async def _reference(settings: Settings) -> set[str]:
    async with RsOnline.from_settings(settings) as api:
        rows = await api.tempat_tidur_ref()
    return {str(r.kode_tt).strip() for r in rows if r.kode_tt}


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in head], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _print_unmapped(unmapped: Sequence[WardCount]) -> None:
    if not unmapped:
        print("every ward class with beds is mapped")
        return
    print(f"{len(unmapped)} ward class(es) with beds are NOT reported to RS Online:")
    _table(("kd_bangsal", "nm_bangsal", "kelas", "beds"),
           [(w.kd_bangsal, w.nm_bangsal, w.kelas or "", w.capacity) for w in unmapped])


async def _load(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{args.file}: cannot read ({exc})") from None
    bangsal, classes, counts = await _khanza(settings)
    id_tts: set[str] | None = None
    if args.offline:
        print("warning: --offline: id_tt codes were not checked against RS Online's "
              "Referensi/tempat_tidur", file=sys.stderr)
    else:
        try:
            id_tts = await _reference(settings)
        except UpstreamError as exc:
            raise CommandError(f"cannot read RS Online's Referensi/tempat_tidur ({exc}); "
                               "retry, or use --offline to skip that check") from None
        if not id_tts:
            raise CommandError("RS Online's Referensi/tempat_tidur came back empty; retry, "
                               "or use --offline to skip that check")
    rows, errors = parse_mapping(text, bangsal, classes, id_tts)
    if errors:
        bad = len({error.split(":", 1)[0] for error in errors})
        print(f"simrs-bridge: {args.file}: {bad} bad row(s); the mapping was not changed:",
              file=sys.stderr)
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 2
    pool = await _state(settings)
    try:
        store = BedMappingStore(pool)
        before = len(await store.all())
        await store.replace_all(rows)
    finally:
        await _close(pool)
    desired = desired_groups(counts, rows)
    print(f"bed mapping replaced: {len(rows)} ward class(es) (was {before}) into "
          f"{len(desired.groups)} RS Online group(s)")
    _print_unmapped(desired.unmapped)
    return 0


async def _show(args: argparse.Namespace) -> int:
    del args
    settings = load_settings()
    _, _, counts = await _khanza(settings)
    mapping = await _mapping(settings)
    beds = {(w.kd_bangsal, w.kelas): w for w in counts}
    loaded = max((m.loaded_at for m in mapping if m.loaded_at), default=None)
    print(f"mapping: {len(mapping)} ward class(es)"
          + (f", loaded {human(loaded, settings.zone)}" if loaded else ""))
    _table(("kd_bangsal", "kelas", "id_tt", "ruang", "covid", "beds"), [
        (m.kd_bangsal, m.kelas or "", m.id_tt, m.ruang, m.covid,
         beds[m.ward].capacity if m.ward in beds else 0) for m in mapping])
    desired = desired_groups(counts, mapping)
    print(f"\nRS Online groups now: {len(desired.groups)}")
    _table(("id_tt", "ruang", "jumlah", "terpakai", "prepare", "covid"), [
        (g.id_tt, g.ruang, g.jumlah, g.terpakai, g.prepare, g.covid) for g in desired.groups])
    for problem in desired.invalid:
        print(f"invalid group: {problem}")
    print()
    _print_unmapped(desired.unmapped)
    return 0


def _when(value: object, settings: Settings) -> str:
    if not isinstance(value, int | float):
        return "never"
    return human(value, settings.zone)


async def _status(args: argparse.Namespace) -> int:
    del args
    settings = load_settings()
    client = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        raw = await client.get(BEDS_STATUS)
    except (RedisError, OSError) as exc:
        raise ConfigError(f"{ENV_PREFIX}REDIS_URL: cannot reach {settings.redis_url}: {exc}"
                          ) from None
    finally:
        await client.aclose()
    if raw is None:
        print("no bed reconcile has run yet")
        return 1
    status = json.loads(raw)
    print(f"last run:     {_when(status.get('last_run'), settings)}")
    print(f"last success: {_when(status.get('last_success'), settings)}")
    print(f"result:       {status.get('message', '')}")
    for name in ("posted", "updated", "unchanged", "deleted", "kept", "errors", "invalid"):
        items = status.get(name) or []
        print(f"{name + ':':<13} {len(items)}" + "".join(f"\n  {i}" for i in items
                                                         if name != "unchanged"))
    unmapped = status.get("unmapped") or []
    print(f"unmapped:     {len(unmapped)}" + "".join(f"\n  {_ward(b, k)}" for b, k in unmapped))
    return 0


async def probe_unmapped(settings: Settings) -> str:
    """``check``: every ward class with beds is mapped, else name the ones that are not."""
    _, _, counts = await _khanza(settings)
    mapping = await _mapping(settings)
    desired = desired_groups(counts, mapping)
    if desired.unmapped:
        names = ", ".join(_ward(w.kd_bangsal, w.kelas) for w in desired.unmapped)
        raise ConfigError(f"ward classes with beds but no RS Online mapping: {names} "
                          "(simrs-bridge beds mapping load FILE)")
    return f"{len(desired.groups)} RS Online bed group(s) from {len(mapping)} ward class(es)"


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("beds", help="bed mapping to RS Online and the last reconcile")
    what = parser.add_subparsers(dest="what", required=True, metavar="WHAT")
    mapping = what.add_parser("mapping", help="the ward -> RS Online bed group mapping")
    action = mapping.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = action.add_parser(
        "load", help="replace the mapping from a CSV file",
        description=f"CSV with the header {','.join(HEADER)}. Every row is checked; any bad "
        "row leaves the current mapping unchanged.")
    load.add_argument("file", metavar="FILE")
    load.add_argument("--offline", action="store_true",
                      help="do not check id_tt against RS Online's reference list")
    load.set_defaults(handler=_load)
    show = action.add_parser("show", help="print the mapping, the groups and unmapped wards")
    show.set_defaults(handler=_show)
    status = what.add_parser("status", help="print the last bed reconcile's summary")
    status.set_defaults(handler=_status)
