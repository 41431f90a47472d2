"""Publish the gold marts as Parquet: stage (validated, unchanged files reused), swap in."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

from medallion.exports.contracts import CONTRACTS, MartContract
from medallion.exports.report import ExportReport, MartExport
from medallion.exports.stage import stage_mart
from medallion.exports.swap import replace_directory
from medallion.exports.warehouse import GOLD_SCHEMA, connect_read_only, gold_tables

__all__ = ["ExportReport", "MartExport", "publish_exports"]

STAGING_PREFIX = "."
PUBLISHED_FOLDER_MODE = 0o755


def publish_exports(
    warehouse: Path, export_root: Path, marts: Sequence[str] | None = None
) -> ExportReport:
    """Export the gold marts of ``warehouse`` to ``export_root``; one mart's failure blocks only it.

    ``marts``: the marts to export (default: every mart with a contract, see
    ``contracts.CONTRACTS``). Each is read from a read-only connection in primary-key order
    (a partitioned mart one partition at a time), validated against its pandera contract
    and, when valid, written to a staging folder in ``export_root`` that then replaces
    ``export_root/<mart>`` atomically. Files whose content has not changed since the
    published export are carried over (hard links) instead of being written again; the
    result is byte-identical to an export from scratch. A mart that fails validation or is
    not in the warehouse leaves its previous export untouched and is reported as
    ``failed_validation`` or ``missing``. Raises ``ValueError`` for a mart name without a
    contract and ``FileNotFoundError`` when the warehouse file does not exist.
    """
    contracts = _contracts(marts)
    export_root.mkdir(parents=True, exist_ok=True)
    outcomes = []
    with connect_read_only(warehouse) as connection:
        present = gold_tables(connection)
        for contract in contracts:
            outcomes.append(_publish_mart(connection, contract, present, export_root))
    return ExportReport(export_root=export_root, marts=tuple(outcomes))


def _contracts(marts: Sequence[str] | None) -> list[MartContract]:
    if marts is None:
        return list(CONTRACTS.values())
    unknown = sorted(set(marts) - set(CONTRACTS))
    if unknown:
        raise ValueError(
            f"no export contract for {', '.join(unknown)} (known: {', '.join(CONTRACTS)})"
        )
    return [CONTRACTS[name] for name in dict.fromkeys(marts)]


def _publish_mart(
    connection: duckdb.DuckDBPyConnection,
    contract: MartContract,
    present: set[str],
    export_root: Path,
) -> MartExport:
    if contract.name not in present:
        return MartExport(
            contract.name, "missing", error=f"{GOLD_SCHEMA}.{contract.name} is not in the warehouse"
        )
    _remove_stale_staging(export_root, contract.name)
    staging = Path(
        tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{contract.name}.staging-", dir=export_root)
    )
    staging.chmod(PUBLISHED_FOLDER_MODE)  # mkdtemp makes it private; consumers must read it
    try:
        staged = stage_mart(connection, contract, export_root / contract.name, staging)
        if isinstance(staged, str):
            return MartExport(contract.name, "failed_validation", error=staged)
        replace_directory(staging, export_root / contract.name)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return MartExport(
        contract.name,
        "published",
        files=staged.files,
        files_written=staged.written,
        files_reused=staged.reused,
    )


def _remove_stale_staging(export_root: Path, mart: str) -> None:
    """Remove what an export killed before its swap left behind (never the published folder)."""
    for leftover in export_root.glob(f"{STAGING_PREFIX}{mart}.staging-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
