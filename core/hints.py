"""What to do about a dead letter: one hint per kind of refusal, in the staff's terms.

The upstream's own message says what is wrong; the hint says where to fix it.
Data errors are fixed in Khanza (the daemon re-reads it on replay) and never by
shifting a time here. Matching is on the upstream's words, like
``worker/bpjs/outcomes.py``, with the outcome as the fallback.
"""

from __future__ import annotations

import re

from core.errors import Outcome

__all__ = ["DATA_ERROR_HINTS", "hint", "is_data_error"]

# (pattern on the message, hint, is a data error in Khanza)
DATA_ERROR_HINTS: tuple[tuple[str, str, bool], ...] = (
    (r"^\s*(\w+:\s*)?rujukan\b|rujukan tidak valid",
     "fix the referral number in Khanza (the SEP's no_rujukan / noskdp, or the booking's "
     "nomorreferensi), then replay", True),
    (r"tidak\s+boleh\s+kurang\s+atau\s+sama|lebih\s+besar\s+dari",
     "the task times in Khanza are out of order: correct the time in Khanza (it is never "
     "shifted here), then replay", True),
    (r"tanggal\s+pelayanan",
     "the task time is not on the service date: correct it in Khanza, then replay", True),
    (r"taskid\s+terakhir\s+99",
     "BPJS closed this booking with task 99: nothing more can be sent; check in Khanza "
     "whether the visit was really cancelled", True),
    (r"poli\s+tidak\s+ditemukan|maping_poli",
     "map the poli in Khanza (maping_poli_bpjs), then replay", True),
    (r"dokter\s+tidak\s+ditemukan|maping_dokter",
     "map the doctor in Khanza (maping_dokter_dpjpvclaim), then replay", True),
    (r"body built from Khanza is invalid|tidak boleh kosong|tidak valid",
     "a field of the visit in Khanza is missing or invalid (named in the message): fix it "
     "in Khanza, then replay", True),
    (r"unauthorized|consumer id|decrypt",
     "check SIMRS_BRIDGE_BPJS_CONS_ID, _USER_KEY, _SECRET and the server clock, then replay "
     "(simrs-bridge check)", False),
)

_BY_OUTCOME = {
    Outcome.RETRY: "the upstream did not answer for too long: check its status "
                   "(simrs-bridge check, the dashboard's breaker), then replay",
    Outcome.BLOCKED: "an earlier task was never accepted: look for its dead letter or its "
                     "missing time in Khanza, then replay",
    Outcome.FIX_THEN_RETRY: "BPJS does not know the booking: replay after its antrean/add "
                            "is sent (or after Khanza's SEP form sent it)",
}
_DEFAULT = "read the upstream's message, fix the data in Khanza, then replay"


def _match(message: str) -> tuple[str, bool] | None:
    for pattern, text, data in DATA_ERROR_HINTS:
        if re.search(pattern, message, re.IGNORECASE):
            return text, data
    return None


def hint(outcome: str | Outcome, message: str) -> str:
    found = _match(message)
    if found is not None:
        return found[0]
    try:
        return _BY_OUTCOME.get(Outcome(outcome), _DEFAULT)
    except ValueError:
        return _DEFAULT


def is_data_error(outcome: str | Outcome, message: str) -> bool:
    """Refused for good because of the visit's data: a replay of the same payload would be
    refused again, so it needs ``--force``."""
    if str(outcome) != Outcome.PERMANENT.value:
        return False
    found = _match(message)
    return found[1] if found is not None else True
