"""Where things live: the project, the warehouse file, the landing zone, run records."""

from __future__ import annotations

import os
import re
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
# DuckDB's own buffer limit; it spills larger joins, sorts and aggregates to disk. dbt's
# process peaks at this plus ~0.6 GB (Python, dbt): 1,922 MB at 1300MB in the 10M full run,
# 2.7 GB at 2GB. 1300MB holds every step of the 10M benchmark under 2 GB since each model's
# writes are checkpointed (macros/checkpoint.sql); before, 1200MB ran out of memory in a
# full build (README, benchmark). profiles.yml reads the same variable with the same default.
DEFAULT_MEMORY_LIMIT = "1300MB"
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b|bytes)?\s*", re.IGNORECASE)
_UNIT_BYTES = {
    "b": 1,
    "bytes": 1,
    **{f"{prefix}b": 1000 ** (power + 1) for power, prefix in enumerate("kmgt")},
    **{f"{prefix}ib": 1024 ** (power + 1) for power, prefix in enumerate("kmgt")},
}


def duckdb_settings() -> dict[str, str]:
    """DuckDB settings every warehouse connection takes (dlt, dbt, the file rewrite).

    ``$MEDALLION_DUCKDB_FORCE_COMPRESSION=uncompressed`` stores values as plain bytes, so
    a byte scan of the file can prove that erased values are gone.
    """
    forced = os.environ.get(FORCE_COMPRESSION_ENV)
    return {"force_compression": forced} if forced else {}


def duckdb_memory_settings(share: float = 1.0) -> dict[str, str]:
    """The memory limit of this package's own warehouse connections: ``share`` of
    ``$MEDALLION_DUCKDB_MEMORY_LIMIT`` (default 1300MB). The ingest keeps its own, lower limit
    (``.dlt/config.toml``).

    Steps whose process holds more than DuckDB's buffers take a share below 1 (the exports,
    the file rewrite). A limit that cannot be read (not ``<number>[unit]``) is passed on
    unchanged, for DuckDB to reject.
    """
    configured = os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
    match = _SIZE.fullmatch(configured)
    if share == 1.0 or match is None:
        return {"memory_limit": configured}
    limit = float(match[1]) * _UNIT_BYTES[(match[2] or "b").lower()]
    return {"memory_limit": f"{max(1, int(limit * share) // 1000)}KB"}


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
