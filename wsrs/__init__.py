"""The hospital's web service that Mobile JKN (BPJS) calls: tokens, bookings, check-ins.

A layer beside ``producers`` and ``worker``: it imports only ``core``. Its writes
into Khanza live in ``core/khanza/writes/``; this package is the HTTP side
(``app.py``), the request models with the patients' messages (``models.py``),
tokens (``token.py``) and the endpoint handlers (``handlers.py``).
"""
