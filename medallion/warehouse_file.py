"""Rewrite the DuckDB warehouse file so that no erased value survives in its free blocks.

DuckDB's UPDATE and DELETE leave the old values in free blocks of the file, even after
CHECKPOINT and VACUUM; only copying the database into a fresh file removes them. The
copy is written beside the warehouse and swapped in with an atomic rename, after the
WAL was checkpointed: a kill at any point leaves either the old or the new file.

The copy can also change rows on the way: a table may be filled from a query instead of
copied verbatim (the erasure finaliser writes anonymized records this way, so the personal
values never reach the fresh file and are never updated in place).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import duckdb

REWRITE_SUFFIX = ".rewrite"


def sql_string(value: str) -> str:
    """A SQL string literal (for statements that take no parameters, such as ATTACH)."""
    return "'" + value.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def discard_interrupted_rewrite(warehouse: Path) -> None:
    """Remove what a rewrite killed before its swap left behind (the old file is intact)."""
    for leftover in (
        warehouse.with_name(warehouse.name + REWRITE_SUFFIX),
        warehouse.with_name(warehouse.name + REWRITE_SUFFIX + ".wal"),
    ):
        leftover.unlink(missing_ok=True)


DuckDBConfig = dict[str, str | bool | int]
# A table of the warehouse, (schema, name), and the query its rows are copied from.
TableQueries = Mapping[tuple[str, str], str]


def quoted_identifier(identifier: str) -> str:
    """A SQL identifier, double-quoted."""
    return '"' + identifier.replace('"', '""') + '"'


def _base_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    rows = con.execute(
        """
        select schema_name, table_name from duckdb_tables()
        where database_name = ? and not temporary
        order by 1, 2
        """,
        [catalog],
    ).fetchall()
    return [(str(schema), str(table)) for schema, table in rows]


def rewrite_warehouse_file(
    warehouse: Path, config: DuckDBConfig | None = None, queries: TableQueries | None = None
) -> int:
    """Copy every schema, table and view into a fresh file and swap it in atomically.

    Returns the size in bytes of the new file. ``config`` is DuckDB configuration for the
    connection (for example ``force_compression`` in tests that scan the file's bytes).
    ``queries`` names tables whose rows come from a query over the current file instead of
    a verbatim copy; each query returns the table's columns in their order.
    """
    discard_interrupted_rewrite(warehouse)
    fresh = warehouse.with_name(warehouse.name + REWRITE_SUFFIX)
    queries = queries or {}
    with duckdb.connect(str(warehouse), config=dict(config or {})) as con:
        con.execute("checkpoint")
        source = con.execute("select current_database()").fetchone()
        assert source is not None
        con.execute(f"attach {sql_string(str(fresh))} as medallion_rewrite")
        # Schemas, tables, views, sequences and macros first; then the rows, table by table
        # (what COPY FROM DATABASE's data part does), some of them through their query.
        con.execute(
            f"copy from database {quoted_identifier(str(source[0]))} to medallion_rewrite (schema)"
        )
        for schema, table in _base_tables(con, str(source[0])):
            name = f"{quoted_identifier(schema)}.{quoted_identifier(table)}"
            rows = queries.get((schema, table), f"select * from {name}")
            con.execute(f"insert into medallion_rewrite.{name} {rows}")
        con.execute("detach medallion_rewrite")
    _fsync(fresh)
    os.replace(fresh, warehouse)
    _fsync(warehouse.parent)
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    return warehouse.stat().st_size
