"""Views of an ingest: progress while it runs, the summary after it, and its log lines.

The counts of :func:`ingest_counts` and :func:`kafka_counts` are what the one-line logs of an
ingest say (``medallion ingest`` and the ``ingest`` step of a run, ``medallion.logs``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from dlt_pipelines.bronze import FileToLoad
from dlt_pipelines.ingest import IngestReport
from dlt_pipelines.kafka.report import KafkaIngestReport
from dlt_pipelines.landing import ENTITY_TABLES
from medallion.logs import log_step

logger = logging.getLogger("medallion.ingest")


class IngestProgress:
    """A rich progress bar over the files being loaded, naming the current file."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self._done: set[str] = set()

    def on_plan(self, files: list[FileToLoad]) -> None:
        """Start the bar once the files to load are known."""
        self._task = self._progress.add_task("loading", total=len(files))

    def on_progress(self, item: FileToLoad, lines_read: int) -> None:
        """Show the file being read; advance when a file is finished."""
        if self._task is None:
            return
        path = item.file.relative_path
        self._progress.update(self._task, description=f"{path} ({lines_read:,} lines)")
        if item.read_state.sha256 is not None and path not in self._done:
            self._done.add(path)
            self._progress.advance(self._task)


@contextmanager
def ingest_progress(console: Console, enabled: bool = True) -> Iterator[IngestProgress]:
    """Progress display for an ingest; silent when the console is not a terminal (or not
    ``enabled``: JSON logs)."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not (enabled and console.is_terminal),
    )
    with progress:
        yield IngestProgress(progress)


def render_ingest_report(report: IngestReport, console: Console) -> None:
    """Print files and lines per entity, then skipped paths and partly readable files."""
    table = Table(title=f"Ingest of {report.landing_root}")
    for column in ("entity", "files loaded", "lines loaded", "invalid lines", "unchanged files"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    for entity in ENTITY_TABLES:
        outcomes = [f for f in report.files if f.entity == entity]
        loaded = [f for f in outcomes if f.change != "unchanged"]
        table.add_row(
            entity,
            f"{len(loaded):,}",
            f"{sum(f.lines for f in loaded):,}",
            f"{sum(f.invalid_lines for f in loaded):,}",
            f"{len(outcomes) - len(loaded):,}",
        )
    all_loaded = report.loaded
    table.add_row(
        "total",
        f"{len(all_loaded):,}",
        f"{sum(f.lines for f in all_loaded):,}",
        f"{sum(f.invalid_lines for f in all_loaded):,}",
        f"{len(report.files) - len(all_loaded):,}",
        style="bold",
    )
    console.print(table)
    changed = [f for f in all_loaded if f.change == "changed"]
    for outcome in changed:
        console.print(f"[yellow]changed[/] {outcome.relative_path}: loaded again as a new version")
    for outcome in report.problems:
        console.print(f"[red]partly read[/] {outcome.relative_path}: {outcome.problem}")
    for skipped in report.skipped:
        console.print(f"[yellow]skipped[/] {skipped.relative_path}: {skipped.reason}")
    if report.load_ids:
        console.print(f"dlt load id(s): {', '.join(report.load_ids)}")


def render_kafka_report(report: KafkaIngestReport, console: Console, title: str) -> None:
    """Print messages per topic partition, then gaps (possible data loss) and skipped paths."""
    table = Table(title=title)
    for column in ("topic", "partition", "loaded", "overlaps", "invalid values", "high water"):
        table.add_column(column, justify="left" if column == "topic" else "right")
    for outcome in report.partitions:
        table.add_row(
            outcome.topic,
            str(outcome.partition),
            f"{outcome.loaded:,}",
            f"{outcome.overlaps:,}",
            f"{outcome.invalid_values:,}",
            "" if outcome.high_water_mark is None else str(outcome.high_water_mark),
        )
    console.print(table)
    for topic, partition, start, end in report.gaps:
        console.print(
            f"[red]gap[/] {topic}[{partition}]: offsets {start}-{end} missing "
            "(possible data loss upstream)"
        )
    for skipped in report.skipped:
        console.print(f"[yellow]skipped[/] {skipped.relative_path}: {skipped.reason}")


def ingest_counts(report: IngestReport) -> dict[str, object]:
    """Landing files found and loaded, rows loaded, partly read files and skipped paths."""
    loaded = report.loaded
    return {
        "files": len(report.files),
        "files_loaded": len(loaded),
        "rows_loaded": sum(f.lines for f in loaded),
        "rows_anonymized": sum(f.anonymized_lines for f in loaded),
        "files_partly_read": len(report.problems),
        "paths_skipped": len(report.skipped),
    }


def kafka_counts(report: KafkaIngestReport) -> dict[str, object]:
    """Dump files found and loaded, messages loaded, overlaps and gaps."""
    return {
        "kafka_files": len(report.files),
        "kafka_files_loaded": sum(1 for f in report.files if f.change != "unchanged"),
        "kafka_messages_loaded": report.loaded,
        "kafka_overlaps": report.overlaps,
        "kafka_gaps": len(report.gaps),
    }


def log_ingest_report(report: IngestReport, seconds: float) -> None:
    """One line for a landing ingest, then one per partly read file (a warning)."""
    log_step(logger, "ingest", "ok", seconds, ingest_counts(report))
    for outcome in report.problems:
        logger.warning(f"partly read {outcome.relative_path}: {outcome.problem}")


def log_kafka_report(report: KafkaIngestReport, step: str, seconds: float) -> None:
    """One line for a Kafka ingest, then one warning per gap (possible data loss)."""
    log_step(logger, step, "ok", seconds, kafka_counts(report))
    for topic, partition, start, end in report.gaps:
        logger.warning(
            f"gap {topic}[{partition}]: offsets {start}-{end} missing (possible data loss)",
            extra={"topic": topic, "partition": partition, "from": start, "to": end},
        )


class Stopwatch:
    """Seconds since it was made."""

    def __init__(self) -> None:
        self._started = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Seconds elapsed."""
        return time.perf_counter() - self._started
