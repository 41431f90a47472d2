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
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import read_json_baseline, run_child

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
        baseline_s, baseline_rss = read_json_baseline(landing, work / "baseline.duckdb")
        ours, ours_rss = run_child(
            MEDALLION_CHILD, str(landing), str(work / "warehouse" / "medallion.duckdb")
        )
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
