"""Fixtures for the production shape: the tools an operator's machine has (podman, PgBouncer) and a PostgreSQL
reached over loopback TCP, as a container or a pooler reaches it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL

from tcp_proxy import TcpProxy


def require_tools(*names: str) -> None:
    """Skip, saying what to install, where a tool is missing; fail instead under REQUIRE_PRODUCTION=1 (CI)."""
    missing = [name for name in names if shutil.which(name) is None]
    if not missing:
        return
    install = f"apt-get install -y {' '.join(missing)}"
    if os.environ.get("REQUIRE_PRODUCTION") == "1":
        pytest.fail(f"REQUIRE_PRODUCTION=1 but {', '.join(missing)} is missing: {install}")
    pytest.skip(f"{', '.join(missing)} is not on this machine ({install}); set REQUIRE_PRODUCTION=1 to fail")


@pytest.fixture(scope="session")
def loopback_admin_url(admin_url: URL) -> Iterator[URL]:
    """The test server's superuser address on 127.0.0.1: as it is when TEST_DATABASE_URL is TCP, else through a
    relay to the embedded server's socket (which is in a folder only its own user may enter)."""
    if admin_url.host:
        yield admin_url
        return
    relay = TcpProxy(admin_url)
    relay.start()
    try:
        yield relay.url
    finally:
        relay.stop()


STARTUP_S = 30


def wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    """Return once something listens on `port`; fail with its output if `process`, which should, exits first."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"the process on {port} exited {process.returncode}:\n{stderr[-4000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"nothing listened on {port} within {STARTUP_S} s")
