"""A partial run accounts for its failure, and hostile input never becomes markup.

One ``medallion run`` of a copy of the project whose dim_customers is broken (as in
tests/gold/test_partial_failure.py), over a generated landing zone with one extra product line
whose name is ``<script>alert(1)</script>`` (quarantined: popularity 7.5 is out of range, so it
is shown as an example) and which carries an unknown field named like an ``<img>`` tag (schema
drift).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.gold.helpers import copy_project
from tests.records.browser import open_page
from tests.records.helpers import Run, output_dir, run_medallion

pytestmark = pytest.mark.slow

BROKEN = "model.medallion.dim_customers"
SKIPPED = {
    "mart_customer_value",
    "customer_segment_predictions",
    "customer_segment_prediction_accuracy",
}
SCRIPT = "<script>alert(1)</script>"
IMG_FIELD = "<img src=x onerror=alert(2)>"
HOSTILE_PRODUCT = {
    "sku": 987654321,
    "name": SCRIPT,
    "price": "9.99",
    "category": "misc",
    "popularity": 7.5,
    IMG_FIELD: "drift",
}


def append_line(path: Path, record: dict[str, object]) -> None:
    """Append one NDJSON line to a gzipped landing file."""
    lines = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(lines + json.dumps(record).encode("utf-8") + b"\n"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("records_partial")
    project = copy_project(root / "project")
    model = project / "models" / "gold" / "dim_customers.sql"
    model.write_text(
        model.read_text().replace(
            "    from customers\n)",
            "    from customers\n    where no_such_column\n)",
        )
    )
    assert "no_such_column" in model.read_text()
    landing = root / "landing"
    run_cli(
        "demo",
        "--out",
        str(landing),
        "--days",
        "2",
        "--transactions",
        "300",
        "--clean",
        warehouse=root / "unused.duckdb",
    )
    append_line(landing / "date=2020-01-01" / "hour=00" / "products.json.gz", HOSTILE_PRODUCT)
    return run_medallion(landing, root / "run", project_dir=project)


def test_a_failing_mart_makes_the_run_partial(run: Run) -> None:
    record = run.record()  # validated against the schema
    nodes = {node["unique_id"]: node for node in record["dbt"]["nodes"]}
    marts = {mart["mart"]: mart for mart in record["outputs"]["marts"]}

    assert run.returncode == 2, run.output[-4000:]
    assert record["status"] == "partial"
    assert nodes[BROKEN]["status"] == "error"
    assert "no_such_column" in nodes[BROKEN]["message"]
    for name in SKIPPED:
        assert nodes[f"model.medallion.{name}"]["status"] == "skipped"
    failure = [error for error in record["errors"] if error["context"].get("node") == BROKEN]
    assert len(failure) == 1 and failure[0]["step"] == "dbt build"
    assert record["summary"]["errors"] == len(record["errors"]) >= 1
    assert "dim_customers" not in {m for m, e in marts.items() if e["status"] == "published"}
    assert marts["mart_daily_sales"]["status"] == "published"


def test_the_failure_is_in_the_report(run: Run) -> None:
    html = run.report_html()
    errors = html[html.index('<section id="errors">') : html.index('<section id="row-flow">')]

    assert '<section id="status" class="banner partial">' in html
    assert BROKEN in errors
    assert "no_such_column" in errors
    metrics = (run.folder / "metrics.prom").read_text(encoding="utf-8")
    assert 'medallion_run_status{status="partial"} 1.0' in metrics


def test_hostile_input_is_escaped_never_markup(run: Run) -> None:
    record = run.record()
    html = run.report_html()
    index = (run.reports / "index.html").read_text(encoding="utf-8")

    # The record holds the data as data: the name in a (masked) example, the key as drift.
    examples = [
        e for e in record["quarantine"]["examples"] if e["record"] and SCRIPT in e["record"]
    ]
    assert examples and examples[0]["rule"] == "popularity: must be between 0 and 1"
    drift = {f["field"] for entity in record["schema_drift"] for f in entity["unknown_fields"]}
    assert IMG_FIELD in drift
    # The report shows both, escaped; no script or img element exists anywhere.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    for page in (html, index):
        assert "<script" not in page.lower()
        assert "<img" not in page.lower()


def test_hostile_report_renders_as_text_in_chromium(
    run: Run, chromium: str, tmp_path: Path
) -> None:
    page = open_page(
        chromium,
        (run.folder / "report.html").as_uri(),
        tmp_path / "browser",
        output_dir("partial") / "report.png",
    )

    assert page.console == []
    assert page.network == []
    assert "<script" not in page.dom.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.dom
    assert '<svg id="row-flow-chart"' in page.dom
