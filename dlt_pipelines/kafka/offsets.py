"""Sets of Kafka offsets per (topic, partition), kept as sorted ranges.

Bronze keeps every loaded run of consecutive offsets in ``bronze.kafka_offsets``; this
module turns those runs into an index that answers "is this offset already loaded?"
for a whole batch at once (numpy ``searchsorted``), and lists the gaps between them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

Offsets = npt.NDArray[np.int64]
PartitionKey = tuple[str, int]

_EMPTY: Offsets = np.empty(0, dtype=np.int64)


def offset_runs(offsets: Offsets) -> tuple[Offsets, Offsets]:
    """Split sorted unique offsets into runs of consecutive offsets: (firsts, lasts)."""
    if len(offsets) == 0:
        return _EMPTY, _EMPTY
    breaks = np.flatnonzero(np.diff(offsets) != 1) + 1
    firsts = offsets[np.concatenate(([0], breaks))]
    lasts = offsets[np.concatenate((breaks - 1, [len(offsets) - 1]))]
    return firsts, lasts


def merge_ranges(firsts: Offsets, lasts: Offsets) -> tuple[Offsets, Offsets]:
    """Merge inclusive ranges that overlap or touch into sorted disjoint ranges."""
    if len(firsts) == 0:
        return _EMPTY, _EMPTY
    order = np.argsort(firsts, kind="stable")
    starts, ends = firsts[order], lasts[order]
    reach = np.maximum.accumulate(ends)
    opens = np.ones(len(starts), dtype=np.bool_)
    opens[1:] = starts[1:] > reach[:-1] + 1
    heads = np.flatnonzero(opens)
    return starts[heads], np.maximum.reduceat(ends, heads)


class OffsetIndex:
    """The offsets bronze holds (plus those admitted so far), per topic and partition."""

    def __init__(self) -> None:
        self._ranges: dict[PartitionKey, tuple[Offsets, Offsets]] = {}

    @classmethod
    def from_runs(cls, runs: Iterable[tuple[str, int, int, int]]) -> OffsetIndex:
        """Build the index from (topic, partition, first_offset, last_offset) rows."""
        grouped: dict[PartitionKey, tuple[list[int], list[int]]] = {}
        for topic, partition, first, last in runs:
            firsts, lasts = grouped.setdefault((topic, int(partition)), ([], []))
            firsts.append(int(first))
            lasts.append(int(last))
        index = cls()
        for key, (firsts, lasts) in grouped.items():
            index._ranges[key] = merge_ranges(
                np.array(firsts, dtype=np.int64), np.array(lasts, dtype=np.int64)
            )
        return index

    def contains(self, key: PartitionKey, offsets: Offsets) -> npt.NDArray[np.bool_]:
        """For each offset, whether the index already holds it."""
        starts, ends = self._ranges.get(key, (_EMPTY, _EMPTY))
        if len(starts) == 0:
            return np.zeros(len(offsets), dtype=np.bool_)
        slot = np.searchsorted(starts, offsets, side="right") - 1
        found = slot >= 0
        found[found] = offsets[found] <= ends[slot[found]]
        return found

    def add(self, key: PartitionKey, offsets: Offsets) -> None:
        """Add sorted unique offsets."""
        firsts, lasts = offset_runs(offsets)
        starts, ends = self._ranges.get(key, (_EMPTY, _EMPTY))
        self._ranges[key] = merge_ranges(
            np.concatenate((starts, firsts)), np.concatenate((ends, lasts))
        )

    def gaps(self, key: PartitionKey) -> tuple[tuple[int, int], ...]:
        """Missing offsets between the lowest and highest held offset: (from, to), inclusive."""
        starts, ends = self._ranges.get(key, (_EMPTY, _EMPTY))
        return tuple(
            (int(end) + 1, int(start) - 1) for end, start in zip(ends[:-1], starts[1:], strict=True)
        )

    def high_water_mark(self, key: PartitionKey) -> int | None:
        """The highest held offset of a partition, None when none is held."""
        _, ends = self._ranges.get(key, (_EMPTY, _EMPTY))
        return int(ends[-1]) if len(ends) else None
