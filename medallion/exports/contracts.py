"""Consumer contracts of the gold marts: one pandera schema per exported mart.

A contract is what a consumer of the Parquet exports may rely on: the columns (in order),
their Arrow types (the Parquet files carry exactly these), nullability, value ranges and the
primary key (unique; also the row order of the files). The dbt model contracts
(models/gold/_gold__models.yml) guarantee the warehouse types; these guarantee the export.

A mart exports only its contract's columns. ``dim_customers`` deliberately exports no
personal field (names, email, phone, date of birth, address, postcode, city): they stay in
the warehouse, where erasure reaches them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import pandera.pandas as pa
import pyarrow

STRING = pd.ArrowDtype(pyarrow.string())
BIGINT = pd.ArrowDtype(pyarrow.int64())
DOUBLE = pd.ArrowDtype(pyarrow.float64())
BOOLEAN = pd.ArrowDtype(pyarrow.bool_())
DATE = pd.ArrowDtype(pyarrow.date32())
TIMESTAMP = pd.ArrowDtype(pyarrow.timestamp("us"))
MONEY = pd.ArrowDtype(pyarrow.decimal128(18, 3))

SEGMENTS = ["health", "sports", "beauty"]
CATEGORIES = ["vitamin", "beauty", "sports", "misc", "food"]
RFM_SEGMENTS = ["champions", "loyal", "new", "at_risk", "hibernating", "potential"]
# Orders before this are not plausible for this business: a guard against epoch-zero dates.
EARLIEST_DATE = dt.date(2000, 1, 1)

ZERO = Decimal(0)


@dataclass(frozen=True)
class MartContract:
    """A gold mart's consumer contract and export layout."""

    name: str
    schema: pa.DataFrameSchema
    key: tuple[str, ...]
    partition_by: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The exported columns, in order."""
        return tuple(self.schema.columns)


def _column(
    dtype: pd.ArrowDtype,
    *checks: pa.Check,
    nullable: bool = False,
    unique: bool = False,
) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=nullable, unique=unique)


def _schema(name: str, columns: dict[str, pa.Column], key: tuple[str, ...]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        columns,
        name=name,
        strict=True,
        ordered=True,
        unique=list(key) if len(key) > 1 else None,
        report_duplicates="all",
    )


def _non_negative() -> pa.Check:
    return pa.Check.ge(0)


def _money_non_negative() -> pa.Check:
    return pa.Check.ge(ZERO)


def _plausible_date() -> pa.Check:
    return pa.Check.ge(EARLIEST_DATE)


def _contract(
    name: str,
    columns: dict[str, pa.Column],
    key: tuple[str, ...],
    partition_by: str | None = None,
) -> MartContract:
    return MartContract(name, _schema(name, columns, key), key, partition_by)


DIM_CUSTOMERS = _contract(
    "dim_customers",
    {
        "customer_id": _column(STRING, unique=True),
        "country": _column(STRING),
        "segment": _column(STRING, pa.Check.isin(SEGMENTS), nullable=True),
        "last_change": _column(DATE, nullable=True),
        "is_erased": _column(BOOLEAN),
    },
    key=("customer_id",),
)

DIM_PRODUCTS = _contract(
    "dim_products",
    {
        "sku": _column(BIGINT, unique=True),
        "product_name": _column(STRING, nullable=True),
        "category": _column(STRING, pa.Check.isin(CATEGORIES), nullable=True),
        "price": _column(MONEY, pa.Check.gt(ZERO)),
        "popularity": _column(DOUBLE, pa.Check.in_range(0, 1), nullable=True),
    },
    key=("sku",),
)

FCT_ORDERS = _contract(
    "fct_orders",
    {
        "transaction_id": _column(STRING, unique=True),
        "customer_id": _column(STRING),
        "transaction_time": _column(TIMESTAMP),
        "order_date": _column(DATE, _plausible_date()),
        "delivery_country": _column(STRING, nullable=True),
        "line_count": _column(BIGINT, pa.Check.gt(0)),
        "item_count": _column(BIGINT, pa.Check.gt(0)),
        "order_total": _column(MONEY, _money_non_negative()),
        "is_customer_erased": _column(BOOLEAN),
        "is_customer_quarantined": _column(BOOLEAN),
        "has_quarantined_product": _column(BOOLEAN),
    },
    key=("transaction_id",),
    partition_by="order_date",
)

FCT_ORDER_LINES = _contract(
    "fct_order_lines",
    {
        "transaction_id": _column(STRING),
        "line_position": _column(BIGINT, pa.Check.gt(0)),
        "customer_id": _column(STRING),
        "order_date": _column(DATE, _plausible_date()),
        "delivery_country": _column(STRING, nullable=True),
        "sku": _column(BIGINT),
        "product_category": _column(STRING, pa.Check.isin(CATEGORIES), nullable=True),
        "quantity": _column(BIGINT, pa.Check.gt(0)),
        "unit_price": _column(MONEY, _money_non_negative()),
        "line_total": _column(MONEY, _money_non_negative()),
        "catalogue_price": _column(MONEY, pa.Check.gt(ZERO), nullable=True),
        "is_product_quarantined": _column(BOOLEAN),
        "is_catalogue_price_mismatch": _column(BOOLEAN),
    },
    key=("transaction_id", "line_position"),
    partition_by="order_date",
)

MART_DAILY_SALES = _contract(
    "mart_daily_sales",
    {
        "order_date": _column(DATE, _plausible_date()),
        "product_category": _column(STRING, pa.Check.isin([*CATEGORIES, "unknown"])),
        "delivery_country": _column(STRING),
        "revenue": _column(MONEY, _money_non_negative()),
        "orders": _column(BIGINT, pa.Check.gt(0)),
        "units": _column(BIGINT, pa.Check.gt(0)),
        "distinct_customers": _column(BIGINT, pa.Check.gt(0)),
        "order_lines": _column(BIGINT, pa.Check.gt(0)),
    },
    key=("order_date", "product_category", "delivery_country"),
    partition_by="order_date",
)

MART_CUSTOMER_VALUE = _contract(
    "mart_customer_value",
    {
        "customer_id": _column(STRING, unique=True),
        "first_order_date": _column(DATE, _plausible_date()),
        "last_order_date": _column(DATE, _plausible_date()),
        "as_of_date": _column(DATE, _plausible_date()),
        "recency_days": _column(BIGINT, _non_negative()),
        "frequency": _column(BIGINT, pa.Check.gt(0)),
        "monetary": _column(MONEY, _money_non_negative()),
        "average_order_value": _column(MONEY, _money_non_negative()),
        "recency_score": _column(BIGINT, pa.Check.in_range(1, 5)),
        "frequency_score": _column(BIGINT, pa.Check.in_range(1, 5)),
        "monetary_score": _column(BIGINT, pa.Check.in_range(1, 5)),
        "rfm_segment": _column(STRING, pa.Check.isin(RFM_SEGMENTS)),
    },
    key=("customer_id",),
)

MART_PRODUCT_PERFORMANCE = _contract(
    "mart_product_performance",
    {
        "sku": _column(BIGINT, unique=True),
        "product_name": _column(STRING, nullable=True),
        "category": _column(STRING, pa.Check.isin(CATEGORIES), nullable=True),
        "catalogue_price": _column(MONEY, pa.Check.gt(ZERO)),
        "revenue": _column(MONEY, _money_non_negative()),
        "units_sold": _column(BIGINT, _non_negative()),
        "orders": _column(BIGINT, _non_negative()),
        "distinct_customers": _column(BIGINT, _non_negative()),
        "first_order_date": _column(DATE, _plausible_date(), nullable=True),
        "last_order_date": _column(DATE, _plausible_date(), nullable=True),
        "category_revenue_rank": _column(BIGINT, pa.Check.gt(0)),
        "category_revenue_share": _column(DOUBLE, pa.Check.in_range(0, 1), nullable=True),
    },
    key=("sku",),
)

MART_DATA_QUALITY = _contract(
    "mart_data_quality",
    {
        "entity": _column(STRING),
        "issue": _column(STRING, pa.Check.isin(["quarantine", "duplicate"])),
        "quality_rule": _column(STRING, pa.Check.str_length(min_value=1)),
        "partition_date": _column(DATE, _plausible_date(), nullable=True),
        "affected_rows": _column(BIGINT, _non_negative()),
    },
    key=("entity", "issue", "quality_rule", "partition_date"),
)

CUSTOMER_SEGMENT_PREDICTIONS = _contract(
    "customer_segment_predictions",
    {
        "customer_id": _column(STRING, unique=True),
        "predicted_segment": _column(STRING, pa.Check.isin(SEGMENTS)),
        "confidence": _column(DOUBLE, pa.Check.in_range(0, 1)),
        "model_version": _column(STRING, pa.Check.str_length(min_value=1)),
        "predicted_at": _column(TIMESTAMP),
    },
    key=("customer_id",),
)

CUSTOMER_SEGMENT_PREDICTION_ACCURACY = _contract(
    "customer_segment_prediction_accuracy",
    {
        "segment": _column(STRING, unique=True),
        "model_version": _column(STRING, pa.Check.str_length(min_value=1)),
        "holdout_customers": _column(BIGINT, _non_negative()),
        "predicted_customers": _column(BIGINT, _non_negative()),
        "true_positives": _column(BIGINT, _non_negative()),
        "segment_precision": _column(DOUBLE, pa.Check.in_range(0, 1), nullable=True),
        "segment_recall": _column(DOUBLE, pa.Check.in_range(0, 1), nullable=True),
        "holdout_size": _column(BIGINT, _non_negative()),
        "training_size": _column(BIGINT, _non_negative()),
        "accuracy": _column(DOUBLE, pa.Check.in_range(0, 1), nullable=True),
        "baseline_segment": _column(STRING, nullable=True),
        "baseline_accuracy": _column(DOUBLE, pa.Check.in_range(0, 1), nullable=True),
    },
    key=("segment",),
)

CONTRACTS: dict[str, MartContract] = {
    contract.name: contract
    for contract in (
        DIM_CUSTOMERS,
        DIM_PRODUCTS,
        FCT_ORDERS,
        FCT_ORDER_LINES,
        MART_DAILY_SALES,
        MART_CUSTOMER_VALUE,
        MART_PRODUCT_PERFORMANCE,
        MART_DATA_QUALITY,
        CUSTOMER_SEGMENT_PREDICTIONS,
        CUSTOMER_SEGMENT_PREDICTION_ACCURACY,
    )
}
"""Every exported gold mart by name, in export order (the snapshot is not exported: its
validity times are build times, so its files could not be reproducible)."""
