"""Two commands on one warehouse: the second exits at once with 75 and touches nothing."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from medallion.lock import lock_file
from tests.conftest import MEDALLION, PROJECT_DIR, run_cli


def test_second_run_exits_75_while_the_first_holds_the_warehouse(
    real_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "warehouse" / "medallion.duckdb"
    monkeypatch.setenv("MEDALLION_REPORTS_DIR", str(tmp_path / "reports"))  # both commands
    env = {
        **os.environ,
        "MEDALLION_WAREHOUSE": str(warehouse),
        "MEDALLION_REPORTS_DIR": str(tmp_path / "reports"),
        "MEDALLION_ERASURE_SALT": "test-salt",
    }
    first = subprocess.Popen(
        [*MEDALLION, "run", "--landing", str(real_dataset)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (lock_file(warehouse).exists() and lock_file(warehouse).read_text().strip()):
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.05)
        started = time.monotonic()
        second = run_cli("run", "--landing", str(real_dataset), warehouse=warehouse, check=False)
        waited = time.monotonic() - started
    finally:
        out, err = first.communicate(timeout=600)
    assert second.returncode == 75, second.stderr
    assert "in use by another process" in second.stderr and "Traceback" not in second.stderr
    assert waited < 15  # at once: interpreter start-up, no waiting for the first run
    assert first.returncode == 0, f"{out}\n{err}"
    assert "status: success" in out
    # Only the first run left a record, and its warehouse is whole.
    assert len(list((tmp_path / "reports" / "runs").glob("*/metadata.yaml"))) == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from silver.slv_transactions").fetchone() == (10_000,)
