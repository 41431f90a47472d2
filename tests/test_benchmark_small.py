"""The end-to-end benchmark, small: every step runs for real and the figures are written.

The benchmark itself (benchmarks/end_to_end.py at ~10M lines) is not part of CI; this runs
the same script on a few thousand lines, so a change that breaks a step (full run, hour
refresh, no-op refresh, erasure refresh) or the report fails here. No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_DIR


def test_end_to_end_benchmark_runs_small(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    result = subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "benchmarks" / "end_to_end.py"),
            "--transactions",
            "3000",
            "--days",
            "2",
            "--erasures",
            "10",
            "--work",
            str(tmp_path / "work"),
            "--json",
            str(figures),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(figures.read_text())
    steps = {step["name"]: step for step in report["steps"]}
    assert list(steps) == [
        "read_json baseline",
        "full_run",
        "hour_refresh",
        "noop_refresh",
        "erasure_refresh",
    ]
    assert steps["full_run"]["status"] == "success"
    assert steps["erasure_refresh"]["status"] == "success"
    assert all(step["seconds"] > 0 and step["peak_rss_mb"] > 0 for step in steps.values())
    # The process tree is sampled for every medallion step (not for the baseline's child).
    assert all(steps[name]["peak_tree_mb"] > 0 for name in list(steps)[1:])
    assert steps["full_run"]["warehouse_mb"] > 0
    assert report["erasures"] == 10
    assert report["erased_customers"] >= 10
    assert set(report["ratios"]) == {
        "full_run / read_json",
        "hour_refresh / full_run",
        "noop_refresh / full_run",
        "erasure_refresh / full_run",
    }
    assert "| erasure_refresh |" in result.stdout
