"""What one Kafka ingest (dumps or live) loaded, skipped as overlap, and found missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from dlt_pipelines.landing import SkippedPath


@dataclass(frozen=True)
class PartitionOutcome:
    """One topic partition in one ingest.

    ``gaps`` are the offsets missing between the lowest and highest offset bronze holds
    for the partition after this ingest, as inclusive (from, to) ranges: possible data
    loss upstream (or offsets that carry no message: transaction markers, compaction).
    """

    topic: str
    partition: int
    table_name: str
    loaded: int
    overlaps: int
    invalid_values: int
    first_offset: int | None  # lowest offset loaded by this ingest
    last_offset: int | None  # highest offset loaded by this ingest
    high_water_mark: int | None  # highest offset bronze holds after this ingest
    gaps: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class DumpFileOutcome:
    """What happened to one dump file."""

    relative_path: str
    layout: str  # kcat | connect
    change: str  # new | changed | unchanged
    sha256: str
    size_bytes: int
    lines: int
    messages: int
    loaded: int
    overlaps: int
    rejected_lines: int
    problem: str | None


@dataclass(frozen=True)
class CommittedOffset:
    """An offset the live consumer committed to Kafka (the next offset to read)."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class KafkaIngestReport:
    """The result of one Kafka ingest: per partition, per dump file, skipped paths, loads."""

    partitions: tuple[PartitionOutcome, ...]
    files: tuple[DumpFileOutcome, ...] = ()
    skipped: tuple[SkippedPath, ...] = ()
    load_ids: tuple[str, ...] = ()
    committed: tuple[CommittedOffset, ...] = field(default=())

    @property
    def loaded(self) -> int:
        """Messages this ingest added to bronze."""
        return sum(p.loaded for p in self.partitions)

    @property
    def overlaps(self) -> int:
        """Messages not loaded because bronze (or this ingest) already held their offset."""
        return sum(p.overlaps for p in self.partitions)

    @property
    def gaps(self) -> tuple[tuple[str, int, int, int], ...]:
        """Every gap as (topic, partition, from, to)."""
        return tuple(
            (p.topic, p.partition, start, end) for p in self.partitions for start, end in p.gaps
        )

    def partition(self, topic: str, partition: int) -> PartitionOutcome | None:
        """The outcome of one partition, None when this ingest saw none of its messages."""
        for outcome in self.partitions:
            if (outcome.topic, outcome.partition) == (topic, partition):
                return outcome
        return None

    def to_dict(self) -> dict[str, object]:
        """The report as plain JSON-ready data."""
        return {
            "loaded": self.loaded,
            "overlaps": self.overlaps,
            "partitions": [vars(p) | {"gaps": [list(g) for g in p.gaps]} for p in self.partitions],
            "files": [vars(f) for f in self.files],
            "skipped": [vars(s) for s in self.skipped],
            "load_ids": list(self.load_ids),
            "committed": [vars(c) for c in self.committed],
        }
