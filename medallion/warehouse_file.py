"""Rewrite the DuckDB warehouse file so that no erased value survives in its free blocks.

DuckDB's UPDATE and DELETE leave the old values in free blocks of the file, even after
CHECKPOINT and VACUUM; only copying the database into a fresh file removes them. The
copy is written beside the warehouse and swapped in with an atomic rename, after the
WAL was checkpointed: a kill at any point leaves either the old or the new file.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

REWRITE_SUFFIX = ".rewrite"


def _sql_string(value: str) -> str:
    """A SQL string literal (ATTACH takes no parameters)."""
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


def rewrite_warehouse_file(warehouse: Path, config: DuckDBConfig | None = None) -> int:
    """Copy every schema, table and view into a fresh file and swap it in atomically.

    Returns the size in bytes of the new file. ``config`` is DuckDB configuration for the
    connection (for example ``force_compression`` in tests that scan the file's bytes).
    """
    discard_interrupted_rewrite(warehouse)
    fresh = warehouse.with_name(warehouse.name + REWRITE_SUFFIX)
    with duckdb.connect(str(warehouse), config=dict(config or {})) as con:
        con.execute("checkpoint")
        source = con.execute("select current_database()").fetchone()
        assert source is not None
        con.execute(f"attach {_sql_string(str(fresh))} as medallion_rewrite")
        con.execute(f'copy from database "{source[0]}" to medallion_rewrite')
        con.execute("detach medallion_rewrite")
    _fsync(fresh)
    os.replace(fresh, warehouse)
    _fsync(warehouse.parent)
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    return warehouse.stat().st_size
