"""A key that vanishes upstream leaves the incremental models that stored it, in a refresh.

A corrected re-delivery moves a customer's only order to another customer. The first customer
then has no purchases: a refresh must delete its rows from int_customer_category_shares and
int_customer_products (their post-hooks, macros/incremental.sql), and end with the rows a full
refresh builds. Until
2026-11-23 these post-hooks were called inside config(), rendered once at parse time, where
is_incremental() is false: every one of them was "select 1", and the customer stayed.

A corrected re-delivery that gives a transaction another id: bronze keeps both file versions,
so the old id stays current beside the new one, and the four transaction-keyed models (whose
`delete_vanished_transactions` post-hooks look up only the ids written since their last batch)
end as a full refresh builds them.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, NamedTuple

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


TRANSACTION_MODELS = (
    "silver.slv_transactions",
    "silver.slv_transaction_lines",
    "gold.fct_orders",
    "gold.fct_order_lines",
)


class Built(NamedTuple):
    """A demo landing zone built into a warehouse."""

    project: Path
    landing: Path
    sources: tuple[str, ...]
    place: Place


def build_demo(tmp_path: Path) -> Built:
    """A copy of the project, a demo landing zone and a warehouse built from it."""
    project = copy_project(tmp_path / "project")
    landing = demo_landing(tmp_path, project)
    dumps = tmp_path / "no-dumps"
    dumps.mkdir()
    sources = ("--landing", str(landing), "--kafka-dumps", str(dumps))
    place = Place.under(tmp_path / "wh")
    built = place.run("build", *sources, project=project)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    return Built(project, landing, sources, place)


def whole_transaction_files(landing: Path) -> dict[Path, list[bytes]]:
    """The lines of each transactions file of `landing` that decompresses whole."""
    files: dict[Path, list[bytes]] = {}
    for path in sorted(landing.glob("date=*/hour=*/transactions.json.gz")):
        try:  # bytes: the generator writes a few broken lines and one truncated file
            files[path] = gzip.decompress(path.read_bytes()).splitlines()
        except EOFError:
            continue
    return files


def redeliver(path: Path, lines: list[bytes]) -> None:
    """`lines` as a corrected re-delivery of `path` (the same path, new content)."""
    path.write_bytes(gzip.compress(b"".join(line + b"\n" for line in lines)))


def test_a_customer_whose_only_order_moved_away_leaves_the_shares(tmp_path: Path) -> None:
    project, landing, sources, place = build_demo(tmp_path)

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
    files = whole_transaction_files(landing)
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
    redeliver(path, lines)

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


def single_row_with_lines(line: bytes, ids: set[str]) -> dict[str, Any] | None:
    """The record of `line` when it is one of the transactions `ids` with product lines."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("transaction_id") not in ids:
        return None
    purchases = record.get("purchases")
    return record if isinstance(purchases, dict) and purchases.get("products") else None


def test_a_transaction_given_another_id_refreshes_as_a_full_refresh(tmp_path: Path) -> None:
    project, landing, sources, place = build_demo(tmp_path)

    # ids with one bronze row, current: the changed line is the only version of the old id
    single_rows = {
        transaction_id
        for (transaction_id,) in place.query(
            """
            select transaction_id
            from silver.int_transactions__checked
            group by transaction_id
            having count(*) = 1 and bool_and(_row_status = 'current')
            """
        )
    }
    files = whole_transaction_files(landing)
    found = [
        (path, number, record)
        for path, lines in files.items()
        for number, line in enumerate(lines)
        if (record := single_row_with_lines(line, single_rows)) is not None
    ]
    assert found, "no transaction with a single bronze row in a whole landing file"
    path, number, record = found[0]
    old_id = record["transaction_id"]
    new_id = "0000aaaa-0000-4000-8000-00000000beef"
    lines = files[path]
    lines[number] = json.dumps({**record, "transaction_id": new_id}).encode()
    redeliver(path, lines)

    refreshed = place.run("refresh", *sources, project=project)
    assert refreshed.returncode == 0, refreshed.stdout[-4000:] + refreshed.stderr[-4000:]
    for model in TRANSACTION_MODELS:
        ids = place.query(
            f"select transaction_id, count(*) from {model} "
            f"where transaction_id in ('{old_id}', '{new_id}') group by all order by all"
        )
        # the old id keeps its row from the first file version
        assert [transaction_id for transaction_id, _ in ids] == sorted([old_id, new_id]), (
            model,
            ids,
        )
    incremental = {
        model: place.query(f"select * exclude (_batch_at) from {model} order by all")
        for model in TRANSACTION_MODELS
    }

    rebuilt = place.run("refresh", "--full-refresh", *sources, project=project)
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:] + rebuilt.stderr[-4000:]
    for model in TRANSACTION_MODELS:
        full = place.query(f"select * exclude (_batch_at) from {model} order by all")
        assert full == incremental[model], model
