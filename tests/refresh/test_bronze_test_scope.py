"""In a refresh, the tests of bronze check the loads no build has tested; keys stay whole.

macros/tests/where_batch.sql with ``MEDALLION_BRONZE_TESTED_THROUGH`` (medallion/runner.py): one
``medallion build``, then refreshes that each land one new transactions file. The schema-drift
test (a warning) fires for the refresh that loads a record with an unknown field and not for
the next one (its load was tested); the key-uniqueness test of bronze reads the old rows whose
key a new load holds, so a new row repeating an old key fails the refresh.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.refresh.helpers import Command, Place, demo_landing, read_lines, write_lines

pytestmark = pytest.mark.slow

DRIFT_TEST = "empty_list_brz_transactions__unknown_fields"
UNIQUE_TEST = "unique_combination_brz_transactions__source_file___file_sha256___line_number"
SOURCE_UNIQUE_TEST = (
    "source_unique_combination_bronze_transactions__source_file___file_sha256___line_number"
)
LOAD_FILTER = "_dlt_load_id > '"


@pytest.fixture(scope="module")
def place(root: Path) -> Place:
    return Place.under(root / "wh")


@pytest.fixture(scope="module")
def landing(root: Path, project: Path) -> Path:
    return demo_landing(root, project)


@pytest.fixture(scope="module")
def sources(root: Path, landing: Path) -> tuple[str, ...]:
    dumps = root / "no-dumps"
    dumps.mkdir()
    return ("--landing", str(landing), "--kafka-dumps", str(dumps))


@pytest.fixture(scope="module")
def built(place: Place, project: Path, sources: tuple[str, ...]) -> Command:
    """The first build: tests every bronze row, and records the loads it tested."""
    command = place.run("build", *sources, project=project)
    assert command.returncode == 0, command.stdout[-4000:] + command.stderr[-4000:]
    return command


def land_transactions(landing: Path, hour: int, extra_field: str | None) -> None:
    """A new partition with one transactions file: the first record of the landing zone,
    with ``extra_field`` added (schema drift) when given."""
    first_file = sorted(landing.glob("date=*/hour=*/transactions.json.gz"))[0]
    record = json.loads(read_lines(first_file)[0])
    if extra_field:
        record[extra_field] = "drift"
    target = landing / "date=2021-01-01" / f"hour={hour:02d}" / "transactions.json.gz"
    assert not target.exists(), f"{target} was landed before"
    write_lines(target, [json.dumps(record)])


def node_results(place: Place) -> dict[str, dict[str, Any]]:
    """The last dbt invocation's results by test name."""
    results = json.loads((place.workdir / "target" / "run_results.json").read_text())
    return {result["unique_id"].split(".")[2]: result for result in results["results"]}


def last_dbt_log(place: Place) -> str:
    """dbt's log of its last invocation (each begins with a line of '=' around its id)."""
    log = (place.workdir / "logs" / "dbt.log").read_text()
    return log[log.rindex("\n====") :]


def compiled(place: Place, name: str) -> str:
    """The SQL the last dbt invocation ran for the test ``name``."""
    return str(node_results(place)[name]["compiled_code"])


def test_the_first_build_tests_every_bronze_row(built: Command, place: Place) -> None:
    assert node_results(place)[DRIFT_TEST]["status"] == "pass"
    assert LOAD_FILTER not in compiled(place, DRIFT_TEST)


def test_a_refresh_tests_its_new_load_and_not_the_tested_ones(
    built: Command, place: Place, project: Path, landing: Path, sources: tuple[str, ...]
) -> None:
    land_transactions(landing, hour=1, extra_field="coupon_code")
    drifted = place.run("refresh", *sources, project=project)
    assert drifted.returncode == 0, drifted.stdout[-4000:] + drifted.stderr[-4000:]
    results = node_results(place)
    assert results[DRIFT_TEST]["status"] == "warn"
    assert results[DRIFT_TEST]["failures"] == 1
    assert LOAD_FILTER in compiled(place, DRIFT_TEST)
    assert "in (select _source_file, _file_sha256, _line_number" in compiled(place, UNIQUE_TEST)
    # The tested load is named at run time: dbt keeps its parse of the project.
    assert "Unable to do partial parsing" not in last_dbt_log(place)
    # dbt's log file is at info level (medallion/transform.py): a line per node, no queries.
    assert "[info ]" in last_dbt_log(place)
    assert "[debug]" not in last_dbt_log(place)

    land_transactions(landing, hour=2, extra_field=None)
    clean = place.run("refresh", *sources, project=project)
    assert clean.returncode == 0, clean.stdout[-4000:] + clean.stderr[-4000:]
    # The drifted record is still in bronze, in a load the previous refresh tested.
    assert node_results(place)[DRIFT_TEST]["status"] == "pass"
    assert "Unable to do partial parsing" not in last_dbt_log(place)
    drifted_rows = place.query(
        "select count(*) from bronze.transactions where record like '%coupon_code%'"
    )
    assert drifted_rows == [(1,)]


def test_a_new_row_repeating_an_old_key_fails_the_refresh(
    built: Command, place: Place, project: Path, landing: Path, sources: tuple[str, ...]
) -> None:
    with duckdb.connect(str(place.warehouse)) as con:
        # The oldest row again, in a load newer than every tested one (as a re-loaded line
        # would be): the refresh tests only the new loads, yet must see the old row it repeats.
        con.execute(
            """
            insert into bronze.transactions
            select * replace ((select max(_dlt_load_id) from bronze.transactions) || '9'
                as _dlt_load_id)
            from bronze.transactions
            order by _dlt_load_id, _line_number
            limit 1
            """
        )
    land_transactions(landing, hour=3, extra_field=None)
    refreshed = place.run("refresh", *sources, project=project)
    assert refreshed.returncode == 2, refreshed.stdout[-4000:] + refreshed.stderr[-4000:]
    # The test of the bronze table fails first; the view's same test is then skipped.
    result = node_results(place)[SOURCE_UNIQUE_TEST]
    assert result["status"] == "fail"
    assert result["failures"] == 1
    assert "in (select _source_file, _file_sha256, _line_number" in compiled(
        place, SOURCE_UNIQUE_TEST
    )
