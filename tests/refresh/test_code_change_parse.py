"""A build after a change of code parses the project whole (medallion/runner.py).

dbt's partial parsing drops a snapshot defined in YAML from the project once a macro changed
(dbt-core #10903): the refresh after a code update would build everything but the price
history (``snp_product_prices``), and say nothing. One build of a small generated landing zone,
then a macro added to the copy of the project, then a refresh: the snapshot is built again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.gold.helpers import copy_project
from tests.refresh.helpers import Place, demo_landing

pytestmark = pytest.mark.slow

SNAPSHOT = "snapshot.medallion.snp_product_prices"


def dbt_results(place: Place) -> dict[str, dict[str, Any]]:
    """The last dbt invocation's results by unique id."""
    results = json.loads((place.workdir / "target" / "run_results.json").read_text())
    return {result["unique_id"]: result for result in results["results"]}


def test_a_refresh_after_a_macro_change_still_builds_the_snapshot(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    place = Place.under(tmp_path / "wh")
    landing = demo_landing(tmp_path, project)
    dumps = tmp_path / "no-dumps"
    dumps.mkdir()
    sources = ("--landing", str(landing), "--kafka-dumps", str(dumps))
    built = place.run("build", *sources, project=project)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    assert dbt_results(place)[SNAPSHOT]["status"] == "success"

    with (project / "macros" / "incremental.sql").open("a") as macros:
        macros.write("\n\n{% macro code_change_probe() -%}\n    select 1\n{%- endmacro %}\n")
    refreshed = place.run("refresh", *sources, project=project)

    assert refreshed.returncode == 0, refreshed.stdout[-4000:] + refreshed.stderr[-4000:]
    results = dbt_results(place)
    assert SNAPSHOT in results, sorted(results)[:5]
    assert results[SNAPSHOT]["status"] == "success"
