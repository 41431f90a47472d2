"""The parts of a run record on their own (fast), and a run that fails before anything is built."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from medallion.docs_site import external_references, make_offline
from medallion.record.drift import expected_paths, levels
from medallion.record.fingerprint import code_files, fingerprint
from medallion.record.masking import MASK, NOT_SHOWN, mask_record
from medallion.record.schema import schema, schema_errors, validator
from medallion.report.charts import row_flow
from tests.conftest import PROJECT_DIR
from tests.records.helpers import run_medallion


def test_masking_shows_only_non_personal_fields() -> None:
    customer = {
        "id": "012345",
        "first_name": "Ada",
        "last_name": None,
        "email": "ada@example.com",
        "address": "1 Main St\nLondon",
        "country": "United Kingdom",
        "shoe_size": 42,
    }
    masked = json.loads(mask_record("customers", json.dumps(customer)) or "")

    assert masked == {
        "id": "012345",
        "first_name": MASK,
        "last_name": None,
        "email": MASK,
        "address": MASK,
        "country": "United Kingdom",
        "shoe_size": MASK,
    }
    transaction = {
        "customer_id": "7",
        "delivery_address": {"address": "x", "city": "y", "country": "UK"},
        "purchases": {"products": [{"sku": 1, "quanitity": 2, "price": "1.00"}]},
    }
    masked = json.loads(mask_record("transactions", json.dumps(transaction)) or "")
    assert masked["delivery_address"] == {"address": MASK, "city": MASK, "country": "UK"}
    assert masked["purchases"]["products"] == [{"sku": 1, "quanitity": 2, "price": "1.00"}]
    request = json.loads(
        mask_record("erasure_requests", '{"customer-id": "1", "email": "a@b.c"}') or ""
    )
    assert request == {"customer-id": MASK, "email": MASK}
    assert mask_record("customers", '{"id": "1", "email": "a@b.c"') == NOT_SHOWN
    assert mask_record("customers", "[1, 2]") == NOT_SHOWN
    assert mask_record("customers", None) is None


def test_expected_fields_come_from_the_bronze_models() -> None:
    paths = expected_paths(PROJECT_DIR, "transactions")

    assert {"transaction_id", "delivery_address.city", "purchases.total_cost"} <= set(paths)
    by_prefix = {level.prefix: level for level in levels(paths)}
    assert set(by_prefix) == {"", "delivery_address", "purchases"}
    assert by_prefix["delivery_address"].json_path == '$."delivery_address"'
    assert "customer-id" in expected_paths(PROJECT_DIR, "erasure_requests")


def test_fingerprint_follows_inputs_code_and_plan() -> None:
    files = [("date=2020-01-01/hour=00/a.json.gz", "1" * 64), ("b", "2" * 64)]
    base = fingerprint(files, PROJECT_DIR, None, (), True)

    assert re.fullmatch("[0-9a-f]{12}", base.value)
    assert fingerprint(list(reversed(files)), PROJECT_DIR, None, (), True) == base
    assert fingerprint(files[:1], PROJECT_DIR, None, (), True).value != base.value
    assert fingerprint(files, PROJECT_DIR, "daily", (), True).value != base.value
    assert fingerprint(files, PROJECT_DIR, None, (), False).value != base.value
    tracked = {path.relative_to(PROJECT_DIR).as_posix() for path in code_files(PROJECT_DIR)}
    assert {"dbt_project.yml", "selectors.yml", "medallion/runner.py"} <= tracked
    assert "macros/bronze.sql" in tracked and "models/exposures.yml" in tracked
    assert not any(path.startswith("tests/") for path in tracked)


def test_row_flow_keeps_small_segments_visible() -> None:
    chart = row_flow(
        [
            {
                "entity": "products",
                "bronze_rows": 10_000,
                "silver_rows": 9_999,
                "quarantine_rows": 1,
                "duplicate_rows": 0,
            }
        ]
    )
    segments = {bar.kind: bar for bar in chart.rows[0].segments}

    assert segments["quarantine"].width >= 3
    assert segments["duplicates"].width == 0
    assert sum(bar.width for bar in segments.values()) == pytest.approx(chart.bar_width)


def test_docs_page_is_made_offline() -> None:
    page = (
        '<html><head><link rel="shortcut icon" href="${require(\'./favicon.ico\')}"/>'
        '<script src="https://cdn.example.com/a.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.com/f.css">'
        '<script>var m = {"send_anonymous_usage_stats": true};'
        "var t = '<use xlink:href=\"{{ getIcon(x) }}\"></use>';</script></head></html>"
    )
    offline = make_offline(page)

    assert len(external_references(page)) == 2
    assert external_references(offline) == []
    assert '"send_anonymous_usage_stats": false' in offline
    assert 'ng-attr-href="{{ getIcon(x) }}"' in offline
    assert "${require(" not in offline


def test_a_run_that_cannot_start_still_writes_its_record(tmp_path: Path) -> None:
    run = run_medallion(tmp_path / "no-such-landing", tmp_path / "run")
    record = run.record()  # validated against the schema

    assert run.returncode == 1
    assert record["status"] == "failed"
    assert record["errors"][0]["step"] == "ingest"
    assert "does not exist" in record["errors"][0]["message"]
    assert record["inputs"]["files"] == [] and record["outputs"] is None
    assert "banner failed" in run.report_html()
    assert record["run_id"] in (run.reports / "index.html").read_text(encoding="utf-8")


def test_schema_with_inlined_references_finds_the_same_errors() -> None:
    plain = Draft202012Validator(schema())
    broken: list[dict[str, object]] = [
        {},
        {"status": "weird", "summary": {"files_total": "x", "rows_loaded": -1}},
        {"inputs": {"files": [{"path": "a", "sha256": "bad", "lines": -1, "change": "odd"}]}},
        {"schema_drift": [{"entity": "x", "unknown_fields": [{"field": 1, "rows": -2}]}]},
        {"started_at": "yesterday", "kafka": {"gaps": [{"from": "a"}]}},
    ]

    inlined = validator().schema
    assert isinstance(inlined, dict) and "$ref" not in json.dumps(inlined["properties"])
    for record in broken:
        expected = sorted(plain.iter_errors(record), key=lambda e: list(e.absolute_path))
        found = schema_errors(record)
        assert found and found == [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(record)'}: {e.message}"
            for e in expected
        ]
