"""Benchmark of the warehouse file rewrite (the erasure's last step) against a plain copy.

Usage::

    .venv/bin/python benchmarks/rewrite_file.py WAREHOUSE [--work DIR] [--memory-limit 2GB]

Copies WAREHOUSE into the work directory, then measures in this one run, each in a fresh
process with its own peak memory (``wait4``; a step's child processes count at their own
peak, not summed):

1. baseline: DuckDB's ``COPY FROM DATABASE`` of the copy into a fresh file, in one process
   (what the rewrite did before it had to be split in two, see ``medallion/warehouse_file.py``);
2. rewrite: ``rewrite_warehouse_file`` on the copy (export in this process, import in a new
   one), with its two phases timed.

Prints seconds, peak memory and the ratio rewrite / baseline.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.measure import run_child

COPY_CHILD = """
import json, sys, time, duckdb
source, target, limit = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect(config={"memory_limit": limit})
started = time.perf_counter()
con.execute("attach '" + source + "' as source (read_only)")
con.execute("attach '" + target + "' as target")
con.execute("copy from database source to target")
con.execute("detach target")
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

REWRITE_CHILD = """
import json, sys, time
from pathlib import Path
import medallion.warehouse_file as warehouse_file
warehouse, limit = Path(sys.argv[1]), sys.argv[2]
phases = {}
def timed(name, function):
    def run(*args):
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            phases[name] = time.perf_counter() - started
    return run
warehouse_file._export = timed("export", warehouse_file._export)
warehouse_file._import_in_fresh_process = timed(
    "import", warehouse_file._import_in_fresh_process
)
started = time.perf_counter()
size = warehouse_file.rewrite_warehouse_file(warehouse, {"memory_limit": limit})
print(json.dumps({"seconds": time.perf_counter() - started, "bytes": size, **phases}))
"""


def main() -> None:
    """Measure the baseline copy and the rewrite of one warehouse file; print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--work", type=Path, help="directory for the copies (default: a temp dir)")
    parser.add_argument("--memory-limit", default="2GB")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="medallion-rewrite-"))
    work.mkdir(parents=True, exist_ok=True)
    copy = work / args.warehouse.name
    try:
        shutil.copyfile(args.warehouse, copy)
        baseline, baseline_mb = run_child(
            COPY_CHILD, str(copy), str(work / "baseline.duckdb"), args.memory_limit
        )
        rewrite, rewrite_mb = run_child(REWRITE_CHILD, str(copy), args.memory_limit)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    baseline_s = float(str(baseline["seconds"]))
    rewrite_s = float(str(rewrite["seconds"]))
    result = {
        "warehouse_mb": round(args.warehouse.stat().st_size / 2**20),
        "baseline_copy_s": round(baseline_s, 1),
        "baseline_peak_mb": round(baseline_mb),
        "rewrite_s": round(rewrite_s, 1),
        "export_s": round(float(str(rewrite.get("export", 0))), 1),
        "import_s": round(float(str(rewrite.get("import", 0))), 1),
        "rewrite_peak_mb": round(rewrite_mb),
        "rewrite_over_baseline": round(rewrite_s / baseline_s, 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
