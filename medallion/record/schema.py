"""The JSON Schema of a run record (``schemas/run_metadata.schema.json``) and validation."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from medallion.settings import PROJECT_DIR

SCHEMA_PATH = PROJECT_DIR / "schemas" / "run_metadata.schema.json"


@cache
def schema() -> dict[str, Any]:
    """The schema, read once."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def schema_errors(record: dict[str, Any]) -> list[str]:
    """Every way ``record`` breaks the schema, one line each (empty when it is valid)."""
    validator = Draft202012Validator(schema())
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(record)'}: {error.message}"
        for error in sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
    ]
