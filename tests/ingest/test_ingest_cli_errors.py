"""The ingest's one-line errors and exit codes."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_cli


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def write_customers(landing: Path) -> Path:
    path = landing / "date=2020-01-01/hour=00/customers.json.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(b'{"id": "000001"}\n'))
    return path


def test_missing_landing_root(tmp_path: Path) -> None:
    result = run_cli(
        "ingest",
        "--landing",
        str(tmp_path / "absent"),
        warehouse=tmp_path / "wh.duckdb",
        check=False,
    )
    assert result.returncode == 1
    assert "does not exist" in one_line_error(result.stderr)


def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_customers(landing)
    broken = landing / "date=2020-01-01/hour=00/products.json.gz"
    broken.symlink_to(tmp_path / "gone.json.gz")  # root reads anything; a dangling link it cannot
    result = run_cli(
        "ingest", "--landing", str(landing), warehouse=tmp_path / "wh.duckdb", check=False
    )
    assert result.returncode == 1
    message = one_line_error(result.stderr)
    assert "date=2020-01-01/hour=00/products.json.gz" in message and "cannot be read" in message


def test_locked_warehouse_exits_75_and_changes_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_customers(landing)
    warehouse = tmp_path / "wh.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
            " time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = run_cli("ingest", "--landing", str(landing), warehouse=warehouse, check=False)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 75
    assert "in use by another process" in one_line_error(result.stderr)
    assert not (tmp_path / "wh.dlt").exists()
