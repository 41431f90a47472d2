"""A warehouse's first load: apply the landed erasure requests before the lines they name.

The ingest writes the lines of erased customers already anonymized (``dlt_pipelines/
anonymize.py``), but only for subjects a build has recognised: on the first load no build
has, so every line of a subject whose request lands with the history was loaded in clear,
and the build after it rewrote the whole warehouse file to anonymize them (198 of the 714 s
of a 10M-line first run). Here the request files are loaded on their own first, dbt builds
the erasure work list and the subjects from them, and the finaliser rewrites the still small
file (the requests keep only their subjects' hashes). The ingest of the other files then
finds the subjects and anonymizes their customers and transactions on their way in; what it
cannot decide is listed by the build after it and rewritten as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dlt_pipelines.ingest import IngestReport, check_warehouse_free, ingest_landing
from dlt_pipelines.landing import ENTITY_TABLES, scan_landing
from dlt_pipelines.state_schema import table_exists
from medallion.erasure import TARGETS, ErasureOutcome, finalise_erasure
from medallion.record.drift_state import stage_rewrites
from medallion.settings import PROJECT_DIR
from medallion.transform import run_dbt
from medallion.warehouse_file import DuckDBConfig

REQUESTS_TABLE = ENTITY_TABLES["erasure-requests"]
# What the ingest's anonymizer reads (anonymize.read_anonymizer): the subjects, and the macros
# that the work list's pre-hook creates; with their parents, on the requests alone.
SUBJECT_MODELS = ("+slv_erasure_subjects", "+slv_erasure_targets")


@dataclass(frozen=True)
class RequestsFirst:
    """What loading and applying the requests first did."""

    ingest: IngestReport
    erasure: ErasureOutcome | None  # None when dbt could not build the subjects
    dbt_error: str | None = None


def requests_come_first(warehouse: Path, landing: Path, settings: Mapping[str, str]) -> bool:
    """True when no build has made the erasure work list yet and ``landing`` holds requests.

    Raises ``WarehouseLockedError`` when another process holds the warehouse.
    """
    check_warehouse_free(warehouse)
    if warehouse.is_file():
        with duckdb.connect(str(warehouse), read_only=True, config=dict(settings)) as con:
            schema, table = TARGETS.split(".")
            if table_exists(con, schema, table):
                return False
    return any(file.table_name == REQUESTS_TABLE for file in scan_landing(landing).files)


def apply_requests_first(
    warehouse: Path,
    landing: Path,
    settings: dict[str, str],
    rewrite_settings: DuckDBConfig,
    erasure_salt: str,
    dbt_environment: Mapping[str, str],
    verify_checksums: bool = False,
) -> RequestsFirst:
    """Load the request files alone, build the subjects and the work list, finalise.

    When dbt fails the requests stay loaded and nothing is finalised: the build after the
    ingest reports the same failure, and its finaliser applies whatever it lists.
    """
    report = ingest_landing(
        landing,
        warehouse,
        duckdb_settings=settings,
        erasure_salt=erasure_salt,
        verify_checksums=verify_checksums,
        tables={REQUESTS_TABLE},
    )
    # A first load: no build ran this code on the warehouse, so the project is parsed whole
    # (medallion/runner.py); the build after the ingest then parses from this parse's state.
    built = run_dbt(
        "run",
        warehouse,
        ["--select", *SUBJECT_MODELS, "--no-partial-parse"],
        PROJECT_DIR,
        environment=dbt_environment,
    )
    if not built.success:
        failed = [f"{node.unique_id}: {node.message}" for node in built.failed]
        return RequestsFirst(report, None, built.error or "; ".join(failed) or "dbt run failed")
    stage_rewrites(warehouse, settings, PROJECT_DIR)
    return RequestsFirst(report, finalise_erasure(warehouse, rewrite_settings))
