"""Read gold marts from the DuckDB warehouse: read-only, contract columns, key order."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow

from medallion.exports.contracts import MartContract

GOLD_SCHEMA = "gold"


def connect_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file (which must exist)."""
    if not warehouse.is_file():
        raise FileNotFoundError(f"warehouse not found: {warehouse}")
    return duckdb.connect(str(warehouse), read_only=True)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def gold_tables(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the tables of the gold schema."""
    rows = connection.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE'",
        [GOLD_SCHEMA],
    ).fetchall()
    return {str(row[0]) for row in rows}


def table_columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of gold table ``table``, in table order."""
    rows = connection.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [GOLD_SCHEMA, table],
    ).fetchall()
    return [str(row[0]) for row in rows]


def read_mart(connection: duckdb.DuckDBPyConnection, contract: MartContract) -> pyarrow.Table:
    """The mart's contract columns that exist, as one Arrow table ordered by its primary key.

    Columns the table has beyond the contract are not read (they are not exported); contract
    columns it lacks are simply absent, for the validation to report. Key columns are sorted
    ascending, nulls last, so the same rows always come in the same order.
    """
    existing = set(table_columns(connection, contract.name))
    selected = [column for column in contract.columns if column in existing]
    if not selected:
        raise ValueError(f"{GOLD_SCHEMA}.{contract.name} has none of its contract's columns")
    order = [f"{_quote(column)} asc nulls last" for column in contract.key if column in existing]
    sql = (
        f"select {', '.join(_quote(column) for column in selected)} "
        f"from {_quote(GOLD_SCHEMA)}.{_quote(contract.name)}"
        + (f" order by {', '.join(order)}" if order else "")
    )
    table: pyarrow.Table = connection.execute(sql).to_arrow_table()
    return table.combine_chunks().replace_schema_metadata(None)
