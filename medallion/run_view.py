"""Terminal view of a run: one line per step, then the status (readable in scheduler logs).

``compact`` (``medallion refresh``) leaves out the ingest tables: the step log lines already
say what each step did; only what needs attention (Kafka gaps, errors) and the status remain.
For ``--log-format json`` nothing is printed here: :func:`log_run_result` logs the same.
"""

from __future__ import annotations

import logging

from rich.console import Console
from rich.markup import escape

from dlt_pipelines.kafka.report import KafkaIngestReport
from medallion.ingest_view import render_ingest_report, render_kafka_report
from medallion.runner import RunResult

logger = logging.getLogger("medallion.run")


def status_text(result: RunResult) -> str:
    """``success``, or ``success (nothing changed since <time>)`` for a refresh that skipped."""
    if result.covered_by is None:
        return result.status
    since = result.covered_by.built_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{result.status} (nothing changed since the build of {since})"


def gap_lines(report: KafkaIngestReport) -> list[str]:
    """One line per gap in a partition this ingest touched (possible data loss upstream)."""
    return [
        f"gap {topic}[{partition}]: offsets {start}-{end} missing (possible data loss upstream)"
        for topic, partition, start, end in report.gaps
    ]


def render_run_result(
    result: RunResult, console: Console, errors: Console, compact: bool = False
) -> None:
    """Print what each step did and the final status; failures go to ``errors``."""
    if compact:
        for line in gap_lines(result.kafka) if result.kafka is not None else ():
            console.print(f"[red]{line}[/]", highlight=False, soft_wrap=True)
    else:
        _render_steps(result, console)
    for error in result.errors:
        errors.print(f"[red]error:[/] {escape(error)}", highlight=False, soft_wrap=True)
    colour = {"success": "green", "partial": "yellow", "failed": "red"}[result.status]
    console.print(f"status: [{colour}]{status_text(result)}[/]", highlight=False)


def _render_steps(result: RunResult, console: Console) -> None:
    if result.ingest is not None:
        render_ingest_report(result.ingest, console)
    if result.kafka is not None:
        render_kafka_report(result.kafka, console, "Kafka dumps")
    timings = {step.name: step.seconds for step in result.steps}
    if result.dbt is not None:
        passed = sum(1 for node in result.dbt.nodes if node.status in {"success", "pass"})
        console.print(
            f"dbt build: {passed} of {len(result.dbt.nodes)} nodes passed "
            f"({timings.get('dbt build', 0.0):.1f} s)"
        )
    if result.erasure is not None:
        rows = ", ".join(f"{t}: {n}" for t, n in result.erasure.rows_rewritten.items() if n)
        console.print(
            f"erasure: {result.erasure.total_rows} bronze rows rewritten"
            + (f" ({rows})" if rows else "")
            + ("; warehouse file rewritten" if result.erasure.file_rewritten else "")
        )
    if result.exports is not None:
        published = [m for m in result.exports.marts if m.status == "published"]
        console.print(f"exports: {len(published)} of {len(result.exports.marts)} marts published")


def log_run_result(result: RunResult) -> None:
    """The view for JSON logs: gaps as warnings, errors as errors (the steps are logged)."""
    for topic, partition, start, end in result.kafka.gaps if result.kafka is not None else ():
        logger.warning(
            f"gap {topic}[{partition}]: offsets {start}-{end} missing (possible data loss)",
            extra={"topic": topic, "partition": partition, "from": start, "to": end},
        )
    for error in result.errors:
        logger.error(error)
