"""Gold exports: contracts, byte-identical Parquet across warehouses, failures isolated."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from medallion.exports import ExportReport, publish_exports
from medallion.exports.contracts import CONTRACTS
from medallion.exports.manifest import MANIFEST_NAME as MANIFEST
from medallion.exports.stamps import STAMPS_NAME
from tests.gold.helpers import Build, build_warehouse, demo_landing

pytestmark = pytest.mark.slow

PARTITIONED = {"fct_orders", "fct_order_lines", "mart_daily_sales"}
PERSONAL_COLUMNS = {
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "date_of_birth",
    "address",
    "postcode",
    "city",
}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, Build]:
    """The same generated landing zone built into two fresh warehouses."""
    root = tmp_path_factory.mktemp("gold_exports")
    landing = demo_landing(root / "landing")
    return build_warehouse(landing, root / "first"), build_warehouse(landing, root / "second")


def file_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, by relative path (hidden entries included, but
    not the marts' manifests and batch stamps: the report lists the Parquet files only)."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and path.relative_to(root).as_posix()
        not in {f"{path.parent.name}/{MANIFEST}", f"{path.parent.name}/{STAMPS_NAME}"}
    }


def reported_hashes(report: ExportReport) -> dict[str, str]:
    return {exported.path: exported.sha256 for mart in report.marts for exported in mart.files}


def copy_warehouse(build: Build, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "warehouse.duckdb"
    shutil.copyfile(build.warehouse, copy)
    return copy


def test_two_fresh_warehouses_give_byte_identical_exports(
    builds: tuple[Build, Build], tmp_path: Path
) -> None:
    first = publish_exports(builds[0].warehouse, tmp_path / "first")
    second = publish_exports(builds[1].warehouse, tmp_path / "second")

    assert first.ok and second.ok, (first.to_dict(), second.to_dict())
    assert first.with_status("published") == tuple(CONTRACTS)
    hashes = file_hashes(tmp_path / "first")
    assert hashes == file_hashes(tmp_path / "second")
    assert hashes == reported_hashes(first) == reported_hashes(second)
    assert len(hashes) > len(CONTRACTS)  # partitioned facts: one file per day


def test_republishing_replaces_in_place_and_leaves_nothing_behind(
    builds: tuple[Build, Build], tmp_path: Path
) -> None:
    root = tmp_path / "exports"
    first = publish_exports(builds[0].warehouse, root)
    (root / "fct_orders" / "order_date=1999-01-01").mkdir()  # a stale partition
    again = publish_exports(builds[0].warehouse, root)

    assert reported_hashes(again) == reported_hashes(first) == file_hashes(root)
    assert sorted(path.name for path in root.iterdir()) == sorted(CONTRACTS)


def test_export_layout_types_and_row_order(builds: tuple[Build, Build], tmp_path: Path) -> None:
    build = builds[0]
    report = publish_exports(build.warehouse, tmp_path)

    for outcome in report.marts:
        contract = CONTRACTS[outcome.mart]
        paths = [exported.path for exported in outcome.files]
        if outcome.mart in PARTITIONED:
            assert paths, outcome.mart
            assert all(
                path.startswith(f"{outcome.mart}/order_date=20")
                and path.endswith("/part-0.parquet")
                for path in paths
            ), paths
        else:
            assert paths == [f"{outcome.mart}/{outcome.mart}.parquet"]
        for exported in outcome.files:
            schema = pq.read_schema(tmp_path / exported.path)
            assert [(c.name, c.type) for c in exported.columns] == [
                (field.name, str(field.type)) for field in schema
            ]
            assert schema.metadata is None or b"pandas" not in schema.metadata

        # Read back as a dataset: the same rows as the warehouse, in primary-key order.
        dataset = ds.dataset(
            tmp_path / outcome.mart,
            format="parquet",
            partitioning="hive" if contract.partition_by else None,
        )
        table = dataset.to_table()
        assert (
            table.num_rows
            == outcome.rows
            == build.scalar(f"select count(*) from gold.{outcome.mart}")
        )
        assert set(table.column_names) == set(contract.columns)
        if not contract.partition_by:
            keys = table.select(list(contract.key)).to_pylist()
            assert keys == sorted(keys, key=lambda row: tuple((v is None, v) for v in row.values()))

    exported_customer_columns = {c.name for c in report.mart("dim_customers").files[0].columns}
    assert not exported_customer_columns & PERSONAL_COLUMNS


def test_failed_validation_blocks_only_that_mart(
    builds: tuple[Build, Build], tmp_path: Path
) -> None:
    warehouse = copy_warehouse(builds[0], tmp_path / "warehouse")
    root = tmp_path / "exports"
    before = publish_exports(warehouse, root)
    assert before.ok

    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            """
            -- stamped like every row a model writes (medallion/exports/fingerprints.py)
            update gold.mart_daily_sales set revenue = -revenue, _batch_at = localtimestamp
            where order_date = (select min(order_date) from gold.mart_daily_sales)
            """
        )
        connection.execute(
            """
            update gold.customer_segment_predictions set confidence = 2
            where customer_id = (select min(customer_id) from gold.customer_segment_predictions)
            """
        )
        secret_id = connection.execute(
            "select min(customer_id) from gold.customer_segment_predictions"
        ).fetchone()[0]
    after = publish_exports(warehouse, root)

    assert set(after.with_status("failed_validation")) == {
        "mart_daily_sales",
        "customer_segment_predictions",
    }
    assert set(after.with_status("published")) == set(CONTRACTS) - {
        "mart_daily_sales",
        "customer_segment_predictions",
    }
    sales_error = after.mart("mart_daily_sales").error or ""
    assert "column revenue: greater_than_or_equal_to(0) failed on" in sales_error
    prediction_error = after.mart("customer_segment_predictions").error or ""
    assert "column confidence: in_range(0, 1) failed on 1 row(s)" in prediction_error
    assert secret_id not in prediction_error  # no value of the data in the report
    assert after.mart("mart_daily_sales").files == ()
    # The previous exports of the failed marts are untouched, the others were republished.
    assert file_hashes(root) == reported_hashes(before)


def test_missing_mart_keeps_previous_export(builds: tuple[Build, Build], tmp_path: Path) -> None:
    warehouse = copy_warehouse(builds[0], tmp_path / "warehouse")
    root = tmp_path / "exports"
    before = publish_exports(warehouse, root, marts=["mart_product_performance", "dim_products"])
    assert [m.mart for m in before.marts] == ["mart_product_performance", "dim_products"]

    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("drop table gold.mart_product_performance")
    after = publish_exports(warehouse, root, marts=["mart_product_performance", "dim_products"])

    assert after.mart("mart_product_performance").status == "missing"
    assert after.mart("dim_products").status == "published"
    assert file_hashes(root) == reported_hashes(before)

    with pytest.raises(ValueError, match="no export contract for nope"):
        publish_exports(warehouse, root, marts=["nope"])


def test_contract_drift_in_the_warehouse_is_a_validation_failure(
    builds: tuple[Build, Build], tmp_path: Path
) -> None:
    warehouse = copy_warehouse(builds[0], tmp_path / "warehouse")
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("alter table gold.dim_products drop column popularity")
        connection.execute("alter table gold.mart_customer_value alter frequency type integer")
    report = publish_exports(
        warehouse, tmp_path / "exports", marts=["dim_products", "mart_customer_value"]
    )

    assert report.with_status("failed_validation") == ("dim_products", "mart_customer_value")
    assert "column_in_dataframe: popularity" in (report.mart("dim_products").error or "")
    assert "column frequency: dtype" in (report.mart("mart_customer_value").error or "")
    assert not (tmp_path / "exports" / "dim_products").exists()
