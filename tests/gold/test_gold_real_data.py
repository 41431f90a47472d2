"""Gold on the real dataset: money reconciles to the source, predictions cover, docs complete."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.gold.helpers import Build, build_warehouse

pytestmark = [pytest.mark.real_data, pytest.mark.slow]

# The sum of purchases.total_cost over the 10,000 distinct transactions (docs/gold.md).
REAL_TOTAL_COST = Decimal("1177344.19")
REAL_TRANSACTIONS = 10_000
GOLD_TABLES = {
    "dim_customers",
    "dim_products",
    "fct_orders",
    "fct_order_lines",
    "mart_daily_sales",
    "mart_customer_value",
    "mart_product_performance",
    "mart_data_quality",
    "customer_segment_predictions",
    "customer_segment_prediction_accuracy",
}


@pytest.fixture(scope="module")
def build(real_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real dataset, ingested and built once for the module."""
    return build_warehouse(real_dataset, tmp_path_factory.mktemp("gold_real"))


def raw_transactions(landing: Path) -> Iterator[dict[str, object]]:
    """Every transaction record of the landing zone, read straight from the files."""
    for path in sorted(landing.glob("date=*/hour=*/transactions.json*")):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        for line in data.decode("utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


def source_total_cost(landing: Path) -> tuple[int, Decimal]:
    """(distinct transactions, sum of their total_cost), independently of the pipeline."""
    totals: dict[str, Decimal] = {}
    for record in raw_transactions(landing):
        transaction_id = str(record["transaction_id"])
        purchases = record["purchases"]
        assert isinstance(purchases, dict)
        total = Decimal(str(purchases["total_cost"]))
        # Re-deliveries repeat the same transaction: they must not count twice.
        assert totals.setdefault(transaction_id, total) == total, transaction_id
    return len(totals), sum(totals.values(), Decimal(0))


def test_money_reconciles_from_source_to_marts(build: Build, real_dataset: Path) -> None:
    transactions, total_cost = source_total_cost(real_dataset)
    assert (transactions, total_cost) == (REAL_TRANSACTIONS, REAL_TOTAL_COST)

    assert build.scalar("select sum(total_cost) from silver.slv_transactions") == total_cost
    assert build.scalar("select sum(line_total) from gold.fct_order_lines") == total_cost
    assert build.scalar("select sum(order_total) from gold.fct_orders") == total_cost
    assert build.scalar("select sum(revenue) from gold.mart_daily_sales") == total_cost
    assert build.scalar("select count(*) from gold.fct_orders") == REAL_TRANSACTIONS
    assert build.scalar("select count(*) from gold.fct_order_lines") == build.scalar(
        "select count(*) from silver.slv_transaction_lines"
    )


def test_daily_sales_cover_every_day_and_line(build: Build) -> None:
    days, units, lines = build.query(
        "select count(distinct order_date), sum(units), sum(order_lines) from gold.mart_daily_sales"
    )[0]
    assert days == 31
    assert units == build.scalar("select sum(quantity) from gold.fct_order_lines")
    assert lines == build.scalar("select count(*) from gold.fct_order_lines")


def test_predictions_cover_every_unsegmented_customer_with_purchases(build: Build) -> None:
    expected = {
        row[0]
        for row in build.query(
            """
            select customers.customer_id
            from gold.dim_customers as customers
            where customers.segment is null
              and exists (select 1 from gold.fct_orders as orders
                          where orders.customer_id = customers.customer_id)
            """
        )
    }
    predicted = {
        row[0] for row in build.query("select customer_id from gold.customer_segment_predictions")
    }
    assert len(expected) > 300
    assert predicted == expected

    low, high, versions, as_of = build.query(
        """
        select min(confidence), max(confidence), count(distinct model_version),
               max(predicted_at) = (select max(transaction_time) from gold.fct_orders)
        from gold.customer_segment_predictions
        """
    )[0]
    assert 0 <= low <= high <= 1
    assert versions == 1
    assert as_of is True


def test_erasure_subjects_keep_only_non_personal_facts(build: Build) -> None:
    erased = {
        row[0] for row in build.query("select customer_id from gold.dim_customers where is_erased")
    }
    assert erased, "the real dataset has erasure subjects"
    predicted = {
        row[0] for row in build.query("select customer_id from gold.customer_segment_predictions")
    }
    unsegmented = {
        row[0]
        for row in build.query(
            """
            select customer_id from gold.dim_customers as customers
            where is_erased and segment is null
              and exists (select 1 from gold.fct_orders as orders
                          where orders.customer_id = customers.customer_id)
            """
        )
    }
    assert unsegmented, "the real dataset has erased customers with a null segment and orders"
    assert unsegmented <= predicted
    personal = build.scalar(
        """
        select count(*) from gold.dim_customers
        where is_erased and coalesce(first_name, last_name, email, phone_number, address,
                                     postcode, city, cast(date_of_birth as varchar)) is not null
        """
    )
    assert personal == 0


def test_segment_model_beats_the_majority_baseline(build: Build) -> None:
    rows = build.query(
        """
        select segment, holdout_customers, predicted_customers, true_positives, holdout_size,
               training_size, accuracy, baseline_accuracy, baseline_segment
        from gold.customer_segment_prediction_accuracy order by segment
        """
    )
    assert [row[0] for row in rows] == ["beauty", "health", "sports"]
    holdout_size, training_size, accuracy, baseline = rows[0][4:8]
    assert sum(row[1] for row in rows) == holdout_size == sum(row[2] for row in rows)
    assert holdout_size >= 50 and training_size > 2 * holdout_size
    assert accuracy == round(sum(row[3] for row in rows) / holdout_size, 6)
    assert accuracy > baseline, (accuracy, baseline)
    assert rows[0][8] == "health"  # the majority segment of the real data


def test_customer_value_scores_are_reproducible_quintiles(build: Build) -> None:
    as_of, max_order_date, low, high = build.query(
        """
        select max(as_of_date), (select max(order_date) from gold.fct_orders),
               min(least(recency_score, frequency_score, monetary_score)),
               max(greatest(recency_score, frequency_score, monetary_score))
        from gold.mart_customer_value
        """
    )[0]
    assert as_of == max_order_date
    assert (low, high) == (1, 5)


def test_data_quality_counts_match_silver(build: Build) -> None:
    duplicates = dict(
        build.query(
            "select entity, affected_rows from gold.mart_data_quality where issue = 'duplicate'"
        )
    )
    assert duplicates == dict(
        build.query("select entity, duplicate_rows from silver.slv_reconciliation")
    )
    quarantined = dict(
        build.query(
            """
            select entity, sum(affected_rows) from gold.mart_data_quality
            where issue = 'quarantine' group by entity
            """
        )
    )
    # Real data: 14 customers and 10 products quarantined, each breaking one rule (or two).
    assert quarantined["products"] == 10
    assert quarantined["customers"] >= 14


def test_every_gold_model_and_column_is_described(build: Build) -> None:
    manifest = build.manifest()
    gold_nodes = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in {"model", "snapshot"}
        and (node["fqn"][1] == "gold" or node["resource_type"] == "snapshot")
    ]
    names = {node["name"] for node in gold_nodes}
    assert GOLD_TABLES | {"snp_product_prices"} <= names

    undocumented = []
    for node in gold_nodes:
        if not node["description"].strip():
            undocumented.append(node["name"])
        undocumented += [
            f"{node['name']}.{column}"
            for column, spec in node["columns"].items()
            if not spec["description"].strip()
        ]
        if node["config"]["materialized"] == "ephemeral":
            continue
        built = {
            row[0]
            for row in build.query(
                "select column_name from information_schema.columns "
                f"where table_schema = 'gold' and table_name = '{node['name']}'"
            )
        }
        undocumented += [
            f"{node['name']}.{column}" for column in sorted(built - set(node["columns"]))
        ]
        if node["resource_type"] == "model":
            assert node["config"]["contract"]["enforced"], node["name"]
            assert all(spec["data_type"] for spec in node["columns"].values()), node["name"]
    assert undocumented == []


def test_gold_keys_are_tested(build: Build) -> None:
    """Every gold table has a key tested unique, each of its columns tested not null on every
    row (``not_null``, or one ``not_null_columns`` test for several columns)."""
    manifest = build.manifest()
    tested: dict[str, set[str]] = {}
    keys: dict[str, set[str]] = {}
    not_null: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or "test_metadata" not in node:
            continue
        model = (node["attached_node"] or "").split(".")[-1]
        name, arguments = node["test_metadata"]["name"], node["test_metadata"]["kwargs"]
        tested.setdefault(model, set()).add(name)
        if name == "unique":
            keys.setdefault(model, set()).add(arguments["column_name"])
        elif name == "unique_combination":
            keys.setdefault(model, set()).update(arguments["columns"])
        # a not-null test with a condition of its own does not test every row
        elif node["config"]["where"] in (None, "__this_batch__"):
            if name == "not_null":
                not_null.setdefault(model, set()).add(arguments["column_name"])
            elif name == "not_null_columns":
                not_null.setdefault(model, set()).update(arguments["columns"])
    # the one key column that may be null: duplicates are counted per entity, not per day
    nullable_key_columns = {"mart_data_quality": {"partition_date"}}
    for table in GOLD_TABLES:
        assert keys.get(table), table
        required = keys[table] - nullable_key_columns.get(table, set())
        assert required <= not_null.get(table, set()), table
    for table in GOLD_TABLES - {
        "dim_customers",
        "dim_products",
        "mart_daily_sales",
        "mart_data_quality",
        "customer_segment_prediction_accuracy",
    }:
        assert "relationships" in tested[table], table
