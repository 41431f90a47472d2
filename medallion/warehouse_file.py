"""Rewrite the DuckDB warehouse file so that no erased value survives anywhere in it.

Two ways a value outlives its erasure in a DuckDB file:

- UPDATE and DELETE leave the old values in free blocks, even after CHECKPOINT and VACUUM;
  only a fresh file drops them.
- DuckDB writes the unused tail of a column segment's 256 KiB buffer as it is
  (duckdb/duckdb#23382): whatever the process held in that memory before (a join's rows,
  a block of the old file) lands in the new file. A fresh file written by a process that has
  read the clear values can therefore still hold them.

So the rewrite has two processes. This one exports the database as it should be to Parquet
files beside the warehouse: a table that ``queries`` names is written from its query (the
erasure finaliser's anonymized rows) and exported empty, inside a transaction that deletes
its rows and is rolled back, so the old file never changes. A fresh interpreter
(``medallion.warehouse_import``), which reads nothing but that export, imports it into the
new file. The export is deleted, the new file is swapped in with an atomic rename after the
WAL was checkpointed: a kill at any point leaves either the old or the new file, and the
leftovers are removed by the next rewrite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import duckdb

from medallion.durable import fsync_path

# Beside the warehouse: a directory with the export and the fresh file, which has the
# warehouse's own file name (DuckDB names the catalog after it, and the views name it).
WORKSPACE_SUFFIX = ".rewrite"
# Parquet compression of the hand-over. At 10M lines export plus import took 173 s with
# lz4_raw, 234 s with zstd (which writes about a third less); README, "GDPR erasure".
EXPORT_COMPRESSION = "lz4_raw"
# Share of the run's DuckDB memory limit for the rewrite's export and import. Both processes
# grow past DuckDB's limit (Parquet writer and reader buffers): at 10M lines the export took
# 1,931 MB at 1300MB and 1,345 MB at 1000MB, the import 1,610 and 1,326 MB, in the same time
# (91-98 s each). The export runs in the run's process, which holds ~0.35 GB more.
REWRITE_MEMORY_SHARE = 0.75

DuckDBConfig = dict[str, str | bool | int]
# A table of the warehouse, (schema, name), and the query its rows are exported from.
TableQueries = Mapping[tuple[str, str], str]


class RewriteError(Exception):
    """The fresh file could not be written; the warehouse file was left as it was."""


def sql_string(value: str) -> str:
    """A SQL string literal (for statements that take no parameters, such as ATTACH)."""
    return "'" + value.replace("'", "''") + "'"


def quoted_identifier(identifier: str) -> str:
    """A SQL identifier, double-quoted."""
    return '"' + identifier.replace('"', '""') + '"'


def rewrite_workspace(warehouse: Path) -> Path:
    """The directory a rewrite works in: ``export/`` and the fresh file."""
    return warehouse.with_name(warehouse.name + WORKSPACE_SUFFIX)


def discard_interrupted_rewrite(warehouse: Path) -> None:
    """Remove what a rewrite killed before its swap left behind (the old file is intact)."""
    workspace = rewrite_workspace(warehouse)
    if workspace.is_file():  # an earlier version wrote the fresh file here
        workspace.unlink()
    shutil.rmtree(workspace, ignore_errors=True)
    warehouse.with_name(workspace.name + ".wal").unlink(missing_ok=True)


def _export(warehouse: Path, config: DuckDBConfig, queries: TableQueries) -> str:
    """Export the warehouse with the ``queries`` tables' rows from their queries, leaving the
    file unchanged; returns its catalog name."""
    export = rewrite_workspace(warehouse) / "export"
    parquet = f"(format parquet, compression {EXPORT_COMPRESSION})"
    with duckdb.connect(str(warehouse), config=dict(config)) as con:
        # The WAL must be empty when the fresh file is swapped in (see rewrite_warehouse_file).
        con.execute("checkpoint")
        catalog = con.execute("select current_database()").fetchone()
        assert catalog is not None
        # Deleting every row is cheap (no values are held), unlike an UPDATE of many rows.
        con.execute("begin transaction")
        for schema, table in queries:
            con.execute(f"delete from {quoted_identifier(schema)}.{quoted_identifier(table)}")
        con.execute(f"export database {sql_string(str(export))} {parquet}")
        con.execute("rollback")
        loads = []
        for number, ((schema, table), query) in enumerate(sorted(queries.items())):
            # IMPORT DATABASE reads load.sql's files from the export directory, and runs
            # only COPY statements from it.
            rows = export / f"medallion_replaced_rows_{number}.parquet"
            con.execute(f"copy ({query}) to {sql_string(str(rows))} {parquet}")
            name = f"{quoted_identifier(schema)}.{quoted_identifier(table)}"
            loads.append(f"copy {name} from {sql_string(str(rows))} (format parquet);")
    with (export / "load.sql").open("a") as load:
        load.write("\n" + "\n".join(loads) + "\n")
    return str(catalog[0])


def _import_in_fresh_process(export: Path, fresh: Path, catalog: str, config: DuckDBConfig) -> None:
    """Build ``fresh`` (catalog ``catalog``) from ``export`` in a new interpreter."""
    request = {"export": str(export), "fresh": str(fresh), "catalog": catalog, "config": config}
    completed = subprocess.run(
        [sys.executable, "-m", "medallion.warehouse_import"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        reason = completed.stderr.strip().splitlines()[-1:] or [f"exit {completed.returncode}"]
        raise RewriteError(f"importing {export} into {fresh} failed: {reason[0]}")


def rewrite_warehouse_file(
    warehouse: Path, config: DuckDBConfig | None = None, queries: TableQueries | None = None
) -> int:
    """Write every schema, table, view and macro into a fresh file and swap it in atomically.

    ``queries`` names tables whose rows come from a query over the current file instead of
    a verbatim copy; each query returns the table's columns in their order. ``config`` is
    DuckDB configuration for both processes' connections (for example ``force_compression``
    in tests that scan the file's bytes). Returns the size in bytes of the new file. Raises
    ``RewriteError`` (and leaves the old file) when the import fails.
    """
    settings = dict(config or {})
    discard_interrupted_rewrite(warehouse)
    workspace = rewrite_workspace(warehouse)
    fresh = workspace / warehouse.name
    try:
        workspace.mkdir()
        catalog = _export(warehouse, settings, queries or {})
        _import_in_fresh_process(workspace / "export", fresh, catalog, settings)
    except BaseException:
        discard_interrupted_rewrite(warehouse)
        raise
    fsync_path(fresh)
    os.replace(fresh, warehouse)
    fsync_path(warehouse.parent)
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    shutil.rmtree(workspace)
    return warehouse.stat().st_size
