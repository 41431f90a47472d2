"""Schema drift: input fields that no model reads, and expected fields gone missing.

The expected fields of an entity are the ``fields`` its bronze model extracts, declared once in
``macros/bronze_fields.sql`` (see ``macros/bronze.sql``): that literal is read here from the
macro file itself (parsed by Jinja2, never rendered), so the models and this report cannot
disagree. Keys are compared level by level: the record's top level, then every declared object
field that declares children (``delivery_address.city``). Fields starting with ``_`` are the
erasure finaliser's markers: they are expected, never reported missing, and the rows that carry
one (rewritten by the finaliser) are left out of the "missing" counts.

Drift is counted per bronze row as it is now (after any erasure rewrite), by :func:`facts_sql`:
one fact per (dlt load, source file, level, kind, field) with its rows. ``medallion.record.
drift_state`` keeps these facts in the warehouse and adds only the rows it has not counted yet;
:func:`schema_drift` counts a whole table at once (when that state cannot be written).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from jinja2 import nodes

BRONZE_FIELDS = Path("macros") / "bronze_fields.sql"
FIELDS_VARIABLE = "fields"
MARKER_PREFIX = "_"
# Part of the digest of a table's expected fields: counted facts are recounted when the way
# they are counted (facts_sql) changes meaning.
FACTS_VERSION = 1
ALL_ROWS = "true"


@dataclass(frozen=True)
class Level:
    """One object level of a record: its JSON path (``$`` for the record) and its expected keys."""

    prefix: str
    json_path: str
    keys: tuple[str, ...]


def declared_fields(fields_file: Path) -> dict[str, list[dict[str, Any]]]:
    """The literal ``{%- set fields = {entity: [...]} -%}`` of the bronze fields macro file."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    tree = environment.parse(fields_file.read_text(encoding="utf-8"))
    for assignment in tree.find_all(nodes.Assign):
        target = assignment.target
        if (
            isinstance(target, nodes.Name)
            and target.name == FIELDS_VARIABLE
            and isinstance(assignment.node, nodes.Expr)
        ):
            value = assignment.node.as_const()
            if isinstance(value, dict):
                return {
                    str(entity): [dict(item) for item in items] for entity, items in value.items()
                }
    raise ValueError(f"{fields_file}: no literal `{FIELDS_VARIABLE}` mapping")


def expected_paths(project_dir: Path, table: str) -> list[str]:
    """The dotted field paths the bronze model of ``table`` extracts, in declaration order."""
    fields = declared_fields(project_dir / BRONZE_FIELDS)[table]
    return [str(field["path"]) for field in fields if field.get("path")]


def paths_sha256(paths: list[str]) -> str:
    """The digest of what drift facts counted against: the expected paths and the counting."""
    text = json.dumps({"facts_version": FACTS_VERSION, "paths": paths})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_path(parts: list[str]) -> str:
    quoted = "".join('."' + part.replace('"', '\\"') + '"' for part in parts)
    return "$" + quoted


def levels(paths: list[str]) -> list[Level]:
    """The record's top level and each declared object with declared children."""
    children: dict[str, list[str]] = {"": []}
    for path in paths:
        parent, _, key = path.rpartition(".")
        children.setdefault(parent, [])
        if key not in children[parent]:
            children[parent].append(key)
    return [
        Level(prefix, _json_path(prefix.split(".") if prefix else []), tuple(keys))
        for prefix, keys in children.items()
        if keys
    ]


def _qualified(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def markers(paths: list[str]) -> list[str]:
    """The finaliser's marker fields among ``paths``."""
    return [path for path in paths if path.startswith(MARKER_PREFIX)]


def checked_keys(level: Level) -> list[str]:
    """The keys of ``level`` that are reported when missing (markers never are)."""
    return [
        key for key in level.keys if not _qualified(level.prefix, key).startswith(MARKER_PREFIX)
    ]


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_strings(values: Iterable[str]) -> str:
    """A SQL ``varchar[]`` literal."""
    return "[" + ", ".join(sql_string(value) for value in values) + "]::varchar[]"


def bronze_relation(table: str) -> str:
    """The bronze table, quoted."""
    return 'bronze."' + table.replace('"', '""') + '"'


def facts_sql(table: str, paths: list[str], row_filter: str = ALL_ROWS) -> str:
    """Drift facts of the rows of bronze ``table`` that ``row_filter`` keeps.

    Columns: ``load_id``, ``source_file``, ``level`` (the level's prefix, ``''`` for the
    record), ``kind`` (``unknown`` or ``missing``), ``field`` (its key in the level) and
    ``rows``. ``row_filter`` is a SQL condition on the bronze row, aliased ``bronze_row``.
    Only rows holding a JSON object take part; a level counts the rows whose value at its path
    is an object. Unknown: a key the level does not expect (counted once per occurrence).
    Missing: an expected key (never a marker) absent from a row that carries no marker.

    The expected keys and paths (from the model files) are quoted into the SQL as literals;
    rows are grouped by their key lists before the lists are compared, so the list work is done
    once per shape, not once per row.
    """
    found = levels(paths)
    # One parse per row: json_keys of a list of paths gives a list of key lists (null for a
    # path that is not there). The record's own keys come first.
    key_paths = ["$", *(level.json_path for level in found if level.json_path != "$")]
    raw, objects, facts = [], [], []
    for index, level in enumerate(found):
        path = sql_string(level.json_path)
        keys = f"keys_{index}"
        raw.append(f"key_lists[{key_paths.index(level.json_path) + 1}] as raw_{index}")
        # json_keys gives [] for a scalar or an array, so an empty list needs the type; asked
        # in a second branch, since DuckDB evaluates both sides of an `or` in a select list.
        objects.append(
            f"case when len(raw_{index}) > 0 then raw_{index} "
            f"when json_type(record, {path}) = 'OBJECT' then raw_{index} end as {keys}"
        )
        prefix = sql_string(level.prefix)
        facts.append(
            f"list_transform(list_filter(coalesce({keys}, []::varchar[]), "
            f"lambda key: not list_contains({sql_strings(level.keys)}, key)), "
            f"lambda key: {{'level': {prefix}, 'kind': 'unknown', 'field': key}})"
        )
        facts.append(
            f"case when is_rewritten or {keys} is null then [] else list_transform("
            f"list_filter({sql_strings(checked_keys(level))}, "
            f"lambda key: not list_contains({keys}, key)), "
            f"lambda key: {{'level': {prefix}, 'kind': 'missing', 'field': key}}) end"
        )
    key_columns = ", ".join(f"keys_{index}" for index in range(len(found)))
    return f"""
with source_rows as (
    select
        bronze_row._dlt_load_id as load_id,
        bronze_row._source_file as source_file,
        bronze_row.record,
        json_keys(bronze_row.record, {sql_strings(key_paths)}) as key_lists
    from {bronze_relation(table)} as bronze_row
    where bronze_row._is_valid_json and ({row_filter})
),
raw_keys as (
    select load_id, source_file, record, key_lists[1] as top_keys, {", ".join(raw)}
    from source_rows
),
objects as (
    select
        load_id,
        source_file,
        list_has_any(top_keys, {sql_strings(markers(paths))}) as is_rewritten,
        {", ".join(objects)}
    from raw_keys
),
shapes as (
    select load_id, source_file, is_rewritten, {key_columns}, count(*) as row_count
    from objects
    group by all
),
shape_facts as (
    select load_id, source_file, row_count, list_concat({", ".join(facts)}) as facts
    from shapes
),
facts as (
    -- unnest skips empty lists; a filter on them would be pushed below the grouping, into
    -- every row
    select load_id, source_file, row_count, unnest(facts, recursive := true)
    from shape_facts
)
select load_id, source_file, level, kind, field, sum(row_count)::bigint as rows
from facts
group by all
"""


# Facts per (level, kind, field, source file) summed first, so that a file whose rows all left
# a fact (rewritten by the finaliser) is no longer its first file.
_BY_FIELD_SQL = """
with per_file as (
    select level, kind, field, source_file, sum(rows) as rows
    from ({facts}) as counted
    group by all
    having sum(rows) > 0
)
select level, kind, field, sum(rows)::bigint as rows, min(source_file) as first_file
from per_file
group by all
"""


def facts_by_field_sql(facts: str) -> str:
    """``facts`` (a query with the columns of :func:`facts_sql`) summed per level, kind, field,
    with the first (smallest) source file."""
    return _BY_FIELD_SQL.format(facts=facts)


def drift_entry(
    paths: list[str], by_field: Iterable[tuple[str, str, str, int, str | None]]
) -> dict[str, Any]:
    """The record's drift of one table from (level, kind, field, rows, first file) rows.

    Level by level in declaration order; within a level by first file, then field. First files
    are landing-relative paths, which start with ``date=…/hour=…/``: the smallest is the
    earliest partition.
    """
    order = {level.prefix: index for index, level in enumerate(levels(paths))}
    unknown: list[tuple[tuple[int, str, str], dict[str, Any]]] = []
    missing: list[tuple[tuple[int, str, str], dict[str, Any]]] = []
    for level, kind, field, rows, first_file in by_field:
        entry = {
            "field": _qualified(str(level), str(field)),
            "rows": int(rows),
            "first_file": first_file,
        }
        key = (order.get(str(level), len(order)), str(first_file or ""), str(field))
        (unknown if kind == "unknown" else missing).append((key, entry))
    return {
        "expected_fields": paths,
        "unknown_fields": [entry for _, entry in sorted(unknown, key=lambda item: item[0])],
        "missing_fields": [entry for _, entry in sorted(missing, key=lambda item: item[0])],
    }


def schema_drift(
    connection: duckdb.DuckDBPyConnection, table: str, paths: list[str]
) -> dict[str, Any]:
    """Unknown and missing fields of bronze ``table`` against its expected field ``paths``,
    counted from every row (a scan of the whole table)."""
    rows = connection.execute(facts_by_field_sql(facts_sql(table, paths))).fetchall()
    return drift_entry(paths, rows)
