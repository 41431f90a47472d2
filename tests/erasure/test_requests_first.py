"""A first load applies its erasure requests before the lines they name.

On a warehouse no build has reached, ``medallion run`` loads the landed request files alone,
builds the subjects and applies them to the still small file (medallion/requests_first.py).
The ingest of the other files then writes the lines of those subjects already anonymized, so
the build needs no rewrite of the whole file.

A generated landing zone (200,000 transaction lines: enough that the ingest classifies
transactions in several batches, which must wait for the customers found erased by their
email) is built in two warehouses:
  * first: one run over the whole zone (requests first);
  * later: a run over the zone without its requests, then a run over the whole zone (the
    requests reach customers already in bronze: the finaliser rewrites the file).
Both must end with the same gold exports and the same erasure audit.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from tests.conftest import run_cli
from tests.gold.helpers import demo_landing

pytestmark = pytest.mark.slow

REQUEST_FILES = "erasure-requests.json*"


@dataclass(frozen=True)
class Built:
    """A warehouse and the run record of its last run."""

    warehouse: Path
    record: dict[str, Any]


def run(landing: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> Built:
    """``medallion run`` over ``landing`` into the warehouse under ``root``."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(root / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(root / "logs"))
    warehouse = root / "warehouse" / "medallion.duckdb"
    output = run_cli("run", "--landing", str(landing), warehouse=warehouse).stdout
    record = yaml.safe_load(Path(output.split("run record:")[1].split()[0]).read_text())
    return Built(warehouse, record)


def gold_exports(warehouse: Path) -> dict[str, str]:
    """SHA-256 of every exported Parquet file, by path below the export root."""
    root = warehouse.parent / "exports"
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*.parquet"))
    }


def audit(built: Built) -> dict[str, Any]:
    """The run record's erasure counts that do not depend on how the rows were anonymized."""
    erasure = built.record["erasure"]
    return {key: erasure[key] for key in ("subjects", "subjects_resolved", "rows_anonymized")}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("requests_first") / "landing"
    return demo_landing(folder, transactions=200_000, days=5, seed=11)


@pytest.fixture(scope="module")
def first(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    patch = pytest.MonkeyPatch()
    try:
        return run(landing, tmp_path_factory.mktemp("first"), patch)
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def later(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("later")
    without_requests = root / "landing"
    shutil.copytree(landing, without_requests, ignore=shutil.ignore_patterns(REQUEST_FILES))
    patch = pytest.MonkeyPatch()
    try:
        run(without_requests, root, patch)
        return run(landing, root, patch)
    finally:
        patch.undo()


def test_the_first_run_rewrites_only_the_requests(first: Built) -> None:
    assert first.record["status"] == "success"
    request_lines = sum(
        int(outcome["lines"])
        for outcome in first.record["inputs"]["files"]
        if outcome["entity"] == "erasure_requests"
    )
    assert request_lines > 100
    assert first.record["erasure"]["bronze_rows_rewritten"] == {"erasure_requests": request_lines}
    anonymized = first.record["loads"]["rows_anonymized_this_run"]
    assert anonymized["customers"] > 100
    assert anonymized["transactions"] > 1000


def test_no_clear_line_of_a_subject_is_left(first: Built) -> None:
    with duckdb.connect(str(first.warehouse), read_only=True) as con:
        listed = con.execute("select count(*) from silver.slv_erasure_targets").fetchone()
        clear = con.execute(
            """
            with parsed as (
                -- DuckDB does not short-circuit `and`: parse the valid lines only.
                select case when _is_valid_json then record end as record
                from bronze.transactions
            )

            select
                count(*) as lines,
                count(json_extract_string(record, '$.delivery_address.address')) as addressed
            from parsed
            where trim(json_extract_string(record, '$.customer_id')) in (
                select customer_id from silver.int_erased_customers
            )
            """
        ).fetchone()
    assert listed == (0,)
    assert clear is not None
    lines, addressed = clear
    assert lines > 1000, "the subjects' lines are not in bronze"
    assert addressed == 0


def test_both_orders_end_with_the_same_gold_and_audit(first: Built, later: Built) -> None:
    assert later.record["status"] == "success"
    # The later warehouse needed the rewrite: its customers were in bronze before the requests.
    assert later.record["erasure"]["file_rewritten"]
    assert set(later.record["erasure"]["bronze_rows_rewritten"]) >= {"customers", "transactions"}
    exports = gold_exports(first.warehouse)
    assert exports, "no export files"
    assert exports == gold_exports(later.warehouse)
    assert audit(first) == audit(later)
    assert audit(first)["subjects_resolved"] == audit(first)["subjects"]
