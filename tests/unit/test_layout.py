"""The repository's shape: role folders are not packages, so nothing shadows the standard library."""

from __future__ import annotations

import subprocess
import sys

from reciprocal.settings import REPO_ROOT


def test_role_folders_hold_no_init_file() -> None:
    for folder in ("platform", "web", "tenants", "infra"):
        assert (REPO_ROOT / folder).is_dir(), folder
        assert not (REPO_ROOT / folder / "__init__.py").exists(), folder


def test_import_platform_from_the_repo_root_is_the_standard_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import platform, uuid, asyncio; print(platform.python_implementation())"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "CPython"
