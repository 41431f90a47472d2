"""Terminal view of a run: one line per step, then the status (readable in scheduler logs)."""

from __future__ import annotations

from rich.console import Console

from medallion.ingest_view import render_ingest_report, render_kafka_report
from medallion.runner import RunResult


def render_run_result(result: RunResult, console: Console, errors: Console) -> None:
    """Print what each step did and the final status; failures go to ``errors``."""
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
    for error in result.errors:
        errors.print(f"[red]error:[/] {error}", highlight=False, soft_wrap=True)
    colour = {"success": "green", "partial": "yellow", "failed": "red"}[result.status]
    console.print(f"status: [{colour}]{result.status}[/]")
