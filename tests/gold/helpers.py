"""Build a warehouse for the gold tests: the real ``medallion ingest``, then ``dbt build``.

dbt writes its target/ and logs/ into the test's folder (DBT_TARGET_PATH, DBT_LOG_PATH), so
tests never touch the repository's own and can read the run's manifest and run results.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT_DIR, query_warehouse, run_cli

DBT = Path(sys.executable).parent / "dbt"
SALT = "test-salt"
# What a copy of the dbt project leaves out (environments, build output, data, caches).
PROJECT_COPY_IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "target",
    "logs",
    "warehouse",
    "data",
    "reports",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
)


@dataclass(frozen=True)
class Build:
    """A warehouse built by ``medallion ingest`` + ``dbt build``, and dbt's output."""

    warehouse: Path
    target: Path
    returncode: int
    output: str

    def run_results(self) -> dict[str, Any]:
        """dbt's run_results.json of the build."""
        return dict(json.loads((self.target / "run_results.json").read_text()))

    def node_statuses(self) -> dict[str, str]:
        """Status of every node of the build by unique_id (success, error, skipped, pass, ...)."""
        return {row["unique_id"]: row["status"] for row in self.run_results()["results"]}

    def manifest(self) -> dict[str, Any]:
        """dbt's manifest.json of the build."""
        return dict(json.loads((self.target / "manifest.json").read_text()))

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` on a read-only connection."""
        return query_warehouse(self.warehouse, sql)

    def scalar(self, sql: str) -> Any:
        """The single value of ``sql``."""
        return self.query(sql)[0][0]


def dbt_env(warehouse: Path, workdir: Path) -> dict[str, str]:
    """Environment for a dbt run against ``warehouse`` with its output in ``workdir``."""
    return {
        **os.environ,
        "MEDALLION_WAREHOUSE": str(warehouse),
        "MEDALLION_ERASURE_SALT": SALT,
        "DBT_TARGET_PATH": str(workdir / "target"),
        "DBT_LOG_PATH": str(workdir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt(
    *args: str, warehouse: Path, workdir: Path, project_dir: Path = PROJECT_DIR
) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` on ``project_dir`` against ``warehouse``; never raises for dbt errors."""
    return subprocess.run(
        [str(DBT), *args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)],
        capture_output=True,
        text=True,
        env=dbt_env(warehouse, workdir),
        cwd=project_dir,
        check=False,
    )


def build_warehouse(
    landing: Path, workdir: Path, project_dir: Path = PROJECT_DIR, check: bool = True
) -> Build:
    """Ingest ``landing`` into a fresh warehouse in ``workdir`` and ``dbt build`` it."""
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "warehouse" / "medallion.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    result = run_dbt("build", warehouse=warehouse, workdir=workdir, project_dir=project_dir)
    build = Build(warehouse, workdir / "target", result.returncode, result.stdout + result.stderr)
    if check and result.returncode != 0:
        raise AssertionError(f"dbt build failed ({result.returncode}):\n{build.output[-6000:]}")
    return build


def demo_landing(
    folder: Path, transactions: int = 1500, days: int = 3, seed: int | None = None
) -> Path:
    """A generated landing zone (``medallion demo``; seeded, bad input included); ``seed``
    None keeps the generator's default seed."""
    run_cli(
        "demo",
        "--out",
        str(folder),
        "--days",
        str(days),
        "--transactions",
        str(transactions),
        *(["--seed", str(seed)] if seed is not None else []),
        warehouse=folder.parent / "unused.duckdb",
    )
    return folder


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project (models, macros, tests, ...) without environments or data."""
    shutil.copytree(PROJECT_DIR, destination, ignore=PROJECT_COPY_IGNORE)
    return destination
