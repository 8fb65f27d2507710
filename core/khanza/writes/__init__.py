"""Everything simrs-bridge writes into the hospital's Khanza database, in one place.

The producers only read (DESIGN principle 8). The writers are few and each has
its own database user and grants, listed beside its SQL:

- ``writeback``: the optional write-back of "sent" marks after BPJS accepted a
  step (``SIMRS_BRIDGE_KHANZA_WRITEBACK``);
- the WS RS web service's registrations and bookings (its own module here).
"""
