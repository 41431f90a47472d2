"""One run of the pipeline: ingest, dbt build, erasure finalisation, exports.

Each step's outcome and timing is kept in a :class:`RunResult`, whatever happens, so a
run record can be written for failed runs too. The status is ``success``, ``partial``
(some dbt nodes or exports failed, the rest published) or ``failed``.

A refresh (``RunOptions.refresh``) is the same run, except that when the warehouse already
holds a successful build of this very bronze (nothing new was ingested, see
``medallion.build_state``) the build, erasure and export steps are skipped: the run is a
success with ``changed = False``. Every successful run records its build state.

Each finished or skipped step is logged as one line (``medallion.logs``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from dlt_pipelines.ingest import IngestError, IngestReport, combined_reports, ingest_landing
from dlt_pipelines.kafka.ingest import ingest_kafka_dumps
from dlt_pipelines.kafka.report import KafkaIngestReport
from dlt_pipelines.landing import LandingZoneError
from medallion.build_state import (
    BronzeState,
    BuildState,
    builds_of_code,
    covering_build,
    current_bronze,
    record_build,
    tested_bronze_through,
)
from medallion.erasure import ErasureError, ErasureOutcome, finalise_erasure
from medallion.ingest_view import ingest_counts, kafka_counts
from medallion.logs import log_step
from medallion.record.drift_state import stage_rewrites
from medallion.requests_first import RequestsFirst, apply_requests_first, requests_come_first
from medallion.settings import (
    PROJECT_DIR,
    duckdb_memory_settings,
    duckdb_settings,
    erasure_salt,
)
from medallion.transform import DbtOutcome, dbt_build
from medallion.warehouse_file import REWRITE_MEMORY_SHARE, DuckDBConfig, RewriteError

if TYPE_CHECKING:
    from medallion.exports.publish import ExportReport

logger = logging.getLogger("medallion.run")
BUILD_STEPS = ("dbt build", "erasure", "exports")
CHECK_STEP = "up-to-date check"
# Names the newest bronze load already tested (macros/tests/where_batch.sql): an environment
# variable, not a dbt --vars value, so that dbt's partial parsing survives its changes.
BRONZE_TESTED_THROUGH_ENV = "MEDALLION_BRONZE_TESTED_THROUGH"
# Modules dlt's DuckDB destination imports on first use (its configuration plugins, pandas)
# and those the run record needs: start-up work, done before the steps are timed.
STARTUP_MODULES = (
    "pandas",
    "dlt.common.configuration.plugins",
    "dlt.destinations.impl.duckdb.sql_client",
    "dlt.destinations.insert_job_client",
    "dlt.sources.helpers.requests",
    "medallion.record.collect",
    "medallion.record.publish",
    "medallion.record.schema",
    "medallion.report.index",
    "medallion.metrics",
    "jinja2",
    "jsonschema",
    "prometheus_client",
)


def warm_up() -> float:
    """Import what a run imports lazily, so that step timings measure work, not start-up;
    return the seconds it took (a module missing from this dlt version is skipped)."""
    started = time.perf_counter()
    for name in STARTUP_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    return time.perf_counter() - started


@dataclass(frozen=True)
class RunOptions:
    """What to run: the inputs, the warehouse, and which marts (all by default)."""

    landing: Path
    warehouse: Path
    plan: str | None = None
    marts: tuple[str, ...] = ()
    export_root: Path | None = None
    exports: bool = True
    kafka_dumps: Path | None = None
    refresh: bool = False  # skip the build when the last successful one covers bronze
    full_refresh: bool = False  # dbt build --full-refresh: rebuild incremental models

    @property
    def command(self) -> str:
        """The CLI command this run is: ``refresh``, ``run`` (with exports) or ``build``."""
        if self.refresh:
            return "refresh"
        return "run" if self.exports else "build"


@dataclass
class StepTiming:
    """Start, end and duration of one step."""

    name: str
    started_at: dt.datetime
    seconds: float


@dataclass
class RunResult:
    """Everything a run did, for its record and its exit code."""

    options: RunOptions
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    ingest: IngestReport | None = None
    kafka: KafkaIngestReport | None = None
    dbt: DbtOutcome | None = None
    erasure: ErasureOutcome | None = None
    # The first load's requests, loaded and applied before the other files (requests_first.py).
    requests_first: RequestsFirst | None = None
    exports: ExportReport | None = None
    steps: list[StepTiming] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fatal: bool = False
    # What bronze held after the ingest, and the earlier build that already covered it.
    bronze: BronzeState | None = None
    covered_by: BuildState | None = None
    build_recorded: bool = False
    failed_step: str | None = None  # the step that was running when the run could not go on

    @property
    def status(self) -> str:
        """``failed`` when a step could not finish, ``partial`` when parts failed."""
        if self.fatal:
            return "failed"
        if self.errors:
            return "partial"
        return "success"

    @property
    def changed(self) -> bool:
        """False when nothing new was found and the build was skipped (a refresh only)."""
        return self.covered_by is None


class StepFailed(Exception):
    """A step failed in a way the run cannot go on from; the message is one line."""

    def __init__(self, step: str, error: BaseException) -> None:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        super().__init__(f"{step} failed: {first_line}")


def dbt_selection(plan: str | None, marts: Sequence[str]) -> list[str]:
    """dbt arguments for a plan (a selector in selectors.yml) or a list of marts."""
    if plan and marts:
        raise ValueError("choose either a plan or a list of marts, not both")
    if plan:
        return ["--selector", plan]
    if marts:
        return ["--select", *(f"+{mart}" for mart in marts)]
    return []


class _Steps:
    """Times steps, records them on the result and logs one line per step."""

    def __init__(self, result: RunResult, on_step: Callable[[str], None] | None) -> None:
        self.result = result
        self.on_step = on_step
        self.running: tuple[str, dt.datetime, float] | None = None

    def start(self, name: str) -> None:
        if self.on_step is not None:
            self.on_step(name)
        self.running = (name, dt.datetime.now(dt.UTC), time.perf_counter())

    def end(self, status: str = "ok", counts: dict[str, object] | None = None) -> None:
        assert self.running is not None, "end() without start()"
        name, started_at, started = self.running
        self.running = None
        seconds = time.perf_counter() - started
        self.result.steps.append(StepTiming(name, started_at, seconds))
        log_step(logger, name, status, seconds, counts)

    def fail_running(self) -> None:
        """Log (and note on the result) the step that was running when the run stopped."""
        if self.running is not None:
            name, _, started = self.running
            self.running = None
            self.result.failed_step = name
            log_step(logger, name, "failed", time.perf_counter() - started)

    @staticmethod
    def skip(name: str, reason: str) -> None:
        log_step(logger, name, "skipped", 0.0, {"reason": reason})


def ingest_step_counts(result: RunResult) -> dict[str, object]:
    """The figures of the ingest step's line: files and rows, Kafka messages and gaps."""
    counts: dict[str, object] = {}
    if result.ingest is not None:
        counts |= ingest_counts(result.ingest)
    if result.kafka is not None:
        counts |= kafka_counts(result.kafka)
    if result.requests_first is not None and result.requests_first.erasure is not None:
        counts["requests_first_rows_rewritten"] = result.requests_first.erasure.total_rows
    return counts


def _nothing_ingested(result: RunResult) -> bool:
    """True when this run's ingest added no row (files or Kafka messages)."""
    files = result.ingest.loaded if result.ingest is not None else ()
    messages = result.kafka.loaded if result.kafka is not None else 0
    kafka_files = [f for f in result.kafka.files if f.change != "unchanged"] if result.kafka else []
    return not files and not messages and not kafka_files


def run_pipeline(
    options: RunOptions,
    on_step: Callable[[str], None] | None = None,
) -> RunResult:
    """Run ingest, build, erasure finalisation and exports; never raises for pipeline errors."""
    result = RunResult(options=options, started_at=dt.datetime.now(dt.UTC))
    steps = _Steps(result, on_step)
    settings = duckdb_settings()
    # This process's own connections keep the run's memory limit; the ingest has its own.
    limited = {**settings, **duckdb_memory_settings()}
    try:
        selection = dbt_selection(options.plan, options.marts)

        steps.start("ingest")
        result.ingest = _ingest_landing(options, result, settings)
        if options.kafka_dumps is not None:
            result.kafka = ingest_kafka_dumps(
                options.kafka_dumps, options.warehouse, duckdb_settings=settings
            )
        steps.end(counts=ingest_step_counts(result))

        code = _code_sha256()
        if options.refresh:
            steps.start(CHECK_STEP)
        try:
            result.bronze = current_bronze(options.warehouse, limited)
            if options.refresh and not options.full_refresh and _nothing_ingested(result):
                result.covered_by = covering_build(
                    options.warehouse, limited, selection, options.exports, result.bronze, code
                )
        except duckdb.Error as error:
            raise StepFailed("reading the build state", error) from error
        if options.refresh:
            steps.end(
                counts={
                    "bronze_loads": result.bronze.loads,
                    "changed": result.changed,
                    **({"built_at": _iso(result.covered_by.built_at)} if result.covered_by else {}),
                }
            )
        if result.covered_by is not None:
            for name in BUILD_STEPS if options.exports else BUILD_STEPS[:-1]:
                steps.skip(name, "nothing changed since the last successful build")
            return result

        _build(options, result, steps, selection, limited, code)
        if result.status == "success":
            _record_build_state(options, result, selection, limited, code)
    except (IngestError, LandingZoneError, ValueError, StepFailed) as error:
        steps.fail_running()
        result.errors.append(str(error))
        result.fatal = True
    finally:
        result.ended_at = dt.datetime.now(dt.UTC)
    return result


def _ingest_landing(
    options: RunOptions, result: RunResult, settings: dict[str, str]
) -> IngestReport:
    """The landing zone's ingest; on a first load, its erasure requests first."""
    salt = erasure_salt(options.warehouse)
    try:
        if requests_come_first(options.warehouse, options.landing, settings):
            result.requests_first = apply_requests_first(
                options.warehouse,
                options.landing,
                settings,
                _rewrite_settings(settings),
                salt,
                {BRONZE_TESTED_THROUGH_ENV: ""},
                verify_checksums=options.full_refresh,
            )
    except (duckdb.Error, OSError, ErasureError, RewriteError) as error:
        raise StepFailed("applying the erasure requests first", error) from error
    if result.requests_first is not None and result.requests_first.dbt_error:
        # Not an error of the run: the build after the ingest lists and rewrites their rows.
        logger.warning("erasure requests first: %s", result.requests_first.dbt_error)
    report = ingest_landing(
        options.landing,
        options.warehouse,
        duckdb_settings=settings,
        erasure_salt=salt,
        # A full refresh trusts nothing it kept: every landing file is hashed again.
        verify_checksums=options.full_refresh,
    )
    if result.requests_first is None:
        return report
    return combined_reports(result.requests_first.ingest, report)


def _build(
    options: RunOptions,
    result: RunResult,
    steps: _Steps,
    selection: list[str],
    settings: dict[str, str],
    code: str,
) -> None:
    """dbt build, erasure finalisation and exports; a step that cannot go on raises."""
    steps.start("dbt build")
    # After the requests were applied first, the incremental models they built hold the
    # requests alone: the first build over the whole load rebuilds them from scratch.
    full_refresh = options.full_refresh or result.requests_first is not None
    dbt_args = [*selection, *(["--full-refresh"] if full_refresh else [])]
    try:
        builds = builds_of_code(options.warehouse, settings, code)
    except duckdb.Error as error:
        raise StepFailed("reading the build state", error) from error
    tested_through = None if options.full_refresh else tested_bronze_through(builds)
    parsed_whole = result.requests_first is not None and result.requests_first.dbt_error is None
    if not builds and not parsed_whole:
        # Parsed whole after a change of code: dbt's partial parsing has dropped nodes after a
        # macro or YAML change (dbt-core #10903, a YAML-defined snapshot; the price history is
        # a snapshot block since for that reason), so parse state left by other code is not
        # trusted (tests/refresh/test_code_change_parse.py). The requests applied first parse
        # whole (requests_first.py): their state is this code's, and serves this build.
        dbt_args.append("--no-partial-parse")
    # Tests of bronze keep to the loads no successful build has tested yet
    # (macros/tests/where_batch.sql); bronze rows never change except by erasure. Always set,
    # empty for "none", so that a value in the caller's environment cannot stand in.
    dbt_environment = {BRONZE_TESTED_THROUGH_ENV: tested_through or ""}
    result.dbt = dbt_build(options.warehouse, dbt_args, environment=dbt_environment)
    passed = sum(1 for node in result.dbt.nodes if node.status in {"success", "pass"})
    dbt_counts: dict[str, object] = {
        "nodes": len(result.dbt.nodes),
        "passed": passed,
        "failed": len(result.dbt.failed),
    }
    if result.dbt.retried:
        dbt_counts["retried_after_out_of_memory"] = len(result.dbt.retried)
    if result.dbt.error and not result.dbt.nodes:
        steps.end("failed", dbt_counts)
        result.errors.append(f"dbt build: {result.dbt.error}")
        result.fatal = True
        return
    steps.end("partial" if result.dbt.failed else "ok", dbt_counts)
    result.errors.extend(
        f"{node.unique_id}: {node.status}: {node.message}" for node in result.dbt.failed
    )

    steps.start("erasure")
    try:
        # Before the finaliser rewrites bronze rows: keeps the run record's drift counts true.
        stage_rewrites(options.warehouse, settings, PROJECT_DIR)
        erasure = finalise_erasure(options.warehouse, _rewrite_settings(settings))
    except (duckdb.Error, OSError, ErasureError, RewriteError) as error:
        # The run must not look done while personal data of erased subjects remains.
        raise StepFailed("erasure finalisation", error) from error
    steps.end(
        counts={
            "bronze_rows_rewritten": erasure.total_rows,
            "file_rewritten": erasure.file_rewritten,
        }
    )
    first = result.requests_first.erasure if result.requests_first is not None else None
    result.erasure = first.followed_by(erasure) if first is not None else erasure

    if options.exports:
        steps.start("exports")
        try:
            result.exports = _publish(options, result.dbt.healthy_models())
        except (duckdb.Error, OSError) as error:
            raise StepFailed("exports", error) from error
        failed = [m for m in result.exports.marts if m.status == "failed_validation"]
        steps.end(
            "partial" if failed else "ok",
            {
                "marts": len(result.exports.marts),
                "published": sum(1 for m in result.exports.marts if m.status == "published"),
                "failed": len(failed),
            },
        )
        result.errors.extend(f"export {mart.mart}: {mart.error}" for mart in failed)


def _rewrite_settings(settings: dict[str, str]) -> DuckDBConfig:
    """The erasure file rewrite's DuckDB settings: the run's, with its share of the memory."""
    return {**settings, **duckdb_memory_settings(REWRITE_MEMORY_SHARE)}


def _record_build_state(
    options: RunOptions,
    result: RunResult,
    selection: list[str],
    settings: dict[str, str],
    code: str,
) -> None:
    """Remember this successful build, so a refresh over the same bronze can skip it."""
    assert result.bronze is not None
    state = BuildState(
        selection=tuple(selection),
        exports=options.exports,
        bronze=result.bronze,
        code_sha256=code,
        built_at=dt.datetime.now(dt.UTC),
    )
    try:
        record_build(options.warehouse, settings, state)
    except (duckdb.Error, OSError) as error:
        # Not fatal: the next refresh just builds again.
        result.errors.append(str(StepFailed("recording the build state", error)))
        return
    result.build_recorded = True


def _code_sha256() -> str:
    from medallion.record.fingerprint import code_sha256

    return code_sha256(PROJECT_DIR)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _publish(options: RunOptions, healthy_models: Sequence[str]) -> ExportReport:
    """Publish the gold marts this run built and tested successfully."""
    from medallion.exports.contracts import CONTRACTS
    from medallion.exports.publish import publish_exports

    export_root = options.export_root or options.warehouse.parent / "exports"
    marts = [model for model in healthy_models if model in CONTRACTS]
    return publish_exports(options.warehouse, export_root, marts)
