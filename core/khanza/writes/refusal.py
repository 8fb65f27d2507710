"""A request the hospital's registration rules refuse, with the words the patient sees.

The WS RS answers every refusal with metadata code 201 (or 202 when the patient
is unknown) and a message in Indonesian that the Mobile JKN app shows as it
is. The writers raise ``Refused`` before anything is written, or inside a
transaction that is then rolled back, so a refusal never leaves half a booking.
"""

from __future__ import annotations

from core.errors import BridgeError

__all__ = ["PATIENT_UNKNOWN", "Refused"]

PATIENT_UNKNOWN = 202


class Refused(BridgeError):
    """``message`` for the patient; ``code`` the WS RS metadata code (201 or 202)."""

    def __init__(self, message: str, code: int = 201, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason or message
