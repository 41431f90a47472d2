"""An ingest hashes a landing file again only when it changed on disk since it was hashed.

The kept digest is trusted while the file's stat is the same, change time included: a file
rewritten with its old size and modification time put back is still hashed again and loaded
as a new version. ``--verify-checksums`` hashes every file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from dlt_pipelines.checksums import LandingChecksums, read_checksums, store_checksums
from dlt_pipelines.lines import file_sha256
from tests.conftest import run_cli


def _customer_line(customer_id: str, email: str) -> str:
    return json.dumps({"id": customer_id, "email": email}) + "\n"


def _kept(warehouse: Path) -> dict[str, tuple[str, int]]:
    """relative path -> (kept SHA-256, kept change time)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            item.relative_path: (item.sha256, item.stat.changed_ns) for item in read_checksums(con)
        }


def _versions(warehouse: Path) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select relative_path, change, file_sha256 from bronze.landing_files"
            " order by _dlt_load_id, relative_path"
        ).fetchall()
    return [(str(path), str(change), str(sha)) for path, change, sha in rows]


def test_unchanged_files_keep_their_digest_and_rewritten_ones_are_hashed(tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    first.write_text(_customer_line("000001", "a@b.c"))
    second.write_text(_customer_line("000002", "d@e.f"))

    hashing = LandingChecksums(())
    assert hashing.sha256("a.json", first) == file_sha256(first)
    assert hashing.sha256("b.json", second) == file_sha256(second)
    assert [item.relative_path for item in hashing.hashed] == ["a.json", "b.json"]

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        store_checksums(con, hashing.hashed)
        kept = read_checksums(con)
    trusting = LandingChecksums(kept)
    assert trusting.sha256("a.json", first) == file_sha256(first)
    assert trusting.hashed == []

    # Same size, same modification time, other bytes: only the change time tells.
    stat = first.stat()
    first.write_text(_customer_line("000001", "x@y.z"))
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert first.stat().st_size == stat.st_size and first.stat().st_mtime_ns == stat.st_mtime_ns
    assert trusting.sha256("a.json", first) == file_sha256(first)
    assert [item.relative_path for item in trusting.hashed] == ["a.json"]

    verifying = LandingChecksums(kept, verify=True)
    verifying.sha256("b.json", second)
    assert [item.relative_path for item in verifying.hashed] == ["b.json"]


def test_an_ingest_keeps_digests_and_loads_a_file_rewritten_in_place(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    hour = landing / "date=2020-01-01" / "hour=00"
    hour.mkdir(parents=True)
    customers = hour / "customers.json"
    customers.write_text(_customer_line("000001", "a@b.c"))
    warehouse = tmp_path / "warehouse.duckdb"
    relative = "date=2020-01-01/hour=00/customers.json"

    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    kept = _kept(warehouse)
    assert kept[relative][0] == file_sha256(customers)[0]

    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    assert _kept(warehouse) == kept  # nothing hashed again, nothing loaded again
    assert len(_versions(warehouse)) == 1

    stat = customers.stat()
    customers.write_text(_customer_line("000001", "x@y.z"))
    os.utime(customers, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    assert _versions(warehouse) == [
        (relative, "new", kept[relative][0]),
        (relative, "changed", file_sha256(customers)[0]),
    ]

    before = _kept(warehouse)
    run_cli("ingest", "--landing", str(landing), "--verify-checksums", warehouse=warehouse)
    assert _kept(warehouse)[relative][0] == before[relative][0]
    assert len(_versions(warehouse)) == 2
