"""Schedule and mapping check: the sample Wednesday against the fake BPJS's ref/poli,
ref/dokter (code 1) and jadwaldokter, then each kind of mismatch planted on one side."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from core.keys import schedule_check_key
from sandbox.fake_bpjs import RunningFake
from sandbox.services import MariaDBServer
from worker.jobs.schedule import bpjs_schedule_check, schedule_findings
from worker.services import Services

DAY = date(2025, 1, 15)  # a Wednesday (RABU)


async def findings(services: Services) -> set[tuple[str, str]]:
    async with services.khanza.acquire() as conn:
        return {(f.kind, f.subject) for f in await schedule_findings(services.bpjs, conn, DAY)}


async def test_the_sample_configuration_matches_bpjs(services: Services,
                                                      fake_bpjs: RunningFake) -> None:
    assert await findings(services) == set()


async def test_each_mismatch_is_listed_before_a_booking_fails_on_it(
    services: Services, fake_bpjs: RunningFake, mariadb_server: MariaDBServer,
    fresh_khanza_db: str, ctx: Callable[..., dict[str, Any]],
) -> None:
    # BPJS: ANA's capacity differs, and INT's doctor keeps other hours.
    for row in fake_bpjs.config.jadwal:
        if row["kodepoli"] == "ANA":
            row["kapasitaspasien"] = 25
        else:
            row["jadwal"] = "13:00-16:00"
    # Khanza: a session of an unmapped doctor, and a poli mapped to a code BPJS lacks.
    mariadb_server.sql("""
        DELETE FROM maping_dokter_dpjpvclaim WHERE kd_dokter = 'D002';
        UPDATE maping_poli_bpjs SET kd_poli_bpjs = 'XYZ' WHERE kd_poli_rs = 'ANA';""",
                       fresh_khanza_db)
    got = await findings(services)
    assert got == {
        ("unknown_poli", "ANA"),
        ("unmapped_dokter", "D002/ANA 09:00-13:00"),
        ("no_schedule", "D001/INT 08:00-12:00"),
    }
    mariadb_server.sql("""
        INSERT INTO maping_dokter_dpjpvclaim VALUES ('D002', '99902', 'dr. CONTOH DUA, Sp.A');
        UPDATE maping_poli_bpjs SET kd_poli_bpjs = 'ANA' WHERE kd_poli_rs = 'ANA';""",
                       fresh_khanza_db)
    assert ("quota", "D002/ANA 09:00-13:00") in await findings(services)

    # The daily job keeps what it found for the dashboard.
    assert (await bpjs_schedule_check(ctx(), DAY.isoformat())).endswith("finding(s)")
    stored = json.loads(await services.redis.get(schedule_check_key(DAY)))
    assert {(f["kind"], f["subject"]) for f in stored} == {
        ("no_schedule", "D001/INT 08:00-12:00"), ("quota", "D002/ANA 09:00-13:00")}
    assert "Khanza kuota 20, BPJS kapasitaspasien 25" in json.dumps(stored)
