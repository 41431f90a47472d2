"""Read a partitioned mart's changed partitions a few at a time, yield one per table.

Every query scans the whole table's partition column, so small partitions that follow one
another are read together (up to ``BATCH_ROWS`` rows; a larger partition alone), ordered by
partition then key, and the result is cut into one table per partition. The next batch is
read on a thread of its own while the caller validates and writes the current one: DuckDB's
sorted read and pyarrow's Parquet writer each leave part of the two cores idle. Memory is
bounded by two batches, never the whole mart.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pyarrow

from medallion.exports.contracts import MartContract
from medallion.exports.fingerprints import PartFingerprint
from medallion.exports.warehouse import read_null_partition, read_partitions

BATCH_ROWS = 1_000_000
"""At most this many rows are read at once, unless a single partition has more."""
READER_THREAD = "export-read-ahead"
"""The name (prefix) of the thread that reads the next batch."""


def changed_partitions(
    connection: duckdb.DuckDBPyConnection,
    contract: MartContract,
    columns: Sequence[str],
    parts: Sequence[PartFingerprint],
    changed: Sequence[bool],
) -> Iterator[tuple[PartFingerprint, pyarrow.Table]]:
    """``(partition, its rows in key order)`` for each part flagged ``changed``, in order.

    ``parts``: every partition of the mart in ascending order, as ``part_fingerprints`` gives
    them (their row counts cut the batches). The first batch is read when the caller asks for
    its first partition, each next one while the caller works on the one before; a batch is
    dropped when the caller moves past its last partition.
    """
    found = batches(parts, changed)
    if not found:
        return
    # The reads run on a cursor of their own (a DuckDB connection serves one thread at a time).
    with connection.cursor() as cursor, ThreadPoolExecutor(1, READER_THREAD) as reader:
        pending = reader.submit(_read_batch, cursor, contract, columns, found[0])
        for batch, following in zip(found, [*found[1:], None], strict=True):
            table = pending.result()
            if following is not None:
                pending = reader.submit(_read_batch, cursor, contract, columns, following)
            yield from _cut(table, contract, batch)


def _read_batch(
    connection: duckdb.DuckDBPyConnection,
    contract: MartContract,
    columns: Sequence[str],
    batch: Sequence[PartFingerprint],
) -> pyarrow.Table:
    """The rows of the partitions of ``batch`` (neighbours, or the null partition alone)."""
    first, last = batch[0].value, batch[-1].value
    if first is None or last is None:  # the rows with a null partition value
        return read_null_partition(connection, contract, columns)
    return read_partitions(connection, contract, columns, first, last)


def _cut(
    table: pyarrow.Table, contract: MartContract, batch: Sequence[PartFingerprint]
) -> Iterator[tuple[PartFingerprint, pyarrow.Table]]:
    """``(partition, its rows)`` for each partition of ``batch``, sliced from its ``table``."""
    if batch[0].value is None:
        yield batch[0], table
        return
    offset = 0
    for part in batch:
        rows = table.slice(offset, part.rows)
        _check(rows, contract, part)
        offset += part.rows
        yield part, rows
    if offset != table.num_rows:
        raise RuntimeError(f"{contract.name}: partitions changed while being exported")


def batches(
    parts: Sequence[PartFingerprint], changed: Sequence[bool]
) -> list[list[PartFingerprint]]:
    """The changed parts in runs of neighbours (no unchanged part between them) of at most
    ``BATCH_ROWS`` rows (a larger part alone); a null partition is a batch of its own."""
    found: list[list[PartFingerprint]] = []
    current: list[PartFingerprint] = []
    rows = 0
    for part, is_changed in zip(parts, changed, strict=True):
        if current and (not is_changed or part.value is None or rows + part.rows > BATCH_ROWS):
            found.append(current)
            current, rows = [], 0
        if not is_changed:
            continue
        if part.value is None:
            found.append([part])
            continue
        current.append(part)
        rows += part.rows
    if current:
        found.append(current)
    return found


def _check(rows: pyarrow.Table, contract: MartContract, part: PartFingerprint) -> None:
    """The slice cut for ``part`` holds that partition's rows (counts from the same snapshot)."""
    assert contract.partition_by is not None
    values = rows.column(contract.partition_by)
    if rows.num_rows != part.rows or {values[0].as_py(), values[-1].as_py()} != {part.value}:
        raise RuntimeError(f"{contract.name}: partitions changed while being exported")
