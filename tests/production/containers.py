"""Images built as `make image` builds them, and commands run in them.

podman runs no containers in these VMs, so `buildah run --isolation chroot` runs the commands in the built image
(host network: a server in it listens on loopback).
"""

from __future__ import annotations

import os
import subprocess

from production.conftest import require_tools
from reciprocal.settings import REPO_ROOT

BUILD_S = 1200
"""The first build makes the Debian base (mmdebstrap) and downloads the dependencies; later ones take seconds."""


def build(target: str, image: str) -> str:
    """Build `target` (service or pgbouncer) with infra/image/build under the name `image`."""
    require_tools("podman", "buildah", "mmdebstrap")
    built = subprocess.run(
        [str(REPO_ROOT / "infra" / "image" / "build"), target],
        env={**os.environ, "IMAGE": image},
        capture_output=True,
        text=True,
        timeout=BUILD_S,
        check=False,
    )
    assert built.returncode == 0, f"infra/image/build {target} failed:\n{built.stderr[-4000:]}"
    return image


class Container:
    """A working container of an image: commands run in it as the image's user, in its working directory."""

    def __init__(self, image: str) -> None:
        self.id = buildah("from", "--pull=never", image).strip()

    def command(
        self, *argv: str, env: dict[str, str] | None = None, volumes: dict[str, str] | None = None
    ) -> list[str]:
        flags = [f"--env={name}={value}" for name, value in (env or {}).items()]
        flags += [f"--volume={outside}:{inside}:ro" for outside, inside in (volumes or {}).items()]
        return ["buildah", "run", "--isolation", "chroot", *flags, self.id, "--", *argv]

    def run(self, *argv: str, env: dict[str, str] | None = None, timeout: float = 120) -> str:
        done = subprocess.run(
            self.command(*argv, env=env), capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, f"{' '.join(argv)} failed in the image ({done.returncode}):\n{done.stderr}"
        return done.stdout

    def remove(self) -> None:
        buildah("rm", self.id)


def buildah(*argv: str) -> str:
    return subprocess.run(["buildah", *argv], capture_output=True, text=True, check=True, timeout=60).stdout
