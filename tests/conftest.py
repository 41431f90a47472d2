"""Shared fixtures: the project's paths, the real dataset, isolated warehouses."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
REAL_DATASET = PROJECT_DIR.parent / "shared" / "datasets" / "gdpr-challenge"
MEDALLION = [sys.executable, "-m", "medallion.cli"]


@pytest.fixture(scope="session")
def real_dataset() -> Path:
    """The real public dataset beside the repo; CI must have it, a laptop may not."""
    if not REAL_DATASET.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the real dataset at {REAL_DATASET}")
        pytest.skip(f"real dataset not found at {REAL_DATASET}")
    return REAL_DATASET


def query_warehouse(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on a read-only connection to ``warehouse``."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A temporary folder of the test module's own, for its module-scoped fixtures."""
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="module")
def project(root: Path) -> Path:
    """A copy of the project for the module's runs: its code stays the same while they run,
    whatever happens to the checkout."""
    from tests.gold.helpers import copy_project  # here: that module imports this one

    return copy_project(root / "project")


@pytest.fixture()
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh warehouse file for one test, exported as MEDALLION_WAREHOUSE."""
    path = tmp_path / "warehouse" / "medallion.duckdb"
    monkeypatch.setenv("MEDALLION_WAREHOUSE", str(path))
    monkeypatch.setenv("MEDALLION_ERASURE_SALT", "test-salt")
    yield path


def run_cli(*args: str, warehouse: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real ``medallion`` command in a subprocess against ``warehouse``."""
    env = {
        **os.environ,
        "MEDALLION_WAREHOUSE": str(warehouse),
        # Run records go beside the test's warehouse unless a test chooses otherwise.
        "MEDALLION_REPORTS_DIR": os.environ.get(
            "MEDALLION_REPORTS_DIR", str(warehouse.parent / "reports")
        ),
        "MEDALLION_ERASURE_SALT": os.environ.get("MEDALLION_ERASURE_SALT", "test-salt"),
        "COLUMNS": "200",
    }
    result = subprocess.run(
        [*MEDALLION, *args], capture_output=True, text=True, env=env, cwd=PROJECT_DIR, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"medallion {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result
