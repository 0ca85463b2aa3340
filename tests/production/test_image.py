"""The image as an operator runs it: built by `make image`'s script, then bootstrap, migrate, load a scheme and
serve from it against a PostgreSQL on loopback. The server inside is not root, its health check passes, and the
final stage holds none of the build's tools.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy.engine import URL

from production.containers import Container, build, buildah
from reciprocal.db.bootstrap import role_urls
from reciprocal.settings import REPO_ROOT
from support import drop_database, free_port

pytestmark = pytest.mark.image

IMAGE = os.environ.get("IMAGE", "reciprocal:latest")
STARTUP_S = 60


def _url(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def image() -> str:
    return build("service", IMAGE)


@pytest.fixture
def container(image: str) -> Iterator[Container]:
    box = Container(image)
    try:
        yield box
    finally:
        box.remove()


@pytest.fixture
async def empty_database(loopback_admin_url: URL) -> AsyncIterator[dict[str, str]]:
    """The environment for a fresh, empty database on the loopback server: what an operator sets (not the
    suite's `database`, a migrated copy of the template)."""
    name = f"rc_image_{os.getpid()}"
    await drop_database(loopback_admin_url, name)
    owner, app = role_urls(loopback_admin_url, name)
    yield {
        "DATABASE_ADMIN_URL": _url(loopback_admin_url),
        "DATABASE_OWNER_URL": _url(owner),
        "DATABASE_URL": _url(app),
    }
    await drop_database(loopback_admin_url, name)


BUILD_ONLY = (
    "usr/bin/gcc",
    "usr/bin/cc",
    "usr/bin/make",
    "opt/uv",
    "root/.cache",
    "app/.venv/bin/uv",
    "app/.venv/bin/pip",
)
"""What the build stage had and the final stage must not: compilers, uv and pip, download caches."""


def test_the_final_stage_holds_no_build_tools_and_runs_as_a_user_of_its_own(container: Container) -> None:
    assert container.run("id", "-u").strip() == "10001"
    root = Path(buildah("mount", container.id).strip())
    try:
        assert [path for path in BUILD_ONLY if (root / path).exists()] == []
    finally:
        buildah("umount", container.id)
    # Every installed distribution is one uv.lock pins, at its version: nothing came from elsewhere.
    lock = (REPO_ROOT / "uv.lock").read_text()
    listing = container.run(
        "python3",
        "-c",
        "import importlib.metadata as m; print('\\n'.join(f'{d.name}=={d.version}' for d in m.distributions()))",
    )
    for line in filter(None, listing.splitlines()):
        name, version = line.split("==")
        canonical = name.lower().replace("_", "-").replace(".", "-")
        assert f'name = "{canonical}"\nversion = "{version}"' in lock, f"{line} is not what uv.lock pins"


def test_migrate_load_and_serve_from_the_image(container: Container, empty_database: dict[str, str]) -> None:
    port = free_port()
    env = {
        **empty_database,
        "RECIPROCAL_SECRET_KEY": "image-smoke-test-secret-key-long-enough-for-hkdf",
        "RECIPROCAL_BASE_URL": f"http://127.0.0.1:{port}",
        "SMTP_HOST": "127.0.0.1",
        "PORT": str(port),
    }
    assert "ready" in container.run("reciprocal", "bootstrap", env=env)
    container.run("reciprocal", "migrate", env=env)
    container.run("reciprocal", "tenant", "load", "tenants/pan-london", env=env)

    server = subprocess.Popen(
        container.command("reciprocal", "serve", env=env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        ready = _wait_ready(base, server)
        assert ready.json()["status"] == "ok"
        page = httpx.get(f"{base}/s/pan-london/criteria", timeout=10)
        assert page.status_code == 200
        assert "Pan London" in page.text

        owner = _listener_uid(port)
        assert owner != 0, "the web server in the image runs as root"

        # The image's own health check, as the container runtime runs it, against the running server.
        inspected = subprocess.run(
            ["podman", "image", "inspect", "--format", "{{json .HealthCheck}}", IMAGE],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        check = json.loads(inspected.stdout)
        assert check["Test"][0] == "CMD"
        container.run(*check["Test"][1:], env={"PORT": str(port)})
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        if server.stderr:
            server.stderr.close()


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            stderr = server.stderr.read().decode() if server.stderr else ""
            pytest.fail(f"reciprocal serve in the image exited {server.returncode}:\n{stderr[-4000:]}")
        try:
            response = httpx.get(f"{base}/readyz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.5)
            continue
        if response.status_code == 200:
            return response
        time.sleep(0.5)
    pytest.fail(f"/readyz did not answer 200 within {STARTUP_S} s")


def _listener_uid(port: int) -> int:
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid:
            return psutil.Process(connection.pid).uids().real
    pytest.fail(f"nothing listens on {port}")
