"""What the benchmarks share: timing a child process with its peak memory, and the DuckDB
``read_json`` baseline over a landing zone.

Two memory figures per child. Its own peak RSS (``wait4``) is exact but covers the largest
single process only, so a helper process it starts, such as the file rewrite's import, is not
added to it; and a child started by a large process starts from that process's peak (one
started from a 684 MB pytest process reported 684 MB). The peak of its whole process tree is
sampled from ``/proc`` (Linux) every 0.1 s: the sum of the processes' RSS. Pages they share
(the interpreter, libraries) count once per process, so the sum errs high. PSS would not, but
reading ``smaps_rollup`` walks the page tables under the process's memory-map lock (6 ms for
a 300 MB process, ten times a second), while ``status`` costs 0.02 ms.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
ENTITIES = ("customers", "products", "transactions", "erasure-requests")

# The strongest plain read_json we found: one call per entity over all its files, schema
# sniffed from a sample (union_by_name=true made it ~40% slower, so it is not used).
BASELINE_CHILD = """
import glob, json, sys, time, duckdb
landing, database = sys.argv[1], sys.argv[2]
entities = json.loads(sys.argv[3])
con = duckdb.connect(database)
started = time.perf_counter()
for number, entity in enumerate(entities):
    files = sorted(glob.glob(landing + '/date=*/hour=*/' + entity + '.json*'))
    con.execute(
        "create table entity_" + str(number) + " as "
        "select * from read_json(?, format='newline_delimited')",
        [files],
    )
con.close()
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


SAMPLE_INTERVAL_S = 0.1
_PROC = Path("/proc")


@dataclass(frozen=True)
class Measured:
    """A finished child process: wall time, peak memory (its own, and its process tree's),
    exit code, its output."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    peak_tree_mb: float = 0.0


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (none when it is gone)."""
    children: list[int] = []
    try:
        for task in (_PROC / str(pid) / "task").iterdir():
            children.extend(int(child) for child in (task / "children").read_text().split())
    except OSError:
        pass
    return children


def _rss_kib(pid: int) -> int:
    """The resident set size of ``pid`` in KiB (0 when it is gone or a zombie)."""
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_rss_mb(root: int) -> float:
    """The summed RSS of ``root`` and all its descendants, in MB."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += _rss_kib(pid)
        pending.extend(_children(pid))
    return total / 1024


class TreePeakSampler:
    """Samples the memory of a process tree in a background thread; keeps the peak."""

    def __init__(self, root: int, interval_s: float = SAMPLE_INTERVAL_S) -> None:
        self.peak_mb = 0.0
        self._root = root
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        """Start sampling."""
        self._thread.start()

    def stop(self) -> float:
        """Stop sampling; return the peak in MB."""
        self._stop.set()
        self._thread.join()
        return self.peak_mb

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self._root))
            self._stop.wait(self._interval_s)


def measure(
    command: list[str], env: Mapping[str, str] | None = None, cwd: Path = PROJECT_DIR
) -> Measured:
    """Run ``command``; return its wall time, its own peak RSS (``wait4``, not a poll) and the
    sampled peak of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env
    )
    assert process.stdout is not None
    sampler = TreePeakSampler(process.pid)
    sampler.start()
    try:
        output = process.stdout.read()
    finally:
        # Stopped before the reap: once reaped, the pid may be reused.
        peak_tree_mb = sampler.stop()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(  # ru_maxrss is in KiB
        seconds, usage.ru_maxrss / 1024, process.returncode, output, peak_tree_mb
    )


def run_child(code: str, *args: str) -> tuple[dict[str, object], float]:
    """Run ``code`` in a fresh interpreter; return its JSON result and its peak RSS in MB."""
    measured = measure([sys.executable, "-c", code, *args])
    if measured.returncode != 0:
        raise SystemExit(f"child failed with exit code {measured.returncode}:\n{measured.stdout}")
    result: dict[str, object] = json.loads(measured.stdout.strip().splitlines()[-1])
    return result, measured.peak_rss_mb


def read_json_baseline(landing: Path, database: Path) -> tuple[float, float]:
    """DuckDB ``read_json`` of every entity's files into a fresh database: (seconds, MB)."""
    present = [e for e in ENTITIES if any(landing.glob(f"date=*/hour=*/{e}.json*"))]
    result, rss = run_child(BASELINE_CHILD, str(landing), str(database), json.dumps(present))
    return float(str(result["seconds"])), rss
