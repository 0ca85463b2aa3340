"""What an unclean stop leaves in the embedded server's folder is cleared before the next start, or named."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reciprocal.db.embedded import HANDLES_FILE, LOCK_FILE, EmbeddedServerError, clear_leftovers


def exited_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def lock_file(pid: int, data_dir: Path) -> str:
    """postmaster.pid as a started server writes it."""
    return f"{pid}\n{data_dir}\n1796210735\n5432\n{data_dir}\n\n  2155041         9\nready   \n"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "postgres"
    folder.mkdir()
    (folder / "PG_VERSION").write_text("18\n")
    return folder


@pytest.fixture
def a_postgres_in(data_dir: Path, tmp_path: Path) -> Iterator[int]:
    """A process named postgres working in the folder, as every process of a server there does."""
    postgres = tmp_path / "bin" / "postgres"
    postgres.parent.mkdir()
    postgres.symlink_to(shutil.which("sleep") or "/bin/sleep")
    process = subprocess.Popen([str(postgres), "60"], cwd=data_dir)
    yield process.pid
    process.kill()
    process.wait()


def test_processes_that_exited_are_struck_off_the_servers_users(data_dir: Path) -> None:
    # Else the server would wait for them forever, and no later run would ever stop it.
    (data_dir / HANDLES_FILE).write_text(json.dumps([exited_pid(), os.getpid()]))
    clear_leftovers(data_dir)
    assert json.loads((data_dir / HANDLES_FILE).read_text()) == [os.getpid()]


def test_a_lock_file_naming_some_other_live_program_is_removed(data_dir: Path) -> None:
    # A pid reused since the server died: the package would "reuse" it, and PostgreSQL refuse to start.
    (data_dir / LOCK_FILE).write_text(lock_file(os.getpid(), data_dir))
    (data_dir / ".s.PGSQL.5432.lock").write_text(f"{os.getpid()}\n{data_dir}\n")
    clear_leftovers(data_dir)
    assert not (data_dir / LOCK_FILE).exists()
    assert not (data_dir / ".s.PGSQL.5432.lock").exists()


@pytest.mark.parametrize("content", ["", "12345678\n", "not a pid\n"])
def test_a_lock_file_cut_short_is_removed(data_dir: Path, content: str) -> None:
    (data_dir / LOCK_FILE).write_text(content.replace("12345678", str(exited_pid())))
    clear_leftovers(data_dir)
    assert not (data_dir / LOCK_FILE).exists()


def test_a_whole_lock_file_naming_an_exited_server_is_left_to_postgresql(data_dir: Path) -> None:
    # PostgreSQL checks it (and the shared memory it names) and replaces it itself.
    (data_dir / LOCK_FILE).write_text(lock_file(exited_pid(), data_dir))
    clear_leftovers(data_dir)
    assert (data_dir / LOCK_FILE).exists()


def test_the_running_servers_lock_file_is_left_alone(data_dir: Path, a_postgres_in: int) -> None:
    (data_dir / LOCK_FILE).write_text(lock_file(a_postgres_in, data_dir))
    clear_leftovers(data_dir)
    assert (data_dir / LOCK_FILE).read_text() == lock_file(a_postgres_in, data_dir)


@pytest.mark.parametrize("lock", [True, False])
def test_processes_of_an_earlier_server_still_in_the_folder_are_named(
    data_dir: Path, a_postgres_in: int, *, lock: bool
) -> None:
    if lock:
        (data_dir / LOCK_FILE).write_text(lock_file(exited_pid(), data_dir))
    with pytest.raises(EmbeddedServerError) as refused:
        clear_leftovers(data_dir)
    assert f"still using {data_dir} (pids {a_postgres_in})" in str(refused.value)
    assert "`kill PID`" in str(refused.value)
    assert (data_dir / LOCK_FILE).exists() is lock
