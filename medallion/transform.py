"""Run dbt (the project at the repository root) against the warehouse, in-process."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from medallion.settings import PROJECT_DIR, WAREHOUSE_ENV

if TYPE_CHECKING:
    from dbt_common.events.base_types import EventMsg

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
# How DuckDB's out-of-memory errors begin (dbt passes the message on).
OUT_OF_MEMORY = "Out of Memory Error"


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
    depends_on: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The node's name (the last part of its unique id)."""
        return self.unique_id.split(".")[-1]


@dataclass(frozen=True)
class DbtOutcome:
    """The result of one dbt command: success flag, per-node results, and any error."""

    success: bool
    nodes: tuple[NodeResult, ...]
    error: str | None = None
    # Nodes run a second time by ``dbt retry`` after an out-of-memory error (see dbt_build()).
    retried: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[NodeResult, ...]:
        """Nodes that errored or whose tests failed."""
        return tuple(n for n in self.nodes if n.status in FAILED_STATUSES)

    def healthy_models(self) -> tuple[str, ...]:
        """Models built in this invocation with none of their tests failing."""
        failing = {parent for node in self.failed for parent in node.depends_on} | {
            node.unique_id for node in self.failed
        }
        return tuple(
            node.name
            for node in self.nodes
            if node.resource_type == "model"
            and node.status == "success"
            and node.unique_id not in failing
        )


def dbt_environment(warehouse: Path) -> None:
    """Point dbt at the warehouse, keep it offline (no usage statistics) and its log file at
    info level unless the caller chose another level."""
    os.environ[WAREHOUSE_ENV] = str(warehouse)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # dbt's file log defaults to debug: every query of every node, ~30k lines per build of this
    # project. Formatting and writing them was ~10% of dbt's time per node in a profile of a
    # refresh; the SQL a node ran stays in target/run/.
    os.environ.setdefault("DBT_LOG_LEVEL_FILE", "info")
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` set in os.environ while the block runs (dbt's env_var() reads them)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_dbt(
    command: str,
    warehouse: Path,
    args: Sequence[str] = (),
    project_dir: Path = PROJECT_DIR,
    callbacks: Sequence[Callable[[EventMsg], None]] = (),
    environment: Mapping[str, str] | None = None,
) -> DbtOutcome:
    """Invoke ``dbt <command>`` on the project with extra ``args``; never raises for dbt errors.

    ``project_dir`` holds the dbt project and its profiles.yml (tests use small fixtures).
    ``callbacks`` receive each of dbt's events as it happens, in the thread that fired it.
    ``environment`` holds values the project reads with env_var(), set for this invocation.
    """
    from dbt.cli.main import dbtRunner  # imported late: dbt takes ~1 s to import

    dbt_environment(warehouse)
    invocation = [
        *command.split(),  # "build", or a group and its command: "docs generate"
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--quiet",
        *args,
    ]
    try:
        with _environment(environment or {}):
            result = dbtRunner(callbacks=list(callbacks)).invoke(invocation)
    finally:
        _release_duckdb()
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
                depends_on=tuple(getattr(node_result.node.depends_on, "nodes", ()) or ()),
            )
        )
    error = None if result.exception is None else str(result.exception).strip().splitlines()[0]
    return DbtOutcome(success=bool(result.success), nodes=tuple(nodes), error=error)


def dbt_build(
    warehouse: Path,
    args: Sequence[str] = (),
    project_dir: Path = PROJECT_DIR,
    environment: Mapping[str, str] | None = None,
) -> DbtOutcome:
    """``dbt build``; when a node ran out of memory, ``dbt retry`` once in a fresh DuckDB.

    ``environment`` holds values the project reads at run time with env_var(), for both
    invocations. Unlike ``--vars``, a value that changes from one build to the next keeps
    dbt's partial parsing (a changed variable makes dbt parse the whole project again).

    Before each model's writes were checkpointed (macros/checkpoint.sql), gold aggregates of
    the 10M erasure refresh failed with the buffer pool full of blocks earlier models had
    written, while the same models built in a new DuckDB instance; the retry stays as the
    safety net for a pool that fills anyway. ``dbt retry`` reruns the failed and skipped
    nodes with the build's own arguments; every node keeps its last result.
    """
    first = run_dbt("build", warehouse, args, project_dir, environment=environment)
    if not any(OUT_OF_MEMORY in (node.message or "") for node in first.failed):
        return first
    retry = run_dbt("retry", warehouse, (), project_dir, environment=environment)
    if retry.error and not retry.nodes:
        return DbtOutcome(first.success, first.nodes, retry.error)
    latest = {node.unique_id: node for node in retry.nodes}
    nodes = tuple(latest.get(node.unique_id, node) for node in first.nodes)
    return DbtOutcome(
        success=not any(node.status in FAILED_STATUSES for node in nodes),
        nodes=nodes,
        error=retry.error,
        retried=tuple(latest),
    )


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a command.

    Otherwise the warehouse stays open with dbt's settings, and the erasure finaliser or a
    later ingest in the same process cannot open it (or holds the file while it is swapped).
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()  # type: ignore[no-untyped-call]
