"""What the last successful build saw, so that a refresh with nothing new can skip the build.

The state lives in the warehouse itself (``medallion_state.build_state``, one row per kind of
build: dbt selection and whether the marts were exported), so it always describes the file it
sits in, and it survives the erasure finaliser's file rewrite. A row is written only after a build,
its erasure finalisation and its exports all succeeded. Bronze is described by the dlt loads
it holds (``bronze._dlt_loads``): every ingest that adds rows commits one load there, and
nothing else adds rows. The code is described by the fingerprint's code digest.

A refresh killed after its ingest but before that row was written leaves an older row, whose
loads no longer match bronze: the build is still owed, and the next refresh does it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dlt_pipelines.state_schema import STATE_SCHEMA, table_exists

STATE_TABLE = f"{STATE_SCHEMA}.build_state"
LOADS_TABLE = ("bronze", "_dlt_loads")


@dataclass(frozen=True)
class BronzeState:
    """The completed dlt loads bronze holds: how many, their digest and the newest one."""

    loads: int
    loads_sha256: str
    last_load_id: str | None


@dataclass(frozen=True)
class BuildState:
    """One successful build: what it built, from which bronze, with which code, and when."""

    selection: tuple[str, ...]
    exports: bool
    bronze: BronzeState
    code_sha256: str
    built_at: dt.datetime

    def covers(
        self, selection: Sequence[str], exports: bool, bronze: BronzeState, code_sha256: str
    ) -> bool:
        """True when this build already made what ``selection`` asks, from this very bronze."""
        return (
            self.bronze == bronze
            and self.code_sha256 == code_sha256
            and (not self.selection or self.selection == tuple(selection))
            and (self.exports or not exports)
        )


def selection_key(selection: Sequence[str], exports: bool) -> str:
    """The row key of a kind of build."""
    return json.dumps({"selection": list(selection), "exports": exports})


def bronze_state(con: duckdb.DuckDBPyConnection) -> BronzeState:
    """The completed loads of bronze (none when nothing was ever loaded)."""
    load_ids: list[str] = []
    if table_exists(con, *LOADS_TABLE):
        rows = con.execute(
            "select load_id from bronze._dlt_loads where status = 0 order by load_id"
        ).fetchall()
        load_ids = [str(row[0]) for row in rows]
    digest = hashlib.sha256("\n".join(load_ids).encode("utf-8")).hexdigest()
    newest = max(load_ids, key=_load_order) if load_ids else None
    return BronzeState(len(load_ids), digest, newest)


def _load_order(load_id: str) -> tuple[float, str]:
    """dlt load ids are Unix times (``1795303655.5154765``); order by time, then by text."""
    try:
        return float(load_id), load_id
    except ValueError:
        return 0.0, load_id


def read_states(con: duckdb.DuckDBPyConnection) -> list[BuildState]:
    """Every recorded build (none before the first successful one)."""
    if not table_exists(con, STATE_SCHEMA, "build_state"):
        return []
    rows = con.execute(
        f"""
        select selection, exports, loads, loads_sha256, last_load_id, code_sha256, built_at
        from {STATE_TABLE}
        """
    ).fetchall()
    return [
        BuildState(
            selection=tuple(json.loads(str(selection))),
            exports=bool(exports),
            bronze=BronzeState(int(loads), str(digest), None if last is None else str(last)),
            code_sha256=str(code),
            built_at=built_at.astimezone(dt.UTC),
        )
        for selection, exports, loads, digest, last, code, built_at in rows
    ]


def open_warehouse(warehouse: Path, config: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """A connection for the caller that holds the warehouse lock.

    Read-only when possible; DuckDB refuses a second configuration of the same file in one
    process, so when another part of this process has it open, its configuration is used.
    """
    try:
        return duckdb.connect(str(warehouse), read_only=True, config=dict(config))
    except duckdb.ConnectionException:
        return duckdb.connect(str(warehouse), config=dict(config))


def current_bronze(warehouse: Path, config: dict[str, str]) -> BronzeState:
    """The bronze state of ``warehouse`` (empty when the file does not exist yet)."""
    if not warehouse.is_file():
        return bronze_state_of_nothing()
    with open_warehouse(warehouse, config) as con:
        return bronze_state(con)


def bronze_state_of_nothing() -> BronzeState:
    """The state of a bronze that holds no load."""
    return BronzeState(0, hashlib.sha256(b"").hexdigest(), None)


def covering_build(
    warehouse: Path,
    config: dict[str, str],
    selection: Sequence[str],
    exports: bool,
    bronze: BronzeState,
    code_sha256: str,
) -> BuildState | None:
    """The recorded build that already covers this request, if any."""
    return _latest_build(
        warehouse, config, lambda state: state.covers(selection, exports, bronze, code_sha256)
    )


def builds_of_code(
    warehouse: Path, config: dict[str, str], code_sha256: str
) -> tuple[BuildState, ...]:
    """The recorded successful builds (of any selection) that ran this very code on the
    warehouse; none after a change of code (or when the file does not exist)."""
    return tuple(
        state for state in _recorded_builds(warehouse, config) if state.code_sha256 == code_sha256
    )


def tested_bronze_through(builds_of_this_code: Sequence[BuildState]) -> str | None:
    """The newest bronze load whose rows, and every older load's, passed a build's tests.

    That is the last load of the latest successful build of the whole project (no selection)
    among ``builds_of_this_code`` (``builds_of_code``): a build with a selection runs only some
    tests, and other code may test differently. None when there is no such build (then a build
    tests every bronze row).
    """
    latest = max(
        (state for state in builds_of_this_code if not state.selection),
        key=lambda state: state.built_at,
        default=None,
    )
    return None if latest is None else latest.bronze.last_load_id


def _latest_build(
    warehouse: Path, config: dict[str, str], keep: Callable[[BuildState], bool]
) -> BuildState | None:
    """The latest recorded build that ``keep`` accepts (none when the file does not exist)."""
    states = _recorded_builds(warehouse, config)
    return max(filter(keep, states), key=lambda state: state.built_at, default=None)


def _recorded_builds(warehouse: Path, config: dict[str, str]) -> list[BuildState]:
    """Every recorded build of the warehouse (none when the file does not exist)."""
    if not warehouse.is_file():
        return []
    with open_warehouse(warehouse, config) as con:
        return read_states(con)


def record_build(warehouse: Path, config: dict[str, str], state: BuildState) -> None:
    """Record a successful build (replacing the row of the same kind of build)."""
    with duckdb.connect(str(warehouse), config=dict(config)) as con:
        con.execute(f"create schema if not exists {STATE_SCHEMA}")
        con.execute(
            f"""
            create table if not exists {STATE_TABLE} (
                selection_key varchar primary key,
                selection varchar not null,
                exports boolean not null,
                loads bigint not null,
                loads_sha256 varchar not null,
                last_load_id varchar,
                code_sha256 varchar not null,
                built_at timestamptz not null
            )
            """
        )
        con.execute(
            f"insert or replace into {STATE_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                selection_key(state.selection, state.exports),
                json.dumps(list(state.selection)),
                state.exports,
                state.bronze.loads,
                state.bronze.loads_sha256,
                state.bronze.last_load_id,
                state.code_sha256,
                state.built_at,
            ],
        )
