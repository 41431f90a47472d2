"""Ingest of generated data with bad input: every line accounted for, as the manifest says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dlt_pipelines.landing import ENTITY_TABLES
from medallion.demo import DemoConfig, generate_landing_zone
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, str]:
    root = tmp_path_factory.mktemp("generated")
    landing = root / "landing"
    generate_landing_zone(landing, DemoConfig(seed=11, days=2, transactions=400))
    manifest = json.loads((root / "landing.manifest.json").read_text())
    warehouse = root / "wh.duckdb"
    result = run_cli("ingest", "--landing", str(landing), warehouse=warehouse)
    return manifest, warehouse, result.stdout


def test_every_line_of_every_file_is_in_bronze(ingested: tuple[dict[str, Any], Path, str]) -> None:
    manifest, warehouse, _ = ingested
    with duckdb.connect(str(warehouse), read_only=True) as con:
        registry = {
            path: (lines, invalid)
            for path, lines, invalid in con.execute(
                "select relative_path, lines, invalid_lines from bronze.landing_files"
            ).fetchall()
        }
        for entity, table in ENTITY_TABLES.items():
            rows, invalid = con.execute(
                f"select count(*), count(*) filter (where not _is_valid_json) from bronze.{table}"
            ).fetchone()
            expected = manifest["entities"][entity]
            assert (rows, invalid) == (expected["lines"], expected["invalid_lines"]), entity
            per_file = dict(
                con.execute(
                    f"select _source_file, count(*) from bronze.{table} group by _source_file"
                ).fetchall()
            )
            for path, facts in manifest["files"].items():
                if facts["entity"] == entity:
                    assert per_file.get(path, 0) == facts["lines"], path
    assert registry == {
        path: (facts["lines"], facts["invalid_lines"]) for path, facts in manifest["files"].items()
    }


def test_invalid_lines_are_flagged_with_their_text(
    ingested: tuple[dict[str, Any], Path, str],
) -> None:
    _, warehouse, _ = ingested
    with duckdb.connect(str(warehouse), read_only=True) as con:
        errors = {
            row[0]
            for table in ENTITY_TABLES.values()
            for row in con.execute(
                f"select distinct _line_error from bronze.{table} where not _is_valid_json"
            ).fetchall()
        }
        kept = con.execute(
            "select count(*) from bronze.customers where not _is_valid_json and record is null"
        ).fetchone()[0]
    assert {"invalid JSON", "invalid UTF-8", "empty line", "not a JSON object (array)"} <= errors
    assert kept == 0


def test_truncated_file_and_skipped_paths_are_reported(
    ingested: tuple[dict[str, Any], Path, str],
) -> None:
    manifest, warehouse, stdout = ingested
    truncated = [path for path, facts in manifest["files"].items() if facts["truncated"]]
    assert truncated
    flat = " ".join(stdout.split())
    for path in truncated:
        assert f"partly read {path}: truncated gzip file" in flat
    with duckdb.connect(str(warehouse), read_only=True) as con:
        problems = dict(
            con.execute(
                "select relative_path, problem from bronze.landing_files where problem is not null"
            ).fetchall()
        )
    assert set(problems) == set(truncated)
    for skipped in manifest["skipped"]:
        # The scan names the outermost invalid folder, or the file itself.
        assert any(
            skipped["path"] == line.split(":")[0]
            or skipped["path"].startswith(line.split(":")[0] + "/")
            for line in (
                entry.removeprefix("skipped ")
                for entry in stdout.splitlines()
                if entry.startswith("skipped ")
            )
        ), skipped
