"""Content fingerprints of a mart's files, computed in DuckDB without reading rows out.

A file's fingerprint is its row count and the sum of DuckDB's ``hash`` of every exported
column of every row: independent of row order, changed by any changed, added or removed row.
A partitioned mart gets one per partition (one scan, grouped by the partition column), an
unpartitioned mart one for the whole table. The fingerprints say nothing about types, the
contract or the writer: ``export_signature`` covers those, and a file is reused only when
both are unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandera
import pyarrow

from medallion.exports.contracts import MartContract
from medallion.exports.parquet import PARQUET_SETTINGS
from medallion.exports.warehouse import qualified, quote

SIGNATURE_FORMAT = 1
"""Bump when what a fingerprint or a file means changes: every file is then written again."""


@dataclass(frozen=True)
class PartFingerprint:
    """One future file of a mart: its partition value (None: whole mart or null dates)."""

    value: dt.date | None
    rows: int
    fingerprint: str


def part_fingerprints(
    connection: duckdb.DuckDBPyConnection,
    contract: MartContract,
    columns: Sequence[str],
    only: Sequence[dt.date | None] | None = None,
) -> list[PartFingerprint]:
    """The fingerprint of each file the mart would be exported to, in file order.

    Partitioned: one per distinct value of the partition column (null first, if any), none
    for an empty table; with ``only``, just those partition values (None: the null one).
    Unpartitioned: exactly one, also for an empty table.
    """
    hashed = f"coalesce(sum(hash({', '.join(quote(column) for column in columns)})), 0)"
    table = qualified(contract.name)
    if contract.partition_by is None:
        row = connection.execute(f"select count(*), {hashed}::varchar from {table}").fetchone()
        assert row is not None
        return [PartFingerprint(None, int(row[0]), f"{row[0]}:{row[1]}")]
    column = quote(contract.partition_by)
    where, values = "", [value for value in only or () if value is not None]
    if only is not None:
        conditions = [f"{column} in ({', '.join('?' for _ in values)})"] if values else []
        conditions += [f"{column} is null"] if None in only else []
        where = f" where {' or '.join(conditions) or 'false'}"
    rows = connection.execute(
        f"select {column}, count(*), {hashed}::varchar from {table}{where} "
        f"group by {column} order by {column} asc nulls first",
        values,
    ).fetchall()
    return [PartFingerprint(value, int(n), f"{n}:{digest}") for value, n, digest in rows]


def _contract_description(contract: MartContract) -> dict[str, object]:
    schema = contract.schema
    return {
        "name": contract.name,
        "key": list(contract.key),
        "partition_by": contract.partition_by,
        "strict": repr(schema.strict),
        "ordered": schema.ordered,
        "unique": repr(schema.unique),
        "columns": [
            {
                "name": name,
                "dtype": str(column.dtype),
                "nullable": column.nullable,
                "unique": column.unique,
                "checks": [
                    [check.name, repr(sorted(check.statistics.items()))] for check in column.checks
                ],
            }
            for name, column in schema.columns.items()
        ],
        "checks": [[check.name, repr(sorted(check.statistics.items()))] for check in schema.checks],
    }


def export_signature(contract: MartContract, columns: Sequence[tuple[str, str]]) -> str:
    """SHA-256 of what, besides the rows, decides a mart's files and whether they are valid.

    The contract (columns, types, checks, key, layout), the warehouse columns and their SQL
    types (``hash`` gives 1 and ``1::bigint`` the same value), the Parquet writer settings
    and the versions of pyarrow (the bytes), DuckDB (the hash function) and pandera (the
    checks).
    """
    description = {
        "format": SIGNATURE_FORMAT,
        "contract": _contract_description(contract),
        "warehouse_columns": [list(pair) for pair in columns],
        "parquet": {key: repr(value) for key, value in PARQUET_SETTINGS.items()},
        "pyarrow": pyarrow.__version__,
        "duckdb": duckdb.__version__,
        "pandera": pandera.__version__,
    }
    text = json.dumps(description, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
