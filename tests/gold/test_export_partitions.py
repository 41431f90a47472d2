"""Incremental exports: unchanged files are carried over, changed ones written, vanished ones
removed, and the result is byte-identical to an export from scratch (manifests included).

One warehouse is built from a generated landing zone; the tests change copies of it in
DuckDB (a changed row, a deleted day, a duplicate key in another partition) and publish
them over an export of the original.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from medallion.exports import ExportReport, publish_exports
from medallion.exports import batches as batches_module
from medallion.exports.batches import BATCH_ROWS, READER_THREAD, batches, changed_partitions
from medallion.exports.contracts import CONTRACTS
from medallion.exports.fingerprints import PartFingerprint, part_fingerprints
from medallion.exports.manifest import MANIFEST_NAME
from medallion.exports.stamps import STAMPS_NAME
from medallion.exports.warehouse import connect_read_only, export_memory_settings
from tests.conftest import PROJECT_DIR, run_cli
from tests.gold.helpers import Build, demo_landing, run_dbt

pytestmark = pytest.mark.slow

PARTITIONED = ("fct_orders", "fct_order_lines", "mart_daily_sales")
# Kill points: once the staging folder of <mart> exists, wait <seconds>, then SIGKILL.
KILL_POINTS = (
    ("dim_products", 0.0),
    ("fct_orders", 0.02),
    ("fct_order_lines", 0.05),
    ("mart_daily_sales", 0.0),
)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A warehouse built from a generated landing zone (three days of orders).

    ``dbt run`` rather than ``dbt build`` keeps the module fast; tests/gold runs the tests.
    """
    root = tmp_path_factory.mktemp("export_partitions")
    warehouse = root / "build" / "warehouse" / "medallion.duckdb"
    warehouse.parent.mkdir(parents=True)
    run_cli("ingest", "--landing", str(demo_landing(root / "landing")), warehouse=warehouse)
    result = run_dbt("run", warehouse=warehouse, workdir=root / "build")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return Build(warehouse, root / "build" / "target", result.returncode, output)


def copy_warehouse(build: Build, folder: Path) -> Path:
    """A copy of the built warehouse (the file keeps its name: views name its catalogue)."""
    folder.mkdir(parents=True)
    copy = folder / build.warehouse.name
    shutil.copyfile(build.warehouse, copy)
    return copy


def execute(warehouse: Path, *statements: str) -> None:
    """Run ``statements`` on a read-write connection to ``warehouse``."""
    with duckdb.connect(str(warehouse)) as connection:
        for statement in statements:
            connection.execute(statement)


def days(warehouse: Path) -> list[str]:
    """The order dates of fct_order_lines, ascending, as YYYY-MM-DD."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select distinct order_date from gold.fct_order_lines order by 1"
        ).fetchall()
    return [row[0].isoformat() for row in rows]


def file_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (manifests and hidden entries included)."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def inodes(root: Path) -> dict[str, int]:
    """The inode of every Parquet file under ``root``, by relative path."""
    return {
        path.relative_to(root).as_posix(): path.stat().st_ino
        for path in sorted(root.rglob("*.parquet"))
    }


def reported_hashes(report: ExportReport) -> dict[str, str]:
    return {exported.path: exported.sha256 for mart in report.marts for exported in mart.files}


def mart_hashes(hashes: dict[str, str], mart: str) -> dict[str, str]:
    return {path: digest for path, digest in hashes.items() if path.startswith(f"{mart}/")}


def test_an_unchanged_warehouse_reuses_every_file(build: Build, tmp_path: Path) -> None:
    root = tmp_path / "exports"
    first = publish_exports(build.warehouse, root)
    before, files = inodes(root), file_hashes(root)
    second = publish_exports(build.warehouse, root)

    assert first.ok and second.ok
    for mart in first.marts:
        assert (mart.files_written, mart.files_reused) == (len(mart.files), 0), mart.mart
    for mart in second.marts:
        assert (mart.files_written, mart.files_reused) == (0, len(mart.files)), mart.mart
        assert mart.files  # every mart has at least one file in this build
    assert inodes(root) == before  # the same files, not rewritten
    assert file_hashes(root) == files
    assert reported_hashes(second) == reported_hashes(first)
    assert all((root / mart / MANIFEST_NAME).is_file() for mart in CONTRACTS)
    listed = second.to_dict()["marts"][0]
    assert (listed["files_written"], listed["files_reused"]) == (0, 1)


def test_changed_partitions_are_rewritten_and_vanished_ones_removed(
    build: Build, tmp_path: Path
) -> None:
    root = tmp_path / "exports"
    publish_exports(build.warehouse, root)
    before = inodes(root)
    warehouse = copy_warehouse(build, tmp_path / "changed")
    first_day, changed_day, *_, vanished_day = days(warehouse)
    execute(
        warehouse,
        f"""
        update gold.fct_order_lines
        -- stamped like every row a model writes (medallion/exports/fingerprints.py)
        set delivery_country = 'ZZ', _batch_at = localtimestamp
        where order_date = '{changed_day}' and transaction_id = (
            select min(transaction_id) from gold.fct_order_lines
            where order_date = '{changed_day}')
        """,
        *(f"delete from gold.{mart} where order_date = '{vanished_day}'" for mart in PARTITIONED),
        # a table without batch stamps: its fingerprint hashes the exported columns
        """
        update gold.mart_customer_value
        set rfm_segment = case when rfm_segment = 'loyal' then 'champions' else 'loyal' end
        where customer_id = (select min(customer_id) from gold.mart_customer_value)
        """,
        # an unpartitioned table with batch stamps, stamped like every row a model writes
        """
        update gold.dim_customers set country = 'ZZ', _batch_at = localtimestamp
        where customer_id = (select min(customer_id) from gold.dim_customers)
        """,
    )

    report = publish_exports(warehouse, root)
    fresh = publish_exports(warehouse, tmp_path / "fresh")

    assert report.ok and fresh.ok
    assert file_hashes(root) == file_hashes(tmp_path / "fresh")  # manifests included
    assert reported_hashes(report) == reported_hashes(fresh)
    lines = report.mart("fct_order_lines")
    assert (lines.files_written, lines.files_reused) == (1, len(lines.files) - 1)
    assert report.mart("mart_customer_value").files_written == 1
    assert report.mart("dim_customers").files_written == 1
    for mart in ("fct_orders", "mart_daily_sales"):
        outcome = report.mart(mart)
        assert (outcome.files_written, outcome.files_reused) == (0, len(outcome.files)), mart
    after = inodes(root)
    changed = f"fct_order_lines/order_date={changed_day}/part-0.parquet"
    assert after[changed] != before[changed]
    unchanged = f"fct_order_lines/order_date={first_day}/part-0.parquet"
    assert after[unchanged] == before[unchanged]
    assert set(after) == set(before) - {
        f"{mart}/order_date={vanished_day}/part-0.parquet" for mart in PARTITIONED
    }
    assert not any(root.glob(f"*/order_date={vanished_day}"))
    assert sorted(path.name for path in root.iterdir()) == sorted(CONTRACTS)


def test_a_duplicate_key_in_another_partition_fails_and_keeps_the_export(
    build: Build, tmp_path: Path
) -> None:
    root = tmp_path / "exports"
    publish_exports(build.warehouse, root)
    before, files = inodes(root), file_hashes(root)
    warehouse = copy_warehouse(build, tmp_path / "duplicated")
    first_day, other_day, *_ = days(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        row = connection.execute(
            f"select min(transaction_id) from gold.fct_orders where order_date = '{first_day}'"
        ).fetchone()
    assert row is not None
    secret = str(row[0])
    # The copies land in another day: only that partition changed, the originals are reused.
    execute(
        warehouse,
        f"""
        insert into gold.fct_orders
        select * replace (date '{other_day}' as order_date) from gold.fct_orders
        where transaction_id = '{secret}'
        """,
        f"""
        insert into gold.fct_order_lines
        select * replace (date '{other_day}' as order_date) from gold.fct_order_lines
        where transaction_id = '{secret}' and line_position = 1
        """,
        "update gold.mart_daily_sales set order_date = null where order_date = ("
        "select min(order_date) from gold.mart_daily_sales)",
    )

    report = publish_exports(warehouse, root, marts=[*PARTITIONED, "dim_products"])

    assert report.with_status("failed_validation") == PARTITIONED
    assert report.with_status("published") == ("dim_products",)
    orders_error = report.mart("fct_orders").error or ""
    assert "column transaction_id: field_uniqueness failed on 2 row(s)" in orders_error
    lines_error = report.mart("fct_order_lines").error or ""
    assert "key (line_position, transaction_id): duplicated on 2 row(s)" in lines_error
    sales_error = report.mart("mart_daily_sales").error or ""
    assert "column order_date: not_nullable failed on" in sales_error
    assert all(secret not in (mart.error or "") for mart in report.marts)
    assert inodes(root) == before and file_hashes(root) == files
    assert sorted(path.name for path in root.iterdir()) == sorted(CONTRACTS)


def test_an_empty_partitioned_mart_is_published_without_files(build: Build, tmp_path: Path) -> None:
    warehouse = copy_warehouse(build, tmp_path / "empty")
    root = tmp_path / "exports"
    publish_exports(warehouse, root, marts=["mart_daily_sales"])
    execute(warehouse, "delete from gold.mart_daily_sales")

    report = publish_exports(warehouse, root, marts=["mart_daily_sales"])

    assert report.ok and report.mart("mart_daily_sales").files == ()
    assert [path.name for path in (root / "mart_daily_sales").iterdir()] == [MANIFEST_NAME]


def test_a_manifest_that_does_not_fit_reuses_nothing_of_its_mart(
    build: Build, tmp_path: Path
) -> None:
    root = tmp_path / "exports"
    publish_exports(build.warehouse, root)
    manifest = root / "fct_orders" / MANIFEST_NAME
    document = json.loads(manifest.read_text())
    document["signature"] = "0" * 64  # as if written under another contract or writer
    manifest.write_text(json.dumps(document))
    (root / "dim_customers" / MANIFEST_NAME).write_text("{not json")
    damaged = next((root / "fct_order_lines").rglob("*.parquet"))
    damaged.write_bytes(b"not the file the manifest describes")

    report = publish_exports(build.warehouse, root)
    publish_exports(build.warehouse, tmp_path / "fresh")

    assert report.ok
    assert file_hashes(root) == file_hashes(tmp_path / "fresh")
    for mart in ("fct_orders", "dim_customers"):
        outcome = report.mart(mart)
        assert (outcome.files_written, outcome.files_reused) == (len(outcome.files), 0), mart
    lines = report.mart("fct_order_lines")
    assert (lines.files_written, lines.files_reused) == (1, len(lines.files) - 1)
    assert report.mart("dim_products").files_reused == 1


def test_stamped_marts_fingerprint_only_files_whose_stamps_changed(
    build: Build, tmp_path: Path
) -> None:
    root = tmp_path / "exports"
    publish_exports(build.warehouse, root)
    kept = json.loads((root / "fct_order_lines" / STAMPS_NAME).read_text())
    warehouse = copy_warehouse(build, tmp_path / "changed")
    first_day, changed_day, *_ = days(warehouse)
    assert set(kept["files"]) == set(days(warehouse))
    edit = (
        "update gold.fct_order_lines set delivery_country = 'ZZ'{stamp} "
        "where order_date = '{day}' and transaction_id = (select min(transaction_id) "
        "from gold.fct_order_lines where order_date = '{day}')"
    )
    execute(
        warehouse,
        # no model changes a row without stamping it: this edit goes unseen on purpose
        edit.format(stamp="", day=first_day),
        edit.format(stamp=", _batch_at = localtimestamp", day=changed_day),
    )

    before = inodes(root)
    report = publish_exports(warehouse, root, marts=["fct_order_lines"])
    lines = report.mart("fct_order_lines")
    assert (lines.files_written, lines.files_reused) == (1, len(lines.files) - 1)
    after = inodes(root)
    assert {path for path in after if after[path] != before[path]} == {
        f"fct_order_lines/order_date={changed_day}/part-0.parquet"
    }

    # Without the kept stamps every file is fingerprinted in full: the unstamped edit is found.
    (root / "fct_order_lines" / STAMPS_NAME).unlink()
    report = publish_exports(warehouse, root, marts=["fct_order_lines"])
    lines = report.mart("fct_order_lines")
    assert (lines.files_written, lines.files_reused) == (1, len(lines.files) - 1)
    assert (
        inodes(root)[f"fct_order_lines/order_date={first_day}/part-0.parquet"]
        != (after[f"fct_order_lines/order_date={first_day}/part-0.parquet"])
    )
    assert publish_exports(warehouse, tmp_path / "fresh", marts=["fct_order_lines"]).ok
    assert file_hashes(root / "fct_order_lines") == file_hashes(
        tmp_path / "fresh" / "fct_order_lines"
    )


def test_a_killed_export_leaves_every_mart_old_or_new(build: Build, tmp_path: Path) -> None:
    root = tmp_path / "exports"
    publish_exports(build.warehouse, root)
    old = file_hashes(root)
    warehouse = copy_warehouse(build, tmp_path / "changed")
    _, changed_day, *_, vanished_day = days(warehouse)
    execute(
        warehouse,
        *(
            # stamped like every row a model writes (medallion/exports/fingerprints.py)
            f"update gold.{mart} set delivery_country = 'ZZ', _batch_at = localtimestamp"
            f" where order_date = '{changed_day}'"
            for mart in ("fct_orders", "fct_order_lines")
        ),
        "update gold.mart_daily_sales set revenue = revenue + 1, _batch_at = localtimestamp"
        f" where order_date = '{changed_day}' and orders > 0",
        *(f"delete from gold.{mart} where order_date = '{vanished_day}'" for mart in PARTITIONED),
        "update gold.dim_products set product_name = 'renamed' where sku = "
        "(select min(sku) from gold.dim_products)",
    )
    assert publish_exports(warehouse, tmp_path / "fresh").ok
    new = file_hashes(tmp_path / "fresh")
    assert all(mart_hashes(new, mart) != mart_hashes(old, mart) for mart in PARTITIONED)
    script = (
        "import sys; from pathlib import Path; from medallion.exports import publish_exports; "
        "publish_exports(Path(sys.argv[1]), Path(sys.argv[2]))"
    )

    killed = []
    for target, delay in KILL_POINTS:
        process = subprocess.Popen(
            [sys.executable, "-c", script, str(warehouse), str(root)], cwd=PROJECT_DIR
        )
        try:
            while process.poll() is None and not any(root.glob(f".{target}.staging-*")):
                time.sleep(0.002)
            time.sleep(delay)
        finally:
            process.kill()  # SIGKILL; nothing when it has already ended
            killed.append(process.wait() == -signal.SIGKILL)
        published = {
            path: digest for path, digest in file_hashes(root).items() if not path.startswith(".")
        }
        for mart in CONTRACTS:
            assert mart_hashes(published, mart) in (mart_hashes(old, mart), mart_hashes(new, mart))

    assert any(killed), "every export ended before it could be killed"

    report = publish_exports(warehouse, root)
    assert report.ok
    assert file_hashes(root) == new  # stale staging folders removed, nothing mixed
    assert sorted(path.name for path in root.iterdir()) == sorted(CONTRACTS)


def test_duckdb_gets_a_share_of_the_configured_memory_while_exporting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for configured, limit in (("2GB", "600000KB"), ("1 GiB", "322122KB"), ("junk", "junk")):
        monkeypatch.setenv("MEDALLION_DUCKDB_MEMORY_LIMIT", configured)
        assert export_memory_settings()["memory_limit"] == limit


def test_changed_partitions_are_read_in_batches_of_neighbours() -> None:
    def part(day: int | None, rows: int) -> PartFingerprint:
        return PartFingerprint(None if day is None else date(2020, 1, day), rows, f"{rows}:0")

    parts = [part(None, 1), *(part(day, rows) for day, rows in enumerate([5, 5, 5, 5], 1))]
    parts += [part(5, BATCH_ROWS - 6), part(6, BATCH_ROWS + 1), part(7, 1), part(8, 1)]
    changed = [True, True, True, False, True, True, True, True, True]

    found = batches(parts, changed)

    # The null partition alone; no batch spans the unchanged day 3; at most BATCH_ROWS rows
    # per batch, unless one partition alone has more.
    assert [[p.value.day if p.value else None for p in batch] for batch in found] == [
        [None],
        [1, 2],
        [4, 5],
        [6],
        [7, 8],
    ]


def readers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith(READER_THREAD)]


def test_the_next_batch_is_read_beside_the_current_one_and_an_early_stop_leaves_nothing_running(
    build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches_module, "BATCH_ROWS", 1)  # each day a batch of its own
    contract = CONTRACTS["fct_order_lines"]
    columns = list(contract.columns)
    sorted_day = (
        f"select {', '.join(columns)} from gold.fct_order_lines where order_date = ? "
        "order by transaction_id, line_position"
    )
    with connect_read_only(build.warehouse) as connection:
        parts = part_fingerprints(connection, contract, columns)
        assert len(parts) >= 3
        tables = changed_partitions(connection, contract, columns, parts, [True] * len(parts))

        for expected, (part, table) in zip(parts[:2], tables, strict=False):
            assert part is expected
            assert table.equals(connection.execute(sorted_day, [part.value]).to_arrow_table())
            assert len(readers()) == 1  # reading the next day meanwhile
        tables.close()

        assert readers() == []
