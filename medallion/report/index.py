"""reports/index.html: every run newest first, a trend chart, and a link to each report.

Rebuilt from the records on disk after each run, so it never disagrees with them. Each run's
figures for the index are kept beside its record (``runs/<run_id>/index-entry.json``, written
with the record, or from it the first time the index needs it): reading a few hundred bytes per
run instead of its whole metadata.yaml keeps an hourly refresh fast after thousands of runs.
A record that cannot be read is listed as such, not dropped silently.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from medallion.record.store import load_record, record_paths, write_atomically
from medallion.report import charts
from medallion.report.render import REPORT_FILE, environment, with_defaults

INDEX_FILE = "index.html"
ENTRY_FILE = "index-entry.json"
ENTRY_VERSION = 2


@dataclass(frozen=True)
class Unreadable:
    """A run folder whose metadata.yaml could not be read."""

    run_id: str
    reason: str


def index_entry(record: dict[str, Any]) -> dict[str, Any]:
    """The figures the index shows for one run."""
    record = with_defaults(record)
    summary = record["summary"]
    return {
        "entry_version": ENTRY_VERSION,
        "run_id": record["run_id"],
        "status": record["status"],
        "command": record["command"],
        "changed": bool(record["changed"]),
        "started_at": record["started_at"],
        "duration_seconds": float(record["duration_seconds"]),
        "rows_in": summary["rows_loaded"] + summary["kafka_messages_loaded"],
        "bronze_rows": summary["bronze_rows"],
        "rows_out": summary["silver_rows"],
        "rows_exported": summary["rows_exported"],
        "quarantine_rate": float(summary["quarantine_rate"]),
        "tests_failed": summary["tests_failed"],
        "errors": summary["errors"],
        "plan": record["plan"]["name"] or ", ".join(record["plan"]["marts"]) or "all marts",
        "report": f"runs/{record['run_id']}/{REPORT_FILE}",
    }


def write_entry(folder: Path, entry: dict[str, Any]) -> Path:
    """Keep a run's index entry beside its record."""
    path = folder / ENTRY_FILE
    write_atomically(path, json.dumps(entry, indent=1) + "\n")
    return path


def _kept_entry(folder: Path) -> dict[str, Any] | None:
    """The entry kept beside a record, None when missing, unreadable or of an older format."""
    try:
        entry = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("entry_version") != ENTRY_VERSION:
        return None
    return entry


def read_runs(reports: Path) -> tuple[list[dict[str, Any]], list[Unreadable]]:
    """Index entries of every readable record (newest first) and the unreadable ones."""
    entries: list[dict[str, Any]] = []
    unreadable: list[Unreadable] = []
    for path in record_paths(reports):
        kept = _kept_entry(path.parent)
        if kept is not None:
            entries.append(kept)
            continue
        try:
            entry = index_entry(load_record(path))
        except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as error:
            unreadable.append(Unreadable(path.parent.name, f"{type(error).__name__}: {error}"))
            continue
        entries.append(entry)
        with contextlib.suppress(OSError):  # read-only reports: read the record next time
            write_entry(path.parent, entry)
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
