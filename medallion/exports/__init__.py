"""Gold exports: each gold mart validated against its consumer contract and published as
deterministic Parquet (see docs/gold.md).

``publish_exports`` is the entry point; the modules each do one job: ``contracts`` (pandera
schemas), ``warehouse`` (read-only reads in key order), ``validation`` (checks and value-free
error summaries), ``parquet`` (byte-stable files and partitions), ``swap`` (atomic replace),
``report`` (what was published).
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
