"""The one table that turns an RS Online status row into an ``Outcome``.

RS Online answers application errors with HTTP 200 and puts the verdict in
``<key>[0].status`` and ``.message`` (reference §2). The message texts are not
published, so clients match short fragments; which fragment means what depends
on the method and the resource (``tidak ditemukan`` on a DELETE means "already
gone", on a PUT it means "POST it again"). Keeping every such decision in
``RULES`` below, first match wins, means the client and the jobs never sniff
messages themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from core.errors import Outcome

__all__ = [
    "CREDENTIALS_HINT",
    "DATE_REPORTS",
    "RULES",
    "Rule",
    "Verdict",
    "classify",
    "is_login_failure",
]

CREDENTIALS_HINT = (
    "RS Online refused the login (Gagal Login): check SIMRS_BRIDGE_SIRS_RS_ID / "
    "SIMRS_BRIDGE_SIRS_PASSWORD (and SIMRS_BRIDGE_SIRS_PASSWORD_MD5)"
)

ANY = frozenset({"GET", "POST", "PUT", "DELETE"})
BEDS = frozenset({"Fasyankes"})
KEBUTUHAN = frozenset({"Fasyankes/sdm", "Fasyankes/apd"})
DATE_REPORTS = frozenset({"Pasien/pcr_nakes", "Pasien/harian_nakes_terinfeksi", "Logistik/oksigen"})
# Resources whose POST creates a record another request later refers to.
PREREQUISITE_OF = frozenset({"Antrian/Task", "Pasien/hasilShk"})
CREATED_ONCE = frozenset({"Antrian", "Antrian/Task", "Pasien/shk", "Pasien/hasilShk"})


@dataclass(frozen=True, slots=True)
class Rule:
    """One line of the table; ``fragment``/``status`` None means "any"."""

    outcome: Outcome
    why: str
    fragment: str | None = None
    status: str | None = None
    methods: frozenset[str] = ANY
    resources: frozenset[str] | None = None
    no_data: bool = False

    def matches(self, resource: str, method: str, status: str, message: str) -> bool:
        if method not in self.methods:
            return False
        if self.resources is not None and resource not in self.resources:
            return False
        if self.status is not None and status != self.status:
            return False
        return self.fragment is None or self.fragment.lower() in message.lower()


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a status row means; ``no_data`` marks a read that found nothing."""

    outcome: Outcome
    why: str
    no_data: bool = False


_GET = frozenset({"GET"})
_POST = frozenset({"POST"})
_PUT = frozenset({"PUT"})
_DELETE = frozenset({"DELETE"})

RULES: tuple[Rule, ...] = (
    # Credentials: no retry can fix them, and the operator must be told which settings to check.
    Rule(Outcome.PERMANENT, CREDENTIALS_HINT, fragment="Gagal Login"),
    # A date-keyed read with nothing for that date: an empty result, not a failure.
    Rule(Outcome.DONE, "no data", status="202", methods=_GET, no_data=True),
    Rule(Outcome.DONE, "no data", fragment="tidak ditemukan", methods=_GET, no_data=True),
    Rule(Outcome.DONE, "no data", fragment="belum ada", methods=_GET, no_data=True),
    # The record exists already: keyed resources switch to PUT (the caller then PUTs).
    Rule(
        Outcome.FIX_THEN_RETRY,
        "already exists; send it with PUT",
        fragment="silahkan edit dengan method PUT",
        methods=_POST,
        resources=BEDS | KEBUTUHAN | DATE_REPORTS,
    ),
    Rule(
        Outcome.FIX_THEN_RETRY,
        "already exists; send it with PUT",
        fragment="sudah ada",
        methods=_POST,
        resources=BEDS | KEBUTUHAN | DATE_REPORTS,
    ),
    # A booking, task or SHK record sent twice: the first one counts (DESIGN principle 2).
    Rule(Outcome.ALREADY_DONE, "already recorded", fragment="sudah ada", methods=_POST,
         resources=CREATED_ONCE),
    Rule(Outcome.ALREADY_DONE, "already recorded", fragment="silahkan edit dengan method PUT",
         methods=_POST, resources=CREATED_ONCE),
    # Deleting what is not there any more is the wanted end state (sirus 9e7062c6).
    Rule(Outcome.ALREADY_DONE, "already gone", fragment="tidak ditemukan", methods=_DELETE),
    Rule(Outcome.ALREADY_DONE, "already gone", fragment="belum ada", methods=_DELETE),
    # Updating a record the server does not have (stale id_t_tt, never sent): POST it again.
    Rule(Outcome.FIX_THEN_RETRY, "not on the server; send it with POST",
         fragment="tidak ditemukan", methods=_PUT),
    Rule(Outcome.FIX_THEN_RETRY, "not on the server; send it with POST",
         fragment="belum ada", methods=_PUT),
    # A task or SHK result whose booking / SHK patient is missing: send that first.
    Rule(Outcome.FIX_THEN_RETRY, "its booking or SHK patient is missing; send that first",
         fragment="tidak ditemukan", methods=_POST, resources=PREREQUISITE_OF),
    Rule(Outcome.FIX_THEN_RETRY, "its booking or SHK patient is missing; send that first",
         fragment="belum ada", methods=_POST, resources=PREREQUISITE_OF),
    Rule(Outcome.DONE, "accepted", status="200"),
    Rule(Outcome.DONE, "accepted", status="201"),
)

_SERVER_TROUBLE = Verdict(Outcome.RETRY, "server-side error")
_REFUSED = Verdict(Outcome.PERMANENT, "refused")


def is_login_failure(message: str) -> bool:
    """True for the ``{"response":"Gagal Login"}`` message, JSON-encoded or not."""
    text = message
    try:
        decoded = json.loads(message)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict) and isinstance(decoded.get("response"), str):
        text = decoded["response"]
    return "gagal login" in text.lower()


def classify(resource: str, method: str, status: str, message: str) -> Verdict:
    """The outcome of one status row: the first matching rule, else by status code."""
    if is_login_failure(message):
        return Verdict(RULES[0].outcome, RULES[0].why)
    for rule in RULES:
        if rule.matches(resource, method.upper(), status, message):
            return Verdict(rule.outcome, rule.why, rule.no_data)
    if status.startswith("5"):
        return _SERVER_TROUBLE
    return _REFUSED
