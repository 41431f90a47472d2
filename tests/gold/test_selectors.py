"""Mart plans (selectors.yml): each builds its marts with everything upstream, nothing else."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import PROJECT_DIR

DAILY = {"mart_daily_sales", "mart_product_performance"}
CUSTOMER = {
    "mart_customer_value",
    "customer_segment_predictions",
    "customer_segment_prediction_accuracy",
}
QUALITY = {"mart_data_quality"}
STREAMS = {"mart_order_status_daily", "mart_funnel_daily"}
UPSTREAM_OF_SALES = {"fct_orders", "fct_order_lines", "dim_products", "slv_transactions"}


@pytest.fixture(scope="module")
def select(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], set[str]]:
    """``dbt ls --selector <name>`` (models and snapshots), in-process on one parse."""
    from dbt.cli.main import dbtRunner

    workdir = tmp_path_factory.mktemp("gold_selectors")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(workdir / "target"))
        patch.setenv("DBT_LOG_PATH", str(workdir / "logs"))
        patch.setenv("MEDALLION_WAREHOUSE", str(workdir / "unused.duckdb"))
        common = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--quiet"]
        parsed = dbtRunner().invoke(["parse", *common])
        assert parsed.success, parsed.exception
        runner = dbtRunner(manifest=parsed.result)
        selections: dict[str, set[str]] = {}
        for name in ("daily", "customer", "quality", "streams", "all_marts"):
            listed = runner.invoke(
                [
                    "ls",
                    *common,
                    "--selector",
                    name,
                    "--resource-type",
                    "model",
                    "--resource-type",
                    "snapshot",
                    "--output",
                    "name",
                ]
            )
            assert listed.success, listed.exception
            selections[name] = set(listed.result)
    return selections.__getitem__


def gold_marts(selection: set[str]) -> set[str]:
    return {name for name in selection if name.startswith(("mart_", "customer_segment_"))}


def test_daily_plan(select: Callable[[str], set[str]]) -> None:
    assert gold_marts(select("daily")) == DAILY
    assert select("daily") >= UPSTREAM_OF_SALES | {"brz_transactions"}
    assert "dim_customers" not in select("daily")


def test_customer_plan(select: Callable[[str], set[str]]) -> None:
    assert gold_marts(select("customer")) == CUSTOMER
    assert select("customer") >= {"dim_customers", "fct_orders", "int_segment_model_scores"}


def test_quality_plan(select: Callable[[str], set[str]]) -> None:
    assert gold_marts(select("quality")) == QUALITY
    assert select("quality") >= {"slv_reconciliation", "slv_transactions_quarantine"}
    assert not select("quality") & {"fct_orders", "dim_customers"}


def test_streams_plan(select: Callable[[str], set[str]]) -> None:
    assert gold_marts(select("streams")) == STREAMS
    assert select("streams") >= {
        "fct_order_lifecycle",
        "fct_sessions",
        "fct_purchase_conversions",
        "slv_order_changes",
        "slv_clickstream_events",
        "fct_orders",
    }


def test_all_marts_plan_is_everything(select: Callable[[str], set[str]]) -> None:
    everything = select("all_marts")
    assert gold_marts(everything) == DAILY | CUSTOMER | QUALITY | STREAMS
    assert {"snp_product_prices", "dim_customers", "slv_erasure_audit"} <= everything
    for plan in ("daily", "customer", "quality", "streams"):
        assert select(plan) <= everything
