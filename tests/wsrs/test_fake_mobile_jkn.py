"""The sandbox's fake Mobile JKN drives the WS RS like BPJS: token, 202, pasienbaru,
booking again, check-in, cancellation — over real HTTP."""

from __future__ import annotations

from datetime import date, datetime

import aiohttp

from sandbox.mobile_jkn import MobileJkn, Patient

from .conftest import PASSWORD, USER, WIB, Wsrs


async def test_new_participant_is_registered_booked_and_checked_in(wsrs: Wsrs) -> None:
    base = str(wsrs.client.make_url("/wsrs"))
    async with aiohttp.ClientSession() as session:
        jkn = MobileJkn(session, base, USER, PASSWORD)
        patient = Patient(nomorkartu="7000000000001", nik="7000000000000001", nama="BARU")
        booked = await jkn.book(patient, kodepoli="INT", kodedokter="99901",
                                tanggal=date(2025, 2, 5), jampraktek="08:00-12:00",
                                nomorreferensi="R-1")
        assert booked.ok and booked.response is not None
        assert booked.response["norm"] == "000004" and booked.response["angkaantrean"] == 1
        wsrs.clock.now = datetime(2025, 2, 5, 7, 30, tzinfo=WIB)  # the old token expired
        arrived = int(datetime(2025, 2, 5, 7, 29, tzinfo=WIB).timestamp() * 1000)
        checked = await jkn.check_in(booked.response["kodebooking"], arrived)
        assert checked.ok, checked
        refused = await jkn.cancel(booked.response["kodebooking"], "batal")
        assert refused.code == 201 and "Sudah Checkin" in refused.message
