"""The ``medallion`` command line: demo data, ingest, build, run, and the run records."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from medallion.settings import (
    DEFAULT_KAFKA_DUMPS,
    DEFAULT_LANDING,
    duckdb_settings,
    reports_dir,
    warehouse_path,
)

if TYPE_CHECKING:
    from medallion.runner import RunResult

app = typer.Typer(
    help="dbt-centric ELT warehouse: landing files -> bronze (dlt) -> silver and gold (dbt).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

EXIT_FAILURE = 1
# A scheduler can tell "someone else is working" from a failure (EX_TEMPFAIL).
EXIT_WAREHOUSE_BUSY = 75
EXIT_PARTIAL = 2

LandingOption = Annotated[
    Path,
    typer.Option("--landing", help="Landing root with date=YYYY-MM-DD/hour=HH/ partitions."),
]


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print a one-line error and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the landing zone to.")],
    seed: Annotated[int, typer.Option(help="Random seed: same seed and size, same bytes.")] = 42,
    days: Annotated[int, typer.Option(min=1, help="Days of hourly partitions.")] = 3,
    transactions: Annotated[int, typer.Option(min=1, help="Transaction lines in total.")] = 2_000,
    start_date: Annotated[
        str, typer.Option(help="First partition date (YYYY-MM-DD).")
    ] = "2020-01-01",
    clean: Annotated[
        bool,
        typer.Option("--clean/--no-bad-input", help="Only valid input (no injected bad lines)."),
    ] = False,
) -> None:
    """Generate a seeded, realistic landing zone in the real dataset's schema."""
    from medallion.demo import DemoConfig, generate_landing_zone

    try:
        first_day = dt.date.fromisoformat(start_date)
    except ValueError:
        raise fail(f"--start-date {start_date!r} is not a date (YYYY-MM-DD)") from None
    config = DemoConfig(
        seed=seed, days=days, transactions=transactions, start_date=first_day, bad_input=not clean
    )
    with console.status(f"writing demo landing zone to {out}"):
        manifest = generate_landing_zone(out, config)
    totals = manifest.to_dict()["entities"]
    lines = ", ".join(f"{entity}: {facts['lines']:,} lines" for entity, facts in totals.items())
    console.print(f"wrote {out} ({lines}); manifest beside it")


KafkaDumpsOption = Annotated[
    Path | None,
    typer.Option(
        "--kafka-dumps",
        help="Kafka topic dumps (kcat -J or Kafka Connect layout); default data/kafka if present.",
    ),
]


def kafka_dumps_root(option: Path | None) -> Path | None:
    """The dumps folder to load: the one given (it must exist), else data/kafka if present."""
    if option is not None:
        if not option.is_dir():
            raise fail(f"Kafka dumps folder {option} does not exist")
        return option
    return DEFAULT_KAFKA_DUMPS if DEFAULT_KAFKA_DUMPS.is_dir() else None


@app.command()
def ingest(
    landing: LandingOption = DEFAULT_LANDING,
    kafka_dumps: KafkaDumpsOption = None,
    kafka: Annotated[
        str | None, typer.Option("--kafka", help="Bootstrap servers of a live Kafka cluster.")
    ] = None,
    topics: Annotated[
        str | None, typer.Option("--topics", help="Comma-separated topics to consume (--kafka).")
    ] = None,
) -> None:
    """Load new and changed landing files (and Kafka dumps or live topics) into bronze."""
    if kafka and not topics:
        raise fail("--kafka needs --topics T1,T2,...")
    dumps = kafka_dumps_root(kafka_dumps)
    with _warehouse_held():
        _ingest(landing)
        if dumps is not None:
            _ingest_kafka_dumps(dumps)
        if kafka:
            _consume_kafka(kafka, [t.strip() for t in (topics or "").split(",") if t.strip()])


@contextmanager
def _warehouse_held() -> Iterator[None]:
    """Hold the warehouse for the whole command; another holder means exit 75 at once."""
    from medallion.lock import WarehouseBusyError, exclusive_warehouse

    try:
        with exclusive_warehouse(warehouse_path()):
            yield
    except WarehouseBusyError as error:  # raised only when taking the lock
        raise fail(str(error), EXIT_WAREHOUSE_BUSY) from None


def _ingest_kafka_dumps(dumps: Path) -> None:
    from dlt_pipelines.ingest import IngestError, WarehouseLockedError
    from dlt_pipelines.kafka.ingest import ingest_kafka_dumps
    from medallion.ingest_view import render_kafka_report

    try:
        with console.status(f"loading Kafka dumps from {dumps}"):
            report = ingest_kafka_dumps(dumps, warehouse_path(), duckdb_settings=duckdb_settings())
    except WarehouseLockedError as error:
        raise fail(str(error), EXIT_WAREHOUSE_BUSY) from None
    except IngestError as error:
        raise fail(str(error)) from None
    render_kafka_report(report, console, f"Kafka dumps from {dumps}")


def _consume_kafka(bootstrap: str, topics: list[str]) -> None:
    from dlt_pipelines.ingest import IngestError, WarehouseLockedError
    from dlt_pipelines.kafka.consumer import consume_topics
    from medallion.ingest_view import render_kafka_report

    try:
        with console.status(f"consuming {', '.join(topics)} from {bootstrap}"):
            report = consume_topics(
                bootstrap, topics, warehouse_path(), duckdb_settings=duckdb_settings()
            )
    except WarehouseLockedError as error:
        raise fail(str(error), EXIT_WAREHOUSE_BUSY) from None
    except IngestError as error:
        raise fail(str(error)) from None
    render_kafka_report(report, console, f"Kafka topics from {bootstrap}")


def _ingest(landing: Path) -> None:
    from dlt_pipelines.ingest import IngestError, WarehouseLockedError, ingest_landing
    from dlt_pipelines.landing import LandingZoneError
    from medallion.ingest_view import ingest_progress, render_ingest_report

    try:
        with ingest_progress(console) as progress:
            report = ingest_landing(
                landing,
                warehouse_path(),
                on_plan=progress.on_plan,
                on_progress=progress.on_progress,
                duckdb_settings=duckdb_settings(),
            )
    except WarehouseLockedError as error:
        raise fail(str(error), EXIT_WAREHOUSE_BUSY) from None
    except (LandingZoneError, IngestError) as error:
        raise fail(str(error)) from None
    render_ingest_report(report, console)


PlanOption = Annotated[
    str | None, typer.Option("--plan", help="A named mart plan (a selector in selectors.yml).")
]
MartsOption = Annotated[
    str | None, typer.Option("--marts", help="Comma-separated marts to build (with upstream).")
]


@app.command()
def build(landing: LandingOption = DEFAULT_LANDING, kafka_dumps: KafkaDumpsOption = None) -> None:
    """Ingest, ``dbt build`` silver and gold with all tests, then finalise erasures."""
    _run(RunOptionsInput(landing=landing, exports=False, kafka_dumps=kafka_dumps))


@app.command()
def run(
    landing: LandingOption = DEFAULT_LANDING,
    plan: PlanOption = None,
    marts: MartsOption = None,
    kafka_dumps: KafkaDumpsOption = None,
) -> None:
    """The main job: ingest, build, erasure finalisation and exports of the gold marts."""
    _run(RunOptionsInput(landing=landing, plan=plan, marts=marts, kafka_dumps=kafka_dumps))


@dataclass(frozen=True)
class RunOptionsInput:
    """The CLI's view of a run's options, before they are resolved."""

    landing: Path
    plan: str | None = None
    marts: str | None = None
    exports: bool = True
    kafka_dumps: Path | None = None


def _run(given: RunOptionsInput) -> None:
    with _warehouse_held():
        _run_held(given)


def _run_held(given: RunOptionsInput) -> None:
    from medallion.run_view import render_run_result
    from medallion.runner import RunOptions, RunResult, run_pipeline

    if given.plan and given.marts:
        raise fail("choose either --plan or --marts, not both")
    options = RunOptions(
        landing=given.landing,
        warehouse=warehouse_path(),
        plan=given.plan,
        marts=tuple(m.strip() for m in (given.marts or "").split(",") if m.strip()),
        exports=given.exports,
        kafka_dumps=kafka_dumps_root(given.kafka_dumps),
    )
    started_at = dt.datetime.now(dt.UTC)
    running: list[str] = []
    with console.status("running") as status:

        def on_step(step: str) -> None:
            running.append(step)
            status.update(step)

        try:
            result = run_pipeline(options, on_step=on_step)
        except Exception as error:
            # The pipeline broke its promise not to raise: still account for the run.
            crashed = RunResult(
                options=options,
                started_at=started_at,
                ended_at=dt.datetime.now(dt.UTC),
                errors=[f"{type(error).__name__}: {error}"],
                fatal=True,
            )
            _account_for(crashed, running[-1] if running else None)
            raise
    render_run_result(result, console, errors)
    _account_for(result)
    if result.status == "failed":
        busy = any("in use by another process" in error for error in result.errors)
        raise typer.Exit(EXIT_WAREHOUSE_BUSY if busy else EXIT_FAILURE)
    if result.status == "partial":
        raise typer.Exit(EXIT_PARTIAL)


def _account_for(result: RunResult, running_step: str | None = None) -> None:
    """Write the run's record, report, the runs index and metrics; print the record's path.

    A record that cannot be written is reported, but does not change the run's exit code.
    """
    from medallion.record.publish import publish_run_record

    try:
        outcome = publish_run_record(result, reports_dir(), running_step)
    except Exception as error:
        errors.print(
            f"[red]error:[/] run record not written: {type(error).__name__}: {error}",
            highlight=False,
            soft_wrap=True,
        )
        return
    for problem in outcome.problems:
        errors.print(f"[yellow]warning:[/] {problem}", highlight=False, soft_wrap=True)
    console.print(f"run record: {outcome.metadata}", highlight=False, soft_wrap=True)


RUN_ID_PATTERN = r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}$"


@app.command()
def report(
    run_id: Annotated[str, typer.Argument(help="The run (a folder name under reports/runs/).")],
) -> None:
    """Re-render a run's report.html, and the runs index, from its metadata.yaml alone."""
    from medallion.record.publish import rerender_report

    if not re.fullmatch(RUN_ID_PATTERN, run_id):
        raise fail(f"{run_id!r} is not a run id (YYYYmmddTHHMMSSZ-<12 hex>)")
    try:
        report_path, index_path = rerender_report(reports_dir(), run_id)
    except (OSError, ValueError) as error:
        raise fail(str(error)) from None
    console.print(f"report: {report_path}\nindex: {index_path}", highlight=False, soft_wrap=True)


@app.command()
def docs(
    serve: Annotated[
        bool, typer.Option("--serve", help="Serve the docs on http://127.0.0.1:PORT/.")
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port for --serve.")] = 8080,
    generate: Annotated[
        bool,
        typer.Option("--generate/--no-generate", help="Run dbt docs generate first."),
    ] = True,
) -> None:
    """Build the dbt docs site (offline, one file) into reports/docs/, optionally serve it."""
    from medallion.docs_site import DOCS_FOLDER, DocsError, generate_docs, serve_docs

    folder = reports_dir() / DOCS_FOLDER
    try:
        if generate:
            with console.status("dbt docs generate"):
                page = generate_docs(warehouse_path(), reports_dir())
            console.print(f"docs: {page}", highlight=False, soft_wrap=True)
        if serve:
            console.print(f"serving {folder} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
            serve_docs(folder, port)
    except DocsError as error:
        raise fail(str(error)) from None
    except OSError as error:
        raise fail(f"cannot serve on port {port}: {error.strerror}") from None
    except KeyboardInterrupt:
        pass


@app.command()
def metrics(
    port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65535, help="Serve /metrics on this port; without it, print them once."
        ),
    ] = None,
    address: Annotated[str, typer.Option(help="Address to listen on with --port.")] = "127.0.0.1",
) -> None:
    """The latest run's Prometheus metrics: printed, or served over HTTP (--port)."""
    from prometheus_client import generate_latest

    from medallion.metrics import latest_record, registry_for, serve_metrics

    reports = reports_dir()
    if port is None:
        record = latest_record(reports)
        if record is None:
            raise fail(f"no run recorded under {reports}")
        console.out(generate_latest(registry_for(lambda: record)).decode(), end="")
        return
    console.print(f"serving the latest run's metrics on http://{address}:{port}/metrics")
    try:
        serve_metrics(reports, port, address)
    except OSError as error:
        raise fail(f"cannot serve on {address}:{port}: {error.strerror}") from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    app()
