"""Collect a run's record: a plain, YAML-ready dict built from its RunResult and the warehouse.

The structure is described (and checked) by ``schemas/run_metadata.schema.json``. Nothing in it
is personal: counts, file names, checksums, rule names, and quarantine examples masked by
``medallion.record.masking``.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from dlt_pipelines.landing import LandingZoneError, scan_landing
from dlt_pipelines.lines import file_sha256
from medallion.record import warehouse as facts
from medallion.record.drift_state import current_drift
from medallion.record.fingerprint import fingerprint, run_id
from medallion.record.versions import versions
from medallion.runner import RunResult, dbt_selection
from medallion.settings import duckdb_memory_settings, duckdb_settings
from medallion.transform import NodeResult

if TYPE_CHECKING:
    from dlt_pipelines.ingest import IngestReport
    from dlt_pipelines.kafka.report import KafkaIngestReport
    from medallion.exports.report import ExportReport

logger = logging.getLogger("medallion.record")
# 2: command, changed, unchanged_since and kafka added; summary counts Kafka messages and gaps.
SCHEMA_VERSION = 2
RECORD_KEYS = (
    "schema_version",
    "run_id",
    "fingerprint",
    "status",
    "command",
    "changed",
    "unchanged_since",
    "started_at",
    "ended_at",
    "duration_seconds",
    "summary",
    "errors",
    "versions",
    "plan",
    "paths",
    "steps",
    "inputs",
    "skipped",
    "loads",
    "kafka",
    "dbt",
    "tests",
    "reconciliation",
    "quarantine",
    "schema_drift",
    "erasure",
    "outputs",
)
STEP_ORDER = ("ingest", "dbt build", "erasure", "exports")
PASSED_STATUSES = frozenset({"success", "pass"})
FAILED_TEST_STATUSES = frozenset({"fail", "error"})
NODE_MESSAGE_CHARS = 2000
# transaction_lines are elements of transaction rows: counting them too would count twice.
ROW_ENTITIES_EXCLUDED = frozenset({"transaction_lines"})


def iso(moment: dt.datetime | None) -> str | None:
    """UTC ISO 8601 with a ``Z`` (``2026-01-17T10:13:54.233803Z``)."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _inputs_from_ingest(
    ingest: IngestReport, registry: dict[tuple[str, str], tuple[int, int]]
) -> list[dict[str, Any]]:
    files = []
    for outcome in ingest.files:
        lines, invalid = outcome.lines, outcome.invalid_lines
        if outcome.change == "unchanged":
            # Unchanged files are not read again: their lines are those of the loaded version.
            lines, invalid = registry.get((outcome.relative_path, outcome.sha256), (lines, invalid))
        files.append(
            {
                "path": outcome.relative_path,
                "entity": outcome.table_name,
                "size_bytes": outcome.size_bytes,
                "sha256": outcome.sha256,
                "lines": lines,
                "invalid_lines": invalid,
                "change": outcome.change,
                "problem": outcome.problem,
            }
        )
    return files


def _inputs_from_scan(landing: Path) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The landing files as they are, when the ingest did not report them (it failed)."""
    try:
        scan = scan_landing(landing)
    except LandingZoneError:
        return [], []
    files = []
    for landing_file in scan.files:
        try:
            sha256, size = file_sha256(landing_file.path)
        except OSError:
            continue
        files.append(
            {
                "path": landing_file.relative_path,
                "entity": landing_file.table_name,
                "size_bytes": size,
                "sha256": sha256,
                "lines": None,
                "invalid_lines": None,
                "change": None,
                "problem": None,
            }
        )
    skipped = [{"path": s.relative_path, "reason": s.reason} for s in scan.skipped]
    return files, skipped


def _kafka(
    report: KafkaIngestReport | None, dumps_root: Path | None, offsets: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The Kafka loads of the run (dump files, partitions) and the gaps bronze now holds.

    None when the run ingested no Kafka dump and bronze holds no Kafka message.
    """
    if report is None and not offsets:
        return None
    files = [
        {
            "path": f.relative_path,
            "layout": f.layout,
            "change": f.change,
            "sha256": f.sha256,
            "size_bytes": f.size_bytes,
            "lines": f.lines,
            "messages": f.messages,
            "loaded": f.loaded,
            "overlaps": f.overlaps,
            "rejected_lines": f.rejected_lines,
            "problem": f.problem,
        }
        for f in (report.files if report else ())
    ]
    partitions = [
        {
            "topic": p.topic,
            "partition": p.partition,
            "table": p.table_name,
            "loaded": p.loaded,
            "overlaps": p.overlaps,
            "invalid_values": p.invalid_values,
            "first_offset": p.first_offset,
            "last_offset": p.last_offset,
            "high_water_mark": p.high_water_mark,
        }
        for p in (report.partitions if report else ())
    ]
    gaps = [
        {"topic": partition["topic"], "partition": partition["partition"], **gap}
        for partition in offsets
        for gap in partition["gaps"]
    ]
    return {
        "ingested": report is not None,
        "dumps_root": str(dumps_root.resolve()) if dumps_root is not None else None,
        "messages_loaded": report.loaded if report else 0,
        "overlaps": report.overlaps if report else 0,
        "load_ids": list(report.load_ids) if report else [],
        "files": files,
        "partitions": partitions,
        "bronze": offsets,
        "gaps": gaps,
        "skipped": [{"path": s.relative_path, "reason": s.reason} for s in report.skipped]
        if report
        else [],
    }


def node_name(unique_id: str) -> str:
    """A node's readable name: ``test.medallion.<name>.<hash>`` -> ``<name>``;
    ``model.medallion.<name>`` -> ``<name>``."""
    parts = unique_id.split(".")
    if parts[0] == "test" and len(parts) >= 4:
        return ".".join(parts[2:-1])
    return ".".join(parts[2:]) if len(parts) >= 3 else unique_id


def _node(node: NodeResult) -> dict[str, Any]:
    failed_or_warned = node.status not in PASSED_STATUSES
    message = (node.message or "")[:NODE_MESSAGE_CHARS] if failed_or_warned else None
    return {
        "unique_id": node.unique_id,
        "name": node_name(node.unique_id),
        "resource_type": node.resource_type,
        "status": node.status,
        "seconds": round(node.seconds, 3),
        "rows_affected": node.rows_affected,
        "failures": node.failures,
        "message": message or None,
    }


def _tests(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    tests = [node for node in nodes if node["resource_type"] == "test"]

    def named(statuses: frozenset[str]) -> list[dict[str, Any]]:
        return [
            {
                "name": t["name"],
                "unique_id": t["unique_id"],
                "failures": t["failures"],
                "message": t["message"],
            }
            for t in tests
            if t["status"] in statuses
        ]

    return {
        "total": len(tests),
        "passed": sum(1 for t in tests if t["status"] == "pass"),
        "warned": sum(1 for t in tests if t["status"] == "warn"),
        "failed": sum(1 for t in tests if t["status"] in FAILED_TEST_STATUSES),
        "skipped": sum(1 for t in tests if t["status"] == "skipped"),
        "failures": named(FAILED_TEST_STATUSES),
        "warnings": named(frozenset({"warn"})),
        "passed_names": sorted(t["name"] for t in tests if t["status"] == "pass"),
        "skipped_names": sorted(t["name"] for t in tests if t["status"] == "skipped"),
    }


def _outputs(exports: ExportReport | None) -> dict[str, Any] | None:
    """The export report (paths relative to the export root), with the rows of each mart."""
    if exports is None:
        return None
    outputs = exports.to_dict()
    for mart in outputs["marts"]:
        mart["rows"] = sum(exported["rows"] for exported in mart["files"])
    return outputs


def _errors(result: RunResult, running_step: str | None) -> list[dict[str, Any]]:
    """The run's errors, each with the step it happened in and what it concerns."""
    done = {step.name for step in result.steps}
    failing_step = (
        running_step or result.failed_step or next((s for s in STEP_ORDER if s not in done), "run")
    )
    failed_nodes = {node.unique_id: node for node in (result.dbt.failed if result.dbt else ())}
    found = []
    for message in result.errors:
        step, context = failing_step, {}
        node_id = message.split(":", 1)[0]
        if node_id in failed_nodes:
            node = failed_nodes[node_id]
            step = "dbt build"
            context = {"node": node_id, "resource_type": node.resource_type, "status": node.status}
        elif message.startswith("export "):
            step, context = "exports", {"mart": message.split(":", 1)[0].removeprefix("export ")}
        elif message.startswith("dbt build:"):
            step = "dbt build"
        found.append({"step": step, "message": message, "context": context})
    return found


def _warehouse_facts(
    warehouse: Path, project_dir: Path, errors: list[dict[str, Any]]
) -> dict[str, Any]:
    """Everything read from the warehouse; a part that cannot be read becomes an error entry."""
    empty: dict[str, Any] = {
        "bronze_totals": {},
        "registry": {},
        "reconciliation": [],
        "quarantine": {"total_rows": 0, "rows_per_entity": {}, "by_rule": [], "examples": []},
        "erasure": None,
        "drift": [],
        "kafka_offsets": [],
    }
    if not warehouse.is_file():
        return empty
    parts = {
        "bronze_totals": facts.bronze_totals,
        "registry": facts.registry_lines,
        "reconciliation": facts.reconciliation,
        "quarantine": facts.quarantine,
        "erasure": facts.erasure_facts,
        "kafka_offsets": facts.kafka_offsets,
    }
    wanted: list[tuple[str, list[str]]] = []
    try:
        with facts.open_warehouse(warehouse) as connection:
            present = facts.tables(connection)
            for key, read in parts.items():
                try:
                    empty[key] = read(connection, present)
                except duckdb.Error as error:
                    errors.append(_record_error(f"reading {key}", error))
            try:
                wanted = facts.drift_tables(present, project_dir)
                drift = facts.drift(connection, present, wanted)
            except (duckdb.Error, OSError, ValueError) as error:
                errors.append(_record_error("schema drift", error))
                return empty
    except duckdb.Error as error:
        errors.append(_record_error("opening the warehouse", error))
        return empty
    empty["drift"] = drift if drift is not None else _updated_drift(warehouse, wanted, errors)
    return empty


def _updated_drift(
    warehouse: Path, wanted: list[tuple[str, list[str]]], errors: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Schema drift once its facts counted the rows they had not (a short write transaction);
    counted from every row instead when the warehouse cannot be written."""
    try:
        return current_drift(warehouse, {**duckdb_settings(), **duckdb_memory_settings()}, wanted)
    except duckdb.Error as error:
        logger.warning("schema drift: facts not updated (%s); counting every row", error)
    try:
        with facts.open_warehouse(warehouse) as connection:
            return facts.drift_by_scan(connection, wanted)
    except duckdb.Error as error:
        errors.append(_record_error("schema drift", error))
        return []


def _record_error(what: str, error: Exception) -> dict[str, Any]:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return {"step": "record", "message": f"{what}: {first_line}", "context": {}}


def _summary(record: dict[str, Any], bronze_totals: dict[str, int]) -> dict[str, Any]:
    counted = [r for r in record["reconciliation"] if r["entity"] not in ROW_ENTITIES_EXCLUDED]
    bronze_rows = sum(bronze_totals.values())
    quarantine_rows = int(record["quarantine"]["total_rows"])
    erasure = record["erasure"] or {}
    outputs = record["outputs"] or {"marts": []}
    files = record["inputs"]["files"]
    return {
        "files_total": len(files),
        "files_loaded": sum(1 for f in files if f["change"] in {"new", "changed"}),
        "files_unchanged": sum(1 for f in files if f["change"] == "unchanged"),
        "paths_skipped": len(record["skipped"]),
        "rows_loaded": sum(record["loads"]["rows_this_run"].values()),
        "bronze_rows": bronze_rows,
        "silver_rows": sum(r["silver_rows"] for r in counted),
        "quarantine_rows": quarantine_rows,
        "duplicate_rows": sum(r["duplicate_rows"] for r in counted),
        "quarantine_rate": round(quarantine_rows / bronze_rows, 6) if bronze_rows else 0.0,
        "tests_passed": record["tests"]["passed"],
        "tests_warned": record["tests"]["warned"],
        "tests_failed": record["tests"]["failed"],
        "erased_subjects": erasure.get("subjects") or 0,
        "rows_erased": sum((erasure.get("bronze_rows_rewritten") or {}).values()),
        "outputs_published": sum(1 for m in outputs["marts"] if m["status"] == "published"),
        "rows_exported": sum(m["rows"] for m in outputs["marts"]),
        "kafka_messages_loaded": (record["kafka"] or {}).get("messages_loaded", 0),
        "kafka_gaps": len((record["kafka"] or {}).get("gaps", [])),
        "errors": len(record["errors"]),
    }


def collect_record(
    result: RunResult, project_dir: Path, running_step: str | None = None
) -> dict[str, Any]:
    """The run's record (see ``schemas/run_metadata.schema.json``).

    ``running_step``: the step that was running when the pipeline raised instead of returning
    (the CLI passes it), so the error is put where it happened.
    """
    options = result.options
    errors = _errors(result, running_step)
    warehouse_facts = _warehouse_facts(options.warehouse, project_dir, errors)

    if result.ingest is not None:
        files = _inputs_from_ingest(result.ingest, warehouse_facts["registry"])
        skipped = [{"path": s.relative_path, "reason": s.reason} for s in result.ingest.skipped]
    else:
        files, skipped = _inputs_from_scan(options.landing)
    kafka = _kafka(result.kafka, options.kafka_dumps, warehouse_facts["kafka_offsets"])
    kafka_files = kafka["files"] if kafka else []
    print_ = fingerprint(
        [
            *((f["path"], f["sha256"]) for f in files),
            *((f"kafka:{f['path']}", f["sha256"]) for f in kafka_files),
        ],
        project_dir,
        options.plan,
        options.marts,
        options.exports,
    )
    nodes = [_node(node) for node in (result.dbt.nodes if result.dbt else ())]
    erasure = warehouse_facts["erasure"]
    if erasure is not None or result.erasure is not None:
        erasure = {
            **(erasure or {}),
            "finalised": result.erasure is not None,
            "bronze_rows_rewritten": dict(result.erasure.rows_rewritten) if result.erasure else {},
            "file_rewritten": bool(result.erasure and result.erasure.file_rewritten),
        }
    ended_at = result.ended_at or dt.datetime.now(dt.UTC)
    try:
        selection = dbt_selection(options.plan, options.marts)
    except ValueError:
        selection = []
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id(result.started_at, print_),
        "fingerprint": print_.to_dict(),
        "status": result.status,
        "command": options.command,
        "changed": result.changed,
        "unchanged_since": iso(result.covered_by.built_at) if result.covered_by else None,
        "started_at": iso(result.started_at),
        "ended_at": iso(ended_at),
        "duration_seconds": round((ended_at - result.started_at).total_seconds(), 3),
        "versions": versions(project_dir),
        "plan": {
            "name": options.plan,
            "marts": list(options.marts),
            "exports": options.exports,
            "dbt_selection": selection,
        },
        "paths": {
            "landing": str(options.landing.resolve()),
            "warehouse": str(options.warehouse),
        },
        "steps": [
            {
                "name": step.name,
                "started_at": iso(step.started_at),
                "seconds": round(step.seconds, 3),
            }
            for step in result.steps
        ],
        "inputs": {"files": files},
        "skipped": skipped,
        "loads": {
            "load_ids": list(result.ingest.load_ids) if result.ingest else [],
            "rows_this_run": result.ingest.rows_loaded() if result.ingest else {},
            "rows_anonymized_this_run": result.ingest.rows_anonymized() if result.ingest else {},
            "rows_total": warehouse_facts["bronze_totals"],
        },
        "kafka": kafka,
        "dbt": {
            "success": result.dbt.success if result.dbt else None,
            "error": result.dbt.error if result.dbt else None,
            "nodes": nodes,
            "retried_after_out_of_memory": list(result.dbt.retried) if result.dbt else [],
        },
        "tests": _tests(nodes),
        "reconciliation": warehouse_facts["reconciliation"],
        "quarantine": warehouse_facts["quarantine"],
        "schema_drift": warehouse_facts["drift"],
        "erasure": erasure,
        "outputs": _outputs(result.exports),
        "errors": errors,
    }
    record["summary"] = _summary(record, warehouse_facts["bronze_totals"])
    # Headline figures first: a reader of the YAML sees the outcome before the detail.
    return {key: record[key] for key in RECORD_KEYS}
