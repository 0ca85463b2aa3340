"""`reciprocal demo` as a process: stopped by SIGTERM it stops its worker and its embedded PostgreSQL too,
and a start after an unclean stop takes over the server left running and stops it in turn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from support import free_port

RECIPROCAL = Path(sys.executable).parent / "reciprocal"
STARTUP_S = 120  # a first start runs initdb, migrates and loads both schemes and the demo referrals


def postmaster_pid(data_dir: Path) -> int | None:
    try:
        first = (data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
    except FileNotFoundError:
        return None
    return int(first) if first.strip().isdigit() else None


def gone(pid: int, within_s: float = 5.0) -> bool:
    """The process has exited (a zombie waiting to be reaped by init counts as exited)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


class Demo:
    """One `reciprocal demo` process on free ports, with the embedded server's data in `data_dir`."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DATABASE_", "RECIPROCAL_", "SMTP_")) and name not in {"HOST", "PORT"}
        }
        env |= {
            "RECIPROCAL_EMBEDDED_DIR": str(data_dir),
            "PORT": str(self.port),
            "RECIPROCAL_DEMO_OIDC_PORT": str(free_port()),
            "RECIPROCAL_SECRET_KEY": "demo-process-test-secret-key-long-enough",
            "RECIPROCAL_LOG_FORMAT": "json",
        }
        self.log = log
        with log.open("ab") as out:
            # Its own session: no signal meant for the test run reaches it, and it reaches nothing else.
            self.process = subprocess.Popen(
                [str(RECIPROCAL), "demo"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"reciprocal demo exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"reciprocal demo did not answer /healthz in {STARTUP_S} s:\n{self.log.read_text()}")

    def stop(self, sig: signal.Signals, within_s: float = 30) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            pytest.fail(f"reciprocal demo did not exit within {within_s} s of {sig.name}:\n{self.log.read_text()}")


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """An embedded server's folder of its own; whatever the test leaves running in it is stopped afterwards."""
    folder = tmp_path / "postgres"
    yield folder
    pid = postmaster_pid(folder)
    if pid is not None and not gone(pid, within_s=0):
        os.kill(pid, signal.SIGQUIT)  # PostgreSQL's immediate shutdown: only a failed test gets here
        gone(pid)


def test_sigterm_stops_the_web_server_its_worker_and_the_embedded_postgresql(data_dir: Path, tmp_path: Path) -> None:
    demo = Demo(data_dir, tmp_path / "demo.log")
    demo.wait_until_serving()
    assert '"event": "worker.started"' in demo.log.read_text()  # one command starts everything
    # The demo's referrals were handed on as they were made, and one has waited weeks for its approval: their
    # emails, a reminder among them, appear in the console within seconds.
    deadline = time.monotonic() + 15
    while ": Reminder: referral " not in demo.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "--- email to " in demo.log.read_text()
    assert ": Reminder: referral " in demo.log.read_text()
    postmaster = postmaster_pid(data_dir)
    assert postmaster is not None

    # Exit status 0: a stop asked for and completed is not a failure (README, "Stopping the demo").
    assert demo.stop(signal.SIGTERM) == 0, demo.log.read_text()
    assert gone(postmaster), f"the embedded PostgreSQL (pid {postmaster}) is still running"
    assert not (data_dir / "postmaster.pid").exists()
    assert "Reciprocal has stopped." in demo.log.read_text()
    assert '"event": "worker.stopped"' in demo.log.read_text()


def test_a_start_after_a_kill_takes_over_the_server_left_running_and_stops_it(data_dir: Path, tmp_path: Path) -> None:
    killed = Demo(data_dir, tmp_path / "killed.log")
    killed.wait_until_serving()
    postmaster = postmaster_pid(data_dir)
    assert postmaster is not None
    assert killed.stop(signal.SIGKILL) == -signal.SIGKILL
    # Nothing can stop the server for a process killed outright: it keeps running, and is reused.
    assert not gone(postmaster, within_s=0.5)

    again = Demo(data_dir, tmp_path / "again.log")
    again.wait_until_serving()
    assert postmaster_pid(data_dir) == postmaster
    assert again.stop(signal.SIGTERM) == 0, again.log.read_text()
    assert gone(postmaster), f"the embedded PostgreSQL (pid {postmaster}) is still running"
    assert not (data_dir / "postmaster.pid").exists()
