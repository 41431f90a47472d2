"""What the benchmarks share: timing a child process with its own peak memory, and the
DuckDB ``read_json`` baseline over a landing zone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


@dataclass(frozen=True)
class Measured:
    """A finished child process: wall time, peak resident memory, exit code, its output."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str


def measure(
    command: list[str], env: Mapping[str, str] | None = None, cwd: Path = PROJECT_DIR
) -> Measured:
    """Run ``command``; return its wall time and its own peak RSS (``wait4``, not a poll)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(seconds, usage.ru_maxrss / 1024, process.returncode, output)  # KiB -> MB


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
