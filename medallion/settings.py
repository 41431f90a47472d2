"""Where things live: the project, the warehouse file, the landing zone, run records."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
WAREHOUSE_ENV = "MEDALLION_WAREHOUSE"
DEFAULT_WAREHOUSE = Path("warehouse/medallion.duckdb")
DEFAULT_LANDING = Path("data/input")
DEFAULT_KAFKA_DUMPS = Path("data/kafka")
REPORTS_DIR = PROJECT_DIR / "reports"
REPORTS_ENV = "MEDALLION_REPORTS_DIR"


def warehouse_path() -> Path:
    """The DuckDB warehouse file: ``$MEDALLION_WAREHOUSE`` or the project's default."""
    configured = os.environ.get(WAREHOUSE_ENV)
    path = Path(configured) if configured else PROJECT_DIR / DEFAULT_WAREHOUSE
    return path.resolve()


def reports_dir() -> Path:
    """Root of the run records (``runs/``, ``index.html``, ``metrics/``, ``docs/``).

    ``$MEDALLION_REPORTS_DIR`` or the project's ``reports/``.
    """
    configured = os.environ.get(REPORTS_ENV)
    return Path(configured).resolve() if configured else REPORTS_DIR


FORCE_COMPRESSION_ENV = "MEDALLION_DUCKDB_FORCE_COMPRESSION"
MEMORY_LIMIT_ENV = "MEDALLION_DUCKDB_MEMORY_LIMIT"
# DuckDB's own buffer limit; it spills larger joins, sorts and aggregates to disk. The run's
# process peaks at this plus ~0.8 GB (Python, dbt, dlt; 2,718 MB at 2GB, 10M lines). At 1200MB
# a 10M-line run peaked at 1.88 GB, but the full build of int_transactions__checked ran out of
# memory in one of two runs (README, "what is next"). profiles.yml reads the same variable
# with the same default.
DEFAULT_MEMORY_LIMIT = "2GB"


def duckdb_settings() -> dict[str, str]:
    """DuckDB settings every warehouse connection takes (dlt, dbt, the file rewrite).

    ``$MEDALLION_DUCKDB_FORCE_COMPRESSION=uncompressed`` stores values as plain bytes, so
    a byte scan of the file can prove that erased values are gone.
    """
    forced = os.environ.get(FORCE_COMPRESSION_ENV)
    return {"force_compression": forced} if forced else {}


def duckdb_memory_settings() -> dict[str, str]:
    """The memory limit of this package's own warehouse connections (the erasure finaliser and
    its file rewrite, build state): ``$MEDALLION_DUCKDB_MEMORY_LIMIT``, default 2GB. The
    ingest keeps its own, lower limit (``.dlt/config.toml``)."""
    return {"memory_limit": os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT}


SALT_ENV = "MEDALLION_ERASURE_SALT"


def salt_file(warehouse: Path) -> Path:
    """Where a warehouse keeps its erasure salt when none is given: beside the file."""
    return warehouse.with_suffix(".salt")


def erasure_salt(warehouse: Path) -> str:
    """The erasure salt: ``$MEDALLION_ERASURE_SALT``, else the warehouse's salt file.

    The file is created with a random secret on first use (mode 0600). It must live as long
    as the warehouse: erased subjects are recognised later only by hashes made with it.
    """
    configured = os.environ.get(SALT_ENV, "").strip()
    if configured:
        return configured
    path = salt_file(warehouse)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip()
