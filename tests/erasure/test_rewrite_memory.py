"""The rewritten file holds no byte of an erased value, whatever the process held in memory.

DuckDB writes the unused tail of a column segment's buffer to the file as it finds it in
memory (duckdb/duckdb#23382), so a fresh file written by a process that had read the clear
values can hold some of them. Here the test process reads them through a sort and a join,
then the finaliser runs under memory pressure (buffers are evicted and reused), with
storage uncompressed so that every stored value is plain bytes. Written by the process that
had read the clear rows (the rewrite before 2026-11-23), the fresh file held 3 to 9 erased
emails in each of four runs; now it must hold none, while the kept values stay visible (the
scan's positive control).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from medallion.erasure import finalise_erasure

ROWS = 1_000_000
UNCOMPRESSED = {"force_compression": "uncompressed"}
TARGET_COLUMNS = (
    "bronze_table varchar, _source_file varchar, _file_sha256 varchar, _line_number bigint, "
    "_kafka_topic varchar, _kafka_partition bigint, _kafka_offset bigint, anonymized_record json"
)


def warehouse_with_half_erased(path: Path) -> Path:
    """Bronze rows whose email is ``erasedmail<n>`` (even n, all listed) or ``keptmail<n>``."""
    with duckdb.connect(str(path), config=UNCOMPRESSED) as con:
        con.execute("create schema bronze")
        con.execute("create schema silver")
        con.execute(
            f"""
            create table bronze.transactions as
            select
                '{{"customer_id": "' || i || '", "email": "'
                || (case when i % 2 = 0 then 'erasedmail' else 'keptmail' end)
                || i || '@example.org", "city": "Town ' || (i % 97) || '"}}' as record,
                'date=2020-01-01/hour=00/transactions.json.gz' as _source_file,
                'sha' as _file_sha256,
                i as _line_number
            from range({ROWS}) as numbers (i)
            """
        )
        con.execute(f"create table silver.slv_erasure_targets ({TARGET_COLUMNS})")
        con.execute(
            """
            insert into silver.slv_erasure_targets
            select
                'transactions', _source_file, _file_sha256, _line_number, null, null, null,
                '{"customer_id": "' || _line_number || '", "email": null, "_erased": true}'
            from bronze.transactions
            where _line_number % 2 = 0
            """
        )
    return path


def read_erased_rows_into_memory(warehouse: Path) -> None:
    """What dbt's builds do in the run's process before the finaliser: sorts and joins."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(
            """
            select count(*) from (
                select record from bronze.transactions where _line_number % 2 = 0
                order by record desc
            )
            """
        ).fetchall()
        con.execute(
            """
            select count(*) from bronze.transactions as a
            inner join bronze.transactions as b on a._line_number = b._line_number + 2
            where a._line_number % 2 = 0
            """
        ).fetchall()


def test_no_erased_value_reaches_the_fresh_file_through_memory(tmp_path: Path) -> None:
    warehouse = warehouse_with_half_erased(tmp_path / "w.duckdb")
    read_erased_rows_into_memory(warehouse)

    outcome = finalise_erasure(warehouse, {**UNCOMPRESSED, "memory_limit": "300MB"})

    assert outcome.file_rewritten and outcome.total_rows == ROWS // 2
    stored = warehouse.read_bytes()
    assert stored.count(b"keptmail") >= ROWS // 2, "positive control: kept values are visible"
    assert stored.count(b"erasedmail") == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        erased = con.execute(
            "select count(*) from bronze.transactions where record like '%\"_erased\": true%'"
        ).fetchone()
    assert erased == (ROWS // 2,)
