"""The main job as `make run` runs it: default demo data (bad input included) with its topic
dumps, then `run` with both."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from tests.conftest import run_cli


def test_demo_data_runs_end_to_end(tmp_path: Path) -> None:
    landing = tmp_path / "input"
    warehouse = tmp_path / "warehouse" / "medallion.duckdb"
    kafka = tmp_path / "kafka"
    run_cli(
        "demo",
        "--out",
        str(landing),
        "--days",
        "2",
        "--transactions",
        "600",
        "--kafka-out",
        str(kafka),
        warehouse=warehouse,
    )
    result = run_cli(
        "run", "--landing", str(landing), "--kafka-dumps", str(kafka), warehouse=warehouse
    )

    assert "status: success" in result.stdout
    records = list((warehouse.parent / "reports" / "runs").glob("*/metadata.yaml"))
    assert len(records) == 1
    record = yaml.safe_load(records[0].read_text())
    assert record["status"] == "success"
    assert (records[0].parent / "report.html").is_file()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reconciliation = con.execute(
            "select entity, bronze_rows, silver_rows + quarantine_rows + duplicate_rows"
            " from silver.slv_reconciliation"
        ).fetchall()
        quarantined = con.execute(
            "select count(*) from silver.slv_transactions_quarantine"
        ).fetchone()
        leftover = con.execute("select count(*) from silver.slv_erasure_targets").fetchone()
        streams = con.execute(
            """
            select
                (select count(*) from silver.slv_orders),
                (select count(*) from silver.slv_clickstream_events),
                (select count(*) from gold.fct_sessions),
                (select count(*) from gold.mart_order_status_daily)
            """
        ).fetchone()
    assert reconciliation and all(bronze == accounted for _, bronze, accounted in reconciliation)
    assert quarantined is not None and quarantined[0] > 0  # the generator's bad lines
    assert leftover == (0,)  # every erased subject's bronze rows were rewritten
    assert streams is not None and all(count > 0 for count in streams)  # both topics reach gold
    assert record["kafka"]["files"], "the run record lists the Kafka dump files"
    exports = warehouse.parent / "exports"
    assert (exports / "fct_orders").is_dir() and any(exports.rglob("*.parquet"))
