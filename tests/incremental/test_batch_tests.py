"""Tests of incremental models check the rows the build wrote; ``dbt test`` checks all rows.

macros/tests/where_batch.sql: in a ``dbt build`` the generic tests of a model stamped with
``_batch_at`` read only this build's rows, so a refresh costs what it wrote. Checked on a real
build of a small generated landing zone: the compiled tests, and that ``dbt test`` still finds
a duplicate hidden in rows an earlier build wrote.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cli
from tests.gold.helpers import Build, build_warehouse, run_dbt

pytestmark = pytest.mark.slow

BATCH_FILTER = "_batch_at = cast("


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A warehouse built by ``dbt build`` from a small generated landing zone."""
    workdir = tmp_path_factory.mktemp("batch_tests")
    landing = workdir / "landing"
    run_cli(
        "demo",
        "--out",
        str(landing),
        "--days",
        "2",
        "--transactions",
        "300",
        warehouse=workdir / "unused.duckdb",
    )
    return build_warehouse(landing, workdir)


def compiled_test(target: Path, name: str) -> str:
    """The compiled SQL of the generic test ``name`` (one file, wherever its YAML is)."""
    found = [path for path in target.glob(f"compiled/**/{name}.sql")]
    assert len(found) == 1, (name, found)
    return found[0].read_text()


def test_build_tests_an_incremental_model_on_its_batch_only(built: Build) -> None:
    incremental = compiled_test(built.target, "unique_fct_orders_transaction_id")
    table = compiled_test(built.target, "unique_mart_customer_value_customer_id")
    assert BATCH_FILTER in incremental
    assert "_batch_at" not in table


def test_dbt_test_checks_every_row(built: Build, tmp_path: Path) -> None:
    with duckdb.connect(str(built.warehouse)) as con:
        # A duplicate that no build wrote now: an earlier batch, as history would hold it.
        con.execute(
            """
            insert into gold.fct_orders
            select * replace (cast('2001-01-01' as timestamp) as _batch_at)
            from gold.fct_orders
            limit 1
            """
        )
    result = run_dbt(
        "test",
        "--select",
        "unique_fct_orders_transaction_id",
        warehouse=built.warehouse,
        workdir=tmp_path,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "FAIL 1 unique_fct_orders_transaction_id" in result.stdout
    assert BATCH_FILTER not in compiled_test(
        tmp_path / "target", "unique_fct_orders_transaction_id"
    )


def test_a_null_in_any_column_of_a_not_null_columns_test_fails_it(
    built: Build, tmp_path: Path
) -> None:
    """One ``not_null_columns`` test stands for a ``not_null`` test per column
    (macros/tests/not_null_columns.sql): a null in the last of its columns fails it."""
    [tested] = [
        node["test_metadata"]["kwargs"]["columns"]
        for node in built.manifest()["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("attached_node") == "model.medallion.slv_transactions"
        and node.get("test_metadata", {}).get("name") == "not_null_columns"
    ]
    column = tested[-1]
    with duckdb.connect(str(built.warehouse)) as con:
        con.execute(
            f"update silver.slv_transactions set {column} = null "
            "where transaction_id = (select min(transaction_id) from silver.slv_transactions)"
        )
    result = run_dbt(
        "test",
        "--select",
        "slv_transactions,test_name:not_null_columns",
        warehouse=built.warehouse,
        workdir=tmp_path,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "FAIL 1 not_null_columns_slv_transactions" in result.stdout, result.stdout[-3000:]
