"""Load a landing zone into the bronze tables of the DuckDB warehouse, incrementally.

A file whose path and SHA-256 are already in bronze is not loaded again; a known path
with new content is loaded as a new version (``change = changed``). Paths that are not
loadable come back as skipped, with the reason.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dlt
import duckdb
from dlt.common.pipeline import LoadInfo
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_pipelines.anonymize import ErasureAnonymizer, read_anonymizer
from dlt_pipelines.bronze import REGISTRY_TABLE, FileToLoad, ProgressCallback
from dlt_pipelines.checksums import LandingChecksums, read_checksums, store_checksums
from dlt_pipelines.extract_process import ExtractError, ExtractProcess
from dlt_pipelines.landing import ENTITY_TABLES, LandingFile, SkippedPath, scan_landing
from dlt_pipelines.lines import FileReadState
from dlt_pipelines.pipeline import open_pipeline


class IngestError(Exception):
    """An ingest that cannot go on; the message is one line meant for the user."""


class WarehouseLockedError(IngestError):
    """Another process holds the warehouse file."""


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one landing file in this ingest."""

    relative_path: str
    entity: str
    table_name: str
    change: str  # new | changed | unchanged
    sha256: str
    size_bytes: int
    lines: int
    invalid_lines: int
    problem: str | None
    anonymized_lines: int = 0  # lines of customers erased earlier, loaded anonymized


@dataclass(frozen=True)
class IngestReport:
    """The result of one ingest: every file's outcome, skipped paths and load ids."""

    landing_root: Path
    files: tuple[FileOutcome, ...]
    skipped: tuple[SkippedPath, ...]
    load_ids: tuple[str, ...] = field(default=())

    @property
    def loaded(self) -> tuple[FileOutcome, ...]:
        """Files loaded by this ingest (new or changed)."""
        return tuple(f for f in self.files if f.change != "unchanged")

    @property
    def problems(self) -> tuple[FileOutcome, ...]:
        """Loaded files that were only partly readable."""
        return tuple(f for f in self.files if f.problem)

    def rows_loaded(self) -> dict[str, int]:
        """Rows this ingest added per bronze table."""
        rows: Counter[str] = Counter({table: 0 for table in ENTITY_TABLES.values()})
        for outcome in self.loaded:
            rows[outcome.table_name] += outcome.lines
        return dict(rows)

    def rows_anonymized(self) -> dict[str, int]:
        """Rows this ingest loaded anonymized (customers erased earlier), per bronze table."""
        rows: Counter[str] = Counter({table: 0 for table in ENTITY_TABLES.values()})
        for outcome in self.loaded:
            rows[outcome.table_name] += outcome.anonymized_lines
        return dict(rows)


def combined_reports(first: IngestReport, then: IngestReport) -> IngestReport:
    """One report for two ingests of one landing zone in the same run: ``then`` sees the
    files ``first`` loaded as unchanged, and reports them as ``first`` did."""
    loaded_first = {outcome.relative_path for outcome in first.loaded}
    files = [
        *first.loaded,
        *(outcome for outcome in then.files if outcome.relative_path not in loaded_first),
    ]
    return IngestReport(
        then.landing_root,
        tuple(sorted(files, key=lambda outcome: outcome.relative_path)),
        then.skipped,
        (*first.load_ids, *then.load_ids),
    )


def check_warehouse_free(warehouse: Path) -> None:
    """Fail with one line when another process holds the warehouse file."""
    if not warehouse.exists():
        return
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseLockedError(
                f"warehouse {warehouse} is in use by another process; try again when it ends"
            ) from error
        raise IngestError(f"warehouse {warehouse} cannot be opened: {error}") from error


def finish_pending(pipeline: dlt.Pipeline) -> None:
    """Load what an earlier, interrupted run extracted, before anything reads bronze.

    Otherwise its files or messages would look new and be loaded twice.
    """
    if pipeline.has_pending_data:
        pipeline.normalize()
        pipeline.load()


def select_rows(
    pipeline: dlt.Pipeline, table_name: str, columns: str
) -> Sequence[Sequence[object]]:
    """``select columns from`` a bronze table; no rows when it was never created."""
    with pipeline.sql_client() as client:
        if not client.has_dataset():
            return []
        table = client.make_qualified_table_name(table_name)
        try:
            rows = client.execute_sql(f"select {columns} from {table}")
        except Exception as error:  # not created yet: nothing was loaded
            if "does not exist" in str(error):
                return []
            raise
    return rows or []


def erasure_anonymizer(pipeline: dlt.Pipeline, salt: str | None) -> ErasureAnonymizer | None:
    """Who the last build erased and how to anonymize their lines (``anonymize.py``)."""
    with pipeline.sql_client() as client:
        return read_anonymizer(lambda sql: client.execute_sql(sql) or [], salt)


def missing_tables(pipeline: dlt.Pipeline, table_names: Sequence[str]) -> list[str]:
    """The tables of ``table_names`` the bronze dataset does not hold yet."""
    with pipeline.sql_client() as client:
        if not client.has_dataset():
            return list(table_names)
        rows = client.execute_sql(
            "select table_name from information_schema.tables where table_schema = %s",
            client.dataset_name,
        )
    existing = {str(row[0]) for row in rows or []}
    return [name for name in table_names if name not in existing]


def loaded_versions(
    pipeline: dlt.Pipeline, registry_table: str = REGISTRY_TABLE
) -> dict[str, set[str]]:
    """Path -> SHA-256 of every file version a registry table says bronze already holds."""
    versions: dict[str, set[str]] = {}
    for path, sha256 in select_rows(pipeline, registry_table, "relative_path, file_sha256"):
        versions.setdefault(str(path), set()).add(str(sha256))
    return versions


def landing_checksums(pipeline: dlt.Pipeline, verify: bool) -> LandingChecksums:
    """The landing files' digests the warehouse keeps (all hashed again when ``verify``)."""
    if verify:
        return LandingChecksums((), verify=True)
    with pipeline.sql_client() as client:
        return LandingChecksums(read_checksums(client.native_connection))


def keep_checksums(pipeline: dlt.Pipeline, checksums: LandingChecksums) -> None:
    """Store the digests of the files this ingest hashed, for the next one."""
    if checksums.hashed:
        with pipeline.sql_client() as client:
            store_checksums(client.native_connection, checksums.hashed)


def _plan_files(
    landing: tuple[LandingFile, ...], known: dict[str, set[str]], checksums: LandingChecksums
) -> tuple[list[FileToLoad], list[FileOutcome]]:
    to_load: list[FileToLoad] = []
    unchanged: list[FileOutcome] = []
    for landing_file in landing:
        try:
            sha256, size = checksums.sha256(landing_file.relative_path, landing_file.path)
        except OSError as error:
            raise IngestError(
                f"{landing_file.relative_path}: cannot be read ({error.strerror})"
            ) from error
        seen = known.get(landing_file.relative_path)
        if seen and sha256 in seen:
            unchanged.append(
                FileOutcome(
                    landing_file.relative_path,
                    landing_file.entity,
                    landing_file.table_name,
                    "unchanged",
                    sha256,
                    size,
                    0,
                    0,
                    None,
                )
            )
            continue
        change = "changed" if seen else "new"
        to_load.append(FileToLoad(landing_file, sha256, change, FileReadState()))
    return to_load, unchanged


def ingest_landing(
    landing_root: Path,
    warehouse: Path,
    on_plan: Callable[[list[FileToLoad]], None] | None = None,
    on_progress: ProgressCallback | None = None,
    duckdb_settings: dict[str, str] | None = None,
    erasure_salt: str | None = None,
    verify_checksums: bool = False,
    tables: Collection[str] | None = None,
) -> IngestReport:
    """Load every new or changed file below ``landing_root`` into bronze.

    Args:
        landing_root: folder holding ``date=YYYY-MM-DD/hour=HH/`` partitions.
        warehouse: the DuckDB file.
        on_plan: called once with the files that will be loaded.
        on_progress: called as lines are read (file, lines so far).
        duckdb_settings: extra DuckDB settings for the warehouse connection.
        erasure_salt: the warehouse's erasure salt; without it no line is anonymized on its
            way in (the anonymized records and the subjects' hashes need it).
        verify_checksums: hash every landing file, also those unchanged on disk since they
            were last hashed (``checksums.py``).
        tables: load only the files of these bronze tables (all when None); the others are
            left for a later ingest and not reported.
    """
    scan = scan_landing(landing_root)
    if tables is not None:
        scan = dataclasses.replace(
            scan, files=tuple(file for file in scan.files if file.table_name in tables)
        )
    check_warehouse_free(warehouse)
    # The lines are read in a process of their own (extract_process.py), started now so that
    # its imports overlap the planning; this process loads the package it extracted.
    with ExtractProcess() as extract_process:
        try:
            pipeline = open_pipeline(warehouse, duckdb_settings)
            finish_pending(pipeline)
            checksums = landing_checksums(pipeline, verify_checksums)
            to_load, unchanged = _plan_files(scan.files, loaded_versions(pipeline), checksums)
            keep_checksums(pipeline, checksums)
            if on_plan is not None:
                on_plan(to_load)
            load_ids: tuple[str, ...] = ()
            # The bronze tables exist from the first ingest on, even for an empty landing zone
            # (data may arrive only as Kafka topics): dbt reads them all.
            if to_load or missing_tables(pipeline, [*ENTITY_TABLES.values(), REGISTRY_TABLE]):
                anonymizer = erasure_anonymizer(pipeline, erasure_salt) if to_load else None
                extract_process.extract(warehouse, to_load, anonymizer, on_progress)
                pipeline = open_pipeline(warehouse, duckdb_settings)
                pipeline.normalize()
                info: LoadInfo = pipeline.load()
                load_ids = tuple(info.loads_ids)
        except ExtractError as error:
            raise IngestError(str(error)) from error
        except PipelineStepFailed as error:
            raise IngestError(
                f"ingest failed at dlt step {error.step}: {error.exception}"
            ) from error
    loaded = [
        FileOutcome(
            item.file.relative_path,
            item.file.entity,
            item.file.table_name,
            item.change,
            item.sha256,
            item.read_state.size_bytes,
            item.read_state.lines,
            item.invalid_lines,
            item.read_state.problem,
            item.anonymized_lines,
        )
        for item in to_load
    ]
    outcomes = sorted([*loaded, *unchanged], key=lambda outcome: outcome.relative_path)
    return IngestReport(landing_root, tuple(outcomes), scan.skipped, load_ids)
