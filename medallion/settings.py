"""Where things live: the project, the warehouse file, the landing zone, run records."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
WAREHOUSE_ENV = "MEDALLION_WAREHOUSE"
DEFAULT_WAREHOUSE = Path("warehouse/medallion.duckdb")
DEFAULT_LANDING = Path("data/input")
DEFAULT_KAFKA_DUMPS = Path("data/kafka")
REPORTS_DIR = PROJECT_DIR / "reports"


def warehouse_path() -> Path:
    """The DuckDB warehouse file: ``$MEDALLION_WAREHOUSE`` or the project's default."""
    configured = os.environ.get(WAREHOUSE_ENV)
    path = Path(configured) if configured else PROJECT_DIR / DEFAULT_WAREHOUSE
    return path.resolve()


FORCE_COMPRESSION_ENV = "MEDALLION_DUCKDB_FORCE_COMPRESSION"


def duckdb_settings() -> dict[str, str]:
    """DuckDB settings every warehouse connection takes (dlt, dbt, the file rewrite).

    ``$MEDALLION_DUCKDB_FORCE_COMPRESSION=uncompressed`` stores values as plain bytes, so
    a byte scan of the file can prove that erased values are gone.
    """
    forced = os.environ.get(FORCE_COMPRESSION_ENV)
    return {"force_compression": forced} if forced else {}
