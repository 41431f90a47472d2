"""The dlt pipeline that loads into the warehouse's bronze dataset, its state beside the file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dlt

PIPELINE_NAME = "medallion_landing"
BRONZE_DATASET = "bronze"
GLOBAL_CONFIG_KEY = "destination.duckdb.credentials.global_config"
GLOBAL_CONFIG_ENV = "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG"


def pipelines_dir_for(warehouse: Path) -> Path:
    """dlt's working folder for a warehouse: beside the warehouse file, inside the project."""
    return warehouse.parent / f"{warehouse.stem}.dlt"


def open_pipeline(
    warehouse: Path,
    duckdb_settings: dict[str, str] | None = None,
    pipeline_name: str = PIPELINE_NAME,
) -> dlt.Pipeline:
    """A dlt pipeline that loads into ``warehouse``'s bronze dataset, its state beside the file.

    The landing-file ingest and the Kafka ingest each have their own ``pipeline_name``, so
    a pending load of one never mixes with the other's.

    ``duckdb_settings`` are added to the DuckDB settings of ``.dlt/config.toml``
    (``destination.duckdb.credentials.global_config``).
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    if duckdb_settings:
        configured = dlt.config.get(GLOBAL_CONFIG_KEY, dict) or {}
        # dlt re-resolves credentials from its config providers in the load step, so the
        # extra settings go through its environment provider, not a credentials object.
        os.environ[GLOBAL_CONFIG_ENV] = json.dumps({**configured, **duckdb_settings})
    return dlt.pipeline(
        pipeline_name=pipeline_name,
        pipelines_dir=str(pipelines_dir_for(warehouse)),
        destination=dlt.destinations.duckdb(credentials=str(warehouse)),
        dataset_name=BRONZE_DATASET,
    )
