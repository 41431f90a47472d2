"""The ``medallion`` command line: demo data, ingest, build, run, and the run records."""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from medallion.logs import (
    LOG_FORMAT_ENV,
    LogFormat,
    configure_logging,
    json_logs,
    log_step,
)
from medallion.settings import (
    DEFAULT_KAFKA_DUMPS,
    DEFAULT_LANDING,
    duckdb_settings,
    erasure_salt,
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
logger = logging.getLogger("medallion.cli")

EXIT_FAILURE = 1
# A scheduler can tell "someone else is working" from a failure (EX_TEMPFAIL).
EXIT_WAREHOUSE_BUSY = 75
EXIT_PARTIAL = 2

LandingOption = Annotated[
    Path,
    typer.Option("--landing", help="Landing root with date=YYYY-MM-DD/hour=HH/ partitions."),
]


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print (or log, with JSON logs) a one-line error and return the exit to raise."""
    if json_logs():
        logger.error(message, extra={"exit_code": code})
    else:
        errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.callback()
def main(
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            envvar=LOG_FORMAT_ENV,
            case_sensitive=False,
            help="Log lines on stderr, one per step: text, or json (one JSON object per line, "
            "and nothing on stdout).",
        ),
    ] = LogFormat.text,
) -> None:
    """dbt-centric ELT warehouse: landing files -> bronze (dlt) -> silver and gold (dbt)."""
    configure_logging(log_format)
    if log_format is LogFormat.json:
        # dbt prints its errors on stdout even with --quiet: silence that (the run record and
        # the error log lines carry them); its log file stays (medallion/transform.py).
        os.environ.setdefault("DBT_LOG_LEVEL", "none")


def _status(message: str) -> AbstractContextManager[Any]:
    """A spinner on a terminal; nothing in a log file, a pipe, or with JSON logs."""
    if json_logs() or not console.is_terminal:
        return nullcontext()
    return console.status(message)


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
    kafka_out: Annotated[
        Path | None,
        typer.Option(
            "--kafka-out",
            help="Also write Kafka topic dumps here (orders_cdc and clickstream, kcat -J).",
        ),
    ] = None,
    entity_topics: Annotated[
        bool,
        typer.Option(
            "--entity-topics",
            help="With --kafka-out: also deliver the landing lines as entity topics.",
        ),
    ] = False,
) -> None:
    """Generate a seeded, realistic landing zone in the real dataset's schema."""
    from medallion.demo import DemoConfig, generate_landing_zone
    from medallion.demo.streams.dumps import write_stream_dumps

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
    if kafka_out is not None:
        try:
            with console.status(f"writing Kafka topic dumps to {kafka_out}"):
                topics = write_stream_dumps(out, kafka_out, config, entity_topics=entity_topics)
        except FileExistsError as error:
            raise fail(str(error)) from None
        console.print(f"wrote {kafka_out} (topics: {', '.join(topics)})")


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
    verify_checksums: Annotated[
        bool,
        typer.Option(
            "--verify-checksums",
            help="Hash every landing file, also those unchanged on disk since last hashed.",
        ),
    ] = False,
) -> None:
    """Load new and changed landing files (and Kafka dumps or live topics) into bronze."""
    if kafka and not topics:
        raise fail("--kafka needs --topics T1,T2,...")
    dumps = kafka_dumps_root(kafka_dumps)
    with _warehouse_held():
        _ingest(landing, verify_checksums)
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
        holder = _holder_command(warehouse_path())
        message = f"{error} (holder: {holder})" if holder else str(error)
        raise fail(message, EXIT_WAREHOUSE_BUSY) from None


HOLDER_CHARS = 160


def _holder_command(warehouse: Path) -> str | None:
    """The command line of the process holding the warehouse lock, when this host shows it
    (``/proc``); None when unknown."""
    from medallion.lock import lock_file

    try:
        pid = int(lock_file(warehouse).read_text().split()[0])
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return None
    words = [w.decode(errors="replace") for w in raw.split(b"\0") if w]
    if len(words) >= 3 and words[1:3] == ["-m", "medallion.cli"]:
        words = ["medallion", *words[3:]]  # python -m medallion.cli <command> ...
    elif words and Path(words[0]).name.startswith("python") and len(words) > 1:
        words = words[1:]
    if words and Path(words[0]).name == "medallion":
        words[0] = "medallion"
    command = " ".join(words)
    return command[:HOLDER_CHARS] + ("..." if len(command) > HOLDER_CHARS else "") or None


def _ingest_kafka_dumps(dumps: Path) -> None:
    from dlt_pipelines.ingest import IngestError, WarehouseLockedError
    from dlt_pipelines.kafka.ingest import ingest_kafka_dumps
    from medallion.ingest_view import Stopwatch, log_kafka_report, render_kafka_report

    watch = Stopwatch()
    try:
        with _status(f"loading Kafka dumps from {dumps}"):
            report = ingest_kafka_dumps(dumps, warehouse_path(), duckdb_settings=duckdb_settings())
    except WarehouseLockedError as error:
        raise fail(str(error), EXIT_WAREHOUSE_BUSY) from None
    except IngestError as error:
        raise fail(str(error)) from None
    log_kafka_report(report, "kafka dumps", watch.seconds)
    if not json_logs():
        render_kafka_report(report, console, f"Kafka dumps from {dumps}")


def _consume_kafka(bootstrap: str, topics: list[str]) -> None:
    from dlt_pipelines.ingest import IngestError, WarehouseLockedError
    from dlt_pipelines.kafka.consumer import consume_topics
    from medallion.ingest_view import Stopwatch, log_kafka_report, render_kafka_report

    watch = Stopwatch()
    try:
        with _status(f"consuming {', '.join(topics)} from {bootstrap}"):
            report = consume_topics(
                bootstrap, topics, warehouse_path(), duckdb_settings=duckdb_settings()
            )
    except WarehouseLockedError as error:
        raise fail(str(error), EXIT_WAREHOUSE_BUSY) from None
    except IngestError as error:
        raise fail(str(error)) from None
    log_kafka_report(report, "kafka topics", watch.seconds)
    if not json_logs():
        render_kafka_report(report, console, f"Kafka topics from {bootstrap}")


def _ingest(landing: Path, verify_checksums: bool) -> None:
    from dlt_pipelines.ingest import IngestError, WarehouseLockedError, ingest_landing
    from dlt_pipelines.landing import LandingZoneError
    from medallion.ingest_view import (
        Stopwatch,
        ingest_progress,
        log_ingest_report,
        render_ingest_report,
    )

    watch = Stopwatch()
    try:
        with ingest_progress(console, enabled=not json_logs()) as progress:
            report = ingest_landing(
                landing,
                warehouse_path(),
                on_plan=progress.on_plan,
                on_progress=progress.on_progress,
                duckdb_settings=duckdb_settings(),
                erasure_salt=erasure_salt(warehouse_path()),
                verify_checksums=verify_checksums,
            )
    except WarehouseLockedError as error:
        raise fail(str(error), EXIT_WAREHOUSE_BUSY) from None
    except (LandingZoneError, IngestError) as error:
        raise fail(str(error)) from None
    log_ingest_report(report, watch.seconds)
    if not json_logs():
        render_ingest_report(report, console)


PlanOption = Annotated[
    str | None, typer.Option("--plan", help="A named mart plan (a selector in selectors.yml).")
]
MartsOption = Annotated[
    str | None, typer.Option("--marts", help="Comma-separated marts to build (with upstream).")
]


FullRefreshOption = Annotated[
    bool,
    typer.Option(
        "--full-refresh",
        help="dbt build --full-refresh: rebuild incremental models from all of bronze.",
    ),
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
    full_refresh: FullRefreshOption = False,
) -> None:
    """The main job: ingest, build, erasure finalisation and exports of the gold marts."""
    _run(
        RunOptionsInput(
            landing=landing,
            plan=plan,
            marts=marts,
            kafka_dumps=kafka_dumps,
            full_refresh=full_refresh,
        )
    )


@app.command()
def refresh(
    landing: LandingOption = DEFAULT_LANDING,
    plan: PlanOption = None,
    marts: MartsOption = None,
    kafka_dumps: KafkaDumpsOption = None,
    full_refresh: FullRefreshOption = False,
) -> None:
    """For schedulers: ingest what is new; build, export and record only what it affects.

    Nothing new since the last successful build: the build is skipped and the run record says
    nothing changed (exit 0). Another command holds the warehouse: exit 75 at once, nothing
    touched. A refresh killed at any point is completed by the next one. One log line per
    step on stderr (``--log-format json`` for JSON lines).
    """
    _run(
        RunOptionsInput(
            landing=landing,
            plan=plan,
            marts=marts,
            kafka_dumps=kafka_dumps,
            refresh=True,
            full_refresh=full_refresh,
        )
    )


@dataclass(frozen=True)
class RunOptionsInput:
    """The CLI's view of a run's options, before they are resolved."""

    landing: Path
    plan: str | None = None
    marts: str | None = None
    exports: bool = True
    kafka_dumps: Path | None = None
    refresh: bool = False
    full_refresh: bool = False


def _run(given: RunOptionsInput) -> NoReturn:
    with _warehouse_held():
        code = _run_held(given)
    _exit_without_teardown(code)


def _exit_without_teardown(code: int) -> NoReturn:
    """End the process once the run is accounted for and the warehouse released, without the
    interpreter's teardown: after a build it freed dbt's objects one by one, ~0.7 s of a 10M
    one-hour refresh. The exit handlers still run (logging, multiprocessing's semaphores)."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run_held(given: RunOptionsInput) -> int:
    """Run the pipeline and account for it; the exit code."""
    importing = time.perf_counter()
    from medallion.runner import RunOptions, RunResult, run_pipeline, warm_up

    warm_up()
    log_step(logger, "start-up", "ok", time.perf_counter() - importing)

    if given.plan and given.marts:
        raise fail("choose either --plan or --marts, not both")
    options = RunOptions(
        landing=given.landing,
        warehouse=warehouse_path(),
        plan=given.plan,
        marts=tuple(m.strip() for m in (given.marts or "").split(",") if m.strip()),
        exports=given.exports,
        kafka_dumps=kafka_dumps_root(given.kafka_dumps),
        refresh=given.refresh,
        full_refresh=given.full_refresh,
    )
    started_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    running: list[str] = []
    with _status("running") as status:

        def on_step(step: str) -> None:
            running.append(step)
            if status is not None:
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
            _log_finished(crashed, None, EXIT_FAILURE, time.perf_counter() - started)
            raise
    _show(result)
    record = _account_for(result)
    code = _exit_code(result)
    _log_finished(result, record, code, time.perf_counter() - started)
    return code


def _show(result: RunResult) -> None:
    """The run's view: the terminal summary, or with JSON logs, its warnings and errors."""
    from medallion.run_view import log_run_result, render_run_result

    if json_logs():
        log_run_result(result)
    else:
        render_run_result(result, console, errors, compact=result.options.refresh)


def _exit_code(result: RunResult) -> int:
    """0 success (nothing changed included), 2 partial, 75 warehouse busy, 1 failed."""
    if result.status == "failed":
        busy = any("in use by another process" in error for error in result.errors)
        return EXIT_WAREHOUSE_BUSY if busy else EXIT_FAILURE
    return EXIT_PARTIAL if result.status == "partial" else 0


def _log_finished(result: RunResult, record: Path | None, code: int, seconds: float) -> None:
    """The last line of a run: its status, whether anything changed, the record, the exit."""
    logger.log(
        logging.INFO if code == 0 else logging.ERROR,
        f"{result.options.command} finished: {result.status}"
        + ("" if result.changed else ", nothing changed"),
        extra={
            "command": result.options.command,
            "status": result.status,
            "changed": result.changed,
            "seconds": round(seconds, 3),
            "exit_code": code,
            "record": str(record) if record else None,
        },
    )


def _account_for(result: RunResult, running_step: str | None = None) -> Path | None:
    """Write the run's record, report, the runs index and metrics; print the record's path.

    A record that cannot be written is reported, but does not change the run's exit code.
    Returns the metadata.yaml written (None when it could not be).
    """
    from medallion.record.publish import publish_run_record

    started = time.perf_counter()
    try:
        outcome = publish_run_record(result, reports_dir(), running_step)
    except Exception as error:
        log_step(logger, "record", "failed", time.perf_counter() - started)
        _problem(f"run record not written: {type(error).__name__}: {error}", "error")
        return None
    log_step(
        logger,
        "record",
        "ok" if not outcome.problems else "partial",
        time.perf_counter() - started,
        {"path": str(outcome.metadata)},
    )
    for problem in outcome.problems:
        _problem(problem, "warning")
    if not json_logs():
        console.print(f"run record: {outcome.metadata}", highlight=False, soft_wrap=True)
    return outcome.metadata


def _problem(message: str, level: str) -> None:
    """A warning or error about the run's record: logged (JSON) or printed on stderr."""
    if json_logs():
        logger.log(logging.ERROR if level == "error" else logging.WARNING, message)
    else:
        colour = "red" if level == "error" else "yellow"
        errors.print(f"[{colour}]{level}:[/] {escape(message)}", highlight=False, soft_wrap=True)


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
