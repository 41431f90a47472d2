"""dbt-duckdb plugin: hands the erasure salt to DuckDB as a variable, never as SQL text.

The salt is ``$MEDALLION_ERASURE_SALT`` or, when unset, the warehouse's own salt file
(``warehouse/medallion.salt``, created on first use), so ``dbt build`` works on its own.

Models hash erasure subjects with ``getvariable('medallion_erasure_salt')``, so the salt
stays out of compiled SQL in ``target/``, dbt's logs and view definitions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from dlt_pipelines.anonymize import SALT_VARIABLE
from medallion.settings import erasure_salt


class Plugin(BasePlugin):
    """Sets the salt variable on every connection and cursor dbt opens."""

    def _set_salt(self, connection: Any) -> None:
        # The salt of the warehouse dbt builds: $MEDALLION_ERASURE_SALT or its salt file.
        if self.creds is None:
            raise RuntimeError("the erasure salt plugin needs the profile's DuckDB path")
        warehouse = Path(self.creds.path).resolve()
        connection.execute(f"set variable {SALT_VARIABLE} = ?", [erasure_salt(warehouse)])

    def configure_connection(self, conn: Any) -> None:
        """Called once per DuckDB connection dbt opens."""
        self._set_salt(conn)

    def configure_cursor(self, cursor: Any) -> Any:
        """Called for each cursor; variables are per connection, so set it again."""
        self._set_salt(cursor)
        return cursor
