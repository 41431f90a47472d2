"""Gold exports: each gold mart validated against its consumer contract and published as
deterministic Parquet (see docs/gold.md).

``publish_exports`` is the entry point; the modules each do one job: ``contracts`` (pandera
schemas), ``warehouse`` (read-only reads in key order, a partition at a time),
``fingerprints`` (per-file content fingerprints computed in DuckDB), ``manifest`` (what a
published mart folder holds), ``stage`` (one mart's files: unchanged ones reused, the rest
read, validated and written), ``keys`` (key uniqueness over a whole mart, in DuckDB),
``validation`` (checks and value-free error summaries), ``parquet`` (byte-stable files),
``swap`` (atomic replace), ``report`` (what was published).
"""

from medallion.exports.publish import publish_exports
from medallion.exports.report import (
    ExportedColumn,
    ExportedFile,
    ExportReport,
    MartExport,
    MartStatus,
)

__all__ = [
    "ExportReport",
    "ExportedColumn",
    "ExportedFile",
    "MartExport",
    "MartStatus",
    "publish_exports",
]
