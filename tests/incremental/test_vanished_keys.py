"""A key that vanishes upstream leaves the incremental models that stored it, in a refresh.

A corrected re-delivery moves a customer's only order to another customer. The first customer
then has no purchases: a refresh must delete its rows from int_customer_category_shares and
int_customer_products (their post-hooks, macros/incremental.sql), and end with the rows a full
refresh builds. Until
2026-11-23 these post-hooks were called inside config(), rendered once at parse time, where
is_incremental() is false: every one of them was "select 1", and the customer stayed.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.gold.helpers import copy_project
from tests.refresh.helpers import Place, demo_landing

pytestmark = pytest.mark.slow

SHARES = """
    select customer_id, segment, category, is_holdout, spend, spend_share, orders
    from gold.int_customer_category_shares
    order by all
"""
PRODUCTS = "select customer_id, sku from gold.int_customer_products order by all"


def test_a_customer_whose_only_order_moved_away_leaves_the_shares(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    landing = demo_landing(tmp_path, project)
    dumps = tmp_path / "no-dumps"
    dumps.mkdir()
    sources = ("--landing", str(landing), "--kafka-dumps", str(dumps))
    place = Place.under(tmp_path / "wh")
    built = place.run("build", *sources, project=project)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]

    single_orders = place.query(
        """
        select customer_id, any_value(transaction_id)
        from gold.fct_orders
        where customer_id in (select customer_id from gold.int_customer_category_shares)
        group by customer_id
        having count(*) = 1
        order by customer_id
        """
    )
    files: dict[Path, list[bytes]] = {}
    for path in sorted(landing.glob("date=*/hour=*/transactions.json.gz")):
        try:  # bytes: the generator writes a few broken lines and one truncated file
            files[path] = gzip.decompress(path.read_bytes()).splitlines()
        except EOFError:
            continue
    found = [
        (customer_id, transaction_id, path, number)
        for customer_id, transaction_id in single_orders
        for path, lines in files.items()
        for number, line in enumerate(lines)
        if transaction_id.encode() in line
    ]
    assert found, "no customer with one order has it in a whole landing file"
    leaving, moved, path, number = found[0]
    receiving = place.query(
        "select min(customer_id) from gold.int_customer_category_shares "
        f"where customer_id <> '{leaving}'"
    )[0][0]
    lines = files[path]
    lines[number] = json.dumps({**json.loads(lines[number]), "customer_id": receiving}).encode()
    # the same path: a corrected re-delivery
    path.write_bytes(gzip.compress(b"".join(line + b"\n" for line in lines)))

    refreshed = place.run("refresh", *sources, project=project)
    assert refreshed.returncode == 0, refreshed.stdout[-4000:] + refreshed.stderr[-4000:]
    assert place.query(
        f"select customer_id from gold.fct_orders where transaction_id = '{moved}'"
    ) == [(receiving,)]
    kept = place.query(
        f"select count(*) from gold.int_customer_category_shares where customer_id = '{leaving}'"
    )
    assert kept == [(0,)], "the customer without orders kept its category shares"
    kept = place.query(
        f"select count(*) from gold.int_customer_products where customer_id = '{leaving}'"
    )
    assert kept == [(0,)], "the customer without orders kept their products"
    incremental = place.query(SHARES), place.query(PRODUCTS)

    rebuilt = place.run("refresh", "--full-refresh", *sources, project=project)
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:] + rebuilt.stderr[-4000:]
    assert (place.query(SHARES), place.query(PRODUCTS)) == incremental
