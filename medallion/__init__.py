"""medallion: a dbt-centric ELT warehouse (dlt -> bronze, dbt -> silver and gold, DuckDB)."""

__version__ = "0.1.0"
