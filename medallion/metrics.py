"""Prometheus metrics of a run, from its record: a textfile per run, the latest one, and a server.

Every run writes ``reports/runs/<run_id>/metrics.prom`` and ``reports/metrics/medallion.prom``
(Prometheus text exposition; node_exporter's textfile collector reads the latter). Both are
written by prometheus-client's ``write_to_textfile`` (temporary file + rename: a scrape never
sees half a file). ``medallion metrics --port N`` serves the latest run's metrics over HTTP;
each scrape reads the newest record, so the long-running server follows new runs.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server, write_to_textfile
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from medallion.record.store import load_record, record_paths, run_dir

RUN_METRICS_FILE = "metrics.prom"
LATEST_METRICS = Path("metrics") / "medallion.prom"
STATUSES = ("success", "partial", "failed")


def _epoch(timestamp: str) -> float:
    return dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def _by_label(name: str, documentation: str, label: str, values: dict[str, Any]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], float(value or 0))
    return family


def record_metrics(record: dict[str, Any]) -> Iterator[Metric]:
    """The metric families of one run record."""
    summary = record["summary"]
    info = GaugeMetricFamily(
        "medallion_run_info",
        "The run the other medallion_* metrics describe (always 1).",
        labels=["run_id", "fingerprint", "version", "plan"],
    )
    info.add_metric(
        [
            record["run_id"],
            record["fingerprint"]["value"],
            record["versions"]["medallion"],
            record["plan"]["name"] or ",".join(record["plan"]["marts"]) or "all",
        ],
        1.0,
    )
    yield info
    status = GaugeMetricFamily(
        "medallion_run_status", "1 for the run's status, 0 for the others.", labels=["status"]
    )
    for name in STATUSES:
        status.add_metric([name], 1.0 if record["status"] == name else 0.0)
    yield status
    yield GaugeMetricFamily(
        "medallion_run_duration_seconds", "Wall time of the run.", value=record["duration_seconds"]
    )
    yield GaugeMetricFamily(
        "medallion_last_run_timestamp_seconds",
        "When the run ended (Unix time).",
        value=_epoch(record["ended_at"]),
    )
    yield _by_label(
        "medallion_rows_loaded",
        "Bronze rows loaded by the run, per table.",
        "table",
        record["loads"]["rows_this_run"],
    )
    yield _by_label(
        "medallion_bronze_rows",
        "Bronze rows in total, per table.",
        "table",
        record["loads"]["rows_total"],
    )
    yield _by_label(
        "medallion_rows_quarantined",
        "Rows in the silver quarantine, per entity.",
        "entity",
        record["quarantine"]["rows_per_entity"],
    )
    erasure = record["erasure"] or {}
    yield _by_label(
        "medallion_rows_erased",
        "Bronze rows rewritten by the run's erasure finaliser, per table.",
        "table",
        erasure.get("bronze_rows_rewritten") or {},
    )
    yield _by_label(
        "medallion_rows_anonymized_on_ingest",
        "Bronze rows of erased subjects the run's ingest loaded already anonymized, per table.",
        "table",
        record["loads"].get("rows_anonymized_this_run") or {},
    )
    yield GaugeMetricFamily(
        "medallion_erasure_subjects",
        "Erasure subjects known to silver.",
        value=summary["erased_subjects"],
    )
    tests = record["tests"]
    yield _by_label(
        "medallion_tests",
        "dbt tests of the run, per outcome.",
        "outcome",
        {k: tests[k] for k in ("passed", "warned", "failed", "skipped")},
    )
    yield GaugeMetricFamily(
        "medallion_test_failures", "dbt tests that failed or errored.", value=tests["failed"]
    )
    yield GaugeMetricFamily(
        "medallion_rows_exported",
        "Rows published as Parquet exports.",
        value=summary["rows_exported"],
    )
    yield GaugeMetricFamily(
        "medallion_run_errors", "Errors the run recorded.", value=summary["errors"]
    )


class RecordCollector(Collector):
    """Collects the metrics of the record ``load()`` returns (none when it returns None)."""

    def __init__(self, load: Callable[[], dict[str, Any] | None]) -> None:
        self._load = load

    def collect(self) -> Iterator[Metric]:
        """The metric families of the current record."""
        record = self._load()
        if record is not None:
            yield from record_metrics(record)


def latest_record(reports: Path) -> dict[str, Any] | None:
    """The newest readable run record, or None."""
    for path in record_paths(reports):
        try:
            return load_record(path)
        except (OSError, ValueError):
            continue
    return None


def registry_for(load: Callable[[], dict[str, Any] | None]) -> CollectorRegistry:
    """A registry holding only the run metrics (no process or platform collectors)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RecordCollector(load))
    return registry


def write_metrics(reports: Path, record: dict[str, Any]) -> tuple[Path, Path]:
    """Write the run's metrics.prom and the latest-run textfile; return both paths."""
    registry = registry_for(lambda: record)
    run_file = run_dir(reports, str(record["run_id"])) / RUN_METRICS_FILE
    latest = reports / LATEST_METRICS
    for path in (run_file, latest):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(path), registry)
    return run_file, latest


def serve_metrics(reports: Path, port: int, address: str = "127.0.0.1") -> None:
    """Serve the latest run's metrics on ``http://address:port/metrics`` until interrupted."""
    start_http_server(port, addr=address, registry=registry_for(lambda: latest_record(reports)))
    threading.Event().wait()
