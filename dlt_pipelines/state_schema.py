"""The warehouse schema where medallion keeps its own state, beside dlt's: the ingest's landing
checksums, and (in ``medallion``) the build state and the drift state."""

from __future__ import annotations

import duckdb

STATE_SCHEMA = "medallion_state"  # not "medallion": the default file's catalog is named so


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """True when the warehouse has the table ``schema.table``."""
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])
