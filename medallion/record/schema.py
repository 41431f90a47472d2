"""The JSON Schema of a run record (``schemas/run_metadata.schema.json``) and validation."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from medallion.settings import PROJECT_DIR

SCHEMA_PATH = PROJECT_DIR / "schemas" / "run_metadata.schema.json"
DEFS_PREFIX = "#/$defs/"
# Keywords that only describe: a definition inlined beside them validates as its reference did.
ANNOTATIONS = frozenset(
    {"title", "description", "$comment", "examples", "default", "deprecated", "readOnly"}
)


@cache
def schema() -> dict[str, Any]:
    """The schema, read once."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def inline_references(node: Any, definitions: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/<name>"}`` replaced by the definition.

    The same schema, validated without a reference lookup per value (twice as fast on a record
    of thousands of input files). Only references beside nothing but annotations (which do not
    validate) are inlined; a recursive definition keeps its reference.
    """
    if isinstance(node, dict):
        reference = node.get("$ref")
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        if (
            isinstance(reference, str)
            and reference.startswith(DEFS_PREFIX)
            and set(siblings) <= ANNOTATIONS
        ):
            name = reference.removeprefix(DEFS_PREFIX)
            definition = definitions.get(name)
            if isinstance(definition, dict) and name not in seen:
                inlined = inline_references(definition, definitions, (*seen, name))
                return {**inlined, **siblings}
        return {key: inline_references(value, definitions, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [inline_references(value, definitions, seen) for value in node]
    return node


@cache
def validator() -> Draft202012Validator:
    """The record validator, built once."""
    loaded = schema()
    return Draft202012Validator(inline_references(loaded, loaded.get("$defs", {})))


def schema_errors(record: dict[str, Any]) -> list[str]:
    """Every way ``record`` breaks the schema, one line each (empty when it is valid)."""
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(record)'}: {error.message}"
        for error in sorted(validator().iter_errors(record), key=lambda e: list(e.absolute_path))
    ]
