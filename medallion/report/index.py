"""reports/index.html: every run newest first, a trend chart, and a link to each report.

Rebuilt from the records on disk (``runs/*/metadata.yaml``) after each run, so it never
disagrees with them. A record that cannot be read is listed as such, not dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from medallion.record.store import load_record, record_paths, write_atomically
from medallion.report import charts
from medallion.report.render import REPORT_FILE, environment

INDEX_FILE = "index.html"


@dataclass(frozen=True)
class Unreadable:
    """A run folder whose metadata.yaml could not be read."""

    run_id: str
    reason: str


def index_entry(record: dict[str, Any]) -> dict[str, Any]:
    """The figures the index shows for one run."""
    summary = record["summary"]
    return {
        "run_id": record["run_id"],
        "status": record["status"],
        "started_at": record["started_at"],
        "duration_seconds": float(record["duration_seconds"]),
        "rows_in": summary["rows_loaded"],
        "bronze_rows": summary["bronze_rows"],
        "rows_out": summary["silver_rows"],
        "rows_exported": summary["rows_exported"],
        "quarantine_rate": float(summary["quarantine_rate"]),
        "tests_failed": summary["tests_failed"],
        "errors": summary["errors"],
        "plan": record["plan"]["name"] or ", ".join(record["plan"]["marts"]) or "all marts",
        "report": f"runs/{record['run_id']}/{REPORT_FILE}",
    }


def read_runs(reports: Path) -> tuple[list[dict[str, Any]], list[Unreadable]]:
    """Index entries of every readable record (newest first) and the unreadable ones."""
    entries: list[dict[str, Any]] = []
    unreadable: list[Unreadable] = []
    for path in record_paths(reports):
        try:
            entries.append(index_entry(load_record(path)))
        except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as error:
            unreadable.append(Unreadable(path.parent.name, f"{type(error).__name__}: {error}"))
    return entries, unreadable


def render_index(entries: list[dict[str, Any]], unreadable: list[Unreadable]) -> str:
    """index.html of the runs (``entries`` newest first)."""
    return (
        environment()
        .get_template("index.html.j2")
        .render(runs=entries, unreadable=unreadable, trend=charts.trend(entries))
    )


def write_index(reports: Path) -> Path:
    """Rewrite ``reports/index.html`` from the records on disk; return its path."""
    entries, unreadable = read_runs(reports)
    path = reports / INDEX_FILE
    write_atomically(path, render_index(entries, unreadable))
    return path
