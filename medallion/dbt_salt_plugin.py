"""dbt-duckdb plugin: hands the erasure salt to DuckDB as a variable, never as SQL text.

Models hash erasure subjects with ``getvariable('medallion_erasure_salt')``, so the salt
stays out of compiled SQL in ``target/``, dbt's logs and view definitions.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

SALT_ENV = "MEDALLION_ERASURE_SALT"
SALT_VARIABLE = "medallion_erasure_salt"


class Plugin(BasePlugin):
    """Sets the salt variable on every connection and cursor dbt opens."""

    def _set_salt(self, connection: Any) -> None:
        salt = os.environ.get(SALT_ENV, "")
        if salt.strip():
            connection.execute(f"set variable {SALT_VARIABLE} = ?", [salt])

    def configure_connection(self, conn: Any) -> None:
        """Called once per DuckDB connection dbt opens."""
        self._set_salt(conn)

    def configure_cursor(self, cursor: Any) -> Any:
        """Called for each cursor; variables are per connection, so set it again."""
        self._set_salt(cursor)
        return cursor
