"""The dlt pipeline of the Kafka ingest and what it reads back from bronze.

Same warehouse, dataset (``bronze``) and working folder (beside the warehouse) as the
landing-file ingest, under its own pipeline name, so a pending load of one never
mixes with the other's. Table names come from dlt (quoted); values are parameters.
"""

from __future__ import annotations

from pathlib import Path

import dlt

from dlt_pipelines.ingest import IngestError, loaded_versions, select_rows
from dlt_pipelines.kafka.names import DUMP_FILES_TABLE, OFFSETS_TABLE
from dlt_pipelines.kafka.offsets import OffsetIndex
from dlt_pipelines.pipeline import open_pipeline

PIPELINE_NAME = "medallion_kafka"


class KafkaIngestError(IngestError):
    """A Kafka ingest that cannot go on; the message is one line meant for the user."""


def open_kafka_pipeline(
    warehouse: Path, duckdb_settings: dict[str, str] | None = None
) -> dlt.Pipeline:
    """The dlt pipeline that loads Kafka messages into ``warehouse``'s bronze dataset."""
    return open_pipeline(warehouse, duckdb_settings, pipeline_name=PIPELINE_NAME)


def read_offset_index(pipeline: dlt.Pipeline) -> OffsetIndex:
    """The offsets bronze holds, from ``bronze.kafka_offsets``."""
    rows = select_rows(pipeline, OFFSETS_TABLE, '"topic", "partition", first_offset, last_offset')
    return OffsetIndex.from_runs(
        (str(topic), int(str(partition)), int(str(first)), int(str(last)))
        for topic, partition, first, last in rows
    )


def loaded_dump_files(pipeline: dlt.Pipeline) -> dict[str, set[str]]:
    """Path -> SHA-256 of every dump file version bronze already holds."""
    return loaded_versions(pipeline, DUMP_FILES_TABLE)
