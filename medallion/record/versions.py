"""Versions of what ran: medallion, its git commit (when there is one), Python and the engines."""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from medallion import __version__

DISTRIBUTIONS = {
    "dbt_core": "dbt-core",
    "dbt_duckdb": "dbt-duckdb",
    "dlt": "dlt",
    "duckdb": "duckdb",
}
GIT_TIMEOUT_SECONDS = 5


def _distribution_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def git_commit(project_dir: Path) -> str | None:
    """The checked-out commit of ``project_dir``, or None outside a git work tree (or no git)."""
    git = shutil.which("git")
    if git is None or not (project_dir / ".git").exists():
        return None
    try:
        completed = subprocess.run(
            [git, "-C", str(project_dir), "rev-parse", "--verify", "HEAD"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and commit else None


def versions(project_dir: Path) -> dict[str, str | None]:
    """medallion, git commit (None when unknown), python, dbt-core, dbt-duckdb, dlt, duckdb,
    platform."""
    found: dict[str, str | None] = {
        "medallion": __version__,
        "git_commit": git_commit(project_dir),
        "python": sys.version.split()[0],
    }
    for key, distribution in DISTRIBUTIONS.items():
        found[key] = _distribution_version(distribution)
    found["platform"] = platform.platform()
    return found
