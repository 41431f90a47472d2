"""Account for a run: its metadata.yaml first, then report.html, the runs index and metrics.

The record is written before anything else, so a failure in a later part (a template, the
index of older runs) never costs the record; such failures are returned as problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from medallion.record.store import METADATA_FILE, load_record, run_dir, write_record
from medallion.settings import PROJECT_DIR

if TYPE_CHECKING:
    from medallion.runner import RunResult


@dataclass
class RecordOutcome:
    """The files written for a run, and what went wrong writing them."""

    metadata: Path
    report: Path | None = None
    index: Path | None = None
    metrics: tuple[Path, ...] = ()
    problems: list[str] = field(default_factory=list)


def publish_run_record(
    result: RunResult, reports: Path, running_step: str | None = None
) -> RecordOutcome:
    """Write metadata.yaml, report.html, the index and the metrics of ``result``."""
    # Imported here: collecting needs the pipeline's modules (dlt: seconds to import), which
    # re-rendering a report does not.
    from medallion.metrics import write_metrics
    from medallion.record.collect import collect_record
    from medallion.record.schema import schema_errors
    from medallion.report.index import index_entry, write_entry, write_index
    from medallion.report.render import write_report

    record = collect_record(result, PROJECT_DIR, running_step)
    outcome = RecordOutcome(metadata=write_record(reports, record))
    try:
        write_entry(outcome.metadata.parent, index_entry(record))
    except Exception as error:  # the index reads the record itself then
        outcome.problems.append(f"index entry not written: {type(error).__name__}: {error}")
    try:
        outcome.problems.extend(f"record breaks its schema: {e}" for e in schema_errors(record))
    except OSError as error:  # the schema lives in the repository, beside the dbt project
        outcome.problems.append(f"record not validated: {error}")
    try:
        outcome.report = write_report(reports, record)
    except Exception as error:  # the record is written; say what is missing, do not fail the run
        outcome.problems.append(f"report.html not written: {type(error).__name__}: {error}")
    try:
        outcome.index = write_index(reports)
    except Exception as error:
        outcome.problems.append(f"index.html not written: {type(error).__name__}: {error}")
    try:
        outcome.metrics = write_metrics(reports, record)
    except Exception as error:
        outcome.problems.append(f"metrics not written: {type(error).__name__}: {error}")
    return outcome


def rerender_report(reports: Path, run_id: str) -> tuple[Path, Path]:
    """Re-render a run's report.html and the index from its metadata.yaml alone."""
    from medallion.report.index import write_index
    from medallion.report.render import write_report

    path = run_dir(reports, run_id) / METADATA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no run record {path}")
    record = load_record(path)
    return write_report(reports, record), write_index(reports)
