"""Ingest benchmark: medallion's dlt ingest against DuckDB's own ``read_json``, same files.

Usage::

    .venv/bin/python benchmarks/ingest.py --transactions 1000000 [--days 30] [--work DIR]

Generates a clean landing zone of N transaction lines (plus customers, products and
erasure requests), then in this one run measures, each in a fresh child process so their
peak memory is their own:

* baseline: DuckDB ``read_json`` of every entity's files into one table per entity, in a
  fresh database file;
* medallion: ``ingest_landing`` into a fresh warehouse (dlt, Arrow path).

It prints both times, their ratio and the peak memory (max RSS) of each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

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

MEDALLION_CHILD = """
import json, sys, time
from pathlib import Path
from dlt_pipelines.ingest import ingest_landing
landing, warehouse = Path(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
report = ingest_landing(landing, warehouse)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rows": report.rows_loaded()}))
"""


def run_child(code: str, *args: str) -> tuple[dict[str, object], float]:
    """Run ``code`` in a fresh interpreter; return its JSON result and its peak RSS in MB."""
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, cwd=PROJECT_DIR
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"child failed with exit code {process.returncode}")
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def generate(landing: Path, transactions: int, days: int, seed: int) -> None:
    """Write a clean demo landing zone of ``transactions`` lines."""
    from medallion.demo import DemoConfig, generate_landing_zone

    config = DemoConfig(seed=seed, days=days, transactions=transactions, bad_input=False)
    generate_landing_zone(landing, config)


def main() -> None:
    """Generate, measure both, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, help="Working folder (default: a temp folder).")
    parser.add_argument("--keep", action="store_true", help="Keep the working folder.")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="medallion-bench-"))
    landing = work / "landing"
    try:
        if not landing.exists():
            started = time.perf_counter()
            generate(landing, args.transactions, args.days, args.seed)
            print(
                f"generated {args.transactions:,} transaction lines in "
                f"{time.perf_counter() - started:.1f} s -> {landing}"
            )
        size = sum(f.stat().st_size for f in landing.rglob("*") if f.is_file())
        print(f"landing zone: {size / 1e6:.1f} MB on disk")

        for stale in (work / "baseline.duckdb", work / "warehouse"):
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
        present = [e for e in ENTITIES if any(landing.glob(f"date=*/hour=*/{e}.json*"))]
        baseline, baseline_rss = run_child(
            BASELINE_CHILD, str(landing), str(work / "baseline.duckdb"), json.dumps(present)
        )
        ours, ours_rss = run_child(
            MEDALLION_CHILD, str(landing), str(work / "warehouse" / "medallion.duckdb")
        )
        baseline_s = float(baseline["seconds"])  # type: ignore[arg-type]
        ours_s = float(ours["seconds"])  # type: ignore[arg-type]
        print(f"rows loaded by medallion: {ours['rows']}")
        print(f"duckdb read_json : {baseline_s:7.2f} s   peak RSS {baseline_rss:7.0f} MB")
        print(f"medallion ingest : {ours_s:7.2f} s   peak RSS {ours_rss:7.0f} MB")
        print(f"ratio medallion / read_json: {ours_s / baseline_s:.2f}x")
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
