"""Render a run's report.html from its record alone (the metadata.yaml dict).

Templates are package data (``medallion/report/templates/``), rendered with autoescaping on:
every value from the data is HTML-escaped, and no template marks data ``|safe``. The page is one
self-contained file: CSS inline, charts as inline SVG, no script, and a Content-Security-Policy
that forbids any fetch.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from medallion.record.store import run_dir, write_atomically
from medallion.report import charts

REPORT_FILE = "report.html"


def thousands(value: object) -> str:
    """``12345`` -> ``12,345``; None -> empty."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def percent(value: object) -> str:
    """``0.001877`` -> ``0.19 %``."""
    if not isinstance(value, int | float):
        return ""
    return f"{value * 100:.2f} %"


def seconds(value: object) -> str:
    """``93.4`` -> ``1 min 33.4 s``."""
    if not isinstance(value, int | float):
        return ""
    minutes, rest = divmod(float(value), 60)
    return f"{int(minutes)} min {rest:.1f} s" if minutes else f"{rest:.1f} s"


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report templates (autoescape always on)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("medallion.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["thousands"] = thousands
    env.filters["percent"] = percent
    env.filters["seconds"] = seconds
    return env


def inputs_by_entity(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Files, changes, lines and bytes per entity."""
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"files": 0, "new": 0, "changed": 0, "unchanged": 0, "lines": 0, "size_bytes": 0}
    )
    for landing_file in files:
        row = rows[landing_file["entity"]]
        row["files"] += 1
        if landing_file["change"] in ("new", "changed", "unchanged"):
            row[landing_file["change"]] += 1
        row["lines"] += landing_file["lines"] or 0
        row["size_bytes"] += landing_file["size_bytes"]
    return [{"entity": entity, **rows[entity]} for entity in sorted(rows)]


def drift_rows(schema_drift: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per drifted field: unknown (read by no model) or expected and missing."""
    found: list[dict[str, Any]] = []
    for entity in schema_drift:
        for kinds, label in (
            ("unknown_fields", "not read by any model"),
            ("missing_fields", "expected, missing"),
        ):
            found.extend(
                {"entity": entity["entity"], "drift": label, **field} for field in entity[kinds]
            )
    return found


def example_groups(quarantine: dict[str, Any]) -> list[dict[str, Any]]:
    """The quarantine rules, most rows first, each with its (masked) examples."""
    examples: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for example in quarantine["examples"]:
        examples[(example["entity"], example["rule"])].append(example)
    return [
        {**rule, "examples": examples.get((rule["entity"], rule["rule"]), [])}
        for rule in quarantine["by_rule"]
    ]


def with_defaults(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with the keys added since schema version 1 filled in, so that an older
    record still renders (``medallion report``): a v1 run was a ``run`` or a ``build`` that
    built, and its record has no Kafka part."""
    summary = {"kafka_messages_loaded": 0, "kafka_gaps": 0, **record["summary"]}
    return {
        "command": "run" if record["plan"]["exports"] else "build",
        "changed": True,
        "unchanged_since": None,
        "kafka": None,
        **record,
        "summary": summary,
    }


def render_report(record: dict[str, Any]) -> str:
    """report.html of ``record``."""
    record = with_defaults(record)
    template = environment().get_template("report.html.j2")
    return template.render(
        record=record,
        flow=charts.row_flow(record["reconciliation"]),
        timings=charts.timings(record["dbt"]["nodes"]),
        inputs_by_entity=inputs_by_entity(record["inputs"]["files"]),
        drift_rows=drift_rows(record["schema_drift"]),
        quarantine_rules=example_groups(record["quarantine"]),
    )


def write_report(reports: Path, record: dict[str, Any]) -> Path:
    """Write the run's report.html beside its metadata.yaml; return its path."""
    path = run_dir(reports, str(record["run_id"])) / REPORT_FILE
    write_atomically(path, render_report(record))
    return path
