"""Private PostgreSQL and Redis servers for the service run, and what the machine's own look like.

The fault drills stop, restart and kill the database and the broker. They do it to servers the
tests start themselves: a PostgreSQL cluster made with `initdb` in a temporary directory and a
`redis-server`, each on a free port of 127.0.0.1. Every stop or start below names that private
data directory or process, never a port or a cluster of the machine: the PostgreSQL and Redis that
DATABASE_URL and CELERY_BROKER_URL name (shared with everyone else on the host) are only ever read,
to show at the end of the run that they were never touched (`machine_services`).

Needs the PostgreSQL server binaries (`pg_config --bindir`, or the PostgreSQL lib directory) and
`redis-server` on PATH. As root, PostgreSQL runs as the `postgres` system user (it refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HOST = "127.0.0.1"
# The machine's default ports (PostgreSQL, Redis, `make run`): a server the tests start never takes
# them, whatever the kernel offers.
MACHINE_PORTS = frozenset({5432, 6379, 8000})


def _wait(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.1)


def free_port(*, avoid: frozenset[int] = frozenset()) -> int:
    """A port nobody listens on now, chosen by the kernel (never one of the machine's services)."""
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if port not in MACHINE_PORTS | avoid:
            return port


def _port_of(url: str, default: int) -> int | None:
    parts = urlsplit(url)
    if not parts.scheme.startswith(("postgres", "redis")):
        return None
    return parts.port or default


def environment_ports() -> frozenset[int]:
    """The ports of the services the environment names: a private server must not be one."""
    ports = {
        _port_of(os.environ.get("DATABASE_URL", ""), 5432),
        _port_of(os.environ.get("CELERY_BROKER_URL", ""), 6379),
        _port_of(os.environ.get("CACHE_URL", ""), 6379),
    }
    return frozenset(port for port in ports if port)


def postgres_bindir() -> Path:
    """Where initdb and pg_ctl are: `pg_config --bindir`, else PATH, else the lib directory."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        result = subprocess.run(
            ["pg_config", "--bindir"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    raise RuntimeError(
        "The service tests start a private PostgreSQL: install the PostgreSQL server "
        "(initdb and pg_ctl were not found by pg_config --bindir, on PATH or in the lib directory)."
    )


class PrivatePostgres:
    """A PostgreSQL cluster of the test run's own, in `base/postgres`, trust auth on 127.0.0.1."""

    def __init__(self, base: Path, name: str = "postgres") -> None:
        self.bindir = postgres_bindir()
        self.base = base
        self.datadir = base / name
        self.logfile = base / f"{name}.log"
        self.port = free_port(avoid=environment_ports())
        # PostgreSQL refuses to run as root: the system's `postgres` account runs it then.
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.user is not None:
            os.chown(base, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        owner: dict[str, Any] = {}
        if self.user is not None:
            owner = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            args,
            cwd=self.base,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "LC_ALL": "C.UTF-8", "PGPORT": str(self.port)},
            **owner,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed:\n{result.stdout}\n{result.stderr}\n{self.log()}")
        return result

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.logfile.read_text(errors="replace")[-4000:]
        return ""

    def init(self) -> PrivatePostgres:
        self._run(
            str(self.bindir / "initdb"),
            "--pgdata",
            str(self.datadir),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-sync",
        )
        settings = [
            f"port = {self.port}",
            f"listen_addresses = '{HOST}'",
            # Its socket in its own directory: nothing of the machine's run directory is used.
            f"unix_socket_directories = '{self.datadir}'",
            # A scratch cluster: durability is not what the drills test.
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
        ]
        self._configure(settings)
        return self

    def _configure(self, settings: list[str]) -> None:
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write("\n# The test run's private cluster\n" + "\n".join(settings) + "\n")

    def start(self) -> None:
        """Start this cluster (only ever this data directory) and wait until it answers."""
        pg_ctl = str(self.bindir / "pg_ctl")
        self._run(pg_ctl, "start", "-w", "-D", str(self.datadir), "-l", str(self.logfile))
        _wait(self.ready, timeout=60, what="the private PostgreSQL to answer")

    def stop(self, mode: str = "fast") -> None:
        """Stop this cluster (fast: open sessions are cut, as in an outage)."""
        self._run(str(self.bindir / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.datadir))

    def running(self) -> bool:
        return (self.datadir / "postmaster.pid").exists()

    def ready(self) -> bool:
        result = subprocess.run(  # noqa: S603
            [str(self.bindir / "pg_isready"), "-h", HOST, "-p", str(self.port), "-q"],
            check=False,
        )
        return result.returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def postmaster_pid(self) -> int:
        return int((self.datadir / "postmaster.pid").read_text().splitlines()[0])


class PrivateReplica(PrivatePostgres):
    """A streaming replica of a private primary: `pg_basebackup -R` of it into `base/replica`,
    its own port, replaying the primary's WAL as a hot standby (read-only)."""

    def __init__(self, base: Path) -> None:
        super().__init__(base, name="replica")

    def init_from(self, primary: PrivatePostgres) -> PrivateReplica:
        self._run(
            str(self.bindir / "pg_basebackup"),
            "--host",
            HOST,
            "--port",
            str(primary.port),
            "--username",
            "postgres",
            "--pgdata",
            str(self.datadir),
            "--wal-method",
            "stream",
            "--checkpoint",
            "fast",
            # -R: standby.signal and primary_conninfo, so it starts as the primary's replica.
            "--write-recovery-conf",
            "--no-sync",
        )
        # Later lines win over the primary's copied settings (its port and socket directory).
        self._configure(
            [
                f"port = {self.port}",
                f"listen_addresses = '{HOST}'",
                f"unix_socket_directories = '{self.datadir}'",
                "hot_standby = on",
            ]
        )
        return self

    def replay_paused(self, paused: bool) -> None:
        """Pause or resume replaying the primary's WAL (it keeps receiving it: the lag grows)."""
        import psycopg

        function = "pg_wal_replay_pause" if paused else "pg_wal_replay_resume"
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"SELECT {function}()")


class PrivateRedis:
    """A redis-server of the test run's own on a free port: no persistence, so a restart loses
    every queued message (the drills' worst case)."""

    def __init__(self, base: Path) -> None:
        self.port = free_port(avoid=environment_ports())
        self.directory = base / "redis"
        self.directory.mkdir(exist_ok=True)
        (self.directory / "port").write_text(str(self.port))
        self.logfile = base / "redis.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        args = ["redis-server", "--bind", HOST, "--port", str(self.port)]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        args += ["--logfile", str(self.logfile), "--daemonize", "no"]
        args += ["--pidfile", str(self.directory / "redis.pid")]
        self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        _wait(self.ping, timeout=30, what="the private Redis to answer")

    def stop(self) -> None:
        """Stop this server: the process this object started, nothing found by port or name."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host=HOST, port=self.port, socket_timeout=2).ping())
        except redis.RedisError:
            return False

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"


# THE RUN'S PRIVATE SERVERS (started by tests/services/conftest.py)
# ------------------------------------------------------------------------------
@dataclass
class Servers:
    postgres: PrivatePostgres
    redis: PrivateRedis
    base: Path


_active: Servers | None = None


PREFIX = "cartography-services-"
OWNER = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_leftovers() -> None:
    """Stop the servers of an earlier run that was killed before it could (its test process is
    gone), and remove their directory. Only directories this module made are looked at: they
    carry the owner's pid, and only the PostgreSQL of that data directory and the Redis whose
    pid file is there are stopped."""
    for base in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            owner = int((base / OWNER).read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        with contextlib.suppress(OSError, ValueError, ProcessLookupError):
            pid = int((base / "redis" / "redis.pid").read_text())
            port = int((base / "redis" / "port").read_text())
            # The pid could have been reused since: kill only a redis-server on that run's port.
            if port not in MACHINE_PORTS | environment_ports() and (
                f"redis-server {HOST}:{port}".encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
            ):
                os.kill(pid, signal.SIGKILL)
        for name in ("replica", "postgres"):
            if (base / name / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError):
                    PrivatePostgres(base, name=name).stop(mode="immediate")
        shutil.rmtree(base, ignore_errors=True)


def start_servers() -> Servers:
    global _active
    sweep_leftovers()
    base = Path(tempfile.mkdtemp(prefix=PREFIX))
    (base / OWNER).write_text(str(os.getpid()))
    postgres = PrivatePostgres(base)
    redis = PrivateRedis(base)
    try:
        postgres.init().start()
        redis.start()
    except BaseException:
        stop_servers(Servers(postgres, redis, base))
        raise
    _active = Servers(postgres, redis, base)
    return _active


def stop_servers(servers: Servers) -> None:
    global _active
    try:
        servers.redis.stop()
        replica = PrivateReplica(servers.base)
        if replica.running():
            with contextlib.suppress(RuntimeError):
                replica.stop(mode="immediate")
        if servers.postgres.running():
            with contextlib.suppress(RuntimeError):
                servers.postgres.stop()
    finally:
        shutil.rmtree(servers.base, ignore_errors=True)
        _active = None


def active() -> Servers:
    """The running private servers; anything that would otherwise fall back on the machine's
    services (a worker's broker, a server's database) fails here instead."""
    if _active is None:
        raise RuntimeError(
            "No private PostgreSQL and Redis are running: only the service tests "
            "(tests/services/, `pytest -m services`) start worker processes and servers."
        )
    return _active


# THE MACHINE'S SERVICES, READ ONLY
# ------------------------------------------------------------------------------
def machine_services(*, database_url: str, broker_url: str) -> dict[str, Any]:
    """Who serves `database_url` and `broker_url` (what DATABASE_URL and CELERY_BROKER_URL named
    when the run began) right now: the PostgreSQL postmaster (its start time, and its process id
    when its postmaster.pid is readable) and the Redis server (its process id and its run id,
    which changes at every start). Read only: one query and INFO."""
    import psycopg
    import redis

    found: dict[str, Any] = {}
    if database_url.startswith(("postgres://", "postgresql://")):
        with psycopg.connect(database_url, connect_timeout=5, autocommit=True) as conn:
            started, data_directory, port = conn.execute(
                "SELECT pg_postmaster_start_time(), current_setting('data_directory'), "
                "current_setting('port')"
            ).fetchone()
        pid = None
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(Path(data_directory, "postmaster.pid").read_text().splitlines()[0])
        found["postgres"] = {"started": started.isoformat(), "pid": pid, "port": int(port)}
    if broker_url.startswith("redis://"):
        info = redis.Redis.from_url(broker_url, socket_timeout=5).info("server")
        found["redis"] = {
            "pid": info["process_id"],
            "run_id": info["run_id"],
            "port": info["tcp_port"],
        }
    return found
