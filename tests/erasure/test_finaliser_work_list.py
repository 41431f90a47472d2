"""The erasure finaliser applies dbt's work list while it copies the warehouse file.

A small real warehouse holds a bronze table and the work list (``silver.slv_erasure_targets``)
in the shape dbt builds them. Applied, every listed row carries its anonymized record, no row
is lost or doubled, the list is empty and the file is a fresh copy. A list that names a row
twice is refused with a message, and the file is left as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from medallion.erasure import ErasureError, finalise_erasure

ROWS = [(f'{{"customer_id": "{n}", "city": "Town {n}"}}', "f.json.gz", "sha", n) for n in range(6)]
# Stored uncompressed, a value left in the file is visible as plain bytes.
UNCOMPRESSED = {"force_compression": "uncompressed"}
TARGET_COLUMNS = (
    "bronze_table varchar, _source_file varchar, _file_sha256 varchar, _line_number bigint, "
    "_kafka_topic varchar, _kafka_partition bigint, _kafka_offset bigint, anonymized_record json"
)


def warehouse_with(path: Path, listed_lines: list[int]) -> Path:
    """A warehouse whose work list names the bronze rows of ``listed_lines`` (repeats kept)."""
    with duckdb.connect(str(path), config=UNCOMPRESSED) as con:
        con.execute("create schema bronze")
        con.execute("create schema silver")
        con.execute(
            "create table bronze.transactions (record varchar, _source_file varchar, "
            "_file_sha256 varchar, _line_number bigint)"
        )
        con.executemany("insert into bronze.transactions values (?, ?, ?, ?)", ROWS)
        con.execute(f"create table silver.slv_erasure_targets ({TARGET_COLUMNS})")
        con.executemany(
            "insert into silver.slv_erasure_targets values "
            "('transactions', 'f.json.gz', 'sha', ?, null, null, null, ?)",
            [
                [line, f'{{"customer_id": "{line}", "city": null, "_erased": true}}']
                for line in listed_lines
            ],
        )
    return path


def records(path: Path) -> list[tuple[int, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select _line_number, record from bronze.transactions order by 1"
        ).fetchall()


def test_listed_rows_are_anonymized_in_the_copy(tmp_path: Path) -> None:
    warehouse = warehouse_with(tmp_path / "w.duckdb", [1, 4])

    outcome = finalise_erasure(warehouse, UNCOMPRESSED)

    assert outcome.rows_rewritten == {"transactions": 2} and outcome.file_rewritten
    after = dict(records(warehouse))
    assert sorted(after) == list(range(6))
    for line in range(6):
        erased = line in (1, 4)
        assert ('"_erased": true' in after[line]) is erased
        assert (f"Town {line}" in after[line]) is not erased
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from silver.slv_erasure_targets").fetchone() == (0,)
    stored = warehouse.read_bytes()
    assert b"Town 2" in stored and b"Town 1" not in stored and b"Town 4" not in stored
    assert finalise_erasure(warehouse, UNCOMPRESSED).file_rewritten is False


def test_a_row_listed_twice_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    warehouse = warehouse_with(tmp_path / "w.duckdb", [1, 4, 4])
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()

    with pytest.raises(ErasureError, match=r"bronze\.transactions more than once"):
        finalise_erasure(warehouse, UNCOMPRESSED)

    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert records(warehouse) == [(n, record) for record, _, _, n in ROWS]


CATALOG = """
select 'column', schema_name || '.' || table_name || '.' || column_name,
       data_type || ' null=' || is_nullable || ' default=' || coalesce(column_default, '-')
from duckdb_columns() where database_name = current_database()
union all
select 'constraint', schema_name || '.' || table_name || '.' || constraint_type,
       cast(constraint_column_names as varchar)
from duckdb_constraints() where database_name = current_database()
union all
select 'view', schema_name || '.' || view_name, sql
from duckdb_views() where database_name = current_database() and not internal
union all
select 'macro', schema_name || '.' || function_name, macro_definition
from duckdb_functions() where database_name = current_database() and not internal
order by 1, 2, 3
"""


def test_the_fresh_file_keeps_the_catalog(tmp_path: Path) -> None:
    """Types, constraints, defaults, views and macros survive the export and import."""
    warehouse = warehouse_with(tmp_path / "w.duckdb", [2])
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table silver.shapes (id bigint primary key, name varchar not null, "
            "tags varchar[], point struct(x double, y double), doc json, "
            "seen_at timestamptz default current_timestamp, price decimal(12, 2))"
        )
        con.execute(
            "insert into silver.shapes values (1, 'a', ['x', 'y'], {'x': 1, 'y': 2}, "
            "'{\"k\": 1}', '2026-01-01 00:00:00+00', 12.5)"
        )
        con.execute("create view silver.shape_names as select id, name from silver.shapes")
        con.execute("create macro silver.twice(x) as x * 2")
        catalog_before = con.execute(CATALOG).fetchall()
        shapes_before = con.execute("select * from silver.shapes").fetchall()

    assert finalise_erasure(warehouse, UNCOMPRESSED).file_rewritten

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(CATALOG).fetchall() == catalog_before
        assert con.execute("select * from silver.shapes").fetchall() == shapes_before
        assert con.execute("select silver.twice(21)").fetchone() == (42,)
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["w.duckdb"], "no export, fresh file or WAL is left beside it"
