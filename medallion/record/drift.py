"""Schema drift: input fields that no model reads, and expected fields gone missing.

The expected fields of an entity are the ``fields`` list its bronze model declares
(``models/bronze/brz_<table>.sql``, see ``macros/bronze.sql``): that list is read here from the
model file itself (parsed by Jinja2, never rendered), so the models and this report cannot
disagree. Keys are compared level by level: the record's top level, then every declared object
field that declares children (``delivery_address.city``). Fields starting with ``_`` are the
erasure finaliser's markers: they are expected, never reported missing, and the rows that carry
one (rewritten by the finaliser) are left out of the "missing" counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from jinja2 import nodes

BRONZE_MODELS = Path("models") / "bronze"
FIELDS_VARIABLE = "fields"
MARKER_PREFIX = "_"


@dataclass(frozen=True)
class Level:
    """One object level of a record: its JSON path (``$`` for the record) and its expected keys."""

    prefix: str
    json_path: str
    keys: tuple[str, ...]


def declared_fields(model_file: Path) -> list[dict[str, Any]]:
    """The literal ``{%- set fields = [...] -%}`` list of a bronze model file."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    tree = environment.parse(model_file.read_text(encoding="utf-8"))
    for assignment in tree.find_all(nodes.Assign):
        target = assignment.target
        if (
            isinstance(target, nodes.Name)
            and target.name == FIELDS_VARIABLE
            and isinstance(assignment.node, nodes.Expr)
        ):
            value = assignment.node.as_const()
            if isinstance(value, list):
                return [dict(item) for item in value]
    raise ValueError(f"{model_file}: no literal `{FIELDS_VARIABLE}` list")


def expected_paths(project_dir: Path, table: str) -> list[str]:
    """The dotted field paths the bronze model of ``table`` declares, in declaration order."""
    fields = declared_fields(project_dir / BRONZE_MODELS / f"brz_{table}.sql")
    return [str(field["path"]) for field in fields if field.get("path")]


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


# Per level: rows whose object at `json_path` exists, its keys, and whether the row carries a
# finaliser marker. Table names come from a constant list, never from data; the rest are
# parameters.
_LEVEL_SQL = """
with objects as (
    select
        _source_file,
        json_keys(record, $json_path) as keys,
        list_has_any(json_keys(record), $markers::varchar[]) as is_rewritten
    from bronze.{table}
    where _is_valid_json and json_type(record, $json_path) = 'OBJECT'
),
present as (
    select unnest(keys) as field, _source_file from objects
),
unknown as (
    select 'unknown' as kind, field, count(*) as rows, min(_source_file) as first_file
    from present
    where not list_contains($expected::varchar[], field)
    group by field
),
missing as (
    select
        'missing' as kind,
        expected.field,
        count(*) filter (where not list_contains(objects.keys, expected.field)) as rows,
        min(objects._source_file) filter (
            where not list_contains(objects.keys, expected.field)
        ) as first_file
    from objects
    cross join (select unnest($checked::varchar[]) as field) as expected
    where not objects.is_rewritten
    group by expected.field
)
select kind, field, rows, first_file from unknown
union all
select kind, field, rows, first_file from missing where rows > 0
order by kind, first_file, field
"""


def schema_drift(
    connection: duckdb.DuckDBPyConnection, table: str, paths: list[str]
) -> dict[str, Any]:
    """Unknown and missing fields of bronze ``table`` against its expected field ``paths``.

    First files are landing-relative paths, which start with ``date=…/hour=…/``: the smallest
    is the earliest partition.
    """
    markers = [path for path in paths if path.startswith(MARKER_PREFIX)]
    unknown: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    for level in levels(paths):
        checked = [
            key for key in level.keys if not _qualified(level.prefix, key).startswith(MARKER_PREFIX)
        ]
        rows = connection.execute(
            _LEVEL_SQL.format(table=table),
            {
                "json_path": level.json_path,
                "markers": markers,
                "expected": list(level.keys),
                "checked": checked,
            },
        ).fetchall()
        for kind, field, count, first_file in rows:
            entry = {
                "field": _qualified(level.prefix, str(field)),
                "rows": int(count),
                "first_file": first_file,
            }
            (unknown if kind == "unknown" else missing).append(entry)
    return {"expected_fields": paths, "unknown_fields": unknown, "missing_fields": missing}
