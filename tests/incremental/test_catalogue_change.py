"""A catalogue change reaches the stored order lines that sold the product, in a refresh.

A later products file gives one product a new price and category. No transaction that sold
it is new, so silver's transactions do not change: slv_transaction_lines finds the lines by
its catalogue check, and fct_orders and fct_order_lines look their ids up in the stored
rows (``stamped_rows`` in macros/incremental.sql, only when there are any). After the
refresh the lines carry the new price and category, and silver and gold equal a full
refresh of the same bronze.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.incremental.helpers import table_content
from tests.refresh.helpers import Place, demo_landing, read_lines, write_lines

pytestmark = pytest.mark.slow

NEW_PRICE = "123.45"
# Built from the lines the change reaches (silver, the gold facts) and the marts summed by
# day and product or category.
TABLES = (
    ("silver", "slv_transaction_lines"),
    ("gold", "fct_orders"),
    ("gold", "fct_order_lines"),
    ("gold", "mart_daily_sales"),
    ("gold", "mart_product_performance"),
)


def products_records(landing: Path) -> list[dict[str, Any]]:
    """Every products record of the zone that is a JSON object (broken lines left out)."""
    records = []
    for products_file in sorted(landing.glob("date=*/hour=*/products.json.gz")):
        for line in read_lines(products_file):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def test_a_catalogue_change_reaches_the_stored_order_lines(root: Path, project: Path) -> None:
    landing = demo_landing(root, project)
    transactions_file = sorted(landing.glob("date=*/hour=*/transactions.json.gz"))[0]
    first_transaction = json.loads(read_lines(transactions_file)[0])
    sku = first_transaction["purchases"]["products"][0]["sku"]
    records = products_records(landing)
    versions = [record for record in records if record.get("sku") == sku]
    assert versions, f"sku {sku} is in no products file"
    new_category = sorted(
        {record["category"] for record in records if isinstance(record.get("category"), str)}
        - {versions[-1].get("category")}
    )[0]
    dumps = root / "no-dumps"
    dumps.mkdir()
    sources = ("--landing", str(landing), "--kafka-dumps", str(dumps))
    place = Place.under(root / "wh")
    sold = f"""
        select distinct catalogue_price, product_category from gold.fct_order_lines
        where sku = {int(sku)}
    """

    built = place.run("build", *sources, project=project)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    assert (Decimal(NEW_PRICE), new_category) not in place.query(sold)

    changed = {**versions[-1], "price": NEW_PRICE, "category": new_category}
    write_lines(landing / "date=2021-01-01" / "hour=00" / "products.json.gz", [json.dumps(changed)])
    refreshed = place.run("refresh", *sources, project=project)
    assert refreshed.returncode == 0, refreshed.stdout[-4000:] + refreshed.stderr[-4000:]
    assert place.query(sold) == [(Decimal(NEW_PRICE), new_category)]
    incremental = {table: table_content(place.warehouse, *table) for table in TABLES}

    rebuilt = place.run("refresh", "--full-refresh", *sources, project=project)
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:] + rebuilt.stderr[-4000:]
    for table in TABLES:
        assert table_content(place.warehouse, *table) == incremental[table], table
