"""The case database (DuckDB, embedded) and its schema: the ground floor, importing nothing above it."""

from botwatch.store.case import Case

__all__ = ["Case"]
