"""Load Kafka dump files (kcat -J or Kafka Connect layout) into bronze, exactly once.

A dump file whose path and SHA-256 bronze already holds is not read again. Every
message of the other files is checked against the offsets bronze holds: an offset
already loaded (or repeated within this ingest) is counted as an overlap, not loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
from dlt.common.pipeline import LoadInfo
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_pipelines.bronze import FileChangedWhileReading
from dlt_pipelines.ingest import check_warehouse_free, finish_pending
from dlt_pipelines.kafka.dumps import CONNECT, DumpFile, DumpRootError, scan_dumps
from dlt_pipelines.kafka.ledger import FileTally, Ledger
from dlt_pipelines.kafka.pipeline import (
    KafkaIngestError,
    loaded_dump_files,
    open_kafka_pipeline,
    read_offset_index,
)
from dlt_pipelines.kafka.readers import read_connect_dump, read_kcat_dump
from dlt_pipelines.kafka.report import DumpFileOutcome, KafkaIngestReport
from dlt_pipelines.kafka.settings import load_settings
from dlt_pipelines.kafka.source import MessageChunk, kafka_source
from dlt_pipelines.lines import file_sha256


def _plan(
    dumps: tuple[DumpFile, ...], known: dict[str, set[str]]
) -> tuple[list[FileTally], list[DumpFileOutcome]]:
    to_load: list[FileTally] = []
    unchanged: list[DumpFileOutcome] = []
    for dump in dumps:
        try:
            sha256, size = file_sha256(dump.path)
        except OSError as error:
            raise KafkaIngestError(
                f"{dump.relative_path}: cannot be read ({error.strerror})"
            ) from error
        seen = known.get(dump.relative_path)
        if seen and sha256 in seen:
            unchanged.append(
                DumpFileOutcome(
                    dump.relative_path, dump.layout, "unchanged", sha256, size, 0, 0, 0, 0, 0, None
                )
            )
        else:
            to_load.append(FileTally(dump, sha256, "changed" if seen else "new"))
    return to_load, unchanged


def _dump_chunks(files: list[FileTally], batch_bytes: int) -> Iterator[MessageChunk]:
    for item in files:
        read = read_connect_dump if item.dump.layout == CONNECT else read_kcat_dump
        for chunk in read(item.dump, item.sha256, item.read_state, batch_bytes):
            yield MessageChunk(
                chunk.messages, item.dump.layout, item.dump.relative_path, item, chunk.rejected
            )
        if item.read_state.sha256 != item.sha256:
            raise FileChangedWhileReading(
                f"{item.dump.relative_path}: the file changed while it was being loaded"
            )


def ingest_kafka_dumps(
    dumps_root: Path,
    warehouse: Path,
    connect_topics_dir: str | None = None,
    batch_bytes: int | None = None,
    duckdb_settings: dict[str, str] | None = None,
) -> KafkaIngestReport:
    """Load every new or changed Kafka dump file below ``dumps_root`` into bronze.

    Args:
        dumps_root: folder holding kcat -J dumps and/or the Kafka Connect layout.
        warehouse: the DuckDB file.
        connect_topics_dir: the Connect layout's top folder (``topics`` by default).
        batch_bytes: decompressed bytes per batch (bounds memory).
        duckdb_settings: extra DuckDB settings for the warehouse connection.
    """
    settings = load_settings()
    try:
        scan = scan_dumps(dumps_root, connect_topics_dir or settings.connect_topics_dir)
    except DumpRootError as error:
        raise KafkaIngestError(str(error)) from error
    check_warehouse_free(warehouse)
    pipeline = open_kafka_pipeline(warehouse, duckdb_settings)
    size = batch_bytes or settings.batch_bytes
    try:
        finish_pending(pipeline)
        to_load, unchanged = _plan(scan.files, loaded_dump_files(pipeline))
        ledger = Ledger(read_offset_index(pipeline))
        load_ids: tuple[str, ...] = ()
        if to_load:
            pipeline.extract(kafka_source(_dump_chunks(to_load, size), ledger, to_load, size))
            pa.default_memory_pool().release_unused()
            pipeline.normalize()
            info: LoadInfo = pipeline.load()
            load_ids = tuple(info.loads_ids)
    except PipelineStepFailed as error:
        raise KafkaIngestError(
            f"Kafka dump ingest failed at dlt step {error.step}: {error.exception}"
        ) from error
    outcomes = sorted(
        [*(item.outcome() for item in to_load), *unchanged], key=lambda o: o.relative_path
    )
    return KafkaIngestReport(ledger.outcomes(), tuple(outcomes), scan.skipped, load_ids)
