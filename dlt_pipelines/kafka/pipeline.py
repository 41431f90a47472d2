"""The dlt pipeline of the Kafka ingest and what it reads back from bronze.

Same warehouse, dataset (``bronze``) and working folder (beside the warehouse) as the
landing-file ingest, under its own pipeline name, so a pending load of one never
mixes with the other's. Table names come from dlt (quoted); values are parameters.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import dlt

from dlt_pipelines.ingest import (
    BRONZE_DATASET,
    GLOBAL_CONFIG_ENV,
    GLOBAL_CONFIG_KEY,
    IngestError,
    pipelines_dir_for,
)
from dlt_pipelines.kafka.names import DUMP_FILES_TABLE, OFFSETS_TABLE
from dlt_pipelines.kafka.offsets import OffsetIndex

PIPELINE_NAME = "medallion_kafka"


class KafkaIngestError(IngestError):
    """A Kafka ingest that cannot go on; the message is one line meant for the user."""


def open_kafka_pipeline(
    warehouse: Path, duckdb_settings: dict[str, str] | None = None
) -> dlt.Pipeline:
    """The dlt pipeline that loads Kafka messages into ``warehouse``'s bronze dataset."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    if duckdb_settings:
        configured = dlt.config.get(GLOBAL_CONFIG_KEY, dict) or {}
        os.environ[GLOBAL_CONFIG_ENV] = json.dumps({**configured, **duckdb_settings})
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        pipelines_dir=str(pipelines_dir_for(warehouse)),
        destination=dlt.destinations.duckdb(credentials=str(warehouse)),
        dataset_name=BRONZE_DATASET,
    )


def finish_pending(pipeline: dlt.Pipeline) -> None:
    """Load what an earlier, interrupted run extracted, before anything reads bronze."""
    if pipeline.has_pending_data:
        pipeline.normalize()
        pipeline.load()


def _select(pipeline: dlt.Pipeline, table_name: str, columns: str) -> Sequence[Sequence[object]]:
    with pipeline.sql_client() as client:
        if not client.has_dataset():
            return []
        table = client.make_qualified_table_name(table_name)
        try:
            rows = client.execute_sql(f"select {columns} from {table}")
        except Exception as error:  # not created yet: nothing loaded
            if "does not exist" in str(error):
                return []
            raise
    return rows or []


def read_offset_index(pipeline: dlt.Pipeline) -> OffsetIndex:
    """The offsets bronze holds, from ``bronze.kafka_offsets``."""
    rows = _select(pipeline, OFFSETS_TABLE, '"topic", "partition", first_offset, last_offset')
    return OffsetIndex.from_runs(
        (str(topic), int(str(partition)), int(str(first)), int(str(last)))
        for topic, partition, first, last in rows
    )


def loaded_dump_files(pipeline: dlt.Pipeline) -> dict[str, set[str]]:
    """Path -> SHA-256 of every dump file version bronze already holds."""
    versions: dict[str, set[str]] = {}
    for path, sha256 in _select(pipeline, DUMP_FILES_TABLE, "relative_path, file_sha256"):
        versions.setdefault(str(path), set()).add(str(sha256))
    return versions
