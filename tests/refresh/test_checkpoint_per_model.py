"""Every model that writes a table leaves the warehouse checkpointed (macros/checkpoint.sql).

Without it, what the incremental writes of a 10M-line erasure refresh left behind stayed in
DuckDB's buffer pool where it could not be evicted, and 18 nodes ran out of memory. The test
builds the real project on a small demo warehouse and, as each model finishes, reads the size
of the write-ahead log in dbt's own DuckDB instance: empty after a model that wrote a table
(checkpointed), not after a view (the probe does see the log).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_common.events.base_types import EventMsg

from medallion.transform import run_dbt
from tests.conftest import run_cli

pytestmark = pytest.mark.slow

EMPTY_WAL = "0 bytes"


def wal_size() -> str:
    """The write-ahead log's size in the DuckDB instance dbt has open, as DuckDB prints it."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    assert environment is not None and environment.conn is not None
    # A cursor of its own, read to the end: a result left open would hold a transaction,
    # and a checkpoint refuses to run beside one.
    with environment.conn.cursor() as cursor:
        rows = cursor.execute(
            "select wal_size from pragma_database_size() where database_name = current_database()"
        ).fetchall()
    assert len(rows) == 1
    return str(rows[0][0])


def test_the_log_is_empty_after_every_model_that_wrote_a_table(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    run_cli(
        "demo", "--out", str(landing), "--days", "1", "--transactions", "200", warehouse=warehouse
    )
    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    after_model: dict[str, tuple[str, str]] = {}

    def on_event(event: EventMsg) -> None:
        if event.info.name != "NodeFinished":
            return
        node = event.data.node_info
        if node.unique_id.startswith("model."):
            after_model[node.unique_id.split(".")[-1]] = (node.materialized, wal_size())

    outcome = run_dbt("run", warehouse, callbacks=[on_event])

    assert outcome.success, [(node.name, node.message) for node in outcome.failed]
    written = {name: wal for name, (kind, wal) in after_model.items() if kind != "view"}
    views = {name: wal for name, (kind, wal) in after_model.items() if kind == "view"}
    assert {"int_transactions__checked", "slv_transactions", "fct_order_lines"} <= set(written)
    assert {name: wal for name, wal in written.items() if wal != EMPTY_WAL} == {}
    assert any(wal != EMPTY_WAL for wal in views.values()), views


def test_a_build_on_two_threads_checkpoints_beside_the_other_model(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With MEDALLION_DBT_THREADS=2 one model's checkpoint meets the other thread's open write
    transaction: a plain CHECKPOINT fails the model there ("other write transactions
    active"); FORCE CHECKPOINT waits for it."""
    landing = tmp_path / "landing"
    run_cli(
        "demo", "--out", str(landing), "--days", "2", "--transactions", "2000", warehouse=warehouse
    )
    monkeypatch.setenv("MEDALLION_DBT_THREADS", "2")
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    run_cli("build", "--landing", str(landing), warehouse=warehouse)  # fails unless exit 0
    assert "Concurrency: 2 threads" in (tmp_path / "logs" / "dbt.log").read_text()
