"""Run records on the real dataset: one ``medallion run`` accounts for itself, figure by figure.

Two runs over the same landing zone into fresh warehouses share one reports folder; both run
a copy of the project, so that its code cannot change between them. Every figure
of the first run's metadata.yaml is recounted here from the landing files, the warehouse or the
exported files, never taken from the pipeline's own code.
"""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from prometheus_client.parser import text_string_to_metric_families

from medallion.docs_site import external_references
from medallion.record.fingerprint import code_sha256
from tests.records.browser import open_page
from tests.records.helpers import (
    Run,
    environment,
    medallion,
    output_dir,
    run_medallion,
    sha256_of,
)

pytestmark = [pytest.mark.real_data, pytest.mark.slow]

BRONZE_ROWS = {"customers": 777, "products": 2480, "transactions": 10036, "erasure_requests": 24}
SILVER_MODELS = {
    "customers": "slv_customers",
    "products": "slv_products",
    "transactions": "slv_transactions",
    "transaction_lines": "slv_transaction_lines",
    "erasure_requests": "slv_erasure_requests",
}


@pytest.fixture(scope="module")
def first(root: Path, project: Path, real_dataset: Path) -> Run:
    """``medallion run`` on the real dataset into a fresh warehouse."""
    run = run_medallion(real_dataset, root / "first", reports=root / "reports", project_dir=project)
    assert run.returncode == 0, run.output[-6000:]
    return run


@pytest.fixture(scope="module")
def second(first: Run, root: Path, project: Path, real_dataset: Path) -> Run:
    """The same run again, into another fresh warehouse, recorded in the same reports folder."""
    run = run_medallion(real_dataset, root / "second", reports=first.reports, project_dir=project)
    assert run.returncode == 0, run.output[-6000:]
    return run


def landing_lines(path: Path) -> int:
    """Lines of a landing file: its (decompressed) bytes split on newlines, as the ingest reads."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def test_the_run_writes_a_valid_record(first: Run) -> None:
    record = first.record()  # validated against schemas/run_metadata.schema.json

    assert record["status"] == "success"
    assert record["errors"] == []
    assert first.folder.name == record["run_id"]
    assert record["run_id"].endswith("-" + record["fingerprint"]["value"])
    assert [step["name"] for step in record["steps"]] == [
        "ingest",
        "dbt build",
        "erasure",
        "exports",
    ]
    assert (first.folder / "report.html").is_file()
    assert (first.folder / "metrics.prom").is_file()


def test_inputs_are_every_landing_file(first: Run, real_dataset: Path) -> None:
    record = first.record()
    on_disk = {
        path.relative_to(real_dataset).as_posix(): path
        for path in real_dataset.glob("date=*/hour=*/*")
        if path.is_file()
    }
    recorded = {entry["path"]: entry for entry in record["inputs"]["files"]}

    assert len(on_disk) == 968
    assert recorded.keys() == on_disk.keys()
    for relative, path in on_disk.items():
        entry = recorded[relative]
        assert entry["size_bytes"] == path.stat().st_size, relative
        assert entry["sha256"] == sha256_of(path), relative
        assert entry["lines"] == landing_lines(path), relative
        assert entry["change"] == "new"
    assert record["skipped"] == [
        {"path": "SOURCE.md", "reason": "file outside a date=/hour= partition"}
    ]
    assert record["summary"]["files_total"] == 968


def test_bronze_and_silver_counts_match_the_warehouse(first: Run) -> None:
    record = first.record()
    bronze = {table: first.scalar(f"select count(*) from bronze.{table}") for table in BRONZE_ROWS}

    assert bronze == BRONZE_ROWS
    assert record["loads"]["rows_total"] == bronze
    assert record["loads"]["rows_this_run"] == bronze
    # two loads: the erasure requests first (medallion/requests_first.py), then the rest
    assert len(record["loads"]["load_ids"]) == 2
    reconciliation = {entry["entity"]: entry for entry in record["reconciliation"]}
    assert reconciliation.keys() == SILVER_MODELS.keys()
    for entity, model in SILVER_MODELS.items():
        assert reconciliation[entity]["silver_rows"] == first.scalar(
            f"select count(*) from silver.{model}"
        ), entity
        assert reconciliation[entity]["is_reconciled"]
    quarantined = {
        entity: first.scalar(f"select count(*) from silver.slv_{entity}_quarantine")
        for entity in BRONZE_ROWS
    }
    assert record["quarantine"]["rows_per_entity"] == quarantined
    assert record["summary"]["bronze_rows"] == sum(BRONZE_ROWS.values())
    assert record["summary"]["silver_rows"] == sum(
        reconciliation[e]["silver_rows"] for e in BRONZE_ROWS
    )
    assert record["summary"]["quarantine_rows"] == sum(quarantined.values())


def test_quarantine_rules_match_the_data_quality_mart(first: Run) -> None:
    record = first.record()
    mart = {
        (entity, rule): rows
        for entity, rule, rows in first.query(
            "select entity, quality_rule, sum(affected_rows) from gold.mart_data_quality "
            "where issue = 'quarantine' group by all"
        )
    }
    recorded = {(r["entity"], r["rule"]): r["rows"] for r in record["quarantine"]["by_rule"]}

    assert recorded == mart
    assert recorded[("customers", "email: required")] == 6
    for example in record["quarantine"]["examples"]:
        assert example["rule"] in {r["rule"] for r in record["quarantine"]["by_rule"]}


def test_erasure_is_accounted_for_without_personal_data(first: Run) -> None:
    erasure = first.record()["erasure"]

    assert erasure["subjects"] == 23
    assert erasure["subjects"] == first.scalar("select count(*) from silver.slv_erasure_subjects")
    assert erasure["finalised"] and erasure["file_rewritten"]
    assert erasure["rows_anonymized"]["silver_transactions"] == first.scalar(
        "select count(*) from silver.slv_transactions where is_erased"
    )
    # The requests were applied first: the ingest loaded the subjects' lines anonymized, so
    # the finaliser rewrote the request lines alone.
    assert erasure["bronze_rows_rewritten"] == {"erasure_requests": 24}
    anonymized_on_ingest = first.record()["loads"]["rows_anonymized_this_run"]
    assert (anonymized_on_ingest["customers"], anonymized_on_ingest["transactions"]) == (23, 282)
    assert first.record()["summary"]["erased_subjects"] == 23


def test_gold_not_null_constraints_survive_the_file_rewrite(first: Run) -> None:
    """Gold's contracts declare most non-null columns as ``not_null`` constraints, not tests:
    the tables must carry them after the erasure finaliser rewrote the file, or every later
    incremental insert would go unchecked."""
    manifest = json.loads((first.workdir / "target" / "manifest.json").read_text())
    declared = {
        (node["name"], column)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]
        for column, spec in node["columns"].items()
        if any(constraint["type"] == "not_null" for constraint in spec["constraints"])
    }
    enforced = set(
        first.query(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'gold' and is_nullable = 'NO'"
        )
    )
    assert first.record()["erasure"]["file_rewritten"]
    assert len(declared) > 50
    assert declared - enforced == set()


def test_every_output_checksum_is_the_file(first: Run) -> None:
    outputs = first.record()["outputs"]
    export_root = Path(outputs["export_root"])
    files = [f for mart in outputs["marts"] for f in mart["files"]]

    assert {mart["status"] for mart in outputs["marts"]} == {"published"}
    assert len(outputs["marts"]) == 10
    for exported in files:
        path = export_root / exported["path"]
        assert sha256_of(path) == exported["sha256"], path
        parquet = pq.ParquetFile(path)
        assert parquet.metadata.num_rows == exported["rows"], path
        assert [c["name"] for c in exported["columns"]] == parquet.schema_arrow.names, path
    assert sum(f["rows"] for f in files) == first.record()["summary"]["rows_exported"]


def test_no_personal_data_in_what_the_run_wrote(first: Run, real_dataset: Path) -> None:
    values: set[str] = set()
    for path in real_dataset.glob("date=*/hour=*/customers.json*"):
        data = path.read_bytes()
        text = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        for line in text.decode("utf-8").splitlines():
            customer = json.loads(line)
            for key in ("email", "phone_number", "address"):
                if isinstance(customer.get(key), str) and len(customer[key]) >= 8:
                    values.add(customer[key])
    written = "\n".join(
        path.read_text(encoding="utf-8")
        for path in first.folder.iterdir()
        if path.suffix in {".yaml", ".html", ".prom"}
    )

    assert len(values) > 700
    leaked = sorted(value for value in values if value in written)
    assert leaked == []


def test_same_inputs_and_code_same_fingerprint_and_outputs(
    first: Run, second: Run, project: Path
) -> None:
    one, two = first.record(), second.record()

    assert one["run_id"] != two["run_id"]
    assert one["fingerprint"]["code_sha256"] == code_sha256(project)
    assert one["versions"]["git_commit"] is None  # the copy is not a git work tree
    assert one["fingerprint"] == two["fingerprint"]

    def checksums(record: dict[str, Any]) -> dict[str, str]:
        return {
            f["path"]: f["sha256"] for mart in record["outputs"]["marts"] for f in mart["files"]
        }

    assert checksums(one) and checksums(one) == checksums(two)


def test_index_lists_the_runs_newest_first(first: Run, second: Run) -> None:
    index = (first.reports / "index.html").read_text(encoding="utf-8")
    one, two = first.record()["run_id"], second.record()["run_id"]

    assert f'href="runs/{one}/report.html"' in index
    assert index.index(two) < index.index(one)
    assert 'id="trend-chart"' in index


def test_metrics_files(first: Run, second: Run) -> None:
    def samples(path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(path.read_text(encoding="utf-8"))
            for sample in family.samples
        }

    run_metrics = samples(first.folder / "metrics.prom")
    latest = samples(first.reports / "metrics" / "medallion.prom")

    assert run_metrics[("medallion_run_status", (("status", "success"),))] == 1
    assert run_metrics[("medallion_run_status", (("status", "failed"),))] == 0
    assert run_metrics[("medallion_rows_loaded", (("table", "transactions"),))] == 10036
    assert run_metrics[("medallion_rows_quarantined", (("entity", "customers"),))] == 15
    assert run_metrics[("medallion_rows_erased", (("table", "erasure_requests"),))] == 24
    anonymized = ("medallion_rows_anonymized_on_ingest", (("table", "transactions"),))
    assert run_metrics[anonymized] == 282
    assert run_metrics[("medallion_test_failures", ())] == 0
    assert run_metrics[("medallion_run_duration_seconds", ())] > 0
    info = [key for key in latest if key[0] == "medallion_run_info"]
    assert dict(info[0][1])["run_id"] == second.record()["run_id"]


def test_report_is_rerendered_from_metadata_alone(first: Run) -> None:
    report = first.folder / "report.html"
    written = report.read_bytes()
    report.unlink()
    (first.reports / "index.html").unlink()

    completed = medallion(
        "report",
        first.record()["run_id"],
        warehouse=first.warehouse.with_name("absent.duckdb"),
        reports=first.reports,
        workdir=first.workdir,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert report.read_bytes() == written
    assert (first.reports / "index.html").is_file()


def test_report_and_index_open_offline_in_chromium(
    first: Run, chromium: str, tmp_path: Path
) -> None:
    shots = output_dir("real_run")
    report = open_page(
        chromium, (first.folder / "report.html").as_uri(), tmp_path / "report", shots / "report.png"
    )
    index = open_page(
        chromium, (first.reports / "index.html").as_uri(), tmp_path / "index", shots / "index.png"
    )

    for page in (report, index):
        assert page.console == []
        assert page.network == []
        assert page.screenshot.stat().st_size > 10_000
    assert '<svg id="row-flow-chart"' in report.dom
    assert report.dom.count('class="silver"') >= 5
    assert '<svg id="timings-chart"' in report.dom
    assert '<svg id="trend-chart"' in index.dom
    (shots / "report.html").write_text(first.report_html(), encoding="utf-8")


@pytest.fixture(scope="module")
def docs_page(first: Run) -> Path:
    """``medallion docs`` on the first run's warehouse."""
    completed = medallion(
        "docs", warehouse=first.warehouse, reports=first.reports, workdir=first.workdir
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    page = first.reports / "docs" / "index.html"
    assert page.is_file()
    return page


def test_docs_site_is_offline_with_exposures(docs_page: Path) -> None:
    page = docs_page.read_text(encoding="utf-8")

    assert external_references(page) == []
    assert '"send_anonymous_usage_stats": false' in page
    assert "exposure.medallion.parquet_exports" in page
    assert "exposure.medallion.run_report" in page


def test_docs_site_shows_the_lineage_graph(docs_page: Path, chromium: str, tmp_path: Path) -> None:
    shots = output_dir("docs")
    page = open_page(
        chromium,
        docs_page.as_uri() + "#!/overview?g_v=1",
        tmp_path / "docs",
        shots / "lineage.png",
        window="1400,1000",
    )

    assert page.console == []
    assert page.network == []
    assert "cytoscape_container" in page.dom
    assert 'data-id="layer2-node"' in page.dom
    assert "Lineage Graph" in page.dom


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode("utf-8"))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_metrics_and_docs_are_served(first: Run, second: Run, docs_page: Path) -> None:
    metrics_port, docs_port = _free_port(), _free_port()
    env = environment(first.warehouse, first.reports, first.workdir)
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "medallion.cli", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for args in (
            ["metrics", "--port", str(metrics_port)],
            ["docs", "--serve", "--no-generate", "--port", str(docs_port)],
        )
    ]
    try:
        deadline = time.monotonic() + 30
        metrics = _get(f"http://127.0.0.1:{metrics_port}/metrics", deadline)
        docs = _get(f"http://127.0.0.1:{docs_port}/", deadline)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)

    assert f'run_id="{second.record()["run_id"]}"' in metrics
    assert 'medallion_run_status{status="success"} 1.0' in metrics
    assert docs == docs_page.read_text(encoding="utf-8")
