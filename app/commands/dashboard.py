"""``simrs-bridge dashboard``: the operators' page and Prometheus /metrics.

Listens on ``SIMRS_BRIDGE_DASHBOARD_HOST:PORT`` (127.0.0.1:8180 unless told
otherwise; ``--host``/``--port`` override for one run). Under systemd it says
READY=1 once it listens, pings the watchdog while Redis answers, and exits
with ``EXIT_RELOAD`` on SIGHUP so the unit restarts it with new settings.
"""

from __future__ import annotations

import argparse
import logging

from app.commands.base import Subparsers
from app.dashboard.app import SOURCES, create_app
from app.serve import serve
from core.logging import setup_logging
from core.settings import ENV_PREFIX, load_settings
from core.startup import prepare

__all__ = ["register"]

logger = logging.getLogger(__name__)


async def _dashboard(args: argparse.Namespace) -> int:
    settings = load_settings()
    setup_logging(settings.log_level, settings.secrets(), settings.zone)
    await prepare(settings, "dashboard")
    host = args.host or settings.dashboard_host
    port = settings.dashboard_port if args.port is None else args.port
    app = create_app(settings)
    return await serve(
        app, name="dashboard", host=host, port=port, setting=f"{ENV_PREFIX}DASHBOARD_PORT",
        health=lambda: app[SOURCES].redis.ping(),
        announce=lambda url: logger.info("dashboard on %s (metrics at %smetrics)", url, url),
    )


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("dashboard", help="serve the operators' dashboard and /metrics",
                            description="Serve the dashboard page and Prometheus /metrics.")
    parser.add_argument("--host", help=f"address to listen on (default: {ENV_PREFIX}"
                        "DASHBOARD_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help=f"port (default: {ENV_PREFIX}DASHBOARD_PORT, "
                        "8180; 0 picks a free one)")
    parser.set_defaults(handler=_dashboard)

