"""Run dbt (the project at the repository root) against the warehouse, in-process."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from medallion.settings import PROJECT_DIR, WAREHOUSE_ENV


@dataclass(frozen=True)
class NodeResult:
    """One dbt node's outcome in a build."""

    unique_id: str
    resource_type: str
    status: str
    message: str | None
    failures: int | None
    seconds: float
    rows_affected: int | None


@dataclass(frozen=True)
class DbtOutcome:
    """The result of one dbt command: success flag, per-node results, and any error."""

    success: bool
    nodes: tuple[NodeResult, ...]
    error: str | None = None

    @property
    def failed(self) -> tuple[NodeResult, ...]:
        """Nodes that errored or whose tests failed."""
        return tuple(n for n in self.nodes if n.status in {"error", "fail", "runtime error"})


def dbt_environment(warehouse: Path) -> None:
    """Point dbt at the warehouse and keep it offline (no usage statistics)."""
    os.environ[WAREHOUSE_ENV] = str(warehouse)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))


def run_dbt(command: str, warehouse: Path, args: Sequence[str] = ()) -> DbtOutcome:
    """Invoke ``dbt <command>`` on the project with extra ``args``; never raises for dbt errors."""
    from dbt.cli.main import dbtRunner  # imported late: dbt takes ~1 s to import

    dbt_environment(warehouse)
    invocation = [
        command,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--quiet",
        *args,
    ]
    result = dbtRunner().invoke(invocation)
    nodes: list[NodeResult] = []
    run_results = getattr(result.result, "results", None) or []
    for node_result in run_results:
        adapter_response = getattr(node_result, "adapter_response", None) or {}
        nodes.append(
            NodeResult(
                unique_id=node_result.node.unique_id,
                resource_type=str(node_result.node.resource_type),
                status=str(node_result.status),
                message=node_result.message,
                failures=node_result.failures,
                seconds=float(node_result.execution_time or 0.0),
                rows_affected=adapter_response.get("rows_affected"),
            )
        )
    error = None if result.exception is None else str(result.exception).strip().splitlines()[0]
    return DbtOutcome(success=bool(result.success), nodes=tuple(nodes), error=error)
