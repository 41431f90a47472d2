"""A broken mart fails alone: dbt builds the rest, exports publish the healthy marts.

The break is made in a copy of the dbt project (never in the repository): dim_customers reads
a column silver does not have. Everything downstream of it is skipped; the daily and quality
marts, which do not depend on it, are built and exported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medallion.exports import publish_exports
from medallion.exports.contracts import CONTRACTS
from tests.gold.helpers import Build, build_warehouse, copy_project, demo_landing

pytestmark = pytest.mark.slow

BROKEN = "dim_customers"
SKIPPED = {
    "mart_customer_value",
    "customer_segment_predictions",
    "customer_segment_prediction_accuracy",
}
HEALTHY = {
    "dim_products",
    "fct_orders",
    "fct_order_lines",
    "mart_daily_sales",
    "mart_product_performance",
    "mart_data_quality",
}


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A generated landing zone built with a copy of the project whose dim_customers is broken."""
    root = tmp_path_factory.mktemp("gold_partial")
    project = copy_project(root / "project")
    model = project / "models" / "gold" / f"{BROKEN}.sql"
    model.write_text(
        model.read_text().replace(
            "    from customers\n)",
            "    from customers\n    where no_such_column\n)",
        )
    )
    assert "no_such_column" in model.read_text()
    landing = demo_landing(root / "landing", transactions=600)
    return build_warehouse(landing, root / "build", project_dir=project, check=False)


def model_id(name: str) -> str:
    return f"model.medallion.{name}"


def test_dbt_fails_the_broken_mart_and_skips_only_its_dependants(broken_build: Build) -> None:
    statuses = broken_build.node_statuses()

    assert broken_build.returncode == 1
    assert statuses[model_id(BROKEN)] == "error"
    for name in SKIPPED:
        assert statuses[model_id(name)] == "skipped", name
    for name in HEALTHY:
        assert statuses[model_id(name)] == "success", name
    failed = {node for node, status in statuses.items() if status in {"error", "fail"}}
    assert failed == {model_id(BROKEN)}
    # Tests of the broken model are skipped, those of healthy marts ran.
    tests_of = {
        node: status
        for node, status in statuses.items()
        if node.startswith("test.medallion.") and "mart_daily_sales" in node
    }
    assert tests_of and set(tests_of.values()) == {"pass"}


def test_healthy_marts_exist_and_the_broken_ones_do_not(broken_build: Build) -> None:
    tables = {
        row[0]
        for row in broken_build.query(
            "select table_name from information_schema.tables where table_schema = 'gold'"
        )
    }
    assert tables >= HEALTHY
    assert not tables & (SKIPPED | {BROKEN})
    assert broken_build.scalar("select count(*) from gold.mart_daily_sales") > 0


def test_exports_publish_the_healthy_marts(broken_build: Build, tmp_path: Path) -> None:
    report = publish_exports(broken_build.warehouse, tmp_path)

    assert set(report.with_status("published")) == HEALTHY
    assert set(report.with_status("missing")) == SKIPPED | {BROKEN}
    assert report.with_status("failed_validation") == ()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(HEALTHY)
    assert set(CONTRACTS) == HEALTHY | SKIPPED | {BROKEN}
