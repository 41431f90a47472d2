"""Ingest of the real dataset, unchanged: every line once, with lineage; incremental."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cli

EXPECTED_ROWS = {
    "customers": 777,
    "products": 2_480,
    "transactions": 10_036,
    "erasure_requests": 24,
}
NEW_HOUR = "date=2020-01-31/hour=23"


def bronze_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.execute(f"select count(*) from bronze.{table}").fetchone()[0]
            for table in EXPECTED_ROWS
        }


def link_landing(real: Path, target: Path, leave_out: str) -> None:
    """A landing zone of symlinks to the real hour folders, one hour left out."""
    for hour in sorted(real.glob("date=*/hour=*")):
        relative = hour.relative_to(real).as_posix()
        if relative == leave_out:
            continue
        (target / hour.parent.name).mkdir(parents=True, exist_ok=True)
        (target / relative).symlink_to(hour)


@pytest.mark.real_data
def test_real_dataset_lands_every_line_with_lineage(real_dataset: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    first = run_cli("ingest", "--landing", str(real_dataset), warehouse=warehouse)
    assert bronze_counts(warehouse) == EXPECTED_ROWS
    assert "13,317" in first.stdout  # total lines loaded, printed in the summary
    assert "SOURCE.md" in first.stdout  # not a landing file: listed, not ignored silently

    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in EXPECTED_ROWS:
            lineage = con.execute(
                f"""
                select count(*), count(distinct (_source_file, _line_number)),
                       count(*) filter (where not _is_valid_json),
                       count(*) filter (where _source_file is null or _line_number < 1
                                        or _file_sha256 is null or _dlt_load_id is null
                                        or _partition_date is null or _partition_hour is null)
                from bronze.{table}
                """
            ).fetchone()
            assert lineage == (EXPECTED_ROWS[table], EXPECTED_ROWS[table], 0, 0), table
        by_kind = con.execute(
            """
            select _source_file like '%.gz' as gzipped, count(*) from bronze.erasure_requests
            group by gzipped order by gzipped
            """
        ).fetchall()
        assert by_kind == [(False, 2), (True, 22)]
        # The nested record is kept whole: the line is the record.
        record = con.execute(
            """
            select record from bronze.transactions
            where _source_file = 'date=2020-01-01/hour=00/transactions.json.gz'
              and _line_number = 1
            """
        ).fetchone()[0]
    first_line = (real_dataset / "date=2020-01-01/hour=00/transactions.json.gz").open("rb")
    import gzip

    with gzip.open(first_line) as lines:
        assert record == lines.readline().decode().rstrip("\n")

    again = run_cli("ingest", "--landing", str(real_dataset), warehouse=warehouse)
    assert bronze_counts(warehouse) == EXPECTED_ROWS
    assert "dlt load id" not in again.stdout  # nothing was loaded


@pytest.mark.real_data
def test_new_hour_folder_loads_only_its_lines(real_dataset: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    warehouse = tmp_path / "wh.duckdb"
    link_landing(real_dataset, landing, leave_out=NEW_HOUR)
    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    before = bronze_counts(warehouse)

    shutil.copytree(real_dataset / NEW_HOUR, landing / NEW_HOUR)
    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    after = bronze_counts(warehouse)
    assert after == EXPECTED_ROWS
    with duckdb.connect(str(warehouse), read_only=True) as con:
        newest_load = con.execute("select max(_dlt_load_id) from bronze.landing_files").fetchone()[
            0
        ]
        loaded_last = con.execute(
            "select relative_path from bronze.landing_files where _dlt_load_id = ? order by 1",
            [newest_load],
        ).fetchall()
    assert [row[0] for row in loaded_last] == sorted(
        p.relative_to(landing).as_posix() for p in (landing / NEW_HOUR).iterdir()
    )
    added = {table: after[table] - before[table] for table in after}
    assert added["transactions"] > 0 and sum(added.values()) == added["transactions"]


@pytest.mark.real_data
def test_changed_file_is_loaded_again_as_a_new_version(real_dataset: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    warehouse = tmp_path / "wh.duckdb"
    shutil.copytree(real_dataset / "date=2020-01-25", landing / "date=2020-01-25")
    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    target = landing / "date=2020-01-25/hour=00/erasure-requests.json"
    target.write_text(target.read_text() + '{"customer-id": "000001", "email": null}\n')

    result = run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    assert "changed date=2020-01-25/hour=00/erasure-requests.json" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        versions = con.execute(
            """
            select change, lines from bronze.landing_files
            where relative_path = 'date=2020-01-25/hour=00/erasure-requests.json'
            order by _ingested_at
            """
        ).fetchall()
    assert versions == [("new", 1), ("changed", 2)]
