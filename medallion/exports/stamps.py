"""Content fingerprints of a stamped mart, computed again only for the files whose rows changed.

Hashing every exported column of every row (``fingerprints.part_fingerprints``) cost 1.6 s of
each refresh at 10M lines, nearly all of it the 30M order lines and 10M orders, of which a
refresh changes a day or two. A table an incremental model writes stamps each row it writes
with the run's batch (``_batch_at``, macros/incremental.sql) and changes a row only by deleting
it or writing it again. So the count and the sum of the hashes of the stamps of a file's rows
(read from one column) changes whenever its rows change: fewer rows, or rows of a later batch.

The published mart folder keeps, beside the manifest, the stamps each file's content
fingerprint was computed at (``STAMPS_NAME``). A file whose stamps are unchanged keeps that
fingerprint; the others are hashed in full, as before. The manifest itself keeps only content
fingerprints, so its bytes still depend on the data alone; this file depends on the
warehouse's history (the times of its batches) and is the one file of a mart folder that two
exports of the same rows may disagree on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from medallion.durable import write_json_durably
from medallion.exports.contracts import MartContract
from medallion.exports.fingerprints import PartFingerprint, part_fingerprints
from medallion.exports.warehouse import qualified, quote

BATCH_COLUMN = "_batch_at"
"""The column in which an incremental model stamps the rows it writes with its batch."""
STAMPS_NAME = ".batch-stamps.json"
STAMPS_FORMAT = 1

KeptFingerprints = dict[str, tuple[str, PartFingerprint]]
"""Partition key -> (stamps, content fingerprint computed at those stamps)."""


def is_stamped(table_types: Sequence[tuple[str, str]]) -> bool:
    """True when a table of these ``(column, SQL type)`` has the batch stamp column."""
    return any(column == BATCH_COLUMN for column, _ in table_types)


def _file_order(part: PartFingerprint) -> tuple[bool, dt.date]:
    return (part.value is not None, part.value or dt.date.min)


def _key(value: dt.date | None) -> str:
    return "null" if value is None else value.isoformat()


def batch_stamps(
    connection: duckdb.DuckDBPyConnection, contract: MartContract
) -> dict[dt.date | None, str]:
    """Per future file (partition value, or None for an unpartitioned mart): its stamps."""
    stamps = f"count(*)::varchar || ':' || coalesce(sum(hash({quote(BATCH_COLUMN)})), 0)::varchar"
    table = qualified(contract.name)
    if contract.partition_by is None:
        row = connection.execute(f"select {stamps} from {table}").fetchone()
        assert row is not None
        return {None: str(row[0])}
    column = quote(contract.partition_by)
    rows = connection.execute(f"select {column}, {stamps} from {table} group by {column}")
    return {value: str(digest) for value, digest in rows.fetchall()}


def stamped_fingerprints(
    connection: duckdb.DuckDBPyConnection,
    contract: MartContract,
    columns: Sequence[str],
    published: Path,
    signature: str,
) -> tuple[list[PartFingerprint], KeptFingerprints]:
    """The content fingerprint of each future file in file order (as ``part_fingerprints``),
    hashing only the files whose stamps differ from those kept beside the published files;
    and what to keep beside the new ones."""
    stamps = batch_stamps(connection, contract)
    kept = read_kept(published, signature)
    reused = {
        value: kept[_key(value)][1]
        for value, digest in stamps.items()
        if _key(value) in kept and kept[_key(value)][0] == digest
    }
    changed = [value for value in stamps if value not in reused]
    fresh = part_fingerprints(connection, contract, columns, only=changed) if changed else []
    # file order: the null partition first, then ascending (as part_fingerprints gives them)
    parts = sorted([*reused.values(), *fresh], key=_file_order)
    return parts, {_key(part.value): (stamps[part.value], part) for part in parts}


def read_kept(folder: Path, signature: str) -> KeptFingerprints:
    """What the published folder keeps; nothing when absent, unreadable or of another signature."""
    try:
        raw = json.loads((folder / STAMPS_NAME).read_text(encoding="utf-8"))
        if raw.get("format") != STAMPS_FORMAT or raw.get("signature") != signature:
            return {}
        files: Mapping[str, Mapping[str, object]] = raw["files"]
        return {
            key: (
                str(entry["stamps"]),
                PartFingerprint(
                    None if key == "null" else dt.date.fromisoformat(key),
                    int(str(entry["rows"])),
                    str(entry["fingerprint"]),
                ),
            )
            for key, entry in files.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_kept(folder: Path, signature: str, kept: KeptFingerprints) -> None:
    """Write what to keep into the (staged) mart folder ``folder``, flushed to disk."""
    document = {
        "format": STAMPS_FORMAT,
        "signature": signature,
        "files": {
            key: {"stamps": stamps, "rows": part.rows, "fingerprint": part.fingerprint}
            for key, (stamps, part) in sorted(kept.items())
        },
    }
    write_json_durably(folder / STAMPS_NAME, document)
