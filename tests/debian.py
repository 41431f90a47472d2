"""Debian packages some tests need (kcat, chromium), installed on demand when running as root.

CI runs on a fresh machine with nothing but Python and make: the tests install what they
use, once per session, rather than .ci/run doing anything but call `make test`.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

APT_TIMEOUT_SECONDS = 900


def apt_install(package: str) -> None:
    """``apt-get install -y PACKAGE`` (after one ``apt-get update``), when root and on Debian."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", package],
    ):
        subprocess.run(
            command, env=env, capture_output=True, timeout=APT_TIMEOUT_SECONDS, check=False
        )


def require_command(command: str, package: str) -> str:
    """The path of ``command``, installing ``package`` if needed; skip locally, fail in CI."""
    found = shutil.which(command)
    if found is None:
        apt_install(package)
        found = shutil.which(command)
    if found is None:
        message = f"{command} is needed (Debian: apt-get install {package})"
        if os.environ.get("CI"):
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    return found
