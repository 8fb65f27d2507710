"""Connections to MariaDB/MySQL: the hospital's Khanza database and our own state.

aiomysql was chosen over asyncmy: it is pure Python on top of PyMySQL (no
compiled extension to build on an unusual hospital server or a new Python),
maintained under aio-libs beside aiohttp, and fast enough for our load, which
is a few small queries per cycle (see README, design notes).
"""

from __future__ import annotations

import aiomysql
import pymysql

from core.errors import ConfigError, UnavailableError
from core.settings import DatabaseUrl

__all__ = ["connect", "connection_error", "create_pool", "describe_error"]


def _params(url: DatabaseUrl) -> dict[str, object]:
    params: dict[str, object] = {
        "user": url.user,
        "password": url.password.get_secret_value(),
        "db": url.database,
        "charset": "utf8mb4",
        "autocommit": True,
    }
    if url.unix_socket:
        params["unix_socket"] = url.unix_socket
    else:
        params["host"] = url.host
        params["port"] = url.port
    return params


def describe_error(exc: BaseException) -> str:
    """A one-line reason for a failed connection, without the password."""
    if isinstance(exc, pymysql.err.OperationalError) and exc.args:
        code, *rest = exc.args
        text = str(rest[0]) if rest else ""
        return f"MariaDB error {code}: {text}"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return type(exc).__name__


# MariaDB client errors that a correct setting can still meet: the server is down,
# restarting or unreachable (CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, CR_SERVER_GONE_ERROR,
# CR_SERVER_LOST, ER_CON_COUNT_ERROR, ER_SERVER_SHUTDOWN). Anything else (access denied,
# unknown database) is the setting's fault and retrying it cannot help.
_TRANSIENT_CODES = frozenset({2002, 2003, 2006, 2013, 1040, 1053})


def connection_error(url: DatabaseUrl, setting: str, exc: BaseException) -> ConfigError:
    """The one-line error for a failed connection: ``UnavailableError`` when waiting may
    help, ``ConfigError`` when the setting itself is wrong."""
    message = f"{setting}: cannot connect to {url}: {describe_error(exc)}"
    transient = not isinstance(exc, pymysql.err.MySQLError) or (
        isinstance(exc, pymysql.err.OperationalError) and bool(exc.args)
        and exc.args[0] in _TRANSIENT_CODES)
    return UnavailableError(message) if transient else ConfigError(message)


async def connect(url: DatabaseUrl, *, setting: str, timeout: float = 5.0) -> aiomysql.Connection:
    """One connection, or ``ConfigError`` naming ``setting`` and the reason."""
    try:
        return await aiomysql.connect(connect_timeout=timeout, **_params(url))
    except (pymysql.err.MySQLError, OSError, TimeoutError) as exc:
        raise connection_error(url, setting, exc) from None


async def create_pool(
    url: DatabaseUrl, *, setting: str, minsize: int = 1, maxsize: int = 4, timeout: float = 5.0
) -> aiomysql.Pool:
    """A small pool: the daemon's queries are few and short; the hospital's DB is not ours."""
    try:
        return await aiomysql.create_pool(
            minsize=minsize, maxsize=maxsize, connect_timeout=timeout, pool_recycle=3600,
            **_params(url),
        )
    except (pymysql.err.MySQLError, OSError, TimeoutError) as exc:
        raise connection_error(url, setting, exc) from None
