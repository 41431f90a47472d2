"""A product that turns valid reaches the stored transactions that bought it, in a refresh.

slv_transactions re-checks a stored transaction flagged ``has_quarantined_product`` only when
none of its lines has a quarantined product any more (models/silver/slv_transactions.sql). A
generated landing zone whose every version of one product is invalid (price 0.00) is built;
then a valid version lands and a refresh runs: the transactions that bought it lose the flag,
and silver ends as a full refresh of the same bronze builds it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.refresh.helpers import Place, demo_landing, read_lines, write_lines

pytestmark = pytest.mark.slow

FLAGS = """
    select transaction_id, has_quarantined_product, is_customer_quarantined
    from silver.slv_transactions
    order by transaction_id
"""


def product_sku(line: str) -> object:
    """The sku of a products line, or None (the generator writes a few broken lines too)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record.get("sku") if isinstance(record, dict) else None


def with_zero_price(line: str) -> str:
    return json.dumps({**json.loads(line), "price": "0.00"})


def test_a_product_that_turns_valid_reaches_its_stored_transactions(
    root: Path, project: Path
) -> None:
    landing = demo_landing(root, project)
    transactions_file = sorted(landing.glob("date=*/hour=*/transactions.json.gz"))[0]
    first_transaction = json.loads(read_lines(transactions_file)[0])
    sku = first_transaction["purchases"]["products"][0]["sku"]
    valid_versions: list[str] = []
    for products_file in sorted(landing.glob("date=*/hour=*/products.json.gz")):
        lines = read_lines(products_file)
        valid_versions += [line for line in lines if product_sku(line) == sku]
        write_lines(
            products_file,
            [with_zero_price(line) if product_sku(line) == sku else line for line in lines],
        )
    assert valid_versions, f"sku {sku} is in no products file"
    dumps = root / "no-dumps"
    dumps.mkdir()
    sources = ("--landing", str(landing), "--kafka-dumps", str(dumps))
    place = Place.under(root / "wh")
    bought = f"""
        select bool_or(has_quarantined_product) from silver.slv_transactions
        where transaction_id = '{first_transaction["transaction_id"].strip().lower()}'
    """

    built = place.run("build", *sources, project=project)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    assert place.query(bought) == [(True,)]

    write_lines(landing / "date=2021-01-01" / "hour=00" / "products.json.gz", valid_versions[-1:])
    refreshed = place.run("refresh", *sources, project=project)
    assert refreshed.returncode == 0, refreshed.stdout[-4000:] + refreshed.stderr[-4000:]
    assert place.query(bought) == [(False,)]
    incremental = place.query(FLAGS)

    rebuilt = place.run("refresh", "--full-refresh", *sources, project=project)
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:] + rebuilt.stderr[-4000:]
    assert place.query(FLAGS) == incremental
