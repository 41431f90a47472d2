"""The ``medallion`` command line: demo data, ingest, build and run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from medallion.settings import DEFAULT_LANDING, duckdb_settings, warehouse_path

app = typer.Typer(
    help="dbt-centric ELT warehouse: landing files -> bronze (dlt) -> silver and gold (dbt).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

EXIT_FAILURE = 1
# A scheduler can tell "someone else is working" from a failure (EX_TEMPFAIL).
EXIT_WAREHOUSE_BUSY = 75

LandingOption = Annotated[
    Path,
    typer.Option("--landing", help="Landing root with date=YYYY-MM-DD/hour=HH/ partitions."),
]


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print a one-line error and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the landing zone to.")],
    seed: Annotated[int, typer.Option(help="Random seed: same seed and size, same bytes.")] = 42,
    days: Annotated[int, typer.Option(min=1, help="Days of hourly partitions.")] = 3,
    transactions: Annotated[int, typer.Option(min=1, help="Transaction lines in total.")] = 2_000,
    start_date: Annotated[
        str, typer.Option(help="First partition date (YYYY-MM-DD).")
    ] = "2020-01-01",
    clean: Annotated[
        bool,
        typer.Option("--clean/--no-bad-input", help="Only valid input (no injected bad lines)."),
    ] = False,
) -> None:
    """Generate a seeded, realistic landing zone in the real dataset's schema."""
    from medallion.demo import DemoConfig, generate_landing_zone

    try:
        first_day = dt.date.fromisoformat(start_date)
    except ValueError:
        raise fail(f"--start-date {start_date!r} is not a date (YYYY-MM-DD)") from None
    config = DemoConfig(
        seed=seed, days=days, transactions=transactions, start_date=first_day, bad_input=not clean
    )
    with console.status(f"writing demo landing zone to {out}"):
        manifest = generate_landing_zone(out, config)
    totals = manifest.to_dict()["entities"]
    lines = ", ".join(f"{entity}: {facts['lines']:,} lines" for entity, facts in totals.items())
    console.print(f"wrote {out} ({lines}); manifest beside it")


@app.command()
def ingest(landing: LandingOption = DEFAULT_LANDING) -> None:
    """Load new and changed landing files into the bronze tables (dlt -> DuckDB)."""
    _ingest(landing)


def _ingest(landing: Path) -> None:
    from dlt_pipelines.ingest import IngestError, WarehouseLockedError, ingest_landing
    from dlt_pipelines.landing import LandingZoneError
    from medallion.ingest_view import ingest_progress, render_ingest_report

    try:
        with ingest_progress(console) as progress:
            report = ingest_landing(
                landing,
                warehouse_path(),
                on_plan=progress.on_plan,
                on_progress=progress.on_progress,
                duckdb_settings=duckdb_settings(),
            )
    except WarehouseLockedError as error:
        raise fail(str(error), EXIT_WAREHOUSE_BUSY) from None
    except (LandingZoneError, IngestError) as error:
        raise fail(str(error)) from None
    render_ingest_report(report, console)


@app.command()
def build(landing: LandingOption = DEFAULT_LANDING) -> None:
    """Ingest, then ``dbt build`` the silver and gold layers with all their tests."""
    _ingest(landing)
    _dbt_build()


@app.command()
def run(landing: LandingOption = DEFAULT_LANDING) -> None:
    """The main job: ingest, build, and report."""
    _ingest(landing)
    _dbt_build()


def _dbt_build() -> None:
    from medallion.transform import run_dbt

    with console.status("dbt build"):
        outcome = run_dbt("build", warehouse_path())
    passed = sum(1 for node in outcome.nodes if node.status in {"success", "pass"})
    console.print(f"dbt build: {passed} of {len(outcome.nodes)} nodes passed")
    for node in outcome.failed:
        errors.print(f"[red]{node.status}[/] {node.unique_id}: {node.message}", highlight=False)
    if not outcome.success:
        raise fail(outcome.error or "dbt build failed")


if __name__ == "__main__":
    app()
