"""Private Redis and MariaDB servers for the tests and the demo.

Both run Debian's own binaries (``redis-server``, ``mariadb-install-db`` +
``mariadbd``) as child processes with every file in one directory and TCP on
a free loopback port, so they never touch a system instance, need no
containers, and leave nothing behind: ``stop`` kills the process group, and
the ``atexit`` hook does it too when a test run dies half-way.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "MariaDBServer",
    "RedisServer",
    "ServiceError",
    "free_port",
    "wait_for_port",
]

_RUNNING: set[subprocess.Popen[bytes]] = set()


class ServiceError(RuntimeError):
    """A private server could not be started; the message says which and why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], deadline: float, log: Path) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ServiceError(f"{process.args!r} exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise ServiceError(f"nothing listened on 127.0.0.1:{port} in time; see {log}")


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or next(
            (str(p) for d in ("/usr/sbin", "/usr/bin") if (p := Path(d) / name).exists()), None
        )
        if found:
            return found
    raise ServiceError(f"{names[0]} is not installed (run deploy/setup.sh)")


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _RUNNING.add(process)
    return process


def _terminate(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    _RUNNING.discard(process)


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_RUNNING):
        _terminate(process, grace=3.0)


@dataclass
class RedisServer:
    """``redis-server`` without persistence unless asked, on a free port."""

    directory: Path
    port: int = field(default_factory=free_port)
    appendonly: bool = False
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / "redis.log"
        args = [
            _binary("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--save", "", "--daemonize", "no",
            "--appendonly", "yes" if self.appendonly else "no", "--logfile", str(log),
        ]
        self.process = _spawn(args, log)
        wait_for_port(self.port, self.process, time.monotonic() + timeout, log)
        return self

    def stop(self) -> None:
        if self.process is not None:
            _terminate(self.process)
            self.process = None


@dataclass
class MariaDBServer:
    """``mariadbd`` with its datadir and socket in ``directory``.

    The datadir is initialised once and reused by later starts, which keeps a
    restart to about a second. Root has no password and is reachable over TCP
    from 127.0.0.1 only; tests create the less privileged users they need. The
    binary log is on, row-based with full images and metadata, as a hospital
    needs it for ``SIMRS_BRIDGE_CHANGES=binlog`` (docs/binlog.md).
    """

    directory: Path
    port: int = field(default_factory=free_port)
    server_id: int = 1
    process: subprocess.Popen[bytes] | None = None

    @property
    def datadir(self) -> Path:
        return self.directory / "data"

    @property
    def socket(self) -> Path:
        return self.directory / "mysqld.sock"

    def url(self, database: str, user: str = "root", password: str = "") -> str:
        auth = f"{user}:{password}" if password else user
        return f"mysql://{auth}@127.0.0.1:{self.port}/{database}"

    def _user_args(self) -> list[str]:
        # mariadbd refuses to run as root unless told to; as root it is our own child anyway.
        return ["--user=root"] if os.geteuid() == 0 else []

    def initialise(self) -> None:
        if (self.datadir / "mysql").is_dir():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        log = self.directory / "install.log"
        with log.open("wb") as out:
            result = subprocess.run(
                [
                    _binary("mariadb-install-db"), "--no-defaults",
                    f"--datadir={self.datadir}", "--auth-root-authentication-method=normal",
                    "--skip-test-db", "--skip-name-resolve", *self._user_args(),
                ],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False,
            )
        if result.returncode != 0:
            raise ServiceError(f"mariadb-install-db failed; see {log}")

    def start(self, timeout: float = 60.0) -> MariaDBServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.initialise()
        log = self.directory / "mariadbd.log"
        args = [
            _binary("mariadbd"), "--no-defaults", f"--datadir={self.datadir}",
            f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
            f"--pid-file={self.directory / 'mariadbd.pid'}", f"--log-error={log}",
            "--skip-name-resolve", "--innodb-buffer-pool-size=128M",
            "--innodb-flush-log-at-trx-commit=2",
            # The binary log as a hospital must have it for SIMRS_BRIDGE_CHANGES=binlog
            # (docs/binlog.md); short expiry so a long test run does not fill the disk.
            f"--log-bin={self.directory / 'binlog'}", "--binlog-format=ROW",
            "--binlog-row-image=FULL", "--binlog-row-metadata=FULL",
            f"--server-id={self.server_id}", "--binlog-expire-logs-seconds=86400",
            "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
            *self._user_args(),
        ]
        self.process = _spawn(args, log)
        wait_for_port(self.port, self.process, time.monotonic() + timeout, log)
        return self

    def sql(self, statements: str, database: str | None = None) -> str:
        """Run SQL through the ``mariadb`` client (handles multi-statement files)."""
        args = [_binary("mariadb"), "--no-defaults", f"--socket={self.socket}", "-uroot",
                "--batch", "--skip-column-names"]
        if database:
            args.append(database)
        result = subprocess.run(args, input=statements.encode(), capture_output=True, check=False)
        if result.returncode != 0:
            raise ServiceError(result.stderr.decode(errors="replace").strip())
        return result.stdout.decode()

    def load(self, path: Path, database: str) -> None:
        self.sql(path.read_text(encoding="utf-8"), database)

    def stop(self) -> None:
        if self.process is not None:
            _terminate(self.process, grace=30.0)
            self.process = None
