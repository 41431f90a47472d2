"""The fresh file of a rewrite holds whole row groups, so its first write stays small.

The export's Parquet row groups follow the old table's row groups, which incremental appends
and deletes leave uneven (37k-125k rows in the 10M benchmark's ``fct_order_lines``). DuckDB's
ordered parallel insert turned each into a full row group and a remainder (370 row groups for
250 full ones), and the next checkpoint after any write merged the remainders: the first
write after a rewrite of the 10M warehouse took 19-22 s and left 1.2 GB of free blocks. The
import runs without insertion order (``medallion/warehouse_import.py``), so each thread
appends whole row groups.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from medallion.warehouse_file import sql_string
from medallion.warehouse_import import import_export

ROW_GROUP_ROWS = 122_880  # DuckDB's default row group size
ROWS = 2_000_000
PARQUET_ROW_GROUP_ROWS = 124_000  # a little over one row group, as uneven tables export
THREADS = 2


def uneven_export(folder: Path) -> Path:
    """An EXPORT DATABASE folder with one table whose Parquet row groups do not line up."""
    folder.mkdir()
    rows = folder / "facts.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select range as id, range // 50000 as batch, 'line ' || range as label
                from range({ROWS})
            ) to {sql_string(str(rows))}
                (format parquet, row_group_size {PARQUET_ROW_GROUP_ROWS})
            """
        )
    (folder / "schema.sql").write_text(
        "create table facts (id bigint, batch bigint, label varchar);\n"
    )
    (folder / "load.sql").write_text(f"copy facts from {sql_string(str(rows))} (format parquet);\n")
    return folder


def storage(warehouse: Path) -> tuple[int, int]:
    """Row groups of ``facts`` and free blocks of the file."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        groups = con.execute(
            "select count(distinct row_group_id) from pragma_storage_info('facts')"
        ).fetchone()
        free = con.execute("select free_blocks from pragma_database_size()").fetchone()
    assert groups is not None and free is not None
    return int(groups[0]), int(free[0])


def test_the_import_writes_whole_row_groups(tmp_path: Path) -> None:
    export = uneven_export(tmp_path / "export")
    fresh = tmp_path / "w.duckdb"

    import_export(str(export), str(fresh), "w", {"threads": THREADS})

    groups, free = storage(fresh)
    # Whole row groups but the last one of each thread (the ordered insert made 24).
    assert groups <= -(-ROWS // ROW_GROUP_ROWS) + THREADS - 1
    with duckdb.connect(str(fresh), config={"threads": THREADS}) as con:
        assert con.execute("select count(*), sum(id) from facts").fetchone() == (
            ROWS,
            ROWS * (ROWS - 1) // 2,
        )
        con.execute("create table probe (x int)")
        con.execute("insert into probe values (1)")
    groups_after, free_after = storage(fresh)
    # The first write after the import has nothing to merge: no table is rewritten.
    assert groups_after == groups
    assert free_after <= free + 1
