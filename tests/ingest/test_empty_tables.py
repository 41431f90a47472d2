"""Every bronze table exists from the first ingest, and lines that arrive later still load.

A warehouse may be fed by topics only, or its first landing zone may lack an entity (no
erasure requests yet): dbt reads every bronze table, so the first ingest creates them all
empty; a later ingest must load into those tables like into any other.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tests.conftest import run_cli

BRONZE = {"customers", "products", "transactions", "erasure_requests", "landing_files"}


def _bronze_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            str(row[0])
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'bronze'"
            ).fetchall()
        ]
        counts = {}
        for table in tables:
            if table in BRONZE:
                row = con.execute(f"select count(*) from bronze.{table}").fetchone()
                counts[table] = int(row[0]) if row else -1
    return counts


def test_empty_landing_creates_the_tables_and_later_lines_load(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = tmp_path / "warehouse.duckdb"

    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    assert _bronze_counts(warehouse) == dict.fromkeys(BRONZE, 0)

    hour = landing / "date=2020-01-01" / "hour=00"
    hour.mkdir(parents=True)
    (hour / "customers.json").write_text(json.dumps({"id": "000001", "email": "a@b.c"}) + "\n")
    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)

    later = landing / "date=2020-01-01" / "hour=01"
    later.mkdir(parents=True)
    requests = [{"customer-id": "000001"}, {"email": "x@y.z"}]
    (later / "erasure-requests.json").write_text("".join(json.dumps(r) + "\n" for r in requests))
    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)

    assert _bronze_counts(warehouse) == {
        "customers": 1,
        "products": 0,
        "transactions": 0,
        "erasure_requests": 2,
        "landing_files": 2,
    }
