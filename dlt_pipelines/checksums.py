"""SHA-256 of landing files, hashed again only when a file changed on disk since it was hashed.

An ingest plans by each file's SHA-256 (``ingest.py``). Hashing the whole landing zone on every
refresh cost what is old: 3.4 s of a one-hour refresh at 10M lines (1.2 GB of gzip files). The
warehouse keeps each file's digest with the stat it had when it was hashed
(``medallion_state.landing_checksums``); a file whose size, modification time, change time,
inode and device are all unchanged keeps its digest. The change time is the guard: any write
to a file or to its metadata sets it to the present, and no user call sets it back.

A full refresh hashes every file again (``verify=True``); so does an ingest on another machine
or after the landing zone was copied (new inodes and change times).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from dlt_pipelines.lines import file_sha256
from dlt_pipelines.state_schema import STATE_SCHEMA, table_exists

CHECKSUMS_TABLE = "landing_checksums"
QUALIFIED_TABLE = f"{STATE_SCHEMA}.{CHECKSUMS_TABLE}"


@dataclass(frozen=True)
class FileStat:
    """What identifies one state of a file on disk, short of reading it."""

    size_bytes: int
    modified_ns: int
    changed_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, path: Path) -> FileStat:
        """The stat of ``path`` now (raises ``OSError`` like ``os.stat``)."""
        stat = os.stat(path)
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)


@dataclass(frozen=True)
class Checksum:
    """A file's SHA-256 and size, and the stat it had just before it was read."""

    relative_path: str
    sha256: str
    stat: FileStat


class LandingChecksums:
    """The SHA-256 of landing files: the stored one while a file is unchanged on disk."""

    def __init__(self, stored: Iterable[Checksum], verify: bool = False) -> None:
        self._stored = {} if verify else {item.relative_path: item for item in stored}
        self.hashed: list[Checksum] = []

    def sha256(self, relative_path: str, path: Path) -> tuple[str, int]:
        """The SHA-256 and size of ``path``; read only when it changed since it was hashed."""
        # Taken before reading: a write during the read leaves a newer change time on disk than
        # the one stored, so the next ingest hashes the file again.
        stat = FileStat.of(path)
        stored = self._stored.get(relative_path)
        if stored is not None and stored.stat == stat:
            return stored.sha256, stat.size_bytes
        sha256, size = file_sha256(path)
        self.hashed.append(Checksum(relative_path, sha256, stat))
        return sha256, size


def read_checksums(con: duckdb.DuckDBPyConnection) -> list[Checksum]:
    """The digests the warehouse keeps (none before the first ingest that hashed a file)."""
    if not table_exists(con, STATE_SCHEMA, CHECKSUMS_TABLE):
        return []
    rows = con.execute(
        f"select relative_path, file_sha256, size_bytes, modified_ns, changed_ns, inode, device"
        f" from {QUALIFIED_TABLE}"
    ).fetchall()
    return [Checksum(row[0], row[1], FileStat(*row[2:])) for row in rows]


def store_checksums(con: duckdb.DuckDBPyConnection, hashed: Iterable[Checksum]) -> None:
    """Keep the digests of the files just hashed, replacing what was stored for their paths."""
    rows = list(hashed)
    if not rows:
        return
    con.execute(f"create schema if not exists {STATE_SCHEMA}")
    con.execute(
        f"""
        create table if not exists {QUALIFIED_TABLE} (
            relative_path varchar primary key,
            file_sha256 varchar not null,
            size_bytes bigint not null,
            modified_ns bigint not null,
            changed_ns bigint not null,
            inode ubigint not null,
            device ubigint not null
        )
        """
    )
    hashed_files = pa.table(
        {
            "relative_path": [row.relative_path for row in rows],
            "file_sha256": [row.sha256 for row in rows],
            "size_bytes": [row.stat.size_bytes for row in rows],
            "modified_ns": [row.stat.modified_ns for row in rows],
            "changed_ns": [row.stat.changed_ns for row in rows],
            "inode": pa.array([row.stat.inode for row in rows], pa.uint64()),
            "device": pa.array([row.stat.device for row in rows], pa.uint64()),
        }
    )
    con.register("hashed_files", hashed_files)
    try:
        con.execute(f"insert or replace into {QUALIFIED_TABLE} select * from hashed_files")
    finally:
        con.unregister("hashed_files")
