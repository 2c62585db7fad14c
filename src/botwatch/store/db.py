"""Every DuckDB connection botwatch opens: offline, with extension autoloading and autoinstalling off.

DuckDB fetches a missing extension over HTTP when a query needs it (opening a SQLite file asks for
``sqlite_scanner``); botwatch is an offline tool, so no connection may try. The extensions it uses (json,
parquet, icu) are built into the Python package.
"""

from __future__ import annotations

import duckdb

OFFLINE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def connect(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never downloads or loads an extension on its own."""
    return duckdb.connect(database, read_only=read_only, config=dict(OFFLINE_CONFIG))
