"""Stage one mart's files: carry over the unchanged ones, read, validate and write the rest.

Memory stays bounded: a partitioned mart is read from DuckDB a few partitions (days) at a
time (``batches``) and validated and written one partition at a time; its key uniqueness is
checked in DuckDB over the whole mart (``keys``). Before reading anything, the fingerprint of every
future file is computed in DuckDB (``fingerprints``); a file whose fingerprint and export
signature equal those in the published mart's manifest is hard-linked from the published
folder instead of being read, validated and written again (it holds the same rows, checked
by the same contract, written by the same writer: a fresh export would write the same bytes).
For a mart written by an incremental model, only the files whose rows were written or deleted
since the last export are fingerprinted (``stamps``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow

from medallion.exports.batches import changed_partitions
from medallion.exports.contracts import MartContract
from medallion.exports.fingerprints import PartFingerprint, export_signature, part_fingerprints
from medallion.exports.keys import duplicated_rows, key_checks
from medallion.exports.manifest import Manifest, ManifestEntry, read_manifest, write_manifest
from medallion.exports.parquet import link_or_copy, mart_file_path, write_parquet
from medallion.exports.report import ExportedFile
from medallion.exports.stamps import KeptFingerprints, is_stamped, stamped_fingerprints, write_kept
from medallion.exports.validation import Failures, partition_schema, validate_table
from medallion.exports.warehouse import column_types, exported_columns, read_empty, read_mart


@dataclass(frozen=True)
class StagedMart:
    """A mart's files staged for publishing, with how many were written or carried over."""

    files: tuple[ExportedFile, ...]
    written: int
    reused: int


@dataclass(frozen=True)
class _Part:
    """A future file: its fingerprint and, when unchanged since the manifest, its entry."""

    fingerprint: PartFingerprint
    reuse: ManifestEntry | None


def stage_mart(
    connection: duckdb.DuckDBPyConnection, contract: MartContract, published: Path, staging: Path
) -> StagedMart | str:
    """Put the mart's files and manifest into ``staging``; a failure summary when invalid.

    ``published``: the mart's current folder (may not exist), whose files may be reused.
    Nothing is ever written into it.
    """
    table_types = column_types(connection, contract.name)
    columns = exported_columns(contract, table_types)
    names = [name for name, _ in columns]
    partition_by = contract.partition_by
    if partition_by is not None and partition_by not in names:
        # Cannot be read by partition: the schema check names what is wrong with it.
        failures = validate_table(read_empty(connection, contract, names), contract.schema)
        return failures.summary() or f"{partition_by} is not in the warehouse table"
    signature = export_signature(contract, columns)
    kept: KeptFingerprints | None = None
    if is_stamped(table_types):
        fingerprints, kept = stamped_fingerprints(connection, contract, names, published, signature)
    else:
        fingerprints = part_fingerprints(connection, contract, names)
    parts = _plan(contract, fingerprints, published, signature)
    failures = _check_keys(connection, contract, names, parts)
    schema = contract.schema if partition_by is None else partition_schema(contract)
    if not parts:  # an empty partitioned mart: no rows, but its columns must still fit
        failures.add(validate_table(read_empty(connection, contract, names), schema))
    entries: list[ManifestEntry] = []
    planned = [part.fingerprint for part in parts]
    changed = [part.reuse is None for part in parts]
    tables = (
        changed_partitions(connection, contract, names, planned, changed)
        if partition_by is not None
        else _whole_mart(connection, contract, names, planned[0])
    )
    for part in parts:
        if part.reuse is not None:
            if failures.ok:
                link_or_copy(published / part.reuse.path, staging / part.reuse.path)
            entries.append(part.reuse)
            continue
        read, table = next(tables)
        assert read is part.fingerprint
        failures.add(validate_table(table, schema))
        if failures.ok:  # after a failure: validate the rest for a full summary, write nothing
            entries.append(_write(table, contract, part.fingerprint, staging))
    summary = failures.summary()
    if summary is not None:
        return summary
    write_manifest(staging, Manifest(contract.name, signature, tuple(entries)))
    if kept:
        write_kept(staging, signature, kept)
    reused = sum(1 for part in parts if part.reuse is not None)
    files = tuple(entry.exported(contract.name) for entry in entries)
    return StagedMart(files, written=len(parts) - reused, reused=reused)


def _whole_mart(
    connection: duckdb.DuckDBPyConnection,
    contract: MartContract,
    columns: Sequence[str],
    part: PartFingerprint,
) -> Iterator[tuple[PartFingerprint, pyarrow.Table]]:
    """An unpartitioned mart's one file: all its rows (read when asked for)."""
    yield part, read_mart(connection, contract, columns)


def _write(
    table: pyarrow.Table, contract: MartContract, part: PartFingerprint, staging: Path
) -> ManifestEntry:
    """Write one validated file into ``staging`` (without the partition column)."""
    path = mart_file_path(contract.name, contract.partition_by, part.value)
    if contract.partition_by is not None:
        table = table.drop_columns([contract.partition_by])
    exported = write_parquet(table, staging / path, f"{contract.name}/{path}")
    return ManifestEntry(
        path=path,
        fingerprint=part.fingerprint,
        rows=exported.rows,
        size=(staging / path).stat().st_size,
        sha256=exported.sha256,
        columns=exported.columns,
    )


def _plan(
    contract: MartContract,
    fingerprints: list[PartFingerprint],
    published: Path,
    signature: str,
) -> list[_Part]:
    """The future files; those unchanged since the published manifest carry their entry."""
    manifest = read_manifest(published)
    usable = (
        manifest is not None and manifest.mart == contract.name and manifest.signature == signature
    )
    previous = manifest.by_path() if manifest is not None and usable else {}
    parts = []
    for fingerprint in fingerprints:
        entry = None
        if contract.partition_by is None or fingerprint.value is not None:  # null: no file
            path = mart_file_path(contract.name, contract.partition_by, fingerprint.value)
            entry = previous.get(path)
        if entry is not None and (
            entry.fingerprint != fingerprint.fingerprint or not _intact(published / path, entry)
        ):
            entry = None
        parts.append(_Part(fingerprint, entry))
    return parts


def _intact(path: Path, entry: ManifestEntry) -> bool:
    """The published file is there, with the size the manifest says."""
    try:
        return path.is_file() and path.stat().st_size == entry.size
    except OSError:
        return False


def _check_keys(
    connection: duckdb.DuckDBPyConnection,
    contract: MartContract,
    names: list[str],
    parts: list[_Part],
) -> Failures:
    """Key uniqueness over the whole partitioned mart (unpartitioned: pandera checks it).

    When some files are reused, only the keys of the other partitions are looked up (each
    against the whole mart): the reused partitions hold the same rows as in the previous
    export, which passed the same checks, so they have no duplicate among themselves.
    Nothing changed: nothing to check.
    """
    failures = Failures()
    if contract.partition_by is None:
        return failures
    changed = [part.fingerprint.value for part in parts if part.reuse is None]
    if not changed:
        return failures
    scope: list[dt.date] | None = None
    if len(changed) < len(parts) and all(value is not None for value in changed):
        scope = [value for value in changed if value is not None]
    for check in key_checks(contract, names):
        failures.add_rows(check.label, duplicated_rows(connection, contract, check, scope))
    return failures
