"""The price history survives a change of code.

dbt's partial parsing drops a snapshot defined in YAML alone from the project once a macro
changed (dbt-core #10903): a build after a code update would build everything but the price
history (``snp_product_prices``), and say nothing. The snapshot is therefore a snapshot block
(snapshots/snp_product_prices.sql), and medallion's runner parses the project whole after a
change of code (medallion/runner.py). One build of a small generated landing zone, then a macro
added to the copy of the project: a plain ``dbt ls`` (partial parsing, dbt's default) still
finds the snapshot, and a refresh builds it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.gold.helpers import DBT, copy_project
from tests.refresh.helpers import Place, demo_landing

pytestmark = pytest.mark.slow

SNAPSHOT = "snapshot.medallion.snp_product_prices"


def dbt_results(place: Place) -> dict[str, dict[str, Any]]:
    """The last dbt invocation's results by unique id."""
    results = json.loads((place.workdir / "target" / "run_results.json").read_text())
    return {result["unique_id"]: result for result in results["results"]}


def listed_snapshots(place: Place, project: Path) -> list[str]:
    """The snapshots a plain ``dbt ls`` finds in ``project``, parsed as dbt does by default:
    partially, from the parse state the last run left in the place's target folder."""
    listed = subprocess.run(
        [
            str(DBT),
            "--quiet",
            "ls",
            "--resource-type",
            "snapshot",
            "--output",
            "name",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
        ],
        capture_output=True,
        text=True,
        env=place.env(),
        cwd=project,
        check=False,
    )
    assert listed.returncode == 0, listed.stdout[-3000:] + listed.stderr[-3000:]
    return listed.stdout.split()


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
    assert (place.workdir / "target" / "partial_parse.msgpack").is_file()
    assert listed_snapshots(place, project) == ["snp_product_prices"]
    refreshed = place.run("refresh", *sources, project=project)

    assert refreshed.returncode == 0, refreshed.stdout[-4000:] + refreshed.stderr[-4000:]
    results = dbt_results(place)
    assert SNAPSHOT in results, sorted(results)[:5]
    assert results[SNAPSHOT]["status"] == "success"
