"""A dbt node that runs out of memory is retried once, in a fresh DuckDB instance.

At a 2GB limit a gold aggregate of the 10M benchmark sometimes ran out of memory with the
buffer pool full of blocks earlier models had left, and built in a new process. The fixture
project (``oom_retry_project``) makes that deterministic with real dbt and DuckDB: one model
leaves state in the instance that makes a later one run out of memory there, and only there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medallion.settings import WAREHOUSE_ENV
from medallion.transform import DbtOutcome, dbt_build

PROJECT = Path(__file__).parent / "oom_retry_project"
NEEDS_MEMORY = "model.oom_retry_fixture.needs_memory"
AFTER = "model.oom_retry_fixture.after_needs_memory"


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "fixture.duckdb"
    # dbt_build points the environment at the warehouse; monkeypatch restores it afterwards.
    monkeypatch.setenv(WAREHOUSE_ENV, str(path))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    return path


def statuses(outcome: DbtOutcome) -> dict[str, str]:
    return {node.unique_id: node.status for node in outcome.nodes}


def test_a_model_out_of_memory_is_built_by_the_retry(warehouse: Path) -> None:
    outcome = dbt_build(warehouse, ["--exclude", "broken"], PROJECT)

    assert outcome.success, outcome.failed
    assert set(outcome.retried) == {NEEDS_MEMORY, AFTER}
    assert statuses(outcome) == {
        "model.oom_retry_fixture.leaves_state": "success",
        NEEDS_MEMORY: "success",
        AFTER: "success",
    }


def test_without_the_state_nothing_is_retried(warehouse: Path) -> None:
    outcome = dbt_build(warehouse, ["--select", "needs_memory", "after_needs_memory"], PROJECT)

    assert outcome.success and outcome.retried == ()


def test_other_errors_are_not_retried(warehouse: Path) -> None:
    outcome = dbt_build(warehouse, ["--select", "broken"], PROJECT)

    assert not outcome.success and outcome.retried == ()
    assert [node.name for node in outcome.failed] == ["broken"]
