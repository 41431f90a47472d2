"""Incremental refreshes end where one full refresh ends (issue 7).

For seeded random sequences of deliveries of a generated landing zone (late hours,
re-delivered files with changed content, erasure requests arriving later), warehouse A is
refreshed after every delivery (real ``medallion ingest``, incremental ``dbt run``, the
erasure finaliser); warehouse B is a copy of A's final state rebuilt with ``dbt run
--full-refresh``. Their gold exports must be byte-identical (same SHA-256) and their silver
tables hold the same rows. ``dbt run`` rather than ``dbt build`` keeps the module fast; the
models' tests run in tests/silver and tests/gold.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from medallion.erasure import finalise_erasure
from medallion.exports import ExportReport, publish_exports
from medallion.exports.stamps import STAMPS_NAME
from tests.conftest import query_warehouse, run_cli
from tests.gold.helpers import demo_landing, run_dbt
from tests.incremental.deliveries import land, plan_deliveries
from tests.incremental.helpers import table_content

pytestmark = pytest.mark.slow

# Seed 30 starts with a delivery without erasure files (bronze.erasure_requests created empty).
SEEDS = (29, 30)
STEPS = 3
# (schema, table): the incremental models and the tables their reach-back rules feed.
COMPARED_TABLES = (
    ("silver", "int_customers__checked"),
    ("silver", "int_transaction_lines"),
    ("silver", "int_transactions__checked"),
    ("silver", "slv_transactions"),
    ("silver", "slv_transaction_lines"),
    ("silver", "slv_transactions_quarantine"),
    ("silver", "slv_customers"),
    ("gold", "dim_customers"),
    ("gold", "int_customer_category_shares"),
    ("gold", "int_customer_products"),
)
PERSONAL_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "phone_number",
    "address",
    "delivery_address",
    "delivery_postcode",
    "delivery_city",
    "record",
)


@dataclass(frozen=True)
class Outcome:
    """The incrementally refreshed warehouse, its full-refresh twin, and their exports."""

    incremental: Path
    full: Path
    incremental_exports: dict[str, str]
    full_exports: dict[str, str]
    reused: int
    """Files A's last export carried over from its previous one."""


def refresh(landing: Path, warehouse: Path, workdir: Path, *dbt_args: str) -> None:
    """Ingest what is new, ``dbt run`` (incremental unless told), finalise erasures."""
    run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    build(warehouse, workdir, *dbt_args)


def build(warehouse: Path, workdir: Path, *dbt_args: str) -> None:
    """``dbt run`` then the erasure finaliser, as ``medallion run`` does after its build."""
    result = run_dbt("run", *dbt_args, warehouse=warehouse, workdir=workdir)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    finalise_erasure(warehouse)


def export(warehouse: Path, folder: Path) -> ExportReport:
    """Publish the gold exports of ``warehouse`` into ``folder``; every mart must publish."""
    report = publish_exports(warehouse, folder)
    assert report.ok, report.to_dict()
    return report


def export_hashes(report: ExportReport) -> dict[str, str]:
    """SHA-256 of every gold export file, by path."""
    return {exported.path: exported.sha256 for mart in report.marts for exported in mart.files}


def play(zone: Path, root: Path, seed: int) -> Outcome:
    """Deliver ``zone`` in a random sequence into A, exporting between deliveries (so each
    export of A reuses the files the delivery left unchanged); full-refresh a copy of A into
    B and export it from scratch."""
    landing = root / "landing"
    warehouse = root / "a" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    for number, delivery in enumerate(plan_deliveries(zone, random.Random(seed), STEPS)):
        if number:  # export the state before this delivery: later exports start from it
            export(warehouse, root / "a" / "exports")
        land(zone, landing, delivery)
        refresh(landing, warehouse, root / "a")
    full = root / "b" / "warehouse.duckdb"
    full.parent.mkdir(parents=True)
    shutil.copyfile(warehouse, full)
    build(full, root / "b", "--full-refresh")
    last = export(warehouse, root / "a" / "exports")
    return Outcome(
        warehouse,
        full,
        export_hashes(last),
        export_hashes(export(full, root / "b" / "exports")),
        sum(mart.files_reused for mart in last.marts),
    )


@pytest.fixture(scope="module")
def zone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated landing zone (bad input, duplicates and erasure requests included)."""
    return demo_landing(tmp_path_factory.mktemp("zone") / "landing", 300, days=2, seed=7)


@pytest.fixture(scope="module", params=SEEDS)
def outcome(
    request: pytest.FixtureRequest,
    zone: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch_module: pytest.MonkeyPatch,
) -> Outcome:
    """One random delivery sequence played into A and B."""
    root = tmp_path_factory.mktemp(f"sequence_{request.param}")
    monkeypatch_module.setenv("MEDALLION_ERASURE_SALT", "test-salt")
    monkeypatch_module.setenv("DBT_TARGET_PATH", str(root / "target"))
    monkeypatch_module.setenv("DBT_LOG_PATH", str(root / "logs"))
    monkeypatch_module.setenv("MEDALLION_REPORTS_DIR", str(root / "reports"))
    return play(zone, root, int(request.param))


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    """A monkeypatch for module-scoped fixtures."""
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


def test_incremental_and_full_refresh_exports_are_identical(outcome: Outcome) -> None:
    assert outcome.incremental_exports, "no export files"
    assert outcome.reused, "A's last export wrote every file again"
    assert outcome.incremental_exports == outcome.full_exports

    def on_disk(folder: Path) -> dict[str, str]:
        """SHA-256 of every file of an export folder (the marts' manifests included), but the
        batch stamps kept beside them: the times of the warehouse's batches, not its data."""
        return {
            path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != STAMPS_NAME
        }

    exports = [warehouse.parent / "exports" for warehouse in (outcome.incremental, outcome.full)]
    assert on_disk(exports[0]) == on_disk(exports[1])


@pytest.mark.parametrize(("schema", "table"), COMPARED_TABLES)
def test_incremental_and_full_refresh_rows_are_identical(
    outcome: Outcome, schema: str, table: str
) -> None:
    incremental = table_content(outcome.incremental, schema, table)
    assert incremental, f"{schema}.{table} is empty"
    assert incremental == table_content(outcome.full, schema, table)


def test_no_table_keeps_personal_data_of_an_erased_customer(outcome: Outcome) -> None:
    erased = query_warehouse(
        outcome.incremental,
        "select distinct customer_id from silver.slv_customers where is_erased",
    )
    assert erased, "the sequence erased nobody"
    tables = query_warehouse(
        outcome.incremental,
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('silver', 'gold') and column_name in "
        f"({', '.join(repr(c) for c in PERSONAL_COLUMNS)}) and table_name in ("
        "select table_name from information_schema.columns c2 where c2.column_name = "
        "'customer_id' and c2.table_schema = table_schema)",
    )
    assert tables
    for schema, table, column in tables:
        leaked = query_warehouse(
            outcome.incremental,
            f'select count(*) from {schema}."{table}" where "{column}" is not null '
            "and customer_id in (select customer_id from silver.slv_customers where is_erased)",
        )
        assert leaked == [(0,)], f"{schema}.{table}.{column} keeps erased personal data"
