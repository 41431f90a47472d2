"""Key uniqueness of a whole mart, checked in DuckDB (a partitioned mart is validated one
partition at a time, so pandas never sees all its keys at once).

The checks are the contract's own: every column declared ``unique`` and the schema's
composite key. Rows are grouped by the 64-bit ``hash`` of their key first (cheap), and only
the groups with more than one row are then grouped by the key itself, so hash collisions are
never counted. The result is a count of rows and the label the summary shows, never a value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from medallion.exports.contracts import MartContract
from medallion.exports.warehouse import qualified, quote


@dataclass(frozen=True)
class KeyCheck:
    """Columns whose values must be unique together, and how a failure is labelled."""

    columns: tuple[str, ...]
    label: str


def key_checks(contract: MartContract, present: Sequence[str]) -> list[KeyCheck]:
    """The contract's uniqueness checks whose columns all exist in the table.

    Labels match what pandera's checks give in a summary: ``column <c>: field_uniqueness
    failed`` for a unique column, ``key (<columns, sorted>): duplicated`` for a composite key.
    """
    checks = [
        KeyCheck((name,), f"column {name}: field_uniqueness failed")
        for name, column in contract.schema.columns.items()
        if column.unique and name in present
    ]
    composite = contract.schema.unique
    if composite:
        columns = tuple([composite] if isinstance(composite, str) else composite)
        if all(column in present for column in columns):
            checks.append(KeyCheck(columns, f"key ({', '.join(sorted(columns))}): duplicated"))
    return checks


def duplicated_rows(
    connection: duckdb.DuckDBPyConnection,
    contract: MartContract,
    check: KeyCheck,
    partitions: Sequence[dt.date] | None = None,
) -> int:
    """Rows of the mart whose key (``check.columns``) some other row of the mart has too.

    ``partitions``: only keys found in these partitions (of ``partition_by``) are looked at,
    each against the whole mart (enough when the rest is known to be free of duplicates);
    None: every key.
    """
    if partitions is not None and not partitions:
        return 0
    table = qualified(contract.name)
    key = ", ".join(quote(column) for column in check.columns)
    parameters: list[object] = []
    scope = ""
    if partitions is not None:
        if contract.partition_by is None:
            raise ValueError(f"{contract.name} is not partitioned")
        scope = (
            f" where hash({key}) in (select hash({key}) from {table} "
            f"where list_contains(?, {quote(contract.partition_by)}))"
        )
        parameters.append(list(partitions))
    sql = f"""
        with suspects as (
            select hash({key}) as key_hash from {table}{scope}
            group by key_hash having count(*) > 1
        ),
        duplicated as (
            select count(*) as copies from {table}
            where hash({key}) in (select key_hash from suspects)
            group by {key} having count(*) > 1
        )
        select coalesce(sum(copies), 0) from duplicated
    """
    row = connection.execute(sql, parameters).fetchone()
    assert row is not None
    return int(row[0])
