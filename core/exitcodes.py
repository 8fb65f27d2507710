"""The exit codes of every ``simrs-bridge`` command, and what systemd does with each.

Chosen so that a unit restarts only when a restart can help:

=====  ==================  =====================================================
code   name                meaning, and what the units do
=====  ==================  =====================================================
0      ``OK``              done (a daemon stopped on SIGTERM); not restarted
1      ``FAILURE``         an unexpected error (a bug): restarted (on-failure)
2      ``CONFIG``          a setting is missing or invalid, or a command-line
                           argument is bad: **not** restarted
                           (``RestartPreventExitStatus=2``), because the same
                           settings fail the same way; fix the env file, then
                           ``systemctl restart``
69     ``UNAVAILABLE``     Redis or a database did not answer at start even
                           after retrying with backoff for
                           ``SIMRS_BRIDGE_STARTUP_WAIT`` seconds: restarted
                           (on-failure), so the daemon comes up by itself
                           once the dependency is back (sysexits EX_UNAVAILABLE)
75     ``RELOAD``          SIGHUP: drained, restart me with new settings
                           (``RestartForceExitStatus=75``; sysexits EX_TEMPFAIL)
130    ``INTERRUPTED``     Ctrl-C on a one-shot command
=====  ==================  =====================================================

``check`` exits ``CONFIG`` when any required component fails, like a daemon
that would refuse to start with the same settings.
"""

from __future__ import annotations

__all__ = ["CONFIG", "FAILURE", "INTERRUPTED", "OK", "RELOAD", "UNAVAILABLE"]

OK = 0
FAILURE = 1
CONFIG = 2
UNAVAILABLE = 69
RELOAD = 75
INTERRUPTED = 130
