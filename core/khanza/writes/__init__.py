"""Everything simrs-bridge writes into the hospital's Khanza database, in one place.

The producers only read (DESIGN principle 8). The writers are few and each has
its own database user and grants, listed beside its SQL:

- ``writeback``: the optional write-back of "sent" marks after BPJS accepted a
  step (``SIMRS_BRIDGE_KHANZA_WRITEBACK``);
- the WS RS (``SIMRS_BRIDGE_WSRS_DB_URL``, docs/wsrs.md): ``registration``
  (ambilantrean: reg_periksa + referensi_mobilejkn_bpjs with race-free numbers),
  ``checkin`` (check-in and cancellation), ``patients`` (pasienbaru), with
  ``schedule`` (the jadwal lookup), ``tx`` (the transaction and its retries) and
  ``refusal`` (the patient's message) beside them.
"""
