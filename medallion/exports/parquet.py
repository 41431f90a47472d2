"""Write Parquet files so that the same rows always give the same bytes.

Fixed writer settings (no defaults that may change between runs), no schema metadata (so no
pandas or run-time information), one row group layout decided by the row count only, and the
table's chunks combined first (so how the warehouse happened to batch the rows does not
matter). The file footer holds the writer's ``created_by`` (the pyarrow version): the same
environment gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow
import pyarrow.compute as pc
import pyarrow.parquet as pq

from medallion.exports.report import ExportedColumn, ExportedFile

PARQUET_SETTINGS: dict[str, object] = {
    "version": "2.6",
    "data_page_version": "1.0",
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "row_group_size": 1_000_000,
    "data_page_size": 1 << 20,
    "write_batch_size": 1024,
    "use_compliant_nested_type": True,
    "store_schema": True,
    "write_page_index": False,
    "write_page_checksum": False,
}
FILE_NAME = "part-0.parquet"
HASH_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, as lowercase hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_parquet(table: pyarrow.Table, path: Path, relative_path: str) -> ExportedFile:
    """Write ``table`` to ``path`` (flushed to disk) and describe it as ``relative_path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.combine_chunks().replace_schema_metadata(None)
    pq.write_table(table, path, **PARQUET_SETTINGS)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return ExportedFile(
        path=relative_path,
        rows=table.num_rows,
        columns=tuple(ExportedColumn(field.name, str(field.type)) for field in table.schema),
        sha256=sha256_of(path),
    )


def date_partitions(table: pyarrow.Table, column: str) -> Iterator[tuple[str, pyarrow.Table]]:
    """``(YYYY-MM-DD, rows of that date without the column)`` per distinct date, ascending.

    Rows keep their order. The partition column is left out of the files (Hive layout: the
    folder name carries it). Null dates are not allowed (the contract forbids them).
    """
    dates = table.column(column)
    if dates.null_count:
        raise ValueError(f"{column} has null values: cannot partition by it")
    values: list[dt.date] = sorted(pc.unique(dates).to_pylist())
    remaining = table.drop_columns([column])
    for value in values:
        mask = pc.equal(dates, pyarrow.scalar(value, type=dates.type))
        yield value.isoformat(), remaining.filter(mask)


def write_mart_files(
    table: pyarrow.Table, mart: str, folder: Path, partition_by: str | None
) -> tuple[ExportedFile, ...]:
    """Write a mart's files into ``folder`` (the future ``<export_root>/<mart>``).

    Unpartitioned: ``<mart>.parquet``. Partitioned by a date column:
    ``<column>=YYYY-MM-DD/part-0.parquet``. Paths in the result are relative to the export
    root (``<mart>/...``).
    """
    if partition_by is None:
        name = f"{mart}.parquet"
        return (write_parquet(table, folder / name, f"{mart}/{name}"),)
    files = []
    for day, rows in date_partitions(table, partition_by):
        relative = f"{partition_by}={day}/{FILE_NAME}"
        files.append(write_parquet(rows, folder / relative, f"{mart}/{relative}"))
    return tuple(files)
