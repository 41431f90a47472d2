"""Exactly once: admit each (topic, partition, offset) to bronze once, and count the rest.

The ledger starts from the offsets bronze holds and, message batch by message batch,
keeps the first copy of every offset it has not seen, counts the others as overlaps,
and remembers the runs of offsets it admitted: those become ``bronze.kafka_offsets``
rows in the same load package as the messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from dlt_pipelines.kafka.dumps import DumpFile
from dlt_pipelines.kafka.names import table_name_for
from dlt_pipelines.kafka.offsets import (
    OffsetIndex,
    Offsets,
    PartitionKey,
    merge_ranges,
    offset_runs,
)
from dlt_pipelines.kafka.report import DumpFileOutcome, PartitionOutcome
from dlt_pipelines.lines import FileReadState

OFFSETS_ARROW_SCHEMA = pa.schema(
    [
        pa.field("topic", pa.string(), nullable=False),
        pa.field("partition", pa.int64(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("first_offset", pa.int64(), nullable=False),
        pa.field("last_offset", pa.int64(), nullable=False),
        pa.field("messages", pa.int64(), nullable=False),
        pa.field("_source", pa.string(), nullable=False),
        pa.field("_source_file", pa.string()),
        pa.field("_ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("_dlt_load_id", pa.string(), nullable=False),
    ]
)


@dataclass
class PartitionTally:
    """Counts for one partition, filled in while batches are admitted."""

    topic: str
    partition: int
    loaded: int = 0
    overlaps: int = 0
    invalid_values: int = 0
    first_offset: int | None = None
    last_offset: int | None = None


@dataclass
class FileTally:
    """A dump file chosen for loading, and counts filled in while it is read and admitted."""

    dump: DumpFile
    sha256: str
    change: str  # new | changed
    read_state: FileReadState = field(default_factory=FileReadState)
    messages: int = 0
    loaded: int = 0
    overlaps: int = 0
    rejected_lines: int = 0

    def outcome(self) -> DumpFileOutcome:
        """The file's outcome for the report."""
        state = self.read_state
        return DumpFileOutcome(
            self.dump.relative_path,
            self.dump.layout,
            self.change,
            self.sha256,
            state.size_bytes,
            state.lines,
            self.messages,
            self.loaded,
            self.overlaps,
            self.rejected_lines,
            state.problem,
        )


_RunKey = tuple[str, int, str, str | None]  # topic, partition, source, source file


class Ledger:
    """Admits message batches against the offsets bronze holds; one per ingest."""

    def __init__(self, index: OffsetIndex) -> None:
        self.index = index
        self.partitions: dict[PartitionKey, PartitionTally] = {}
        self._runs: dict[_RunKey, tuple[list[Offsets], list[Offsets]]] = {}

    def admit(
        self, bronze: pa.Table, source: str, source_file: str | None, file: FileTally | None
    ) -> pa.Table:
        """Keep the rows whose offset is new to bronze and to this ingest (first copy wins)."""
        if file is not None:
            file.messages += len(bronze)
        if len(bronze) == 0:
            return bronze
        topics = bronze.column("topic")
        partitions = bronze.column("partition")
        offsets = bronze.column("offset").to_numpy()
        valid = bronze.column("_is_valid_json").to_numpy()
        keys = pa.table({"t": topics, "p": partitions}).group_by(["t", "p"]).aggregate([])
        kept: list[Offsets] = []
        for topic, partition in zip(
            keys.column("t").to_pylist(), keys.column("p").to_pylist(), strict=True
        ):
            mask = pc.and_(pc.equal(topics, topic), pc.equal(partitions, partition))
            rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            kept.append(
                self._admit_partition(
                    (topic, partition), rows, offsets, valid, source, source_file, file
                )
            )
        keep = np.sort(np.concatenate(kept))
        return bronze.take(pa.array(keep))

    def _admit_partition(
        self,
        key: PartitionKey,
        rows: Offsets,
        offsets: Offsets,
        valid: npt.NDArray[np.bool_],
        source: str,
        source_file: str | None,
        file: FileTally | None,
    ) -> Offsets:
        unique, first = np.unique(offsets[rows], return_index=True)
        fresh = ~self.index.contains(key, unique)
        new_offsets = unique[fresh]
        keep = rows[first[fresh]]
        self.index.add(key, new_offsets)
        tally = self.partitions.setdefault(key, PartitionTally(*key))
        tally.loaded += len(keep)
        tally.overlaps += len(rows) - len(keep)
        tally.invalid_values += int(np.count_nonzero(~valid[keep]))
        if len(new_offsets):
            low, high = int(new_offsets[0]), int(new_offsets[-1])
            tally.first_offset = low if tally.first_offset is None else min(tally.first_offset, low)
            tally.last_offset = high if tally.last_offset is None else max(tally.last_offset, high)
            firsts, lasts = offset_runs(new_offsets)
            run_firsts, run_lasts = self._runs.setdefault((*key, source, source_file), ([], []))
            run_firsts.append(firsts)
            run_lasts.append(lasts)
        if file is not None:
            file.loaded += len(keep)
            file.overlaps += len(rows) - len(keep)
        return keep

    def drain_offset_rows(self, ingested_at: dt.datetime, load_id: str) -> pa.Table:
        """The runs admitted since the last drain, as ``kafka_offsets`` rows."""
        rows: list[dict[str, object]] = []
        for (topic, partition, source, source_file), (firsts, lasts) in sorted(
            self._runs.items(),
            key=lambda item: (item[0][0], item[0][1], item[0][2], item[0][3] or ""),
        ):
            starts, ends = merge_ranges(np.concatenate(firsts), np.concatenate(lasts))
            for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
                rows.append(
                    {
                        "topic": topic,
                        "partition": partition,
                        "table_name": table_name_for(topic),
                        "first_offset": start,
                        "last_offset": end,
                        "messages": end - start + 1,
                        "_source": source,
                        "_source_file": source_file,
                        "_ingested_at": ingested_at,
                        "_dlt_load_id": load_id,
                    }
                )
        self._runs.clear()
        return pa.Table.from_pylist(rows, schema=OFFSETS_ARROW_SCHEMA)

    def outcomes(self) -> tuple[PartitionOutcome, ...]:
        """Every partition this ledger saw, with the gaps bronze has after the load."""
        return tuple(
            PartitionOutcome(
                tally.topic,
                tally.partition,
                table_name_for(tally.topic),
                tally.loaded,
                tally.overlaps,
                tally.invalid_values,
                tally.first_offset,
                tally.last_offset,
                self.index.high_water_mark(key),
                self.index.gaps(key),
            )
            for key, tally in sorted(self.partitions.items())
        )
