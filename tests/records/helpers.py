"""Run the real ``medallion`` command for the run-record tests, and read what it wrote."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from medallion.record.schema import schema_errors
from tests.conftest import PROJECT_DIR, query_warehouse

SALT = "test-salt"
OUTPUT_DIR = PROJECT_DIR / "test-output" / "records"


@dataclass(frozen=True)
class Run:
    """One ``medallion run``: its folders, exit code, output and the record it wrote."""

    warehouse: Path
    reports: Path
    workdir: Path
    returncode: int
    output: str

    @property
    def metadata_path(self) -> Path:
        """The metadata.yaml the run printed."""
        for line in self.output.splitlines():
            if line.startswith("run record: "):
                return Path(line.removeprefix("run record: ").strip())
        raise AssertionError(f"the run printed no record path:\n{self.output[-4000:]}")

    @property
    def folder(self) -> Path:
        """The run's folder under reports/runs/."""
        return self.metadata_path.parent

    def record(self) -> dict[str, Any]:
        """The run's metadata.yaml, checked against the JSON Schema."""
        record = yaml.safe_load(self.metadata_path.read_text(encoding="utf-8"))
        assert isinstance(record, dict)
        assert schema_errors(record) == [], schema_errors(record)
        return record

    def report_html(self) -> str:
        """The run's report.html."""
        return (self.folder / "report.html").read_text(encoding="utf-8")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` on a read-only connection to the run's warehouse."""
        return query_warehouse(self.warehouse, sql)

    def scalar(self, sql: str) -> Any:
        """The single value of ``sql``."""
        return self.query(sql)[0][0]


def environment(warehouse: Path, reports: Path, workdir: Path) -> dict[str, str]:
    """The environment of a run: its warehouse, reports root, and dbt's output in ``workdir``."""
    return {
        **os.environ,
        "MEDALLION_WAREHOUSE": str(warehouse),
        "MEDALLION_ERASURE_SALT": SALT,
        "MEDALLION_REPORTS_DIR": str(reports),
        "DBT_TARGET_PATH": str(workdir / "target"),
        "DBT_LOG_PATH": str(workdir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "COLUMNS": "250",
    }


def medallion(
    *args: str,
    warehouse: Path,
    reports: Path,
    workdir: Path,
    project_dir: Path = PROJECT_DIR,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """``medallion <args>`` in a subprocess, with the code of ``project_dir`` (a copy or the
    repository: ``python -m`` imports from the working directory first)."""
    return subprocess.run(
        [sys.executable, "-m", "medallion.cli", *args],
        capture_output=True,
        text=True,
        env=environment(warehouse, reports, workdir),
        cwd=project_dir,
        timeout=timeout,
        check=False,
    )


def run_medallion(
    landing: Path,
    workdir: Path,
    reports: Path | None = None,
    project_dir: Path = PROJECT_DIR,
    command: str = "run",
) -> Run:
    """``medallion run --landing <landing>`` into a fresh warehouse in ``workdir``."""
    warehouse = workdir / "warehouse" / "medallion.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    reports = reports or workdir / "reports"
    completed = medallion(
        command,
        "--landing",
        str(landing),
        warehouse=warehouse,
        reports=reports,
        workdir=workdir,
        project_dir=project_dir,
    )
    return Run(
        warehouse, reports, workdir, completed.returncode, completed.stdout + completed.stderr
    )


def sha256_of(path: Path) -> str:
    """SHA-256 hex of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def output_dir(name: str) -> Path:
    """A folder under test-output/records/ (gitignored) for screenshots and pages to look at."""
    folder = OUTPUT_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
