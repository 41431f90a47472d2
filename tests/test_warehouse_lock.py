"""Two commands on one warehouse: the second exits at once with 75 and touches nothing.

(Two refreshes started at the same moment: tests/refresh/test_refresh_kill.py.)
"""

from __future__ import annotations

import json
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
        started = time.monotonic()
        refresh = run_cli(
            "--log-format",
            "json",
            "refresh",
            "--landing",
            str(real_dataset),
            warehouse=warehouse,
            check=False,
        )
        refresh_waited = time.monotonic() - started
        still_running = first.poll() is None
    finally:
        out, err = first.communicate(timeout=600)
    assert second.returncode == 75, second.stderr
    assert "in use by another process" in second.stderr and "Traceback" not in second.stderr
    assert waited < 15  # at once: interpreter start-up, no waiting for the first run
    # A refresh (JSON logs) meanwhile: exit 75 at once, one JSON line naming the holder.
    assert still_running, "the first run ended before the refresh was tried"
    assert refresh.returncode == 75 and refresh.stdout == "", refresh.stderr
    (line,) = [json.loads(text) for text in refresh.stderr.splitlines()]
    assert line["level"] == "error" and line["exit_code"] == 75
    assert f"(medallion pid {first.pid})" in line["message"]
    assert f"(holder: medallion run --landing {real_dataset})" in line["message"]
    assert refresh_waited < 15
    assert first.returncode == 0, f"{out}\n{err}"
    assert "status: success" in out
    # Only the first run left a record, and its warehouse is whole.
    assert len(list((tmp_path / "reports" / "runs").glob("*/metadata.yaml"))) == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from silver.slv_transactions").fetchone() == (10_000,)
