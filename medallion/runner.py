"""One run of the pipeline: ingest, dbt build, erasure finalisation, exports.

Each step's outcome and timing is kept in a :class:`RunResult`, whatever happens, so a
run record can be written for failed runs too. The status is ``success``, ``partial``
(some dbt nodes or exports failed, the rest published) or ``failed``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from dlt_pipelines.ingest import IngestError, IngestReport, ingest_landing
from dlt_pipelines.kafka.ingest import ingest_kafka_dumps
from dlt_pipelines.kafka.report import KafkaIngestReport
from dlt_pipelines.landing import LandingZoneError
from medallion.erasure import ErasureOutcome, finalise_erasure
from medallion.settings import duckdb_settings
from medallion.transform import DbtOutcome, run_dbt

if TYPE_CHECKING:
    from medallion.exports.publish import ExportReport


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
    exports: ExportReport | None = None
    steps: list[StepTiming] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fatal: bool = False

    @property
    def status(self) -> str:
        """``failed`` when a step could not finish, ``partial`` when parts failed."""
        if self.fatal:
            return "failed"
        if self.errors:
            return "partial"
        return "success"


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
    """Times steps and records them on the result."""

    def __init__(self, result: RunResult, on_step: Callable[[str], None] | None) -> None:
        self.result = result
        self.on_step = on_step

    def start(self, name: str) -> tuple[str, dt.datetime, float]:
        if self.on_step is not None:
            self.on_step(name)
        return name, dt.datetime.now(dt.UTC), time.perf_counter()

    def end(self, token: tuple[str, dt.datetime, float]) -> None:
        name, started_at, started = token
        self.result.steps.append(StepTiming(name, started_at, time.perf_counter() - started))


def run_pipeline(
    options: RunOptions,
    on_step: Callable[[str], None] | None = None,
    ingest_hooks: dict[str, Callable[..., None]] | None = None,
) -> RunResult:
    """Run ingest, build, erasure finalisation and exports; never raises for pipeline errors."""
    result = RunResult(options=options, started_at=dt.datetime.now(dt.UTC))
    steps = _Steps(result, on_step)
    settings = duckdb_settings()
    try:
        selection = dbt_selection(options.plan, options.marts)

        token = steps.start("ingest")
        result.ingest = ingest_landing(
            options.landing, options.warehouse, duckdb_settings=settings, **(ingest_hooks or {})
        )
        if options.kafka_dumps is not None:
            result.kafka = ingest_kafka_dumps(
                options.kafka_dumps, options.warehouse, duckdb_settings=settings
            )
        steps.end(token)

        token = steps.start("dbt build")
        result.dbt = run_dbt("build", options.warehouse, selection)
        steps.end(token)
        if result.dbt.error and not result.dbt.nodes:
            result.errors.append(f"dbt build: {result.dbt.error}")
            result.fatal = True
            return result
        result.errors.extend(
            f"{node.unique_id}: {node.status}: {node.message}" for node in result.dbt.failed
        )

        token = steps.start("erasure")
        try:
            result.erasure = finalise_erasure(options.warehouse, dict(settings))
        except (duckdb.Error, OSError) as error:
            # The run must not look done while personal data of erased subjects remains.
            raise StepFailed("erasure finalisation", error) from error
        steps.end(token)

        if options.exports:
            token = steps.start("exports")
            try:
                result.exports = _publish(options, result.dbt.healthy_models())
            except (duckdb.Error, OSError) as error:
                raise StepFailed("exports", error) from error
            steps.end(token)
            result.errors.extend(
                f"export {mart.mart}: {mart.error}"
                for mart in result.exports.marts
                if mart.status == "failed_validation"
            )
    except (IngestError, LandingZoneError, ValueError, StepFailed) as error:
        result.errors.append(str(error))
        result.fatal = True
    finally:
        result.ended_at = dt.datetime.now(dt.UTC)
    return result


def _publish(options: RunOptions, healthy_models: Sequence[str]) -> ExportReport:
    """Publish the gold marts this run built and tested successfully."""
    from medallion.exports.contracts import CONTRACTS
    from medallion.exports.publish import publish_exports

    export_root = options.export_root or options.warehouse.parent / "exports"
    marts = [model for model in healthy_models if model in CONTRACTS]
    return publish_exports(options.warehouse, export_root, marts)
