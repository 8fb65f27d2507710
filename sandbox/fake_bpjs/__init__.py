"""A fake BPJS Antrean RS server: the documented behaviour, on loopback.

It checks the gateway headers (consid, user_key, HMAC signature, timestamp
within a skew window), encrypts every ``response`` with the request's own
``X-timestamp`` exactly like BPJS, and keeps bookings and tasks in memory to
enforce the rules public clients report (reference §3-4): duplicate booking
(208), duplicate task (208), unknown kodebooking, task order by patient type,
strictly increasing times, times on the service date, nothing after task 99.

Message texts are the literal strings public clients branch on. Where no
public text exists (gateway refusals, missing fields, farmasi duplicates,
unknown participants) the text is a plausible guess, marked ``(guess)``; the
daemon must rely on ``worker.bpjs.outcomes`` patterns, not on these guesses.

``python -m sandbox.fake_bpjs --port 8181`` runs it for the demo; tests use
``create_app`` and inspect ``FakeBpjsState`` directly or via ``/_fake/``.
"""

from __future__ import annotations

from sandbox.fake_bpjs.app import CONFIG_KEY, STATE_KEY, RunningFake, create_app, running
from sandbox.fake_bpjs.cli import main
from sandbox.fake_bpjs.config import FakeBpjsConfig
from sandbox.fake_bpjs.state import Booking, FakeBpjsState, Task

__all__ = ["CONFIG_KEY", "STATE_KEY", "Booking", "FakeBpjsConfig", "FakeBpjsState", "RunningFake",
           "Task", "create_app", "main", "running"]
