"""Erasure reaches every byte the warehouse owns (real dataset, storage uncompressed).

With DuckDB forced to store values uncompressed, personal data would be visible in the
file as plain bytes. The positive control proves the scan can see a customer who was not
erased; then no erased subject's email, phone number or (distinctive) name may occur in
the database file, its WAL, dlt's folders, dbt's target/ and logs, or anything else the
run wrote under the project.
"""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.conftest import PROJECT_DIR, run_cli


def landing_records(root: Path, entity: str) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    for path in sorted(root.glob(f"date=*/hour=*/{entity}.json*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as lines:
            records.extend(json.loads(line) for line in lines if line.strip())
    return records


def personal_values(real: Path) -> tuple[set[bytes], bytes]:
    """Byte strings that identify the erased subjects, and one email that was not erased."""
    requests = landing_records(real, "erasure-requests")
    customers = landing_records(real, "customers")
    erased_ids = {str(r["customer-id"]).strip() for r in requests}
    erased_emails = {str(r["email"]).strip().lower() for r in requests}
    erased = [
        c
        for c in customers
        if c["id"] in erased_ids or str(c.get("email") or "").lower() in erased_emails
    ]
    kept = [c for c in customers if c not in erased]
    assert len({c["id"] for c in erased}) == 23
    erased_customer_ids = {c["id"] for c in erased}
    kept_transactions = [
        t
        for t in landing_records(real, "transactions")
        if t["customer_id"] not in erased_customer_ids
    ]
    # Everything that is not an erased subject's own: a name that also appears there (a
    # street named after it, another customer's surname) proves nothing either way.
    kept_text = json.dumps([kept, kept_transactions, landing_records(real, "products")])
    values: set[bytes] = set()
    for customer in erased:
        for key in ("email", "phone_number"):
            value = customer.get(key)
            if isinstance(value, str) and value:
                values.update({value.encode(), value.lower().encode()})
        for key in ("first_name", "last_name", "address"):
            value = customer.get(key)
            if isinstance(value, str) and len(value) >= 4 and value not in kept_text:
                values.add(value.encode())
    control = next(str(c["email"]) for c in kept if c.get("email") and c["id"] not in erased_ids)
    return values, control.encode()


def files_to_scan(roots: list[Path], since: float) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
            continue
        for path in root.rglob("*"):
            if path.is_file() and ".venv" not in path.parts and path.stat().st_mtime >= since:
                found.append(path)
    return found


TABLE_DIGESTS = """
select table_schema, table_name from information_schema.tables
where table_schema in ('silver', 'gold') and table_type = 'BASE TABLE'
  and table_name <> 'slv_erasure_targets'
order by 1, 2
"""


# Build metadata, not results: when an incremental model (re)wrote the row.
BUILD_METADATA_COLUMNS = {"_batch_at"}


def table_digests(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Row count and a digest of the sorted rows of every silver and gold table."""
    digests = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema, name in con.execute(TABLE_DIGESTS).fetchall():
            columns = [
                f'"{row[0]}"'
                for row in con.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if row[0] not in BUILD_METADATA_COLUMNS
            ]
            digests[f"{schema}.{name}"] = con.execute(
                f"""
                select count(*), md5(string_agg(cast(t as varchar), chr(10)
                                     order by cast(t as varchar)))
                from (select {", ".join(columns)} from "{schema}"."{name}") as t
                """
            ).fetchone()
    return digests  # type: ignore[return-value]


class Built:
    """One `medallion build` of the real dataset with uncompressed storage."""

    def __init__(self, root: Path, started: float, stdout: str) -> None:
        self.root = root
        self.warehouse = root / "warehouse" / "medallion.duckdb"
        self.started = started
        self.stdout = stdout


@contextmanager
def uncompressed_storage(root: Path) -> Iterator[None]:
    """DuckDB stores values uncompressed (personal values are plain bytes in the file), and
    dbt's target and logs go under ``root``, for the commands run inside."""
    patch = pytest.MonkeyPatch()
    patch.setenv("MEDALLION_DUCKDB_FORCE_COMPRESSION", "uncompressed")
    patch.setenv("DBT_TARGET_PATH", str(root / "target"))
    patch.setenv("DBT_LOG_PATH", str(root / "logs"))
    try:
        yield
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def built(real_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("erasure")
    started = time.time() - 1
    with uncompressed_storage(root):
        warehouse = root / "warehouse" / "medallion.duckdb"
        result = run_cli("build", "--landing", str(real_dataset), warehouse=warehouse)
        yield Built(root, started, result.stdout)


@pytest.mark.real_data
def test_no_byte_of_an_erased_subject_survives(real_dataset: Path, built: Built) -> None:
    warehouse = built.warehouse
    # A first load: the requests are applied first (a rewrite of the then small file), and the
    # subjects' customers and transactions arrive anonymized (medallion/requests_first.py).
    record = yaml.safe_load(Path(built.stdout.split("run record:")[1].split()[0]).read_text())
    assert record["erasure"]["bronze_rows_rewritten"] == {"erasure_requests": 24}
    assert record["erasure"]["file_rewritten"]
    anonymized = record["loads"]["rows_anonymized_this_run"]
    assert (anonymized["customers"], anonymized["transactions"]) == (23, 282)

    values, control = personal_values(real_dataset)
    assert len(values) > 2 * 23, "at least two identifying values per subject (email, phone)"
    database_bytes = warehouse.read_bytes()
    assert control in database_bytes, "positive control: a kept customer's email must be visible"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        subjects = con.execute("select count(*) from silver.slv_erasure_subjects").fetchone()
    assert subjects == (23,)

    scanned = files_to_scan(
        [
            built.root,
            PROJECT_DIR / "target",
            PROJECT_DIR / "logs",
            PROJECT_DIR / "reports",
            PROJECT_DIR,
        ],
        built.started,
    )
    assert warehouse in scanned
    leaks = [
        f"{path}: {value.decode()!r}"
        for path in scanned
        for data in [path.read_bytes()]
        for value in values
        if value in data
    ]
    assert not leaks, "\n".join(leaks[:20])
    wal = warehouse.with_name(warehouse.name + ".wal")
    assert not wal.exists() or os.path.getsize(wal) == 0


@pytest.mark.real_data
def test_results_do_not_change_once_bronze_is_erased(real_dataset: Path, built: Built) -> None:
    """Silver and gold built from erased bronze equal those built before the rewrite."""
    before = table_digests(built.warehouse)
    assert len(before) > 20
    again = run_cli("build", "--landing", str(real_dataset), warehouse=built.warehouse)
    assert "erasure: 0 bronze rows rewritten" in again.stdout
    assert table_digests(built.warehouse) == before
